"""The printer and the encoder on the 3.0 suite files that need neither GC nor exception
handling (issue 12's check: outside ``gc/`` and ``exceptions/``, no struct/array/i31/any/eq/exn
types, no ``rec``/``sub``, no tags): every well-formed text module survives
``parse(print(m)) == m`` and ``decode(encode(m)) == m`` under 3.0 rules."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from text_helpers import file_id, script_of, suite_files, text_modules

from refwasm.binary import decode_module
from refwasm.binary.encode import encode_module
from refwasm.errors import MalformedError
from refwasm.features import Features
from refwasm.text import parse_module, print_module
from refwasm.text.script_syntax import QuoteModule, TextModule

V3 = Features.for_version("3.0")

# A GC or exception handling construct: a keyword of their types, a rec/sub/tag field or an
# exception instruction (strings and comments are removed first).
_GC_OR_EH = re.compile(
    r"(?<![.\w$_-])(struct|array|i31|anyref|eqref|i31ref|structref|arrayref|nullref|exnref"
    r"|nullexnref|exn|noexn|any|eq|none)\b(?![.\-])|\(rec\b|\(sub\b|\(tag\b|\bthrow\b|try_table")
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"')
_COMMENTS = re.compile(r";;.*")


def needs_only_part_1(path: Path) -> bool:
    """Whether a 3.0 suite file needs neither GC nor exception handling."""
    if path.parent.name in ("gc", "exceptions"):
        return False
    text = _COMMENTS.sub("", _STRINGS.sub('""', path.read_text(errors="replace")))
    return _GC_OR_EH.search(text) is None


FILES = [p for p in suite_files("3.0") if needs_only_part_1(p)]


@pytest.mark.skipif(not FILES, reason="official test suite not found")
def test_the_selection_leaves_out_gc_and_exceptions() -> None:
    names = {file_id(p) for p in FILES}
    assert "wasm-3.0/call_ref.wast" in names and "wasm-3.0/type-rec.wast" not in names
    assert not any("/gc/" in n or "/exceptions/" in n for n in names)
    assert len(FILES) > 200


@pytest.mark.skipif(not FILES, reason="official test suite not found")
@pytest.mark.parametrize("path", FILES, ids=[file_id(p) for p in FILES])
def test_print_and_encode_round_trip(path: Path) -> None:
    for mod in text_modules(script_of(path, "3.0")):
        if mod.malformed_message is not None:
            continue
        source = mod.source
        try:
            module = source.module if isinstance(source, TextModule) else parse_module(
                source.text, V3) if isinstance(source, QuoteModule) else None
        except MalformedError:
            continue  # a quote module that the suite expects to be invalid may not parse
        if module is None:
            continue
        text = print_module(module, V3)
        assert parse_module(text, V3) == module, f"line {mod.line}:\n{text}"
        assert decode_module(encode_module(module, V3), V3) == module, f"line {mod.line}"
