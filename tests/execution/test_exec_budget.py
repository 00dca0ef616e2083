"""The memory budget of running code: frames, locals and operand stacks are charged against
``Store.memory_budget`` and released on return, on a trap and on exhaustion; bulk operations
write in bounded chunks with the semantics of a copy through a buffer."""

from __future__ import annotations

import random

import exec_helpers
import pytest

from refwasm import embedding
from refwasm.errors import ExhaustionError, TrapError
from refwasm.execution import runtime
from refwasm.execution.runtime import (
    FRAME_SIZE,
    FUNC_NULL,
    SLOT_SIZE,
    Store,
    charge_frame,
    copy_bytes,
    copy_elems,
    extend_zeros,
    fill_bytes,
    fill_elems,
    frame_size,
    release_frame,
)
from refwasm.execution.values import ExternFuncAddr, ExternMemAddr, Ref, RefFuncAddr, Val
from refwasm.syntax import instructions as ins
from refwasm.syntax.types import FuncType, NumType

I32 = NumType.I32

# f(n) = n == 0 ? 0 : f(n - 1), with 99 i64 locals a frame.
RECURSE = f"""
(module
  (func $f (export "f") (param i32) (result i32) (local {"i64 " * 99})
    (if (result i32) (local.get 0)
      (then (call $f (i32.sub (local.get 0) (i32.const 1))))
      (else (i32.const 0))))
  (func (export "trap") (param i32) (result i32)
    (if (result i32) (local.get 0)
      (then (call 1 (i32.sub (local.get 0) (i32.const 1))))
      (else (unreachable))))
  (memory (export "mem") 1))
"""
# The parameter and 99 locals, and (but for the outermost call) the caller's ``if`` label.
FRAME_OF_F = frame_size(100 + 2)


def instance(text: str, store: Store) -> embedding.ModuleInst:
    return embedding.module_instantiate(store, embedding.module_parse(text), [])


def invoke(store: Store, inst: embedding.ModuleInst, name: str, *args: Val) -> list[Val]:
    f = embedding.instance_export(inst, name)
    assert isinstance(f, ExternFuncAddr)
    return embedding.func_invoke(store, f.addr, list(args))


def test_the_unit_is_bytes_per_frame_and_slot() -> None:
    assert frame_size(0) == FRAME_SIZE
    assert frame_size(10) == FRAME_SIZE + 10 * SLOT_SIZE


def test_frames_are_released_on_return() -> None:
    store = embedding.store_init()
    inst = instance(RECURSE, store)
    assert invoke(store, inst, "f", 1000) == [0]
    assert store.frames_in_use == 0


def test_deep_recursion_ends_at_the_budget_not_the_call_depth() -> None:
    budget = 65536 + 50 * FRAME_OF_F
    store = embedding.store_init(memory_budget=budget + 100)
    inst = instance(RECURSE, store)
    assert invoke(store, inst, "f", 40) == [0]
    with pytest.raises(ExhaustionError, match="^memory budget exhausted$"):
        invoke(store, inst, "f", 50)
    assert store.frames_in_use == 0
    assert invoke(store, inst, "f", 40) == [0]  # the store stays usable


def test_frames_are_released_on_a_trap() -> None:
    store = embedding.store_init()
    inst = instance(RECURSE, store)
    with pytest.raises(TrapError, match="^unreachable$"):
        invoke(store, inst, "trap", 100)
    assert store.frames_in_use == 0


def test_memory_growth_shrinks_the_room_for_frames() -> None:
    store = embedding.store_init(memory_budget=65536 + 100 * FRAME_OF_F)
    inst = instance(RECURSE, store)
    assert invoke(store, inst, "f", 90) == [0]
    mem = embedding.instance_export(inst, "mem")
    assert isinstance(mem, ExternMemAddr)
    embedding.mem_grow(store, mem.addr, 1)
    with pytest.raises(ExhaustionError, match="^memory budget exhausted$"):
        invoke(store, inst, "f", 90)


def test_memory_grow_does_not_depend_on_frames() -> None:
    """A grow's result is Wasm-visible, so it depends on memories and tables only; frames are
    refused instead when a grow took the rest of the budget."""
    text = """(module (memory 1)
      (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0))))"""
    store = embedding.store_init(memory_budget=2 * 65536)
    inst = instance(text, store)
    # the grow succeeds although its own frame holds part of the budget meanwhile
    assert invoke(store, inst, "grow", 1) == [1]
    # now the memory takes it all: no frame fits
    with pytest.raises(ExhaustionError, match="^memory budget exhausted$"):
        invoke(store, inst, "grow", 0)
    store.memory_budget += 4096
    store.frames_room = 0
    assert invoke(store, inst, "grow", 1) == [0xFFFFFFFF]


