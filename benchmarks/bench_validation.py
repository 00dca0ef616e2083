"""Validation throughput: function bodies of about 0.1, 1 and 4 MB of code, built as syntax
trees directly.  Run with ``pytest benchmarks/bench_validation.py``; each result carries its
code size and the time per MB in ``extra_info``.

The body mixes straight-line arithmetic, memory accesses, locals, calls and nested blocks,
loops and ifs, so the time reflects the operand stack, the control stack and the dispatch.
A 10,000-deep nesting is measured as well: its cost must stay linear in the depth.
"""

from __future__ import annotations

from typing import Any

import pytest

from refwasm.syntax import (
    AddrType,
    BinOp,
    Binop,
    Block,
    BrIf,
    Call,
    Const,
    Drop,
    Func,
    FuncType,
    If,
    Instr,
    Limits,
    Load,
    LocalGet,
    LocalSet,
    LocalTee,
    Loop,
    Mem,
    MemArg,
    MemType,
    Module,
    NumType,
    RelOp,
    Relop,
    Store,
    Type,
    TypeIdx,
    plain_functype,
)
from refwasm.validation import validate_module

I32, I64 = NumType.I32, NumType.I64
MB = 1 << 20

# One unit of code with its binary size in bytes, counted by hand from the binary format:
# local.get 0 (2) i32.const 1 (2) i32.add (1) local.tee 1 (2) i32.load align=2 (3) i64.const 7 (2)
# drop (1) ... see the sum below.
_STRAIGHT: tuple[Instr, ...] = (
    LocalGet(0), Const(I32, 1), Binop(I32, BinOp.ADD), LocalTee(1),     # 2 + 2 + 1 + 2
    Load(I32, None, 0, MemArg(2, 0)), LocalGet(1), Relop(I32, RelOp.LT_U),  # 3 + 2 + 1
    Drop(), LocalGet(1), Const(I64, 7), Store(I64, None, 0, MemArg(3, 8)),  # 1 + 2 + 2 + 3
    LocalGet(0), Call(0), LocalSet(1),                                    # 2 + 2 + 2
)
_STRAIGHT_BYTES = 29


def _unit() -> tuple[tuple[Instr, ...], int]:
    """Straight code inside a block, a loop with a conditional branch, and an if/else."""
    loop = Loop(None, (*_STRAIGHT, LocalGet(0), BrIf(0)))         # 2 + 29 + 2 + 2 + end 1
    block = Block(I32, (*_STRAIGHT, LocalGet(0)))                 # 2 + 29 + 2 + 1
    if_ = If(TypeIdx(0), (*_STRAIGHT,), (Const(I32, 0), Binop(I32, BinOp.XOR)))
    # if with a type index: 2; then 29 (+ else 1); else 3; end 1; and its condition 2
    code = (*_STRAIGHT, loop, block, Drop(), LocalGet(0), LocalGet(1), if_, LocalSet(1))
    size = _STRAIGHT_BYTES + 36 + 34 + 1 + 2 + 2 + (2 + 29 + 1 + 3 + 1) + 2
    return code, size


def module_of_size(target_bytes: int) -> tuple[Module, int]:
    """A module whose one function has about ``target_bytes`` of code; returns its size."""
    unit, unit_bytes = _unit()
    count = max(1, target_bytes // unit_bytes)
    body = unit * count
    ft = Type(plain_functype(FuncType((I32,), (I32,))))
    func = Func(0, (I32,), (*body, LocalGet(1)))
    module = Module(types=(ft,), funcs=(func,), mems=(Mem(MemType(AddrType.I32, Limits(1))),))
    return module, count * unit_bytes


@pytest.mark.parametrize("megabytes", [0.1, 1, 4])
def test_validate_code(benchmark: Any, megabytes: float) -> None:
    module, size = module_of_size(int(megabytes * MB))
    validate_module(module)  # warm up and check the generated code is valid
    benchmark.pedantic(validate_module, args=(module,), rounds=3 if megabytes < 4 else 1)
    mean = benchmark.stats.stats.mean
    benchmark.extra_info["code_bytes"] = size
    benchmark.extra_info["seconds_per_MB"] = mean / (size / MB)


@pytest.mark.parametrize("depth", [1_000, 10_000])
def test_validate_nesting(benchmark: Any, depth: int) -> None:
    body: tuple[Instr, ...] = (Const(I32, 0),)
    for _ in range(depth):
        body = (Block(I32, body),)
    ft = Type(plain_functype(FuncType((), (I32,))))
    module = Module(types=(ft,), funcs=(Func(0, (), body),))
    benchmark.pedantic(validate_module, args=(module,), rounds=3)
    benchmark.extra_info["seconds_per_level"] = benchmark.stats.stats.mean / depth
