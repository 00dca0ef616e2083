"""Result patterns: exact bits and types, NaN classes, v128 lanes, references."""

from __future__ import annotations

import struct

import pytest

from refwasm.engines.base import Value
from refwasm.execution.values import RefExtern, RefFuncAddr, RefHostAddr, RefNullVal
from refwasm.script.results import matches, mismatch
from refwasm.syntax.instructions import Shape
from refwasm.syntax.types import (
    EXTERNREF,
    FUNCREF,
    AbsHeapType,
    NumType,
    VecType,
)
from refwasm.text.script_syntax import (
    EitherPattern,
    LanePattern,
    NanKind,
    NanPattern,
    NumConst,
    RefHostConst,
    RefNullConst,
    RefPattern,
    VecConst,
    VecPattern,
)

F32, F64 = NumType.F32, NumType.F64
CANON, ARITH = NanKind.CANONICAL, NanKind.ARITHMETIC


def f32_bits(x: float) -> int:
    return int.from_bytes(struct.pack("<f", x), "little")


@pytest.mark.parametrize(
    ("bits", "canonical", "arithmetic"),
    [
        (0x7FC0_0000, True, True),  # +canonical
        (0xFFC0_0000, True, True),  # -canonical
        (0x7FC0_0001, False, True),  # quiet with payload
        (0xFFE0_0000, False, True),
        (0x7FA0_0000, False, False),  # signalling
        (0x7F80_0001, False, False),  # signalling, lowest payload
        (0x7F80_0000, False, False),  # +inf
        (0x3FC0_0000, False, False),  # quiet bit set but not a NaN: 1.5
        (0x0000_0000, False, False),
    ],
)
def test_f32_nan_classes(bits: int, canonical: bool, arithmetic: bool) -> None:
    assert matches(NanPattern(F32, CANON), Value(F32, bits)) is canonical
    assert matches(NanPattern(F32, ARITH), Value(F32, bits)) is arithmetic


@pytest.mark.parametrize(
    ("bits", "canonical", "arithmetic"),
    [
        (0x7FF8_0000_0000_0000, True, True),
        (0xFFF8_0000_0000_0000, True, True),
        (0x7FF8_0000_0000_0001, False, True),
        (0xFFFC_0000_0000_0000, False, True),
        (0x7FF4_0000_0000_0000, False, False),
        (0x7FF0_0000_0000_0001, False, False),
        (0x7FF0_0000_0000_0000, False, False),
        (0x7FC0_0000, False, False),  # an f32 canonical NaN's bits are not an f64 NaN
    ],
)
def test_f64_nan_classes(bits: int, canonical: bool, arithmetic: bool) -> None:
    assert matches(NanPattern(F64, CANON), Value(F64, bits)) is canonical
    assert matches(NanPattern(F64, ARITH), Value(F64, bits)) is arithmetic


def test_nan_pattern_needs_the_float_type() -> None:
    assert not matches(NanPattern(F32, CANON), Value(F64, 0x7FC0_0000))
    assert not matches(NanPattern(F32, CANON), Value(NumType.I32, 0x7FC0_0000))


def test_exact_constants_compare_bits_and_type() -> None:
    assert matches(NumConst(F32, f32_bits(1.5)), Value(F32, 0x3FC0_0000))
    assert not matches(NumConst(F32, 0x8000_0000), Value(F32, 0))  # -0.0 is not +0.0
    assert not matches(NumConst(F32, 0x7FC0_0000), Value(F32, 0x7FC0_0001))  # exact NaN bits
    assert not matches(NumConst(NumType.I32, 1), Value(NumType.I64, 1))
    assert matches(NumConst(NumType.I64, 2**64 - 1), Value(NumType.I64, 2**64 - 1))
    assert matches(VecConst(1 << 127), Value(VecType.V128, 1 << 127))
    assert not matches(VecConst(1), Value(VecType.V128, 2))


def lane(bits: int) -> LanePattern:
    return LanePattern(bits)


def nan(kind: NanKind) -> LanePattern:
    return LanePattern(None, kind)


def vec(*lanes: int, width: int) -> int:
    return sum(lane_bits << (i * width) for i, lane_bits in enumerate(lanes))


def test_f32x4_lane_patterns() -> None:
    pattern = VecPattern(Shape.F32X4, (lane(f32_bits(1.0)), nan(CANON), nan(ARITH), lane(0)))
    good = vec(f32_bits(1.0), 0xFFC0_0000, 0x7FC0_1234, 0, width=32)
    assert matches(pattern, Value(VecType.V128, good))
    # Each lane on its own can make it fail.
    for i, bad_lane in enumerate([f32_bits(2.0), 0x7FC0_0001, 0x7F80_0001, 0x8000_0000]):
        lanes = [f32_bits(1.0), 0xFFC0_0000, 0x7FC0_1234, 0]
        lanes[i] = bad_lane
        assert not matches(pattern, Value(VecType.V128, vec(*lanes, width=32))), i


