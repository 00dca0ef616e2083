"""Conversion operators on hand-written bit patterns (2.0 ``exec-numerics``, conversions)."""

from __future__ import annotations

import pytest

from refwasm.errors import INTEGER_OVERFLOW, INVALID_CONVERSION_TO_INTEGER, TrapError
from refwasm.numerics import conversions as C


def test_integer_width_changes() -> None:
    assert C.extend_u(32, 64, 0x80000000) == 0x80000000
    assert C.extend_s(32, 64, 0x80000000) == 0xFFFFFFFF80000000
    assert C.extend_s(32, 64, 0x7FFFFFFF) == 0x7FFFFFFF
    assert C.wrap(64, 32, 0x123456789ABCDEF0) == 0x9ABCDEF0


@pytest.mark.parametrize(
    ("fn", "M", "N", "z", "expected"),
    [
        (C.trunc_s, 32, 32, 0xBFC00000, 0xFFFFFFFF),  # -1.5 -> -1
        (C.trunc_u, 32, 32, 0xBF7FFFFF, 0),  # -0.99999994 -> 0, in range
        (C.trunc_s, 32, 32, 0xCF000000, 0x80000000),  # -2^31
        (C.trunc_u, 32, 32, 0x4F7FFFFF, 0xFFFFFF00),  # largest f32 below 2^32
        (C.trunc_s, 64, 32, 0xC1E00000001FFFFF, 0x80000000),  # -2^31 - 0.99..: truncates to -2^31
        (C.trunc_u, 64, 64, 0x43EFFFFFFFFFFFFF, 0xFFFFFFFFFFFFF800),
        (C.trunc_s, 64, 64, 0xC3E0000000000000, 0x8000000000000000),  # -2^63
        (C.trunc_s, 32, 64, 0x80000000, 0),  # -0
    ],
)
def test_trunc_in_range(fn: object, M: int, N: int, z: int, expected: int) -> None:
    assert fn(M, N, z) == expected  # type: ignore[operator]


@pytest.mark.parametrize(
    ("fn", "M", "N", "z", "message"),
    [
        (C.trunc_s, 32, 32, 0x7FC00000, INVALID_CONVERSION_TO_INTEGER),
        (C.trunc_u, 64, 64, 0xFFF0000000000001, INVALID_CONVERSION_TO_INTEGER),
        (C.trunc_s, 32, 32, 0x7F800000, INTEGER_OVERFLOW),
        (C.trunc_u, 32, 32, 0xFF800000, INTEGER_OVERFLOW),
        (C.trunc_s, 32, 32, 0x4F000000, INTEGER_OVERFLOW),  # 2^31
        (C.trunc_s, 64, 32, 0xC1E0000000200000, INTEGER_OVERFLOW),  # -2^31 - 1
        (C.trunc_u, 32, 32, 0xBF800000, INTEGER_OVERFLOW),  # -1
        (C.trunc_u, 64, 32, 0x41F0000000000000, INTEGER_OVERFLOW),  # 2^32
        (C.trunc_s, 64, 64, 0x43E0000000000000, INTEGER_OVERFLOW),  # 2^63
        (C.trunc_u, 64, 64, 0x43F0000000000000, INTEGER_OVERFLOW),  # 2^64
    ],
)
def test_trunc_traps(fn: object, M: int, N: int, z: int, message: str) -> None:
    with pytest.raises(TrapError) as e:
        fn(M, N, z)  # type: ignore[operator]
    assert e.value.message == message


@pytest.mark.parametrize(
    ("fn", "M", "N", "z", "expected"),
    [
        (C.trunc_sat_s, 32, 32, 0x7FC00000, 0),
        (C.trunc_sat_u, 32, 32, 0xFFC00000, 0),
        (C.trunc_sat_s, 32, 32, 0x7F800000, 0x7FFFFFFF),
        (C.trunc_sat_s, 32, 32, 0xFF800000, 0x80000000),
        (C.trunc_sat_u, 32, 32, 0x7F800000, 0xFFFFFFFF),
        (C.trunc_sat_u, 32, 32, 0xFF800000, 0),
        (C.trunc_sat_s, 64, 64, 0x43E0000000000000, 0x7FFFFFFFFFFFFFFF),
        (C.trunc_sat_u, 64, 64, 0xBFF0000000000000, 0),
        (C.trunc_sat_s, 32, 64, 0xBFC00000, 0xFFFFFFFFFFFFFFFF),  # -1.5 -> -1
    ],
)
def test_trunc_sat(fn: object, M: int, N: int, z: int, expected: int) -> None:
    assert fn(M, N, z) == expected  # type: ignore[operator]


