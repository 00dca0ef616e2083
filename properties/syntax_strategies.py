"""Hypothesis strategies for ARBITRARY abstract syntax trees (Wasm 2.0 shape).

The trees are well formed as syntax (every instruction is one the 2.0 binary and text formats
can write, indices fit in a ``u32``, constants in their bit width) but need not validate:
indices point anywhere, operand types do not match.  That is what the format round trips
(binary, text) need.  Main strategy: ``modules()`` (``modules(max_items=1)`` for small ones);
parts: ``instrs()``, ``plain_instrs()``, ``exprs()``, ``valtypes()``, ``reftypes()``,
``blocktypes()``, ``memargs()``, ``limits()``, ``funcs()``, ``elems()``, ``datas()`` and the
strategy constants ``u32s``, ``names``.  Modules carry custom sections (``Module.customs``),
which the text format cannot write: a text round trip should drop them before comparing.

The instruction set is taken from the binary opcode tables, so a newly added opcode is
generated without touching this file.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from hypothesis import strategies as st

from refwasm.binary.decode import SECTION_ORDER, TAG_SECTION_ID
from refwasm.binary.opcodes import FC_OPCODES, FD_OPCODES, OPCODES, Imm, Op
from refwasm.features import Features
from refwasm.syntax import (
    DECLARE,
    EXTERNREF,
    FUNCREF,
    PASSIVE,
    AbsHeapType,
    Active,
    AddrType,
    Block,
    BrTable,
    CallIndirect,
    Const,
    Custom,
    Data,
    DataDrop,
    Elem,
    ElemDrop,
    Export,
    ExternFunc,
    ExternGlobal,
    ExternIdx,
    ExternKind,
    ExternMem,
    ExternTable,
    ExternType,
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
    NumType,
    RefFunc,
    RefNull,
    RefType,
    Select,
    Start,
    Store,
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
    ValType,
    VConst,
    VecType,
    VExtractLane,
    VLoad,
    VLoadLane,
    VReplaceLane,
    VShuffle,
    VStore,
    VStoreLane,
    plain_functype,
)
from refwasm.syntax import instructions as ins

U32_MAX = (1 << 32) - 1

# Hypothesis favours small values and the bounds: the interesting indices and LEB128 sizes.
u32s = st.integers(0, U32_MAX)
names = st.text(max_size=8)
byte_strings = st.binary(max_size=16)


@functools.cache
def valtypes() -> st.SearchStrategy[ValType]:
    """``valtype`` of 2.0: numbers, ``v128``, ``funcref``, ``externref``."""
    return st.sampled_from([NumType.I32, NumType.I64, NumType.F32, NumType.F64,
                            VecType.V128, FUNCREF, EXTERNREF])  # fmt: skip


@functools.cache
def reftypes() -> st.SearchStrategy[RefType]:
    return st.sampled_from([FUNCREF, EXTERNREF])


@functools.cache
def heaptypes() -> st.SearchStrategy[AbsHeapType]:
    return st.sampled_from([AbsHeapType.FUNC, AbsHeapType.EXTERN])


@functools.cache
def blocktypes() -> st.SearchStrategy[Any]:
    """``blocktype``: empty, one value type, or a type index."""
    return st.one_of(st.none(), valtypes(), u32s.map(TypeIdx))


@functools.cache
def memargs() -> st.SearchStrategy[MemArg]:
    """``memarg`` (2.0 binary: alignment exponent below 32)."""
    return st.builds(MemArg, st.integers(0, 31), u32s)


@functools.cache
def limits() -> st.SearchStrategy[Limits]:
    return st.builds(Limits, u32s, st.none() | u32s)


@functools.cache
def tabletypes() -> st.SearchStrategy[TableType]:
    return st.builds(TableType, st.just(AddrType.I32), limits(), reftypes())


@functools.cache
def memtypes() -> st.SearchStrategy[MemType]:
    return st.builds(MemType, st.just(AddrType.I32), limits())


@functools.cache
def globaltypes() -> st.SearchStrategy[GlobalType]:
    return st.builds(GlobalType, st.sampled_from(list(Mut)), valtypes())


@functools.cache
def functypes() -> st.SearchStrategy[FuncType]:
    vts = st.lists(valtypes(), max_size=3).map(tuple)
    return st.builds(FuncType, vts, vts)


lanes = st.integers(0, 255)


def _with_immediates(op: Op) -> st.SearchStrategy[Instr] | None:
    """An instruction of one opcode table entry with arbitrary immediates (``None`` for the
    structured ones, built recursively by ``instrs``, and for the prefixes)."""
    s = op.static
    strategies: dict[Imm, Callable[[], st.SearchStrategy[Any]]] = {
        Imm.PLAIN: lambda: st.just(s[0]),
        Imm.BR: lambda: u32s.map(ins.Br),
        Imm.BR_IF: lambda: u32s.map(ins.BrIf),
        Imm.BR_TABLE: lambda: st.builds(BrTable, st.lists(u32s, max_size=4).map(tuple), u32s),
        Imm.CALL: lambda: u32s.map(ins.Call),
        Imm.CALL_INDIRECT: lambda: st.builds(CallIndirect, u32s, u32s.map(TypeIdx)),
        # At least one type: the text format cannot write ``select`` with an empty list.
        Imm.SELECT_T: lambda: st.lists(valtypes(), min_size=1, max_size=2).map(
            lambda ts: Select(tuple(ts))),
        Imm.LOCAL_GET: lambda: u32s.map(LocalGet),
        Imm.LOCAL_SET: lambda: u32s.map(LocalSet),
        Imm.LOCAL_TEE: lambda: u32s.map(LocalTee),
        Imm.GLOBAL_GET: lambda: u32s.map(GlobalGet),
        Imm.GLOBAL_SET: lambda: u32s.map(GlobalSet),
        Imm.TABLE_GET: lambda: u32s.map(TableGet),
        Imm.TABLE_SET: lambda: u32s.map(TableSet),
        Imm.TABLE_SIZE: lambda: u32s.map(TableSize),
        Imm.TABLE_GROW: lambda: u32s.map(TableGrow),
        Imm.TABLE_FILL: lambda: u32s.map(TableFill),
        Imm.TABLE_COPY: lambda: st.builds(TableCopy, u32s, u32s),
        Imm.TABLE_INIT: lambda: st.builds(TableInit, u32s, u32s),
        Imm.ELEM_DROP: lambda: u32s.map(ElemDrop),
        Imm.LOAD: lambda: memargs().map(lambda m: Load(s[0], s[1], 0, m)),
        Imm.STORE: lambda: memargs().map(lambda m: Store(s[0], s[1], 0, m)),
        Imm.MEMORY_SIZE: lambda: st.just(MemorySize(0)),
        Imm.MEMORY_GROW: lambda: st.just(MemoryGrow(0)),
        Imm.MEMORY_INIT: lambda: u32s.map(lambda x: MemoryInit(0, x)),
        Imm.DATA_DROP: lambda: u32s.map(DataDrop),
        Imm.MEMORY_COPY: lambda: st.just(MemoryCopy(0, 0)),
        Imm.MEMORY_FILL: lambda: st.just(MemoryFill(0)),
        Imm.REF_NULL: lambda: heaptypes().map(RefNull),
        Imm.REF_FUNC: lambda: u32s.map(RefFunc),
        Imm.CONST: lambda: _consts(s[0]),
        Imm.VLOAD: lambda: memargs().map(lambda m: VLoad(s[0], 0, m)),
        Imm.VSTORE: lambda: memargs().map(lambda m: VStore(0, m)),
        Imm.VLOAD_LANE: lambda: st.builds(
            lambda m, x: VLoadLane(s[0], 0, m, x), memargs(), lanes),
        Imm.VSTORE_LANE: lambda: st.builds(
            lambda m, x: VStoreLane(s[0], 0, m, x), memargs(), lanes),
        Imm.VCONST: lambda: st.integers(0, (1 << 128) - 1).map(VConst),
        Imm.VSHUFFLE: lambda: st.lists(lanes, min_size=16, max_size=16).map(
            lambda x: VShuffle(tuple(x))),
        Imm.VEXTRACT_LANE: lambda: lanes.map(lambda x: VExtractLane(s[0], s[1], x)),
        Imm.VREPLACE_LANE: lambda: lanes.map(lambda x: VReplaceLane(s[0], x)),
    }  # fmt: skip
    make = strategies.get(op.imm)
    return None if make is None else make()


@functools.cache
def _consts(nt: NumType) -> st.SearchStrategy[Const]:
    top = (1 << nt.bits) - 1
    return st.one_of(st.integers(0, 3), st.integers(top - 3, top),
                     st.integers(0, top)).map(lambda bits: Const(nt, bits))  # fmt: skip


@functools.cache
def plain_instrs() -> st.SearchStrategy[Instr]:
    """Every non-structured 2.0 instruction, with arbitrary immediates.

    The ~400 opcodes without immediates are one ``sampled_from`` (cheap to draw); the others
    get a strategy each.
    """
    wasm_2_0 = Features.for_version("2.0")  # the tables also hold 3.0 opcodes behind flags
    ops = [
        op
        for table in (OPCODES, FC_OPCODES, FD_OPCODES)
        for op in table.values()
        if op.feature is None or getattr(wasm_2_0, op.feature, False)
    ]
    fixed = [op.static[0] for op in ops if op.imm is Imm.PLAIN]
    with_immediates = [
        strategy
        for op in ops
        if op.imm is not Imm.PLAIN and (strategy := _with_immediates(op)) is not None
    ]
    return st.one_of(st.sampled_from(fixed), *with_immediates)


@functools.cache
def instrs(max_leaves: int = 12) -> st.SearchStrategy[Instr]:
    """Any instruction, structured ones nested (``block``, ``loop``, ``if``)."""

    def nest(inner: st.SearchStrategy[Instr]) -> st.SearchStrategy[Instr]:
        body = st.lists(inner, max_size=3).map(tuple)
        return st.one_of(
            st.builds(Block, blocktypes(), body),
            st.builds(Loop, blocktypes(), body),
            st.builds(If, blocktypes(), body, body),
        )

    return st.recursive(plain_instrs(), nest, max_leaves=max_leaves)


@functools.cache
def exprs(max_size: int = 4) -> st.SearchStrategy[tuple[Instr, ...]]:
    """``expr``: an instruction sequence (without its ``end``)."""
    return st.lists(instrs(), max_size=max_size).map(tuple)


@functools.cache
def externtypes() -> st.SearchStrategy[ExternType]:
    return st.one_of(
        u32s.map(lambda x: ExternFunc(TypeIdx(x))),
        tabletypes().map(ExternTable),
        memtypes().map(ExternMem),
        globaltypes().map(ExternGlobal),
    )


@functools.cache
def elems() -> st.SearchStrategy[Elem]:
    """Element segments in every mode; inits of ``ref.func`` alone or arbitrary expressions."""
    funcidx_inits = st.lists(u32s.map(lambda x: (RefFunc(x),)), max_size=3)
    inits = st.one_of(funcidx_inits, st.lists(exprs(2), max_size=2)).map(tuple)
    modes = st.one_of(st.builds(Active, u32s, exprs(2)), st.just(PASSIVE), st.just(DECLARE))
    return st.builds(Elem, reftypes(), inits, modes)


@functools.cache
def datas() -> st.SearchStrategy[Data]:
    modes = st.one_of(st.builds(Active, u32s, exprs(2)), st.just(PASSIVE))
    return st.builds(Data, byte_strings, modes)


@functools.cache
def funcs() -> st.SearchStrategy[Func]:
    return st.builds(Func, u32s, st.lists(valtypes(), max_size=4).map(tuple), exprs(6))


@functools.cache
def _customs(has_start: bool) -> st.SearchStrategy[tuple[Custom, ...]]:
    """Custom sections in section order (as decoding reports them); a custom "after" the start
    section needs one, since an empty start section cannot be written; none after the tag
    section, which 2.0 modules do not have."""
    afters = [0, *(i for i in SECTION_ORDER if (i != 8 or has_start) and i != TAG_SECTION_ID)]
    custom = st.builds(Custom, names, byte_strings, st.sampled_from(afters))
    return st.lists(custom, max_size=3).map(
        lambda cs: tuple(sorted(cs, key=lambda c: afters.index(c.after)))
    )


@functools.cache
def _module_parts(max_items: int) -> dict[str, st.SearchStrategy[Any]]:
    """The strategies of a module's fields, built once (building them per draw is slow)."""
    kinds = [ExternKind.FUNC, ExternKind.TABLE, ExternKind.MEM, ExternKind.GLOBAL]
    return {
        "types": st.lists(functypes().map(lambda ft: Type(plain_functype(ft))), max_size=max_items),
        "imports": st.lists(st.builds(Import, names, names, externtypes()), max_size=max_items),
        "globals": st.lists(st.builds(Global, globaltypes(), exprs(2)), max_size=max_items),
        "mems": st.lists(memtypes().map(Mem), max_size=2),
        "tables": st.lists(tabletypes().map(Table), max_size=2),
        "funcs": st.lists(funcs(), max_size=max_items),
        "datas": st.lists(datas(), max_size=max_items),
        "elems": st.lists(elems(), max_size=max_items),
        "exports": st.lists(st.builds(
            Export, names, st.builds(ExternIdx, st.sampled_from(kinds), u32s)), max_size=max_items),
    }  # fmt: skip


@st.composite
def modules(draw: st.DrawFn, max_items: int = 3) -> Module:
    """An arbitrary 2.0-shaped module (not necessarily valid), at most ``max_items`` entries
    per section."""
    parts = {name: tuple(draw(strategy)) for name, strategy in _module_parts(max_items).items()}
    start = draw(st.none() | u32s.map(Start))
    return Module(
        **parts,
        start=start,
        customs=draw(_customs(start is not None)),
        # False would make a module using data.drop undecodable ("data count section
        # required"); None lets the encoder decide.
        datacount=draw(st.sampled_from([None, True])),
    )
