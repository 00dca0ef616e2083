"""Validation never fails except with ``InvalidError``, on any module, however malformed its
code: random syntax trees (every instruction shape of 2.0, immediates out of range included,
operators at wrong types, deep nesting), and mutated binaries the decoder accepts.

A third property compares verdicts with wasmtime's validator (configured to 2.0) on random
modules: the two must agree on validity.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from refwasm.errors import InvalidError, WasmError
from refwasm.features import Features
from refwasm.syntax import (
    DECLARE,
    EXTERNREF,
    FUNCREF,
    PASSIVE,
    AbsHeapType,
    Active,
    AddrType,
    BinOp,
    Binop,
    Block,
    BlockType,
    Br,
    BrIf,
    BrTable,
    Call,
    CallIndirect,
    Const,
    CvtOp,
    Cvtop,
    Data,
    DataDrop,
    Drop,
    Elem,
    ElemDrop,
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
    GlobalSet,
    GlobalType,
    If,
    Import,
    Instr,
    Limits,
    Load,
    LoadPack,
    LocalGet,
    LocalSet,
    LocalTee,
    Loop,
    Mem,
    MemArg,
    MemoryCopy,
    MemoryFill,
    MemoryGrow,
    MemoryInit,
    MemorySize,
    MemType,
    Module,
    Mut,
    Nop,
    NumType,
    RefFunc,
    RefIsNull,
    RefNull,
    RelOp,
    Relop,
    Return,
    Select,
    Shape,
    Start,
    Store,
    Sx,
    Table,
    TableCopy,
    TableFill,
    TableGet,
    TableGrow,
    TableInit,
    TableSet,
    TableSize,
    TableType,
    Type,
    TypeIdx,
    UnOp,
    Unop,
    Unreachable,
    ValType,
    VBinOp,
    VBinop,
    VBitmask,
    VConst,
    VCvtOp,
    VCvtop,
    VecType,
    VExtBinOp,
    VExtbinop,
    VExtractLane,
    VExtUnOp,
    VExtunop,
    VLoad,
    VLoadLane,
    VLoadShape,
    VLoadSplat,
    VLoadZero,
    VNarrow,
    VRelOp,
    VRelop,
    VReplaceLane,
    VShiftOp,
    VShiftop,
    VShuffle,
    VSplat,
    VStore,
    VStoreLane,
    VSwizzlOp,
    VSwizzlop,
    VTestOp,
    VTestop,
    VUnOp,
    VUnop,
    VVBinOp,
    VVBinop,
    VVTernOp,
    VVTernop,
    VVTestOp,
    VVTestop,
    VVUnOp,
    VVUnop,
    plain_functype,
)
from refwasm.syntax import TestOp as NumTestOp
from refwasm.syntax import Testop as NumTestop
from refwasm.validation import validate_module

EXAMPLES = settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

VALTYPES: list[ValType] = [*NumType, VecType.V128, FUNCREF, EXTERNREF]
REFTYPES = [FUNCREF, EXTERNREF]
HEAPTYPES = [AbsHeapType.FUNC, AbsHeapType.EXTERN]


T = TypeVar("T")


class Bytes:
    """Choices read from one Hypothesis byte string: generating a module costs one draw, and
    shrinking the bytes shrinks the module.  Reading past the end yields zeros."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def int(self, n: int) -> int:
        """A choice in ``range(n)``."""
        byte = self.data[self.pos] if self.pos < len(self.data) else 0
        self.pos += 1
        return byte % n if n > 0 else 0

    def pick(self, items: list[T]) -> T:
        return items[self.int(len(items))]

    def idx(self) -> int:
        """An index, usually small, sometimes out of every range."""
        return self.pick([0, 0, 0, 0, 0, 1, 1, 2, 3, 2**32 - 1])

    def seq(self, make: Callable[[], T], most: int) -> tuple[T, ...]:
        return tuple(make() for _ in range(self.int(most + 1)))



def memarg(b: Bytes) -> MemArg:
    return MemArg(b.pick([0, 0, 1, 2, 3, 4, 5, 32]), b.pick([0, 1, 2**32 - 1]))


def blocktype(b: Bytes) -> BlockType:
    return b.pick([None, None, *VALTYPES, TypeIdx(0), TypeIdx(1), TypeIdx(5)])


