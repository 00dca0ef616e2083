"""Integer operators of Wasm 2.0 (2.0 document ``exec-numerics``, "Integer Operations";
SpecTec ``3.1-numerics.scalar``: ``$iadd_``, ``$idiv_`` ...).

Values are unsigned bit patterns: an ``iN`` is an ``int`` in ``[0, 2^N)``.  Signedness lives only
in the operators, through ``signed_N`` and its inverse (``aux-signed``).

Each operator exists twice, once per concept:

* ``IntOps(N).iadd(i1, i2)``: the rule itself, a method of the width-``N`` operator set whose
  constants (mask, sign bit) are computed once.  The interpreter's dispatch tables
  (``refwasm.numerics.binop_fn``) hold these bound methods, so a call pays no width dispatch.
* ``iadd(N, i1, i2)``: the spec's signature (bit width first), for readers and for the vector
  operators, which apply the scalar rule lane by lane.

Partial operators (division by zero, signed overflow) raise ``TrapError`` with the message the
official test suite expects (2.0 ``exec-op-partial``: an undefined result traps).
"""

from __future__ import annotations

from refwasm.errors import INTEGER_DIVIDE_BY_ZERO, INTEGER_OVERFLOW, TrapError


class IntOps:
    """The integer operators at one bit width ``N`` (32 or 64, or a lane width 8/16)."""

    __slots__ = ("N", "mask", "sign_bit", "modulus")

    def __init__(self, N: int) -> None:
        self.N = N
        self.modulus = 1 << N
        self.mask = self.modulus - 1
        self.sign_bit = 1 << (N - 1)

    # -- Auxiliary ----------------------------------------------------------------------------

    def signed(self, i: int) -> int:
        """``$signed_`` · ``aux-signed``: the two's complement reading of the bit pattern ``i``."""
        return i - self.modulus if i & self.sign_bit else i

    def unsigned(self, j: int) -> int:
        """``signed_N^-1`` (``$signed_`` · ``aux-signed``): the bit pattern of an integer in range
        of ``iN``."""
        return j & self.mask

    # -- Arithmetic ---------------------------------------------------------------------------

    def iadd(self, i1: int, i2: int) -> int:
        """``$iadd_`` · ``op-iadd``: addition modulo ``2^N``."""
        return (i1 + i2) & self.mask

    def isub(self, i1: int, i2: int) -> int:
        """``$isub_`` · ``op-isub``: subtraction modulo ``2^N``."""
        return (i1 - i2) & self.mask

    def imul(self, i1: int, i2: int) -> int:
        """``$imul_`` · ``op-imul``: multiplication modulo ``2^N``."""
        return (i1 * i2) & self.mask

    def idiv_u(self, i1: int, i2: int) -> int:
        """``$idiv_`` · ``op-idiv_u``: unsigned division truncated toward zero; traps on a zero
        divisor."""
        if i2 == 0:
            raise TrapError(INTEGER_DIVIDE_BY_ZERO)
        return i1 // i2

    def idiv_s(self, i1: int, i2: int) -> int:
        """``$idiv_`` · ``op-idiv_s``: signed division truncated toward zero; traps on ``0`` and on
        ``-2^(N-1)/-1``. """
        if i2 == 0:
            raise TrapError(INTEGER_DIVIDE_BY_ZERO)
        j1 = self.signed(i1)
        j2 = self.signed(i2)
        # Python's // floors; the spec truncates, so divide the magnitudes and re-sign.
        q = abs(j1) // abs(j2)
        if (j1 < 0) != (j2 < 0):
            q = -q
        if q == self.sign_bit:  # only -2^(N-1) / -1 leaves the signed range
            raise TrapError(INTEGER_OVERFLOW)
        return q & self.mask

    def irem_u(self, i1: int, i2: int) -> int:
        """``$irem_`` · ``op-irem_u``: unsigned remainder; traps on a zero divisor."""
        if i2 == 0:
            raise TrapError(INTEGER_DIVIDE_BY_ZERO)
        return i1 % i2

    def irem_s(self, i1: int, i2: int) -> int:
        """``$irem_`` · ``op-irem_s``: signed remainder with the dividend's sign; traps on a zero
        divisor."""
        if i2 == 0:
            raise TrapError(INTEGER_DIVIDE_BY_ZERO)
        j1 = self.signed(i1)
        r = abs(j1) % abs(self.signed(i2))
        return (-r if j1 < 0 else r) & self.mask

    # -- Bitwise ------------------------------------------------------------------------------

    def iand(self, i1: int, i2: int) -> int:
        """``$iand_`` · ``op-iand``"""
        return i1 & i2

    def ior(self, i1: int, i2: int) -> int:
        """``$ior_`` · ``op-ior``"""
        return i1 | i2

    def ixor(self, i1: int, i2: int) -> int:
        """``$ixor_`` · ``op-ixor``"""
        return i1 ^ i2

    def ishl(self, i1: int, i2: int) -> int:
        """``$ishl_`` · ``op-ishl``: shift left by ``i2 mod N``."""
        return (i1 << (i2 % self.N)) & self.mask

    def ishr_u(self, i1: int, i2: int) -> int:
        """``$ishr_`` · ``op-ishr_u``: logical shift right by ``i2 mod N``."""
        return i1 >> (i2 % self.N)

    def ishr_s(self, i1: int, i2: int) -> int:
        """``$ishr_`` · ``op-ishr_s``: arithmetic shift right by ``i2 mod N`` (the sign bit is
        replicated)."""
        return (self.signed(i1) >> (i2 % self.N)) & self.mask

    def irotl(self, i1: int, i2: int) -> int:
        """``$irotl_`` · ``op-irotl``: rotate left by ``i2 mod N``."""
        k = i2 % self.N
        return ((i1 << k) | (i1 >> (self.N - k))) & self.mask

    def irotr(self, i1: int, i2: int) -> int:
        """``$irotr_`` · ``op-irotr``: rotate right by ``i2 mod N``."""
        k = i2 % self.N
        return ((i1 >> k) | (i1 << (self.N - k))) & self.mask

    def iclz(self, i: int) -> int:
        """``$iclz_`` · ``op-iclz``: the number of leading zero bits (``N`` for ``0``)."""
        return self.N - i.bit_length()

    def ictz(self, i: int) -> int:
        """``$ictz_`` · ``op-ictz``: the number of trailing zero bits (``N`` for ``0``)."""
        if i == 0:
            return self.N
        return (i & -i).bit_length() - 1  # i & -i isolates the lowest set bit

    def ipopcnt(self, i: int) -> int:
        """``$ipopcnt_`` · ``op-ipopcnt``: the number of set bits."""
        return i.bit_count()

    def iextendN_s(self, M: int, i: int) -> int:
        """``$iextend_`` · ``op-iextendn_s``: sign-extend the low ``M`` bits of ``i`` to ``N`` bits.
        """
        low = i & ((1 << M) - 1)
        if low >> (M - 1):
            low -= 1 << M
        return low & self.mask

    # -- Tests and comparisons (results are 0 or 1) -------------------------------------------

    def ieqz(self, i: int) -> int:
        """``$ieqz_`` · ``op-ieqz``"""
        return 1 if i == 0 else 0

    def ieq(self, i1: int, i2: int) -> int:
        """``$ieq_`` · ``op-ieq``"""
        return 1 if i1 == i2 else 0

    def ine(self, i1: int, i2: int) -> int:
        """``$ine_`` · ``op-ine``"""
        return 1 if i1 != i2 else 0

    def ilt_u(self, i1: int, i2: int) -> int:
        """``$ilt_`` · ``op-ilt_u``"""
        return 1 if i1 < i2 else 0

    def ilt_s(self, i1: int, i2: int) -> int:
        """``$ilt_`` · ``op-ilt_s``"""
        # Flipping the sign bit maps the signed order onto the unsigned one.
        return 1 if (i1 ^ self.sign_bit) < (i2 ^ self.sign_bit) else 0

    def igt_u(self, i1: int, i2: int) -> int:
        """``$igt_`` · ``op-igt_u``"""
        return 1 if i1 > i2 else 0

    def igt_s(self, i1: int, i2: int) -> int:
        """``$igt_`` · ``op-igt_s``"""
        return 1 if (i1 ^ self.sign_bit) > (i2 ^ self.sign_bit) else 0

    def ile_u(self, i1: int, i2: int) -> int:
        """``$ile_`` · ``op-ile_u``"""
        return 1 if i1 <= i2 else 0

    def ile_s(self, i1: int, i2: int) -> int:
        """``$ile_`` · ``op-ile_s``"""
        return 1 if (i1 ^ self.sign_bit) <= (i2 ^ self.sign_bit) else 0

    def ige_u(self, i1: int, i2: int) -> int:
        """``$ige_`` · ``op-ige_u``"""
        return 1 if i1 >= i2 else 0

    def ige_s(self, i1: int, i2: int) -> int:
        """``$ige_`` · ``op-ige_s``"""
        return 1 if (i1 ^ self.sign_bit) >= (i2 ^ self.sign_bit) else 0


