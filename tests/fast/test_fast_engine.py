"""The fast engine on what stresses a translator to Python: deep nesting, many locals, deep
recursion, fuel, huge functions, exact f32/f64 bits, and linking with hosts and the reference.

Expected values are written out or come from the reference engine on the same module (the
differential tests in ``properties/test_fast_differential.py`` do that at scale).
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

import pytest

from refwasm import embedding
from refwasm.errors import (
    CALL_STACK_EXHAUSTED,
    FUEL_EXHAUSTED,
    MEMORY_BUDGET_EXHAUSTED,
    ExhaustionError,
    TrapError,
    WasmError,
)
from refwasm.execution.runtime import Store
from refwasm.execution.values import ExternFuncAddr, Val
from refwasm.fast.executor import FastExecutor
from refwasm.syntax.types import FuncType, NumType
from refwasm.text import parse_module


def instance(wat: str, engine: str = "fast", **kw: int) -> tuple[Store, dict[str, int]]:
    store = embedding.store_init(engine=engine, **kw)
    inst = embedding.module_instantiate(store, parse_module(wat), [])
    funcs = {n: ev.addr for n, ev in inst.exports.items() if isinstance(ev, ExternFuncAddr)}
    return store, funcs


def call(
    wat: str, args: Sequence[Val] = (), *, engine: str = "fast", fuel: int | None = None, **kw: int
) -> list[Val] | str:
    """The results of export ``f``, or the kind and message of the error it ended in."""
    store, funcs = instance(wat, engine, **kw)
    try:
        return embedding.func_invoke(store, funcs["f"], list(args), fuel=fuel)
    except WasmError as error:
        return f"{error.kind}: {error.message}"


def fallbacks(store: Store) -> dict[int, str]:
    executor = store.executor
    assert isinstance(executor, FastExecutor)
    return executor.fallbacks()


def test_store_init_selects_the_engine() -> None:
    assert isinstance(embedding.store_init(engine="fast").executor, FastExecutor)
    assert embedding.store_init().executor is None
    with pytest.raises(embedding.EmbedderError):
        embedding.store_init(engine="turbo")


def test_ten_thousand_nested_blocks_translate() -> None:
    n = 10_000
    wat = (
        '(module (func (export "f") (param i32) (result i32) '
        + "(block " * n
        + f"(br {n - 1} (local.get 0))"
        + ")" * n
        + " (i32.const 7)))"
    )
    store, funcs = instance(wat)
    assert embedding.func_invoke(store, funcs["f"], [1]) == [7]
    assert fallbacks(store) == {}


def test_ten_thousand_nested_ifs_translate() -> None:
    n = 10_000
    wat = (
        '(module (func (export "f") (param i32) (result i32) (local i32) '
        + "(if (local.get 0) (then " * n
        + "(local.set 1 (i32.const 5))"
        + "))" * n
        + " (local.get 1)))"
    )
    for arg, expected in ((1, 5), (0, 0)):
        store, funcs = instance(wat)
        assert embedding.func_invoke(store, funcs["f"], [arg]) == [expected]
        assert fallbacks(store) == {}


@pytest.mark.parametrize("n", [10_000, 30])
def test_deeply_nested_targeted_blocks_translate_flat(n: int) -> None:
    """More labels branched to than Python's 20 nested loops: the flat form takes them."""
    wat = (
        '(module (func (export "f") (param i32) (result i32) '
        + "(block " * n
        + "(br_if 0 (local.get 0))"
        + " (br_if 0 (local.get 0)))" * n
        + " (i32.const 7)))"
    )
    for arg in (0, 1):
        store, funcs = instance(wat)
        assert embedding.func_invoke(store, funcs["f"], [arg]) == [7]
        assert fallbacks(store) == {}


def test_flat_form_loops_and_fuel() -> None:
    """The flat form (forced) on a loop nest with branches out of inner loops, with fuel."""
    wat = """(module (func (export "f") (param i32) (result i32) (local i32 i32)
      (block $done (loop $outer
        (local.set 1 (i32.add (local.get 1) (i32.const 1)))
        (block $next (loop $inner
          (br_if $done (i32.gt_u (local.get 2) (local.get 0)))
          (local.set 2 (i32.add (local.get 2) (local.get 1)))
          (br_if $next (i32.and (local.get 2) (i32.const 1)))
          (br $inner)))
        (br $outer)))
      (i32.add (i32.mul (local.get 1) (i32.const 1000)) (local.get 2))))"""
    expected = call(wat, [5000], engine="reference")
    for fuel in (None, 10**6):
        store, funcs = instance(wat)
        executor = store.executor
        assert isinstance(executor, FastExecutor)
        executor.flat = True
        assert embedding.func_invoke(store, funcs["f"], [5000], fuel=fuel) == expected
    store, funcs = instance(wat)
    assert isinstance(store.executor, FastExecutor)
    store.executor.flat = True
    with pytest.raises(ExhaustionError):
        embedding.func_invoke(store, funcs["f"], [5000], fuel=50)


