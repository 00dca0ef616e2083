"""The comparison rules (docs/comparison-rules.md): allowed sets and verdicts."""

from __future__ import annotations

import pytest

from refwasm import errors
from refwasm.engines.base import Value
from refwasm.execution.values import RefFuncAddr, RefHostAddr, RefNullVal
from refwasm.oracle.compare import (
    Failed,
    Returned,
    State,
    Verdict,
    admits,
    allowed,
    compare,
    compare_states,
)
from refwasm.syntax.types import EXTERNREF, FUNCREF, AbsHeapType, NumType, VecType


def f32(bits: int) -> Value:
    return Value(NumType.F32, bits)


def ret(*values: Value) -> Returned:
    return Returned(tuple(values))


@pytest.mark.parametrize("other", [0x7FC0_0000, 0xFFC0_0000, 0x7FC0_0001, 0xFFFF_FFFF])
def test_quiet_nan_result_admits_any_arithmetic_nan(other: int) -> None:
    assert admits(allowed(f32(0x7FC0_0000)), f32(other))


@pytest.mark.parametrize("other", [0x7FA0_0000, 0x7F80_0000, 0x3F80_0000, 0x7F80_0001])
def test_quiet_nan_result_rejects_non_arithmetic_values(other: int) -> None:
    assert not admits(allowed(f32(0x7FC0_0000)), f32(other))


def test_signalling_nan_result_is_exact() -> None:
    # Only bit-exact operations yield a signalling NaN, so nothing else is allowed.
    assert admits(allowed(f32(0x7FA0_0001)), f32(0x7FA0_0001))
    assert not admits(allowed(f32(0x7FA0_0001)), f32(0x7FE0_0001))


def test_f64_and_integers_are_exact() -> None:
    assert admits(allowed(Value(NumType.F64, 0x3FF0_0000_0000_0000)),
                  Value(NumType.F64, 0x3FF0_0000_0000_0000))
    assert not admits(allowed(Value(NumType.I32, 5)), Value(NumType.I32, 4))
    assert admits(allowed(Value(NumType.F64, 0xFFF8_0000_0000_0000)),
                  Value(NumType.F64, 0x7FF8_0000_0000_0001))


def test_vector_nan_lanes_admit_any_arithmetic_nan_in_that_lane() -> None:
    mine = Value(VecType.V128, (0x3F80_0000 << 32) | 0x7FC0_0000)
    theirs = Value(VecType.V128, (0x3F80_0000 << 32) | 0xFFC0_1234)
    wrong_lane = Value(VecType.V128, (0x3F80_0001 << 32) | 0x7FC0_0000)
    assert admits(allowed(mine), theirs)
    assert not admits(allowed(mine), wrong_lane)
    assert not admits(allowed(Value(VecType.V128, 1)), Value(VecType.V128, 2))


def test_references() -> None:
    assert admits(allowed(Value(EXTERNREF, RefHostAddr(3))), Value(EXTERNREF, RefHostAddr(3)))
    assert not admits(allowed(Value(EXTERNREF, RefHostAddr(3))),
                      Value(EXTERNREF, RefHostAddr(4)))
    null = Value(FUNCREF, RefNullVal(AbsHeapType.FUNC))
    assert admits(allowed(null), null)
    assert not admits(allowed(null), Value(FUNCREF, RefFuncAddr(0)))
    # Function addresses differ between engines: any non-null function reference agrees.
    assert admits(allowed(Value(FUNCREF, RefFuncAddr(0))), Value(FUNCREF, RefFuncAddr(9)))


def test_trap_versus_return_disagrees() -> None:
    verdict = compare(ret(Value(NumType.I32, 1)), Failed("trap", errors.UNREACHABLE))
    assert verdict.verdict is Verdict.DISAGREE
    assert compare(Failed("trap", errors.UNREACHABLE), ret()).verdict is Verdict.DISAGREE


def test_trap_kinds_are_compared() -> None:
    same = compare(Failed("trap", errors.UNREACHABLE), Failed("trap", errors.UNREACHABLE))
    differ = compare(Failed("trap", errors.UNREACHABLE),
                     Failed("trap", errors.INTEGER_OVERFLOW))
    assert same.verdict is Verdict.AGREE
    assert differ.verdict is Verdict.DISAGREE


def test_table_bounds_traps_are_one_kind() -> None:
    # refwasm appends details ("undefined element 3"); engines word table bounds alike.
    verdict = compare(Failed("trap", errors.UNDEFINED_ELEMENT + " 3"),
                      Failed("trap", errors.OUT_OF_BOUNDS_TABLE_ACCESS))
    assert verdict.verdict is Verdict.AGREE


def test_a_trap_of_no_known_kind_only_has_to_trap() -> None:
    verdict = compare(Failed("trap", errors.INTEGER_OVERFLOW),
                      Failed("trap", "float unrepresentable in integer range"))
    assert verdict.verdict is Verdict.AGREE


@pytest.mark.parametrize("kind", ["exhaustion", "engine"])
def test_exhaustion_and_engine_limits_are_inconclusive(kind: str) -> None:
    assert compare(ret(), Failed(kind, "x")).verdict is Verdict.INCONCLUSIVE
    assert compare(Failed(kind, "x"), ret()).verdict is Verdict.INCONCLUSIVE


def test_result_count_and_values() -> None:
    one = Value(NumType.I32, 1)
    assert compare(ret(one), ret(one)).verdict is Verdict.AGREE
    assert compare(ret(one), ret(one, one)).verdict is Verdict.DISAGREE
    assert compare(ret(one), ret(Value(NumType.I64, 1))).verdict is Verdict.DISAGREE


def test_states_compare_globals_and_memories() -> None:
    mine = State({"g": f32(0x7FC0_0000)}, {"m": (65536, "aa")})
    assert compare_states(mine, State({"g": f32(0xFFC0_0001)}, {"m": (65536, "aa")})).verdict \
        is Verdict.AGREE
    assert compare_states(mine, State({"g": f32(0)}, {"m": (65536, "aa")})).verdict \
        is Verdict.DISAGREE
    assert compare_states(mine, State({"g": f32(0x7FC0_0000)}, {"m": (65536, "bb")})).verdict \
        is Verdict.DISAGREE
