"""Lexical format and S-expressions (2.0 ``text-lexical``, ``text-token``, ``text-comment``).

``read_sexprs`` turns source text into a forest of S-expressions: atoms (keywords, numbers,
identifiers, reserved tokens), strings (already unescaped to bytes) and parenthesised lists.
Comments (nested block comments included) and annotations ``(@id ...)`` are dropped here.
The forest is built with an explicit stack, so any nesting depth is fine.

A bad string escape does not stop lexing: the ``Str`` carries the error, raised only when the
parser uses the string, so one bad module does not hide the rest of a script.  Unbalanced
parentheses and unterminated comments or strings are errors of the whole text.
"""

from __future__ import annotations

import re

from refwasm.errors import MALFORMED_UTF8, MalformedError, locate

UNEXPECTED_END = "unexpected end of input"
UNCLOSED_COMMENT = "unclosed comment"
UNCLOSED_STRING = "unclosed string literal"
UNBALANCED_PAREN = "unexpected token"  # a ')' with nothing open
MALFORMED_CHAR = "illegal character"
EMPTY_ANNOTATION_ID = "empty annotation id"
EMPTY_IDENTIFIER = "empty identifier"
UNCLOSED_ANNOTATION = "unclosed annotation"


class Atom:
    """A keyword, number, identifier or reserved token (``text-keyword``, ``text-reserved``)."""

    __slots__ = ("text", "pos")

    def __init__(self, text: str, pos: int) -> None:
        self.text = text
        self.pos = pos

    def __repr__(self) -> str:
        return f"Atom({self.text!r})"


class Str:
    """A string literal (``text-string``): its bytes, or the error its escapes raise."""

    __slots__ = ("data", "error", "pos")

    def __init__(self, data: bytes, error: str | None, pos: int) -> None:
        self.data = data
        self.error = error
        self.pos = pos

    def __repr__(self) -> str:
        return f"Str({self.data!r})"


class SList:
    """A parenthesised list; ``start``/``end`` delimit its source text (parentheses included)."""

    __slots__ = ("items", "start", "end")

    def __init__(self, start: int) -> None:
        self.items: list[SExpr] = []
        self.start = start
        self.end = start

    def __repr__(self) -> str:
        return f"SList({self.items!r})"

    def head(self) -> str | None:
        """The keyword this list starts with, if it starts with an atom."""
        if self.items and isinstance(self.items[0], Atom):
            return self.items[0].text
        return None


SExpr = Atom | Str | SList

_IDCHARS = r"[0-9A-Za-z!#$%&'*+\-./:<=>?@\\^_`|~]"
# An atom's characters: id characters, and the 3.0 reserved ones (``,;[]{}``, a lone ``;``).
_ATOM_CHAR = rf"(?:{_IDCHARS}|[,\[\]{{}}]|;(?!;))"
_ATOM = rf"{_ATOM_CHAR}++"
_STRING = r'"[^"\\\n]*+(?:\\[^\n][^"\\\n]*+)*+"'
# Atoms and strings glued together with no space between them form one reserved token.
_GLUED = rf"(?:{_ATOM}|{_STRING})(?:{_ATOM}|{_STRING})+"
# White space and line comments, then one token; the group that matched names its class.
_TOKEN = re.compile(
    rf"""(?:[ \t\n\r]++|;;[^\n\r]*+)*+
      (?:(?P<qid>\$")
      |(?P<atom>{_ATOM}(?!"))
      |(?P<lpar>\((?![;@]))
      |(?P<rpar>\))
      |(?P<str>{_STRING}(?!"|{_ATOM_CHAR}))
      |(?P<glued>{_GLUED})
      |(?P<block>\(;)
      |(?P<annot>\(@)
      |(?P<eof>\Z))
    """,
    re.VERBOSE,
)
# An annotation's id: id characters or (3.0) a string.
_ANNOT_ID = re.compile(rf"{_IDCHARS}+|{_STRING}")
_BLOCK_COMMENT_PART = re.compile(r"\(;|;\)")
_ESCAPE = re.compile(r"\\(?:u\{([0-9A-Fa-f](?:_?[0-9A-Fa-f])*)\}|([0-9A-Fa-f]{2})|(.))", re.S)
_SURROGATE = re.compile("[\ud800-\udfff]")
_SIMPLE_ESCAPES = {"t": b"\t", "n": b"\n", "r": b"\r", '"': b'"', "'": b"'", "\\": b"\\"}


