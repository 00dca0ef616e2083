"""Per-rule tests of the 3.0 GC instructions' execution (``Step*/struct.*``, ``array.*``,
``ref.i31``, ``i31.get``, ``ref.eq``, ``ref.test``, ``ref.cast``, ``br_on_cast*``,
``any.convert_extern``, ``extern.convert_any``) and of heap objects against the memory budget.

Modules are built as abstract syntax (no text or binary front end involved); expected values
are written out by hand.
"""

from __future__ import annotations

import pytest

from refwasm.embedding import func_invoke, instance_export, module_instantiate, store_init
from refwasm.errors import (
    CAST_FAILURE,
    NULL_ARRAY_REFERENCE,
    NULL_I31_REFERENCE,
    NULL_STRUCTURE_REFERENCE,
    OUT_OF_BOUNDS_ARRAY_ACCESS,
    OUT_OF_BOUNDS_MEMORY_ACCESS,
    ExhaustionError,
    TrapError,
)
from refwasm.execution.values import (
    ExternFuncAddr,
    RefExtern,
    RefHostAddr,
    RefI31Num,
    RefNullVal,
    Val,
)
from refwasm.features import Features
from refwasm.syntax.instructions import (
    AnyConvertExtern,
    ArrayCopy,
    ArrayFill,
    ArrayGet,
    ArrayInitData,
    ArrayLen,
    ArrayNew,
    ArrayNewData,
    ArrayNewDefault,
    ArrayNewFixed,
    ArraySet,
    Block,
    Br,
    BrOnCast,
    BrOnCastFail,
    Const,
    Drop,
    ExternConvertAny,
    I31Get,
    Instr,
    LocalGet,
    LocalSet,
    Loop,
    RefCast,
    RefEq,
    RefI31,
    RefNull,
    RefTest,
    StructGet,
    StructNew,
    StructNewDefault,
    StructSet,
    Sx,
)
from refwasm.syntax.modules import (
    PASSIVE,
    Data,
    Export,
    ExternIdx,
    ExternKind,
    Func,
    Module,
    Type,
)
from refwasm.syntax.types import (
    ANYREF,
    EQREF,
    EXTERNREF,
    I31REF,
    AbsHeapType,
    ArrayType,
    FieldType,
    FuncType,
    Mut,
    NumType,
    PackType,
    RecType,
    RefType,
    StructType,
    SubType,
    TypeIdx,
    ValType,
)

GC = Features.for_version("3.0")
I32, I64 = NumType.I32, NumType.I64

# Type 0: struct { mut i8, i64 }; type 1: array (mut i16); type 2: a sub struct of type 3;
# type 3: open struct { i32 }.
STRUCT = SubType(True, (), StructType((FieldType(Mut.VAR, PackType.I8), FieldType(Mut.CONST, I64))))
ARRAY16 = SubType(True, (), ArrayType(FieldType(Mut.VAR, PackType.I16)))
BASE = SubType(False, (), StructType((FieldType(Mut.CONST, I32),)))
DERIVED = SubType(True, (TypeIdx(3),), StructType((FieldType(Mut.CONST, I32), FieldType(Mut.CONST, I64))))
TYPES = (STRUCT, ARRAY16, DERIVED, BASE)


def run(body: tuple[Instr, ...], results: tuple[ValType, ...], params: tuple[ValType, ...] = (),
        args: tuple[Val, ...] = (), locals_: tuple[ValType, ...] = (), budget: int | None = None,
        datas: tuple[Data, ...] = (), engine: str = "reference") -> list[Val]:
    """Instantiate a module with ``TYPES``, then one function of the given type, and call it."""
    # Types 0..3 must be closed in order: BASE (3) precedes DERIVED (2) in no group, so the
    # supertype lives in an earlier group.
    groups = (RecType((STRUCT,)), RecType((ARRAY16,)), RecType((BASE,)),
              RecType((SubType(True, (TypeIdx(2),), DERIVED.comptype),)))
    ft = FuncType(params, results)
    module = Module(
        types=tuple(Type(g) for g in groups) + (Type(RecType((SubType(True, (), ft),))),),
        funcs=(Func(4, locals_, body),),
        datas=datas,
        exports=(Export("f", ExternIdx(ExternKind.FUNC, 0)),),
    )
    store = store_init(engine=engine) if budget is None else store_init(
        memory_budget=budget, engine=engine)
    inst = module_instantiate(store, module, [], GC)
    ev = instance_export(inst, "f")
    assert isinstance(ev, ExternFuncAddr)
    return func_invoke(store, ev.addr, list(args))


