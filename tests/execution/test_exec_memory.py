"""Memory instructions: loads, stores, size/grow, bulk operations, vector loads and stores."""

from __future__ import annotations

import pytest
from exec_helpers import F32, I32, I64, call, func_module, instance

from refwasm import embedding
from refwasm.errors import TrapError
from refwasm.execution.values import ExternMemAddr
from refwasm.syntax.instructions import (
    Const,
    DataDrop,
    Load,
    LoadPack,
    LocalGet,
    MemArg,
    MemoryCopy,
    MemoryFill,
    MemoryGrow,
    MemoryInit,
    MemorySize,
    Store,
    Sx,
    VConst,
    VLoad,
    VLoadLane,
    VLoadShape,
    VLoadSplat,
    VLoadZero,
    VStore,
    VStoreLane,
)
from refwasm.syntax.modules import PASSIVE, Active, Data, Export, ExternIdx, ExternKind, Mem
from refwasm.syntax.types import AddrType, Limits, MemType, VecType

V128 = VecType.V128
OOB = "^out of bounds memory access$"


def mem(min_: int = 1, max_: int | None = None) -> Mem:
    return Mem(MemType(AddrType.I32, Limits(min_, max_)))


def c(n: int) -> Const:
    return Const(I32, n & 0xFFFFFFFF)


def arg(offset: int = 0, align: int = 0) -> MemArg:
    return MemArg(align, offset)


DATA = bytes([0x01, 0x02, 0x03, 0x04, 0x85, 0x86, 0x87, 0x88, 0xFF, 0x7F])


def data_module(body: tuple, params: tuple = (I32,), results: tuple = (I32,)) -> object:
    return func_module(params, results, body, mems=(mem(),), datas=(Data(DATA, Active(0, (c(0),))),))


def load(body: tuple, *args: int, results: tuple = (I32,)) -> list:
    store, inst = instance(data_module(body, results=results))  # type: ignore[arg-type]
    return call(store, inst, "f", *args)


def test_full_width_loads_are_little_endian() -> None:
    assert load((LocalGet(0), Load(I32, None, 0, arg())), 0) == [0x04030201]
    assert load((LocalGet(0), Load(I64, None, 0, arg())), 0, results=(I64,)) == [0x8887868504030201]
    assert load((LocalGet(0), Load(F32, None, 0, arg(4))), 0, results=(F32,)) == [0x88878685]


@pytest.mark.parametrize(
    ("pack", "nt", "addr", "expected"),
    [
        (LoadPack(8, Sx.U), I32, 4, 0x85),
        (LoadPack(8, Sx.S), I32, 4, 0xFFFFFF85),
        (LoadPack(16, Sx.S), I32, 8, 0x7FFF),
        (LoadPack(16, Sx.S), I64, 4, 0xFFFFFFFFFFFF8685),
        (LoadPack(32, Sx.U), I64, 4, 0x88878685),
        (LoadPack(32, Sx.S), I64, 4, 0xFFFFFFFF88878685),
    ],
)
def test_narrow_loads_extend(pack: LoadPack, nt: object, addr: int, expected: int) -> None:
    assert load((LocalGet(0), Load(nt, pack, 0, arg())), addr, results=(nt,)) == [expected]  # type: ignore[arg-type]


def test_offset_is_added_to_the_address() -> None:
    assert load((LocalGet(0), Load(I32, LoadPack(8, Sx.U), 0, arg(offset=3))), 1) == [0x85]


@pytest.mark.parametrize(("addr", "offset"), [(65533, 0), (65536, 0), (0xFFFFFFFF, 0), (1, 0xFFFFFFFF)])
def test_load_out_of_bounds_traps(addr: int, offset: int) -> None:
    with pytest.raises(TrapError, match=OOB):
        load((LocalGet(0), Load(I32, None, 0, arg(offset))), addr)