INT_OPS: dict[int, IntOps] = {N: IntOps(N) for N in (8, 16, 32, 64)}
"""The operator set per bit width: scalar widths 32/64 and the narrower lane widths 8/16."""


def int_ops(N: int) -> IntOps:
    """The operator set at width ``N`` (built once for the usual widths)."""
    ops = INT_OPS.get(N)
    return ops if ops is not None else IntOps(N)


# -- The spec's signatures: bit width first ---------------------------------------------------


def signed(N: int, i: int) -> int:
    """``$signed_`` · ``aux-signed``: ``signed_N(i)``, the two's complement reading of an ``N``-bit
    pattern."""
    return int_ops(N).signed(i)


def unsigned(N: int, j: int) -> int:
    """``signed_N^-1`` (``$signed_`` · ``aux-signed``): the ``N``-bit pattern of ``j``."""
    return int_ops(N).unsigned(j)


def iadd(N: int, i1: int, i2: int) -> int:
    """``$iadd_`` · ``op-iadd``"""
    return int_ops(N).iadd(i1, i2)


def isub(N: int, i1: int, i2: int) -> int:
    """``$isub_`` · ``op-isub``"""
    return int_ops(N).isub(i1, i2)


def imul(N: int, i1: int, i2: int) -> int:
    """``$imul_`` · ``op-imul``"""
    return int_ops(N).imul(i1, i2)