# Every 2.0 instruction shape without nested code; immediates are drawn wide enough to be wrong.
PLAIN: list[Callable[[Bytes], Instr]] = [
    lambda b: b.pick([Nop(), Unreachable(), Drop(), Select(), Return(), RefIsNull()]),
    lambda b: Select(b.seq(lambda: b.pick(VALTYPES), 2)),
    lambda b: Br(b.idx()), lambda b: BrIf(b.idx()),
    lambda b: BrTable(b.seq(b.idx, 3), b.idx()),
    lambda b: Call(b.idx()), lambda b: CallIndirect(b.idx(), TypeIdx(b.idx())),
    lambda b: LocalGet(b.idx()), lambda b: LocalSet(b.idx()), lambda b: LocalTee(b.idx()),
    lambda b: GlobalGet(b.idx()), lambda b: GlobalSet(b.idx()),
    lambda b: b.pick([TableGet, TableSet, TableSize, TableGrow, TableFill])(b.idx()),
    lambda b: TableCopy(b.idx(), b.idx()), lambda b: TableInit(b.idx(), b.idx()),
    lambda b: ElemDrop(b.idx()),
    lambda b: Load(b.pick(list(NumType)),
                   b.pick([None, LoadPack(8, Sx.S), LoadPack(16, Sx.U), LoadPack(32, Sx.S)]),
                   b.idx(), memarg(b)),
    lambda b: Store(b.pick(list(NumType)), b.pick([None, 8, 16, 32]), b.idx(), memarg(b)),
    lambda b: VLoad(b.pick([None, VLoadSplat(8), VLoadSplat(64), VLoadZero(32),
                            VLoadShape(16, 4, Sx.U)]), b.idx(), memarg(b)),
    lambda b: VLoadLane(b.pick([8, 16, 32, 64]), b.idx(), memarg(b), b.int(18)),
    lambda b: VStoreLane(b.pick([8, 16, 32, 64]), b.idx(), memarg(b), b.int(18)),
    lambda b: VStore(b.idx(), memarg(b)),
    lambda b: b.pick([MemorySize, MemoryGrow, MemoryFill, DataDrop])(b.idx()),
    lambda b: MemoryCopy(b.idx(), b.idx()), lambda b: MemoryInit(b.idx(), b.idx()),
    lambda b: RefNull(b.pick(HEAPTYPES)), lambda b: RefFunc(b.idx()),
    lambda b: Const(b.pick(list(NumType)), 0),
    lambda b: Unop(b.pick(list(NumType)), b.pick(list(UnOp))),
    lambda b: Binop(b.pick(list(NumType)), b.pick(list(BinOp))),
    lambda b: NumTestop(b.pick(list(NumType)), NumTestOp.EQZ),
    lambda b: Relop(b.pick(list(NumType)), b.pick(list(RelOp))),
    lambda b: Cvtop(b.pick(list(NumType)), b.pick(list(NumType)), b.pick(list(CvtOp))),
    lambda b: b.pick([VConst(0), VVUnop(VVUnOp.NOT), VVBinop(VVBinOp.AND),
                      VVTernop(VVTernOp.BITSELECT), VVTestop(VVTestOp.ANY_TRUE)]),
    lambda b: VUnop(b.pick(list(Shape)), b.pick(list(VUnOp))),
    lambda b: VBinop(b.pick(list(Shape)), b.pick(list(VBinOp))),
    lambda b: b.pick([VTestop(Shape.I8X16, VTestOp.ALL_TRUE), VBitmask(Shape.I32X4),
                      VRelop(Shape.F32X4, VRelOp.LT), VShiftop(Shape.I64X2, VShiftOp.SHR_S),
                      VSwizzlop(VSwizzlOp.SWIZZLE), VNarrow(Shape.I8X16, Shape.I16X8, Sx.U),
                      VExtunop(Shape.I16X8, Shape.I8X16, VExtUnOp.EXTADD_PAIRWISE_S),
                      VExtbinop(Shape.I64X2, Shape.I32X4, VExtBinOp.EXTMUL_LOW_U),
                      VCvtop(Shape.F32X4, Shape.I32X4, VCvtOp.CONVERT_S)]),
    lambda b: VSplat(b.pick(list(Shape))),
    lambda b: VExtractLane(b.pick(list(Shape)), b.pick([None, Sx.S]), b.int(18)),
    lambda b: VReplaceLane(b.pick(list(Shape)), b.int(18)),
    lambda b: VShuffle(tuple(b.int(34) for _ in range(b.pick([16, 16, 15, 17])))),
]


