"""Runtime structure (2.0 ``syntax-runtime``; SpecTec ``4.0-execution.configurations``).

The store holds every instance; addresses are indices into its lists.  Values are the exact bit
patterns and reference objects of ``values.py``.  Memory is a ``bytearray`` that never grows past
the store's memory budget: a grow that would exceed it fails like any other failed grow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from refwasm.errors import MEMORY_BUDGET_EXHAUSTED, ExhaustionError
from refwasm.execution.values import (
    ExternVal,
    Ref,
    RefExtern,
    RefFuncAddr,
    RefHostAddr,
    RefNullVal,
    Val,
)
from refwasm.syntax.modules import Func
from refwasm.syntax.types import (
    PAGE_SIZE,
    AbsHeapType,
    AddrType,
    FuncType,
    GlobalType,
    Limits,
    MemType,
    NumType,
    RefType,
    SubType,
    TableType,
    ValType,
    VecType,
)


def max_pages(addrtype: AddrType) -> int:
    """The most pages a memory can have: 2^16 (4 GiB) with i32 addresses, 2^48 with i64."""
    return 2**16 if addrtype is AddrType.I32 else 2**48


def max_table_size(addrtype: AddrType) -> int:
    """The most elements a table can have: 2^32 - 1 with i32 indices, 2^64 - 1 with i64."""
    return (1 << addrtype.bits) - 1


DEFAULT_MAX_CALL_DEPTH = 20_000
DEFAULT_MEMORY_BUDGET = 1 << 30
TABLE_ELEMENT_SIZE = 8  # what one table element counts against the memory budget



class EmbedderError(Exception):
    """An error of the embedder, not a Wasm outcome (the embedding appendix's "error"): an
    unknown export name, arguments that do not fit a function type, a failed grow."""


HostFunc = Callable[[list[Val]], list[Val]]


class Executor(Protocol):
    """The seam where another engine takes over a store's execution (``refwasm.fast``).

    The reference never imports such an engine: ``refwasm.embedding.store_init(engine=...)``
    puts one in ``Store.executor``, and ``exec-invocation`` hands it the call.  It runs the
    function at ``funcaddr`` on arguments already checked against its type, with the store's
    call depth and the given fuel, and returns the results as reference values (exact bits).
    """

    def invoke(self, store: Store, funcaddr: int, args: list[Val], fuel: int | None) -> list[Val]:
        ...


@dataclass(slots=True)
class ModuleInst:
    """``moduleinst``: the addresses of a module's definitions and imports, in index order."""

    types: tuple[SubType, ...] = ()
    funcaddrs: list[int] = field(default_factory=list)
    tableaddrs: list[int] = field(default_factory=list)
    memaddrs: list[int] = field(default_factory=list)
    globaladdrs: list[int] = field(default_factory=list)
    elemaddrs: list[int] = field(default_factory=list)
    dataaddrs: list[int] = field(default_factory=list)
    exports: dict[str, ExternVal] = field(default_factory=dict)


@dataclass(slots=True)
class WasmFuncInst:
    """``funcinst`` of a module function: ``{type, module, code}``.

    ``compiled`` caches the flat code of the body (see ``flatten.py``), built at the first call.
    """

    type: FuncType
    module: ModuleInst
    code: Func
    compiled: Any = None


@dataclass(slots=True)
class HostFuncInst:
    """``funcinst`` of a host function: ``{type, hostcode}``."""

    type: FuncType
    hostcode: HostFunc


FuncInst = WasmFuncInst | HostFuncInst


@dataclass(slots=True)
class TableInst:
    """``tableinst``: ``{type, elem}``; the type's ``min`` follows the current size."""

    type: TableType
    elem: list[Ref]


@dataclass(slots=True)
class MemInst:
    """``meminst``: ``{type, data}``; the type's ``min`` follows the current page count."""

    type: MemType
    data: bytearray


@dataclass(slots=True)
class GlobalInst:
    """``globalinst``: ``{type, value}``"""

    type: GlobalType
    value: Val


@dataclass(slots=True)
class ElemInst:
    """``eleminst``: ``{type, elem}`` (emptied by ``elem.drop``)."""

    type: RefType
    elem: list[Ref]


@dataclass(slots=True)
class DataInst:
    """``datainst``: ``{data}`` (emptied by ``data.drop``)."""

    data: bytes


@dataclass(slots=True)
class Store:
    """``store``: all instances allocated so far, plus refwasm's resource limits."""

    funcs: list[FuncInst] = field(default_factory=list)
    tables: list[TableInst] = field(default_factory=list)
    mems: list[MemInst] = field(default_factory=list)
    globals: list[GlobalInst] = field(default_factory=list)
    elems: list[ElemInst] = field(default_factory=list)
    datas: list[DataInst] = field(default_factory=list)
    # Not in the spec: bounds that keep a run of refwasm finite on any input.
    max_call_depth: int = DEFAULT_MAX_CALL_DEPTH
    memory_budget: int = DEFAULT_MEMORY_BUDGET
    # The engine running Wasm code: None is the reference interpreter (``instructions.py``).
    executor: Executor | None = None

    def memory_in_use(self) -> int:
        """What the memory budget bounds: the bytes of all memories, and a pointer's size
        (8 bytes) for every table element."""
        return sum(len(m.data) for m in self.mems) + TABLE_ELEMENT_SIZE * sum(
            len(t.elem) for t in self.tables
        )


def default_value(t: ValType) -> Val:
    """``$default_(valtype)``: zero bits for numbers and vectors, null for references."""
    if isinstance(t, NumType | VecType):
        return 0
    return RefNullVal(t.heaptype)


def null_of(reftype: RefType) -> RefNullVal:
    """The null reference of a reference type."""
    return RefNullVal(reftype.heaptype)


FUNC_NULL = RefNullVal(AbsHeapType.FUNC)


# -- Values and their types (valid-val) -------------------------------------------------------


def value_has_type(v: Val, t: ValType) -> bool:
    """valid-val: numbers and vectors are bit patterns of the type's width; references must
    be null or of the reference type's kind (function or host/extern)."""
    if isinstance(t, NumType | VecType):
        return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < (1 << t.bits)
    if isinstance(v, RefNullVal):
        return t.null
    if t.heaptype is AbsHeapType.FUNC:
        return isinstance(v, RefFuncAddr)
    if t.heaptype is AbsHeapType.EXTERN:
        return isinstance(v, RefHostAddr | RefExtern)
    return isinstance(v, RefFuncAddr | RefHostAddr | RefExtern)


# -- Allocation -------------------------------------------------------------------------------


def alloc_func(store: Store, functype: FuncType, func: Func, moduleinst: ModuleInst) -> int:
    """alloc-func"""
    store.funcs.append(WasmFuncInst(functype, moduleinst, func))
    return len(store.funcs) - 1


def alloc_hostfunc(store: Store, functype: FuncType, hostfunc: HostFunc) -> int:
    """alloc-hostfunc"""
    store.funcs.append(HostFuncInst(functype, hostfunc))
    return len(store.funcs) - 1


def alloc_table(store: Store, tabletype: TableType, ref: Ref) -> int:
    """alloc-table: the budget bounds the initial size (ExhaustionError if it does not fit)."""
    size = tabletype.limits.min * TABLE_ELEMENT_SIZE
    if store.memory_in_use() + size > store.memory_budget:
        raise ExhaustionError(MEMORY_BUDGET_EXHAUSTED)
    store.tables.append(TableInst(tabletype, [ref] * tabletype.limits.min))
    return len(store.tables) - 1


def alloc_mem(store: Store, memtype: MemType) -> int:
    """alloc-mem: the budget bounds the initial size too (ExhaustionError if it does not fit)."""
    size = memtype.limits.min * PAGE_SIZE
    if store.memory_in_use() + size > store.memory_budget:
        raise ExhaustionError(MEMORY_BUDGET_EXHAUSTED)
    store.mems.append(MemInst(memtype, bytearray(size)))
    return len(store.mems) - 1


def alloc_global(store: Store, globaltype: GlobalType, val: Val) -> int:
    """alloc-global"""
    store.globals.append(GlobalInst(globaltype, val))
    return len(store.globals) - 1


def alloc_elem(store: Store, reftype: RefType, refs: list[Ref]) -> int:
    """alloc-elem"""
    store.elems.append(ElemInst(reftype, refs))
    return len(store.elems) - 1


def alloc_data(store: Store, data: bytes) -> int:
    """alloc-data"""
    store.datas.append(DataInst(data))
    return len(store.datas) - 1


def grow_table(store: Store, table: TableInst, n: int, ref: Ref) -> bool:
    """grow-table: False past the table's maximum (or the address type's), or the store's
    memory budget (the spec's "fail")."""
    limits = table.type.limits
    new_len = len(table.elem) + n
    cap = max_table_size(table.type.addrtype) if limits.max is None else limits.max
    if new_len > cap:
        return False
    if store.memory_in_use() + n * TABLE_ELEMENT_SIZE > store.memory_budget:
        return False
    table.elem.extend([ref] * n)
    table.type = TableType(table.type.addrtype, Limits(new_len, limits.max), table.type.reftype)
    return True


def grow_mem(store: Store, mem: MemInst, n: int) -> bool:
    """grow-mem: False past the memory's maximum (or the address type's), or the store's
    memory budget (the spec's "fail")."""
    limits = mem.type.limits
    old_pages = len(mem.data) // PAGE_SIZE
    new_pages = old_pages + n
    cap = max_pages(mem.type.addrtype) if limits.max is None else limits.max
    if new_pages > cap:
        return False
    if store.memory_in_use() + n * PAGE_SIZE > store.memory_budget:
        return False
    mem.data.extend(bytes(n * PAGE_SIZE))
    mem.type = MemType(mem.type.addrtype, Limits(new_pages, limits.max))
    return True


@dataclass(slots=True)
class Frame:
    """An activation (``frame``) with refwasm's bookkeeping for the flat code.

    ``locals`` and ``module`` are the spec's; ``arity`` is the frame's return arity.  ``code``
    is the function's flat code and ``pc`` the next position in it; ``labels`` the label stack
    of this activation, each ``(arity, height, continuation pc)``; ``height`` the operand
    stack height at entry (after the arguments were popped).
    """

    locals: list[Val]
    module: ModuleInst
    arity: int
    code: list[Any]
    pc: int = 0
    height: int = 0
    labels: list[tuple[int, int, int]] = field(default_factory=list)

