"""Instantiation (exec-instantiation, alloc-module) and import matching (match-externtype)."""

from __future__ import annotations

import pytest
from exec_helpers import I32, I64, call, func_module, instance

from refwasm import embedding
from refwasm.errors import TrapError, UnlinkableError
from refwasm.execution.values import (
    ExternFuncAddr,
    ExternGlobalAddr,
    ExternMemAddr,
    ExternTableAddr,
    RefFuncAddr,
    RefNullVal,
)
from refwasm.syntax.instructions import (
    Call,
    Const,
    GlobalGet,
    GlobalSet,
    Load,
    LocalGet,
    MemArg,
    RefFunc,
    RefNull,
    Unreachable,
)
from refwasm.syntax.modules import (
    Active,
    Data,
    Elem,
    Func,
    Global,
    Import,
    Mem,
    Module,
    Start,
    Table,
    Type,
)
from refwasm.syntax.types import (
    EXTERNREF,
    FUNCREF,
    AbsHeapType,
    AddrType,
    ExternFunc,
    ExternGlobal,
    ExternMem,
    ExternTable,
    FuncType,
    GlobalType,
    Limits,
    MemType,
    Mut,
    TableType,
    TypeIdx,
    plain_functype,
)

INCOMPATIBLE = "^incompatible import type$"


def c(n: int) -> Const:
    return Const(I32, n)


def memtype(min_: int, max_: int | None = None) -> MemType:
    return MemType(AddrType.I32, Limits(min_, max_))


def tabletype(min_: int, max_: int | None = None, rt: object = FUNCREF) -> TableType:
    return TableType(AddrType.I32, Limits(min_, max_), rt)  # type: ignore[arg-type]


def importing(desc: object, **fields: object) -> Module:
    ft = FuncType((I32,), (I32,))
    return Module(types=(Type(plain_functype(ft)),), imports=(Import("m", "x", desc),), **fields)  # type: ignore[arg-type]


# -- Import matching --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("provided", "declared", "ok"),
    [
        (memtype(1), memtype(1), True),
        (memtype(2), memtype(1), True),
        (memtype(1), memtype(2), False),
        (memtype(1, 5), memtype(1, 5), True),
        (memtype(1, 4), memtype(1, 5), True),
        (memtype(1, 6), memtype(1, 5), False),
        (memtype(1), memtype(1, 5), False),
        (memtype(1, 5), memtype(1), True),
    ],
)
def test_memory_import_limits(provided: MemType, declared: MemType, ok: bool) -> None:
    store = embedding.store_init()
    a = embedding.mem_alloc(store, provided)
    module = importing(ExternMem(declared))
    if ok:
        instance(module, [ExternMemAddr(a)], store)
    else:
        with pytest.raises(UnlinkableError, match=INCOMPATIBLE):
            instance(module, [ExternMemAddr(a)], store)


def test_table_import_limits_and_element_type() -> None:
    store = embedding.store_init()
    a = embedding.table_alloc(store, tabletype(10, 20), RefNullVal(AbsHeapType.FUNC))
    instance(importing(ExternTable(tabletype(10, 30))), [ExternTableAddr(a)], store)
    for bad in (tabletype(11), tabletype(10, 15), tabletype(10, 20, EXTERNREF)):
        with pytest.raises(UnlinkableError, match=INCOMPATIBLE):
            instance(importing(ExternTable(bad)), [ExternTableAddr(a)], store)


def test_table_import_sees_current_size_after_grow() -> None:
    store = embedding.store_init()
    a = embedding.table_alloc(store, tabletype(1, 5), RefNullVal(AbsHeapType.FUNC))
    embedding.table_grow(store, a, 3, RefNullVal(AbsHeapType.FUNC))
    instance(importing(ExternTable(tabletype(4, 5))), [ExternTableAddr(a)], store)


def test_global_import_type_and_mutability() -> None:
    store = embedding.store_init()
    a = embedding.global_alloc(store, GlobalType(Mut.CONST, I32), 5)
    instance(importing(ExternGlobal(GlobalType(Mut.CONST, I32))), [ExternGlobalAddr(a)], store)
    for bad in (GlobalType(Mut.VAR, I32), GlobalType(Mut.CONST, I64)):
        with pytest.raises(UnlinkableError, match=INCOMPATIBLE):
            instance(importing(ExternGlobal(bad)), [ExternGlobalAddr(a)], store)