def test_fifty_thousand_locals() -> None:
    wat = (
        '(module (func (export "f") (result i64) (local '
        + "i64 " * 50_000
        + ") (local.set 49999 (i64.const 5)) (i64.add (local.get 49999) (local.get 7))))"
    )
    store, funcs = instance(wat)
    assert embedding.func_invoke(store, funcs["f"], []) == [5]
    assert fallbacks(store) == {}


def test_deep_expression_is_split() -> None:
    n = 5_000
    wat = '(module (func (export "f") (result i32) ' + "(i32.add (i32.const 1) " * n + "(i32.const 0)" + ")" * n + "))"
    assert call(wat) == [n]


RECURSE = """(module (func $r (export "f") (param i32) (result i32)
  (if (result i32) (local.get 0)
    (then (i32.add (i32.const 1) (call $r (i32.sub (local.get 0) (i32.const 1)))))
    (else (i32.const 0)))))"""


def test_deep_recursion_ends_in_exhaustion() -> None:
    assert call(RECURSE, [100_000]) == f"exhaustion: {CALL_STACK_EXHAUSTED}"
    assert call(RECURSE, [19_000]) == [19_000]


@pytest.mark.parametrize("depth", [50, 1000])
def test_call_depth_limit_is_the_references(depth: int) -> None:
    """The deepest recursion that fits is the same on both engines."""
    ok = [
        max(n for n in range(depth - 5, depth + 5) if isinstance(call(RECURSE, [n], engine=e, max_call_depth=depth), list))
        for e in ("fast", "reference")
    ]
    assert ok[0] == ok[1] == depth - 1


def test_fuel_stops_an_endless_loop() -> None:
    wat = '(module (func (export "f") (loop (br 0))))'
    assert call(wat, fuel=100_000) == f"exhaustion: {FUEL_EXHAUSTED}"


def test_fuel_and_recursion() -> None:
    """A function's own instructions are charged when it returns: a recursion without end
    meets the call-depth limit (as on the reference), a long one that returns pays for all."""
    wat = '(module (func $f (export "f") (call $f)))'
    assert call(wat, fuel=10_000) == f"exhaustion: {CALL_STACK_EXHAUSTED}"
    assert call(RECURSE, [100], fuel=100_000) == [100]
    assert call(RECURSE, [10_000], fuel=10_000) == f"exhaustion: {FUEL_EXHAUSTED}"


def test_fuel_is_charged_per_iteration() -> None:
    """The fast engine charges a loop's body on each iteration (docs/fast-path.md): the fuel a
    run needs grows with its iterations, and is at least the instructions it executes."""
    wat = """(module (func (export "f") (param i32) (result i32) (local i32)
      (loop (local.set 1 (i32.add (local.get 1) (i32.const 1)))
            (br_if 0 (i32.lt_u (local.get 1) (local.get 0))))
      (local.get 1)))"""

    def least_fuel(n: int) -> int:
        lo, hi = 0, 10_000
        while lo < hi:
            mid = (lo + hi) // 2
            if isinstance(call(wat, [n], fuel=mid), list):
                hi = mid
            else:
                lo = mid + 1
        return lo

    # the body's 8 instructions (local.get, i32.const, i32.add, local.set, local.get,
    # local.get, i32.lt_u, br_if), plus one for the label, as the reference's ``loop`` step
    per_iteration = 9
    assert least_fuel(101) - least_fuel(1) == 100 * per_iteration
    # the function's own 2 instructions (loop, local.get) plus one, and one iteration
    assert least_fuel(1) == 3 + per_iteration


def test_huge_function_translates() -> None:
    body = "(local.set 0 (i32.add (local.get 0) (i32.const 3)))" * 20_000
    store, funcs = instance(f'(module (func (export "f") (result i32) (local i32) {body} (local.get 0)))')
    assert embedding.func_invoke(store, funcs["f"], []) == [60_000]
    assert fallbacks(store) == {}


F32_SNAN, F64_SNAN = 0x7FA00001, 0x7FF4000000000001


