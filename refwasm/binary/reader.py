"""A byte reader for the binary format: bytes, LEB128 integers, names (2.0 ``binary-values``).

The reader walks one ``bytes`` object with an index, never copying the input.  Like the spec's
reference interpreter, it reads a section or a function body in the same stream as the whole
module and checks the declared size only once the contents are read (``section size
mismatch``); that is what makes the suite's messages come out (a too-short global section makes
the decoder read the next section's id as an opcode: ``illegal opcode``).

Running past the end of the input gives ``unexpected end`` at the top level (header, section
headers) and ``unexpected end of section or function`` inside a section, of which the former
is a prefix, as the suite's runners compare messages by prefix.
"""

from __future__ import annotations

from refwasm.errors import (
    INTEGER_TOO_LARGE,
    INTEGER_TOO_LONG,
    LENGTH_OUT_OF_BOUNDS,
    MALFORMED_UTF8,
    UNEXPECTED_END,
    UNEXPECTED_END_OF_SECTION,
    MalformedError,
)


class Reader:
    """A position in a byte string; every read advances it or raises ``MalformedError``."""

    __slots__ = ("data", "pos", "end_message", "lengths_bounded_by_rest")

    def __init__(self, data: bytes, lengths_bounded_by_rest: bool = True) -> None:
        self.data = data
        self.pos = 0
        # 2.0 bounds a length by the input left; 1.0 by the whole input (``Features``).
        self.lengths_bounded_by_rest = lengths_bounded_by_rest
        # The message for running out of input; the decoder switches it inside sections.
        self.end_message = UNEXPECTED_END

    def eof(self) -> bool:
        return self.pos >= len(self.data)

    def peek(self) -> int | None:
        """The next byte without consuming it, ``None`` at the end of the input."""
        return self.data[self.pos] if self.pos < len(self.data) else None

    def byte(self) -> int:
        """``Bbyte`` · ``binary-byte``"""
        pos = self.pos
        if pos >= len(self.data):
            raise MalformedError(self.end_message)
        self.pos = pos + 1
        return self.data[pos]

    def bytes_(self, n: int) -> bytes:
        """``n`` raw bytes (a name's or a data segment's contents)."""
        pos = self.pos
        if n < 0 or pos + n > len(self.data):
            raise MalformedError(self.end_message)
        self.pos = pos + n
        return self.data[pos : pos + n]

    def u(self, bits: int) -> int:
        """``Bu32``, ``Bu64`` (``BuN(N)``) · ``binary-int``: ``uN`` as unsigned LEB128 of at most
        ceil(N/7) bytes whose unused bits in the last byte are zero."""
        result = 0
        shift = 0
        remaining = bits
        while True:
            if remaining <= 0:
                raise MalformedError(INTEGER_TOO_LONG)
            b = self.byte()
            if remaining < 7 and (b & 0x7F) >= (1 << remaining):
                raise MalformedError(INTEGER_TOO_LARGE)
            result |= (b & 0x7F) << shift
            if b < 0x80:
                return result
            shift += 7
            remaining -= 7

    def s(self, bits: int) -> int:
        """``Bs33`` (``BsN(N)``) · ``binary-int``: ``sN`` as signed LEB128; the unused bits of the
        last byte must all equal the sign bit."""
        pos = self.pos
        if bits >= 7 and pos < len(self.data) and self.data[pos] < 0x80:  # one byte: common
            self.pos = pos + 1
            b = self.data[pos]
            return b - 0x80 if b & 0x40 else b
        result = 0
        shift = 0
        remaining = bits
        while True:
            if remaining <= 0:
                raise MalformedError(INTEGER_TOO_LONG)
            b = self.byte()
            if remaining < 7:
                mask = (-1 << (remaining - 1)) & 0x7F
                if b & mask not in (0, mask):
                    raise MalformedError(INTEGER_TOO_LARGE)
            result |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                if b & 0x40:
                    result -= 1 << shift
                return result
            remaining -= 7

    def u32(self) -> int:
        """``Bu32`` · ``binary-int``: ``u32``; the fast path is the common one-byte case."""
        pos = self.pos
        if pos < len(self.data) and self.data[pos] < 0x80:
            self.pos = pos + 1
            return self.data[pos]
        return self.u(32)

    def i(self, bits: int) -> int:
        """``BiN(N)`` · ``binary-int``: ``iN`` is ``sN`` reinterpreted as its unsigned bit
        pattern."""
        return self.s(bits) & ((1 << bits) - 1)

    def fixed(self, n: int) -> int:
        """``Bf32``, ``Bf64`` (``BfN(N)``) · ``binary-float``: ``n`` little-endian bytes as an
        unsigned integer (its bits)."""
        return int.from_bytes(self.bytes_(n), "little")

    def length(self) -> int:
        """A ``u32`` length that the rest of the input can hold.

        As in the reference interpreter, it is compared with what remains counted from the
        length's own first byte; a longer one is ``length out of bounds``.  The 1.0 interpreter
        compared it with the size of the whole input, and read on until it ran out.
        """
        start = self.pos if self.lengths_bounded_by_rest else 0
        n = self.u32()
        if n > len(self.data) - start:
            raise MalformedError(LENGTH_OUT_OF_BOUNDS)
        return n

    def name(self) -> str:
        """``Bname`` · ``binary-name``: a length-prefixed UTF-8 string."""
        raw = self.bytes_(self.length())
        try:
            # Python's strict codec rejects overlong forms, surrogates and code points past
            # U+10FFFF, exactly the sequences the spec's ``utf8`` grammar excludes.
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise MalformedError(MALFORMED_UTF8) from None


def enter_section(reader: Reader) -> None:
    """Inside a section, running out of input is ``unexpected end of section or function``."""
    reader.end_message = UNEXPECTED_END_OF_SECTION
