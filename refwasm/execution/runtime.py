"""Runtime structure (2.0 ``syntax-runtime``; SpecTec ``4.0-execution.configurations``).

The store holds every instance; addresses are indices into its lists.  Values are the exact bit
patterns and reference objects of ``values.py``.  Memory is a ``bytearray`` that never grows past
the store's memory budget: a grow that would exceed it fails like any other failed grow.

The memory budget (``Store.memory_budget``, in bytes) bounds everything running code can make
grow: memories (their bytes), tables (``TABLE_ELEMENT_SIZE`` an element) and the activations
of the running code (``frame_size``: an estimate per frame, charged with ``charge_frame`` when
a frame is pushed and given back with ``release_frame`` when it is popped).  Any engine running
on a store calls these, so one budget holds whichever engine runs the code.

Whether a grow succeeds depends on memories and tables only: it is a result Wasm code sees, and
must not depend on how an engine lays out its frames (the two engines charge them differently,
and the differential tests compare grow results).  Frames are charged against what memories and
tables leave, so the budget holds whenever a frame is pushed; a grow while frames are live may
take the budget's last bytes, and then the next frame is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, Protocol

from refwasm.errors import MEMORY_BUDGET_EXHAUSTED, ExhaustionError
from refwasm.execution.values import (
    ExternVal,
    Ref,
    RefArrayAddr,
    RefExnAddr,
    RefExtern,
    RefFuncAddr,
    RefHostAddr,
    RefI31Num,
    RefNullVal,
    RefStructAddr,
    Val,
)
from refwasm.syntax.modules import Func
from refwasm.syntax.types import (
    PAGE_SIZE,
    AbsHeapType,
    AddrType,
    DefType,
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
# What an activation counts against the budget (estimates of CPython's sizes, in bytes): the
# frame itself with its (empty) label stack, and per slot, i.e. each local, each operand and
# each label it holds, a list entry and the number object it usually points to (an i64 is a
# 36-byte int; zeros are shared, so a frame of default locals costs less than it is charged).
FRAME_SIZE = 256
SLOT_SIZE = 40
# Bulk operations (memory.fill/copy/init, table.fill/copy/init, grows) move at most this many
# bytes or elements at a time, so their temporary copies stay small whatever ``n`` is.
CHUNK = 1 << 20



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
    # The same types closed (``$rolldt``): what ``C.types[x]`` means at run time (3.0).
    deftypes: tuple[DefType, ...] = ()
    funcaddrs: list[int] = field(default_factory=list)
    tableaddrs: list[int] = field(default_factory=list)
    memaddrs: list[int] = field(default_factory=list)
    globaladdrs: list[int] = field(default_factory=list)
    tagaddrs: list[int] = field(default_factory=list)
    elemaddrs: list[int] = field(default_factory=list)
    dataaddrs: list[int] = field(default_factory=list)
    exports: dict[str, ExternVal] = field(default_factory=dict)


@dataclass(slots=True)
class WasmFuncInst:
    """``funcinst`` of a module function: ``{type, module, code}``.

    ``compiled`` caches the flat code of the body (see ``prepare.py``), built at the first call.
    """

    type: FuncType
    module: ModuleInst
    code: Func
    compiled: Any = None
    # The defined type the function was declared with (3.0 casts and indirect calls).
    deftype: DefType | None = None


@dataclass(slots=True)
class HostFuncInst:
    """``funcinst`` of a host function: ``{type, hostcode}``."""

    type: FuncType
    hostcode: HostFunc
    deftype: DefType | None = None


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


@dataclass(eq=False, slots=True)
class TagInst:
    """``taginst``: ``{type}`` (3.0), the tag's function type; tags are compared by address."""

    type: FuncType
    # Its defined type (3.0), for import matching by canonical type; a host tag's is its
    # function type alone in a final group.
    deftype: DefType | None = None


