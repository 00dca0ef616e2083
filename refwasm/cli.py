"""The ``refwasm`` command line: one subcommand per module in ``refwasm/commands/``.

Each command module defines ``HELP`` (one line), ``add_arguments(parser)`` and
``run(args) -> int`` (the exit status).  Only the module of the command being run is
imported, so ``refwasm inspect`` does not pay for the interpreter.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Subcommand name -> (module under refwasm.commands, one-line help).
COMMANDS = {
    "inspect": ("inspect", "decode and validate a module; list imports, exports, custom sections"),
    "validate": ("validate", "validate a module (.wasm or .wat)"),
    "print": ("print_", "print a module in the text format"),
    "parse": ("parse", "convert a text module to binary"),
    "wast": ("wast", "run .wast scripts and report per file"),
    "run": ("run", "instantiate a module and invoke an export"),
    "oracle": ("oracle", "serve refwasm as a differential-testing oracle over JSON lines"),
    "diff": ("diff", "differential testing of generated modules against other engines"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``refwasm`` console script and ``python -m refwasm``."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = argparse.ArgumentParser(
        prog="refwasm", description="An executable model of the WebAssembly specification."
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((a for a in argv if not a.startswith("-")), None)
    for name, (module_name, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text)
        if name == chosen:
            module = importlib.import_module(f"refwasm.commands.{module_name}")
            module.add_arguments(sub)
            sub.set_defaults(run=module.run)
    args = parser.parse_args(argv)
    status: int = args.run(args)
    return status


if __name__ == "__main__":
    sys.exit(main())
