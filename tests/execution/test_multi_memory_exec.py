"""Multi-memory execution (3.0 ``4.3-execution.instructions``, ``4.4-execution.modules``):
each memory instruction reaches ``$mem(z, x)`` of its own index, ``memory.copy`` between two
memories, active data segments of any memory at instantiation, imported and exported memories
side by side.  Every test runs on both engines."""

from __future__ import annotations

import pytest

from refwasm import embedding
from refwasm.errors import TrapError
from refwasm.execution.runtime import ModuleInst, Store
from refwasm.execution.values import ExternFuncAddr, ExternMemAddr, ExternVal, Val
from refwasm.features import Features

V3 = Features.for_version("3.0")
OOB = "^out of bounds memory access$"


@pytest.fixture(params=["reference", "fast"])
def store(request: pytest.FixtureRequest) -> Store:
    return embedding.store_init(engine=request.param)


def instance(store: Store, text: str, externvals: list[ExternVal] | None = None) -> ModuleInst:
    module = embedding.module_parse(text, V3)
    embedding.module_validate(module, V3)
    return embedding.module_instantiate(store, module, externvals or [], V3)


def call(store: Store, inst: ModuleInst, name: str, *args: int) -> list[Val]:
    ev = embedding.instance_export(inst, name)
    assert isinstance(ev, ExternFuncAddr)
    return embedding.func_invoke(store, ev.addr, list(args))


def mem_addr(inst: ModuleInst, name: str) -> int:
    ev = embedding.instance_export(inst, name)
    assert isinstance(ev, ExternMemAddr)
    return ev.addr


TWO = """(module
  (memory $a (export "a") 1) (memory $b (export "b") 2 3)
  (data (memory $b) (i32.const 8) "\\01\\02\\03\\04")
  (data $p "\\aa\\bb\\cc")
  (func (export "load_a") (param i32) (result i32) (i32.load8_u $a (local.get 0)))
  (func (export "load_b") (param i32) (result i32) (i32.load8_u $b (local.get 0)))
  (func (export "store_b") (param i32 i32) (i32.store8 $b offset=1 (local.get 0) (local.get 1)))
  (func (export "size_a") (result i32) (memory.size $a))
  (func (export "size_b") (result i32) (memory.size $b))
  (func (export "grow_b") (param i32) (result i32) (memory.grow $b (local.get 0)))
  (func (export "fill_b") (param i32 i32 i32)
    (memory.fill $b (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_b_to_a") (param i32 i32 i32)
    (memory.copy $a $b (local.get 0) (local.get 1) (local.get 2)))
  (func (export "copy_a_to_b") (param i32 i32 i32)
    (memory.copy $b $a (local.get 0) (local.get 1) (local.get 2)))
  (func (export "init_b") (param i32 i32 i32)
    (memory.init $b $p (local.get 0) (local.get 1) (local.get 2)))
  (func (export "lane_b") (param i32) (result i32)
    (i8x16.extract_lane_u 3
      (v128.load32_lane $b 0 (local.get 0) (v128.const i32x4 0 0 0 0))))
  (func (export "vstore_b") (param i32)
    (v128.store $b (local.get 0) (v128.const i32x4 -1 -1 -1 -1)))
)"""


def test_active_data_segment_initialises_its_own_memory(store: Store) -> None:
    """``$instantiate``: ``instr_D*`` runs ``memory.init x`` of the segment's memory."""
    inst = instance(store, TWO)
    assert call(store, inst, "load_b", 8) == [1] and call(store, inst, "load_b", 11) == [4]
    assert call(store, inst, "load_a", 8) == [0]


def test_loads_and_stores_reach_their_own_memory(store: Store) -> None:
    """``Step/store-pack-val``, ``Step_read/load-pack-val`` on ``$mem(z, x)``."""
    inst = instance(store, TWO)
    call(store, inst, "store_b", 100, 0x1234)
    assert call(store, inst, "load_b", 101) == [0x34]
    assert call(store, inst, "load_a", 101) == [0]
    assert embedding.mem_read(store, mem_addr(inst, "b"), 101) == 0x34


def test_bounds_are_those_of_the_memory_accessed(store: Store) -> None:
    """``Step_read/load-pack-oob``: memory ``$a`` has 1 page, ``$b`` 2."""
    inst = instance(store, TWO)
    assert call(store, inst, "load_b", 65536) == [0]
    with pytest.raises(TrapError, match=OOB):
        call(store, inst, "load_a", 65536)
    with pytest.raises(TrapError, match=OOB):
        call(store, inst, "store_b", 2 * 65536 - 1, 0)


