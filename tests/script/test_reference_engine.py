"""The reference engine adapter and the ``spectest`` module, on hand-built syntax trees."""

from __future__ import annotations

import struct

import pytest

from refwasm.engines import engine_named
from refwasm.engines.base import EngineError, Value
from refwasm.errors import TrapError, UnlinkableError
from refwasm.execution.values import (
    ExternFuncAddr,
    ExternGlobalAddr,
    ExternMemAddr,
    ExternTableAddr,
    RefNullVal,
)
from refwasm.features import Features
from refwasm.script.report import FileReport
from refwasm.script.runner import run_script
from refwasm.syntax.instructions import BinOp, Binop, LocalGet, Unreachable
from refwasm.syntax.modules import Export, ExternIdx, ExternKind, Func, Import, Module, Type
from refwasm.syntax.types import (
    FUNCREF,
    AbsHeapType,
    AddrType,
    ExternGlobal,
    FuncType,
    GlobalType,
    Mut,
    NumType,
    plain_functype,
)
from refwasm.text.script_syntax import (
    AssertModule,
    AssertReturn,
    AssertTrap,
    Get,
    Invoke,
    ModuleCommand,
    NumConst,
    RefNullConst,
    Script,
    TextModule,
)

embedding = pytest.importorskip("refwasm.embedding", reason="refwasm.embedding not written yet")
I32 = NumType.I32


def f32_bits(x: float) -> int:
    return int.from_bytes(struct.pack("<f", x), "little")


def f64_bits(x: float) -> int:
    return int.from_bytes(struct.pack("<d", x), "little")


def test_spectest_exports() -> None:
    from refwasm.script.spectest import alloc_spectest

    store = embedding.store_init()
    exports = alloc_spectest(store)
    expected_params = {
        "print": (),
        "print_i32": (I32,),
        "print_i64": (NumType.I64,),
        "print_f32": (NumType.F32,),
        "print_f64": (NumType.F64,),
        "print_i32_f32": (I32, NumType.F32),
        "print_f64_f64": (NumType.F64, NumType.F64),
    }
    for name, params in expected_params.items():
        func = exports[name]
        assert isinstance(func, ExternFuncAddr)
        assert embedding.func_type(store, func.addr) == FuncType(params, ())
    expected_globals = {
        "global_i32": (I32, 666),
        "global_i64": (NumType.I64, 666),
        "global_f32": (NumType.F32, f32_bits(666.6)),
        "global_f64": (NumType.F64, f64_bits(666.6)),
    }
    for name, (t, bits) in expected_globals.items():
        glob = exports[name]
        assert isinstance(glob, ExternGlobalAddr)
        assert embedding.global_type(store, glob.addr) == GlobalType(Mut.CONST, t)
        assert embedding.global_read(store, glob.addr) == bits
    table = exports["table"]
    assert isinstance(table, ExternTableAddr)
    tabletype = embedding.table_type(store, table.addr)
    assert (tabletype.limits.min, tabletype.limits.max, tabletype.reftype) == (10, 20, FUNCREF)
    assert embedding.table_read(store, table.addr, 9) == RefNullVal(AbsHeapType.FUNC)
    table64 = exports["table64"]  # the suite's memory64/table64.wast imports it
    assert isinstance(table64, ExternTableAddr)
    tabletype64 = embedding.table_type(store, table64.addr)
    assert (tabletype64.addrtype, tabletype64.limits.min, tabletype64.limits.max,
            tabletype64.reftype) == (AddrType.I64, 10, 20, FUNCREF)
    memory = exports["memory"]
    assert isinstance(memory, ExternMemAddr)
    memtype = embedding.mem_type(store, memory.addr)
    assert (memtype.limits.min, memtype.limits.max) == (1, 2)
    assert set(exports) == (set(expected_params) | set(expected_globals)
                            | {"table", "table64", "memory"})