def test_convert_rounds_once() -> None:
    # 2^60 + 2^36 + 1 lies just above the midpoint of two f32s; rounding through f64 first
    # would drop the +1 and then tie to the even 2^60.
    assert C.convert_u(64, 32, (1 << 60) + (1 << 36) + 1) == 0x5D800001
    assert C.convert_u(64, 32, (1 << 60) + (1 << 36)) == 0x5D800000  # exact tie, to even
    assert C.convert_u(64, 64, 0xFFFFFFFFFFFFFFFF) == 0x43F0000000000000  # 2^64
    assert C.convert_s(64, 64, 0xFFFFFFFFFFFFFFFF) == 0xBFF0000000000000  # -1
    assert C.convert_s(32, 32, 0x80000000) == 0xCF000000  # -2^31
    assert C.convert_u(32, 32, 0xFFFFFFFF) == 0x4F800000  # 2^32
    assert C.convert_u(32, 32, 16777217) == 0x4B800000  # 2^24 + 1: tie, to even
    assert C.convert_u(32, 32, 16777219) == 0x4B800002  # 2^24 + 3: tie, to even (up)
    assert C.convert_s(64, 64, (1 << 53) + 1) == 0x4340000000000000
    assert C.convert_u(32, 64, 0) == 0


def test_promote() -> None:
    assert C.promote(32, 64, 0x3F800000) == 0x3FF0000000000000
    assert C.promote(32, 64, 0x80000000) == 0x8000000000000000
    assert C.promote(32, 64, 0x00000001) == 0x36A0000000000000  # 2^-149
    assert C.promote(32, 64, 0xFF800000) == 0xFFF0000000000000
    assert C.promote(32, 64, 0x7FC00000) == 0x7FF8000000000000  # canonical stays canonical
    assert C.promote(32, 64, 0xFFA00001) == 0xFFFC000020000000  # payload kept, quieted


def test_demote() -> None:
    assert C.demote(64, 32, 0x3FF0000000000000) == 0x3F800000
    assert C.demote(64, 32, 0x3FF0000010000000) == 0x3F800000  # 1 + 2^-24: tie, to even
    assert C.demote(64, 32, 0x3FF0000010000001) == 0x3F800001
    assert C.demote(64, 32, 0x3FF0000030000000) == 0x3F800002  # 1 + 3 * 2^-24: tie, up
    assert C.demote(64, 32, 0x47EFFFFFF0000000) == 0x7F800000  # max f32 + half ulp: infinity
    assert C.demote(64, 32, 0x47EFFFFFEFFFFFFF) == 0x7F7FFFFF
    assert C.demote(64, 32, 0x7FEFFFFFFFFFFFFF) == 0x7F800000
    assert C.demote(64, 32, 0xB690000000000000) == 0x80000000  # -2^-150: tie, to -0
    assert C.demote(64, 32, 0x3690000000000001) == 0x00000001  # just above 2^-150
    assert C.demote(64, 32, 0x36A8000000000000) == 0x00000002  # 1.5 * 2^-149: to even
    assert C.demote(64, 32, 0x380FFFFFF0000000) == 0x00800000  # rounds up to smallest normal
    assert C.demote(64, 32, 0x0000000000000001) == 0
    assert C.demote(64, 32, 0x8000000000000000) == 0x80000000
    assert C.demote(64, 32, 0xFFF0000000000000) == 0xFF800000
    assert C.demote(64, 32, 0x7FF8000000000000) == 0x7FC00000
    assert C.demote(64, 32, 0xFFF4000020000000) == 0xFFE00001  # payload's top bits, quieted
    assert C.demote(64, 32, 0x7FF0000000000001) == 0x7FC00000  # low payload bits dropped


def test_reinterpret_is_identity() -> None:
    assert C.reinterpret(32, 32, 0x7FA00001) == 0x7FA00001
    assert C.reinterpret(64, 64, 0xFFF0000000000001) == 0xFFF0000000000001
