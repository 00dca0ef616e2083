"""Properties of the text format.

* ``parse_module(print_module(m)) == m`` for arbitrary 2.0 syntax trees (helper A's
  ``modules()`` strategy; custom sections have no text form and are left out);
* parsing arbitrary text, arbitrary ``.wast`` text, and soups of real tokens (which get much
  deeper into the grammar) raises nothing but ``MalformedError``.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refwasm.errors import MalformedError
from refwasm.features import Features
from refwasm.text import mnemonics, parse_module, parse_script, print_module

EXAMPLES = 2000

# Tokens the grammar knows, plus near misses, so that random sequences reach deep rules.
_WORDS = sorted(mnemonics.PLAIN)[::7] + [
    "module", "func", "param", "result", "local", "type", "import", "export", "table",
    "memory", "global", "elem", "data", "start", "offset", "item", "declare", "mut", "block",
    "loop", "if", "then", "else", "end", "br", "br_if", "br_table", "call", "call_indirect",
    "local.get", "global.get", "i32.const", "i64.const", "f32.const", "f64.const",
    "v128.const", "i8x16", "f32x4", "i8x16.shuffle", "i32x4.extract_lane", "i32.load",
    "offset=4", "align=3", "align=0", "funcref", "externref", "func", "extern", "ref.null",
    "ref.func", "select", "memory.init", "table.init", "i32", "i64", "f32", "f64", "v128",
    "$x", "$y", "0", "1", "-1", "0x10", "1.5", "-0x1p-3", "inf", "nan", "nan:0x1", "1e400",
    "4294967296", "0drop", "nan:canonical", '"a"', '"\\ff"', '""', "(", ")", "(", ")",
    "(;c;)", ";;c\n", "(@a x)", "assert_return", "invoke", "quote", "binary", "register",
]


@st.composite
def token_soups(draw: st.DrawFn) -> str:
    words = draw(st.lists(st.sampled_from(_WORDS), max_size=40))
    return "(module " + " ".join(words) + ")"


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.text(max_size=200))
def test_arbitrary_text_raises_only_malformed(text: str) -> None:
    try:
        parse_module(text)
    except MalformedError:
        pass


@settings(max_examples=EXAMPLES, deadline=None)
@given(token_soups(), st.sampled_from(["1.0", "2.0"]))
def test_token_soups_raise_only_malformed(text: str, version: str) -> None:
    try:
        parse_module(text, Features.for_version(version))
    except MalformedError:
        pass


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.one_of(st.text(max_size=200), token_soups().map(lambda t: t[len("(module "):-1])))
def test_arbitrary_scripts_raise_only_malformed(text: str) -> None:
    try:
        parse_script(text)
    except MalformedError:
        pass


strategies = pytest.importorskip("syntax_strategies", reason="helper A's syntax strategies")


@settings(max_examples=500, deadline=None)  # generating modules is the slow part
@given(strategies.modules())
def test_print_parse_round_trip(module: object) -> None:
    module = dataclasses.replace(module, customs=())  # type: ignore[type-var]
    assert parse_module(print_module(module)) == module  # type: ignore[arg-type]
