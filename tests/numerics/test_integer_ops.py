"""Integer operators on hand-checked values (2.0 ``exec-numerics``, integer operations)."""

from __future__ import annotations

import pytest

from refwasm.errors import INTEGER_DIVIDE_BY_ZERO, INTEGER_OVERFLOW, TrapError
from refwasm.numerics import integer as I

M32 = 0xFFFFFFFF
M64 = 0xFFFFFFFFFFFFFFFF
MIN32 = 0x80000000
MIN64 = 0x8000000000000000


def test_signed_and_unsigned() -> None:
    assert I.signed(32, 0x7FFFFFFF) == 2147483647
    assert I.signed(32, MIN32) == -2147483648
    assert I.signed(32, M32) == -1
    assert I.signed(8, 0x80) == -128
    assert I.unsigned(32, -1) == M32
    assert I.unsigned(64, -2) == M64 - 1


def test_wrapping_arithmetic() -> None:
    assert I.iadd(32, M32, 1) == 0
    assert I.iadd(64, M64, 2) == 1
    assert I.isub(32, 0, 1) == M32
    assert I.imul(32, 0x10000, 0x10000) == 0
    assert I.imul(32, M32, M32) == 1  # (-1) * (-1)
    assert I.imul(64, 0x100000001, 0x100000001) == 0x200000001


@pytest.mark.parametrize(
    ("fn", "a", "b", "expected"),
    [
        (I.idiv_u, 7, 2, 3),
        (I.idiv_u, M32, 2, 0x7FFFFFFF),
        (I.idiv_s, I.unsigned(32, -7), 2, I.unsigned(32, -3)),  # truncation, not floor
        (I.idiv_s, 7, I.unsigned(32, -2), I.unsigned(32, -3)),
        (I.idiv_s, MIN32, 2, 0xC0000000),
        (I.irem_u, 7, 3, 1),
        (I.irem_s, I.unsigned(32, -7), 2, M32),  # sign of the dividend
        (I.irem_s, 7, I.unsigned(32, -2), 1),
        (I.irem_s, MIN32, M32, 0),  # -2^31 rem -1 is defined
    ],
)
def test_division_32(fn: object, a: int, b: int, expected: int) -> None:
    assert fn(32, a, b) == expected  # type: ignore[operator]


@pytest.mark.parametrize("fn", [I.idiv_u, I.idiv_s, I.irem_u, I.irem_s])
@pytest.mark.parametrize("N", [32, 64])
def test_division_by_zero_traps(fn: object, N: int) -> None:
    with pytest.raises(TrapError) as e:
        fn(N, 1, 0)  # type: ignore[operator]
    assert e.value.message == INTEGER_DIVIDE_BY_ZERO


def test_signed_division_overflow_traps() -> None:
    for N, minimum, minus_one in ((32, MIN32, M32), (64, MIN64, M64)):
        with pytest.raises(TrapError) as e:
            I.idiv_s(N, minimum, minus_one)
        assert e.value.message == INTEGER_OVERFLOW


def test_shifts_take_the_count_modulo_width() -> None:
    assert I.ishl(32, 1, 31) == MIN32
    assert I.ishl(32, 1, 32) == 1
    assert I.ishl(64, 1, 65) == 2
    assert I.ishr_u(32, MIN32, 31) == 1
    assert I.ishr_s(32, MIN32, 31) == M32
    assert I.ishr_s(32, 0x40000000, 30) == 1
    assert I.ishr_s(64, MIN64, 0x40) == MIN64
    assert I.ishr_u(32, M32, M32) == 1  # count 31


def test_rotations() -> None:
    assert I.irotl(32, 0x80000001, 1) == 3
    assert I.irotr(32, 3, 1) == 0x80000001
    assert I.irotl(32, 0x12345678, 32) == 0x12345678
    assert I.irotr(64, 1, 64 + 4) == 0x1000000000000000
    assert I.irotl(32, 0xABCD1234, 4) == 0xBCD1234A


def test_bit_counts() -> None:
    assert I.iclz(32, 0) == 32
    assert I.iclz(32, 1) == 31
    assert I.iclz(64, MIN64) == 0
    assert I.ictz(32, 0) == 32
    assert I.ictz(64, 0) == 64
    assert I.ictz(32, MIN32) == 31
    assert I.ictz(32, 0x00010000) == 16
    assert I.ipopcnt(32, M32) == 32
    assert I.ipopcnt(64, 0x8000800080008000) == 4


def test_sign_extension() -> None:
    assert I.iextendN_s(32, 8, 0x7F) == 0x7F
    assert I.iextendN_s(32, 8, 0x80) == 0xFFFFFF80
    assert I.iextendN_s(32, 8, 0x12345680) == 0xFFFFFF80  # upper bits ignored
    assert I.iextendN_s(32, 16, 0x8000) == 0xFFFF8000
    assert I.iextendN_s(64, 32, 0x80000000) == 0xFFFFFFFF80000000
    assert I.iextendN_s(64, 32, 0x123456787FFFFFFF) == 0x7FFFFFFF


def test_comparisons_are_zero_or_one() -> None:
    assert I.ieqz(32, 0) == 1 and I.ieqz(32, 5) == 0
    assert I.ieq(32, 5, 5) == 1 and I.ine(32, 5, 5) == 0
    assert I.ilt_u(32, 1, M32) == 1 and I.ilt_s(32, 1, M32) == 0
    assert I.igt_s(32, 1, M32) == 1 and I.igt_u(32, 1, M32) == 0
    assert I.ile_s(64, MIN64, 0) == 1 and I.ile_u(64, MIN64, 0) == 0
    assert I.ige_s(32, MIN32, MIN32) == 1 and I.ige_u(32, 0, 1) == 0
