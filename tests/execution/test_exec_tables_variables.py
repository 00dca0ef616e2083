"""Variables, references, tables and call_indirect (exec-local.get ... exec-call_indirect)."""

from __future__ import annotations

import pytest
from exec_helpers import I32, I64, call, func_module, instance, run_body

from refwasm.errors import TrapError
from refwasm.execution.values import RefFuncAddr, RefHostAddr, RefNullVal
from refwasm.syntax.instructions import (
    CallIndirect,
    Const,
    ElemDrop,
    GlobalGet,
    GlobalSet,
    LocalGet,
    LocalSet,
    LocalTee,
    RefFunc,
    RefIsNull,
    RefNull,
    TableCopy,
    TableFill,
    TableGet,
    TableGrow,
    TableInit,
    TableSet,
    TableSize,
)
from refwasm.syntax.modules import (
    DECLARE,
    PASSIVE,
    Active,
    Elem,
    Func,
    Global,
    Table,
    Type,
)
from refwasm.syntax.types import (
    EXTERNREF,
    FUNCREF,
    AbsHeapType,
    AddrType,
    FuncType,
    GlobalType,
    Limits,
    Mut,
    TableType,
    TypeIdx,
    plain_functype,
)

FUNC_NULL = RefNullVal(AbsHeapType.FUNC)
OOB_TABLE = "^out of bounds table access$"


def c(n: int) -> Const:
    return Const(I32, n & 0xFFFFFFFF)


def table(min_: int, max_: int | None = None, rt: object = FUNCREF) -> Table:
    return Table(TableType(AddrType.I32, Limits(min_, max_), rt))  # type: ignore[arg-type]


def test_locals_start_at_zero_and_tee_keeps_value() -> None:
    body = (LocalGet(1), c(5), LocalTee(2), LocalGet(2), LocalGet(0))
    assert run_body((I32,), (I32, I32, I32, I32), body, 9, locals_=(I32, I32)) == [0, 5, 5, 9]


def test_ref_local_defaults_to_null() -> None:
    assert run_body((), (EXTERNREF,), (LocalGet(0),), locals_=(EXTERNREF,)) == [
        RefNullVal(AbsHeapType.EXTERN)
    ]


def test_globals_get_set_and_initialiser() -> None:
    g = Global(GlobalType(Mut.VAR, I32), (c(40),))
    body = (GlobalGet(0), c(2), LocalSet(0), GlobalGet(0), LocalGet(0), GlobalSet(0), GlobalGet(0))
    store, inst = instance(func_module((), (I32, I32, I32), body, locals_=(I32,), globals=(g,)))
    assert call(store, inst, "f") == [40, 40, 2]
    assert call(store, inst, "f") == [2, 2, 2]


def test_ref_null_is_null_and_ref_func() -> None:
    body = (RefNull(AbsHeapType.FUNC), RefIsNull(), RefFunc(0), RefIsNull(), RefFunc(0))
    store, inst = instance(
        func_module((), (I32, I32, FUNCREF), body, elems=(Elem(FUNCREF, ((RefFunc(0),),), DECLARE),))
    )
    result = call(store, inst, "f")
    assert result[:2] == [1, 0]
    assert result[2] == RefFuncAddr(inst.funcaddrs[0])


def test_table_get_set_size_and_bounds() -> None:
    body = (c(1), LocalGet(0), TableSet(0), c(1), TableGet(0), TableSize(0))
    store, inst = instance(func_module((EXTERNREF,), (EXTERNREF, I32), body, tables=(table(2, None, EXTERNREF),)))
    assert call(store, inst, "f", RefHostAddr(7)) == [RefHostAddr(7), 2]
    with pytest.raises(TrapError, match=OOB_TABLE):
        run_body((), (FUNCREF,), (c(2), TableGet(0)), tables=(table(2),))
    with pytest.raises(TrapError, match=OOB_TABLE):
        run_body((), (), (c(2), RefNull(AbsHeapType.FUNC), TableSet(0)), tables=(table(2),))


def test_table_grow_and_fill() -> None:
    body = (RefNull(AbsHeapType.EXTERN), LocalGet(0), TableGrow(0))
    store, inst = instance(func_module((I32,), (I32,), body, tables=(table(1, 3, EXTERNREF),)))
    assert call(store, inst, "f", 2) == [1]
    assert call(store, inst, "f", 1) == [0xFFFFFFFF]
    assert call(store, inst, "f", 0) == [3]
    fill = (c(1), LocalGet(0), c(2), TableFill(0), c(0), TableGet(0), c(2), TableGet(0))
    store, inst = instance(func_module((EXTERNREF,), (EXTERNREF, EXTERNREF), fill, tables=(table(3, None, EXTERNREF),)))
    assert call(store, inst, "f", RefHostAddr(1)) == [RefNullVal(AbsHeapType.EXTERN), RefHostAddr(1)]
    with pytest.raises(TrapError, match=OOB_TABLE):
        run_body((), (), (c(2), RefNull(AbsHeapType.FUNC), c(2), TableFill(0)), tables=(table(3),))


