"""Multi-memory in the binary format (3.0 ``5.3-binary.instructions``, ``5.4-binary.modules``):
``Bmemarg`` with bit 6 of the flags announcing a memory index, ``Bmemidx`` immediates of
``memory.size`` and its kin, data segments (encoding 2) and imports/exports of several
memories.  Under 2.0 the same bytes stay malformed."""

from __future__ import annotations

import pytest
from binary_helpers import HEADER, section

from refwasm.binary import decode_module
from refwasm.binary.encode import encode_module
from refwasm.binary.leb128 import encode_u
from refwasm.errors import MALFORMED_MEMOP_FLAGS, ZERO_BYTE_EXPECTED, MalformedError
from refwasm.features import Features
from refwasm.syntax import (
    Active,
    AddrType,
    Const,
    Data,
    Export,
    ExternIdx,
    ExternKind,
    ExternMem,
    Func,
    FuncType,
    Import,
    Instr,
    Limits,
    Load,
    Mem,
    MemArg,
    MemoryCopy,
    MemoryFill,
    MemoryGrow,
    MemoryInit,
    MemorySize,
    MemType,
    Module,
    NumType,
    Store,
    Type,
    VLoad,
    VLoadLane,
    VStore,
    VStoreLane,
    plain_functype,
)

V2 = Features.for_version("2.0")
V3 = Features.for_version("3.0")
I32, I64 = NumType.I32, NumType.I64


def body_module(body: bytes) -> bytes:
    code = b"\x00" + body + b"\x0b"
    return (HEADER + section(1, b"\x01\x60\x00\x00") + section(3, b"\x01\x00")
            + section(12, b"\x00") + section(10, b"\x01" + encode_u(len(code)) + code))  # fmt: skip


def decode_body(body: bytes, features: Features = V3) -> tuple[Instr, ...]:
    return decode_module(body_module(body), features).funcs[0].body


def malformed(body: bytes, message: str, features: Features = V3) -> None:
    with pytest.raises(MalformedError) as info:
        decode_body(body, features)
    assert info.value.message == message


@pytest.mark.parametrize(
    ("body", "instr"),
    [
        (b"\x28\x42\x01\x07", Load(I32, None, 1, MemArg(2, 7))),
        (b"\x37\x43\x02\x00", Store(I64, None, 2, MemArg(3, 0))),
        (b"\xfd\x00\x44\x01\x10", VLoad(None, 1, MemArg(4, 16))),
        (b"\xfd\x0b\x44\x03\x00", VStore(3, MemArg(4, 0))),
        (b"\xfd\x54\x40\x01\x00\x0f", VLoadLane(8, 1, MemArg(0, 0), 15)),
        (b"\xfd\x5b\x43\x01\x08\x01", VStoreLane(64, 1, MemArg(3, 8), 1)),
    ],
)
def test_memarg_bit_6_carries_a_memory_index(body: bytes, instr: Instr) -> None:
    """``Bmemarg``: ``n x m`` with ``2^6 <= n < 2^7`` gives memory ``x``, alignment ``n - 2^6``."""
    assert decode_body(body) == (instr,)


def test_memarg_without_bit_6_names_memory_0() -> None:
    assert decode_body(b"\x28\x02\x05") == (Load(I32, None, 0, MemArg(2, 5)),)


@pytest.mark.parametrize("flags", [b"\x80\x01", b"\xc0\x01"])
def test_memarg_flags_from_bit_7_are_malformed(flags: bytes) -> None:
    malformed(b"\x28" + flags + b"\x00\x00", MALFORMED_MEMOP_FLAGS)


def test_memarg_bit_6_is_malformed_under_2_0() -> None:
    malformed(b"\x28\x42\x01\x07", MALFORMED_MEMOP_FLAGS, V2)


def test_memory_instructions_take_memidx_immediates() -> None:
    body = (b"\x3f\x01" + b"\x40\x02" + b"\xfc\x0b\x03" + b"\xfc\x0a\x01\x02"
            + b"\xfc\x08\x00\x01")  # memory.init dataidx 0 memidx 1  # fmt: skip
    assert decode_body(body) == (
        MemorySize(1), MemoryGrow(2), MemoryFill(3), MemoryCopy(1, 2), MemoryInit(1, 0),
    )


def test_memidx_immediates_are_reserved_zero_bytes_under_2_0() -> None:
    malformed(b"\x3f\x01", ZERO_BYTE_EXPECTED, V2)


def _two_memories(**fields: object) -> Module:
    ft = Type(plain_functype(FuncType((), ())))
    memory = Mem(MemType(AddrType.I32, Limits(1, None)))
    return Module(types=(ft,), mems=(memory, memory), **fields)  # type: ignore[arg-type]


def test_data_segment_of_memory_1_uses_encoding_2() -> None:
    m = _two_memories(datas=(Data(b"ab", Active(1, (Const(I32, 4),))),))
    data = encode_module(m, V3)
    assert b"\x0b\x09\x01\x02\x01\x41\x04\x0b\x02ab" in data  # data section: 2 x e b*
    assert decode_module(data, V3) == m


@pytest.mark.parametrize(
    "body",
    [
        (Load(I32, None, 1, MemArg(2, 7)), Store(I64, 32, 1, MemArg(2, 0))),
        (VLoadLane(16, 1, MemArg(1, 2), 3), VStoreLane(32, 1, MemArg(2, 0), 1),
         VLoad(None, 1, MemArg(4, 0)), VStore(1, MemArg(4, 0))),
        (MemorySize(1), MemoryGrow(1), MemoryFill(1), MemoryCopy(0, 1), MemoryCopy(1, 0),
         MemoryInit(1, 0)),
    ],
)
def test_memory_indices_round_trip(body: tuple[Instr, ...]) -> None:
    m = _two_memories(funcs=(Func(0, (), body),), datas=(Data(b"", Active(0, (Const(I32, 0),))),))
    assert decode_module(encode_module(m, V3), V3) == m


def test_memory_0_encodes_without_the_index_flag() -> None:
    m = _two_memories(funcs=(Func(0, (), (Load(I32, None, 0, MemArg(2, 1)),)),))
    assert b"\x28\x02\x01" in encode_module(m, V3)


def test_imports_and_exports_of_several_memories_round_trip() -> None:
    memtype = MemType(AddrType.I32, Limits(1, 2))
    m = Module(
        imports=(Import("m", "a", ExternMem(memtype)), Import("m", "b", ExternMem(memtype))),
        mems=(Mem(memtype),),
        exports=tuple(Export(f"m{i}", ExternIdx(ExternKind.MEM, i)) for i in range(3)),
    )
    assert decode_module(encode_module(m, V3), V3) == m
