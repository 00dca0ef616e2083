"""Instruction decoding (``binary-instr`` and its parts): immediates, structured control,
reserved bytes, and the messages of the malformed cases."""

from __future__ import annotations

import pytest
from binary_helpers import HEADER, section

from refwasm.binary import decode_module
from refwasm.binary.leb128 import encode_u
from refwasm.errors import (
    END_OPCODE_EXPECTED,
    ILLEGAL_OPCODE,
    MALFORMED_MEMOP_FLAGS,
    MALFORMED_REFERENCE_TYPE,
    MALFORMED_VALUE_TYPE,
    UNEXPECTED_END_OF_SECTION,
    ZERO_BYTE_EXPECTED,
    MalformedError,
)
from refwasm.features import Features
from refwasm.syntax import (
    FUNCREF,
    AbsHeapType,
    Block,
    BrTable,
    CallIndirect,
    Const,
    If,
    Instr,
    Load,
    LoadPack,
    Loop,
    MemArg,
    MemoryCopy,
    MemoryInit,
    MemorySize,
    Nop,
    NumType,
    RefNull,
    Select,
    Shape,
    Store,
    Sx,
    TableCopy,
    TableInit,
    TypeIdx,
    VConst,
    VecType,
    VExtractLane,
    VLoadLane,
    VShuffle,
)

I32, I64, F32, F64 = NumType.I32, NumType.I64, NumType.F32, NumType.F64


def module_with_body(body: bytes, datacount: bool = True) -> bytes:
    code = b"\x00" + body + b"\x0b"
    return (HEADER + section(1, b"\x01\x60\x00\x00") + section(3, b"\x01\x00")
            + (section(12, b"\x00") if datacount else b"")
            + section(10, b"\x01" + encode_u(len(code)) + code))  # fmt: skip


def decode_body(body: bytes, features: Features | None = None) -> tuple[Instr, ...]:
    data = module_with_body(body, datacount=features is None or features.bulk_memory)
    module = decode_module(data) if features is None else decode_module(data, features)
    return module.funcs[0].body


def malformed(body: bytes, message: str, features: Features | None = None) -> None:
    with pytest.raises(MalformedError) as info:
        decode_body(body, features)
    assert info.value.message == message


def test_constants_keep_their_bits() -> None:
    body = (b"\x41\x7f" + b"\x42\x80\x7f"  # i32 -1, i64 -128
            + b"\x43\x01\x00\xc0\x7f"  # an f32 NaN with payload 1
            + b"\x44" + bytes(range(8)))  # fmt: skip
    assert decode_body(body) == (
        Const(I32, 0xFFFFFFFF),
        Const(I64, (1 << 64) - 128),
        Const(F32, 0x7FC00001),
        Const(F64, int.from_bytes(bytes(range(8)), "little")),
    )


def test_v128_const_lane_0_is_lowest() -> None:
    (instr,) = decode_body(b"\xfd\x0c" + bytes(range(16)))
    assert instr == VConst(int.from_bytes(bytes(range(16)), "little"))
    assert isinstance(instr, VConst) and instr.bits & 0xFF == 0


def test_structured_control() -> None:
    body = b"\x02\x40\x01\x0b" + b"\x03\x7f\x0b" + b"\x04\x40\x01\x05\x01\x01\x0b" + b"\x04\x7e\x0b"
    assert decode_body(body) == (
        Block(None, (Nop(),)),
        Loop(I32, ()),
        If(None, (Nop(),), (Nop(), Nop())),
        If(I64, (), ()),
    )


def test_block_type_index() -> None:
    assert decode_body(b"\x02\x00\x0b") == (Block(TypeIdx(0), ()),)


def test_block_type_index_needs_multi_value() -> None:
    malformed(b"\x02\x00\x0b", MALFORMED_VALUE_TYPE, Features.for_version("1.0"))


def test_v128_block_type_needs_simd() -> None:
    assert decode_body(b"\x02\x7b\x0b") == (Block(VecType.V128, ()),)
    malformed(b"\x02\x7b\x0b", MALFORMED_VALUE_TYPE, Features().with_(simd=False))


def test_else_outside_if_is_end_opcode_expected() -> None:
    malformed(b"\x02\x40\x05\x0b", END_OPCODE_EXPECTED)
    malformed(b"\x04\x40\x05\x05\x0b", END_OPCODE_EXPECTED)