def test_last_bytes_are_in_bounds() -> None:
    assert load((LocalGet(0), Load(I32, None, 0, arg())), 65532) == [0]


def test_narrow_store_wraps_and_full_store_round_trips() -> None:
    body = (
        c(0), Const(I64, 0x1122334455667788), Store(I64, 16, 0, arg()),
        c(0), Load(I32, None, 0, arg()),
    )
    # bytes 0-1 become 88 77, bytes 2-3 stay 03 04 from the data segment
    assert load(body, 0) == [0x04037788]


def test_store_out_of_bounds_traps_and_writes_nothing() -> None:
    m = data_module((c(65534), c(0xAABBCCDD), Store(I32, None, 0, arg()),), results=())
    store, inst = instance(m)  # type: ignore[arg-type]
    with pytest.raises(TrapError, match=OOB):
        call(store, inst, "f", 0)
    assert store.mems[0].data[65534:] == b"\0\0"


def test_memory_size_and_grow() -> None:
    body = (LocalGet(0), MemoryGrow(0), MemorySize(0))
    m = func_module((I32,), (I32, I32), body, mems=(mem(1, 3),))
    store, inst = instance(m)
    assert call(store, inst, "f", 1) == [1, 2]
    assert call(store, inst, "f", 2) == [0xFFFFFFFF, 2]
    assert call(store, inst, "f", 1) == [2, 3]
    assert call(store, inst, "f", 0) == [3, 3]


def test_grow_past_65536_pages_fails_without_allocating() -> None:
    m = func_module((I32,), (I32,), (LocalGet(0), MemoryGrow(0)), mems=(mem(0),))
    store, inst = instance(m)
    assert call(store, inst, "f", 65537) == [0xFFFFFFFF]
    assert call(store, inst, "f", 0xFFFFFFFF) == [0xFFFFFFFF]
    assert len(store.mems[0].data) == 0


def test_memory_budget_turns_grow_into_failure() -> None:
    # Four pages, and room for the frame of ``f`` (frames count against the budget too).
    store = embedding.store_init(memory_budget=4 * 65536 + 1024)
    m = func_module((I32,), (I32,), (LocalGet(0), MemoryGrow(0)), mems=(mem(1),))
    store, inst = instance(m, store=store)
    assert call(store, inst, "f", 4) == [0xFFFFFFFF]
    assert call(store, inst, "f", 3) == [1]
    assert call(store, inst, "f", 1) == [0xFFFFFFFF]
    assert len(store.mems[0].data) == 4 * 65536


def test_memory_fill() -> None:
    body = (c(2), c(0x1AB), c(3), MemoryFill(0), c(0), Load(I64, None, 0, arg()))
    assert load(body, 0, results=(I64,)) == [0x888786ABABAB0201]


def test_memory_fill_out_of_bounds_traps_before_writing() -> None:
    body = (c(65530), c(9), c(7), MemoryFill(0), c(0))
    m = data_module(body)
    store, inst = instance(m)  # type: ignore[arg-type]
    with pytest.raises(TrapError, match=OOB):
        call(store, inst, "f", 0)
    assert set(store.mems[0].data[65530:]) == {0}


def test_memory_copy_overlapping_both_directions() -> None:
    fwd = (c(1), c(0), c(4), MemoryCopy(0, 0), c(0), Load(I64, None, 0, arg()))
    assert load(fwd, 0, results=(I64,)) == [0x8887860403020101]
    back = (c(0), c(1), c(4), MemoryCopy(0, 0), c(0), Load(I64, None, 0, arg()))
    assert load(back, 0, results=(I64,)) == [0x8887868585040302]


def test_memory_copy_zero_length_at_end_is_fine_but_past_end_traps() -> None:
    assert load((c(65536), c(0), c(0), MemoryCopy(0, 0), c(1)), 0) == [1]
    with pytest.raises(TrapError, match=OOB):
        load((c(65537), c(0), c(0), MemoryCopy(0, 0), c(1)), 0)