def idiv_u(N: int, i1: int, i2: int) -> int:
    """``$idiv_`` · ``op-idiv_u``"""
    return int_ops(N).idiv_u(i1, i2)


def idiv_s(N: int, i1: int, i2: int) -> int:
    """``$idiv_`` · ``op-idiv_s``"""
    return int_ops(N).idiv_s(i1, i2)


def irem_u(N: int, i1: int, i2: int) -> int:
    """``$irem_`` · ``op-irem_u``"""
    return int_ops(N).irem_u(i1, i2)


def irem_s(N: int, i1: int, i2: int) -> int:
    """``$irem_`` · ``op-irem_s``"""
    return int_ops(N).irem_s(i1, i2)


def iand(N: int, i1: int, i2: int) -> int:
    """``$iand_`` · ``op-iand``"""
    return int_ops(N).iand(i1, i2)


def ior(N: int, i1: int, i2: int) -> int:
    """``$ior_`` · ``op-ior``"""
    return int_ops(N).ior(i1, i2)


def ixor(N: int, i1: int, i2: int) -> int:
    """``$ixor_`` · ``op-ixor``"""
    return int_ops(N).ixor(i1, i2)


def ishl(N: int, i1: int, i2: int) -> int:
    """``$ishl_`` · ``op-ishl``"""
    return int_ops(N).ishl(i1, i2)


def ishr_u(N: int, i1: int, i2: int) -> int:
    """``$ishr_`` · ``op-ishr_u``"""
    return int_ops(N).ishr_u(i1, i2)


def ishr_s(N: int, i1: int, i2: int) -> int:
    """``$ishr_`` · ``op-ishr_s``"""
    return int_ops(N).ishr_s(i1, i2)


def irotl(N: int, i1: int, i2: int) -> int:
    """``$irotl_`` · ``op-irotl``"""
    return int_ops(N).irotl(i1, i2)


def irotr(N: int, i1: int, i2: int) -> int:
    """``$irotr_`` · ``op-irotr``"""
    return int_ops(N).irotr(i1, i2)


def iclz(N: int, i: int) -> int:
    """``$iclz_`` · ``op-iclz``"""
    return int_ops(N).iclz(i)


def ictz(N: int, i: int) -> int:
    """``$ictz_`` · ``op-ictz``"""
    return int_ops(N).ictz(i)


def ipopcnt(N: int, i: int) -> int:
    """``$ipopcnt_`` · ``op-ipopcnt``"""
    return int_ops(N).ipopcnt(i)


def iextendN_s(N: int, M: int, i: int) -> int:
    """``$iextend_`` · ``op-iextendn_s``: ``iextendM_s_N(i)``, sign-extend the low ``M`` bits to
    ``N`` bits."""
    return int_ops(N).iextendN_s(M, i)


def ieqz(N: int, i: int) -> int:
    """``$ieqz_`` · ``op-ieqz``"""
    return int_ops(N).ieqz(i)


def ieq(N: int, i1: int, i2: int) -> int:
    """``$ieq_`` · ``op-ieq``"""
    return int_ops(N).ieq(i1, i2)


def ine(N: int, i1: int, i2: int) -> int:
    """``$ine_`` · ``op-ine``"""
    return int_ops(N).ine(i1, i2)


def ilt_u(N: int, i1: int, i2: int) -> int:
    """``$ilt_`` · ``op-ilt_u``"""
    return int_ops(N).ilt_u(i1, i2)


def ilt_s(N: int, i1: int, i2: int) -> int:
    """``$ilt_`` · ``op-ilt_s``"""
    return int_ops(N).ilt_s(i1, i2)


def igt_u(N: int, i1: int, i2: int) -> int:
    """``$igt_`` · ``op-igt_u``"""
    return int_ops(N).igt_u(i1, i2)


def igt_s(N: int, i1: int, i2: int) -> int:
    """``$igt_`` · ``op-igt_s``"""
    return int_ops(N).igt_s(i1, i2)


def ile_u(N: int, i1: int, i2: int) -> int:
    """``$ile_`` · ``op-ile_u``"""
    return int_ops(N).ile_u(i1, i2)


def ile_s(N: int, i1: int, i2: int) -> int:
    """``$ile_`` · ``op-ile_s``"""
    return int_ops(N).ile_s(i1, i2)


def ige_u(N: int, i1: int, i2: int) -> int:
    """``$ige_`` · ``op-ige_u``"""
    return int_ops(N).ige_u(i1, i2)


def ige_s(N: int, i1: int, i2: int) -> int:
    """``$ige_`` · ``op-ige_s``"""
    return int_ops(N).ige_s(i1, i2)