def instrs(b: Bytes, depth: int) -> tuple[Instr, ...]:
    """An instruction sequence nesting at most ``depth`` blocks."""
    out: list[Instr] = []
    for _ in range(b.int(6)):
        kind = b.int(len(PLAIN) + 3) - len(PLAIN)
        if kind < 0 or depth == 0:
            out.append(b.pick(PLAIN)(b))
        elif kind == 0:
            out.append(Block(blocktype(b), instrs(b, depth - 1)))
        elif kind == 1:
            out.append(Loop(blocktype(b), instrs(b, depth - 1)))
        else:
            out.append(If(blocktype(b), instrs(b, depth - 1), instrs(b, depth - 1)))
    return tuple(out)


def const_expr(b: Bytes) -> tuple[Instr, ...]:
    return b.pick([
        lambda: (Const(b.pick(list(NumType)), 0),), lambda: (GlobalGet(b.idx()),),
        lambda: (RefFunc(b.idx()),), lambda: (RefNull(b.pick(HEAPTYPES)),),
        lambda: (VConst(0),), lambda: instrs(b, 0),
    ])()


def limits(b: Bytes) -> Limits:
    return Limits(b.pick([0, 0, 1, 1, 2, 2, 2, 65536, 65537, 2**32]),
                  b.pick([None, None, None, None, 2, 3, 3, 1, 65536, 65537, 2**32 - 1, 2**32]))


def module_from(b: Bytes) -> Module:
    """A module of 2.0 shape whose indices and types are mostly, not always, consistent."""
    valtypes = lambda: b.seq(lambda: b.pick(VALTYPES), 2)  # noqa: E731
    types = (Type(plain_functype(FuncType((), ()))),) + b.seq(
        lambda: Type(plain_functype(FuncType(valtypes(), valtypes()))), 3)
    imports = b.seq(lambda: b.pick([
        lambda: Import("m", "f", ExternFunc(TypeIdx(b.int(len(types) + 1)))),
        lambda: Import("m", "g", ExternGlobal(GlobalType(b.pick(list(Mut)), b.pick(VALTYPES)))),
        lambda: Import("m", "t", ExternTable(TableType(AddrType.I32, limits(b), b.pick(REFTYPES)))),
        lambda: Import("m", "m", ExternMem(MemType(AddrType.I32, limits(b)))),
    ])(), 2)
    funcs = b.seq(lambda: Func(b.int(len(types) + 1), valtypes(), instrs(b, 4)), 3)
    globals_ = b.seq(lambda: Global(GlobalType(b.pick(list(Mut)), b.pick(VALTYPES)),
                                    const_expr(b)), 2)
    mems = b.seq(lambda: Mem(MemType(AddrType.I32, limits(b))), 2)
    tables = b.seq(lambda: Table(TableType(AddrType.I32, limits(b), b.pick(REFTYPES))), 2)
    mode = lambda: b.pick([lambda: PASSIVE, lambda: DECLARE,  # noqa: E731
                           lambda: Active(b.idx(), const_expr(b))])()
    elems = b.seq(lambda: Elem(b.pick(REFTYPES), b.seq(lambda: const_expr(b), 2), mode()), 2)
    datas = b.seq(lambda: Data(b"x", b.pick([lambda: PASSIVE,
                                             lambda: Active(b.idx(), const_expr(b))])()), 2)
    kinds = [ExternKind.FUNC, ExternKind.TABLE, ExternKind.MEM, ExternKind.GLOBAL]
    exports = b.seq(lambda: Export(b.pick(["a", "b"]), ExternIdx(b.pick(kinds), b.idx())), 2)
    start = b.pick([None, None, Start(0), Start(1)])
    return Module(types=types, imports=imports, globals=globals_, mems=mems, tables=tables,
                  funcs=funcs, datas=datas, elems=elems, start=start, exports=exports)


modules = st.binary(max_size=600).map(lambda data: module_from(Bytes(data)))