@dataclass(eq=False, slots=True)
class ExnInst:
    """``exninst``: ``{tag, fields}`` (3.0): the tag's address and the values thrown with it.

    Compared by identity: two throws of equal values are two exceptions.
    """

    tag: int
    fields: tuple[Val, ...]


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
    # Heap objects (3.0 ``structinst``, ``arrayinst``; ``execution/heap.py``) and the bytes
    # they count against the memory budget.  The spec's store keeps every object it
    # allocated, and so does this one: no collector, so the budget bounds allocation.
    structs: list[Any] = field(default_factory=list)
    arrays: list[Any] = field(default_factory=list)
    heap_bytes: int = 0
    tags: list[TagInst] = field(default_factory=list)
    # Not in the spec: bounds that keep a run of refwasm finite on any input.
    max_call_depth: int = DEFAULT_MAX_CALL_DEPTH
    memory_budget: int = DEFAULT_MEMORY_BUDGET
    # The engine running Wasm code: None is the reference interpreter (``instructions.py``).
    executor: Executor | None = None
    # The bytes charged for the activations now on any engine's stack (``charge_frame``), and
    # how far that may go before the budget is counted again: 0 once a memory or table was
    # allocated or grew (set it to 0 too after lowering ``memory_budget`` of a live store).
    frames_in_use: int = 0
    frames_room: int = 0

    def memory_in_use(self) -> int:
        """What the memory budget bounds: the bytes of all memories, a pointer's size (8 bytes)
        for every table element, and what the live activations were charged."""
        return self.heap_in_use() + self.frames_in_use

    def heap_in_use(self) -> int:
        """The memory budget's part taken by memories, tables and heap objects."""
        return self.heap_bytes + sum(len(m.data) for m in self.mems) + TABLE_ELEMENT_SIZE * sum(
            len(t.elem) for t in self.tables
        )


# -- The budget of activations ----------------------------------------------------------------


def frame_size(slots: int) -> int:
    """The bytes an activation holding ``slots`` locals, operands and labels counts against
    the memory budget (``FRAME_SIZE`` plus ``SLOT_SIZE`` per slot)."""
    return FRAME_SIZE + SLOT_SIZE * slots


def charge_frame(store: Store, nbytes: int) -> None:
    """Count ``nbytes`` of a new activation against the store's memory budget, or raise
    ExhaustionError (memory budget exhausted) if they do not fit.

    The engine gives them back with ``release_frame`` when the activation ends, or, when a run
    stops with an exception, for every activation still on its stack.
    """
    total = store.frames_in_use + nbytes
    if total > store.frames_room:
        # Counting memories and tables is a pass over them: only when the room last counted
        # runs out (or was reset by a grow).  An engine may inline this comparison.
        room = store.memory_budget - store.heap_in_use()
        if total > room:
            raise ExhaustionError(MEMORY_BUDGET_EXHAUSTED)
        store.frames_room = room
    store.frames_in_use = total


def release_frame(store: Store, nbytes: int) -> None:
    """Give back what ``charge_frame`` counted for an activation that has ended."""
    store.frames_in_use -= nbytes


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
    """``Val_ok`` · ``valid-val``: numbers and vectors are bit patterns of the type's width;
    references must be null or of the reference type's kind (function or host/extern)."""
    if isinstance(t, NumType | VecType):
        return isinstance(v, int) and not isinstance(v, bool) and 0 <= v < (1 << t.bits)
    if isinstance(v, RefNullVal):
        return t.null
    if t.heaptype is AbsHeapType.FUNC:
        return isinstance(v, RefFuncAddr)
    if t.heaptype is AbsHeapType.EXTERN:
        return isinstance(v, RefHostAddr | RefExtern)
    if t.heaptype is AbsHeapType.EXN:
        return isinstance(v, RefExnAddr)
    return isinstance(
        v, RefFuncAddr | RefHostAddr | RefExtern | RefI31Num | RefStructAddr | RefArrayAddr)