BINARY = Type(plain_functype(FuncType((I32, I32), (I32,))))
CALC = Module(
    types=(BINARY, Type(plain_functype(FuncType((), ())))),
    imports=(Import("spectest", "global_i32", ExternGlobal(GlobalType(Mut.CONST, I32))),),
    funcs=(
        Func(0, (), (LocalGet(0), LocalGet(1), Binop(I32, BinOp.ADD))),
        Func(1, (), (Unreachable(),)),
    ),
    exports=(
        Export("add", ExternIdx(ExternKind.FUNC, 0)),
        Export("boom", ExternIdx(ExternKind.FUNC, 1)),
        Export("g", ExternIdx(ExternKind.GLOBAL, 0)),
    ),
)


UNKNOWN = Module(imports=(Import("spectest", "nope", ExternGlobal(GlobalType(Mut.CONST, I32))),))


def session():  # type: ignore[no-untyped-def]
    return engine_named("reference").session(Features())


def i32s(*ns: int) -> list[Value]:
    return [Value(I32, n) for n in ns]


def test_invoke_get_and_errors() -> None:
    s = session()
    inst = s.instantiate(s.load_syntax(CALC), [s.spectest("global_i32")])
    assert s.invoke(inst, "add", i32s(5, 0xFFFF_FFFF)) == i32s(4)
    assert s.get(inst, "g") == Value(I32, 666)
    with pytest.raises(TrapError, match="unreachable"):
        s.invoke(inst, "boom", [])
    with pytest.raises(EngineError):
        s.invoke(inst, "nope", [])
    with pytest.raises(EngineError):
        s.invoke(inst, "add", i32s(1))
    with pytest.raises(EngineError):
        s.invoke(inst, "add", [Value(NumType.I64, 1), Value(I32, 1)])
    with pytest.raises(EngineError):
        s.get(inst, "add")
    assert s.export(inst, "nope") is None
    assert s.spectest("nope") is None


def test_incompatible_spectest_import() -> None:
    s = session()
    wrong = Module(
        imports=(Import("spectest", "global_i32", ExternGlobal(GlobalType(Mut.VAR, I32))),)
    )
    with pytest.raises(UnlinkableError, match="incompatible import type"):
        s.instantiate(s.load_syntax(wrong), [s.spectest("global_i32")])


def test_script_on_the_reference_engine() -> None:
    add = Invoke(None, "add", (NumConst(I32, 2), NumConst(I32, 3)))
    script = Script(
        (
            ModuleCommand(1, None, TextModule(CALC)),
            AssertReturn(2, add, (NumConst(I32, 5),)),
            AssertReturn(3, add, (NumConst(I32, 6),)),
            AssertReturn(4, Get(None, "g"), (NumConst(I32, 666),)),
            AssertTrap(5, Invoke(None, "boom", ()), "unreachable"),
            AssertTrap(6, Invoke(None, "add", ()), "unreachable"),
            AssertModule(7, "unlinkable", TextModule(UNKNOWN), "unknown import"),
            AssertReturn(8, Invoke(None, "add", (RefNullConst(AbsHeapType.FUNC),) * 2), ()),
        )
    )
    report = run_script(script, session(), FileReport("t.wast"))
    assert (report.passed, report.failed, report.skipped) == (5, 3, 0)
    assert [f.line for f in report.failures] == [3, 6, 8]
    assert "engine error" in report.failures[1].reason


def test_bytes_for_foreign_engines() -> None:
    binary = pytest.importorskip("refwasm.binary")
    from refwasm.engines.base import syntax_to_bytes, text_to_bytes
    from refwasm.errors import MalformedError

    data = syntax_to_bytes(CALC)
    assert data.startswith(b"\0asm\1\0\0\0")
    assert binary.decode_module(data) == CALC
    text = '(func (export "f") (result i32) (i32.const 7))'
    assert binary.decode_module(text_to_bytes(text, Features())).exports[0].name == "f"
    with pytest.raises(MalformedError):
        text_to_bytes("(func (i32.const", Features())
