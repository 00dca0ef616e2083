"""Resource bounds: call depth, fuel, host functions that trap or re-enter."""

from __future__ import annotations

import pytest
from exec_helpers import I32, call, func_module, instance

from refwasm import embedding
from refwasm.errors import ExhaustionError, TrapError
from refwasm.execution.values import ExternFuncAddr
from refwasm.syntax import instructions as instrs
from refwasm.syntax.instructions import (
    BinOp,
    Binop,
    Br,
    BrIf,
    Call,
    Const,
    If,
    LocalGet,
    LocalSet,
    Loop,
)
from refwasm.syntax.modules import Import
from refwasm.syntax.types import ExternFunc, FuncType, TypeIdx

# depth(n) = n == 0 ? 0 : depth(n - 1) + 1
DEPTH_BODY = (
    LocalGet(0), instrs.Testop(I32, instrs.TestOp.EQZ),
    If(I32, (Const(I32, 0),), (
        LocalGet(0), Const(I32, 1), Binop(I32, BinOp.SUB), Call(0), Const(I32, 1), Binop(I32, BinOp.ADD),
    )),
)


def test_ten_thousand_nested_calls_are_allowed_by_default() -> None:
    store, inst = instance(func_module((I32,), (I32,), DEPTH_BODY))
    assert call(store, inst, "f", 10_000) == [10_000]


def test_recursion_of_depth_100000_is_exhaustion_not_a_crash() -> None:
    store, inst = instance(func_module((I32,), (I32,), DEPTH_BODY))
    with pytest.raises(ExhaustionError, match="^call stack exhausted$"):
        call(store, inst, "f", 100_000)
    # The store stays usable afterwards.
    assert call(store, inst, "f", 3) == [3]


def test_call_depth_is_configurable() -> None:
    store = embedding.store_init(max_call_depth=50)
    store, inst = instance(func_module((I32,), (I32,), DEPTH_BODY), store=store)
    assert call(store, inst, "f", 49) == [49]
    with pytest.raises(ExhaustionError):
        call(store, inst, "f", 50)


def test_infinite_loop_under_fuel_ends_in_exhaustion() -> None:
    # 10^9 iterations of a counting loop, with fuel for 10^6 instructions.
    body = (
        Loop(None, (
            LocalGet(0), Const(I32, 1), Binop(I32, BinOp.SUB), LocalSet(0),
            LocalGet(0), BrIf(0),
        )),
    )
    store, inst = instance(func_module((I32,), (), body))
    with pytest.raises(ExhaustionError, match="^fuel exhausted$"):
        call(store, inst, "f", 1_000_000_000, fuel=1_000_000)


def test_fuel_counts_instructions() -> None:
    body = (Const(I32, 1), Const(I32, 2), Binop(I32, BinOp.ADD))
    store, inst = instance(func_module((), (I32,), body))
    # three instructions and the function's end
    assert call(store, inst, "f", fuel=4) == [3]
    with pytest.raises(ExhaustionError, match="^fuel exhausted$"):
        call(store, inst, "f", fuel=3)


def test_unbounded_loop_without_branch_out_is_bounded_by_fuel() -> None:
    store, inst = instance(func_module((), (), (Loop(None, (Br(0),)),)))
    with pytest.raises(ExhaustionError):
        call(store, inst, "f", fuel=10_000)


def test_host_function_trap_propagates() -> None:
    store = embedding.store_init()

    def host(args: list[object]) -> list[object]:
        raise TrapError("host trap")

    h = embedding.func_alloc(store, FuncType((), ()), host)  # type: ignore[arg-type]
    m = func_module(
        (), (), (Call(0),),
        imports=(Import("m", "h", ExternFunc(TypeIdx(0))),),
    )
    _, inst = instance(m, [ExternFuncAddr(h)], store)
    with pytest.raises(TrapError, match="^host trap$"):
        call(store, inst, "f")


def test_host_reentry_is_bounded() -> None:
    # f calls host h, which calls f again: unbounded mutual recursion across the host.
    store = embedding.store_init(max_call_depth=2_000)
    addr: list[int] = []

    def host(args: list[object]) -> list[object]:
        return embedding.func_invoke(store, addr[0], [])  # type: ignore[return-value]

    h = embedding.func_alloc(store, FuncType((), ()), host)  # type: ignore[arg-type]
    m = func_module((), (), (Call(0),), imports=(Import("m", "h", ExternFunc(TypeIdx(0))),))
    _, inst = instance(m, [ExternFuncAddr(h)], store)
    f = embedding.instance_export(inst, "f")
    assert isinstance(f, ExternFuncAddr)
    addr.append(f.addr)
    with pytest.raises(ExhaustionError, match="^call stack exhausted$"):
        embedding.func_invoke(store, f.addr, [])
