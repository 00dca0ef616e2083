"""Floating-point operators of Wasm 2.0 (2.0 document ``exec-numerics``, "Floating-Point
Operations"; SpecTec ``3.1-numerics.scalar``: ``$fadd_``, ``$fmin_`` ...).

Values are IEEE 754 bit patterns: an ``fN`` is an ``int`` in ``[0, 2^N)``.  Python floats are
used only where the result is provably the correctly rounded one:

* f64 arithmetic: Python's ``+ - * /`` and ``math.sqrt`` are IEEE 754 binary64 operations,
  rounding to nearest, ties to even.
* f32 arithmetic: both operands are widened exactly to binary64, the operation rounds once to
  binary64 and the result is rounded again to binary32 (``struct``'s ``'f'`` packing, a C
  ``(float)`` cast: round to nearest even; on overflow Python raises ``OverflowError``, which we
  map to the infinity that rounding gives).  Double rounding is innocuous for ``+ - * / sqrt``
  when the wide precision is at least ``2p + 2`` bits for the narrow precision ``p``
  (S. A. Figueroa, "When is double rounding innocuous?", SIGNUM Newsletter 30(3), 1995):
  53 >= 2 * 24 + 2.  binary64's exponent range holds every such intermediate without overflow
  or underflow, and an f32 subnormal result is a rounding to an even coarser grid, which the
  theorem covers too.
* Everything else (int -> float conversion, demotion) rounds *once* from the exact value with
  ``FloatOps.ieee``, written with integers.

NaNs never pass through a Python float.  NaN propagation (``aux-nans``) lets an operator return
any canonical NaN when all NaN operands are canonical and any arithmetic NaN otherwise.
refwasm's choice is deterministic:

* if an operand is a NaN, the result is the **first** NaN operand with its quiet bit set (sign
  and payload kept; a canonical NaN stays canonical, any other becomes arithmetic);
* if no operand is a NaN (``inf - inf``, ``0 / 0``, ``sqrt(-1)``...), the result is the
  **positive canonical NaN** (``0x7fc00000`` / ``0x7ff8000000000000``).

``fneg``, ``fabs`` and ``fcopysign`` act on the sign bit only and never touch a NaN payload.

As in ``integer.py``, each rule is a method of the per-width operator set ``FloatOps(N)`` (bound
methods fill the interpreter's dispatch tables), and ``fadd(N, z1, z2)`` etc. give the spec's
width-first signatures.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable
from typing import Any

from refwasm.errors import crash_unless

_BITS32 = struct.Struct("<I")
_BITS64 = struct.Struct("<Q")
_FLOAT32 = struct.Struct("<f")
_FLOAT64 = struct.Struct("<d")
_BITS32_PAIR = struct.Struct("<2I")
_BITS64_PAIR = struct.Struct("<2Q")
_FLOAT32_PAIR = struct.Struct("<2f")
_FLOAT64_PAIR = struct.Struct("<2d")


class FloatOps:
    """The floating-point operators at one bit width ``N`` (32 or 64)."""

    __slots__ = (
        "N",
        "signif",
        "expon",
        "bias",
        "sign_bit",
        "abs_mask",
        "inf",
        "quiet_bit",
        "canonical_nan",
        "integral_from",
        "_to_float",
        "_pack_pair",
        "_unpack_pair",
        "_from_float",
    )

    def __init__(self, N: int) -> None:
        crash_unless(N in (32, 64), f"no binary float format of width {N}")
        self.N = N
        self.signif = 23 if N == 32 else 52  # ``signif(N)``: stored significand bits
        self.expon = N - 1 - self.signif  # ``expon(N)``: exponent bits
        self.bias = (1 << (self.expon - 1)) - 1
        self.sign_bit = 1 << (N - 1)
        self.abs_mask = self.sign_bit - 1
        self.inf = ((1 << self.expon) - 1) << self.signif
        self.quiet_bit = 1 << (self.signif - 1)  # ``canon_N``, the payload of a canonical NaN
        self.canonical_nan = self.inf | self.quiet_bit
        # Magnitudes from 2^signif up have no fraction bits: they are integral already.
        self.integral_from = (self.bias + self.signif) << self.signif
        self._to_float: Callable[[int], float]
        # Two operands go through one struct round trip: bits -> bytes -> two floats.
        self._pack_pair: Callable[[int, int], bytes]
        self._unpack_pair: Callable[[bytes], tuple[Any, ...]]
        self._from_float: Callable[[float], int]
        if N == 32:
            self._to_float = _f32_to_float
            self._pack_pair = _BITS32_PAIR.pack
            self._unpack_pair = _FLOAT32_PAIR.unpack
            self._from_float = _float_to_f32
        else:
            self._to_float = _f64_to_float
            self._pack_pair = _BITS64_PAIR.pack
            self._unpack_pair = _FLOAT64_PAIR.unpack
            self._from_float = _float_to_f64

    # -- Auxiliary ----------------------------------------------------------------------------

    def is_nan(self, z: int) -> bool:
        """Whether ``z`` is ``±nan(n)`` (``syntax-nan``): all exponent bits set, payload nonzero."""
        return (z & self.abs_mask) > self.inf

    def nans(self, *zs: int) -> int:
        """``aux-nans``: refwasm's deterministic pick from ``nans_N{zs}``, see the module docstring.
        """
        for z in zs:
            if (z & self.abs_mask) > self.inf:
                return z | self.quiet_bit
        return self.canonical_nan

    def to_float(self, z: int) -> float:
        """The exact value of a non-NaN ``z`` as a Python float (binary64 holds every fN)."""
        return self._to_float(z)

    def from_float(self, x: float) -> int:
        """``ieee_N`` of a binary64 value (a NaN becomes the positive canonical NaN)."""
        return self._from_float(x) if x == x else self.canonical_nan

    def ieee(self, negative: bool, m: int, e: int) -> int:
        """``$ieee_`` · ``aux-ieee``: ``ieee_N(±m * 2^e)``, round to nearest, ties to even, from the
        exact value."""
        sign = self.sign_bit if negative else 0
        if m == 0:
            return sign
        p = self.signif + 1  # precision, counting the implicit leading bit
        e_min = 1 - self.bias  # exponent of the smallest normal number
        top = m.bit_length() - 1 + e  # exponent of m's leading bit
        q = max(top, e_min) - (p - 1)  # exponent of the last kept bit (unit in the last place)
        shift = q - e
        if shift > 0:
            r = m >> shift
            rest = m - (r << shift)
            half = 1 << (shift - 1)
            if rest > half or (rest == half and r & 1):
                r += 1
        else:
            r = m << -shift
        if r >> p:  # rounding carried into a new leading bit
            r >>= 1
            q += 1
        if r >> (p - 1) == 0:  # subnormal (q is at its minimum), or rounded to zero
            return sign | r
        biased = q + (p - 1) + self.bias
        if biased >= (1 << self.expon) - 1:
            return sign | self.inf
        return sign | (biased << self.signif) | (r & ((1 << self.signif) - 1))

    def decompose(self, z: int) -> tuple[bool, int, int]:
        """The sign, integer significand and exponent of a finite ``z``: ``z = ±m * 2^e``."""
        field = (z & self.abs_mask) >> self.signif
        m = z & ((1 << self.signif) - 1)
        if field == 0:
            return bool(z & self.sign_bit), m, 1 - self.bias - self.signif
        return bool(z & self.sign_bit), m | (1 << self.signif), field - self.bias - self.signif

    # -- Arithmetic ---------------------------------------------------------------------------

    def fadd(self, z1: int, z2: int) -> int:
        """``$fadd_`` · ``op-fadd``: IEEE addition (``inf + -inf`` is a NaN; ``+0 + -0`` is ``+0``).
        """
        if (z1 & self.abs_mask) > self.inf or (z2 & self.abs_mask) > self.inf:
            return self.nans(z1, z2)
        x1, x2 = self._unpack_pair(self._pack_pair(z1, z2))
        x = x1 + x2
        return self._from_float(x) if x == x else self.canonical_nan

    def fsub(self, z1: int, z2: int) -> int:
        """``$fsub_`` · ``op-fsub``: IEEE subtraction."""
        if (z1 & self.abs_mask) > self.inf or (z2 & self.abs_mask) > self.inf:
            return self.nans(z1, z2)
        x1, x2 = self._unpack_pair(self._pack_pair(z1, z2))
        x = x1 - x2
        return self._from_float(x) if x == x else self.canonical_nan

    def fmul(self, z1: int, z2: int) -> int:
        """``$fmul_`` · ``op-fmul``: IEEE multiplication (``inf * 0`` is a NaN)."""
        if (z1 & self.abs_mask) > self.inf or (z2 & self.abs_mask) > self.inf:
            return self.nans(z1, z2)
        x1, x2 = self._unpack_pair(self._pack_pair(z1, z2))
        x = x1 * x2
        return self._from_float(x) if x == x else self.canonical_nan

    def fdiv(self, z1: int, z2: int) -> int:
        """``$fdiv_`` · ``op-fdiv``: IEEE division (``0 / 0`` is a NaN; ``x / ±0`` an infinity)."""
        if (z1 & self.abs_mask) > self.inf or (z2 & self.abs_mask) > self.inf:
            return self.nans(z1, z2)
        if z2 & self.abs_mask == 0:  # Python raises on a zero divisor: apply the rule here
            if z1 & self.abs_mask == 0:
                return self.canonical_nan
            return ((z1 ^ z2) & self.sign_bit) | self.inf
        x1, x2 = self._unpack_pair(self._pack_pair(z1, z2))
        x = x1 / x2
        return self._from_float(x) if x == x else self.canonical_nan

    def fsqrt(self, z: int) -> int:
        """``$fsqrt_`` · ``op-fsqrt``: IEEE square root (``sqrt(-0)`` is ``-0``; negative operands
        give a NaN)."""
        if (z & self.abs_mask) > self.inf:
            return self.nans(z)
        x = self._to_float(z)
        if x < 0:
            return self.canonical_nan
        return self.from_float(math.sqrt(x))

    def fmin(self, z1: int, z2: int) -> int:
        """``$fmin_`` · ``op-fmin``: the smaller operand; ``-0`` below ``+0``; NaN if either is NaN.
        """
        if (z1 & self.abs_mask) > self.inf or (z2 & self.abs_mask) > self.inf:
            return self.nans(z1, z2)
        x1, x2 = self._unpack_pair(self._pack_pair(z1, z2))
        if x1 == x2:
            return z1 | z2  # equal bits, or ±0 and ∓0 whose minimum is -0
        return z1 if x1 < x2 else z2

    def fmax(self, z1: int, z2: int) -> int:
        """``$fmax_`` · ``op-fmax``: the larger operand; ``+0`` above ``-0``; NaN if either is NaN.
        """
        if (z1 & self.abs_mask) > self.inf or (z2 & self.abs_mask) > self.inf:
            return self.nans(z1, z2)
        x1, x2 = self._unpack_pair(self._pack_pair(z1, z2))
        if x1 == x2:
            return z1 & z2  # equal bits, or ±0 and ∓0 whose maximum is +0
        return z1 if x1 > x2 else z2

    def fpmin(self, z1: int, z2: int) -> int:
        """``$fpmin_`` · ``op-fpmin``: ``z2`` if ``z2 < z1``, else ``z1`` (no NaN propagation)."""
        return z2 if self.flt(z2, z1) else z1

    def fpmax(self, z1: int, z2: int) -> int:
        """``$fpmax_`` · ``op-fpmax``: ``z2`` if ``z1 < z2``, else ``z1`` (no NaN propagation)."""
        return z2 if self.flt(z1, z2) else z1

    # -- Sign operations: bitwise, NaN payloads untouched -------------------------------------

    def fcopysign(self, z1: int, z2: int) -> int:
        """``$fcopysign_`` · ``op-fcopysign``: ``z1``'s magnitude with ``z2``'s sign."""
        return (z1 & self.abs_mask) | (z2 & self.sign_bit)

    def fabs(self, z: int) -> int:
        """``$fabs_`` · ``op-fabs``: clear the sign bit."""
        return z & self.abs_mask

    def fneg(self, z: int) -> int:
        """``$fneg_`` · ``op-fneg``: flip the sign bit."""
        return z ^ self.sign_bit

    # -- Rounding to an integral value --------------------------------------------------------

    def _integral(self, z: int, rounding: Callable[[float], int]) -> int:
        """The shared steps of fceil/ffloor/ftrunc/fnearest, ``rounding`` being the real one."""
        magnitude = z & self.abs_mask
        if magnitude > self.inf:
            return self.nans(z)
        if magnitude >= self.integral_from:  # infinities and values without fraction bits
            return z
        i = rounding(self._to_float(z))
        if i == 0:
            # Zeros, and values rounding to zero, keep the operand's sign (e.g. ceil(-0.5) = -0).
            return z & self.sign_bit
        return self._from_float(float(i))  # |i| <= 2^signif: exact in both formats

    def fceil(self, z: int) -> int:
        """``$fceil_`` · ``op-fceil``: the smallest integral value not below ``z``."""
        return self._integral(z, math.ceil)

    def ffloor(self, z: int) -> int:
        """``$ffloor_`` · ``op-ffloor``: the largest integral value not above ``z``."""
        return self._integral(z, math.floor)

    def ftrunc(self, z: int) -> int:
        """``$ftrunc_`` · ``op-ftrunc``: the integral value toward zero."""
        return self._integral(z, math.trunc)

    def fnearest(self, z: int) -> int:
        """``$fnearest_`` · ``op-fnearest``: the nearest integral value, ties to even."""
        return self._integral(z, round)  # round(float) rounds half to even, exactly

    # -- Comparisons (results are 0 or 1; a NaN operand compares false except for ne) ---------

    def feq(self, z1: int, z2: int) -> int:
        """``$feq_`` · ``op-feq``: numeric equality (``+0 == -0``; NaN equals nothing)."""
        x1, x2 = self._unpack_pair(self._pack_pair(z1, z2))
        return 1 if x1 == x2 else 0

    def fne(self, z1: int, z2: int) -> int:
        """``$fne_`` · ``op-fne``"""
        x1, x2 = self._unpack_pair(self._pack_pair(z1, z2))
        return 1 if x1 != x2 else 0

    def flt(self, z1: int, z2: int) -> int:
        """``$flt_`` · ``op-flt``"""
        x1, x2 = self._unpack_pair(self._pack_pair(z1, z2))
        return 1 if x1 < x2 else 0

    def fgt(self, z1: int, z2: int) -> int:
        """``$fgt_`` · ``op-fgt``"""
        x1, x2 = self._unpack_pair(self._pack_pair(z1, z2))
        return 1 if x1 > x2 else 0

    def fle(self, z1: int, z2: int) -> int:
        """``$fle_`` · ``op-fle``"""
        x1, x2 = self._unpack_pair(self._pack_pair(z1, z2))
        return 1 if x1 <= x2 else 0

    def fge(self, z1: int, z2: int) -> int:
        """``$fge_`` · ``op-fge``"""
        x1, x2 = self._unpack_pair(self._pack_pair(z1, z2))
        return 1 if x1 >= x2 else 0


# Bit pattern <-> Python float.  Widening f32 to binary64 is exact; any NaN is only compared
# (comparisons are false whatever its payload), never returned.


def _f32_to_float(z: int) -> float:
    """The value of the f32 bit pattern ``z``."""
    x: float = _FLOAT32.unpack(_BITS32.pack(z))[0]
    return x


def _f64_to_float(z: int) -> float:
    """The value of the f64 bit pattern ``z``."""
    x: float = _FLOAT64.unpack(_BITS64.pack(z))[0]
    return x


def _float_to_f32(x: float) -> int:
    """Round a non-NaN binary64 to binary32 bits (nearest, ties to even), see module docstring."""
    try:
        z: int = _BITS32.unpack(_FLOAT32.pack(x))[0]
    except OverflowError:  # the cast rounded a finite value to infinity
        return 0xFF800000 if x < 0 else 0x7F800000
    return z


def _float_to_f64(x: float) -> int:
    """The bits of a non-NaN binary64."""
    z: int = _BITS64.unpack(_FLOAT64.pack(x))[0]
    return z


FLOAT_OPS: dict[int, FloatOps] = {N: FloatOps(N) for N in (32, 64)}


def float_ops(N: int) -> FloatOps:
    """The operator set at width ``N``; only 32 and 64 exist."""
    ops = FLOAT_OPS.get(N)
    return ops if ops is not None else FloatOps(N)  # FloatOps crashes on other widths


# -- The spec's signatures: bit width first ---------------------------------------------------


def nans(N: int, *zs: int) -> int:
    """``aux-nans``: refwasm's deterministic NaN for the operands ``zs`` (see module docstring)."""
    return float_ops(N).nans(*zs)


