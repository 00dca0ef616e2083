"""Edge-biased values of every Wasm 2.0 value type, as exact bit patterns.

Numbers and vectors are unsigned ints (an f32 is its 32 IEEE bits, a v128 its 128 bits with lane
0 lowest), as in ``refwasm.execution.values``.  Edge values (zero, one, minus one, the signed and
unsigned extremes, signed zeros, infinities, NaNs with payloads, subnormals) are drawn about half
of the time; the rest is uniform over the bit patterns.
"""

from __future__ import annotations

import functools

from hypothesis import strategies as st

from refwasm.execution.values import RefHostAddr, RefNullVal, Val
from refwasm.syntax.types import AbsHeapType, NumType, RefType, ValType, VecType

_INT_EDGES = {
    32: (0, 1, 2, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF, 0x7FFF_FFFF, 0x8000_0000,
         0xFFFF_FFFE, 0xFFFF_FFFF),
    64: (0, 1, 2, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000,
         0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFE,
         0xFFFF_FFFF_FFFF_FFFF),
}  # fmt: skip

# (sign bit, exponent all ones, exponent bits, fraction bits) per float width.
_FLOAT_LAYOUT = {32: (1 << 31, 0xFF << 23, 8, 23), 64: (1 << 63, 0x7FF << 52, 11, 52)}


def _float_edges(bits: int) -> tuple[int, ...]:
    """+-0, +-1, +-inf, canonical and payload NaNs of both signs, subnormals, extremes."""
    sign, inf, exp_bits, frac_bits = _FLOAT_LAYOUT[bits]
    one = ((1 << (exp_bits - 1)) - 1) << frac_bits
    quiet = 1 << (frac_bits - 1)
    positive = (
        0, one, inf, inf | quiet, inf | quiet | 1, inf | 1, inf | (quiet - 1),
        1, (1 << frac_bits) - 1, 1 << frac_bits, inf - 1, one | 1, one - 1,
        one + (1 << frac_bits),  # 2.0
        (one - (1 << frac_bits)) | quiet,  # 0.75
    )  # fmt: skip
    return positive + tuple(v | sign for v in positive)


_FLOAT_EDGES = {32: _float_edges(32), 64: _float_edges(64)}


def int_bits(width: int) -> st.SearchStrategy[int]:
    """An ``iN`` bit pattern, biased to the edges of both signed and unsigned ranges."""
    return st.one_of(st.sampled_from(_INT_EDGES[width]), st.integers(0, (1 << width) - 1))


def float_bits(width: int) -> st.SearchStrategy[int]:
    """An ``fN`` bit pattern, biased to zeros, infinities, NaNs, subnormals and extremes."""
    return st.one_of(st.sampled_from(_FLOAT_EDGES[width]), st.integers(0, (1 << width) - 1))


def _lanes(width: int, lane: st.SearchStrategy[int]) -> st.SearchStrategy[int]:
    count = 128 // width
    return st.lists(lane, min_size=count, max_size=count).map(
        lambda xs: sum(x << (i * width) for i, x in enumerate(xs))
    )


def v128_bits() -> st.SearchStrategy[int]:
    """A ``v128`` bit pattern: uniform, or lanes of one shape each drawn edge-biased."""
    small_int_lanes = [
        _lanes(w, st.sampled_from((0, 1, (1 << (w - 1)) - 1, 1 << (w - 1), (1 << w) - 1)))
        for w in (8, 16)
    ]
    return st.one_of(
        st.sampled_from((0, (1 << 128) - 1)),
        st.integers(0, (1 << 128) - 1),
        *small_int_lanes,
        _lanes(32, int_bits(32)),
        _lanes(64, int_bits(64)),
        _lanes(32, float_bits(32)),
        _lanes(64, float_bits(64)),
    )


@functools.cache
def num_bits(t: NumType | VecType) -> st.SearchStrategy[int]:
    """The bit patterns of a number or vector type."""
    if t is VecType.V128:
        return v128_bits()
    return int_bits(t.bits) if t.is_int else float_bits(t.bits)


def values(valtype: ValType) -> st.SearchStrategy[Val]:
    """Runtime values of ``valtype`` (``refwasm.execution.values``), biased to edge values.

    References are null (both types) or host references (``externref`` only): a function
    reference needs a store, so none is generated here.
    """
    if isinstance(valtype, RefType):
        null = st.just(RefNullVal(_heap(valtype)))
        if _heap(valtype) is AbsHeapType.EXTERN:
            return st.one_of(null, st.integers(0, 2**32 - 1).map(RefHostAddr))
        return null
    return num_bits(valtype)


def _heap(rt: RefType) -> AbsHeapType:
    ht = rt.heaptype
    return ht if isinstance(ht, AbsHeapType) else AbsHeapType.FUNC