# Type indices of ``run``'s module: 0 struct, 1 array i16, 2 base (open), 3 derived.
S, A, BASE_T, DERIVED_T = 0, 1, 2, 3


def test_struct_new_get_packed_sign_and_zero_extension() -> None:
    """Step/struct.new packs (``$packfield``); Step_read/struct.get unpacks per ``sx``."""
    new = (Const(I32, 0x1FF), Const(I64, 7), StructNew(S))
    assert run((*new, StructGet(Sx.S, S, 0)), (I32,)) == [0xFFFF_FFFF]
    assert run((*new, StructGet(Sx.U, S, 0)), (I32,)) == [0xFF]
    assert run((*new, StructGet(None, S, 1)), (I64,)) == [7]


def test_struct_new_default_and_set() -> None:
    """Step_read/struct.new_default gives zeros; Step/struct.set writes packed bits."""
    body = (StructNewDefault(S), LocalSet(0), LocalGet(0), Const(I32, 0x180), StructSet(S, 0),
            LocalGet(0), StructGet(Sx.U, S, 0))
    assert run(body, (I32,), locals_=(RefType(True, TypeIdx(S)),)) == [0x80]


def test_struct_get_null_traps() -> None:
    """Step_read/struct.get-null"""
    with pytest.raises(TrapError, match=NULL_STRUCTURE_REFERENCE):
        run((RefNull(TypeIdx(S)), StructGet(None, S, 1)), (I64,))


def test_array_new_get_set_len() -> None:
    """Step_pure/array.new, Step_read/array.get, Step/array.set, Step_read/array.len"""
    body = (Const(I32, 0xFFFF), Const(I32, 3), ArrayNew(A), LocalSet(0),
            LocalGet(0), Const(I32, 1), Const(I32, 5), ArraySet(A),
            LocalGet(0), Const(I32, 0), ArrayGet(Sx.S, A),
            LocalGet(0), Const(I32, 1), ArrayGet(Sx.U, A),
            LocalGet(0), ArrayLen())
    assert run(body, (I32, I32, I32), locals_=(RefType(True, TypeIdx(A)),)) == [
        0xFFFF_FFFF, 5, 3]


def test_array_get_out_of_bounds_and_null() -> None:
    """Step_read/array.get-oob, array.get-null, array.len-null"""
    with pytest.raises(TrapError, match=OUT_OF_BOUNDS_ARRAY_ACCESS):
        run((Const(I32, 2), ArrayNewDefault(A), Const(I32, 2), ArrayGet(Sx.U, A)), (I32,))
    with pytest.raises(TrapError, match=NULL_ARRAY_REFERENCE):
        run((RefNull(TypeIdx(A)), ArrayLen()), (I32,))


def test_array_new_fixed_fill_copy() -> None:
    """Step/array.new_fixed, Step_read/array.fill, Step_read/array.copy (overlapping)."""
    body = (Const(I32, 1), Const(I32, 2), Const(I32, 3), Const(I32, 4), ArrayNewFixed(A, 4),
            LocalSet(0),
            LocalGet(0), Const(I32, 1), LocalGet(0), Const(I32, 0), Const(I32, 3), ArrayCopy(A, A),
            LocalGet(0), Const(I32, 0), Const(I32, 9), Const(I32, 1), ArrayFill(A),
            LocalGet(0), Const(I32, 0), ArrayGet(Sx.U, A),
            LocalGet(0), Const(I32, 1), ArrayGet(Sx.U, A),
            LocalGet(0), Const(I32, 3), ArrayGet(Sx.U, A))
    assert run(body, (I32, I32, I32), locals_=(RefType(True, TypeIdx(A)),)) == [9, 1, 3]


def test_array_new_data_and_init_data() -> None:
    """Step_read/array.new_data (little-endian i16 elements), array.new_data-oob,
    Step_read/array.init_data"""
    data = (Data(b"\x01\x02\x03\x04\xff\xff", PASSIVE),)
    body = (Const(I32, 1), Const(I32, 2), ArrayNewData(A, 0), Const(I32, 1), ArrayGet(Sx.U, A))
    assert run(body, (I32,), datas=data) == [0xFF04]
    with pytest.raises(TrapError, match=OUT_OF_BOUNDS_MEMORY_ACCESS):
        run((Const(I32, 1), Const(I32, 3), ArrayNewData(A, 0), Drop()), (), datas=data)
    init = (Const(I32, 2), ArrayNewDefault(A), LocalSet(0),
            LocalGet(0), Const(I32, 1), Const(I32, 4), Const(I32, 1), ArrayInitData(A, 0),
            LocalGet(0), Const(I32, 1), ArrayGet(Sx.S, A))
    assert run(init, (I32,), locals_=(RefType(True, TypeIdx(A)),), datas=data) == [0xFFFF_FFFF]