def test_memory_init_and_data_drop() -> None:
    body = (
        c(100), c(1), c(3), MemoryInit(0, 0),
        c(100), Load(I32, None, 0, arg()),
    )
    m = func_module((), (I32,), body, mems=(mem(),), datas=(Data(b"\x0a\x0b\x0c\x0d", PASSIVE),))
    store, inst = instance(m)
    assert call(store, inst, "f") == [0x000D0C0B]
    drop = func_module(
        (), (), (DataDrop(0), c(0), c(0), c(1), MemoryInit(0, 0)),
        mems=(mem(),), datas=(Data(b"\x0a", PASSIVE),),
    )
    store, inst = instance(drop)
    with pytest.raises(TrapError, match=OOB):
        call(store, inst, "f")


def test_exported_memory_is_the_instance_memory() -> None:
    m = func_module((), (), (c(8), c(0x2A), Store(I32, 8, 0, arg()),), mems=(mem(),),
                    exports=(Export("m", ExternIdx(ExternKind.MEM, 0)),))
    store, inst = instance(m)
    call(store, inst, "f")
    ev = embedding.instance_export(inst, "m")
    assert isinstance(ev, ExternMemAddr)
    assert embedding.mem_read(store, ev.addr, 8) == 0x2A
    assert embedding.mem_size(store, ev.addr) == 1


# -- Vector memory instructions --------------------------------------------------------------


def vload(op: object, addr: int = 0) -> int:
    body = (LocalGet(0), VLoad(op, 0, arg()))  # type: ignore[arg-type]
    (v,) = load(body, addr, results=(V128,))
    return v  # type: ignore[return-value]


def test_v128_load_and_store() -> None:
    assert vload(None) == int.from_bytes(DATA + bytes(6), "little")
    body = (c(16), c(0), VLoad(None, 0, arg()), VStore(0, arg()), c(16), Load(I64, None, 0, arg()))
    assert load(body, 0, results=(I64,)) == [0x8887868504030201]


def test_v128_load8x8_s_and_u() -> None:
    # bytes 01 02 03 04 85 86 87 88 -> i16 lanes
    assert vload(VLoadShape(8, 8, Sx.U)) == int.from_bytes(
        b"\x01\x00\x02\x00\x03\x00\x04\x00\x85\x00\x86\x00\x87\x00\x88\x00", "little")
    assert vload(VLoadShape(8, 8, Sx.S)) == int.from_bytes(
        b"\x01\x00\x02\x00\x03\x00\x04\x00\x85\xff\x86\xff\x87\xff\x88\xff", "little")


def test_v128_load32x2_s() -> None:
    assert vload(VLoadShape(32, 2, Sx.S)) == 0xFFFFFFFF_88878685_00000000_04030201


def test_v128_load_splat_and_zero() -> None:
    assert vload(VLoadSplat(16), 4) == int.from_bytes(b"\x85\x86" * 8, "little")
    assert vload(VLoadSplat(64)) == (0x8887868504030201 << 64) | 0x8887868504030201
    assert vload(VLoadZero(32), 4) == 0x88878685


def test_v128_load_lane_and_store_lane() -> None:
    ones = (1 << 128) - 1
    body2 = (c(4), VConst(ones), VLoadLane(16, 0, arg(), 1))
    assert load(body2, 0, results=(V128,)) == [ones & ~(0xFFFF << 16) | (0x8685 << 16)]
    body3 = (c(0), VConst(0xAABB << 48), VStoreLane(16, 0, arg(), 3), c(0), Load(I32, None, 0, arg()))
    assert load(body3, 0) == [0x0403AABB]


def test_vector_load_out_of_bounds_traps() -> None:
    with pytest.raises(TrapError, match=OOB):
        vload(None, 65521)
    with pytest.raises(TrapError, match=OOB):
        vload(VLoadSplat(64), 65529)
