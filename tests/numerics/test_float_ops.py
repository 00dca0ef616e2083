"""Floating-point operators on hand-written bit patterns (2.0 ``exec-numerics``)."""

from __future__ import annotations

import pytest

from refwasm.numerics import floating as F

# f32 patterns
P0, N0 = 0x00000000, 0x80000000
ONE, MONE, TWO, HALF, MHALF = 0x3F800000, 0xBF800000, 0x40000000, 0x3F000000, 0xBF000000
ONE_HALF, TWO_HALF, MTWO_HALF = 0x3FC00000, 0x40200000, 0xC0200000  # 1.5, 2.5, -2.5
THREE = 0x40400000
INF, MINF = 0x7F800000, 0xFF800000
CNAN, MCNAN = 0x7FC00000, 0xFFC00000
SNAN = 0x7F800001  # signalling, payload 1
ANAN = 0xFFA00000  # signalling, negative
MAX, MIN_SUB = 0x7F7FFFFF, 0x00000001
# f64 patterns
D_ONE, D_INF, D_CNAN, D_MAX = (
    0x3FF0000000000000,
    0x7FF0000000000000,
    0x7FF8000000000000,
    0x7FEFFFFFFFFFFFFF,
)


def test_nan_policy_first_nan_operand_quieted() -> None:
    assert F.fadd(32, SNAN, ONE) == 0x7FC00001
    assert F.fadd(32, ONE, ANAN) == 0xFFE00000
    assert F.fmul(32, ANAN, SNAN) == 0xFFE00000  # the first NaN wins
    assert F.fsub(32, MCNAN, CNAN) == MCNAN  # canonical stays canonical, sign kept
    assert F.fsqrt(32, SNAN) == 0x7FC00001
    assert F.fmin(32, ONE, SNAN) == 0x7FC00001
    assert F.fnearest(32, ANAN) == 0xFFE00000
    assert F.fadd(64, 0x7FF0000000000001, D_ONE) == 0x7FF8000000000001


def test_invalid_operations_give_positive_canonical_nan() -> None:
    assert F.fadd(32, INF, MINF) == CNAN
    assert F.fsub(32, INF, INF) == CNAN
    assert F.fmul(32, INF, N0) == CNAN
    assert F.fdiv(32, P0, N0) == CNAN
    assert F.fdiv(32, MINF, INF) == CNAN
    assert F.fsqrt(32, MONE) == CNAN
    assert F.fsqrt(64, 0xBFF0000000000000) == D_CNAN
    assert F.fdiv(64, 0, 0) == D_CNAN


def test_arithmetic_rounds_to_nearest_even() -> None:
    assert F.fadd(32, ONE, TWO) == THREE
    assert F.fadd(32, ONE, 0x33800000) == ONE  # 1 + 2^-24: tie, to even
    assert F.fadd(32, ONE, 0x33800001) == 0x3F800001  # just above the tie
    assert F.fadd(32, 0x3F800001, 0x33800000) == 0x3F800002  # tie, to even (up)
    assert F.fmul(32, MAX, TWO) == INF  # overflow
    assert F.fmul(32, 0xFF7FFFFF, TWO) == MINF
    assert F.fadd(32, MAX, 0x73000000) == INF  # MAX + half an ulp: tie, to even = infinity
    assert F.fmul(32, MIN_SUB, HALF) == P0  # 2^-150: tie between 0 and 2^-149, to even 0
    assert F.fmul(32, 0x00000003, HALF) == 0x00000002  # 1.5 * 2^-149: tie, to even
    assert F.fdiv(32, ONE, THREE) == 0x3EAAAAAB
    assert F.fdiv(64, D_ONE, 0x4008000000000000) == 0x3FD5555555555555
    assert F.fmul(64, D_MAX, 0x4000000000000000) == D_INF


def test_signed_zero_arithmetic() -> None:
    assert F.fadd(32, P0, N0) == P0
    assert F.fadd(32, N0, N0) == N0
    assert F.fsub(32, ONE, ONE) == P0
    assert F.fsub(32, N0, P0) == N0
    assert F.fmul(32, MONE, P0) == N0
    assert F.fdiv(32, ONE, N0) == MINF
    assert F.fdiv(32, MONE, N0) == INF
    assert F.fdiv(32, MONE, INF) == N0
    assert F.fsqrt(32, N0) == N0


