"""Execution of instructions (2.0 ``exec-instr``; SpecTec ``4.3-execution.instructions``).

Each handler is the rule of one instruction, written on an explicit configuration
(``Machine``): the store, the operand stack, the frame stack and, per frame, its label stack.
A function body runs as flat code (``prepare.py``): a list of ``(handler, immediate)`` pairs
in which every block, loop and if knows where it ends, so a branch is a jump that unwinds the
operand stack to the label's height and keeps the label's arity of values.  Index immediates
are resolved once, when the body is prepared (``F.module.funcaddrs[x]`` becomes the address, a
``memidx`` becomes the memory instance), so a handler does no lookups that cannot fail.

Neither Wasm calls nor nested blocks use Python recursion: ``run`` is one loop over the top
frame's code, and a call pushes a frame.  The call depth is bounded by the store's
``max_call_depth`` (ExhaustionError "call stack exhausted"), the number of steps by optional fuel,
and the frames' locals, operands and labels by the store's memory budget: each frame is charged
when pushed (``runtime.charge_frame``) for its locals and for what its caller holds while it
waits, and released when popped, or when the run ends by an exception.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from refwasm.errors import (
    CALL_STACK_EXHAUSTED,
    FUEL_EXHAUSTED,
    INDIRECT_CALL_TYPE_MISMATCH,
    NULL_FUNCTION_REFERENCE,
    NULL_REFERENCE,
    OUT_OF_BOUNDS_MEMORY_ACCESS,
    OUT_OF_BOUNDS_TABLE_ACCESS,
    UNDEFINED_ELEMENT,
    UNINITIALIZED_ELEMENT,
    UNREACHABLE,
    ExceptionError,
    ExhaustionError,
    TrapError,
)
from refwasm.execution.exceptions import unwind
from refwasm.execution.heap import func_deftype
from refwasm.execution.runtime import (
    DataInst,
    ElemInst,
    EmbedderError,
    Frame,
    GlobalInst,
    HostFuncInst,
    MemInst,
    ModuleInst,
    Store,
    TableInst,
    WasmFuncInst,
    charge_frame,
    copy_bytes,
    copy_elems,
    fill_bytes,
    fill_elems,
    frame_size,
    grow_mem,
    grow_table,
    release_frame,
    value_in_store,
)
from refwasm.execution.values import RefFuncAddr, RefNullVal, Val
from refwasm.syntax.types import PAGE_SIZE, DefType, FuncType
from refwasm.validation.types import deftype_sub

Handler = Callable[["Machine", Any], None]
Op = tuple[Handler, Any]


# The current frame once the outermost activation has returned: the machine stops.
HALT = Frame([], ModuleInst(), 0, [])


@dataclass(slots=True)
class Machine:
    """The configuration ``S; F; instr*`` with the continuation made explicit.

    ``frames`` is the call stack (top last) and ``frame`` its top, or ``HALT`` once the
    outermost activation has returned.  ``depth_limit`` is how many more frames may be pushed.
    """

    store: Store
    # Holds ``Val``s; typed ``Any`` because validation, not the checker, knows each operand's
    # type at each point (an i32 where a handler pops an address).
    stack: list[Any] = field(default_factory=list)
    frames: list[Frame] = field(default_factory=list)
    frame: Frame = field(default_factory=lambda: HALT)
    depth_limit: int = 0
    fuel: int | None = None


def run(m: Machine) -> None:
    """``Steps`` · ``exec-instr-seq``: step the configuration until the outermost frame returns.

    The structural rules are the loop itself: ``Step/pure`` and ``Step/read`` are the handler
    calls, ``Step/ctxt-instrs``, ``Step/ctxt-label`` and ``Step/ctxt-frame`` the explicit code
    position, label and frame stacks, and a trap leaves every context at once
    (``Step_pure/trap-instrs``, ``Step_pure/trap-label``, ``Step_pure/trap-frame``) as a Python
    exception.

    The inner loop runs one frame's code; it ends when a call or return changes the frame.
    A run that ends by an exception gives back the budget its remaining frames were charged.
    A Wasm exception (``ExceptionError``, 3.0) goes to ``exceptions.unwind`` first, which
    continues the run at the handler that catches it or lets it leave the machine.
    """
    try:
        while True:
            try:
                if m.fuel is not None:
                    run_with_fuel(m)
                else:
                    run_steps(m)
                return
            except ExceptionError as error:
                # A Wasm exception (3.0): continue at the handler that catches it, if any.
                unwind(m, error)
    finally:
        if m.frames:
            abandon_frames(m)


def run_steps(m: Machine) -> None:
    """``run`` without fuel."""
    halt = HALT
    f = m.frame
    while f is not halt:
        code = f.code
        while m.frame is f:
            handler, imm = code[f.pc]
            f.pc += 1
            handler(m, imm)
        f = m.frame


def abandon_frames(m: Machine) -> None:
    """A run stopped by a trap or exhaustion: its frames are gone; release their budget."""
    for f in m.frames:
        release_frame(m.store, f.charge)
    m.frames.clear()
    m.frame = HALT


def run_with_fuel(m: Machine) -> None:
    """``run`` spending one unit of fuel per step (an op of the flat code: an instruction or
    the end of a block) and stopping with ExhaustionError when the fuel is spent."""
    halt = HALT
    f = m.frame
    fuel = m.fuel if m.fuel is not None else 0
    try:
        while f is not halt:
            code = f.code
            while m.frame is f:
                if fuel <= 0:
                    raise ExhaustionError(FUEL_EXHAUSTED)
                fuel -= 1
                handler, imm = code[f.pc]
                f.pc += 1
                handler(m, imm)
            f = m.frame
    finally:
        m.fuel = fuel


# -- Numeric instructions (exec-instr-numeric) ------------------------------------------------


def exec_const(m: Machine, c: Val) -> None:
    """``exec-const`` (3.0: a constant is a value; no step)"""
    m.stack.append(c)


def exec_unop(m: Machine, fn: Callable[[int], int]) -> None:
    """``Step_pure/unop`` · ``Step_pure/testop`` · ``Step_pure/cvtop`` · ``exec-unop`` ·
    ``exec-testop`` · ``exec-cvtop``: one operand, one result; also the vector rules of that shape
    (``Step_pure/vvunop`` · ``Step_pure/vvtestop`` · ``Step_pure/vunop`` · ``Step_pure/vtestop`` ·
    ``Step_pure/vbitmask`` · ``Step_pure/vsplat`` · ``Step_pure/vextract_lane`` ·
    ``Step_pure/vextunop`` · ``Step_pure/vcvtop``), whose operator closure ``refwasm.numerics``
    builds."""
    s = m.stack
    s[-1] = fn(s[-1])


def exec_binop(m: Machine, fn: Callable[[int, int], int]) -> None:
    """``Step_pure/binop`` · ``Step_pure/relop`` · ``exec-binop`` · ``exec-relop``: two operands,
    one result; also the vector rules of that shape (``Step_pure/vvbinop`` · ``Step_pure/vbinop`` ·
    ``Step_pure/vrelop`` · ``Step_pure/vshiftop`` · ``Step_pure/vswizzlop`` · ``Step_pure/vshuffle``
    · ``Step_pure/vreplace_lane`` · ``Step_pure/vextbinop`` · ``Step_pure/vnarrow``)."""
    s = m.stack
    c2 = s.pop()
    s[-1] = fn(s[-1], c2)


def exec_ternop(m: Machine, fn: Callable[[int, int, int], int]) -> None:
    """``Step_pure/vvternop`` · ``Step_pure/vternop`` · ``Step_pure/vextternop`` ·
    ``exec-vvternop``: three operands, one result."""
    s = m.stack
    c3 = s.pop()
    c2 = s.pop()
    s[-1] = fn(s[-1], c2, c3)


# -- Reference instructions (exec-instr-ref) --------------------------------------------------


def exec_ref_null(m: Machine, ref: RefNullVal) -> None:
    """``Step_read/ref.null-idx`` · ``exec-ref.null``"""
    m.stack.append(ref)


def exec_ref_is_null(m: Machine, _: None) -> None:
    """``Step_pure/ref.is_null`` · ``exec-ref.is_null``"""
    s = m.stack
    s[-1] = 1 if isinstance(s[-1], RefNullVal) else 0


def exec_ref_func(m: Machine, funcaddr: int) -> None:
    """``Step_read/ref.func`` · ``exec-ref.func``: the address ``F.module.funcaddrs[x]`` was
    resolved when preparing."""
    m.stack.append(RefFuncAddr(funcaddr))


# -- Parametric instructions (exec-instr-parametric) ------------------------------------------


def exec_nop(m: Machine, _: None) -> None:
    """``Step_pure/nop`` · ``exec-nop``"""


def exec_unreachable(m: Machine, _: None) -> None:
    """``Step_pure/unreachable`` · ``exec-unreachable``"""
    raise TrapError(UNREACHABLE)


def exec_drop(m: Machine, _: None) -> None:
    """``Step_pure/drop`` · ``exec-drop``"""
    m.stack.pop()


def exec_select(m: Machine, _: None) -> None:
    """``Step_pure/select`` · ``exec-select``"""
    s = m.stack
    c = s.pop()
    val2 = s.pop()
    if c == 0:
        s[-1] = val2


# -- Variable instructions (exec-instr-variable) ----------------------------------------------


def exec_local_get(m: Machine, x: int) -> None:
    """``Step_read/local.get`` · ``exec-local.get``"""
    m.stack.append(m.frame.locals[x])


def exec_local_set(m: Machine, x: int) -> None:
    """``Step/local.set`` · ``exec-local.set``"""
    m.frame.locals[x] = m.stack.pop()


def exec_local_tee(m: Machine, x: int) -> None:
    """``Step_pure/local.tee`` · ``exec-local.tee``"""
    m.frame.locals[x] = m.stack[-1]


def exec_global_get(m: Machine, glob: GlobalInst) -> None:
    """``Step_read/global.get`` · ``exec-global.get``"""
    m.stack.append(glob.value)


def exec_global_set(m: Machine, glob: GlobalInst) -> None:
    """``Step/global.set`` · ``exec-global.set``"""
    glob.value = m.stack.pop()


# -- Table instructions (exec-instr-table) ----------------------------------------------------


def exec_table_get(m: Machine, tab: TableInst) -> None:
    """``Step_read/table.get`` · ``exec-table.get``"""
    s = m.stack
    i = s[-1]
    if i >= len(tab.elem):
        raise TrapError(OUT_OF_BOUNDS_TABLE_ACCESS)
    s[-1] = tab.elem[i]


def exec_table_set(m: Machine, tab: TableInst) -> None:
    """``Step/table.set`` · ``exec-table.set``"""
    s = m.stack
    val = s.pop()
    i = s.pop()
    if i >= len(tab.elem):
        raise TrapError(OUT_OF_BOUNDS_TABLE_ACCESS)
    tab.elem[i] = val


def exec_table_size(m: Machine, tab: TableInst) -> None:
    """``Step_read/table.size`` · ``exec-table.size``"""
    m.stack.append(len(tab.elem))


def exec_table_grow(m: Machine, args: tuple[Store, TableInst]) -> None:
    """``Step/table.grow`` · ``exec-table.grow``: push the old size, or -1 when growing fails."""
    store, tab = args
    s = m.stack
    n = s.pop()
    val = s.pop()
    sz = len(tab.elem)
    s.append(sz if grow_table(store, tab, n, val) else (1 << tab.type.addrtype.bits) - 1)


def exec_table_fill(m: Machine, tab: TableInst) -> None:
    """``Step_read/table.fill`` · ``exec-table.fill``: bounds first, then ``n`` writes of ``val``
    from ``i``."""
    s = m.stack
    n = s.pop()
    val = s.pop()
    i = s.pop()
    if i + n > len(tab.elem):
        raise TrapError(OUT_OF_BOUNDS_TABLE_ACCESS)
    fill_elems(tab.elem, i, val, n)


def exec_table_copy(m: Machine, tabs: tuple[TableInst, TableInst]) -> None:
    """``Step_read/table.copy`` · ``exec-table.copy``: bounds first; the element-wise copy equals a
    copy through a buffer."""
    tab_d, tab_s = tabs
    s = m.stack
    n = s.pop()
    src = s.pop()
    d = s.pop()
    if src + n > len(tab_s.elem) or d + n > len(tab_d.elem):
        raise TrapError(OUT_OF_BOUNDS_TABLE_ACCESS)
    copy_elems(tab_d.elem, d, tab_s.elem, src, n)


def exec_table_init(m: Machine, args: tuple[TableInst, ElemInst]) -> None:
    """``Step_read/table.init`` · ``exec-table.init``: bounds first, then ``n`` writes from the
    segment."""
    tab, elem = args
    s = m.stack
    n = s.pop()
    src = s.pop()
    d = s.pop()
    if src + n > len(elem.elem) or d + n > len(tab.elem):
        raise TrapError(OUT_OF_BOUNDS_TABLE_ACCESS)
    copy_elems(tab.elem, d, elem.elem, src, n)


def exec_elem_drop(m: Machine, elem: ElemInst) -> None:
    """``Step/elem.drop`` · ``exec-elem.drop``"""
    elem.elem = []


# -- Memory instructions (exec-instr-memory) --------------------------------------------------


def effective_address(m: Machine, offset: int, n: int, mem: MemInst) -> int:
    """``Step_read/load-num-oob``, ``Step_read/load-pack-oob``, ``Step_read/vload-oob``,
    ``Step_read/vload-pack-oob``, ``Step_read/vload-splat-oob``, ``Step_read/vload-zero-oob``,
    ``Step_read/vload_lane-oob``, ``Step/store-num-oob``, ``Step/store-pack-oob``,
    ``Step/vstore-oob``, ``Step/vstore_lane-oob`` · ``exec-load``, ``exec-store``: the
    ``ea = i + memarg.offset`` of a load or store, trapping unless ``ea + n`` bytes fit in the
    memory."""
    ea: int = m.stack.pop() + offset
    if ea + n > len(mem.data):
        raise TrapError(OUT_OF_BOUNDS_MEMORY_ACCESS)
    return ea


def exec_load(m: Machine, args: tuple[MemInst, int, int]) -> None:
    """``Step_read/load-num`` · ``Step_read/load-pack`` · ``Step_read/vload-oob`` ·
    ``Step_read/vload-val`` · ``Step_read/vload-zero`` · ``exec-load`` · ``exec-loadn`` ·
    ``exec-load-zero``: ``t.load memarg``, reading ``|t|/8`` bytes little-endian (also ``loadN_u``,
    ``v128.load`` and ``v128.loadN_zero``: the bytes zero-extended)."""
    mem, offset, n = args
    ea = effective_address(m, offset, n, mem)
    m.stack.append(int.from_bytes(mem.data[ea : ea + n], "little"))


def exec_load_extend(m: Machine, args: tuple[MemInst, int, int, int]) -> None:
    """``Step_read/load-pack`` · ``exec-loadn``: ``t.loadN_s memarg`` (sign-extended to ``bits``).
    """
    mem, offset, n, bits = args
    ea = effective_address(m, offset, n, mem)
    c = int.from_bytes(mem.data[ea : ea + n], "little", signed=True)
    m.stack.append(c & ((1 << bits) - 1))


def exec_store(m: Machine, args: tuple[MemInst, int, int]) -> None:
    """``Step/store-num`` · ``Step/store-pack`` · ``Step/vstore`` · ``exec-store`` · ``exec-storen``
    (``storeN``: ``n`` bytes of the value, i.e. ``wrap``)."""
    mem, offset, n = args
    c: int = m.stack.pop()
    ea = effective_address(m, offset, n, mem)
    mem.data[ea : ea + n] = (c & ((1 << (8 * n)) - 1)).to_bytes(n, "little")


def exec_memory_size(m: Machine, mem: MemInst) -> None:
    """``Step_read/memory.size`` · ``exec-memory.size``"""
    m.stack.append(len(mem.data) // PAGE_SIZE)


def exec_memory_grow(m: Machine, args: tuple[Store, MemInst]) -> None:
    """``Step/memory.grow`` · ``exec-memory.grow``: push the old size in pages, or -1 when growing
    fails."""
    store, mem = args
    s = m.stack
    n: int = s.pop()
    sz = len(mem.data) // PAGE_SIZE
    s.append(sz if grow_mem(store, mem, n) else (1 << mem.type.addrtype.bits) - 1)


def exec_memory_fill(m: Machine, mem: MemInst) -> None:
    """``Step_read/memory.fill`` · ``exec-memory.fill``: bounds first, then ``n`` byte stores."""
    s = m.stack
    n: int = s.pop()
    val: int = s.pop()
    d: int = s.pop()
    if d + n > len(mem.data):
        raise TrapError(OUT_OF_BOUNDS_MEMORY_ACCESS)
    fill_bytes(mem.data, d, val, n)


def exec_memory_copy(m: Machine, mems: tuple[MemInst, MemInst]) -> None:
    """``Step_read/memory.copy`` · ``exec-memory.copy``: bounds first; the byte-wise copy equals a
    copy through a buffer."""
    mem_d, mem_s = mems
    s = m.stack
    n: int = s.pop()
    src: int = s.pop()
    d: int = s.pop()
    if src + n > len(mem_s.data) or d + n > len(mem_d.data):
        raise TrapError(OUT_OF_BOUNDS_MEMORY_ACCESS)
    copy_bytes(mem_d.data, d, mem_s.data, src, n)


def exec_memory_init(m: Machine, args: tuple[MemInst, DataInst]) -> None:
    """``Step_read/memory.init`` · ``exec-memory.init``: bounds first, then ``n`` byte stores from
    the segment."""
    mem, data = args
    s = m.stack
    n: int = s.pop()
    src: int = s.pop()
    d: int = s.pop()
    if src + n > len(data.data) or d + n > len(mem.data):
        raise TrapError(OUT_OF_BOUNDS_MEMORY_ACCESS)
    copy_bytes(mem.data, d, data.data, src, n)


def exec_data_drop(m: Machine, data: DataInst) -> None:
    """``Step/data.drop`` · ``exec-data.drop``"""
    data.data = b""


# -- Control instructions (exec-instr-control) ------------------------------------------------


def exec_block(m: Machine, args: tuple[int, int, int]) -> None:
    """``Step_read/block`` · ``exec-block``: enter a label of arity ``m`` whose continuation is the
    end of the block."""
    n, arity, cont = args
    f = m.frame
    f.labels.append((arity, len(m.stack) - n, cont))


def exec_loop(m: Machine, args: tuple[int, int]) -> None:
    """``Step_read/loop`` · ``exec-loop``: enter a label of arity ``n`` whose continuation is the
    loop itself."""
    n, start = args
    f = m.frame
    f.labels.append((n, len(m.stack) - n, start))


def exec_if(m: Machine, args: tuple[int, int, int, int]) -> None:
    """``Step_pure/if`` · ``exec-if``: pop ``c``; enter the label, then the ``then`` code, or the
    ``else`` code if c = 0."""
    n, arity, else_pc, cont = args
    f = m.frame
    c = m.stack.pop()
    f.labels.append((arity, len(m.stack) - n, cont))
    if c == 0:
        f.pc = else_pc


def exit_label(m: Machine, _: None) -> None:
    """``Step_pure/label-vals`` · ``exec-instr-seq-exit``: the end of a block's code; its values
    stay, its label goes."""
    m.frame.labels.pop()


def exit_then(m: Machine, cont: int) -> None:
    """``Step_pure/label-vals`` · ``exec-instr-seq-exit`` at the end of an ``if``'s ``then`` code:
    skip the ``else`` code."""
    f = m.frame
    f.labels.pop()
    f.pc = cont


def branch(m: Machine, l: int) -> None:  # noqa: E741 -- the spec's name for a label index
    """``Step_pure/br`` · ``exec-br``: keep the label's arity of values, unwind to its height,
    continue after it.

    A branch to the outermost label (``l`` = the number of labels) is a return.
    """
    f = m.frame
    labels = f.labels
    if l >= len(labels):
        return_from(m)
        return
    arity, height, cont = labels[-1 - l]
    s = m.stack
    if len(s) - arity != height:
        vals = s[len(s) - arity :]
        del s[height:]
        s.extend(vals)
    del labels[len(labels) - 1 - l :]
    f.pc = cont


def exec_br(m: Machine, l: int) -> None:  # noqa: E741
    """``Step_pure/br`` · ``exec-br``"""
    branch(m, l)


def exec_br_if(m: Machine, l: int) -> None:  # noqa: E741
    """``Step_pure/br_if`` · ``exec-br_if``"""
    if m.stack.pop() != 0:
        branch(m, l)


def exec_br_table(m: Machine, args: tuple[tuple[int, ...], int]) -> None:
    """``Step_pure/br_table`` · ``exec-br_table``"""
    ls, default = args
    i: int = m.stack.pop()
    branch(m, ls[i] if i < len(ls) else default)


def return_from(m: Machine) -> None:
    """``Step_pure/frame-vals`` · ``exec-invoke-exit``: pop the frame, keeping its arity of results
    on the stack."""
    f = m.frames.pop()
    s = m.stack
    if len(s) - f.arity != f.height:
        results = s[len(s) - f.arity :]
        del s[f.height :]
        s.extend(results)
    release_frame(m.store, f.charge)
    m.depth_limit += 1
    m.frame = m.frames[-1] if m.frames else HALT


def exec_return(m: Machine, _: None) -> None:
    """``Step_pure/return`` · ``exec-return``"""
    return_from(m)


def exec_call(m: Machine, funcaddr: int) -> None:
    """``Step_read/call`` · ``exec-call``: the address ``F.module.funcaddrs[x]`` was resolved when
    preparing."""
    invoke(m, funcaddr)


def exec_call_indirect(m: Machine, args: tuple[TableInst, FuncType, DefType | None]) -> None:
    """``Step_pure/call_indirect`` · ``Step_read/call_indirect`` · ``exec-call_indirect``"""
    invoke(m, indirect_callee(m, args))


def indirect_callee(m: Machine, args: tuple[TableInst, FuncType, DefType | None]) -> int:
    """The steps call_indirect and return_call_indirect share: pop the index, look it up in
    the table, check the function's type; the callee's address.  In 3.0 the function's
    defined type must match the expected one (``Step_read/call_indirect``: a ``ref.cast``)."""
    tab, ft_expect, dt_expect = args
    i: int = m.stack.pop()
    # The reference interpreter names the index in both messages; the suite checks prefixes.
    if i >= len(tab.elem):
        raise TrapError(f"{UNDEFINED_ELEMENT} {i}")
    r = tab.elem[i]
    if not isinstance(r, RefFuncAddr):
        raise TrapError(f"{UNINITIALIZED_ELEMENT} {i}")
    f = m.store.funcs[r.addr]
    if dt_expect is not None:
        if not deftype_sub(func_deftype(f), dt_expect):
            raise TrapError(INDIRECT_CALL_TYPE_MISMATCH)
    elif f.type != ft_expect:
        raise TrapError(INDIRECT_CALL_TYPE_MISMATCH)
    return r.addr


def exec_call_ref(m: Machine, _: None) -> None:
    """``Step_read/call_ref``: call the function the popped reference denotes (3.0)."""
    invoke(m, ref_callee(m))


def ref_callee(m: Machine) -> int:
    """Pop a function reference; trap on null (``Step_read/call_ref-null``)."""
    r = m.stack.pop()
    if not isinstance(r, RefFuncAddr):
        raise TrapError(NULL_FUNCTION_REFERENCE)
    return r.addr


def tail_invoke(m: Machine, a: int) -> None:
    """The tail of ``Step_read/return_call_ref``: drop the current frame, keeping only the callee's
    arguments on the stack, then invoke in its place (the call depth does not grow)."""
    n = len(m.store.funcs[a].type.params)
    s = m.stack
    args = s[len(s) - n :]
    f = m.frames.pop()
    del s[f.height :]
    s.extend(args)
    release_frame(m.store, f.charge)
    m.depth_limit += 1
    m.frame = m.frames[-1] if m.frames else HALT
    invoke(m, a)


def exec_return_call(m: Machine, funcaddr: int) -> None:
    """``Step_read/return_call`` (3.0)"""
    tail_invoke(m, funcaddr)


def exec_return_call_indirect(
    m: Machine, args: tuple[TableInst, FuncType, DefType | None]
) -> None:
    """``Step_pure/return_call_indirect`` (3.0): a ``call_indirect`` that replaces the frame."""
    tail_invoke(m, indirect_callee(m, args))


def exec_return_call_ref(m: Machine, _: None) -> None:
    """``Step_read/return_call_ref`` (3.0)"""
    tail_invoke(m, ref_callee(m))


def exec_ref_as_non_null(m: Machine, _: None) -> None:
    """``Step_pure/ref.as_non_null`` (3.0)"""
    if isinstance(m.stack[-1], RefNullVal):
        raise TrapError(NULL_REFERENCE)


def exec_br_on_null(m: Machine, l: int) -> None:  # noqa: E741
    """``Step_pure/br_on_null`` (3.0): branch, dropping the reference, if it is null."""
    if isinstance(m.stack[-1], RefNullVal):
        m.stack.pop()
        branch(m, l)


def exec_br_on_non_null(m: Machine, l: int) -> None:  # noqa: E741
    """``Step_pure/br_on_non_null`` (3.0): branch with the reference unless it is null."""
    if isinstance(m.stack[-1], RefNullVal):
        m.stack.pop()
    else:
        branch(m, l)


def invoke(m: Machine, a: int) -> None:
    """``Step_read/call_ref-func`` · ``exec-invoke``: pop the arguments; push a frame (Wasm) or run
    the host code (exec-invoke-host)."""
    f = m.store.funcs[a]
    n = len(f.type.params)
    s = m.stack
    args = s[len(s) - n :]
    del s[len(s) - n :]
    if isinstance(f, HostFuncInst):
        s.extend(call_host(m, f, args))
        return
    if m.depth_limit <= 0:
        raise ExhaustionError(CALL_STACK_EXHAUSTED)
    code, local_defaults = prepared(m.store, f)
    caller = m.frame
    # The caller's operands and labels (a label is a tuple: two slots) stay while it waits.
    held = len(s) - caller.height + 2 * len(caller.labels)
    charge = frame_size(n + len(local_defaults) + held)
    charge_frame(m.store, charge)
    m.depth_limit -= 1
    frame = Frame(args + local_defaults, f.module, len(f.type.results), code, 0, len(s), [], charge)
    m.frames.append(frame)
    m.frame = frame


def prepared(store: Store, f: WasmFuncInst) -> tuple[list[Op], list[Val]]:
    """The flat code of a function body and its locals' default values, built on first use."""
    if f.compiled is None:
        from refwasm.execution.prepare import prepare_func  # prepare imports these handlers

        f.compiled = prepare_func(store, f)
    compiled: tuple[list[Op], list[Val]] = f.compiled
    return compiled