def test_float_bits_survive_moves() -> None:
    """Signalling NaNs and payloads pass through params, locals, memory and globals intact."""
    wat = """(module (memory 1) (global $g (mut f32) (f32.const 0)) (global $h (mut f64) (f64.const 0))
      (func (export "f") (param f32 f64) (result f32 f64 i32 i64)
        (local f32)
        (local.set 2 (local.get 0))
        (f32.store (i32.const 0) (local.get 2))
        (f64.store (i32.const 8) (local.get 1))
        (global.set $g (f32.load (i32.const 0)))
        (global.set $h (f64.load (i32.const 8)))
        (global.get $g) (global.get $h)
        (i32.reinterpret_f32 (f32.load (i32.const 0)))
        (i64.reinterpret_f64 (f64.load (i32.const 8)))))"""
    assert call(wat, [F32_SNAN, F64_SNAN]) == [F32_SNAN, F64_SNAN, F32_SNAN, F64_SNAN]


def test_f32_arithmetic_rounds_once() -> None:
    def f32(x: float) -> int:
        return int(struct.unpack("<I", struct.pack("<f", x))[0])

    wat = '(module (func (export "f") (param f32 f32) (result f32) (f32.add (local.get 0) (local.get 1))))'
    # 1 + 2^-24 is a tie in single precision: ties to even gives 1.
    assert call(wat, [f32(1.0), f32(2.0**-24)]) == [f32(1.0)]
    # the largest single plus half an ulp rounds to infinity
    assert call(wat, [0x7F7FFFFF, f32(2.0**103)]) == [0x7F800000]


def test_traps_carry_the_suites_messages() -> None:
    wat = """(module (memory 1) (table 2 funcref)
      (func (export "f") (param i32) (result i32)
        (block (block (block (block (br_table 0 1 2 3 (local.get 0)))
          (return (i32.load (i32.const 65536))))
          (return (i32.div_s (i32.const 1) (i32.const 0))))
          (return (i32.div_s (i32.const 0x80000000) (i32.const -1))))
        (call_indirect (result i32) (i32.const 1))))"""
    assert call(wat, [0]) == "trap: out of bounds memory access"
    assert call(wat, [1]) == "trap: integer divide by zero"
    assert call(wat, [2]) == "trap: integer overflow"
    assert call(wat, [3]) == "trap: uninitialized element 1"


def test_host_functions_and_reentry() -> None:
    """A fast function calls a host function that calls back into Wasm; the call depth left
    is passed on, and results keep their bits."""
    store = embedding.store_init(engine="fast", max_call_depth=100)
    calls: list[list[Val]] = []

    def host(args: list[Val]) -> list[Val]:
        calls.append(args)
        (x,) = args
        return embedding.func_invoke(store, funcs["g"], [x])

    ft = FuncType((NumType.F32,), (NumType.F32,))
    h = embedding.func_alloc(store, ft, host)
    wat = """(module (import "env" "h" (func $h (param f32) (result f32)))
      (func (export "f") (param f32) (result f32) (call $h (local.get 0)))
      (func (export "g") (param f32) (result f32) (f32.neg (local.get 0))))"""
    inst = embedding.module_instantiate(store, parse_module(wat), [ExternFuncAddr(h)])
    funcs = {n: ev.addr for n, ev in inst.exports.items() if isinstance(ev, ExternFuncAddr)}
    assert embedding.func_invoke(store, funcs["f"], [F32_SNAN]) == [F32_SNAN | 0x80000000]
    assert calls == [[F32_SNAN]]


def test_start_function_runs_on_the_fast_engine() -> None:
    wat = """(module (memory 1) (func $s (i32.store (i32.const 0) (i32.const 42))) (start $s)
      (func (export "f") (result i32) (i32.load (i32.const 0))))"""
    assert call(wat) == [42]


def test_trap_in_start_function_is_a_trap() -> None:
    with pytest.raises(TrapError):
        instance("(module (func $s unreachable) (start $s))")


def test_exhaustion_is_not_a_python_error() -> None:
    with pytest.raises(ExhaustionError):
        store, funcs = instance('(module (func $f (export "f") (call $f)))', max_call_depth=200_000)
        embedding.func_invoke(store, funcs["f"], [])


def test_frames_count_against_the_memory_budget() -> None:
    """A recursion of functions with 10,000 locals ends in exhaustion of the memory budget,
    not in a MemoryError, however deep the call-depth limit lets it go."""
    wat = (
        '(module (func $f (export "f") (param i32) (result i32) (local '
        + "i64 " * 10_000
        + ") (if (result i32) (local.get 0) (then (call $f (i32.sub (local.get 0) (i32.const 1))))"
        + " (else (i32.const 0)))))"
    )
    result = call(wat, [100_000], max_call_depth=200_000)
    assert result == f"exhaustion: {MEMORY_BUDGET_EXHAUSTED}"
    store, funcs = instance(wat, max_call_depth=200_000)
    assert embedding.func_invoke(store, funcs["f"], [100]) == [0]
    assert store.frames_in_use == 0
