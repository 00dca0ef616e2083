"""LEB128 integers (``binary-int``): size limits, unused bits, signedness, ``s33``."""

from __future__ import annotations

import pytest
from binary_helpers import HEADER, section

from refwasm.binary import decode_module
from refwasm.binary.leb128 import encode_i, encode_s, encode_u
from refwasm.binary.reader import Reader
from refwasm.errors import (
    INTEGER_TOO_LARGE,
    INTEGER_TOO_LONG,
    UNEXPECTED_END,
    MalformedError,
)
from refwasm.syntax import AddrType, Block, Const, Limits, MemType, NumType, TypeIdx


def read_u(data: bytes, bits: int) -> int:
    return Reader(data).u(bits)


def read_s(data: bytes, bits: int) -> int:
    return Reader(data).s(bits)


def test_u32_one_byte() -> None:
    assert read_u(b"\x7f", 32) == 127


def test_u32_multi_byte() -> None:
    assert read_u(b"\xe5\x8e\x26", 32) == 624485


def test_u32_overlong_but_within_five_bytes_is_accepted() -> None:
    assert read_u(b"\x82\x80\x80\x80\x00", 32) == 2


def test_u32_max() -> None:
    assert read_u(b"\xff\xff\xff\xff\x0f", 32) == 0xFFFFFFFF


def test_u32_six_bytes_is_too_long() -> None:
    with pytest.raises(MalformedError, match=INTEGER_TOO_LONG):
        read_u(b"\x82\x80\x80\x80\x80\x00", 32)


def test_u32_unused_bits_set_is_too_large() -> None:
    with pytest.raises(MalformedError, match=INTEGER_TOO_LARGE):
        read_u(b"\x82\x80\x80\x80\x10", 32)


def test_u32_truncated_is_unexpected_end() -> None:
    with pytest.raises(MalformedError, match=UNEXPECTED_END):
        read_u(b"\x82\x80", 32)


def test_u64_ten_bytes_max() -> None:
    assert read_u(b"\xff" * 9 + b"\x01", 64) == (1 << 64) - 1


def test_u64_unused_bits_set_is_too_large() -> None:
    with pytest.raises(MalformedError, match=INTEGER_TOO_LARGE):
        read_u(b"\xff" * 9 + b"\x02", 64)


def test_u1_flag_with_continuation_is_too_long() -> None:
    with pytest.raises(MalformedError, match=INTEGER_TOO_LONG):
        read_u(b"\x81\x00", 1)


def test_s32_negative_one() -> None:
    assert read_s(b"\x7f", 32) == -1


def test_s32_min() -> None:
    assert read_s(b"\x80\x80\x80\x80\x78", 32) == -(1 << 31)


def test_s32_max() -> None:
    assert read_s(b"\xff\xff\xff\xff\x07", 32) == (1 << 31) - 1


def test_s32_overlong_negative_within_five_bytes() -> None:
    assert read_s(b"\xff\xff\xff\xff\x7f", 32) == -1


def test_s32_unused_bits_not_sign_extension_is_too_large() -> None:
    # The last byte's unused bits must all equal the sign bit (0x70 vs 0x08: mixed).
    with pytest.raises(MalformedError, match=INTEGER_TOO_LARGE):
        read_s(b"\x80\x80\x80\x80\x70", 32)
    with pytest.raises(MalformedError, match=INTEGER_TOO_LARGE):
        read_s(b"\xff\xff\xff\xff\x0f", 32)


def test_s32_six_bytes_is_too_long() -> None:
    with pytest.raises(MalformedError, match=INTEGER_TOO_LONG):
        read_s(b"\xff\xff\xff\xff\xff\x7f", 32)


def test_s64_min_and_too_large() -> None:
    assert read_s(b"\x80" * 9 + b"\x7f", 64) == -(1 << 63)
    with pytest.raises(MalformedError, match=INTEGER_TOO_LARGE):
        read_s(b"\x80" * 9 + b"\x7e", 64)


def test_s33_holds_every_u32() -> None:
    assert read_s(b"\xff\xff\xff\xff\x0f", 33) == 0xFFFFFFFF
    with pytest.raises(MalformedError, match=INTEGER_TOO_LARGE):
        read_s(b"\xff\xff\xff\xff\x1f", 33)


def test_i32_is_the_unsigned_bit_pattern() -> None:
    assert Reader(b"\x7f").i(32) == 0xFFFFFFFF


def test_encoders_are_minimal() -> None:
    assert encode_u(0) == b"\x00"
    assert encode_u(624485) == b"\xe5\x8e\x26"
    assert encode_s(-1) == b"\x7f"
    assert encode_s(63) == b"\x3f"
    assert encode_s(64) == b"\xc0\x00"
    assert encode_s(-64) == b"\x40"
    assert encode_s(-65) == b"\xbf\x7f"
    assert encode_i(0xFFFFFFFF, 32) == b"\x7f"
    assert encode_i(0x80000000, 32) == b"\x80\x80\x80\x80\x78"


def _func_module(body: bytes, types: bytes = b"\x01\x60\x00\x00") -> bytes:
    code = b"\x00" + body + b"\x0b"
    return (HEADER + section(1, types) + section(3, b"\x01\x00")
            + section(10, b"\x01" + bytes([len(code)]) + code))  # fmt: skip


def test_overlong_i32_const_within_five_bytes_decodes() -> None:
    module = decode_module(_func_module(b"\x41\xff\xff\xff\xff\x7f\x1a"))
    assert module.funcs[0].body[0] == Const(NumType.I32, 0xFFFFFFFF)


def test_memory_limits_overlong_within_five_bytes() -> None:
    data = HEADER + section(5, b"\x01\x00\x82\x80\x80\x80\x00")
    assert decode_module(data).mems[0].memtype == MemType(AddrType.I32, Limits(2))


def test_block_type_index_is_a_positive_s33() -> None:
    # A two-byte s33: type index 64 would be 0x40 (the empty type) as one byte.
    types = b"\x41" + b"\x60\x00\x00" * 65
    module = decode_module(_func_module(b"\x02\xc0\x00\x0b", types))
    assert module.funcs[0].body[0] == Block(TypeIdx(64), ())


def test_block_type_negative_s33_is_malformed() -> None:
    with pytest.raises(MalformedError):
        decode_module(_func_module(b"\x02\xbf\x7f\x0b"))


def test_block_type_s33_too_long() -> None:
    with pytest.raises(MalformedError, match=INTEGER_TOO_LONG):
        decode_module(_func_module(b"\x02\x80\x80\x80\x80\x80\x00\x0b"))