def test_function_import_type_must_be_equal() -> None:
    store = embedding.store_init()
    same = embedding.func_alloc(store, FuncType((I32,), (I32,)), lambda args: [args[0]])
    other = embedding.func_alloc(store, FuncType((I32,), ()), lambda args: [])
    instance(importing(ExternFunc(TypeIdx(0))), [ExternFuncAddr(same)], store)
    with pytest.raises(UnlinkableError, match=INCOMPATIBLE):
        instance(importing(ExternFunc(TypeIdx(0))), [ExternFuncAddr(other)], store)


def test_import_of_wrong_kind_is_incompatible() -> None:
    store = embedding.store_init()
    a = embedding.mem_alloc(store, memtype(1))
    with pytest.raises(UnlinkableError, match=INCOMPATIBLE):
        instance(importing(ExternGlobal(GlobalType(Mut.CONST, I32))), [ExternMemAddr(a)], store)


def test_wrong_number_of_imports_is_an_embedder_error() -> None:
    with pytest.raises(embedding.EmbedderError):
        instance(importing(ExternMem(memtype(1))), [])


# -- Initialisation order ---------------------------------------------------------------------


def test_global_initialiser_reads_imported_global() -> None:
    store = embedding.store_init()
    a = embedding.global_alloc(store, GlobalType(Mut.CONST, I32), 77)
    m = func_module(
        (), (I32,), (GlobalGet(1),),
        imports=(Import("m", "g", ExternGlobal(GlobalType(Mut.CONST, I32))),),
        globals=(Global(GlobalType(Mut.CONST, I32), (GlobalGet(0),)),),
    )
    _, inst = instance(m, [ExternGlobalAddr(a)], store)
    assert call(store, inst, "f") == [77]


def test_elem_segment_initialisers_see_functions() -> None:
    m = func_module(
        (), (), (),
        tables=(Table(tabletype(2)),),
        elems=(Elem(FUNCREF, ((RefNull(AbsHeapType.FUNC),), (RefFunc(0),)), Active(0, (c(0),))),),
    )
    store, inst = instance(m)
    table = store.tables[inst.tableaddrs[0]]
    assert table.elem == [RefNullVal(AbsHeapType.FUNC), RefFuncAddr(inst.funcaddrs[0])]


def test_data_segment_trap_keeps_earlier_writes() -> None:
    store = embedding.store_init()
    mem = embedding.mem_alloc(store, memtype(1))
    m = Module(
        imports=(Import("m", "mem", ExternMem(memtype(1))),),
        datas=(
            Data(b"\x01\x02", Active(0, (c(0),))),
            Data(b"\x03", Active(0, (c(65536),))),  # out of bounds: traps
            Data(b"\x04", Active(0, (c(2),))),  # never reached
        ),
    )
    with pytest.raises(TrapError, match="^out of bounds memory access$"):
        instance(m, [ExternMemAddr(mem)], store)
    assert bytes(store.mems[mem].data[:4]) == b"\x01\x02\x00\x00"


def test_elem_trap_keeps_earlier_writes_and_stops_before_data() -> None:
    store = embedding.store_init()
    tab = embedding.table_alloc(store, tabletype(2), RefNullVal(AbsHeapType.FUNC))
    mem = embedding.mem_alloc(store, memtype(1))
    ft = FuncType((), ())
    m = Module(
        types=(Type(plain_functype(ft)),),
        imports=(
            Import("m", "t", ExternTable(tabletype(2))),
            Import("m", "mem", ExternMem(memtype(1))),
        ),
        funcs=(Func(0, (), ()),),
        elems=(
            Elem(FUNCREF, ((RefFunc(0),),), Active(0, (c(1),))),
            Elem(FUNCREF, ((RefFunc(0),),) * 2, Active(0, (c(1),))),  # 1 + 2 > 2: traps
        ),
        datas=(Data(b"\x09", Active(0, (c(0),))),),
    )
    with pytest.raises(TrapError, match="^out of bounds table access$"):
        instance(m, [ExternTableAddr(tab), ExternMemAddr(mem)], store)
    assert store.tables[tab].elem[0] == RefNullVal(AbsHeapType.FUNC)
    assert isinstance(store.tables[tab].elem[1], RefFuncAddr)
    assert store.mems[mem].data[0] == 0


