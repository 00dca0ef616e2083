"""Lexical format: tokens, strings, comments, annotations, deep nesting."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from refwasm.errors import MalformedError
from refwasm.text.lexer import Atom, LineIndex, SList, Str, read_sexprs, unescape


def shape(items: Sequence[object]) -> list[object]:
    out: list[object] = []
    for item in items:
        if isinstance(item, SList):
            out.append(shape(item.items))
        elif isinstance(item, Atom):
            out.append(item.text)
        elif isinstance(item, Str):
            out.append(item.data)
    return out


def test_tokens_comments_and_annotations() -> None:
    text = '(a $b 1.5 "s" (; x (; nested ;) ;) ;; line\n (@note (x "(")) (c)d)'
    assert shape(read_sexprs(text)) == [["a", "$b", "1.5", b"s", ["c"], "d"]]


@pytest.mark.parametrize("newline", ["\n", "\r", "\r\n"])
def test_line_comments_end_at_any_newline(newline: str) -> None:
    assert shape(read_sexprs(f"(a ;; comment{newline} b)")) == [["a", "b"]]


def test_glued_tokens_form_one_reserved_token() -> None:
    [lst] = read_sexprs('(data "a""b" $x"y" 0"z")')
    assert isinstance(lst, SList)
    assert [x.text for x in lst.items[1:] if isinstance(x, Atom)] == ['"a""b"', '$x"y"', '0"z"']


@pytest.mark.parametrize(
    ("body", "expected"),
    [(r"\t\n\r\"\'\\", b"\t\n\r\"'\\"), (r"\00\ff", b"\x00\xff"), (r"\u{48}\u{1F600}",
     "H\U0001F600".encode()), ("é", "é".encode())],
)
def test_string_escapes(body: str, expected: bytes) -> None:
    assert unescape(body) == (expected, None)


@pytest.mark.parametrize("body", [r"\q", r"\u{D800}", r"\u{110000}", "\t", "\x7f", r"\0",
                                  "\udcff"])
def test_bad_strings_carry_their_error(body: str) -> None:
    data, error = unescape(body)
    assert error is not None


@pytest.mark.parametrize("text", ["(a", "a)", "(; open", '("unterminated)', "(@a", "\x01"])
def test_malformed_texts(text: str) -> None:
    with pytest.raises(MalformedError):
        read_sexprs(text)


def test_deep_nesting_needs_no_recursion() -> None:
    depth = 100_000
    [outer] = read_sexprs("(" * depth + ")" * depth)
    for _ in range(depth - 1):
        assert isinstance(outer, SList)
        outer = outer.items[0]
    assert isinstance(outer, SList) and outer.items == []


def test_line_index() -> None:
    text = "a\nb\n\nc"
    lines = LineIndex(text)
    assert [lines.line(text.index(c)) for c in "abc"] == [1, 2, 4]
    assert lines.line(0) == 1  # asking backwards starts over