def unescape(body: str) -> tuple[bytes, str | None]:
    """The bytes of a string literal's body (``Tstring`` · ``text-string``), and an error message if
    any."""
    if "\\" not in body and body.isprintable():
        return body.encode("utf-8"), None
    if _SURROGATE.search(body):
        return b"", MALFORMED_UTF8  # source bytes that were not UTF-8 (surrogateescape)
    out = bytearray()
    pos = 0
    for m in _ESCAPE.finditer(body):
        chunk = body[pos : m.start()]
        if any(ord(c) < 0x20 or ord(c) == 0x7F for c in chunk):
            return b"", "illegal control character"
        out += chunk.encode("utf-8")
        pos = m.end()
        code, hexbyte, simple = m.groups()
        if hexbyte is not None:
            out.append(int(hexbyte, 16))
        elif code is not None:
            value = int(code.replace("_", ""), 16)
            if value >= 0x110000 or 0xD800 <= value < 0xE000:
                return b"", "malformed UTF-8 encoding"
            out += chr(value).encode("utf-8")
        elif simple in _SIMPLE_ESCAPES:
            out += _SIMPLE_ESCAPES[simple]
        else:
            return b"", "illegal escape"
    tail = body[pos:]
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in tail):
        return b"", "illegal control character"
    out += tail.encode("utf-8")
    return bytes(out), None


def _skip_block_comment(text: str, pos: int) -> int:
    """Skip a (nested) block comment starting at ``pos``; return its end."""
    depth = 0
    scan = pos
    while True:
        m = _BLOCK_COMMENT_PART.search(text, scan)
        if m is None:
            raise MalformedError(UNCLOSED_COMMENT)
        depth += 1 if m.group() == "(;" else -1
        scan = m.end()
        if depth == 0:
            return scan


def read_sexprs(text: str) -> list[SExpr]:
    """Lex ``text`` and group its tokens into S-expressions (``Ttoken`` · ``text-token``,
    ``Tspace`` · ``text-space``)."""
    forest, error = read_sexprs_prefix(text)
    if error is not None:
        raise error
    return forest


def read_sexprs_prefix(text: str) -> tuple[list[SExpr], MalformedError | None]:
    """The complete top-level S-expressions before the first lexical error, and that error.

    A parser that reads tokens in order reports the first error in text order; callers
    parse this prefix first and raise the lexical error only if the prefix is fine.
    """
    top: list[SExpr] = []
    try:
        _read(text, top)
    except MalformedError as error:
        return top, error
    return top, None


