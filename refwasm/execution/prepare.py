"""Preparation of function bodies into flat code (no spec counterpart: an implementation device).

A body's nested instruction sequences become one list of ``(handler, immediate)`` pairs.
``block``, ``loop`` and ``if`` carry the positions a branch to their label continues at, and an
``exit_label`` op marks each ``end``, so ``instructions.py`` can execute structured control by
jumps.  Index immediates are resolved here, once, against the function's module instance (the
spec's ``F.module.funcaddrs[x]`` and friends), and numeric operators become the closures of
``refwasm.numerics``.  The nesting is walked with an explicit stack: no Python recursion.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from typing import Any

from refwasm.errors import crash, crash_unless
from refwasm.execution import exceptions as exn
from refwasm.execution import instructions as ins
from refwasm.execution.gc import prepare_gc
from refwasm.execution.instructions import Op
from refwasm.execution.runtime import (
    DataInst,
    ElemInst,
    GlobalInst,
    MemInst,
    ModuleInst,
    Store,
    TableInst,
    WasmFuncInst,
    default_value,
)
from refwasm.execution.values import RefNullVal, Val
from refwasm.numerics import binop_fn, cvtop_fn, relop_fn, testop_fn, unop_fn
from refwasm.numerics.vector import vector_fn
from refwasm.syntax.gcpause import gc_paused
from refwasm.syntax.instructions import (
    Binop,
    Block,
    BlockType,
    Br,
    BrIf,
    BrOnNonNull,
    BrOnNull,
    BrTable,
    Call,
    CallIndirect,
    CallRef,
    Catch,
    CatchAllRef,
    CatchRef,
    Const,
    Cvtop,
    DataDrop,
    Drop,
    ElemDrop,
    Expr,
    GlobalGet,
    GlobalSet,
    If,
    Instr,
    Load,
    LocalGet,
    LocalSet,
    LocalTee,
    Loop,
    MemoryCopy,
    MemoryFill,
    MemoryGrow,
    MemoryInit,
    MemorySize,
    Nop,
    RefAsNonNull,
    RefFunc,
    RefIsNull,
    RefNull,
    Relop,
    Return,
    ReturnCall,
    ReturnCallIndirect,
    ReturnCallRef,
    Select,
    Sx,
    TableCopy,
    TableFill,
    TableGet,
    TableGrow,
    TableInit,
    TableSet,
    TableSize,
    Testop,
    Throw,
    ThrowRef,
    TryTable,
    Unop,
    Unreachable,
    VConst,
    VLoad,
    VLoadLane,
    VLoadShape,
    VLoadSplat,
    VLoadZero,
    VStore,
    VStoreLane,
)
from refwasm.syntax.instructions import (
    Store as StoreInstr,
)
from refwasm.syntax.modules import func_type_at
from refwasm.syntax.types import DefType, FuncType, TypeIdx, ValType


class Context:
    """What preparation resolves indices against: the store and the function's module."""

    def __init__(self, store: Store, module: ModuleInst) -> None:
        self.store = store
        self.module = module

    def functype(self, typeidx: int) -> FuncType:
        """The function type at a type index of the module (validation guarantees it)."""
        ft = func_type_at(self.module.types, typeidx)
        if ft is None:
            crash(f"type {typeidx} is not a function type")
        return ft

    def deftype(self, typeidx: int) -> DefType | None:
        """The defined type at a type index (3.0 indirect calls match by it)."""
        deftypes = self.module.deftypes
        return deftypes[typeidx] if 0 <= typeidx < len(deftypes) else None

    def blocktype_arity(self, bt: BlockType) -> tuple[int, int]:
        """``$blocktype_`` · ``valid-blocktype``: (parameter count, result count) of a block
        type."""
        if bt is None:
            return 0, 0
        if isinstance(bt, TypeIdx):
            ft = self.functype(bt.idx)
            return len(ft.params), len(ft.results)
        return 0, 1

    def table(self, x: int) -> TableInst:
        return self.store.tables[self.module.tableaddrs[x]]

    def mem(self, x: int) -> MemInst:
        return self.store.mems[self.module.memaddrs[x]]

    def glob(self, x: int) -> GlobalInst:
        return self.store.globals[self.module.globaladdrs[x]]

    def elem(self, x: int) -> ElemInst:
        return self.store.elems[self.module.elemaddrs[x]]

    def data(self, x: int) -> DataInst:
        return self.store.datas[self.module.dataaddrs[x]]

    def tagaddr(self, x: int) -> int:
        """``F.module.tagaddrs[x]`` (3.0)"""
        return self.module.tagaddrs[x]


