"""Module-level rules (``valid-module`` and its parts): one valid and one invalid module each.

Expected messages are the official suite's, written out by hand.
"""

from __future__ import annotations

import pytest

from refwasm.errors import InvalidError
from refwasm.features import Features
from refwasm.syntax import (
    EXTERNREF,
    FUNCREF,
    PASSIVE,
    AbsHeapType,
    Active,
    AddrType,
    BinOp,
    Binop,
    Block,
    Const,
    Data,
    Drop,
    Elem,
    Export,
    ExternFunc,
    ExternGlobal,
    ExternIdx,
    ExternKind,
    ExternMem,
    ExternTable,
    Func,
    FuncType,
    Global,
    GlobalGet,
    GlobalType,
    Import,
    Limits,
    Mem,
    MemoryInit,
    MemType,
    Module,
    Mut,
    Nop,
    NumType,
    RefFunc,
    RefNull,
    RefType,
    Start,
    Table,
    TableType,
    Type,
    TypeIdx,
    UnOp,
    Unop,
    VecType,
    plain_functype,
)
from refwasm.validation import validate_module

I32, I64, F32 = NumType.I32, NumType.I64, NumType.F32
V1 = Features.for_version("1.0")
V2 = Features.for_version("2.0")
V3 = Features.for_version("3.0")
EMPTY = Type(plain_functype(FuncType((), ())))


def i32(n: int = 0) -> Const:
    return Const(I32, n)


def mem(min_: int, max_: int | None = None) -> Mem:
    return Mem(MemType(AddrType.I32, Limits(min_, max_)))


def table(min_: int, max_: int | None = None, rt: object = FUNCREF) -> Table:
    return Table(TableType(AddrType.I32, Limits(min_, max_), FUNCREF if rt is FUNCREF else EXTERNREF))


def glob(t: NumType, *init: object, mut: Mut = Mut.CONST) -> Global:
    return Global(GlobalType(mut, t), tuple(init))  # type: ignore[arg-type]


def imported_global(mut: Mut = Mut.CONST) -> Import:
    return Import("m", "g", ExternGlobal(GlobalType(mut, I32)))


def export(name: str, kind: ExternKind, index: int) -> Export:
    return Export(name, ExternIdx(kind, index))


def func(typeidx: int = 0, *body: object) -> Func:
    return Func(typeidx, (), tuple(body))  # type: ignore[arg-type]


