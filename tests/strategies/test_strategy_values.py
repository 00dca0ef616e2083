"""Unit tests of ``refwasm.strategies.values`` and the opcode-kind tables of the generator."""

from __future__ import annotations

import pytest

pytest.importorskip("hypothesis")

from hypothesis import find, given, settings  # noqa: E402

from refwasm.execution.values import RefHostAddr, RefNullVal  # noqa: E402
from refwasm.strategies import values  # noqa: E402
from refwasm.strategies.body import ALL_KINDS, kind_key  # noqa: E402
from refwasm.syntax import (  # noqa: E402
    EXTERNREF,
    FUNCREF,
    AbsHeapType,
    Const,
    Load,
    LoadPack,
    MemArg,
    NumType,
    Select,
    Sx,
    VecType,
)

I32, I64, F32, F64 = NumType.I32, NumType.I64, NumType.F32, NumType.F64


@pytest.mark.parametrize(
    ("t", "edge"),
    [
        (I32, 0x8000_0000),
        (I32, 0xFFFF_FFFF),
        (I64, 0x8000_0000_0000_0000),
        (F32, 0x7FC0_0000),  # canonical NaN
        (F32, 0xFFC0_0001),  # negative NaN with a payload
        (F32, 0x8000_0000),  # -0
        (F32, 0x0000_0001),  # smallest subnormal
        (F64, 0x7FF0_0000_0000_0000),  # +inf
        (F64, 0xFFF0_0000_0000_0001),  # negative signalling NaN
    ],
)
def test_edge_values_are_reachable(t: NumType, edge: int) -> None:
    assert find(values(t), lambda v: v == edge) == edge


@settings(max_examples=300)
@given(values(VecType.V128))
def test_v128_values_are_128_bit_patterns(v: object) -> None:
    assert isinstance(v, int) and 0 <= v < 1 << 128


@pytest.mark.parametrize("t", [I32, I64, F32, F64])
def test_number_values_fit_their_width(t: NumType) -> None:
    # ``find`` searches for a counterexample to the width bound; there must be none.
    from hypothesis.errors import NoSuchExample

    width = 32 if t in (I32, F32) else 64
    with pytest.raises(NoSuchExample):
        find(values(t), lambda v: not (isinstance(v, int) and 0 <= v < 1 << width))


def test_reference_values() -> None:
    assert find(values(FUNCREF), lambda v: True) == RefNullVal(AbsHeapType.FUNC)
    assert isinstance(find(values(EXTERNREF), lambda v: isinstance(v, RefHostAddr)), RefHostAddr)


def test_v128_lanes_reach_a_float_nan_lane() -> None:
    v = find(values(VecType.V128), lambda v: (v >> 32) & 0xFFFF_FFFF == 0x7FC0_0000)
    assert (v >> 32) & 0xFFFF_FFFF == 0x7FC0_0000


def test_kinds_cover_the_2_0_opcode_tables() -> None:
    # 2.0 has 436 opcodes minus the two prefixes' own table entries: counted from the spec's
    # binary-instr tables (one-byte 0x00..0xD2 used codes, 0xFC 0..17, 0xFD 0..255 used codes).
    keys = [k.key for k in ALL_KINDS]
    assert len(keys) == len(set(keys))
    assert sum(1 for k in ALL_KINDS if k.op.feature == "simd") == 236
    assert sum(1 for k in ALL_KINDS if k.op.feature in ("saturating_conversions",)) == 8


def test_kind_key_matches_the_table_entries() -> None:
    keys = {k.key for k in ALL_KINDS}
    assert kind_key(Const(I64, 5)) in keys
    assert kind_key(Load(I32, LoadPack(8, Sx.U), 0, MemArg(0, 0))) in keys
    assert kind_key(Select((I32,))) in keys
    assert kind_key(Select(None)) in keys
