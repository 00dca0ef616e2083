"""memory64 in the text format (3.0 ``Tlimits``, ``Toffset``) and the 3.0 suite's wording of a
lane index out of range (``Tlaneidx``: a ``u8``).  Under 3.0 the bounds of limits are ``u64``
whatever the address type, so an over-large ``i32`` memory is left to validation (``memory
size``); under 2.0 they are ``u32`` (``i32 constant out of range``)."""

from __future__ import annotations

import pytest

from refwasm.errors import MALFORMED_LANE_INDEX, MalformedError, worded
from refwasm.features import Features
from refwasm.syntax import AddrType, Limits, Load, MemType
from refwasm.text.parser import parse_module

V2 = Features.for_version("2.0")
V3 = Features.for_version("3.0")


def malformed(text: str, features: Features) -> str:
    with pytest.raises(MalformedError) as caught:
        parse_module(text, features)
    return caught.value.message


@pytest.mark.parametrize("text", ["(memory 0x1_0000_0000)", "(memory 0 0x1_0000_0000)"])
def test_3_0_limits_are_u64_for_i32_memories(text: str) -> None:
    limits = parse_module(text, V3).mems[0].memtype.limits
    assert 1 << 32 in (limits.min, limits.max)
    assert malformed(text, V2) == "i32 constant out of range"


def test_3_0_limits_past_u64_are_out_of_range() -> None:
    assert malformed("(memory i64 0x1_0000_0000_0000_0000)", V3) == "i64 constant out of range"
    assert malformed("(memory 0x1_0000_0000_0000_0000)", V3) == "i64 constant out of range"


def test_3_0_i64_memory() -> None:
    m = parse_module("(memory i64 1 0x1_0000_0000_0000)", V3)
    assert m.mems[0].memtype == MemType(AddrType.I64, Limits(1, 1 << 48))


def _offset(text: str) -> int:
    m = parse_module(f"(memory 1) (func (drop (i32.load {text} (i32.const 0))))", V3)
    load = m.funcs[0].body[1]
    assert isinstance(load, Load)
    return load.memarg.offset


def test_3_0_offsets_are_u64() -> None:
    assert _offset("offset=4294967296") == 1 << 32
    assert _offset("offset=0xFFFF_FFFF_FFFF_FFFF") == (1 << 64) - 1
    with pytest.raises(MalformedError, match="i64 constant out of range"):
        _offset("offset=0x1_0000_0000_0000_0000")


def test_2_0_offsets_are_u32() -> None:
    text = "(memory 1) (func (drop (i32.load offset=4294967296 (i32.const 0))))"
    assert malformed(text, V2) == "i32 constant out of range"


def test_lane_index_out_of_range_in_each_edition_s_words() -> None:
    text = "(func (result i32) (i32x4.extract_lane 256 (v128.const i32x4 0 0 0 0)))"
    message = malformed(text, V3)
    assert message == MALFORMED_LANE_INDEX
    assert worded(message, "2.0") == "malformed lane index"
    assert worded(message, "3.0") == "i8 constant out of range"
