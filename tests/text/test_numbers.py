"""Numeric literals (``text-int``, ``text-float``): exact rounding, ranges, special values."""

from __future__ import annotations

import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from refwasm.errors import MalformedError
from refwasm.text.numbers import format_float, parse_float, parse_int, parse_uint


def f64_bits(x: float) -> int:
    return int.from_bytes(struct.pack("<d", x), "little")


@pytest.mark.parametrize(
    ("text", "bits", "expected"),
    [
        ("0", 32, 0), ("-0", 32, 0x80000000), ("1.0", 32, 0x3F800000),
        ("0.1", 32, 0x3DCCCCCD), ("0x1p-149", 32, 0x00000001), ("0x1p-150", 32, 0),
        ("0x1.8p-149", 32, 0x00000002),  # a tie between 1 and 2 subnormal ulps: to even
        ("0x1.fffffep127", 32, 0x7F7FFFFF), ("3.4028235e38", 32, 0x7F7FFFFF),
        ("0x1.fffffefffffffffp127", 32, 0x7F7FFFFF),  # just below the overflow midpoint
        ("inf", 32, 0x7F800000), ("-inf", 64, 0xFFF0000000000000),
        ("nan", 32, 0x7FC00000), ("-nan", 64, 0xFFF8000000000000),
        ("nan:0x1", 32, 0x7F800001), ("-nan:0x7f_ffff", 32, 0xFFFFFFFF),
        ("nan:0xf_ffff_ffff_ffff", 64, 0x7FFFFFFFFFFFFFFF),
        ("0x1p-1074", 64, 1), ("0x1p-1075", 64, 0), ("0x1.8p-1074", 64, 2),
        ("1_000.000_1", 64, f64_bits(1000.0001)), ("1e-400", 64, 0),
        ("0x.8p1", 64, None), ("1.", 64, 0x3FF0000000000000), ("0x1.", 64, 0x3FF0000000000000),
        # Rounding an f32 directly, not through f64: 1 + 2^-24 + 2^-60 is just above the
        # midpoint between 1 and the next f32, but rounds to exactly that midpoint in f64.
        ("0x1.000001000000001p0", 32, 0x3F800001),
        ("1.00000005960464477539062500001", 32, 0x3F800001),
        ("1.000000059604644775390625", 32, 0x3F800000),  # the exact midpoint: to even
    ],
)
def test_float_literals(text: str, bits: int, expected: int | None) -> None:
    assert parse_float(text, bits) == expected


@pytest.mark.parametrize(
    ("text", "bits"),
    [("3.4028236e38", 32), ("0x1p128", 32), ("1e309", 64), ("0x1p1024", 64),
     ("nan:0x0", 32), ("nan:0x80_0000", 32), ("nan:0x10_0000_0000_0000", 64),
     ("1e999999999999999999", 64)],
)
def test_float_literals_out_of_range(text: str, bits: int) -> None:
    with pytest.raises(MalformedError, match="constant out of range"):
        parse_float(text, bits)


def test_huge_negative_exponent_is_zero_without_work() -> None:
    assert parse_float("1e-99999999999999999999", 64) == 0


@settings(max_examples=500, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_decimal_f64_agrees_with_python(x: float) -> None:
    # Python's float parsing is correctly rounded: an independent oracle for f64.
    assert parse_float(repr(x), 64) == f64_bits(x)
    assert parse_float(x.hex().replace("0x-", "-0x"), 64) == f64_bits(x)


@settings(max_examples=500, deadline=None)
@given(st.integers(0, (1 << 64) - 1))
def test_format_float_round_trips(bits: int) -> None:
    assert parse_float(format_float(bits, 64), 64) == bits
    assert parse_float(format_float(bits & 0xFFFFFFFF, 32), 32) == bits & 0xFFFFFFFF


@pytest.mark.parametrize(
    ("text", "bits", "expected"),
    [("0", 32, 0), ("-1", 32, 0xFFFFFFFF), ("4294967295", 32, 0xFFFFFFFF),
     ("-2147483648", 32, 0x80000000), ("+0x7fff_ffff", 32, 0x7FFFFFFF),
     ("0xffffffffffffffff", 64, (1 << 64) - 1), ("-0x8000000000000000", 64, 1 << 63),
     ("1_2", 32, 12), ("1__2", 32, None), ("_1", 32, None), ("1_", 32, None), ("0x", 32, None),
     ("1.0", 32, None)],
)
def test_int_literals(text: str, bits: int, expected: int | None) -> None:
    assert parse_int(text, bits) == expected


@pytest.mark.parametrize(("text", "bits"), [("4294967296", 32), ("-2147483649", 32),
                                            ("0x1_0000_0000_0000_0000", 64)])
def test_int_literals_out_of_range(text: str, bits: int) -> None:
    with pytest.raises(MalformedError, match="constant out of range"):
        parse_int(text, bits)


def test_unsigned_literals_have_no_sign() -> None:
    assert parse_uint("+1", 32) is None
    assert parse_uint("0x10", 32) == 16