# (rule, valid module, invalid module, expected message, features)
CASES: list[tuple[str, Module, Module, str, Features]] = [
    ("valid-constant", Module(globals=(glob(I32, i32()),)),
     Module(globals=(glob(F32, Const(F32, 0), Unop(F32, UnOp.NEG)),)),
     "constant expression required", V2),
    ("valid-constant-nop", Module(globals=(glob(I32, i32()),)), Module(globals=(glob(I32, Nop()),)),
     "constant expression required", V2),
    ("valid-constant-type", Module(globals=(glob(I64, Const(I64, 0)),)),
     Module(globals=(glob(I64, i32()),)), "type mismatch", V2),
    ("valid-constant-empty", Module(globals=(glob(I32, i32()),)), Module(globals=(glob(I32),)),
     "type mismatch", V2),
    ("const-global.get-imported",
     Module(imports=(imported_global(),), globals=(glob(I32, GlobalGet(0)),)),
     Module(globals=(glob(I32, i32()), glob(I32, GlobalGet(0)))), "unknown global",
     V2),
    ("const-global.get-mutable",
     Module(imports=(imported_global(),), globals=(glob(I32, GlobalGet(0)),)),
     Module(imports=(imported_global(Mut.VAR),), globals=(glob(I32, GlobalGet(0)),)),
     "constant expression required", V2),
    ("const-global.get-3.0-sequential",
     Module(globals=(glob(I32, i32()), glob(I32, GlobalGet(0)))),
     Module(globals=(glob(I32, GlobalGet(1)), glob(I32, i32()))), "unknown global", V3),
    ("extended-const", Module(globals=(glob(I32, i32(), i32(), Binop(I32, BinOp.ADD)),)),
     Module(globals=(glob(I32, i32(), i32(), Binop(I32, BinOp.DIV_S)),)),
     "constant expression required", V3),
    ("valid-data-offset", Module(mems=(mem(1),), datas=(Data(b"", Active(0, (i32(),))),)),
     Module(mems=(mem(1),), globals=(glob(I32, i32()),),
            datas=(Data(b"", Active(0, (GlobalGet(0),))),)), "unknown global", V2),
    ("valid-datamode", Module(mems=(mem(1),), datas=(Data(b"", Active(0, (i32(),))),)),
     Module(datas=(Data(b"", Active(0, (i32(),))),)), "unknown memory 0", V2),
    ("valid-elemmode", Module(tables=(table(1),), elems=(Elem(FUNCREF, (), Active(0, (i32(),))),)),
     Module(tables=(table(1),), elems=(Elem(FUNCREF, (), Active(0, (Const(I64, 0),))),)),
     "type mismatch", V2),
    ("valid-elem-reftype", Module(tables=(table(1, rt=EXTERNREF),),
                                  elems=(Elem(EXTERNREF, (), Active(0, (i32(),))),)),
     Module(tables=(table(1, rt=EXTERNREF),), elems=(Elem(FUNCREF, (), Active(0, (i32(),))),)),
     "type mismatch", V2),
    ("valid-elem-init", Module(elems=(Elem(EXTERNREF, ((RefNull(AbsHeapType.EXTERN),),), PASSIVE),)),
     Module(elems=(Elem(EXTERNREF, ((RefNull(AbsHeapType.FUNC),),), PASSIVE),)),
     "type mismatch", V2),
    ("valid-memtype", Module(mems=(mem(0, 65536),)), Module(mems=(mem(0, 65537),)),
     "memory size must be at most 65536 pages (4GiB)", V2),
    ("valid-memtype-min", Module(mems=(mem(65536),)), Module(mems=(mem(65537),)),
     "memory size must be at most 65536 pages (4GiB)", V2),
    ("valid-limits", Module(mems=(mem(1, 1),)), Module(mems=(mem(2, 1),)),
     "size minimum must not be greater than maximum", V2),
    ("valid-tabletype", Module(tables=(table(0, 2**32 - 1),)), Module(tables=(table(0, 2**32),)),
     "table size must be at most 2^32-1", V2),
    ("valid-tabletype-limits", Module(tables=(table(1, 2),)), Module(tables=(table(3, 2),)),
     "size minimum must not be greater than maximum", V2),
    ("multiple-memories", Module(mems=(mem(0),)), Module(mems=(mem(0), mem(0))),
     "multiple memories", V2),
    ("multiple-memories-import",
     Module(imports=(Import("m", "mem", ExternMem(MemType(AddrType.I32, Limits(0)))),)),
     Module(imports=(Import("m", "mem", ExternMem(MemType(AddrType.I32, Limits(0)))),),
            mems=(mem(0),)), "multiple memories", V2),
    ("multiple-tables-1.0", Module(tables=(table(0),)), Module(tables=(table(0), table(0))),
     "multiple tables", V1),
    ("valid-import-func", Module(types=(EMPTY,), imports=(Import("m", "f", ExternFunc(TypeIdx(0))),)),
     Module(types=(EMPTY,), imports=(Import("m", "f", ExternFunc(TypeIdx(1))),)),
     "unknown type", V2),
    ("valid-import-table", Module(imports=(Import("m", "t", ExternTable(table(1).tabletype)),)),
     Module(imports=(Import("m", "t", ExternTable(table(2, 1).tabletype)),)),
     "size minimum must not be greater than maximum", V2),
    ("valid-func", Module(types=(EMPTY,), funcs=(func(0),)), Module(types=(EMPTY,), funcs=(func(1),)),
     "unknown type", V2),
    ("valid-start", Module(types=(EMPTY,), funcs=(func(0),), start=Start(0)),
     Module(types=(Type(plain_functype(FuncType((I32,), ()))),), funcs=(func(0),), start=Start(0)),
     "start function", V2),
    ("valid-start-index", Module(types=(EMPTY,), funcs=(func(0),), start=Start(0)),
     Module(types=(EMPTY,), funcs=(func(0),), start=Start(1)), "unknown function", V2),
    ("valid-export", Module(mems=(mem(0),), exports=(export("m", ExternKind.MEM, 0),)),
     Module(exports=(export("m", ExternKind.MEM, 0),)), "unknown memory 0", V2),
    ("valid-export-global", Module(globals=(glob(I32, i32()),), exports=(export("g", ExternKind.GLOBAL, 0),)),
     Module(exports=(export("g", ExternKind.GLOBAL, 0),)), "unknown global 0", V2),
    ("duplicate-export", Module(types=(EMPTY,), funcs=(func(0),),
                                exports=(export("a", ExternKind.FUNC, 0), export("b", ExternKind.FUNC, 0))),
     Module(types=(EMPTY,), funcs=(func(0),),
            exports=(export("a", ExternKind.FUNC, 0), export("a", ExternKind.FUNC, 0))),
     "duplicate export name", V2),
    ("ref.func-declared-by-global",
     Module(types=(EMPTY,), funcs=(func(0, RefFunc(0), Drop()),),
            globals=(Global(GlobalType(Mut.CONST, FUNCREF), (RefFunc(0),)),)),
     Module(types=(EMPTY,), funcs=(func(0, Block(None, (RefFunc(0),))),)),
     "undeclared function reference", V2),
    ("ref.func-3.0-non-null",
     Module(types=(EMPTY,), funcs=(func(0),),
            elems=(Elem(RefType(False, AbsHeapType.FUNC), ((RefFunc(0),),), PASSIVE),)),
     Module(types=(EMPTY,), funcs=(func(0),),
            elems=(Elem(RefType(False, AbsHeapType.FUNC), ((RefNull(AbsHeapType.FUNC),),), PASSIVE),)),
     "type mismatch", V3),
    ("result-arity-1.0", Module(types=(Type(plain_functype(FuncType((), (I32,)))),)),
     Module(types=(Type(plain_functype(FuncType((), (I32, I32)))),)), "invalid result arity", V1),
    ("v128-needs-simd", Module(globals=(glob(I32, i32()),)),
     Module(types=(Type(plain_functype(FuncType((VecType.V128,), ()))),)), "type mismatch", V1),
]


