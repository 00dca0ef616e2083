"""The instruction -> operator tables the interpreter uses (``exec-unop`` ... ``exec-cvtop``)."""

from __future__ import annotations

import itertools

import pytest

from refwasm import numerics
from refwasm.errors import INTEGER_DIVIDE_BY_ZERO, Crash, TrapError
from refwasm.numerics import binop_fn, cvtop_fn, relop_fn, unop_fn
from refwasm.syntax import instructions as ins
from refwasm.syntax.instructions import BinOp, CvtOp, RelOp, UnOp
from refwasm.syntax.types import NumType

I32, I64, F32, F64 = NumType.I32, NumType.I64, NumType.F32, NumType.F64


def defined(lookup: object, *key: object) -> bool:
    try:
        lookup(*key)  # type: ignore[operator]
    except Crash:
        return False
    return True


def test_every_2_0_numeric_instruction_has_an_operator() -> None:
    # Counted from the 2.0 instruction index: 25 unary, 44 binary, 2 tests, 32 comparisons,
    # 33 conversions (the sign-extension and saturating-truncation proposals included).
    unops = sum(defined(unop_fn, nt, op) for nt, op in itertools.product(NumType, UnOp))
    binops = sum(defined(binop_fn, nt, op) for nt, op in itertools.product(NumType, BinOp))
    tests = sum(
        defined(numerics.testop_fn, nt, op) for nt, op in itertools.product(NumType, ins.TestOp)
    )
    relops = sum(defined(relop_fn, nt, op) for nt, op in itertools.product(NumType, RelOp))
    cvtops = sum(
        defined(cvtop_fn, a, b, op) for a, b, op in itertools.product(NumType, NumType, CvtOp)
    )
    assert (unops, binops, tests, relops, cvtops) == (25, 44, 2, 32, 33)


@pytest.mark.parametrize(
    ("lookup", "key"),
    [
        (unop_fn, (I32, UnOp.SQRT)),
        (unop_fn, (F32, UnOp.CLZ)),
        (unop_fn, (I32, UnOp.EXTEND32_S)),
        (binop_fn, (F64, BinOp.DIV_S)),
        (binop_fn, (I64, BinOp.MIN)),
        (numerics.testop_fn, (F32, ins.TestOp.EQZ)),
        (relop_fn, (F32, RelOp.LT_S)),
        (relop_fn, (I32, RelOp.LT)),
        (cvtop_fn, (F32, I64, CvtOp.WRAP)),
        (cvtop_fn, (I32, I64, CvtOp.EXTEND_S)),
        (cvtop_fn, (I32, F64, CvtOp.REINTERPRET)),
        (cvtop_fn, (F32, F32, CvtOp.DEMOTE)),
    ],
)
def test_impossible_combinations_crash(lookup: object, key: tuple[object, ...]) -> None:
    with pytest.raises(Crash):
        lookup(*key)  # type: ignore[operator]


def test_table_entries_compute_their_instruction() -> None:
    assert binop_fn(I32, BinOp.ADD)(0xFFFFFFFF, 2) == 1
    assert binop_fn(I64, BinOp.ADD)(0xFFFFFFFF, 2) == 0x100000001
    assert binop_fn(F32, BinOp.ADD)(0x3F800000, 0x3F800000) == 0x40000000
    assert binop_fn(F64, BinOp.SUB)(0x3FF0000000000000, 0x3FF0000000000000) == 0
    assert binop_fn(I32, BinOp.SHR_S)(0x80000000, 4) == 0xF8000000
    assert unop_fn(I32, UnOp.EXTEND8_S)(0xFF) == 0xFFFFFFFF
    assert unop_fn(I64, UnOp.EXTEND16_S)(0x8000) == 0xFFFFFFFFFFFF8000
    assert unop_fn(I64, UnOp.EXTEND32_S)(0x80000000) == 0xFFFFFFFF80000000
    assert unop_fn(F64, UnOp.NEG)(0) == 0x8000000000000000
    assert numerics.testop_fn(I64, ins.TestOp.EQZ)(0) == 1
    assert relop_fn(I64, RelOp.LT_S)(0xFFFFFFFFFFFFFFFF, 0) == 1
    assert relop_fn(F64, RelOp.LT)(0xBFF0000000000000, 0) == 1
    assert cvtop_fn(I64, I32, CvtOp.EXTEND_S)(0xFFFFFFFF) == 0xFFFFFFFFFFFFFFFF
    assert cvtop_fn(I64, I32, CvtOp.EXTEND_U)(0xFFFFFFFF) == 0xFFFFFFFF
    assert cvtop_fn(F32, I64, CvtOp.CONVERT_S)(0xFFFFFFFFFFFFFFFF) == 0xBF800000
    assert cvtop_fn(I32, F64, CvtOp.TRUNC_SAT_U)(0x7FF0000000000000) == 0xFFFFFFFF
    assert cvtop_fn(I64, F32, CvtOp.TRUNC_S)(0xBF800000) == 0xFFFFFFFFFFFFFFFF
    assert cvtop_fn(F64, F32, CvtOp.PROMOTE)(0x3F800000) == 0x3FF0000000000000
    assert cvtop_fn(F32, F64, CvtOp.DEMOTE)(0x3FF0000000000000) == 0x3F800000
    assert cvtop_fn(F32, I32, CvtOp.REINTERPRET)(0x7FA00000) == 0x7FA00000


def test_table_entries_trap() -> None:
    with pytest.raises(TrapError) as e:
        binop_fn(I64, BinOp.REM_S)(5, 0)
    assert e.value.message == INTEGER_DIVIDE_BY_ZERO
