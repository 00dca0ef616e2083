"""One valid and one invalid use per instruction group, syntax trees built directly.

Each case names the rule it exercises, so a failure points at one typing rule.  Expected
messages are the official test suite's (``assert_invalid``), written out here by hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from refwasm.errors import InvalidError
from refwasm.features import DEFAULT_FEATURES, Features
from refwasm.syntax import (
    DECLARE,
    EXTERNREF,
    FUNCREF,
    PASSIVE,
    AbsHeapType,
    AddrType,
    BinOp,
    Binop,
    Block,
    Br,
    BrIf,
    BrTable,
    Call,
    CallIndirect,
    Const,
    CvtOp,
    Cvtop,
    Data,
    DataDrop,
    Drop,
    Elem,
    ElemDrop,
    Export,
    ExternIdx,
    ExternKind,
    Func,
    FuncType,
    Global,
    GlobalGet,
    GlobalSet,
    GlobalType,
    If,
    Instr,
    Limits,
    Load,
    LoadPack,
    LocalGet,
    LocalSet,
    LocalTee,
    Loop,
    Mem,
    MemArg,
    MemoryCopy,
    MemoryFill,
    MemoryGrow,
    MemoryInit,
    MemorySize,
    MemType,
    Module,
    Mut,
    Nop,
    NumType,
    RefFunc,
    RefIsNull,
    RefNull,
    RelOp,
    Relop,
    Return,
    Select,
    Shape,
    Store,
    Sx,
    Table,
    TableCopy,
    TableFill,
    TableGet,
    TableGrow,
    TableInit,
    TableSet,
    TableSize,
    TableType,
    Type,
    TypeIdx,
    UnOp,
    Unop,
    Unreachable,
    ValType,
    VBinOp,
    VBinop,
    VBitmask,
    VConst,
    VCvtOp,
    VCvtop,
    VecType,
    VExtBinOp,
    VExtbinop,
    VExtractLane,
    VExtUnOp,
    VExtunop,
    VLoad,
    VLoadLane,
    VLoadShape,
    VLoadSplat,
    VNarrow,
    VRelOp,
    VRelop,
    VReplaceLane,
    VShiftOp,
    VShiftop,
    VShuffle,
    VSplat,
    VStore,
    VStoreLane,
    VSwizzlOp,
    VSwizzlop,
    VTestOp,
    VTestop,
    VUnOp,
    VUnop,
    VVBinOp,
    VVBinop,
    VVTernOp,
    VVTernop,
    VVTestOp,
    VVTestop,
    VVUnOp,
    VVUnop,
    plain_functype,
)
from refwasm.syntax import TestOp as NumTestOp
from refwasm.syntax import Testop as NumTestop
from refwasm.validation import validate_module

I32, I64, F32, F64 = NumType.I32, NumType.I64, NumType.F32, NumType.F64
V128 = VecType.V128
A0 = MemArg(0, 0)


def i32(n: int = 0) -> Const:
    return Const(I32, n)


def v128() -> VConst:
    return VConst(0)


@dataclass
class Case:
    """A function body in a module with one memory, one funcref table, a mutable and an
    immutable i32 global, one passive funcref element segment and one passive data segment."""

    body: tuple[Instr, ...]
    results: tuple[ValType, ...] = ()
    params: tuple[ValType, ...] = ()
    locals: tuple[ValType, ...] = ()

    def module(self) -> Module:
        return Module(
            types=(
                Type(plain_functype(FuncType(self.params, self.results))),
                Type(plain_functype(FuncType((I32,), (I32,)))),
            ),
            globals=(
                Global(GlobalType(Mut.VAR, I32), (i32(),)),
                Global(GlobalType(Mut.CONST, I32), (i32(),)),
            ),
            mems=(Mem(MemType(AddrType.I32, Limits(1))),),
            tables=(Table(TableType(AddrType.I32, Limits(1), FUNCREF)),),
            funcs=(Func(0, self.locals, self.body), Func(1, (), (LocalGet(0),))),
            datas=(Data(b"x", PASSIVE),),
            elems=(Elem(FUNCREF, ((RefFunc(1),),), DECLARE),),
        )


def invalid(case: Case, message: str, features: Features = DEFAULT_FEATURES) -> None:
    with pytest.raises(InvalidError) as info:
        validate_module(case.module(), features)
    assert info.value.message.startswith(message), info.value.message


# (rule, valid use, invalid use, expected message)
GROUPS: list[tuple[str, Case, Case, str]] = [
    # Parametric
    ("nop", Case((Nop(),)), Case((Nop(),), (I32,)), "type mismatch"),
    ("unreachable", Case((Unreachable(), Binop(I32, BinOp.ADD)), (I32,)),
     Case((Unreachable(), Const(I64, 0), Binop(I32, BinOp.ADD)), (I32,)), "type mismatch"),
    ("drop", Case((i32(), Drop())), Case((Drop(),)), "type mismatch"),
    ("select", Case((Const(F32, 0), Const(F32, 0), i32(), Select()), (F32,)),
     Case((Const(F32, 0), Const(F64, 0), i32(), Select()), (F32,)), "type mismatch"),
    ("select-ref-implicit", Case((v128(), v128(), i32(), Select(), Drop())),
     Case((RefNull(AbsHeapType.FUNC),) * 2 + (i32(), Select(), Drop())), "type mismatch"),
    ("select-expl", Case((RefNull(AbsHeapType.FUNC),) * 2 + (i32(), Select((FUNCREF,)), Drop())),
     Case((i32(), i32(), i32(), Select(()), Drop())), "invalid result arity"),
    # Control
    ("block", Case((Block(I32, (i32(),)),), (I32,)), Case((Block(I32, ()),), (I32,)),
     "type mismatch"),
    ("block-typeidx", Case((i32(), Block(TypeIdx(1), ()),), (I32,)),
     Case((Block(TypeIdx(7), ()),)), "unknown type"),
    ("loop", Case((Loop(None, (Br(0),)),)), Case((i32(), Loop(TypeIdx(1), (Const(F32, 0), Br(0)))), (I32,)),
     "type mismatch"),
    ("if", Case((i32(), If(I32, (i32(),), (i32(1),))), (I32,)),
     Case((i32(), If(I32, (i32(),), ())), (I32,)), "type mismatch"),
    ("br", Case((Block(None, (Br(1),)),)), Case((Br(2),)), "unknown label"),
    ("br_if", Case((Block(I32, (i32(), i32(), BrIf(0))),), (I32,)),
     Case((Block(I32, (i32(), BrIf(0))), Drop())), "type mismatch"),
    ("br_table", Case((Block(None, (i32(), BrTable((0, 1), 0))),)),
     Case((Block(I32, (i32(), i32(), BrTable((0, 1), 0))), Drop())), "type mismatch"),
    ("br_table-polymorphic", Case((Block(F32, (Unreachable(), BrTable((0,), 0))), Drop())),
     Case((Block(F32, (Block(F64, (Unreachable(), BrTable((0,), 1))), Drop())), Drop())),
     "type mismatch"),
    ("return", Case((i32(), Return()), (I32,)), Case((Const(I64, 0), Return()), (I32,)),
     "type mismatch"),
    ("call", Case((i32(), Call(1)), (I32,)), Case((Call(2),)), "unknown function"),
    ("call_indirect", Case((i32(), i32(), CallIndirect(0, TypeIdx(1))), (I32,)),
     Case((i32(), CallIndirect(0, TypeIdx(1))), (I32,)), "type mismatch"),
    ("call_indirect-type", Case((i32(), CallIndirect(0, TypeIdx(0))),),
     Case((i32(), CallIndirect(0, TypeIdx(9))),), "unknown type"),
    # Variables
    ("local.get", Case((LocalGet(0),), (I64,), locals=(I64,)), Case((LocalGet(1),), (I64,), (I64,)),
     "unknown local"),
    ("local.set", Case((i32(), LocalSet(0)), params=(I32,)),
     Case((Const(F32, 0), LocalSet(0)), params=(I32,)), "type mismatch"),
    ("local.tee", Case((i32(), LocalTee(0)), (I32,), locals=(I32,)),
     Case((LocalTee(0),), (I32,), locals=(I32,)), "type mismatch"),
    ("global.get", Case((GlobalGet(1),), (I32,)), Case((GlobalGet(2),), (I32,)),
     "unknown global"),
    ("global.set", Case((i32(), GlobalSet(0))), Case((i32(), GlobalSet(1))),
     "global is immutable"),
    # Tables
    ("table.get", Case((i32(), TableGet(0)), (FUNCREF,)), Case((i32(), TableGet(1)), (FUNCREF,)),
     "unknown table"),
    ("table.set", Case((i32(), RefNull(AbsHeapType.FUNC), TableSet(0))),
     Case((i32(), RefNull(AbsHeapType.EXTERN), TableSet(0))), "type mismatch"),
    ("table.size", Case((TableSize(0),), (I32,)), Case((TableSize(0),), (I64,)), "type mismatch"),
    ("table.grow", Case((RefNull(AbsHeapType.FUNC), i32(), TableGrow(0)), (I32,)),
     Case((i32(), RefNull(AbsHeapType.FUNC), TableGrow(0)), (I32,)), "type mismatch"),
    ("table.fill", Case((i32(), RefNull(AbsHeapType.FUNC), i32(), TableFill(0))),
     Case((i32(), i32(), i32(), TableFill(0))), "type mismatch"),
    ("table.copy", Case((i32(), i32(), i32(), TableCopy(0, 0))),
     Case((i32(), i32(), TableCopy(0, 0))), "type mismatch"),
    ("table.init", Case((i32(), i32(), i32(), TableInit(0, 0))),
     Case((i32(), i32(), i32(), TableInit(0, 4))), "unknown elem segment 4"),
    ("elem.drop", Case((ElemDrop(0),)), Case((ElemDrop(1),)), "unknown elem segment 1"),
    # Memories
    ("load", Case((i32(), Load(I64, None, 0, MemArg(3, 0))), (I64,)),
     Case((i32(), Load(I64, None, 0, MemArg(4, 0))), (I64,)),
     "alignment must not be larger than natural"),
    ("load-pack", Case((i32(), Load(I32, LoadPack(16, Sx.S), 0, MemArg(1, 0))), (I32,)),
     Case((i32(), Load(I32, LoadPack(8, Sx.U), 0, MemArg(1, 0))), (I32,)),
     "alignment must not be larger than natural"),
    ("load-memory", Case((i32(), Load(F32, None, 0, A0)), (F32,)),
     Case((i32(), Load(F32, None, 1, A0)), (F32,)), "unknown memory 1"),
    ("store", Case((i32(), Const(F64, 0), Store(F64, None, 0, A0))),
     Case((Const(F64, 0), i32(), Store(F64, None, 0, A0))), "type mismatch"),
    ("store-pack", Case((i32(), Const(I64, 0), Store(I64, 32, 0, MemArg(2, 0)))),
     Case((i32(), Const(I64, 0), Store(I64, 32, 0, MemArg(3, 0)))),
     "alignment must not be larger than natural"),
    ("memory.size", Case((MemorySize(0),), (I32,)), Case((MemorySize(0),), (I64,)),
     "type mismatch"),
    ("memory.grow", Case((i32(), MemoryGrow(0)), (I32,)), Case((MemoryGrow(0),), (I32,)),
     "type mismatch"),
    ("memory.fill", Case((i32(), i32(), i32(), MemoryFill(0))),
     Case((i32(), Const(I64, 0), i32(), MemoryFill(0))), "type mismatch"),
    ("memory.copy", Case((i32(), i32(), i32(), MemoryCopy(0, 0))),
     Case((i32(), i32(), MemoryCopy(0, 0))), "type mismatch"),
    ("memory.init", Case((i32(), i32(), i32(), MemoryInit(0, 0))),
     Case((i32(), i32(), i32(), MemoryInit(0, 1))), "unknown data segment 1"),
    ("data.drop", Case((DataDrop(0),)), Case((DataDrop(3),)), "unknown data segment"),
    # References
    ("ref.null", Case((RefNull(AbsHeapType.EXTERN),), (EXTERNREF,)),
     Case((RefNull(AbsHeapType.EXTERN),), (FUNCREF,)), "type mismatch"),
    ("ref.is_null", Case((RefNull(AbsHeapType.FUNC), RefIsNull()), (I32,)),
     Case((i32(), RefIsNull()), (I32,)), "type mismatch"),
    ("ref.func", Case((RefFunc(1),), (FUNCREF,)), Case((RefFunc(0),), (FUNCREF,)),
     "undeclared function reference"),
    # Numeric
    ("const", Case((Const(F64, 0),), (F64,)), Case((Const(F64, 0),), (F32,)), "type mismatch"),
    ("unop", Case((Const(F32, 0), Unop(F32, UnOp.SQRT)), (F32,)),
     Case((i32(), Unop(I64, UnOp.CLZ)), (I64,)), "type mismatch"),
    ("binop", Case((Const(I64, 1), Const(I64, 2), Binop(I64, BinOp.ROTL)), (I64,)),
     Case((Const(I64, 1), i32(), Binop(I64, BinOp.ROTL)), (I64,)), "type mismatch"),
    ("testop", Case((Const(I64, 0), NumTestop(I64, NumTestOp.EQZ)), (I32,)),
     Case((Const(I64, 0), NumTestop(I64, NumTestOp.EQZ)), (I64,)), "type mismatch"),
    ("relop", Case((Const(F64, 0), Const(F64, 0), Relop(F64, RelOp.LE)), (I32,)),
     Case((Const(F64, 0), Const(F32, 0), Relop(F64, RelOp.LE)), (I32,)), "type mismatch"),
    ("cvtop", Case((i32(), Cvtop(I64, I32, CvtOp.EXTEND_U)), (I64,)),
     Case((Const(I64, 0), Cvtop(I64, I32, CvtOp.EXTEND_U)), (I64,)), "type mismatch"),
    # Vectors
    ("vconst", Case((v128(),), (V128,)), Case((v128(),), (I64,)), "type mismatch"),
    ("vvunop", Case((v128(), VVUnop(VVUnOp.NOT)), (V128,)), Case((i32(), VVUnop(VVUnOp.NOT)), (V128,)),
     "type mismatch"),
    ("vvbinop", Case((v128(), v128(), VVBinop(VVBinOp.XOR)), (V128,)),
     Case((v128(), VVBinop(VVBinOp.XOR)), (V128,)), "type mismatch"),
    ("vvternop", Case((v128(),) * 3 + (VVTernop(VVTernOp.BITSELECT),), (V128,)),
     Case((v128(), v128(), i32(), VVTernop(VVTernOp.BITSELECT)), (V128,)), "type mismatch"),
    ("vvtestop", Case((v128(), VVTestop(VVTestOp.ANY_TRUE)), (I32,)),
     Case((v128(), VVTestop(VVTestOp.ANY_TRUE)), (V128,)), "type mismatch"),
    ("vunop", Case((v128(), VUnop(Shape.F32X4, VUnOp.SQRT)), (V128,)),
     Case((Const(F32, 0), VUnop(Shape.F32X4, VUnOp.SQRT)), (V128,)), "type mismatch"),
    ("vbinop", Case((v128(), v128(), VBinop(Shape.I8X16, VBinOp.ADD_SAT_S)), (V128,)),
     Case((v128(), VBinop(Shape.I8X16, VBinOp.ADD_SAT_S)), (V128,)), "type mismatch"),
    ("vtestop", Case((v128(), VTestop(Shape.I16X8, VTestOp.ALL_TRUE)), (I32,)),
     Case((i32(), VTestop(Shape.I16X8, VTestOp.ALL_TRUE)), (I32,)), "type mismatch"),
    ("vrelop", Case((v128(), v128(), VRelop(Shape.F64X2, VRelOp.LT)), (V128,)),
     Case((v128(), v128(), VRelop(Shape.F64X2, VRelOp.LT)), (I32,)), "type mismatch"),
    ("vshiftop", Case((v128(), i32(), VShiftop(Shape.I32X4, VShiftOp.SHL)), (V128,)),
     Case((v128(), v128(), VShiftop(Shape.I32X4, VShiftOp.SHL)), (V128,)), "type mismatch"),
    ("vbitmask", Case((v128(), VBitmask(Shape.I64X2)), (I32,)),
     Case((v128(), VBitmask(Shape.I64X2)), (I64,)), "type mismatch"),
    ("vswizzlop", Case((v128(), v128(), VSwizzlop(VSwizzlOp.SWIZZLE)), (V128,)),
     Case((v128(), i32(), VSwizzlop(VSwizzlOp.SWIZZLE)), (V128,)), "type mismatch"),
    ("vshuffle", Case((v128(), v128(), VShuffle(tuple(range(31, 15, -1)))), (V128,)),
     Case((v128(), v128(), VShuffle(tuple(range(17, 33)))), (V128,)), "invalid lane index"),
    ("vsplat", Case((i32(), VSplat(Shape.I8X16)), (V128,)),
     Case((Const(I64, 0), VSplat(Shape.I8X16)), (V128,)), "type mismatch"),
    ("vextract_lane", Case((v128(), VExtractLane(Shape.I16X8, Sx.U, 7)), (I32,)),
     Case((v128(), VExtractLane(Shape.I16X8, Sx.U, 8)), (I32,)), "invalid lane index"),
    ("vextract_lane-type", Case((v128(), VExtractLane(Shape.F64X2, None, 1)), (F64,)),
     Case((v128(), VExtractLane(Shape.F64X2, None, 1)), (F32,)), "type mismatch"),
    ("vreplace_lane", Case((v128(), Const(F32, 0), VReplaceLane(Shape.F32X4, 3)), (V128,)),
     Case((v128(), Const(F32, 0), VReplaceLane(Shape.F32X4, 4)), (V128,)), "invalid lane index"),
    ("vextunop", Case((v128(), VExtunop(Shape.I16X8, Shape.I8X16, VExtUnOp.EXTADD_PAIRWISE_S)), (V128,)),
     Case((VExtunop(Shape.I16X8, Shape.I8X16, VExtUnOp.EXTADD_PAIRWISE_S),), (V128,)),
     "type mismatch"),
    ("vextbinop", Case((v128(), v128(), VExtbinop(Shape.I32X4, Shape.I16X8, VExtBinOp.DOT_S)), (V128,)),
     Case((v128(), VExtbinop(Shape.I32X4, Shape.I16X8, VExtBinOp.DOT_S)), (V128,)),
     "type mismatch"),
    ("vnarrow", Case((v128(), v128(), VNarrow(Shape.I8X16, Shape.I16X8, Sx.S)), (V128,)),
     Case((v128(), Const(F64, 0), VNarrow(Shape.I8X16, Shape.I16X8, Sx.S)), (V128,)),
     "type mismatch"),
    ("vcvtop", Case((v128(), VCvtop(Shape.F64X2, Shape.F32X4, VCvtOp.PROMOTE_LOW)), (V128,)),
     Case((Const(F32, 0), VCvtop(Shape.F64X2, Shape.F32X4, VCvtOp.PROMOTE_LOW)), (V128,)),
     "type mismatch"),
    ("vload", Case((i32(), VLoad(None, 0, MemArg(4, 0))), (V128,)),
     Case((i32(), VLoad(None, 0, MemArg(5, 0))), (V128,)), "alignment must not be larger"),
    ("vload-shape", Case((i32(), VLoad(VLoadShape(8, 8, Sx.S), 0, MemArg(3, 0))), (V128,)),
     Case((i32(), VLoad(VLoadShape(8, 8, Sx.S), 0, MemArg(4, 0))), (V128,)),
     "alignment must not be larger"),
    ("vload-splat", Case((i32(), VLoad(VLoadSplat(16), 0, MemArg(1, 0))), (V128,)),
     Case((i32(), VLoad(VLoadSplat(16), 0, MemArg(2, 0))), (V128,)), "alignment must not be larger"),
    ("vload_lane", Case((i32(), v128(), VLoadLane(32, 0, A0, 3)), (V128,)),
     Case((i32(), v128(), VLoadLane(32, 0, A0, 4)), (V128,)), "invalid lane index"),
    ("vstore", Case((i32(), v128(), VStore(0, A0))), Case((v128(), i32(), VStore(0, A0))),
     "type mismatch"),
    ("vstore_lane", Case((i32(), v128(), VStoreLane(8, 0, A0, 15))),
     Case((i32(), v128(), VStoreLane(8, 0, MemArg(1, 0), 15))), "alignment must not be larger"),
]


@pytest.mark.parametrize(("rule", "good", "bad", "message"), GROUPS, ids=[g[0] for g in GROUPS])
def test_instruction_rule(rule: str, good: Case, bad: Case, message: str) -> None:
    validate_module(good.module())
    invalid(bad, message)


def test_if_without_else_must_pass_params_through() -> None:
    """``Instr_ok/if``: an absent else branch is empty, so params must equal results."""
    ft_params_results = Case((i32(), i32(), If(TypeIdx(1), (Drop(), i32(7)), ())), (I32,))
    validate_module(ft_params_results.module())
    invalid(Case((i32(), If(I32, (i32(),), ())), (I32,)), "type mismatch")


def test_block_params_need_multi_value() -> None:
    """1.0 has no block parameters (``invalid result arity`` under 1.0)."""
    case = Case((i32(), Block(TypeIdx(1), ())), (I32,))
    validate_module(case.module())
    with pytest.raises(InvalidError):
        validate_module(case.module(), Features.for_version("1.0"))


def test_deep_nesting_does_not_recurse() -> None:
    """10,000 nested blocks validate (no Python recursion over nesting depth)."""
    body: tuple[Instr, ...] = (i32(),)
    for _ in range(10_000):
        body = (Block(I32, body),)
    validate_module(Case(body, (I32,)).module())
    bad: tuple[Instr, ...] = (Const(I64, 0),)
    for _ in range(10_000):
        bad = (Block(I32, bad),)
    invalid(Case(bad, (I32,)), "type mismatch")


def test_export_of_function_declares_it() -> None:
    """``C.refs`` includes exported functions, but not references inside function bodies."""
    base = Case((RefFunc(0), Drop())).module()
    exported = Module(**{**_fields(base), "exports": (Export("f", ExternIdx(ExternKind.FUNC, 0)),)})
    validate_module(exported)
    with pytest.raises(InvalidError, match="undeclared function reference"):
        validate_module(base)


def _fields(module: Module) -> dict[str, object]:
    return {name: getattr(module, name) for name in Module.__dataclass_fields__}


# 3.0 instruction shapes without a typing rule yet: validation rejects them as unsupported.
NOT_MODELLED = {
    "BrOnCast", "BrOnCastFail",
    "Throw", "ThrowRef", "TryTable", "RefEq", "RefTest", "RefCast", "RefI31",
    "I31Get", "StructNew", "StructNewDefault", "StructGet", "StructSet", "ArrayNew",
    "ArrayNewDefault", "ArrayNewFixed", "ArrayNewData", "ArrayNewElem", "ArrayGet", "ArraySet",
    "ArrayLen", "ArrayFill", "ArrayCopy", "ArrayInitData", "ArrayInitElem", "ExternConvertAny",
    "AnyConvertExtern",
}


def test_every_instruction_shape_has_a_rule() -> None:
    """Every ``Instr`` class has its typing rule, except the 3.0 ones listed as not modelled."""
    from typing import get_args

    from refwasm.validation.instructions import _RULES

    missing = {cls.__name__ for cls in get_args(Instr)} - {cls.__name__ for cls in _RULES}
    assert missing == NOT_MODELLED


def test_unmodelled_instruction_is_invalid_not_a_crash() -> None:
    from refwasm.syntax import RefEq

    invalid(Case((RefNull(AbsHeapType.FUNC), RefNull(AbsHeapType.FUNC), RefEq(), Drop())),
            "unsupported instruction",
            Features.for_version("3.0"))
