"""The embedding interface (appendix ``embedding``) as the contract states it."""

from __future__ import annotations

import pytest

from refwasm import embedding
from refwasm.errors import InvalidError, MalformedError, TrapError
from refwasm.execution.values import (
    ExternFuncAddr,
    ExternGlobalAddr,
    RefHostAddr,
    RefNullVal,
)
from refwasm.syntax.instructions import BinOp, Binop, Const, GlobalGet, LocalGet
from refwasm.syntax.modules import (
    Export,
    ExternIdx,
    ExternKind,
    Func,
    Global,
    Import,
    Mem,
    Module,
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
    NumType,
    TableType,
    TypeIdx,
    plain_functype,
)

I32 = NumType.I32
ADD_TYPE = FuncType((I32, I32), (I32,))
ADD_MODULE = Module(
    types=(Type(plain_functype(ADD_TYPE)),),
    funcs=(Func(0, (), (LocalGet(0), LocalGet(1), Binop(I32, BinOp.ADD))),),
    globals=(Global(GlobalType(Mut.CONST, I32), (Const(I32, 9),)),),
    mems=(Mem(MemType(AddrType.I32, Limits(1, 2))),),
    tables=(Table(TableType(AddrType.I32, Limits(1), FUNCREF)),),
    exports=(
        Export("add", ExternIdx(ExternKind.FUNC, 0)),
        Export("g", ExternIdx(ExternKind.GLOBAL, 0)),
        Export("mem", ExternIdx(ExternKind.MEM, 0)),
        Export("tab", ExternIdx(ExternKind.TABLE, 0)),
    ),
)


def test_instantiate_validates_first() -> None:
    pytest.importorskip("refwasm.validation")
    bad = Module(
        types=(Type(plain_functype(FuncType((), (I32,)))),),
        funcs=(Func(0, (), ()),),  # no result on the stack
    )
    with pytest.raises(InvalidError):
        embedding.module_instantiate(embedding.store_init(), bad, [])


def test_module_instantiate_and_invoke() -> None:
    pytest.importorskip("refwasm.validation")
    store = embedding.store_init()
    inst = embedding.module_instantiate(store, ADD_MODULE, [])
    add = embedding.instance_export(inst, "add")
    assert isinstance(add, ExternFuncAddr)
    assert embedding.func_type(store, add.addr) == ADD_TYPE
    assert embedding.func_invoke(store, add.addr, [0xFFFFFFFF, 2]) == [1]


def test_unknown_export_is_embedder_error() -> None:
    store = embedding.store_init()
    from refwasm.execution.modules import instantiate_valid

    inst = instantiate_valid(store, ADD_MODULE, [])
    with pytest.raises(embedding.EmbedderError):
        embedding.instance_export(inst, "nope")


@pytest.mark.parametrize("args", [[1], [1, 2, 3], [1, 2**32], [1, -1], [1, RefNullVal(AbsHeapType.FUNC)]])
def test_bad_arguments_are_embedder_errors(args: list[object]) -> None:
    from refwasm.execution.modules import instantiate_valid

    store = embedding.store_init()
    inst = instantiate_valid(store, ADD_MODULE, [])
    add = embedding.instance_export(inst, "add")
    assert isinstance(add, ExternFuncAddr)
    with pytest.raises(embedding.EmbedderError):
        embedding.func_invoke(store, add.addr, args)  # type: ignore[arg-type]


def test_module_imports_and_exports() -> None:
    gt = GlobalType(Mut.VAR, I32)
    m = Module(
        types=(Type(plain_functype(ADD_TYPE)),),
        imports=(Import("a", "f", ExternFunc(TypeIdx(0))), Import("a", "g", ExternGlobal(gt))),
        funcs=(Func(0, (), (LocalGet(0),)),),
        exports=(
            Export("f0", ExternIdx(ExternKind.FUNC, 0)),
            Export("f1", ExternIdx(ExternKind.FUNC, 1)),
            Export("g", ExternIdx(ExternKind.GLOBAL, 0)),
        ),
    )
    assert embedding.module_imports(m) == [
        ("a", "f", ExternFunc(TypeIdx(0))),
        ("a", "g", ExternGlobal(gt)),
    ]
    assert embedding.module_exports(m) == [
        ("f0", ExternFunc(TypeIdx(0))),
        ("f1", ExternFunc(TypeIdx(0))),
        ("g", ExternGlobal(gt)),
    ]
    assert [e[0] for e in embedding.module_exports(ADD_MODULE)] == ["add", "g", "mem", "tab"]
    assert embedding.module_exports(ADD_MODULE)[2][1] == ExternMem(MemType(AddrType.I32, Limits(1, 2)))
    assert isinstance(embedding.module_exports(ADD_MODULE)[3][1], ExternTable)