def test_i31() -> None:
    """Step_pure/ref.i31 (wrap to 31 bits), Step_pure/i31.get-num (both extensions),
    i31.get-null."""
    assert run((Const(I32, 0xFFFF_FFFF), RefI31(), I31Get(Sx.U)), (I32,)) == [0x7FFF_FFFF]
    assert run((Const(I32, 0x4000_0000), RefI31(), I31Get(Sx.S)), (I32,)) == [0xC000_0000]
    with pytest.raises(TrapError, match=NULL_I31_REFERENCE):
        run((RefNull(AbsHeapType.I31), I31Get(Sx.S)), (I32,))


def test_ref_eq() -> None:
    """Step_pure/ref.eq-null, -true, -false: nulls equal, i31 by value, objects by identity."""
    i31 = (Const(I32, 5), RefI31())
    assert run((*i31, *i31, RefEq()), (I32,)) == [1]
    assert run((RefNull(AbsHeapType.NONE), RefNull(AbsHeapType.I31), RefEq()), (I32,)) == [1]
    two_structs = (StructNewDefault(S), StructNewDefault(S), RefEq())
    assert run(two_structs, (I32,)) == [0]
    same = (StructNewDefault(S), LocalSet(0), LocalGet(0), LocalGet(0), RefEq())
    assert run(same, (I32,), locals_=(EQREF,)) == [1]


def test_ref_test_and_cast_follow_declared_subtyping() -> None:
    """Step_read/ref.test, ref.cast: a derived struct is its base, eq and any; not i31."""
    derived = (Const(I32, 1), Const(I64, 2), StructNew(DERIVED_T))
    for rt, expected in [(RefType(False, TypeIdx(BASE_T)), 1), (RefType(False, TypeIdx(S)), 0),
                         (EQREF, 1), (I31REF, 0), (RefType(False, AbsHeapType.STRUCT), 1),
                         (RefType(False, AbsHeapType.ARRAY), 0)]:
        assert run((*derived, RefTest(rt)), (I32,)) == [expected], rt
    assert run((RefNull(AbsHeapType.NONE), RefTest(ANYREF)), (I32,)) == [1]
    assert run((RefNull(AbsHeapType.NONE), RefTest(RefType(False, AbsHeapType.ANY))),
               (I32,)) == [0]
    cast_ok = (*derived, RefCast(RefType(False, TypeIdx(BASE_T))), StructGet(None, BASE_T, 0))
    assert run(cast_ok, (I32,)) == [1]
    with pytest.raises(TrapError, match=CAST_FAILURE):
        run((*derived, RefCast(RefType(False, TypeIdx(S))), Drop()), ())


def test_br_on_cast_and_fail() -> None:
    """Step_read/br_on_cast-succeed/-fail, br_on_cast_fail-succeed/-fail."""
    i31 = (Const(I32, 3), RefI31())

    def branch_taken(instr: Instr) -> list[Val]:
        # block (result anyref): value; br_on_cast*; drop; i32.const 0; return
        body = (Block(None, (Block(ANYREF, (*i31, instr, Drop(), Const(I32, 0),
                                                            Br(2))), Drop(), Const(I32, 1), Br(1))),
                Const(I32, 2))
        return run(body, (I32,))

    assert branch_taken(BrOnCast(0, ANYREF, I31REF)) == [1]
    assert branch_taken(BrOnCast(0, ANYREF, RefType(False, AbsHeapType.STRUCT))) == [0]
    assert branch_taken(BrOnCastFail(0, ANYREF, I31REF)) == [0]
    assert branch_taken(BrOnCastFail(0, ANYREF, RefType(False, AbsHeapType.STRUCT))) == [1]