def test_missing_end_runs_off_the_input() -> None:
    code = b"\x00\x02\x40"  # a block, never closed: the body ends with the input
    data = (HEADER + section(1, b"\x01\x60\x00\x00") + section(3, b"\x01\x00")
            + section(10, b"\x01" + encode_u(len(code)) + code))  # fmt: skip
    with pytest.raises(MalformedError) as info:
        decode_module(data)
    assert info.value.message == UNEXPECTED_END_OF_SECTION


def test_unknown_opcode() -> None:
    malformed(b"\x06", f"{ILLEGAL_OPCODE} 06")  # the byte named, as the 3.0 suite expects


def test_br_table() -> None:
    assert decode_body(b"\x0e\x02\x00\x01\x02") == (BrTable((0, 1), 2),)


def test_call_indirect_type_then_table() -> None:
    assert decode_body(b"\x11\x03\x01") == (CallIndirect(1, TypeIdx(3)),)


def test_call_indirect_reserved_byte_in_1_0() -> None:
    features = Features.for_version("1.0")
    assert decode_body(b"\x11\x03\x00", features) == (CallIndirect(0, TypeIdx(3)),)
    malformed(b"\x11\x03\x01", ZERO_BYTE_EXPECTED, features)
    malformed(b"\x11\x03\x80\x00", ZERO_BYTE_EXPECTED, features)


def test_typed_select() -> None:
    assert decode_body(b"\x1c\x01\x7f") == (Select((I32,)),)
    assert decode_body(b"\x1b") == (Select(None),)


def test_ref_null_heap_types() -> None:
    assert decode_body(b"\xd0\x70\xd0\x6f") == (RefNull(AbsHeapType.FUNC),
                                                RefNull(AbsHeapType.EXTERN))  # fmt: skip
    malformed(b"\xd0\x7f", MALFORMED_REFERENCE_TYPE)


def test_memarg() -> None:
    assert decode_body(b"\x2d\x00\x80\x01" + b"\x3e\x03\x05") == (
        Load(I32, LoadPack(8, Sx.U), 0, MemArg(0, 128)),
        Store(I64, 32, 0, MemArg(3, 5)),
    )


@pytest.mark.parametrize("flags", [b"\x20", b"\x3f", b"\x40", b"\x41"])
def test_memarg_flags_beyond_31_are_malformed(flags: bytes) -> None:
    # 2.0's rule; multi-memory (3.0) reads bit 6 as "a memory index follows".
    malformed(b"\x28" + flags + b"\x00", MALFORMED_MEMOP_FLAGS, Features.for_version("2.0"))


def test_multi_memory_memarg() -> None:
    features = Features().with_(multi_memory=True)
    assert decode_body(b"\x28\x42\x01\x07", features) == (Load(I32, None, 1, MemArg(2, 7)),)


@pytest.mark.parametrize("body", [b"\x3f\x01", b"\x40\x80\x00", b"\xfc\x0b\x01",
                                  b"\xfc\x0a\x00\x01", b"\xfc\x08\x00\x01"])
def test_reserved_memory_bytes_must_be_zero(body: bytes) -> None:
    # 2.0's rule; in 3.0 these bytes are memory indices.
    malformed(body, ZERO_BYTE_EXPECTED, Features.for_version("2.0"))


def test_bulk_memory_and_table_immediates() -> None:
    body = b"\x3f\x00" + b"\xfc\x08\x05\x00" + b"\xfc\x0a\x00\x00" + b"\xfc\x0c\x02\x01" \
        + b"\xfc\x0e\x03\x04"
    assert decode_body(body) == (
        MemorySize(0), MemoryInit(0, 5), MemoryCopy(0, 0), TableInit(1, 2), TableCopy(3, 4),
    )


def test_simd_lane_immediates() -> None:
    body = b"\xfd\x16\x0f" + b"\xfd\x55\x01\x00\x07" + b"\xfd\x0d" + bytes(range(16))
    assert decode_body(body) == (
        VExtractLane(Shape.I8X16, Sx.U, 15),
        VLoadLane(16, 0, MemArg(1, 0), 7),
        VShuffle(tuple(range(16))),
    )


def test_funcref_is_a_value_type_only_with_reference_types() -> None:
    assert decode_body(b"\x1c\x01\x70") == (Select((FUNCREF,)),)
    malformed(b"\x02\x70\x0b", MALFORMED_VALUE_TYPE, Features.for_version("1.0"))