def _read(text: str, top: list[SExpr]) -> None:
    """Append the S-expressions of ``text`` to ``top`` as each one completes."""
    stack: list[SList] = []
    items = top  # the list the next item goes to: the innermost open list's, or ``top``
    annotation_depth = 0  # > 0 while inside ``(@id ...)``: its tokens are dropped
    annotation_start = 0  # where the outermost open annotation starts
    pos = 0
    match = _TOKEN.match
    # One string object per keyword: a big module repeats a few keywords millions of times,
    # and a fresh string per token would cost more than its Atom.  (Numbers and identifiers
    # are mostly distinct: not worth a table entry each.)
    keywords: dict[str, str] = {}
    while True:
        m = match(text, pos)
        if m is None:
            where = _skip_space(text, pos)
            raise locate(MalformedError(_bad_char_message(text, where)), text_pos=where)
        kind = m.lastgroup
        pos = m.end()
        # The branches go from the most frequent token class to the least.
        if kind == "atom":
            if not annotation_depth:
                atom = m.group(kind)
                if "a" <= atom[0] <= "z":
                    atom = keywords.setdefault(atom, atom)
                elif atom == "$":
                    raise locate(MalformedError(EMPTY_IDENTIFIER), text_pos=m.start(kind))
                items.append(Atom(atom, m.start(kind)))
        elif kind == "lpar":
            if annotation_depth:
                annotation_depth += 1
            else:
                opened = SList(pos - 1)
                stack.append(opened)
                items = opened.items
        elif kind == "rpar":
            if annotation_depth:
                annotation_depth -= 1
            elif not stack:
                raise locate(MalformedError(UNBALANCED_PAREN), text_pos=pos - 1)
            else:
                closed = stack.pop()
                closed.end = pos
                items = stack[-1].items if stack else top
                items.append(closed)
        elif kind == "str":
            if not annotation_depth:
                start = m.start(kind)
                data, error = unescape(text[start + 1 : pos - 1])
                items.append(Str(data, error, start))
        elif kind == "glued":
            # Recognisable by the quote it contains (text-reserved).
            if not annotation_depth:
                items.append(Atom(m.group(kind), m.start(kind)))
        elif kind == "qid":
            start = m.start(kind)
            glued = _GLUED_TOKEN.match(text, start)
            if glued is not None and not _QUOTED.match(text, pos - 1):
                pos = glued.end()  # ``$"l"0``: a reserved token, not an identifier
                if not annotation_depth:
                    items.append(Atom(glued.group(), start))
                continue
            name, pos = _quoted_name(text, pos - 1, EMPTY_IDENTIFIER, start)
            if not annotation_depth:
                items.append(Atom("$" + name, start))
        elif kind == "block":
            pos = _skip_block_comment(text, m.start(kind))
        elif kind == "annot":
            if not annotation_depth:
                annotation_start = m.start(kind)
                _check_annotation_id(text, pos, annotation_start)
            annotation_depth += 1
        else:
            break  # end of input
    if annotation_depth:
        raise locate(MalformedError(UNCLOSED_ANNOTATION), text_pos=annotation_start)
    if stack:
        raise locate(MalformedError(UNEXPECTED_END), text_pos=stack[-1].start)


_QUOTED = re.compile(rf"{_STRING}(?!{_ATOM_CHAR}|\")")
_GLUED_TOKEN = re.compile(_GLUED)


def _quoted_name(text: str, pos: int, empty: str, at: int) -> tuple[str, int]:
    """The name of a quoted identifier ``$"..."`` (3.0 ``Tid``) or annotation id whose string
    starts at ``pos``, and the position after it: a non-empty string of valid UTF-8, else
    ``empty`` (the message for an empty or unreadable one) or ``malformed UTF-8``, located at
    ``at`` (the token's start)."""
    m = _QUOTED.match(text, pos)
    if m is None:
        raise locate(MalformedError(empty), text_pos=at)
    data, error = unescape(text[pos + 1 : m.end() - 1])
    if error == MALFORMED_UTF8:
        raise locate(MalformedError(MALFORMED_UTF8), text_pos=at)
    if error is not None or not data:
        raise locate(MalformedError(empty), text_pos=at)
    try:
        return data.decode("utf-8"), m.end()
    except UnicodeDecodeError:
        raise locate(MalformedError(MALFORMED_UTF8), text_pos=at) from None


def _check_annotation_id(text: str, pos: int, at: int) -> None:
    """An annotation ``(@id ...)`` (starting at ``at``) needs an id right after ``@``: id
    characters or a quoted name (``empty annotation id``)."""
    if text.startswith('"', pos):
        _quoted_name(text, pos, EMPTY_ANNOTATION_ID, at)
    elif not _ANNOT_ID.match(text, pos):
        raise locate(MalformedError(EMPTY_ANNOTATION_ID), text_pos=at)


_SPACE = re.compile(r"(?:[ \t\n\r]++|;;[^\n\r]*+)*+")


def _skip_space(text: str, pos: int) -> int:
    m = _SPACE.match(text, pos)
    return m.end() if m else pos


class LineIndex:
    """1-based line numbers of source positions, computed on demand (``text-newline``).

    Positions asked in increasing order (a script's commands) cost linear time overall.
    """

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.count = 1

    def line(self, pos: int) -> int:
        if pos < self.pos:
            self.pos, self.count = 0, 1
        self.count += self.text.count("\n", self.pos, pos)
        self.pos = pos
        return self.count




def _bad_char_message(text: str, pos: int) -> str:
    if text[pos] == '"':
        return UNCLOSED_STRING
    if "\udc80" <= text[pos] <= "\udcff":  # a byte that was not UTF-8 (surrogateescape)
        return MALFORMED_UTF8
    return MALFORMED_CHAR