def test_extern_conversions_round_trip() -> None:
    """Step_pure/extern.convert_any-addr and any.convert_extern-addr undo each other; nulls
    become the other hierarchy's null; a host reference stays itself."""
    body = (LocalGet(0), AnyConvertExtern(), ExternConvertAny())
    assert run(body, (EXTERNREF,), params=(EXTERNREF,), args=(RefHostAddr(4),)) == [RefHostAddr(4)]
    wrapped = run((Const(I32, 9), RefI31(), ExternConvertAny()), (EXTERNREF,))
    assert wrapped == [RefExtern(RefI31Num(9))]
    back = run((Const(I32, 9), RefI31(), ExternConvertAny(), AnyConvertExtern()), (ANYREF,))
    assert back == [RefI31Num(9)]
    nul = run((RefNull(AbsHeapType.EXTERN), AnyConvertExtern()), (ANYREF,))
    assert nul == [RefNullVal(AbsHeapType.ANY)]


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_unbounded_allocation_ends_in_exhaustion(engine: str) -> None:
    """Heap objects count against the store's memory budget: a loop allocating forever ends
    in ExhaustionError, not MemoryError, on either engine."""
    body = (Loop(None, (Const(I32, 100), ArrayNewDefault(A), Drop(),
                        Const(I32, 1), Const(I64, 2), StructNew(S), Drop(), Br(0))),)
    with pytest.raises(ExhaustionError):
        run(body, (), budget=1 << 20, engine=engine)


def test_huge_array_refused_before_allocation() -> None:
    """An array that cannot fit is refused before a list of its size is built."""
    with pytest.raises(ExhaustionError):
        run((Const(I32, 0x7FFF_FFFF), ArrayNewDefault(A), Drop()), (), budget=1 << 20)


def test_array_copy_and_init_elem_traps() -> None:
    """Step_read/array.copy-null1, array.copy-oob2; Step_read/array.init_data-oob1."""
    with pytest.raises(TrapError, match=NULL_ARRAY_REFERENCE):
        run((RefNull(TypeIdx(A)), Const(I32, 0), Const(I32, 1), ArrayNewDefault(A),
             Const(I32, 0), Const(I32, 0), ArrayCopy(A, A)), ())
    with pytest.raises(TrapError, match=OUT_OF_BOUNDS_ARRAY_ACCESS):
        run((Const(I32, 4), ArrayNewDefault(A), Const(I32, 0), Const(I32, 1), ArrayNewDefault(A),
             Const(I32, 0), Const(I32, 2), ArrayCopy(A, A)), ())
    with pytest.raises(TrapError, match=OUT_OF_BOUNDS_ARRAY_ACCESS):
        run((Const(I32, 1), ArrayNewDefault(A), Const(I32, 1), Const(I32, 0), Const(I32, 1),
             ArrayInitData(A, 0)), (), datas=(Data(b"\x00\x00", PASSIVE),))


def test_struct_set_null_traps() -> None:
    """Step/struct.set-null"""
    with pytest.raises(TrapError, match=NULL_STRUCTURE_REFERENCE):
        run((RefNull(TypeIdx(S)), Const(I32, 1), StructSet(S, 0)), ())


def test_zero_length_operations_at_the_end_are_in_bounds() -> None:
    """array.fill-zero and array.copy-zero: ``n = 0`` at offset = length does not trap."""
    body = (Const(I32, 2), ArrayNewDefault(A), LocalSet(0),
            LocalGet(0), Const(I32, 2), Const(I32, 7), Const(I32, 0), ArrayFill(A),
            LocalGet(0), Const(I32, 2), LocalGet(0), Const(I32, 2), Const(I32, 0), ArrayCopy(A, A),
            LocalGet(0), ArrayLen())
    assert run(body, (I32,), locals_=(RefType(True, TypeIdx(A)),)) == [2]


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_fast_engine_runs_gc_code_on_the_reference(engine: str) -> None:
    """The fast path hands functions with GC instructions to the reference, in one store."""
    module = Module(
        types=(Type(RecType((ARRAY16,))), Type(RecType((SubType(True, (), FuncType((), (I32,))),)))),
        funcs=(Func(1, (), (Const(I32, 3), ArrayNewDefault(0), ArrayLen())),),
        exports=(Export("f", ExternIdx(ExternKind.FUNC, 0)),),
    )
    store = store_init(engine=engine)
    ev = instance_export(module_instantiate(store, module, [], GC), "f")
    assert isinstance(ev, ExternFuncAddr)
    assert func_invoke(store, ev.addr, []) == [3]
    assert len(store.arrays) == 1
