"""memory64 validation of limits and offsets (3.0 ``Memtype_ok``, ``Tabletype_ok``, the offset
premise of ``Memarg_ok``): an ``i32`` memory holds at most 2^16 pages and an ``i64`` one 2^48,
an ``i32`` table at most 2^32 - 1 elements; a memarg offset must be below ``2^|at|``."""

from __future__ import annotations

import pytest

from refwasm.errors import MEMORY_SIZE_LIMIT, OFFSET_OUT_OF_RANGE, TABLE_SIZE_LIMIT, InvalidError
from refwasm.features import Features
from refwasm.syntax import (
    AbsHeapType,
    AddrType,
    Limits,
    Mem,
    MemType,
    Module,
    RefType,
    Table,
    TableType,
)
from refwasm.text.parser import parse_module
from refwasm.validation.modules import validate_module
from refwasm.validation.types import valid_offset

V2 = Features.for_version("2.0")
V3 = Features.for_version("3.0")
FUNCREF = RefType(True, AbsHeapType.FUNC)


def invalid(m: Module, features: Features = V3) -> str:
    with pytest.raises(InvalidError) as caught:
        validate_module(m, features)
    return caught.value.message


@pytest.mark.parametrize(
    "limits", [Limits(1 << 32), Limits(0, 1 << 32), Limits((1 << 16) + 1)], ids=str
)
def test_an_i32_memory_past_2_16_pages_is_invalid(limits: Limits) -> None:
    assert invalid(Module(mems=(Mem(MemType(AddrType.I32, limits)),))) == MEMORY_SIZE_LIMIT


def test_an_i64_memory_holds_up_to_2_48_pages() -> None:
    validate_module(Module(mems=(Mem(MemType(AddrType.I64, Limits(0, 1 << 48))),)), V3)
    m = Module(mems=(Mem(MemType(AddrType.I64, Limits((1 << 48) + 1))),))
    assert invalid(m) == MEMORY_SIZE_LIMIT


def test_an_i32_table_past_2_32_minus_1_is_invalid() -> None:
    m = Module(tables=(Table(TableType(AddrType.I32, Limits(1 << 32), FUNCREF)),))
    assert invalid(m) == TABLE_SIZE_LIMIT


def test_the_3_0_text_of_an_over_large_memory_is_invalid_not_malformed() -> None:
    assert invalid(parse_module("(memory 0x1_0000_0000)", V3)) == MEMORY_SIZE_LIMIT


@pytest.mark.parametrize(
    ("offset", "addrtype"),
    [(0, AddrType.I32), ((1 << 32) - 1, AddrType.I32), ((1 << 64) - 1, AddrType.I64)],
)
def test_an_offset_below_2_to_the_address_width_is_valid(offset: int, addrtype: AddrType) -> None:
    valid_offset(offset, addrtype)


@pytest.mark.parametrize(
    ("offset", "addrtype"), [(1 << 32, AddrType.I32), (1 << 64, AddrType.I64), (-1, AddrType.I32)]
)
def test_an_offset_past_the_address_width_is_out_of_range(offset: int, addrtype: AddrType) -> None:
    with pytest.raises(InvalidError, match=OFFSET_OUT_OF_RANGE):
        valid_offset(offset, addrtype)