@pytest.mark.parametrize(("rule", "good", "bad", "message", "features"), CASES,
                         ids=[c[0] for c in CASES])
def test_module_rule(rule: str, good: Module, bad: Module, message: str, features: Features) -> None:
    validate_module(good, features)
    with pytest.raises(InvalidError) as info:
        validate_module(bad, features)
    assert info.value.message.startswith(message), info.value.message


def test_memory_init_without_datacount_in_text_module() -> None:
    """A text module (``datacount=None``) may use ``memory.init``: the text format always
    provides the data count."""
    module = Module(
        types=(EMPTY,), mems=(mem(1),), datas=(Data(b"ab", PASSIVE),),
        funcs=(func(0, i32(), i32(), i32(), MemoryInit(0, 0)),),
    )
    validate_module(module)
    with pytest.raises(InvalidError, match="unknown data segment 1"):
        validate_module(Module(**{**{n: getattr(module, n) for n in Module.__dataclass_fields__},
                                  "funcs": (func(0, i32(), i32(), i32(), MemoryInit(0, 1)),)}))


def test_a_global_sees_the_globals_before_it_not_itself_3_0() -> None:
    before = Module(globals=(glob(I32, i32(7)), glob(I32, GlobalGet(0)), glob(I32, GlobalGet(1))))
    validate_module(before, V3)
    itself = Module(globals=(glob(I32, i32(7)), glob(I32, GlobalGet(1))))
    with pytest.raises(InvalidError, match="^unknown global 1$"):
        validate_module(itself, V3)


def test_prefix_of_globals_is_a_sequence_view() -> None:
    from refwasm.validation.context import Prefix

    view = Prefix((1, 2, 3, 4), 2)
    assert len(view) == 2
    assert list(view) == [1, 2]
    assert view[-1] == 2
    assert view[0:5] == (1, 2)
    with pytest.raises(IndexError):
        view[2]


def test_functions_sharing_locals_get_the_context_of_their_own_type() -> None:
    """Body contexts are kept per (type, locals): the same locals under another type is
    another context (another ``return``)."""
    shared = (I64,)
    ret_i32 = Type(plain_functype(FuncType((), (I32,))))
    module = Module(
        types=(EMPTY, ret_i32),
        funcs=(Func(0, shared, ()), Func(1, shared, (i32(),)), Func(0, shared, ())),
    )
    validate_module(module)
    bad = Module(types=(EMPTY, ret_i32), funcs=(Func(0, shared, ()), Func(1, shared, ())))
    with pytest.raises(InvalidError, match="^type mismatch$"):
        validate_module(bad)