@gc_paused
def prepare_func(store: Store, f: WasmFuncInst) -> tuple[list[Op], list[Val]]:
    """The flat code of a function's body (ending in ``return``) and its locals' defaults."""
    code = flatten(f.code.body, Context(store, f.module))
    code.append((ins.exec_return, None))
    return code, local_defaults(f.code.locals)


@functools.lru_cache(maxsize=32)
def local_defaults(locals_: tuple[ValType, ...]) -> list[Val]:
    """The default values of a function's locals (``$default_``), one list shared by the
    functions that declare the same locals: a module of many functions with 50,000 locals each
    keeps one list, not one per function.  Never mutated: a frame copies it."""
    return [default_value(t) for t in locals_]


# What ends a nesting level of ``flatten``'s work stack (compared by identity).
_TOP, _BLOCK, _LOOP, _THEN, _ELSE = "top", "block", "loop", "then", "else"
_TRY = "try_table"
# The op that ends a block's code: one shared tuple, as a body may hold millions of them.
EXIT_LABEL: Op = (ins.exit_label, None)
# Where a header goes until its end is known.
PENDING: Op = (ins.exec_nop, None)

# One nesting level being laid out: the instructions still to lay out, what kind of level it
# is, where its header is in the code, and what closing it needs (block type arities, then
# the ``else`` code of an ``if``, or the positions its ``then`` code ended at).
Level = tuple[Iterator[Instr], str, int, tuple[Any, ...]]


def flatten(body: Expr, ctx: Context) -> list[Op]:
    """Lay out a nested instruction sequence as flat code with resolved branch targets.

    The nesting is walked with an explicit stack of levels, in time and memory linear in the
    body (a million nested blocks are a million levels, not a million Python frames).
    """
    code: list[Op] = []
    work: list[Level] = [(iter(body), _TOP, 0, ())]
    while work:
        it, kind, at, extra = work[-1]
        instr = next(it, None)
        if instr is None:
            work.pop()
            close_level(code, work, kind, at, extra)
            continue
        if isinstance(instr, Block):
            code.append(PENDING)
            arities = ctx.blocktype_arity(instr.blocktype)
            work.append((iter(instr.body), _BLOCK, len(code) - 1, arities))
        elif isinstance(instr, Loop):
            n, _ = ctx.blocktype_arity(instr.blocktype)
            code.append((ins.exec_loop, (n, len(code))))
            work.append((iter(instr.body), _LOOP, len(code) - 1, ()))
        elif isinstance(instr, If):
            code.append(PENDING)
            n, m = ctx.blocktype_arity(instr.blocktype)
            work.append((iter(instr.then), _THEN, len(code) - 1, (n, m, instr.else_)))
        elif isinstance(instr, TryTable):
            code.append(PENDING)
            n, m = ctx.blocktype_arity(instr.blocktype)
            extra = (n, m, resolve_catches(instr, ctx))
            work.append((iter(instr.body), _TRY, len(code) - 1, extra))
        else:
            code.append(prepare_instr(instr, ctx))
    return code


def close_level(
    code: list[Op], work: list[Level], kind: str, at: int, extra: tuple[Any, ...]
) -> None:
    """The end of a nesting level: emit the block's end and patch its header; after an
    ``if``'s ``then`` code, a jump over the ``else`` code, which is laid out next."""
    if kind is _BLOCK:
        code.append(EXIT_LABEL)
        code[at] = (ins.exec_block, (extra[0], extra[1], len(code)))
    elif kind is _LOOP:
        # A branch to a loop's label re-enters the loop header, already in place.
        code.append(EXIT_LABEL)
    elif kind is _THEN:
        n, arity, else_ = extra
        code.append(PENDING)
        work.append((iter(else_), _ELSE, at, (n, arity, len(code) - 1, len(code))))
    elif kind is _TRY:
        code.append(EXIT_LABEL)
        code[at] = (exn.exec_try_table, (extra[0], extra[1], len(code), extra[2]))
    elif kind is _ELSE:
        n, arity, jump, else_pc = extra
        code.append(EXIT_LABEL)
        cont = len(code)
        code[jump] = (ins.exit_then, cont)
        code[at] = (ins.exec_if, (n, arity, else_pc, cont))


