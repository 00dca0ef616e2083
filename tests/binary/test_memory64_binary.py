"""memory64 in the binary format (3.0 ``Blimits``, ``Bmemtype``, ``Btabletype``, ``Bmemarg``):
the limits flag is a byte whose bit 0 announces a maximum and bit 2 the ``i64`` address type,
any other bit ``malformed limits flags``; the bounds and a memarg offset are ``u64``.  Under
2.0 the flag is a ``u1`` and the bounds and offset ``u32``, with 2.0's messages."""

from __future__ import annotations

import pytest
from binary_helpers import HEADER, section

from refwasm.binary import decode_module
from refwasm.binary.encode import encode_module
from refwasm.errors import (
    INTEGER_TOO_LARGE,
    INTEGER_TOO_LONG,
    MALFORMED_LIMITS_FLAGS,
    MalformedError,
)
from refwasm.features import Features
from refwasm.syntax import (
    AbsHeapType,
    AddrType,
    Const,
    Drop,
    Func,
    FuncType,
    Limits,
    Load,
    Mem,
    MemArg,
    MemType,
    Module,
    NumType,
    RefType,
    Table,
    TableType,
    Type,
    plain_functype,
)

V2 = Features.for_version("2.0")
V3 = Features.for_version("3.0")
FUNCREF = RefType(True, AbsHeapType.FUNC)
U64_MAX_LEB = b"\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"


def memsec(entry: bytes) -> bytes:
    return HEADER + section(5, b"\x01" + entry)


def tablesec(entry: bytes) -> bytes:
    return HEADER + section(4, b"\x01\x70" + entry)


def malformed(data: bytes, features: Features) -> str:
    with pytest.raises(MalformedError) as caught:
        decode_module(data, features)
    return caught.value.message


@pytest.mark.parametrize(
    ("entry", "addrtype", "limits"),
    [
        (b"\x00\x01", AddrType.I32, Limits(1)),
        (b"\x01\x01\x02", AddrType.I32, Limits(1, 2)),
        (b"\x04\x01", AddrType.I64, Limits(1)),
        (b"\x05\x01" + U64_MAX_LEB, AddrType.I64, Limits(1, (1 << 64) - 1)),
    ],
    ids=["i32", "i32-max", "i64", "i64-max"],
)
def test_3_0_limits_flags_give_the_address_type(
    entry: bytes, addrtype: AddrType, limits: Limits
) -> None:
    m = decode_module(memsec(entry), V3)
    assert m.mems == (Mem(MemType(addrtype, limits)),)
    t = decode_module(tablesec(entry), V3)
    assert t.tables[0].tabletype == TableType(addrtype, limits, FUNCREF)


@pytest.mark.parametrize("flags", [b"\x02", b"\x08", b"\x10", b"\x81\x00", b"\x81\x01"])
def test_3_0_other_flag_bits_are_malformed_limits_flags(flags: bytes) -> None:
    assert malformed(memsec(flags + b"\x00\x00"), V3) == MALFORMED_LIMITS_FLAGS
    assert malformed(tablesec(flags + b"\x00\x00"), V3) == MALFORMED_LIMITS_FLAGS


def test_2_0_keeps_the_u1_flag_and_its_messages() -> None:
    assert malformed(memsec(b"\x08\x00"), V2) == INTEGER_TOO_LARGE
    assert malformed(memsec(b"\x81\x00\x00"), V2) == INTEGER_TOO_LONG
    assert malformed(memsec(b"\x04\x00"), V2) == INTEGER_TOO_LARGE


def test_3_0_bounds_are_u64_even_for_i32() -> None:
    # Minimum 2 in ten bytes: too long for a u32, a u64 with unused bits set.
    entry = b"\x00\x82\x80\x80\x80\x80\x80\x80\x80\x80\x70"
    assert malformed(memsec(entry), V3) == INTEGER_TOO_LARGE
    assert malformed(memsec(entry), V2) == INTEGER_TOO_LONG


def _load_module(offset: int, addrtype: AddrType) -> Module:
    body = (
        Const(NumType(addrtype.value), 0),
        Load(NumType.I32, None, 0, MemArg(2, offset)),
        Drop(),
    )
    return Module(
        types=(Type(plain_functype(FuncType((), ()))),),
        funcs=(Func(0, (), body),),
        mems=(Mem(MemType(addrtype, Limits(1))),),
    )


@pytest.mark.parametrize("addrtype", [AddrType.I32, AddrType.I64])
@pytest.mark.parametrize("offset", [0, (1 << 32) - 1, 1 << 32, (1 << 64) - 1])
def test_3_0_round_trips_u64_offsets_and_64_bit_types(offset: int, addrtype: AddrType) -> None:
    m = _load_module(offset, addrtype)
    assert decode_module(encode_module(m, V3), V3) == m


def test_3_0_tables_round_trip_with_i64_limits() -> None:
    m = Module(tables=(Table(TableType(AddrType.I64, Limits(0, 1 << 40), FUNCREF)),))
    assert decode_module(encode_module(m, V3), V3) == m