def value_in_store(store: Store, v: Val, t: ValType) -> bool:
    """``Val_ok`` · ``valid-val`` against a store: ``v`` has type ``t`` and any function address it
    holds is one the store has.  An embedder that passes a reference to a function that does not
    exist makes an error ("error" in the embedding appendix), caught at the boundary so that no Wasm
    instruction ever meets such an address."""
    if not value_has_type(v, t):
        return False
    while isinstance(v, RefExtern):
        v = v.ref
    if isinstance(v, RefStructAddr):
        return 0 <= v.addr < len(store.structs)
    if isinstance(v, RefArrayAddr):
        return 0 <= v.addr < len(store.arrays)
    if isinstance(v, RefExnAddr):  # an exception of one of the store's tags (3.0)
        return isinstance(v.exn, ExnInst) and 0 <= v.exn.tag < len(store.tags)
    return not isinstance(v, RefFuncAddr) or 0 <= v.addr < len(store.funcs)


# -- Allocation -------------------------------------------------------------------------------


def alloc_func(
    store: Store, functype: FuncType, func: Func, moduleinst: ModuleInst,
    deftype: DefType | None = None,
) -> int:
    """``$allocfunc`` · ``alloc-func``"""
    store.funcs.append(WasmFuncInst(functype, moduleinst, func, deftype=deftype))
    return len(store.funcs) - 1


def alloc_hostfunc(store: Store, functype: FuncType, hostfunc: HostFunc) -> int:
    """alloc-hostfunc"""
    store.funcs.append(HostFuncInst(functype, hostfunc))
    return len(store.funcs) - 1


def alloc_table(store: Store, tabletype: TableType, ref: Ref) -> int:
    """``$alloctable`` · ``alloc-table``: the budget bounds the initial size (ExhaustionError if it
    does not fit)."""
    size = tabletype.limits.min * TABLE_ELEMENT_SIZE
    if store.heap_in_use() + size > store.memory_budget:
        raise ExhaustionError(MEMORY_BUDGET_EXHAUSTED)
    store.tables.append(TableInst(tabletype, [ref] * tabletype.limits.min))
    store.frames_room = 0
    return len(store.tables) - 1


def alloc_mem(store: Store, memtype: MemType) -> int:
    """``$allocmem`` · ``alloc-mem``: the budget bounds the initial size too (ExhaustionError if it
    does not fit)."""
    size = memtype.limits.min * PAGE_SIZE
    if store.heap_in_use() + size > store.memory_budget:
        raise ExhaustionError(MEMORY_BUDGET_EXHAUSTED)
    store.mems.append(MemInst(memtype, bytearray(size)))
    store.frames_room = 0
    return len(store.mems) - 1


def alloc_global(store: Store, globaltype: GlobalType, val: Val) -> int:
    """``$allocglobal`` · ``alloc-global``"""
    store.globals.append(GlobalInst(globaltype, val))
    return len(store.globals) - 1


def alloc_tag(store: Store, functype: FuncType, deftype: DefType | None = None) -> int:
    """``$alloctag`` (3.0)"""
    store.tags.append(TagInst(functype, deftype))
    return len(store.tags) - 1


def alloc_elem(store: Store, reftype: RefType, refs: list[Ref]) -> int:
    """``$allocelem`` · ``alloc-elem``"""
    store.elems.append(ElemInst(reftype, refs))
    return len(store.elems) - 1


def alloc_data(store: Store, data: bytes) -> int:
    """``$allocdata`` · ``alloc-data``"""
    store.datas.append(DataInst(data))
    return len(store.datas) - 1


def grow_table(store: Store, table: TableInst, n: int, ref: Ref) -> bool:
    """``$growtable`` · ``grow-table``: False past the table's maximum (or the address type's), or
    the store's memory budget (the spec's "fail")."""
    limits = table.type.limits
    new_len = len(table.elem) + n
    cap = max_table_size(table.type.addrtype) if limits.max is None else limits.max
    if new_len > cap:
        return False
    if store.heap_in_use() + n * TABLE_ELEMENT_SIZE > store.memory_budget:
        return False
    table.elem.extend(repeat(ref, n))  # no temporary list of n elements
    store.frames_room = 0
    table.type = TableType(table.type.addrtype, Limits(new_len, limits.max), table.type.reftype)
    return True


