"""Preparation of function bodies into flat code (no spec counterpart: an implementation device).

A body's nested instruction sequences become one list of ``(handler, immediate)`` pairs.
``block``, ``loop`` and ``if`` carry the positions a branch to their label continues at, and an
``exit_label`` op marks each ``end``, so ``instructions.py`` can execute structured control by
jumps.  Index immediates are resolved here, once, against the function's module instance (the
spec's ``F.module.funcaddrs[x]`` and friends), and numeric operators become the closures of
``refwasm.numerics``.  The nesting is walked with an explicit stack: no Python recursion.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from refwasm.errors import crash, crash_unless
from refwasm.execution import instructions as ins
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
from refwasm.syntax.types import FuncType, TypeIdx


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

    def blocktype_arity(self, bt: BlockType) -> tuple[int, int]:
        """(parameter count, result count) of a block type (valid-blocktype)."""
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


def prepare_func(store: Store, f: WasmFuncInst) -> tuple[list[Op], list[Val]]:
    """The flat code of a function's body (ending in ``return``) and its locals' defaults."""
    code = flatten(f.code.body, Context(store, f.module))
    code.append((ins.exec_return, None))
    return code, [default_value(t) for t in f.code.locals]


def flatten(body: Expr, ctx: Context) -> list[Op]:
    """Lay out a nested instruction sequence as flat code with resolved branch targets."""
    code: list[Op] = []
    # Each entry: the instructions still to lay out at one nesting level, and what to do
    # when they are done (close the block: emit its end and patch its header).
    work: list[tuple[Iterator[Instr], Callable[[], None] | None]] = [(iter(body), None)]
    while work:
        it, finish = work[-1]
        instr = next(it, None)
        if instr is None:
            work.pop()
            if finish is not None:
                finish()
            continue
        match instr:
            case Block(bt, inner):
                work.append((iter(inner), open_block(code, ctx.blocktype_arity(bt))))
            case Loop(bt, inner):
                n, _ = ctx.blocktype_arity(bt)
                code.append((ins.exec_loop, (n, len(code))))
                work.append((iter(inner), close_loop(code)))
            case If(bt, then, else_):
                work.append((iter(then), open_if(code, ctx.blocktype_arity(bt), else_, work)))
            case _:
                code.append(prepare_instr(instr, ctx))
    return code


def open_block(code: list[Op], arity: tuple[int, int]) -> Callable[[], None]:
    """Emit a ``block`` header; the returned closure emits its end and patches the header."""
    at = len(code)
    code.append((ins.exec_nop, None))

    def finish() -> None:
        code.append((ins.exit_label, None))
        code[at] = (ins.exec_block, (arity[0], arity[1], len(code)))

    return finish


def close_loop(code: list[Op]) -> Callable[[], None]:
    """The end of a ``loop``: a branch to its label re-enters the loop header instead."""

    def finish() -> None:
        code.append((ins.exit_label, None))

    return finish


def open_if(
    code: list[Op],
    arity: tuple[int, int],
    else_: Expr,
    work: list[tuple[Iterator[Instr], Callable[[], None] | None]],
) -> Callable[[], None]:
    """Emit an ``if`` header; after the ``then`` code, lay out the ``else`` code, then patch."""
    at = len(code)
    code.append((ins.exec_nop, None))

    def finish_then() -> None:
        jump = len(code)
        code.append((ins.exec_nop, None))
        else_pc = len(code)

        def finish_else() -> None:
            code.append((ins.exit_label, None))
            cont = len(code)
            code[jump] = (ins.exit_then, cont)
            code[at] = (ins.exec_if, (arity[0], arity[1], else_pc, cont))

        work.append((iter(else_), finish_else))

    return finish_then


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
            return ins.exec_call_indirect, (ctx.table(x), ctx.functype(y))
        case CallRef(TypeIdx()):
            return ins.exec_call_ref, None
        case ReturnCall(x):
            return ins.exec_return_call, ctx.module.funcaddrs[x]
        case ReturnCallIndirect(x, TypeIdx(y)):
            return ins.exec_return_call_indirect, (ctx.table(x), ctx.functype(y))
        case ReturnCallRef(TypeIdx()):
            return ins.exec_return_call_ref, None
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
            return prepare_vector(instr)


def prepare_vector_memory(instr: VLoad | VLoadLane | VStore | VStoreLane, ctx: Context) -> Op:
    """The vector loads and stores (exec-load, exec-load-extend, -splat, -zero, -lane, store)."""
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