def call_host(m: Machine, f: HostFuncInst, args: list[Val]) -> list[Val]:
    """``exec-invoke-host`` (no SpecTec rule): run the host code; its nested Wasm calls count
    against the depth."""
    store = m.store
    saved = store.max_call_depth
    store.max_call_depth = m.depth_limit
    try:
        results = f.hostcode(list(args))
    except RecursionError:
        raise ExhaustionError(CALL_STACK_EXHAUSTED) from None
    finally:
        store.max_call_depth = saved
    results = list(results)
    if len(results) != len(f.type.results) or not all(
        value_in_store(store, v, t) for v, t in zip(results, f.type.results, strict=True)
    ):
        raise EmbedderError(f"host function results {results!r} do not fit {f.type}")
    return results


# -- Vector memory instructions (exec-load, exec-load-extend, exec-load-splat, ...) ------------


def exec_vload_extend(m: Machine, args: tuple[MemInst, int, int, int, bool]) -> None:
    """``Step_read/vload-pack`` · ``exec-load-extend``: ``v128.loadNxM_sx``: M lanes of N bits, each
    extended to 2N."""
    mem, offset, sz, lanes, signed = args
    ea = effective_address(m, offset, sz * lanes // 8, mem)
    step = sz // 8
    mask = (1 << (2 * sz)) - 1
    c = 0
    for k in range(lanes):
        b = mem.data[ea + k * step : ea + (k + 1) * step]
        c |= (int.from_bytes(b, "little", signed=signed) & mask) << (k * 2 * sz)
    m.stack.append(c)


def exec_vload_splat(m: Machine, args: tuple[MemInst, int, int]) -> None:
    """``Step_read/vload-splat`` · ``exec-load-splat``: one N-bit value copied to all 128/N lanes.
    """
    mem, offset, sz = args
    ea = effective_address(m, offset, sz // 8, mem)
    lane = int.from_bytes(mem.data[ea : ea + sz // 8], "little")
    m.stack.append(sum(lane << (k * sz) for k in range(128 // sz)))


def exec_vload_lane(m: Machine, args: tuple[MemInst, int, int, int]) -> None:
    """``Step_read/vload_lane`` · ``exec-load-lane``: replace lane ``x`` of the popped vector with N
    bits from memory."""
    mem, offset, sz, x = args
    v: int = m.stack.pop()
    ea = effective_address(m, offset, sz // 8, mem)
    lane = int.from_bytes(mem.data[ea : ea + sz // 8], "little")
    shift = x * sz
    m.stack.append((v & ~(((1 << sz) - 1) << shift)) | (lane << shift))


def exec_vstore_lane(m: Machine, args: tuple[MemInst, int, int, int]) -> None:
    """``Step/vstore_lane`` · ``exec-store-lane``: store lane ``x`` (N bits) of the popped vector.
    """
    mem, offset, sz, x = args
    v: int = m.stack.pop()
    ea = effective_address(m, offset, sz // 8, mem)
    lane = (v >> (x * sz)) & ((1 << sz) - 1)
    mem.data[ea : ea + sz // 8] = lane.to_bytes(sz // 8, "little")
