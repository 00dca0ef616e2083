"""Lane projections of a 128-bit vector: ``lanes`` and its inverse (2.0 ``aux-lanes``; SpecTec
``$lanes_`` / ``$inv_lanes_``).

A ``v128`` is a 128-bit unsigned int.  Its lanes are the little-endian byte groups of width
``w`` (8, 16, 32 or 64 bits): lane ``i`` is bits ``[i*w, (i+1)*w)``.  Float lanes are their
IEEE bit patterns, so the projection depends only on the lane *width*, never on int vs float.

This is the hot path of every vector instruction, so the work is done by ``int.to_bytes`` and
one precompiled ``struct.Struct`` per width rather than by shifting lane by lane.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable

from refwasm.syntax.instructions import Shape

LANE_WIDTHS = (8, 16, 32, 64)

_CODE_U = {8: "B", 16: "H", 32: "I", 64: "Q"}
_CODE_S = {8: "b", 16: "h", 32: "i", 64: "q"}

_UNSIGNED = {w: struct.Struct(f"<{128 // w}{_CODE_U[w]}") for w in LANE_WIDTHS}
# The signed view equals signed_w applied to each lane ("aux-signed"); unpacking it directly
# saves a conversion per lane in the signed operators.
_SIGNED = {w: struct.Struct(f"<{128 // w}{_CODE_S[w]}") for w in LANE_WIDTHS}

Unpack = Callable[[int], tuple[int, ...]]
Pack = Callable[[Iterable[int]], int]


def unpacker(w: int) -> Unpack:
    """``lanes_{iw x (128/w)}``: split a vector into unsigned lane bit patterns, lane 0 first."""
    unpack = _UNSIGNED[w].unpack

    def lanes_u(v: int) -> tuple[int, ...]:
        return unpack(v.to_bytes(16, "little"))

    return lanes_u


def signed_unpacker(w: int) -> Unpack:
    """``signed_w`` of each of ``lanes_{iw x (128/w)}``: the lanes read as two's complement."""
    unpack = _SIGNED[w].unpack

    def lanes_s(v: int) -> tuple[int, ...]:
        return unpack(v.to_bytes(16, "little"))

    return lanes_s


def packer(w: int) -> Pack:
    """``lanes^-1_{iw x (128/w)}``: join unsigned lane bit patterns (lane 0 first) into a vector."""
    pack = _UNSIGNED[w].pack

    def inv_lanes(cs: Iterable[int]) -> int:
        return int.from_bytes(pack(*cs), "little")

    return inv_lanes


def signed_packer(w: int) -> Pack:
    """``lanes^-1`` of ``signed^-1_w`` of each lane: join lanes given as signed integers."""
    pack = _SIGNED[w].pack

    def inv_lanes_s(cs: Iterable[int]) -> int:
        return int.from_bytes(pack(*cs), "little")

    return inv_lanes_s


_UNPACK = {w: unpacker(w) for w in LANE_WIDTHS}
_PACK = {w: packer(w) for w in LANE_WIDTHS}


def lanes(shape: Shape, v: int) -> tuple[int, ...]:
    """``$lanes_`` · ``aux-lanes``: the lanes of ``v`` under ``shape``, each as its unsigned bit
    pattern."""
    return _UNPACK[shape.lane_bits](v)


def inv_lanes(shape: Shape, cs: Iterable[int]) -> int:
    """``$lanes_`` · ``aux-lanes`` inverse: the vector whose lanes under ``shape`` are ``cs`` (bit
    patterns)."""
    return _PACK[shape.lane_bits](cs)