def grow_mem(store: Store, mem: MemInst, n: int) -> bool:
    """``$growmem`` · ``grow-mem``: False past the memory's maximum (or the address type's), or the
    store's memory budget (the spec's "fail")."""
    limits = mem.type.limits
    old_pages = len(mem.data) // PAGE_SIZE
    new_pages = old_pages + n
    cap = max_pages(mem.type.addrtype) if limits.max is None else limits.max
    if new_pages > cap:
        return False
    if store.heap_in_use() + n * PAGE_SIZE > store.memory_budget:
        return False
    extend_zeros(mem.data, n * PAGE_SIZE)
    store.frames_room = 0
    mem.type = MemType(mem.type.addrtype, Limits(new_pages, limits.max))
    return True


# -- Bulk operations, in bounded chunks --------------------------------------------------------
# The rules of memory.fill/copy/init and table.fill/copy/init check bounds first; these helpers
# then write in place, at most ``CHUNK`` bytes or elements at a time, so a gigabyte's fill or
# copy never makes a gigabyte's temporary copy.  Any engine can use them.

ZEROS = bytes(CHUNK)


def extend_zeros(data: bytearray, n: int) -> None:
    """Append ``n`` zero bytes to ``data``, a chunk at a time."""
    zeros = memoryview(ZEROS)
    while n > 0:
        k = min(n, CHUNK)
        data += zeros[:k]
        n -= k


def fill_bytes(data: bytearray, d: int, val: int, n: int) -> None:
    """``data[d : d + n]`` all set to the byte ``val`` (bounds already checked)."""
    chunk = bytes([val & 0xFF]) * min(n, CHUNK)
    end = d + n
    while d < end:
        k = min(end - d, CHUNK)
        data[d : d + k] = chunk if k == len(chunk) else chunk[:k]
        d += k


def copy_bytes(dst: bytearray, d: int, src: bytes | bytearray, s: int, n: int) -> None:
    """``dst[d : d + n] = src[s : s + n]`` as if through a buffer (bounds already checked):
    chunks go backwards when the ranges overlap with the destination above the source."""
    for k in chunk_order(d, s, n, dst is src):
        m = min(CHUNK, n - k)
        dst[d + k : d + k + m] = src[s + k : s + k + m]


def chunk_order(d: int, s: int, n: int, same: bool) -> range:
    """The offsets of the chunks of an n-item copy from ``s`` to ``d``, in a safe order: a
    copy within one memory or table to a higher address goes from the last chunk down."""
    if same and s < d < s + n:
        return range(((n - 1) // CHUNK) * CHUNK, -1, -CHUNK)
    return range(0, n, CHUNK)


def fill_elems(elem: list[Ref], i: int, val: Ref, n: int) -> None:
    """``elem[i : i + n]`` all set to ``val`` (bounds already checked)."""
    chunk = [val] * min(n, CHUNK)
    end = i + n
    while i < end:
        k = min(end - i, CHUNK)
        elem[i : i + k] = chunk if k == len(chunk) else chunk[:k]
        i += k


def copy_elems(dst: list[Ref], d: int, src: list[Ref], s: int, n: int) -> None:
    """``dst[d : d + n] = src[s : s + n]`` as if through a buffer (bounds already checked)."""
    for k in chunk_order(d, s, n, dst is src):
        m = min(CHUNK, n - k)
        dst[d + k : d + k + m] = src[s + k : s + k + m]


@dataclass(slots=True)
class Frame:
    """An activation (``frame``) with refwasm's bookkeeping for the flat code.

    ``locals`` and ``module`` are the spec's; ``arity`` is the frame's return arity.  ``code``
    is the function's flat code and ``pc`` the next position in it; ``labels`` the label stack
    of this activation, each ``(arity, height, continuation pc)``; ``height`` the operand
    stack height at entry (after the arguments were popped); ``charge`` what it counts against
    the memory budget until it is popped (``charge_frame``).
    """

    locals: list[Val]
    module: ModuleInst
    arity: int
    code: list[Any]
    pc: int = 0
    height: int = 0
    labels: list[tuple[int, int, int]] = field(default_factory=list)
    charge: int = 0
    # The ``HANDLER_`` contexts of this activation (3.0 ``try_table``), innermost last, each
    # with the label it wraps (``refwasm.execution.exceptions``); None until the first one.
    handlers: list[Any] | None = None

