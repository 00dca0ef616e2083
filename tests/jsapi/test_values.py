"""ECMAScript conversions of refwasm.jsapi.values and the Number <-> f32/f64 bit conversions.

Expected values are written by hand from the ECMAScript and IEEE 754 definitions.
"""

from __future__ import annotations

import math
import struct

import pytest

from refwasm.jsapi.errors import JSSyntaxError, JSTypeError
from refwasm.jsapi.values import (
    UNDEFINED,
    BigInt,
    convert_to_unsigned_long_enforce_range,
    is_bigint,
    is_number,
    is_object,
    number_to_string,
    same_value_key,
    to_bigint64,
    to_boolean,
    to_int32,
    to_number,
)


def bits64(x: float) -> int:
    return int(struct.unpack("<Q", struct.pack("<d", x))[0])


@pytest.mark.parametrize(
    ("v", "expected"),
    [
        (UNDEFINED, math.nan),
        (None, 0.0),
        (True, 1.0),
        ("", 0.0),
        ("  12  ", 12.0),
        ("0x1F", 31.0),
        ("0b101", 5.0),
        ("-0x10", math.nan),  # a sign is not allowed before a non-decimal literal
        ("1e3", 1000.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("-Infinity", -math.inf),
        ("inf", math.nan),
        ("1_000", math.nan),
        ([], 0.0),
        ([7], 7.0),
        ([1, 2], math.nan),
        ({}, math.nan),
        (10**400, math.inf),
    ],
)
def test_to_number(v: object, expected: float) -> None:
    got = to_number(v)
    if math.isnan(expected):
        assert math.isnan(got)
    else:
        assert got == expected


def test_to_number_of_a_cyclic_array() -> None:
    a: list[object] = [1]
    a.append(a)  # String(a) is "1," (the cycle joins as ""), which is not a number
    assert math.isnan(to_number(a))
    assert to_number([[[]]]) == 0.0


def test_to_number_of_bigint_is_a_type_error() -> None:
    with pytest.raises(JSTypeError):
        to_number(BigInt(1))


@pytest.mark.parametrize(
    ("v", "expected"),
    [
        (2.0**31, -(2**31)),
        (2.0**32 + 5, 5),
        (-1.5, -1),
        (math.nan, 0),
        (math.inf, 0),
        ("4294967295", -1),
        (2**53 + 1, 0),  # the int is first the Number 2^53, which wraps to 0
    ],
)
def test_to_int32(v: object, expected: int) -> None:
    assert to_int32(v) == expected


@pytest.mark.parametrize(
    ("v", "expected"),
    [
        (BigInt(2**63), -(2**63)),
        (BigInt(2**64 + 5), 5),
        (True, 1),
        ("  -12 ", -12),
        ("0xff", 255),
        ("", 0),
    ],
)
def test_to_bigint64(v: object, expected: int) -> None:
    assert to_bigint64(v) == expected


@pytest.mark.parametrize("v", [1.0, UNDEFINED, None])
def test_to_bigint64_type_errors(v: object) -> None:
    with pytest.raises(JSTypeError):
        to_bigint64(v)


@pytest.mark.parametrize("v", ["1.5", "1e3", "12n", "abc"])
def test_to_bigint64_syntax_errors(v: str) -> None:
    with pytest.raises(JSSyntaxError):
        to_bigint64(v)


@pytest.mark.parametrize(
    ("v", "expected"), [(0.0, 0), (1.9, 1), (-0.0, 0), ("7", 7), (4294967295.0, 4294967295)]
)
def test_enforce_range(v: object, expected: int) -> None:
    assert convert_to_unsigned_long_enforce_range(v, "x") == expected


@pytest.mark.parametrize("v", [-1.0, 4294967296.0, math.nan, math.inf, UNDEFINED, "x"])
def test_enforce_range_errors(v: object) -> None:
    with pytest.raises(JSTypeError):
        convert_to_unsigned_long_enforce_range(v, "x")


@pytest.mark.parametrize(
    ("x", "expected"),
    [
        (1.0, "1"),
        (-0.0, "0"),
        (0.1, "0.1"),
        (123456789012345680000.0, "123456789012345680000"),
        (1e21, "1e+21"),
        (1.5e-7, "1.5e-7"),
        (0.000001, "0.000001"),
        (1.100000023841858, "1.100000023841858"),
        (5e-324, "5e-324"),
        (-1.7976931348623157e308, "-1.7976931348623157e+308"),
    ],
)
def test_number_to_string(x: float, expected: str) -> None:
    assert number_to_string(x) == expected


def test_predicates() -> None:
    assert is_number(1) and is_number(1.5) and not is_number(BigInt(1)) and not is_number(True)
    assert is_bigint(1) and is_bigint(BigInt(1)) and not is_bigint(1.0) and not is_bigint(False)
    assert is_object({}) and is_object([]) and is_object(len)
    assert not is_object(None) and not is_object(UNDEFINED) and not is_object("s")
    assert to_boolean(math.nan) is False and to_boolean("0") is True and to_boolean(BigInt(0)) is False


def test_same_value() -> None:
    assert same_value_key(math.nan) == same_value_key(-math.nan)
    assert same_value_key(0.0) != same_value_key(-0.0)
    assert same_value_key(BigInt(1)) != same_value_key("1")
    a: dict[str, int] = {}
    b: dict[str, int] = {}
    assert same_value_key(a) != same_value_key(b)


# -- Number <-> f32/f64 (the documented NaN choices) --------------------------------------------


def test_f32_bits() -> None:
    from refwasm.jsapi.agent import f32_bits_to_number, number_to_f32_bits

    assert number_to_f32_bits(1.1) == 0x3F8CCCCD
    assert number_to_f32_bits(-0.0) == 0x80000000
    assert number_to_f32_bits(3.4028235677973366e38) == 0x7F800000  # the halfway point: to even
    assert number_to_f32_bits(3.4028235677973362e38) == 0x7F7FFFFF
    assert number_to_f32_bits(-1e300) == 0xFF800000
    assert number_to_f32_bits(1e-46) == 0  # below half the smallest subnormal
    assert number_to_f32_bits(1.5e-45) == 1  # rounds to the smallest subnormal
    # NaN: sign and top payload bits kept, quiet bit set (canon <= n).
    assert number_to_f32_bits(struct.unpack("<d", struct.pack("<Q", 0xFFF4000000000000))[0]) == 0xFFE00000
    assert bits64(f32_bits_to_number(0x7FA00000)) == 0x7FFC000000000000
    assert bits64(f32_bits_to_number(0x80000000)) == 0x8000000000000000
    assert f32_bits_to_number(0x00000001) == 2.0**-149


def test_f64_bits() -> None:
    from refwasm.jsapi.agent import f64_bits_to_number, number_to_f64_bits

    assert bits64(f64_bits_to_number(0x7FF4000000000001)) == 0x7FF4000000000001
    assert number_to_f64_bits(f64_bits_to_number(0x7FF4000000000001)) == 0x7FFC000000000001
    assert number_to_f64_bits(-0.0) == 0x8000000000000000
