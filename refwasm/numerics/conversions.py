"""Conversion operators of Wasm 2.0 (2.0 document ``exec-numerics``, "Conversions"; SpecTec
``3.1-numerics.scalar``: ``$extend__``, ``$trunc__``, ``$convert__`` ...).

Every operator takes the operand width ``M`` then the result width ``N``, as the spec writes
``trunc_u_{M,N}(z)`` for a conversion from ``fM`` to ``iN``.  Values are bit patterns; a
rounding conversion (``convert``, ``demote``) rounds once from the exact operand value with
``FloatOps.ieee``, never through a second rounding.  NaN results follow the policy of
``floating.py``: the operand's sign and leading payload bits are kept and the quiet bit is set,
so a canonical NaN converts to a canonical NaN and any other NaN to an arithmetic one.
"""

from __future__ import annotations

import math

from refwasm.errors import (
    INTEGER_OVERFLOW,
    INVALID_CONVERSION_TO_INTEGER,
    TrapError,
    crash_unless,
)
from refwasm.numerics.floating import float_ops
from refwasm.numerics.integer import int_ops


def extend_u(M: int, N: int, i: int) -> int:
    """``$extend__`` · ``op-extend_u``: zero-extension is the identity on bit patterns."""
    return i


def extend_s(M: int, N: int, i: int) -> int:
    """``$extend__`` · ``op-extend_s``: the ``N``-bit pattern of ``signed_M(i)``."""
    return int_ops(M).signed(i) & int_ops(N).mask


def wrap(M: int, N: int, i: int) -> int:
    """``$wrap__`` · ``op-wrap``: ``i mod 2^N``."""
    return i & int_ops(N).mask


def _truncated(M: int, z: int) -> int:
    """``$trunc__`` · ``op-trunc_u`` steps 1-2: ``trunc(z)`` of a float operand, trapping on
    NaN and infinities."""
    ops = float_ops(M)
    magnitude = z & ops.abs_mask
    if magnitude > ops.inf:
        raise TrapError(INVALID_CONVERSION_TO_INTEGER)
    if magnitude == ops.inf:
        raise TrapError(INTEGER_OVERFLOW)
    return math.trunc(ops.to_float(z))  # exact: a finite float is an exact Python int after trunc


def trunc_u(M: int, N: int, z: int) -> int:
    """``$trunc__`` · ``op-trunc_u``: ``trunc(z)`` if it lies in ``[0, 2^N)``; otherwise the result
    is undefined (trap)."""
    t = _truncated(M, z)
    if not 0 <= t <= int_ops(N).mask:
        raise TrapError(INTEGER_OVERFLOW)
    return t


def trunc_s(M: int, N: int, z: int) -> int:
    """``$trunc__`` · ``op-trunc_s``: ``trunc(z)`` if it lies in ``[-2^(N-1), 2^(N-1))``; otherwise
    trap."""
    t = _truncated(M, z)
    ints = int_ops(N)
    if not -ints.sign_bit <= t < ints.sign_bit:
        raise TrapError(INTEGER_OVERFLOW)
    return t & ints.mask


def trunc_sat_u(M: int, N: int, z: int) -> int:
    """``$trunc_sat__`` · ``op-trunc_sat_u``: ``sat_u_N(trunc(z))``; NaN gives 0, infinities
    saturate. """
    ops = float_ops(M)
    magnitude = z & ops.abs_mask
    if magnitude > ops.inf:
        return 0
    top = int_ops(N).mask
    if magnitude == ops.inf:
        return 0 if z & ops.sign_bit else top
    return min(max(math.trunc(ops.to_float(z)), 0), top)


def trunc_sat_s(M: int, N: int, z: int) -> int:
    """``$trunc_sat__`` · ``op-trunc_sat_s``: ``sat_s_N(trunc(z))``; NaN gives 0, infinities
    saturate. """
    ops = float_ops(M)
    magnitude = z & ops.abs_mask
    if magnitude > ops.inf:
        return 0
    ints = int_ops(N)
    if magnitude == ops.inf:
        return ints.sign_bit if z & ops.sign_bit else ints.sign_bit - 1
    t = math.trunc(ops.to_float(z))
    return min(max(t, -ints.sign_bit), ints.sign_bit - 1) & ints.mask


def promote(M: int, N: int, z: int) -> int:
    """``$promote__`` · ``op-promote``: widening is exact; a NaN keeps its sign and payload bits,
    quieted."""
    crash_unless(M < N, "promote widens")
    src = float_ops(M)
    dst = float_ops(N)
    if (z & src.abs_mask) > src.inf:
        return _convert_nan(src.N, dst.N, z)
    return dst.from_float(src.to_float(z))


def demote(M: int, N: int, z: int) -> int:
    """``$demote__`` · ``op-demote``: ``ieee_N(z)``, rounded once; zeros and infinities keep their
    sign."""
    crash_unless(M > N, "demote narrows")
    src = float_ops(M)
    dst = float_ops(N)
    magnitude = z & src.abs_mask
    if magnitude > src.inf:
        return _convert_nan(M, N, z)
    if magnitude == src.inf:
        return dst.inf | (dst.sign_bit if z & src.sign_bit else 0)
    negative, m, e = src.decompose(z)
    return dst.ieee(negative, m, e)


def _convert_nan(M: int, N: int, z: int) -> int:
    """The NaN of ``promote``/``demote``: sign kept, payload aligned at its top, quiet bit set."""
    src = float_ops(M)
    dst = float_ops(N)
    payload = z & ((1 << src.signif) - 1)
    shift = dst.signif - src.signif
    payload = payload << shift if shift >= 0 else payload >> -shift
    sign = dst.sign_bit if z & src.sign_bit else 0
    return sign | dst.inf | dst.quiet_bit | payload


def convert_u(M: int, N: int, i: int) -> int:
    """``$convert__`` · ``op-convert_u``: ``ieee_N(i)``, rounded once (ties to even)."""
    return float_ops(N).ieee(False, i, 0)


def convert_s(M: int, N: int, i: int) -> int:
    """``$convert__`` · ``op-convert_s``: ``ieee_N(signed_M(i))``, rounded once (ties to even)."""
    j = int_ops(M).signed(i)
    return float_ops(N).ieee(j < 0, abs(j), 0)


def reinterpret(M: int, N: int, c: int) -> int:
    """``$reinterpret__`` · ``op-reinterpret``: the same bits read at another type of the same
    width. """
    crash_unless(M == N, "reinterpret keeps the width")
    return c
