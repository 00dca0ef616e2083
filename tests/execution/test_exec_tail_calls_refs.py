"""3.0 control instructions the interpreter runs: tail calls, call_ref, the null tests."""

from __future__ import annotations

import pytest
from exec_helpers import I32, call, func_module, instance

from refwasm.errors import TrapError
from refwasm.execution.values import RefFuncAddr
from refwasm.syntax import instructions as ins
from refwasm.syntax.instructions import (
    BinOp,
    Binop,
    Block,
    BrOnNonNull,
    BrOnNull,
    CallRef,
    Const,
    Drop,
    If,
    LocalGet,
    RefAsNonNull,
    RefFunc,
    RefNull,
    ReturnCall,
    ReturnCallIndirect,
    ReturnCallRef,
)
from refwasm.syntax.modules import DECLARE, Active, Elem, Func, Table
from refwasm.syntax.types import (
    FUNCREF,
    AbsHeapType,
    AddrType,
    Limits,
    RefType,
    TableType,
    TypeIdx,
)


def c(n: int) -> Const:
    return Const(I32, n)


def countdown(tail: ins.Instr) -> tuple[ins.Instr, ...]:
    """count(n) = n == 0 ? 42 : count(n - 1), the recursive call in tail position."""
    return (
        LocalGet(0), ins.Testop(I32, ins.TestOp.EQZ),
        If(I32, (c(42),), (LocalGet(0), c(1), Binop(I32, BinOp.SUB), tail)),
    )


def test_return_call_runs_in_constant_depth() -> None:
    store, inst = instance(func_module((I32,), (I32,), countdown(ReturnCall(0))))
    # far deeper than the call depth allows for ordinary calls
    assert call(store, inst, "f", 100_000) == [42]


def test_return_call_indirect() -> None:
    body = countdown(c(0))  # the tail position below: push table index 0, then the call
    body = body[:2] + (
        If(I32, (c(42),), (LocalGet(0), c(1), Binop(I32, BinOp.SUB), c(0), ReturnCallIndirect(0, TypeIdx(0)))),
    )
    m = func_module(
        (I32,), (I32,), body,
        tables=(Table(TableType(AddrType.I32, Limits(1), FUNCREF)),),
        elems=(Elem(FUNCREF, ((RefFunc(0),),), Active(0, (c(0),))),),
    )
    store, inst = instance(m)
    assert call(store, inst, "f", 50_000) == [42]


def test_return_call_ref_and_call_ref() -> None:
    tail = countdown(c(0))[:2] + (
        If(I32, (c(42),), (LocalGet(0), c(1), Binop(I32, BinOp.SUB), RefFunc(0), ReturnCallRef(TypeIdx(0)))),
    )
    m = func_module((I32,), (I32,), tail, elems=(Elem(FUNCREF, ((RefFunc(0),),), DECLARE),))
    store, inst = instance(m)
    assert call(store, inst, "f", 30_000) == [42]
    m2 = func_module(
        (I32,), (I32,),
        (c(5), RefFunc(1), CallRef(TypeIdx(0))),
        funcs=(Func(0, (), (LocalGet(0), c(1), Binop(I32, BinOp.ADD))),),
        elems=(Elem(FUNCREF, ((RefFunc(1),),), DECLARE),),
    )
    store, inst = instance(m2)
    assert call(store, inst, "f", 0) == [6]


def test_call_ref_null_traps() -> None:
    m = func_module((I32,), (I32,), (c(5), RefNull(TypeIdx(0)), CallRef(TypeIdx(0))))
    store, inst = instance(m)
    with pytest.raises(TrapError, match="^null function reference$"):
        call(store, inst, "f", 0)


def test_ref_as_non_null() -> None:
    store, inst = instance(func_module((FUNCREF,), (FUNCREF,), (LocalGet(0), RefAsNonNull())))
    assert call(store, inst, "f", RefFuncAddr(0)) == [RefFuncAddr(0)]
    from refwasm.execution.values import RefNullVal

    with pytest.raises(TrapError, match="^null reference$"):
        call(store, inst, "f", RefNullVal(AbsHeapType.FUNC))


def test_br_on_null_and_non_null() -> None:
    from refwasm.execution.values import RefNullVal

    # block (result i32): br_on_null leaves 1 if null, else drops the ref and yields 2
    on_null = (Block(I32, (c(1), LocalGet(0), BrOnNull(0), Drop(), Drop(), c(2))),)
    store, inst = instance(func_module((FUNCREF,), (I32,), on_null))
    assert call(store, inst, "f", RefNullVal(AbsHeapType.FUNC)) == [1]
    assert call(store, inst, "f", RefFuncAddr(0)) == [2]
    # block (result funcref): br_on_non_null carries the ref out; null falls through to 0
    nonnull_rt = RefType(True, AbsHeapType.FUNC)
    on_non_null = (Block(nonnull_rt, (LocalGet(0), BrOnNonNull(0), RefNull(AbsHeapType.FUNC))),)
    store, inst = instance(func_module((FUNCREF,), (FUNCREF,), on_non_null))
    assert call(store, inst, "f", RefFuncAddr(0)) == [RefFuncAddr(0)]
    assert call(store, inst, "f", RefNullVal(AbsHeapType.FUNC)) == [RefNullVal(AbsHeapType.FUNC)]