def test_f64x2_lane_patterns() -> None:
    pattern = VecPattern(Shape.F64X2, (nan(ARITH), lane(0x4000_0000_0000_0000)))
    assert matches(pattern, Value(VecType.V128, vec(0x7FF8_0000_0000_0001, 1 << 62, width=64)))
    assert not matches(pattern, Value(VecType.V128, vec(0x7FF0_0000_0000_0001, 1 << 62, width=64)))


def test_integer_lanes_are_exact_and_masked() -> None:
    pattern = VecPattern(Shape.I8X16, tuple(lane(i) for i in range(15)) + (lane(-1),))
    value = vec(*range(15), 0xFF, width=8)
    assert matches(pattern, Value(VecType.V128, value))
    assert not matches(pattern, Value(VecType.V128, value ^ 1))
    i16 = VecPattern(Shape.I16X8, tuple(lane(0x8000) for _ in range(8)))
    assert matches(i16, Value(VecType.V128, vec(*[0x8000] * 8, width=16)))
    assert not matches(i16, Value(NumType.I64, 0))


def test_lane_count_must_match_shape() -> None:
    pattern = VecPattern(Shape.I32X4, (lane(0), lane(0)))
    assert not matches(pattern, Value(VecType.V128, 0))


def test_ref_null_matches_any_null_of_its_kind() -> None:
    func_null = Value(FUNCREF, RefNullVal(AbsHeapType.FUNC))
    extern_null = Value(EXTERNREF, RefNullVal(AbsHeapType.EXTERN))
    assert matches(RefNullConst(AbsHeapType.FUNC), func_null)
    assert matches(RefNullConst(AbsHeapType.FUNC), Value(FUNCREF, RefNullVal(AbsHeapType.NOFUNC)))
    assert not matches(RefNullConst(AbsHeapType.FUNC), extern_null)
    assert not matches(RefNullConst(AbsHeapType.EXTERN), func_null)
    assert not matches(RefNullConst(AbsHeapType.FUNC), Value(FUNCREF, RefFuncAddr(0)))
    assert matches(RefPattern(None, null=True), extern_null)
    assert not matches(RefPattern(None, null=True), Value(EXTERNREF, RefHostAddr(0)))


def test_ref_extern_n_is_that_host_reference() -> None:
    assert matches(RefHostConst(3), Value(EXTERNREF, RefHostAddr(3)))
    assert not matches(RefHostConst(3), Value(EXTERNREF, RefHostAddr(4)))
    assert not matches(RefHostConst(0), Value(EXTERNREF, RefNullVal(AbsHeapType.EXTERN)))


def test_ref_type_patterns_need_a_non_null_reference() -> None:
    assert matches(RefPattern(AbsHeapType.FUNC), Value(FUNCREF, RefFuncAddr(5)))
    assert not matches(RefPattern(AbsHeapType.FUNC), Value(FUNCREF, RefNullVal(AbsHeapType.FUNC)))
    assert not matches(RefPattern(AbsHeapType.FUNC), Value(EXTERNREF, RefHostAddr(1)))
    assert matches(RefPattern(AbsHeapType.EXTERN), Value(EXTERNREF, RefHostAddr(1)))
    assert matches(RefPattern(AbsHeapType.EXTERN), Value(EXTERNREF, RefExtern(RefFuncAddr(1))))
    assert not matches(
        RefPattern(AbsHeapType.EXTERN), Value(EXTERNREF, RefNullVal(AbsHeapType.EXTERN))
    )
    assert not matches(RefPattern(AbsHeapType.EXTERN), Value(NumType.I32, 1))


def test_either() -> None:
    pattern = EitherPattern((NumConst(NumType.I32, 1), NumConst(NumType.I32, 2)))
    assert matches(pattern, Value(NumType.I32, 2))
    assert not matches(pattern, Value(NumType.I32, 3))


def test_mismatch_reasons() -> None:
    assert mismatch([NumConst(NumType.I32, 1)], [Value(NumType.I32, 1)]) is None
    assert mismatch([], []) is None
    reason = mismatch([NumConst(NumType.I32, 1)], [])
    assert reason is not None and "expected 1 results, got 0" in reason
    reason = mismatch(
        [NumConst(NumType.I32, 1), NanPattern(F32, CANON)],
        [Value(NumType.I32, 1), Value(F32, 0x7FC0_0001)],
    )
    assert reason is not None and reason.startswith("result 1:")
    assert "nan:canonical" in reason and "0x7fc00001" in reason
