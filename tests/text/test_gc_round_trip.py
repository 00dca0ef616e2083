"""Item 4 of issue 13 for GC: every valid text module of the 3.0 GC suite survives
``parse(print(m)) == m`` and ``decode(encode(m)) == m`` (rec groups, sub types, struct and
array types with packed and mutable fields, and the GC instructions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from refwasm.binary import decode_module, encode_module
from refwasm.errors import WasmError
from refwasm.features import Features
from refwasm.syntax.modules import Module
from refwasm.testsuite import missing_reason, suite_root
from refwasm.text import parse_module, parse_script, print_module
from refwasm.text.printer import Style
from refwasm.text.script_syntax import ModuleCommand, TextModule
from refwasm.validation import validate_module

GC = Features.for_version("3.0")
SUITE = suite_root() / "wasm-3.0"
FILES = sorted((SUITE / "gc").glob("*.wast")) + [
    SUITE / name for name in ("type-rec.wast", "type-equivalence.wast", "type-canon.wast")]


def valid_modules(path: Path) -> list[Module]:
    script = parse_script(path.read_text(), GC)
    out = []
    for cmd in script.commands:
        if isinstance(cmd, ModuleCommand) and isinstance(cmd.source, TextModule):
            try:
                validate_module(cmd.source.module, GC)
            except WasmError:
                continue
            out.append(cmd.source.module)
    return out


@pytest.mark.skipif(not SUITE.is_dir(), reason=missing_reason())
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_gc_modules_round_trip(path: Path) -> None:
    modules = valid_modules(path)
    for m in modules:
        assert parse_module(print_module(m, GC), GC) == m
        assert decode_module(encode_module(m, GC), GC) == m


def test_type_definitions_print_as_wasm_tools_does() -> None:
    """A final sub type without supertypes is its composite type alone (``Tsubtype_(I)``'s
    abbreviation); any other keeps ``(sub final? x* ...)``; each ``type`` has its index
    comment.  Expected text written by hand from the grammar."""
    m = parse_module("""(module
        (type $s (struct (field i32)))
        (rec (type $a (sub (struct (field (ref null $b)))))
             (type $b (sub final $a (struct (field (ref null $b)))))))""", GC)
    text = print_module(m, GC, Style(index_comments=True))
    assert "(type (;0;) (struct (field i32)))" in text
    assert ("(rec (type (;1;) (sub (struct (field (ref null 2))))) "
            "(type (;2;) (sub final 1 (struct (field (ref null 2))))))") in text
    assert parse_module(text, GC) == m
