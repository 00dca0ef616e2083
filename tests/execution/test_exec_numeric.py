"""Numeric and vector instructions reach their operators with operands in stack order
(exec-const, exec-unop, exec-binop, exec-testop, exec-relop, exec-cvtop, exec-vbinop, ...)."""

from __future__ import annotations

import pytest
from exec_helpers import F32, F64, I32, I64, run_body

from refwasm.errors import TrapError
from refwasm.syntax import instructions as ins
from refwasm.syntax.instructions import (
    BinOp,
    Binop,
    Const,
    CvtOp,
    Cvtop,
    RelOp,
    Relop,
    Shape,
    Sx,
    UnOp,
    Unop,
    VBinOp,
    VBinop,
    VConst,
    VExtractLane,
    VReplaceLane,
    VSplat,
    VVBinOp,
    VVBinop,
    VVTernOp,
    VVTernop,
    VVUnOp,
    VVUnop,
)
from refwasm.syntax.types import VecType

V128 = VecType.V128


def test_const_keeps_float_bits_exactly() -> None:
    nan_payload = 0x7FA00001  # a signalling NaN: no conversion through a Python float
    assert run_body((), (F32, F64), (Const(F32, nan_payload), Const(F64, 0xFFF0000000000001))) == [
        nan_payload, 0xFFF0000000000001
    ]


def test_binop_operand_order() -> None:
    assert run_body((), (I32,), (Const(I32, 10), Const(I32, 3), Binop(I32, BinOp.SUB))) == [7]
    assert run_body((), (I64,), (Const(I64, 1), Const(I64, 4), Binop(I64, BinOp.SHL))) == [16]


def test_relop_and_testop() -> None:
    body = (Const(I32, 0xFFFFFFFF), Const(I32, 1), Relop(I32, RelOp.LT_S),
            Const(I32, 0xFFFFFFFF), Const(I32, 1), Relop(I32, RelOp.LT_U),
            Const(I64, 0), ins.Testop(I64, ins.TestOp.EQZ))
    assert run_body((), (I32, I32, I32), body) == [1, 0, 1]


def test_unop_and_cvtop() -> None:
    body = (Const(I32, 1), Unop(I32, UnOp.CLZ), Const(I32, 0xFFFFFFFE), Cvtop(I64, I32, CvtOp.EXTEND_S),
            Const(F32, 0x3FC00000), Cvtop(F64, F32, CvtOp.PROMOTE))
    assert run_body((), (I32, I64, F64), body) == [31, 0xFFFFFFFFFFFFFFFE, 0x3FF8000000000000]


@pytest.mark.parametrize(
    ("instrs", "message"),
    [
        ((Const(I32, 1), Const(I32, 0), Binop(I32, BinOp.DIV_U)), "integer divide by zero"),
        ((Const(I32, 0x80000000), Const(I32, 0xFFFFFFFF), Binop(I32, BinOp.DIV_S)), "integer overflow"),
        ((Const(F32, 0x7FC00000), Cvtop(I32, F32, CvtOp.TRUNC_S)), "invalid conversion to integer"),
    ],
)
def test_numeric_traps(instrs: tuple[ins.Instr, ...], message: str) -> None:
    with pytest.raises(TrapError, match=f"^{message}$"):
        run_body((), (I32,), instrs)


ONES = (1 << 128) - 1


def test_vector_unary_binary_ternary() -> None:
    a = 0x0000000400000003_0000000200000001
    b = 0x0000001000000010_0000001000000010
    body = (VConst(a), VVUnop(VVUnOp.NOT),
            VConst(a), VConst(b), VBinop(Shape.I32X4, VBinOp.ADD),
            VConst(ONES), VConst(0), VConst(0xFF), VVTernop(VVTernOp.BITSELECT),
            VConst(a), VConst(b), VVBinop(VVBinOp.ANDNOT))
    assert run_body((), (V128,) * 4, body) == [
        ONES ^ a, 0x0000001400000013_0000001200000011, 0xFF, a & ~b,
    ]


def test_vector_lanes_with_scalars() -> None:
    body = (Const(I32, 0x1FF), VSplat(Shape.I8X16),
            VConst(0x80 << 8), VExtractLane(Shape.I8X16, Sx.S, 1),
            VConst(0), Const(I64, 7), VReplaceLane(Shape.I64X2, 1))
    assert run_body((), (V128, I32, V128), body) == [
        int.from_bytes(b"\xff" * 16, "little"), 0xFFFFFF80, 7 << 64,
    ]
