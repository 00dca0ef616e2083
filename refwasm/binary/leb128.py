"""LEB128 encoding of integers (2.0 ``binary-int``): the minimal form, as the encoder emits it.

Decoding lives in ``reader.py`` (``Reader.u``/``Reader.s``), where the size and unused-bit
rules are checked.
"""

from __future__ import annotations


def encode_u(value: int) -> bytes:
    """``Bu32``, ``Bu64`` (``BuN(N)``) · ``binary-uint``: the shortest unsigned LEB128 encoding of a
    non-negative integer."""
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7
        if value:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def encode_s(value: int) -> bytes:
    """``Bs33`` (``BsN(N)``) · ``binary-sint``: the shortest signed LEB128 encoding of an
    integer."""
    out = bytearray()
    while True:
        b = value & 0x7F
        value >>= 7  # arithmetic shift: the sign is kept
        if (value == 0 and not b & 0x40) or (value == -1 and b & 0x40):
            out.append(b)
            return bytes(out)
        out.append(b | 0x80)


def encode_i(value: int, bits: int) -> bytes:
    """``BiN(N)`` · ``binary-int``: an ``iN`` bit pattern written as the ``sN`` it reinterprets."""
    value &= (1 << bits) - 1
    if value >> (bits - 1):
        value -= 1 << bits
    return encode_s(value)