VERSIONS = [Features.for_version("1.0"), Features.for_version("2.0")]


@EXAMPLES
@given(modules, st.sampled_from(VERSIONS))
def test_random_syntax_trees_raise_only_invalid(module: Module, features: Features) -> None:
    """Validation either succeeds or raises ``InvalidError`` (never another exception)."""
    try:
        validate_module(module, features)
    except InvalidError:
        pass


@EXAMPLES
@given(modules, st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=4))
def test_mutated_binaries_raise_only_invalid(
    module: Module, mutations: list[tuple[int, int]]
) -> None:
    """Bytes through the decoder: whatever decodes validates or raises ``InvalidError``."""
    binary = pytest.importorskip("refwasm.binary", reason="the binary codec is not written yet")
    try:
        data = bytearray(binary.encode_module(module))
    except (WasmError, ValueError):  # no encoding for this tree (e.g. an operator at a wrong type)
        return
    for position, value in mutations:
        data[8 + position % max(1, len(data) - 8)] = value
    try:
        decoded = binary.decode_module(bytes(data))
    except WasmError:
        return
    try:
        validate_module(decoded)
    except InvalidError:
        pass


@pytest.fixture(scope="module")
def wasmtime_engine() -> Any:
    """wasmtime with the proposals after 2.0 switched off (extended constants cannot be).
    Module-scoped, so that it is released before the interpreter shuts down."""
    wasmtime = pytest.importorskip("wasmtime")
    config = wasmtime.Config()
    for proposal in ("multi_memory", "memory64", "tail_call", "gc", "function_references",
                     "relaxed_simd", "threads", "exceptions", "wide_arithmetic",
                     "custom_page_sizes"):
        try:  # the settings are write-only properties; older wasmtimes lack some
            setattr(config, f"wasm_{proposal}", False)
        except AttributeError:
            pass
    return wasmtime.Engine(config)


def _uses_extended_const(module: Module) -> bool:
    """wasmtime always accepts extended constant expressions; 2.0 does not."""
    exprs = [g.init for g in module.globals]
    exprs += [e for seg in module.elems for e in seg.init]
    exprs += [seg.mode.offset for seg in (*module.elems, *module.datas) if isinstance(seg.mode, Active)]
    return any(len(expr) > 1 for expr in exprs)


@pytest.mark.peer
@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(modules)
def test_validity_agrees_with_wasmtime(wasmtime_engine: Any, module: Module) -> None:
    """refwasm and wasmtime (2.0 configuration) agree on whether an encodable module is valid."""
    wasmtime = pytest.importorskip("wasmtime")
    binary = pytest.importorskip("refwasm.binary", reason="the binary codec is not written yet")
    v2 = Features.for_version("2.0")  # wasmtime's configuration (refwasm's default is 3.0)
    try:
        data = binary.encode_module(module, v2)
        decoded = binary.decode_module(data, v2)
    except (WasmError, ValueError):  # no encoding for this tree, or not decodable as encoded
        return
    if _uses_extended_const(decoded):
        return
    try:
        validate_module(decoded, v2)
        ours = "valid"
    except InvalidError as e:
        ours = f"invalid: {e.message}"
    try:
        wasmtime.Module.validate(wasmtime_engine, data)
        theirs = "valid"
    except wasmtime.WasmtimeError as e:
        theirs = f"invalid: {str(e).splitlines()[0]}"
    assert (ours == "valid") == (theirs == "valid"), (ours, theirs)



def _shared_modules() -> st.SearchStrategy[Module] | None:
    """The project's shared strategy of arbitrary 2.0-shaped modules (helper A's), if present."""
    try:
        from syntax_strategies import modules as shared  # type: ignore[import-not-found]
    except ImportError:
        return None
    strategy: st.SearchStrategy[Module] = shared()
    return strategy


SHARED_MODULES = _shared_modules()


@pytest.mark.skipif(SHARED_MODULES is None, reason="properties/syntax_strategies.py is missing")
@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.nothing() if SHARED_MODULES is None else SHARED_MODULES)
def test_shared_strategy_modules_raise_only_invalid(module: Module) -> None:
    """The shared ``modules()`` strategy too: validation succeeds or raises ``InvalidError``."""
    try:
        validate_module(module)
    except InvalidError:
        pass