def fadd(N: int, z1: int, z2: int) -> int:
    """``$fadd_`` · ``op-fadd``"""
    return float_ops(N).fadd(z1, z2)


def fsub(N: int, z1: int, z2: int) -> int:
    """``$fsub_`` · ``op-fsub``"""
    return float_ops(N).fsub(z1, z2)


def fmul(N: int, z1: int, z2: int) -> int:
    """``$fmul_`` · ``op-fmul``"""
    return float_ops(N).fmul(z1, z2)


def fdiv(N: int, z1: int, z2: int) -> int:
    """``$fdiv_`` · ``op-fdiv``"""
    return float_ops(N).fdiv(z1, z2)


def fmin(N: int, z1: int, z2: int) -> int:
    """``$fmin_`` · ``op-fmin``"""
    return float_ops(N).fmin(z1, z2)


def fmax(N: int, z1: int, z2: int) -> int:
    """``$fmax_`` · ``op-fmax``"""
    return float_ops(N).fmax(z1, z2)


def fpmin(N: int, z1: int, z2: int) -> int:
    """``$fpmin_`` · ``op-fpmin``"""
    return float_ops(N).fpmin(z1, z2)


def fpmax(N: int, z1: int, z2: int) -> int:
    """``$fpmax_`` · ``op-fpmax``"""
    return float_ops(N).fpmax(z1, z2)


