"""Control instructions: blocks, loops, if, branches, returns, calls (exec-block ... exec-call)."""

from __future__ import annotations

import pytest
from exec_helpers import I32, I64, call, func_module, instance, run_body

from refwasm.errors import TrapError
from refwasm.syntax.instructions import (
    BinOp,
    Binop,
    Block,
    Br,
    BrIf,
    BrTable,
    Call,
    Const,
    Drop,
    If,
    LocalGet,
    LocalSet,
    LocalTee,
    Loop,
    Nop,
    RelOp,
    Relop,
    Return,
    Select,
    Unreachable,
)
from refwasm.syntax.modules import Func, Type
from refwasm.syntax.types import FuncType, TypeIdx, plain_functype


def c(n: int) -> Const:
    return Const(I32, n)


ADD = Binop(I32, BinOp.ADD)


def test_nop_and_const() -> None:
    assert run_body((), (I32,), (Nop(), c(7))) == [7]


def test_unreachable_traps_with_suite_message() -> None:
    with pytest.raises(TrapError, match="^unreachable$"):
        run_body((), (), (Unreachable(),))


def test_drop_and_select() -> None:
    body = (c(1), c(2), Drop(), c(10), c(20), LocalGet(0), Select())
    assert run_body((I32,), (I32, I32), body, 1) == [1, 10]
    assert run_body((I32,), (I32, I32), body, 0) == [1, 20]


def test_block_result_and_br_keeps_arity_values() -> None:
    # block (result i32): push 1, 2, 3; br 0 keeps only the top value, 3.
    body = (Block(I32, (c(1), c(2), c(3), Br(0))),)
    assert run_body((), (I32,), body) == [3]


def test_br_out_of_nested_blocks_unwinds_operands() -> None:
    inner = Block(None, (c(5), c(6), Br(2)))
    body = (c(100), Block(I32, (c(9), Block(None, (inner,)), c(1))), ADD)
    # br 2 targets the outer block (result i32) with value 6: 100 + 6.
    assert run_body((), (I32,), body) == [106]


def test_block_with_params_multi_value() -> None:
    # type 1: [i32 i32] -> [i32 i32]; the block swaps nothing but adds a constant to the top.
    bt = TypeIdx(1)
    body = (c(3), c(4), Block(bt, (c(10), ADD)),)
    ft = FuncType((I32, I32), (I32, I32))
    assert run_body((), (I32, I32), body, types=(Type(plain_functype(ft)),)) == [3, 14]


def test_loop_counts_down() -> None:
    # local 1 accumulates local 0 + (local 0 - 1) + ... + 1
    body = (
        Loop(None, (
            LocalGet(1), LocalGet(0), ADD, LocalSet(1),
            LocalGet(0), c(-1 & 0xFFFFFFFF), ADD, LocalTee(0),
            BrIf(0),
        )),
        LocalGet(1),
    )
    assert run_body((I32,), (I32,), body, 10, locals_=(I32,)) == [55]


def test_loop_with_params_branch_passes_params() -> None:
    # loop [i32] -> [i32]: add 1 until the value reaches 5; br 0 carries the value.
    ft = FuncType((I32,), (I32,))
    body = (
        c(0),
        Loop(TypeIdx(0), (c(1), ADD, LocalTee(0), LocalGet(0), c(5), Relop(I32, RelOp.LT_U), BrIf(0))),
    )
    assert run_body((I32,), (I32,), body, 0, types=(Type(plain_functype(ft)),)) == [5]


@pytest.mark.parametrize(("cond", "expected"), [(1, 11), (0, 22), (7, 11)])
def test_if_else(cond: int, expected: int) -> None:
    body = (LocalGet(0), If(I32, (c(11),), (c(22),)))
    assert run_body((I32,), (I32,), body, cond) == [expected]


def test_if_without_else_and_br_from_then() -> None:
    body = (c(1), LocalGet(0), If(None, (c(2), Br(0)), ()))
    assert run_body((I32,), (I32,), body, 1) == [1]
    assert run_body((I32,), (I32,), body, 0) == [1]


@pytest.mark.parametrize(("i", "expected"), [(0, 100), (1, 101), (2, 102), (3, 102), (2**32 - 1, 102)])
def test_br_table(i: int, expected: int) -> None:
    body = (
        Block(None, (
            Block(None, (
                Block(None, (LocalGet(0), BrTable((0, 1), 2))),
                c(100), Return(),
            )),
            c(101), Return(),
        )),
        c(102),
    )
    assert run_body((I32,), (I32,), body, i) == [expected]


def test_return_from_nested_blocks() -> None:
    body = (c(1), Block(None, (Loop(None, (c(42), Return())),)), Drop(), c(0))
    assert run_body((), (I32,), body) == [42]


def test_br_to_function_label_is_return() -> None:
    body = (Block(None, (c(8), Br(1))), c(9))
    assert run_body((), (I32,), body) == [8]


def test_call_passes_arguments_in_order() -> None:
    # f calls g(a, b) = a - b with (10, 3).
    sub = Func(1, (), (LocalGet(0), LocalGet(1), Binop(I32, BinOp.SUB)))
    ft2 = FuncType((I32, I32), (I32,))
    m = func_module((), (I32,), (c(10), c(3), Call(1)), types=(Type(plain_functype(ft2)),), funcs=(sub,))
    store, inst = instance(m)
    assert call(store, inst, "f") == [7]


def test_multi_value_results_from_call() -> None:
    pair = Func(1, (), (c(1), Const(I64, 2)))
    ft2 = FuncType((), (I32, I64))
    m = func_module((), (I32, I64, I32), (Call(1), c(3)), types=(Type(plain_functype(ft2)),), funcs=(pair,))
    store, inst = instance(m)
    assert call(store, inst, "f") == [1, 2, 3]


def test_deeply_nested_blocks_need_no_python_recursion() -> None:
    body: tuple = (c(5),)
    for _ in range(20_000):
        body = (Block(I32, body),)
    assert run_body((), (I32,), body) == [5]