def test_host_calls_share_the_budget_and_release_their_frames() -> None:
    store = embedding.store_init()
    seen: list[int] = []

    def host(args: list[Val]) -> list[Val]:
        seen.append(store.frames_in_use)  # the calling frame is still charged
        return invoke(store, inst, "f", 10)

    h = embedding.func_alloc(store, FuncType((), (I32,)), host)
    text = """(module (import "m" "h" (func $h (result i32)))
      (func $f (export "f") (param i32) (result i32) (local.get 0))
      (func (export "g") (result i32) (call $h)))"""
    inst = embedding.module_instantiate(store, embedding.module_parse(text), [ExternFuncAddr(h)])
    assert invoke(store, inst, "g") == [10]
    assert seen == [frame_size(0)]
    assert store.frames_in_use == 0


def test_a_failing_host_function_releases_every_frame() -> None:
    store = embedding.store_init()

    def host(args: list[Val]) -> list[Val]:
        raise ExhaustionError("memory budget exhausted")

    h = embedding.func_alloc(store, FuncType((), ()), host)
    text = """(module (import "m" "h" (func $h))
      (func $f (export "f") (param i32)
        (if (local.get 0) (then (call $f (i32.sub (local.get 0) (i32.const 1)))) (else (call $h)))))"""
    inst = embedding.module_instantiate(store, embedding.module_parse(text), [ExternFuncAddr(h)])
    with pytest.raises(ExhaustionError):
        invoke(store, inst, "f", 100)
    assert store.frames_in_use == 0


def test_tail_calls_do_not_accumulate_charges() -> None:
    """count(n) = n == 0 ? 42 : count(n - 1) by return_call: one frame's charge at a time."""
    body = (
        ins.LocalGet(0), ins.Testop(I32, ins.TestOp.EQZ),
        ins.If(I32, (ins.Const(I32, 42),), (
            ins.LocalGet(0), ins.Const(I32, 1), ins.Binop(I32, ins.BinOp.SUB), ins.ReturnCall(0),
        )),
    )
    store = embedding.store_init(memory_budget=4 * FRAME_SIZE)
    store, inst = exec_helpers.instance(exec_helpers.func_module((I32,), (I32,), body), store=store)
    assert invoke(store, inst, "f", 100_000) == [42]
    assert store.frames_in_use == 0


def test_charge_and_release_are_for_any_engine() -> None:
    store = Store(memory_budget=1000)
    charge_frame(store, 600)
    with pytest.raises(ExhaustionError, match="^memory budget exhausted$"):
        charge_frame(store, 600)
    assert store.frames_in_use == 600
    release_frame(store, 600)
    charge_frame(store, 1000)
    assert store.memory_in_use() == 1000


# -- Bulk helpers, with tiny chunks so that every case crosses chunk boundaries -----------------


@pytest.fixture
def small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runtime, "CHUNK", 7)


def test_fill_in_chunks(small_chunks: None) -> None:
    for d, n in [(0, 0), (0, 7), (3, 20), (5, 95), (99, 1)]:
        data = bytearray(range(100))
        expected = bytearray(data)
        expected[d : d + n] = bytes([0xAB]) * n
        fill_bytes(data, d, 0x1AB, n)
        assert data == expected
        elems: list[Ref] = [RefFuncAddr(i) for i in range(100)]
        want = list(elems)
        want[d : d + n] = [FUNC_NULL] * n
        fill_elems(elems, d, FUNC_NULL, n)
        assert elems == want


def test_copy_in_chunks_is_a_copy_through_a_buffer(small_chunks: None) -> None:
    rng = random.Random(15)
    for _ in range(500):
        n = rng.randrange(0, 60)
        s, d = rng.randrange(0, 101 - n), rng.randrange(0, 101 - n)
        data = bytearray(rng.randbytes(100))
        expected = bytearray(data)
        expected[d : d + n] = bytes(data[s : s + n])
        copy_bytes(data, d, data, s, n)
        assert data == expected, (s, d, n)
        refs: list[Ref] = [RefFuncAddr(i) for i in range(100)]
        want = list(refs)
        want[d : d + n] = refs[s : s + n]
        copy_elems(refs, d, refs, s, n)
        assert refs == want, (s, d, n)


def test_copy_between_buffers_and_from_bytes(small_chunks: None) -> None:
    src = bytes(range(50))
    dst = bytearray(60)
    copy_bytes(dst, 5, src, 10, 40)
    assert dst == bytes(5) + src[10:50] + bytes(15)


def test_extend_zeros(small_chunks: None) -> None:
    data = bytearray(b"ab")
    extend_zeros(data, 30)
    assert data == b"ab" + bytes(30)