def test_size_and_grow_per_memory(store: Store) -> None:
    """``Step_read/memory.size``, ``Step/memory.grow-succeed``, ``Step/memory.grow-fail``."""
    inst = instance(store, TWO)
    assert call(store, inst, "size_a") == [1] and call(store, inst, "size_b") == [2]
    assert call(store, inst, "grow_b", 1) == [2]
    assert call(store, inst, "grow_b", 1) == [0xFFFFFFFF]  # beyond $b's maximum of 3
    assert call(store, inst, "size_a") == [1] and call(store, inst, "size_b") == [3]


def test_fill_of_memory_1(store: Store) -> None:
    """``Step_read/memory.fill-succ`` and ``-oob``."""
    inst = instance(store, TWO)
    call(store, inst, "fill_b", 70000, 0x55, 3)
    assert call(store, inst, "load_b", 70002) == [0x55]
    with pytest.raises(TrapError, match=OOB):
        call(store, inst, "fill_b", 2 * 65536 - 1, 0, 2)


def test_copy_between_two_memories(store: Store) -> None:
    """``Step_read/memory.copy-le``/``-gt``: destination ``x_1``, source ``x_2``."""
    inst = instance(store, TWO)
    call(store, inst, "copy_b_to_a", 0, 8, 4)
    assert [call(store, inst, "load_a", i)[0] for i in range(5)] == [1, 2, 3, 4, 0]
    call(store, inst, "copy_a_to_b", 70000, 1, 2)
    assert [call(store, inst, "load_b", 70000 + i)[0] for i in range(3)] == [2, 3, 0]


def test_copy_checks_each_memory_against_its_own_size(store: Store) -> None:
    """``Step_read/memory.copy-oob``: the source lies in ``$b`` (2 pages), the destination in
    ``$a`` (1 page)."""
    inst = instance(store, TWO)
    call(store, inst, "copy_a_to_b", 65536, 0, 65536)  # fits $b
    with pytest.raises(TrapError, match=OOB):
        call(store, inst, "copy_b_to_a", 0, 65536, 65537)
    with pytest.raises(TrapError, match=OOB):
        call(store, inst, "copy_b_to_a", 1, 65536, 65536)


def test_init_of_memory_1(store: Store) -> None:
    """``Step_read/memory.init-succ`` and ``-oob``."""
    inst = instance(store, TWO)
    call(store, inst, "init_b", 70000, 1, 2)
    assert call(store, inst, "load_b", 70001) == [0xCC]
    assert call(store, inst, "load_a", 1) == [0]
    with pytest.raises(TrapError, match=OOB):
        call(store, inst, "init_b", 2 * 65536 - 1, 0, 2)


def test_vector_loads_and_stores_of_memory_1(store: Store) -> None:
    inst = instance(store, TWO)
    assert call(store, inst, "lane_b", 8) == [4]
    call(store, inst, "vstore_b", 65536)
    assert call(store, inst, "load_b", 65536 + 15) == [0xFF]
    assert call(store, inst, "load_a", 15) == [0]


def test_active_segment_out_of_bounds_of_its_memory_traps(store: Store) -> None:
    module = '(module (memory 2) (memory 1) (data (memory 1) (i32.const 65535) "ab"))'
    with pytest.raises(TrapError, match=OOB):
        instance(store, module)


def test_imported_and_defined_memories_side_by_side(store: Store) -> None:
    """Imported memories come first in the index space, and two modules share them."""
    exporter = instance(store, TWO)
    importer = instance(store, """(module
      (import "m" "b" (memory $imp 2))
      (memory $own 1)
      (func (export "put") (param i32 i32)
        (i32.store8 $imp (local.get 0) (local.get 1))
        (i32.store8 $own (i32.const 5) (i32.add (local.get 1) (i32.const 1))))
      (func (export "get_own") (param i32) (result i32) (i32.load8_u 1 (local.get 0))))""",
        [ExternMemAddr(mem_addr(exporter, "b"))])
    call(store, importer, "put", 70000, 7)
    assert call(store, exporter, "load_b", 70000) == [7]
    assert call(store, importer, "get_own", 5) == [8]
    assert call(store, exporter, "load_a", 5) == [0]