def test_min_max() -> None:
    assert F.fmin(32, P0, N0) == N0
    assert F.fmin(32, N0, P0) == N0
    assert F.fmax(32, P0, N0) == P0
    assert F.fmax(32, N0, P0) == P0
    assert F.fmin(32, MINF, ONE) == MINF
    assert F.fmax(32, INF, MONE) == INF
    assert F.fmin(32, ONE, TWO) == ONE
    assert F.fmax(32, MONE, MHALF) == MHALF
    assert F.fmax(32, CNAN, INF) == CNAN
    assert F.fmin(64, 0x8000000000000000, 0) == 0x8000000000000000


def test_pseudo_min_max_do_not_propagate_nan() -> None:
    assert F.fpmin(32, CNAN, ONE) == CNAN
    assert F.fpmin(32, ONE, CNAN) == ONE
    assert F.fpmin(32, P0, N0) == P0  # -0 < +0 is false
    assert F.fpmax(32, ONE, TWO) == TWO


def test_sign_operations_are_bitwise() -> None:
    assert F.fneg(32, SNAN) == 0xFF800001
    assert F.fabs(32, ANAN) == 0x7FA00000
    assert F.fcopysign(32, SNAN, N0) == 0xFF800001
    assert F.fcopysign(32, MONE, P0) == ONE
    assert F.fneg(64, 0) == 0x8000000000000000
    assert F.fabs(64, 0xFFF0000000000000) == D_INF


@pytest.mark.parametrize(
    ("op", "z", "expected"),
    [
        (F.fceil, MHALF, N0),
        (F.fceil, HALF, ONE),
        (F.fceil, ONE_HALF, TWO),
        (F.ffloor, HALF, P0),
        (F.ffloor, MHALF, MONE),
        (F.ffloor, N0, N0),
        (F.ftrunc, MHALF, N0),
        (F.ftrunc, 0xBFC00000, MONE),  # -1.5
        (F.fnearest, HALF, P0),
        (F.fnearest, MHALF, N0),
        (F.fnearest, ONE_HALF, TWO),
        (F.fnearest, TWO_HALF, TWO),
        (F.fnearest, MTWO_HALF, 0xC0000000),
        (F.fnearest, 0x3F400000, ONE),  # 0.75
        (F.fnearest, 0x4B000001, 0x4B000001),  # 2^23 + 1: integral already
        (F.fceil, 0x4AFFFFFF, 0x4B000000),  # 2^23 - 0.5 up to 2^23
        (F.fnearest, INF, INF),
        (F.ffloor, MINF, MINF),
        (F.fceil, MIN_SUB, ONE),
        (F.ffloor, 0x80000001, MONE),
    ],
)
def test_rounding_to_integral_f32(op: object, z: int, expected: int) -> None:
    assert op(32, z) == expected  # type: ignore[operator]


def test_rounding_to_integral_f64() -> None:
    assert F.fnearest(64, 0x4004000000000000) == 0x4000000000000000  # 2.5 -> 2
    assert F.fnearest(64, 0xBFE0000000000000) == 0x8000000000000000  # -0.5 -> -0
    assert F.fceil(64, 0x4330000000000001) == 0x4330000000000001  # 2^52 + 1
    assert F.ftrunc(64, 0xC00C000000000000) == 0xC008000000000000  # -3.5 -> -3
    assert F.ffloor(64, 0xC00C000000000000) == 0xC010000000000000  # -3.5 -> -4


def test_comparisons() -> None:
    assert F.feq(32, P0, N0) == 1
    assert F.feq(32, CNAN, CNAN) == 0
    assert F.fne(32, CNAN, CNAN) == 1
    assert F.flt(32, MINF, MAX) == 1
    assert F.flt(32, N0, P0) == 0
    assert F.fle(32, N0, P0) == 1
    assert F.fgt(32, SNAN, ONE) == 0
    assert F.fge(32, ONE, SNAN) == 0
    assert F.fge(64, D_INF, D_MAX) == 1
    assert F.flt(64, 0x1, 0x2) == 1


def test_nans_helper() -> None:
    assert F.nans(32) == CNAN
    assert F.nans(32, ONE, SNAN) == 0x7FC00001
    assert F.nans(64, D_ONE) == D_CNAN
