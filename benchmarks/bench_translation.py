"""Translation benchmarks: the fast engine's translation + compile time per MB of Wasm code, on
generated code of growing size (0.25, 0.5, 1 and 2 MB), so that linearity can be seen.

The fast engine translates a function lazily, on its first call.  Each round takes a fresh
store and instantiates the module (not timed: instantiation validates the module), then calls
every function once (timed).  Every function starts with ``if (local.get 0) (then (return
(local.get 0)))`` and is called with 1, so the calls execute almost nothing and the time is
the translation and compilation of all the code.  Two shapes: one function holding all the code (the translator's
worst case: Python's compiler has limits a huge function must be split around), and functions
of about 16 KiB each.  The reference interpreter runs the same rounds (it prepares each function
on its first call), for comparison.  The code mixes i32/i64/f64 arithmetic, loads and stores,
locals, calls, blocks, loops, ``if``, ``br_if`` and ``br_table``.

Run with ``pytest benchmarks/bench_translation.py``; the session summary prints seconds per MB
for each engine, shape and size (the same figure at every size means linear), and each result
carries ``code_bytes`` and ``seconds_per_MB`` in its ``extra_info``.
"""

from __future__ import annotations

import struct
from typing import Any

import pytest

from refwasm import embedding
from refwasm.binary import encode_module
from refwasm.execution.runtime import Store
from refwasm.syntax import (
    AddrType,
    BinOp,
    Binop,
    Block,
    BrIf,
    BrTable,
    Call,
    Const,
    Drop,
    Export,
    ExternIdx,
    ExternKind,
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
    Return,
    Type,
    plain_functype,
)
from refwasm.syntax import Store as StoreInstr
from refwasm.validation import validate_module

I32, I64, F64 = NumType.I32, NumType.I64, NumType.F64
MB = 1 << 20
SIZES_MB = (0.25, 0.5, 1, 2)
SHAPES = ("one function", "16 KiB functions")
SMALL_FUNCTION = 16 << 10

# (engine, shape, megabytes) -> (code bytes, best seconds, instructions of the largest
# function), read by conftest.py's summary.
TRANSLATION: dict[tuple[str, str, float], tuple[int, float, int]] = {}


def _f64(x: float) -> int:
    return int.from_bytes(struct.pack("<d", x), "little")


# Locals: 0 the i32 parameter, 1 an i32, 2 an i64, 3 an f64.
UNIT: tuple[Instr, ...] = (
    LocalGet(0), Const(I32, 1), Binop(I32, BinOp.ADD), LocalTee(1),
    Load(I32, None, 0, MemArg(2, 0)), LocalGet(1), Relop(I32, RelOp.LT_U), Drop(),
    LocalGet(2), Const(I64, 7), Binop(I64, BinOp.MUL), LocalGet(2), Binop(I64, BinOp.XOR),
    LocalSet(2),
    LocalGet(3), Const(F64, _f64(1.5)), Binop(F64, BinOp.MUL), Const(F64, _f64(0.25)),
    Binop(F64, BinOp.ADD), LocalSet(3),
    LocalGet(1), LocalGet(2), StoreInstr(I64, None, 0, MemArg(3, 8)),
    Block(None, (LocalGet(1), BrIf(0), LocalGet(0), Call(0), LocalSet(1))),
    Loop(None, (LocalGet(1), Const(I32, 1), Binop(I32, BinOp.SUB), LocalTee(1), BrIf(0))),
    Block(None, (Block(None, (Block(None, (LocalGet(1), BrTable((0, 1), 2))),)),)),
    LocalGet(0), If(None, (LocalGet(1), Const(I32, 3), Binop(I32, BinOp.SHL), LocalSet(1)),
       (LocalGet(1), Const(I32, 5), Binop(I32, BinOp.ROTL), LocalSet(1))),
)  # fmt: skip
GUARD: tuple[Instr, ...] = (LocalGet(0), If(None, (LocalGet(0), Return()), ()))


def build(code_bytes: int, function_bytes: int | None) -> tuple[Module, int]:
    """A module of about ``code_bytes`` of code: one function, or functions of about
    ``function_bytes`` each; returns it with its encoded size."""
    unit_bytes = _encoded_size(1) - _encoded_size(0)
    units = max(1, code_bytes // unit_bytes)
    per_function = units if function_bytes is None else max(1, function_bytes // unit_bytes)
    funcs = []
    while units > 0:
        n = min(units, per_function)
        units -= n
        body = (*GUARD, *UNIT * n, LocalGet(1))
        funcs.append(Func(0, (I32, I64, F64), body))
    module = _module(tuple(funcs))
    return module, len(encode_module(module))


def _module(funcs: tuple[Func, ...]) -> Module:
    ft = Type(plain_functype(FuncType((I32,), (I32,))))
    return Module(
        types=(ft,),
        funcs=funcs,
        mems=(Mem(MemType(AddrType.I32, Limits(1))),),
        exports=tuple(Export(f"f{i}", ExternIdx(ExternKind.FUNC, i)) for i in range(len(funcs))),
    )


def _encoded_size(units: int) -> int:
    body = (*GUARD, *UNIT * units, LocalGet(1))
    return len(encode_module(_module((Func(0, (I32, I64, F64), body),))))


def instructions(body: tuple[Instr, ...]) -> int:
    """The number of instructions in ``body``, nested ones included."""
    n = len(body)
    for i in body:
        if isinstance(i, Block | Loop):
            n += instructions(i.body)
        elif isinstance(i, If):
            n += instructions(i.then) + instructions(i.else_)
    return n


def instantiate(engine: str, module: Module) -> tuple[Store, list[int]]:
    """A fresh store on ``engine`` with ``module`` instantiated (and so validated); the
    addresses of its functions."""
    store = embedding.store_init(engine=engine)
    inst = embedding.module_instantiate(store, module, [])
    return store, list(inst.funcaddrs)


def first_calls(store: Store, addrs: list[int]) -> None:
    """Call every function once: on the fast engine, each is translated and compiled."""
    for addr in addrs:
        assert embedding.func_invoke(store, addr, [1]) == [1]


@pytest.mark.parametrize("engine", ["fast", "reference"])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("megabytes", SIZES_MB)
def test_translation_per_mb(benchmark: Any, megabytes: float, shape: str, engine: str) -> None:
    module, size = build(int(megabytes * MB), None if shape == "one function" else SMALL_FUNCTION)
    validate_module(module)

    def setup() -> tuple[tuple[Store, list[int]], dict[str, Any]]:
        return instantiate(engine, module), {}

    benchmark.group = f"translation {shape}"
    benchmark.pedantic(first_calls, setup=setup, rounds=3 if megabytes < 1 else 1)
    if benchmark.stats is None:  # --benchmark-disable
        return
    best = benchmark.stats.stats.min
    benchmark.extra_info["code_bytes"] = size
    benchmark.extra_info["seconds_per_MB"] = best / (size / MB)
    largest = max(instructions(f.body) for f in module.funcs)
    benchmark.extra_info["largest_function_instructions"] = largest
    TRANSLATION[engine, shape, megabytes] = (size, best, largest)