def fcopysign(N: int, z1: int, z2: int) -> int:
    """``$fcopysign_`` · ``op-fcopysign``"""
    return float_ops(N).fcopysign(z1, z2)


def fabs(N: int, z: int) -> int:
    """``$fabs_`` · ``op-fabs``"""
    return float_ops(N).fabs(z)


def fneg(N: int, z: int) -> int:
    """``$fneg_`` · ``op-fneg``"""
    return float_ops(N).fneg(z)


def fsqrt(N: int, z: int) -> int:
    """``$fsqrt_`` · ``op-fsqrt``"""
    return float_ops(N).fsqrt(z)


def fceil(N: int, z: int) -> int:
    """``$fceil_`` · ``op-fceil``"""
    return float_ops(N).fceil(z)


def ffloor(N: int, z: int) -> int:
    """``$ffloor_`` · ``op-ffloor``"""
    return float_ops(N).ffloor(z)


def ftrunc(N: int, z: int) -> int:
    """``$ftrunc_`` · ``op-ftrunc``"""
    return float_ops(N).ftrunc(z)


def fnearest(N: int, z: int) -> int:
    """``$fnearest_`` · ``op-fnearest``"""
    return float_ops(N).fnearest(z)


def feq(N: int, z1: int, z2: int) -> int:
    """``$feq_`` · ``op-feq``"""
    return float_ops(N).feq(z1, z2)


def fne(N: int, z1: int, z2: int) -> int:
    """``$fne_`` · ``op-fne``"""
    return float_ops(N).fne(z1, z2)


def flt(N: int, z1: int, z2: int) -> int:
    """``$flt_`` · ``op-flt``"""
    return float_ops(N).flt(z1, z2)


def fgt(N: int, z1: int, z2: int) -> int:
    """``$fgt_`` · ``op-fgt``"""
    return float_ops(N).fgt(z1, z2)


def fle(N: int, z1: int, z2: int) -> int:
    """``$fle_`` · ``op-fle``"""
    return float_ops(N).fle(z1, z2)


def fge(N: int, z1: int, z2: int) -> int:
    """``$fge_`` · ``op-fge``"""
    return float_ops(N).fge(z1, z2)