def test_table_grow_huge_fails() -> None:
    body = (RefNull(AbsHeapType.FUNC), LocalGet(0), TableGrow(0))
    assert run_body((I32,), (I32,), body, 0xFFFFFFFF, tables=(table(0),)) == [0xFFFFFFFF]


def test_table_init_copy_and_elem_drop() -> None:
    seg = Elem(FUNCREF, ((RefFunc(0),), (RefNull(AbsHeapType.FUNC),), (RefFunc(0),)), PASSIVE)
    body = (
        c(1), c(0), c(3), TableInit(0, 0),
        c(0), c(2), c(2), TableCopy(0, 0),
        c(0), TableGet(0), RefIsNull(), c(1), TableGet(0), RefIsNull(),
        c(2), TableGet(0), RefIsNull(), c(3), TableGet(0), RefIsNull(),
    )
    store, inst = instance(func_module((), (I32,) * 4, body, tables=(table(4),), elems=(seg,)))
    # after init: [null, f, null, f]; copy [2..4) to [0..2): [null, f, null, f]
    assert call(store, inst, "f") == [1, 0, 1, 0]
    dropped = (ElemDrop(0), c(0), c(0), c(1), TableInit(0, 0))
    with pytest.raises(TrapError, match=OOB_TABLE):
        run_body((), (), dropped, tables=(table(4),), elems=(seg,))
    # n = 0 is fine at the very end, out of bounds one past it
    assert run_body((), (), (c(4), c(3), c(0), TableInit(0, 0)), tables=(table(4),), elems=(seg,)) == []
    with pytest.raises(TrapError, match=OOB_TABLE):
        run_body((), (), (c(5), c(0), c(0), TableInit(0, 0)), tables=(table(4),), elems=(seg,))


def indirect_module() -> object:
    # type 0: [] -> [i32] (f, the caller: [i32] -> [i32] is type 1); table [g, null, h]
    t_unit = FuncType((), (I32,))
    t_call = FuncType((I32,), (I32,))
    t_other = FuncType((I64,), (I32,))
    g = Func(0, (), (c(42),))
    h = Func(2, (), (c(7),))
    caller = Func(1, (), (LocalGet(0), CallIndirect(0, TypeIdx(0))))
    from refwasm.syntax.modules import Export, ExternIdx, ExternKind, Module

    return Module(
        types=(Type(plain_functype(t_unit)), Type(plain_functype(t_call)), Type(plain_functype(t_other))),
        funcs=(g, h, caller),
        tables=(table(3),),
        elems=(Elem(FUNCREF, ((RefFunc(0),), (RefNull(AbsHeapType.FUNC),), (RefFunc(1),)), Active(0, (c(0),))),),
        exports=(Export("call", ExternIdx(ExternKind.FUNC, 2)),),
    )


@pytest.mark.parametrize(
    ("i", "message"),
    [(1, "^uninitialized element 1$"), (2, "^indirect call type mismatch$"),
     (3, "^undefined element 3$"), (0xFFFFFFFF, "^undefined element 4294967295$")],
)
def test_call_indirect_traps(i: int, message: str) -> None:
    store, inst = instance(indirect_module())  # type: ignore[arg-type]
    with pytest.raises(TrapError, match=message):
        call(store, inst, "call", i)


def test_call_indirect_calls_the_element() -> None:
    store, inst = instance(indirect_module())  # type: ignore[arg-type]
    assert call(store, inst, "call", 0) == [42]


def test_huge_table_is_exhaustion_not_memory_error() -> None:
    from refwasm import embedding
    from refwasm.errors import ExhaustionError

    with pytest.raises(ExhaustionError, match="^memory budget exhausted$"):
        instance(func_module((), (), (), tables=(table(4_000_000_000),)))
    store = embedding.store_init(memory_budget=800)
    a = embedding.table_alloc(store, TableType(AddrType.I32, Limits(100), FUNCREF), FUNC_NULL)
    with pytest.raises(embedding.EmbedderError):
        embedding.table_grow(store, a, 1, FUNC_NULL)  # 101 elements of 8 bytes pass 800
