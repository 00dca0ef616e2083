"""The text format (2.0 ``text``; SpecTec ``6.*-text``): modules, the printer, ``.wast`` scripts."""

from refwasm.text import gc as _gc  # noqa: F401  (registers the 3.0 GC instructions)
from refwasm.text.parser import parse_module
from refwasm.text.printer import print_module
from refwasm.text.script import parse_script

__all__ = ["parse_module", "parse_script", "print_module"]
