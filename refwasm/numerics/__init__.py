"""Numerics of Wasm (2.0 document ``exec-numerics``; SpecTec ``3.1-numerics.scalar``).

The scalar operators live in ``integer``, ``floating`` and ``conversions``; this module maps
each numeric instruction (``Unop``, ``Binop``, ``Testop``, ``Relop``, ``Cvtop``) to the operator
it applies (2.0 ``exec-unop`` ... ``exec-cvtop``; SpecTec ``$unop_``, ``$binop_``, ``$testop_``,
``$relop_``, ``$cvtop__``).  The interpreter calls these per instruction, so the look-ups return
prebuilt callables from dict tables: each entry is already bound to its bit width.

A combination that cannot validate (``i32.sqrt``, ``f32.wrap_i64`` ...) is a refwasm bug by the
time it reaches execution, so it raises ``Crash``.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from refwasm.errors import crash
from refwasm.numerics import conversions as cv
from refwasm.numerics.floating import FLOAT_OPS
from refwasm.numerics.integer import INT_OPS
from refwasm.syntax.instructions import BinOp, CvtOp, RelOp, TestOp, UnOp
from refwasm.syntax.types import NumType

Unary = Callable[[int], int]
Binary = Callable[[int, int], int]

_I32, _I64, _F32, _F64 = NumType.I32, NumType.I64, NumType.F32, NumType.F64
_INT_TYPES = (_I32, _I64)
_FLOAT_TYPES = (_F32, _F64)


def _unops() -> dict[tuple[NumType, UnOp], Unary]:
    """``$unop_`` · ``exec-unop`` targets: ``iclz`` ... ``iextendN_s`` and ``fabs`` ...
    ``fnearest``."""
    table: dict[tuple[NumType, UnOp], Unary] = {}
    for nt in _INT_TYPES:
        i = INT_OPS[nt.bits]
        table[nt, UnOp.CLZ] = i.iclz
        table[nt, UnOp.CTZ] = i.ictz
        table[nt, UnOp.POPCNT] = i.ipopcnt
        table[nt, UnOp.EXTEND8_S] = partial(i.iextendN_s, 8)
        table[nt, UnOp.EXTEND16_S] = partial(i.iextendN_s, 16)
    table[_I64, UnOp.EXTEND32_S] = partial(INT_OPS[64].iextendN_s, 32)
    for nt in _FLOAT_TYPES:
        f = FLOAT_OPS[nt.bits]
        table[nt, UnOp.ABS] = f.fabs
        table[nt, UnOp.NEG] = f.fneg
        table[nt, UnOp.SQRT] = f.fsqrt
        table[nt, UnOp.CEIL] = f.fceil
        table[nt, UnOp.FLOOR] = f.ffloor
        table[nt, UnOp.TRUNC] = f.ftrunc
        table[nt, UnOp.NEAREST] = f.fnearest
    return table


def _binops() -> dict[tuple[NumType, BinOp], Binary]:
    """``$binop_`` · ``exec-binop`` targets: ``iadd`` ... ``irotr`` and ``fadd`` ...
    ``fcopysign``."""
    table: dict[tuple[NumType, BinOp], Binary] = {}
    for nt in _INT_TYPES:
        i = INT_OPS[nt.bits]
        table[nt, BinOp.ADD] = i.iadd
        table[nt, BinOp.SUB] = i.isub
        table[nt, BinOp.MUL] = i.imul
        table[nt, BinOp.DIV_U] = i.idiv_u
        table[nt, BinOp.DIV_S] = i.idiv_s
        table[nt, BinOp.REM_U] = i.irem_u
        table[nt, BinOp.REM_S] = i.irem_s
        table[nt, BinOp.AND] = i.iand
        table[nt, BinOp.OR] = i.ior
        table[nt, BinOp.XOR] = i.ixor
        table[nt, BinOp.SHL] = i.ishl
        table[nt, BinOp.SHR_U] = i.ishr_u
        table[nt, BinOp.SHR_S] = i.ishr_s
        table[nt, BinOp.ROTL] = i.irotl
        table[nt, BinOp.ROTR] = i.irotr
    for nt in _FLOAT_TYPES:
        f = FLOAT_OPS[nt.bits]
        table[nt, BinOp.ADD] = f.fadd
        table[nt, BinOp.SUB] = f.fsub
        table[nt, BinOp.MUL] = f.fmul
        table[nt, BinOp.DIV] = f.fdiv
        table[nt, BinOp.MIN] = f.fmin
        table[nt, BinOp.MAX] = f.fmax
        table[nt, BinOp.COPYSIGN] = f.fcopysign
    return table


def _testops() -> dict[tuple[NumType, TestOp], Unary]:
    """``$testop_`` · ``exec-testop`` targets: ``ieqz``."""
    return {(nt, TestOp.EQZ): INT_OPS[nt.bits].ieqz for nt in _INT_TYPES}


def _relops() -> dict[tuple[NumType, RelOp], Binary]:
    """``$relop_`` · ``exec-relop`` targets: ``ieq`` ... ``ige_s`` and ``feq`` ... ``fge``."""
    table: dict[tuple[NumType, RelOp], Binary] = {}
    for nt in _INT_TYPES:
        i = INT_OPS[nt.bits]
        table[nt, RelOp.EQ] = i.ieq
        table[nt, RelOp.NE] = i.ine
        table[nt, RelOp.LT_U] = i.ilt_u
        table[nt, RelOp.LT_S] = i.ilt_s
        table[nt, RelOp.GT_U] = i.igt_u
        table[nt, RelOp.GT_S] = i.igt_s
        table[nt, RelOp.LE_U] = i.ile_u
        table[nt, RelOp.LE_S] = i.ile_s
        table[nt, RelOp.GE_U] = i.ige_u
        table[nt, RelOp.GE_S] = i.ige_s
    for nt in _FLOAT_TYPES:
        f = FLOAT_OPS[nt.bits]
        table[nt, RelOp.EQ] = f.feq
        table[nt, RelOp.NE] = f.fne
        table[nt, RelOp.LT] = f.flt
        table[nt, RelOp.GT] = f.fgt
        table[nt, RelOp.LE] = f.fle
        table[nt, RelOp.GE] = f.fge
    return table


def _cvtops() -> dict[tuple[NumType, NumType, CvtOp], Unary]:
    """``$cvtop__`` · ``exec-cvtop`` targets, keyed by (result type, operand type, operator)."""
    table: dict[tuple[NumType, NumType, CvtOp], Unary] = {
        (_I64, _I32, CvtOp.EXTEND_U): partial(cv.extend_u, 32, 64),
        (_I64, _I32, CvtOp.EXTEND_S): partial(cv.extend_s, 32, 64),
        (_I32, _I64, CvtOp.WRAP): partial(cv.wrap, 64, 32),
        (_F64, _F32, CvtOp.PROMOTE): partial(cv.promote, 32, 64),
        (_F32, _F64, CvtOp.DEMOTE): partial(cv.demote, 64, 32),
    }
    float_to_int: tuple[tuple[CvtOp, Callable[[int, int, int], int]], ...] = (
        (CvtOp.TRUNC_U, cv.trunc_u),
        (CvtOp.TRUNC_S, cv.trunc_s),
        (CvtOp.TRUNC_SAT_U, cv.trunc_sat_u),
        (CvtOp.TRUNC_SAT_S, cv.trunc_sat_s),
    )
    int_to_float: tuple[tuple[CvtOp, Callable[[int, int, int], int]], ...] = (
        (CvtOp.CONVERT_U, cv.convert_u),
        (CvtOp.CONVERT_S, cv.convert_s),
    )
    for it in _INT_TYPES:
        for ft in _FLOAT_TYPES:
            for op, fn in float_to_int:
                table[it, ft, op] = partial(fn, ft.bits, it.bits)
            for op, fn in int_to_float:
                table[ft, it, op] = partial(fn, it.bits, ft.bits)
            if it.bits == ft.bits:
                table[it, ft, CvtOp.REINTERPRET] = partial(cv.reinterpret, ft.bits, it.bits)
                table[ft, it, CvtOp.REINTERPRET] = partial(cv.reinterpret, it.bits, ft.bits)
    return table


_UNOPS = _unops()
_BINOPS = _binops()
_TESTOPS = _testops()
_RELOPS = _relops()
_CVTOPS = _cvtops()


def unop_fn(nt: NumType, op: UnOp) -> Unary:
    """``exec-unop`` / ``Step_pure/unop``: the operator ``unop_nt``."""
    fn = _UNOPS.get((nt, op))
    return fn if fn is not None else crash(f"no unary operator {nt.value}.{op.value}")


def binop_fn(nt: NumType, op: BinOp) -> Binary:
    """``exec-binop`` / ``Step_pure/binop``: the operator ``binop_nt`` (it may raise ``TrapError``).
    """
    fn = _BINOPS.get((nt, op))
    return fn if fn is not None else crash(f"no binary operator {nt.value}.{op.value}")


def testop_fn(nt: NumType, op: TestOp) -> Unary:
    """``exec-testop`` / ``Step_pure/testop``: the operator ``testop_nt`` (result 0 or 1)."""
    fn = _TESTOPS.get((nt, op))
    return fn if fn is not None else crash(f"no test operator {nt.value}.{op.value}")


def relop_fn(nt: NumType, op: RelOp) -> Binary:
    """``exec-relop`` / ``Step_pure/relop``: the operator ``relop_nt`` (result 0 or 1)."""
    fn = _RELOPS.get((nt, op))
    return fn if fn is not None else crash(f"no comparison {nt.value}.{op.value}")


def cvtop_fn(nt1: NumType, nt2: NumType, op: CvtOp) -> Unary:
    """``exec-cvtop`` / ``Step_pure/cvtop``: ``cvtop_{nt2,nt1}`` from operand ``nt2`` to result
    ``nt1``."""
    fn = _CVTOPS.get((nt1, nt2, op))
    if fn is None:
        crash(f"no conversion {nt1.value}.{op.value}_{nt2.value}")
    return fn