def test_zero_length_segment_out_of_bounds_traps() -> None:
    m = Module(mems=(Mem(memtype(1)),), datas=(Data(b"", Active(0, (c(65537),))),))
    with pytest.raises(TrapError, match="^out of bounds memory access$"):
        instance(m)
    instance(Module(mems=(Mem(memtype(1)),), datas=(Data(b"", Active(0, (c(65536),))),)))


def test_start_function_runs_after_segments() -> None:
    # start: global = load(0), written by the data segment
    ft = FuncType((), ())
    m = Module(
        types=(Type(plain_functype(ft)),),
        globals=(Global(GlobalType(Mut.VAR, I32), (c(0),)),),
        mems=(Mem(memtype(1)),),
        funcs=(Func(0, (), (c(0), Load(I32, None, 0, MemArg(2, 0)), GlobalSet(0))),),
        datas=(Data(b"\x2a", Active(0, (c(0),))),),
        start=Start(0),
    )
    store, inst = instance(m)
    assert store.globals[inst.globaladdrs[0]].value == 42


def test_start_function_trap_is_a_trap() -> None:
    ft = FuncType((), ())
    m = Module(types=(Type(plain_functype(ft)),), funcs=(Func(0, (), (Unreachable(),)),), start=Start(0))
    with pytest.raises(TrapError, match="^unreachable$"):
        instance(m)


def test_host_start_function() -> None:
    store = embedding.store_init()
    seen: list[int] = []
    h = embedding.func_alloc(store, FuncType((), ()), lambda args: seen.append(1) or [])
    m = Module(
        types=(Type(plain_functype(FuncType((), ()))),),
        imports=(Import("m", "h", ExternFunc(TypeIdx(0))),),
        start=Start(0),
    )
    instance(m, [ExternFuncAddr(h)], store)
    assert seen == [1]


def test_calls_to_imported_functions_use_the_import_index_space() -> None:
    store = embedding.store_init()
    h = embedding.func_alloc(store, FuncType((I32,), (I32,)), lambda args: [args[0] * 2])
    m = func_module(
        (I32,), (I32,), (LocalGet(0), Call(0)),
        imports=(Import("m", "h", ExternFunc(TypeIdx(0))),),
    )
    _, inst = instance(m, [ExternFuncAddr(h)], store)
    assert call(store, inst, "f", 21) == [42]


def test_wasm_1_0_checks_all_segments_before_writing() -> None:
    from refwasm.execution.modules import instantiate_valid
    from refwasm.features import Features

    store = embedding.store_init()
    mem = embedding.mem_alloc(store, memtype(1))
    m = Module(
        imports=(Import("m", "mem", ExternMem(memtype(1))),),
        datas=(Data(b"\x01", Active(0, (c(0),))), Data(b"\x02\x03", Active(0, (c(65535),)))),
    )
    with pytest.raises(UnlinkableError, match="^data segment does not fit$"):
        instantiate_valid(store, m, [ExternMemAddr(mem)], Features.for_version("1.0"))
    assert store.mems[mem].data[0] == 0


def test_wasm_1_0_elements_segment_does_not_fit() -> None:
    from refwasm.execution.modules import instantiate_valid
    from refwasm.features import Features

    ft = FuncType((), ())
    m = Module(
        types=(Type(plain_functype(ft)),),
        funcs=(Func(0, (), ()),),
        tables=(Table(tabletype(1)),),
        elems=(Elem(FUNCREF, ((RefFunc(0),),) * 2, Active(0, (c(0),))),),
    )
    with pytest.raises(UnlinkableError, match="^elements segment does not fit$"):
        instantiate_valid(embedding.store_init(), m, [], Features.for_version("1.0"))