def resolve_catches(instr: TryTable, ctx: Context) -> tuple[exn.CatchAt, ...]:
    """A ``try_table``'s catch clauses with their tags resolved to addresses."""
    return tuple(
        exn.CatchAt(
            ctx.tagaddr(c.tag) if isinstance(c, Catch | CatchRef) else None,
            c.label,
            isinstance(c, CatchRef | CatchAllRef),
        )
        for c in instr.catches
    )


def prepare_instr(instr: Instr, ctx: Context) -> Op:
    """The handler and resolved immediate of one non-structured instruction."""
    match instr:
        case Nop():
            return ins.exec_nop, None
        case Unreachable():
            return ins.exec_unreachable, None
        case Drop():
            return ins.exec_drop, None
        case Select():
            return ins.exec_select, None
        case Br(l):
            return ins.exec_br, l
        case BrIf(l):
            return ins.exec_br_if, l
        case BrTable(ls, default):
            return ins.exec_br_table, (ls, default)
        case Return():
            return ins.exec_return, None
        case Call(x):
            return ins.exec_call, ctx.module.funcaddrs[x]
        case CallIndirect(x, TypeIdx(y)):
            return ins.exec_call_indirect, (ctx.table(x), ctx.functype(y), ctx.deftype(y))
        case CallRef(TypeIdx()):
            return ins.exec_call_ref, None
        case ReturnCall(x):
            return ins.exec_return_call, ctx.module.funcaddrs[x]
        case ReturnCallIndirect(x, TypeIdx(y)):
            return ins.exec_return_call_indirect, (ctx.table(x), ctx.functype(y), ctx.deftype(y))
        case ReturnCallRef(TypeIdx()):
            return ins.exec_return_call_ref, None
        case Throw(x):
            return exn.exec_throw, (ctx.tagaddr(x), len(ctx.store.tags[ctx.tagaddr(x)].type.params))
        case ThrowRef():
            return exn.exec_throw_ref, None
        case RefAsNonNull():
            return ins.exec_ref_as_non_null, None
        case BrOnNull(l):
            return ins.exec_br_on_null, l
        case BrOnNonNull(l):
            return ins.exec_br_on_non_null, l
        case LocalGet(x):
            return ins.exec_local_get, x
        case LocalSet(x):
            return ins.exec_local_set, x
        case LocalTee(x):
            return ins.exec_local_tee, x
        case GlobalGet(x):
            return ins.exec_global_get, ctx.glob(x)
        case GlobalSet(x):
            return ins.exec_global_set, ctx.glob(x)
        case TableGet(x):
            return ins.exec_table_get, ctx.table(x)
        case TableSet(x):
            return ins.exec_table_set, ctx.table(x)
        case TableSize(x):
            return ins.exec_table_size, ctx.table(x)
        case TableGrow(x):
            return ins.exec_table_grow, (ctx.store, ctx.table(x))
        case TableFill(x):
            return ins.exec_table_fill, ctx.table(x)
        case TableCopy(x, y):
            return ins.exec_table_copy, (ctx.table(x), ctx.table(y))
        case TableInit(x, y):
            return ins.exec_table_init, (ctx.table(x), ctx.elem(y))
        case ElemDrop(x):
            return ins.exec_elem_drop, ctx.elem(x)
        case Load(nt, None, x, memarg):
            return ins.exec_load, (ctx.mem(x), memarg.offset, nt.bits // 8)
        case Load(nt, pack, x, memarg) if pack is not None:
            if pack.sx is Sx.U:
                return ins.exec_load, (ctx.mem(x), memarg.offset, pack.sz // 8)
            return ins.exec_load_extend, (ctx.mem(x), memarg.offset, pack.sz // 8, nt.bits)
        case StoreInstr(nt, sz, x, memarg):
            n = (nt.bits if sz is None else sz) // 8
            return ins.exec_store, (ctx.mem(x), memarg.offset, n)
        case MemorySize(x):
            return ins.exec_memory_size, ctx.mem(x)
        case MemoryGrow(x):
            return ins.exec_memory_grow, (ctx.store, ctx.mem(x))
        case MemoryFill(x):
            return ins.exec_memory_fill, ctx.mem(x)
        case MemoryCopy(x, y):
            return ins.exec_memory_copy, (ctx.mem(x), ctx.mem(y))
        case MemoryInit(x, y):
            return ins.exec_memory_init, (ctx.mem(x), ctx.data(y))
        case DataDrop(x):
            return ins.exec_data_drop, ctx.data(x)
        case RefNull(ht):
            return ins.exec_ref_null, RefNullVal(ht)
        case RefIsNull():
            return ins.exec_ref_is_null, None
        case RefFunc(x):
            return ins.exec_ref_func, ctx.module.funcaddrs[x]
        case Const(_, bits):
            return ins.exec_const, bits
        case Unop(nt, op):
            return ins.exec_unop, unop_fn(nt, op)
        case Binop(nt, op):
            return ins.exec_binop, binop_fn(nt, op)
        case Testop(nt, op):
            return ins.exec_unop, testop_fn(nt, op)
        case Relop(nt, op):
            return ins.exec_binop, relop_fn(nt, op)
        case Cvtop(nt1, nt2, op):
            return ins.exec_unop, cvtop_fn(nt1, nt2, op)
        case VConst(bits):
            return ins.exec_const, bits
        case VLoad() | VLoadLane() | VStore() | VStoreLane():
            return prepare_vector_memory(instr, ctx)
        case _:
            return prepare_gc(instr, ctx) or prepare_vector(instr)


def prepare_vector_memory(instr: VLoad | VLoadLane | VStore | VStoreLane, ctx: Context) -> Op:
    """``Step_read/vload``, ``Step_read/vload_lane``, ``Step/vstore``, ``Step/vstore_lane`` ·
    ``exec-load``, ``exec-load-extend``: the vector loads and stores (also -splat, -zero, -lane)."""
    mem = ctx.mem(instr.mem)
    offset = instr.memarg.offset
    match instr:
        case VLoad(None):
            return ins.exec_load, (mem, offset, 16)
        case VLoad(VLoadShape(sz, lanes, sx)):
            return ins.exec_vload_extend, (mem, offset, sz, lanes, sx is Sx.S)
        case VLoad(VLoadSplat(sz)):
            return ins.exec_vload_splat, (mem, offset, sz)
        case VLoad(VLoadZero(sz)):
            return ins.exec_load, (mem, offset, sz // 8)
        case VLoadLane(sz, _, _, lane):
            return ins.exec_vload_lane, (mem, offset, sz, lane)
        case VStore():
            return ins.exec_store, (mem, offset, 16)
        case VStoreLane(sz, _, _, lane):
            return ins.exec_vstore_lane, (mem, offset, sz, lane)
    crash(f"not a vector memory instruction: {instr}")


VECTOR_HANDLERS: dict[int, ins.Handler] = {1: ins.exec_unop, 2: ins.exec_binop, 3: ins.exec_ternop}


def prepare_vector(instr: Instr) -> Op:
    """A pure vector instruction: its operator closure from ``refwasm.numerics.vector``.

    Anything else that reaches here is an instruction this interpreter does not execute yet:
    it implements 2.0, plus 3.0's tail calls, ``call_ref`` and the null tests; not exceptions
    or GC.
    """
    if not type(instr).__name__.startswith("V"):
        crash(f"instruction not supported by the 2.0 interpreter: {instr}")
    arity, fn = vector_fn(instr)
    crash_unless(arity in VECTOR_HANDLERS, f"vector arity {arity}")
    return VECTOR_HANDLERS[arity], fn