def test_host_function_called_directly_and_its_trap() -> None:
    store = embedding.store_init()
    a = embedding.func_alloc(store, FuncType((I32,), (I32,)), lambda args: [args[0] + 1])
    assert embedding.func_invoke(store, a, [41]) == [42]

    def trapping(args: list[object]) -> list[object]:
        raise TrapError("boom")

    t = embedding.func_alloc(store, FuncType((), ()), trapping)  # type: ignore[arg-type]
    with pytest.raises(TrapError, match="boom"):
        embedding.func_invoke(store, t, [])


def test_tables() -> None:
    store = embedding.store_init()
    tt = TableType(AddrType.I32, Limits(2, 4), EXTERNREF)
    a = embedding.table_alloc(store, tt, RefHostAddr(1))
    assert embedding.table_type(store, a) == tt
    assert embedding.table_size(store, a) == 2
    embedding.table_write(store, a, 1, RefHostAddr(5))
    assert embedding.table_read(store, a, 1) == RefHostAddr(5)
    assert embedding.table_read(store, a, 0) == RefHostAddr(1)
    embedding.table_grow(store, a, 2, RefNullVal(AbsHeapType.EXTERN))
    assert embedding.table_size(store, a) == 4
    assert embedding.table_type(store, a).limits == Limits(4, 4)
    with pytest.raises(embedding.EmbedderError):
        embedding.table_grow(store, a, 1, RefNullVal(AbsHeapType.EXTERN))
    with pytest.raises(embedding.EmbedderError):
        embedding.table_read(store, a, 4)
    with pytest.raises(embedding.EmbedderError):
        embedding.table_write(store, a, 4, RefHostAddr(0))


def test_memories() -> None:
    store = embedding.store_init(memory_budget=3 * 65536)
    mt = MemType(AddrType.I32, Limits(1))
    a = embedding.mem_alloc(store, mt)
    assert embedding.mem_type(store, a) == mt
    embedding.mem_write(store, a, 65535, 0xAB)
    assert embedding.mem_read(store, a, 65535) == 0xAB
    with pytest.raises(embedding.EmbedderError):
        embedding.mem_read(store, a, 65536)
    embedding.mem_grow(store, a, 2)
    assert embedding.mem_size(store, a) == 3
    assert embedding.mem_type(store, a).limits.min == 3
    with pytest.raises(embedding.EmbedderError):
        embedding.mem_grow(store, a, 1)  # past the budget


def test_globals() -> None:
    store = embedding.store_init()
    var = embedding.global_alloc(store, GlobalType(Mut.VAR, I32), 1)
    const = embedding.global_alloc(store, GlobalType(Mut.CONST, I32), 2)
    embedding.global_write(store, var, 7)
    assert embedding.global_read(store, var) == 7
    assert embedding.global_type(store, const) == GlobalType(Mut.CONST, I32)
    with pytest.raises(embedding.EmbedderError):
        embedding.global_write(store, const, 3)
    with pytest.raises(embedding.EmbedderError):
        embedding.global_write(store, var, 2**32)


def test_imported_global_is_shared() -> None:
    from refwasm.execution.modules import instantiate_valid

    store = embedding.store_init()
    g = embedding.global_alloc(store, GlobalType(Mut.VAR, I32), 5)
    m = Module(
        types=(Type(plain_functype(FuncType((), (I32,)))),),
        imports=(Import("a", "g", ExternGlobal(GlobalType(Mut.VAR, I32))),),
        funcs=(Func(0, (), (GlobalGet(0),)),),
        exports=(Export("get", ExternIdx(ExternKind.FUNC, 0)), Export("g", ExternIdx(ExternKind.GLOBAL, 0))),
    )
    inst = instantiate_valid(store, m, [ExternGlobalAddr(g)])
    assert embedding.instance_export(inst, "g") == ExternGlobalAddr(g)
    get = embedding.instance_export(inst, "get")
    assert isinstance(get, ExternFuncAddr)
    embedding.global_write(store, g, 6)
    assert embedding.func_invoke(store, get.addr, []) == [6]


def test_decode_and_parse_raise_malformed() -> None:
    pytest.importorskip("refwasm.binary")
    with pytest.raises(MalformedError):
        embedding.module_decode(b"\0asm\x02\0\0\0")
    pytest.importorskip("refwasm.text")
    with pytest.raises(MalformedError):
        embedding.module_parse("(module (func (i32.const)")


def test_decode_round_trip_runs() -> None:
    pytest.importorskip("refwasm.binary")
    from refwasm.binary import encode_module

    m = embedding.module_decode(encode_module(ADD_MODULE))
    store = embedding.store_init()
    inst = embedding.module_instantiate(store, m, [])
    add = embedding.instance_export(inst, "add")
    assert isinstance(add, ExternFuncAddr)
    assert embedding.func_invoke(store, add.addr, [3, 4]) == [7]
