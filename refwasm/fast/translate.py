"""The fast path's translator: a validated Wasm function to the source of one Python function.

Shaped like wasmi's translator: the operand stack is *simulated* while the body is read, so no
value is ever pushed at run time.  Every local is a Python local ``l<x>`` and every stack slot a
Python local ``s<i>`` (its *register*, named by the slot's height).  A slot holds either a
register, a local, a constant, or a *deferred* pure expression over those: ``local.get 0;
i32.const 1; i32.add; local.set 0`` becomes ``l0 = ((l0 + 1) & 0xFFFFFFFF)``.  A deferred
expression is written to its register ("materialised") before anything it reads is written,
before a control construct starts, and when it grows too large.  Operators that can trap or that
read mutable state (loads, division, ``global.get`` of a mutable global, calls) are emitted at
once, in program order.

Structured control becomes Python loops: a ``block``/``if`` that some branch targets is a
``while True: ... break``, a targeted ``loop`` a ``while True: ... continue``; untargeted ones
need no construct.  A branch to the innermost Python loop is ``break``/``continue``; one that
crosses inner loops sets ``_br`` to its target and breaks, and each crossed loop is followed by a
check that passes it on.  A branch to the function's label is ``return``.  Block results and loop
parameters travel in the registers at the label's height.

Functions Python's compiler cannot take (too many nested loops or indentation levels, or too
large) and functions using instructions not translated here raise ``Untranslatable``; the
executor runs those on the reference interpreter.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from refwasm.execution.runtime import ModuleInst, Store, WasmFuncInst, default_value, frame_size
from refwasm.execution.values import RefFuncAddr, RefNullVal
from refwasm.fast.ops import f32_of_bits, f64_of_bits
from refwasm.numerics.vector import vector_fn
from refwasm.syntax.instructions import (
    BinOp,
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
    CvtOp,
    Cvtop,
    DataDrop,
    Drop,
    ElemDrop,
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
    RelOp,
    Relop,
    Return,
    Select,
    Shape,
    Sx,
    TableCopy,
    TableFill,
    TableGet,
    TableGrow,
    TableInit,
    TableSet,
    TableSize,
    Testop,
    UnOp,
    Unop,
    Unreachable,
    VConst,
    VExtractLane,
    VLoad,
    VLoadLane,
    VLoadShape,
    VLoadSplat,
    VLoadZero,
    VReplaceLane,
    VSplat,
    VStore,
    VStoreLane,
)
from refwasm.syntax.instructions import Store as StoreInstr
from refwasm.syntax.modules import func_type_at
from refwasm.syntax.types import FuncType, Mut, NumType, TypeIdx, ValType

# Python's limits (see docs/fast-path.md): the compiler refuses more than 20 statically nested
# loops/try blocks, and the tokenizer more than 100 indentation levels.
MAX_PY_LOOPS = 17
MAX_INDENT = 90
MAX_INSTRUCTIONS = 500_000  # beyond, compiling costs more memory than the budget allows for
MAX_EXPR_SIZE = 12  # operators in one deferred expression before it is materialised
SMALL_FRAME = 32  # locals and instructions of a function whose frames are not charged

M32, M64 = "0xFFFFFFFF", "0xFFFFFFFFFFFFFFFF"


class Untranslatable(Exception):
    """The function is run on the reference interpreter instead (the reason says why)."""


class TooDeep(Untranslatable):
    """Nested deeper than Python's compiler takes: the flat form (``flat.py``) is used."""


@dataclass(frozen=True, slots=True)
class Slot:
    """A simulated operand: a Python expression, the names it reads, its size in operators,
    and, for a comparison, the condition it is ``1 if ... else 0`` of."""

    expr: str
    deps: tuple[str, ...] = ()
    size: int = 0
    cond: str | None = None


@dataclass(slots=True)
class Label:
    """A label of the body being translated, with its Python construct (if any)."""

    kind: str  # "func", "block", "loop", "if"
    base: int  # the height of its registers (block results, loop parameters)
    arity: int  # the values a branch to it carries
    results: int
    pyloop: bool  # a ``while True:`` stands for it
    id: int
    escaping: set[int] = field(default_factory=set)
    fuel_line: int = -1
    fuel_count: int = 0


def scan_targets(body: tuple[Instr, ...]) -> tuple[set[int], int]:
    """The ordinals (in reading order of reachable code) of the blocks, loops and ifs that a
    reachable branch targets, and the number of reachable instructions.  The translator reads
    the body in the same order and decides dead code by the same rule, so the ordinals agree."""
    targeted: set[int] = set()
    count = 0
    ninstr = 0
    labels: list[list[Any]] = [[-1, "func"]]  # [ordinal, kind]
    # (iterator, ordinal, kind, else body or None, reachable at entry)
    work: list[tuple[Iterator[Instr], int, str, tuple[Instr, ...] | None]] = [
        (iter(body), -1, "func", None)
    ]
    reachable = True
    then_reach: list[bool] = []
    while work:
        it, ordinal, kind, else_ = work[-1]
        instr = next(it, None) if reachable else None
        if instr is None:
            work.pop()
            if kind == "func":
                continue
            end_reachable = reachable
            if kind == "if-then":
                then_reach.append(reachable)
                reachable = True
                work.append((iter(else_ or ()), ordinal, "if", None))
                continue
            if kind == "if":
                end_reachable = end_reachable or then_reach.pop()
            labels.pop()
            reachable = end_reachable or (kind != "loop" and ordinal in targeted)
            continue
        ninstr += 1
        match instr:
            case Block(_, inner) | Loop(_, inner):
                k = "loop" if isinstance(instr, Loop) else "block"
                labels.append([count, k])
                work.append((iter(inner), count, k, None))
                count += 1
            case If(_, then, else_body):
                labels.append([count, "if"])
                work.append((iter(then), count, "if-then", else_body))
                count += 1
            case Br(l) | BrIf(l) | BrOnNull(l) | BrOnNonNull(l):
                targeted.add(labels[-1 - l][0])
                reachable = not isinstance(instr, Br)
            case BrTable(ls, default):
                for l in (*ls, default):  # noqa: E741
                    targeted.add(labels[-1 - l][0])
                reachable = False
            case Return() | Unreachable():
                reachable = False
            case _:
                pass
    targeted.discard(-1)
    return targeted, ninstr


class Translator:
    """Translates one function; ``source()`` gives the text of ``def F<x>(d, l0, ...)``."""

    def __init__(
        self,
        store: Store,
        func: WasmFuncInst,
        index: int,
        fueled: bool,
        consts: dict[str, Any],
    ) -> None:
        self.store = store
        self.func = func
        self.module: ModuleInst = func.module
        self.index = index
        self.fueled = fueled
        self.consts = consts  # names the generated code reads from its namespace
        self.lines: list[str] = []
        self.ind = 2  # the body's code sits in ``def``'s ``try:``
        self.stack: list[Slot] = []
        self.deps: dict[str, int] = {}
        self.clean = 0  # the slots below this height are registers or constants
        self.labels: list[Label] = []
        self.reachable = True
        self.uses_br = False
        self.loops: list[Label] = []  # the labels a Python loop stands for, innermost last
        self.regions: list[Label] = []  # the labels charging fuel (function, loops)
        self.ordinal = 0
        self.targeted: set[int] = set()
        self.ninstr = 0
        self.charged = False
        self.charge_on_return = True  # the function's fuel (the flat form charges per chunk)

    # -- Output ------------------------------------------------------------------------------

    def emit(self, text: str) -> None:
        self.lines.append("    " * self.ind + text)

    def const(self, value: Any) -> str:
        """The namespace name of a constant object (a float NaN, a reference, a function)."""
        name = f"K{self.index}_{len(self.consts)}"
        self.consts[name] = value
        return name

    def float_literal(self, x: float) -> str:
        """A Python expression for a float register value, exact to the bit."""
        if x != x or x in (float("inf"), float("-inf")):
            return self.const(x)
        return f"({x!r})"

    # -- The simulated stack -----------------------------------------------------------------

    def push(self, slot: Slot) -> None:
        self.stack.append(slot)
        for n in slot.deps:
            self.deps[n] = self.deps.get(n, 0) + 1
        if slot.size > MAX_EXPR_SIZE:
            self.materialize(len(self.stack) - 1)

    def pop(self) -> Slot:
        slot = self.stack.pop()
        if self.clean > len(self.stack):
            self.clean = len(self.stack)
        for n in slot.deps:
            self.deps[n] -= 1
        return slot

    def pops(self, n: int) -> list[Slot]:
        """The top ``n`` slots, first pushed first."""
        if n == 0:
            return []
        vals = [self.pop() for _ in range(n)]
        vals.reverse()
        return vals

    def readers(self, name: str) -> int:
        return self.deps.get(name, 0)

    def materialize(self, i: int) -> None:
        """Write slot ``i`` to its register unless it is one already (or a constant)."""
        slot = self.stack[i]
        reg = f"s{i}"
        if slot.expr == reg or (slot.size == 0 and not slot.deps):
            return
        if self.readers(reg) - (reg in slot.deps) > 0:
            self.flush()
            return
        self.emit(f"{reg} = {slot.expr}")
        self.replace(i, Slot(reg, (reg,)))

    def replace(self, i: int, slot: Slot) -> None:
        for n in self.stack[i].deps:
            self.deps[n] -= 1
        for n in slot.deps:
            self.deps[n] = self.deps.get(n, 0) + 1
        self.stack[i] = slot

    def flush(self) -> None:
        """Materialise every slot, bottom up: a slot reads only registers at or above its own
        height, so writing a register never changes a slot still to be written."""
        for i in range(self.clean, len(self.stack)):
            slot, reg = self.stack[i], f"s{i}"
            if slot.expr != reg and (slot.size or slot.deps):
                self.emit(f"{reg} = {slot.expr}")
                self.replace(i, Slot(reg, (reg,)))
        self.clean = len(self.stack)

    def before_write(self, *names: str) -> None:
        """Keep deferred expressions reading ``names`` from seeing the new values."""
        if any(self.readers(n) for n in names):
            self.flush()

    def atomize_top(self, k: int) -> None:
        """Make the top ``k`` slots names or literals, so they may be read twice (bottom up:
        writing a register never changes a slot above it)."""
        for i in range(len(self.stack) - k, len(self.stack)):
            if self.stack[i].size:
                self.materialize(i)

    def pure(self, expr: str, *operands: Slot, cond: str | None = None) -> None:
        """Push a deferred pure expression over ``operands``."""
        deps: tuple[str, ...] = tuple({n: None for s in operands for n in s.deps})
        size = 1 + sum(s.size for s in operands)
        self.push(Slot(expr, deps, size, cond))

    def compare(self, cond: str, *operands: Slot) -> None:
        self.pure(f"(1 if {cond} else 0)", *operands, cond=cond)

    def result(self, expr: str) -> None:
        """Emit ``expr`` now (it can trap or reads mutable state); push its register."""
        reg = f"s{len(self.stack)}"
        self.before_write(reg)
        self.emit(f"{reg} = {expr}")
        self.push(Slot(reg, (reg,)))

    def results(self, expr: str, n: int) -> None:
        """Emit a call with ``n`` results; push their registers."""
        if n == 0:
            self.emit(expr)
            return
        if n == 1:
            self.result(expr)
            return
        base = len(self.stack)
        regs = [f"s{base + k}" for k in range(n)]
        self.before_write(*regs)
        self.emit(f"{', '.join(regs)} = {expr}")
        for reg in regs:
            self.push(Slot(reg, (reg,)))

    @staticmethod
    def condition(slot: Slot) -> str:
        return slot.cond if slot.cond is not None else slot.expr

    # -- Types -------------------------------------------------------------------------------

    def functype(self, idx: int) -> FuncType:
        ft = func_type_at(self.module.types, idx)
        if ft is None:
            raise Untranslatable(f"type {idx} is not a function type")
        return ft

    def blocktype(self, bt: BlockType) -> tuple[int, int]:
        if bt is None:
            return 0, 0
        if isinstance(bt, TypeIdx):
            ft = self.functype(bt.idx)
            return len(ft.params), len(ft.results)
        return 0, 1

    def default(self, t: ValType) -> str:
        if t in (NumType.F32, NumType.F64):
            return "0.0"
        v = default_value(t)
        return "0" if isinstance(v, int) else self.const(v)

    # -- The function --------------------------------------------------------------------------

    def source(self) -> str:
        """``def F<index>(d, <params>)``, as text: the shared prologue and exception handlers
        around the body in this translator's form (``body_source``)."""
        ft, code = self.func.type, self.func.code
        self.targeted, ninstr = scan_targets(code.body)
        # Small frames (``SMALL_FRAME`` slots or fewer) are bounded by the call depth instead
        # of charged: charging them would cost a third of a call's time.
        self.charged = len(ft.params) + len(code.locals) > SMALL_FRAME or ninstr > SMALL_FRAME
        func_label = Label("func", 0, len(ft.results), len(ft.results), False, 0)
        self.labels.append(func_label)
        if self.fueled:
            self.regions.append(func_label)
        self.body(code.body)
        self.labels.pop()
        if self.reachable:
            self.emit_return()
        self.consts[f"FU{self.index}"] = func_label.fuel_count + 1
        lines = self.prologue() + self.body_source() + [
            "    except _MEMORY_ERRORS:",
            "        raise _TrapError(_OUT_OF_BOUNDS_MEMORY_ACCESS) from None",
            "    except ZeroDivisionError:",
            "        raise _TrapError(_INTEGER_DIVIDE_BY_ZERO) from None",
        ]
        return self.sized("\n".join(lines) + "\n")

    def prologue(self) -> list[str]:
        """The head of the function: exec-invoke's depth check, the frame's charge against the
        memory budget (``runtime.charge_frame``; every ``return`` gives it back, and the
        executor restores the count after an exception), and the locals' defaults."""
        ft, code = self.func.type, self.func.code
        nparams = len(ft.params)
        lines = [
            f"def F{self.index}(d{''.join(f', l{i}' for i in range(nparams))}):",
            "    if d <= 0: _call_stack_exhausted()",
            "    d -= 1",
        ]
        if self.charged:
            lines.append(f"    STORE.frames_in_use += FS{self.index}")
            lines.append("    if STORE.frames_in_use > STORE.frames_room: _charge_frame(STORE, 0)")
        lines += [f"    l{nparams + i} = {self.default(t)}" for i, t in enumerate(code.locals)]
        return lines

    def body_source(self) -> list[str]:
        """The structured form: the body inside ``try:``."""
        return (["    _br = 0"] if self.uses_br else []) + ["    try:"] + self.lines

    def sized(self, source: str) -> str:
        """Record the frame size of the function whose source this is: its locals and the
        registers it uses (``runtime.frame_size``)."""
        code = self.func.code
        registers = {int(n) for n in re.findall(r"\bs(\d+)\b", source)}
        slots = len(self.func.type.params) + len(code.locals) + len(registers)
        self.consts[f"FS{self.index}"] = frame_size(slots)
        return source

    def fix_fuel(self, label: Label) -> None:
        if label.fuel_line >= 0:
            indent = self.lines[label.fuel_line + 1].split("if")[0]
            self.lines[label.fuel_line] = f"{indent}_fu[0] -= {label.fuel_count + 1}"

    def body(self, body: tuple[Instr, ...]) -> None:
        """Translate a body without Python recursion: ``work`` holds, per nesting level, the
        instructions still to read and what closes the level."""
        work: list[tuple[Iterator[Instr], Callable[[], None] | None]] = [(iter(body), None)]
        while work:
            it, finish = work[-1]
            instr = next(it, None) if self.reachable else None
            if instr is None:
                work.pop()
                if finish is not None:
                    finish()
                continue
            self.ninstr += 1
            if self.ninstr > MAX_INSTRUCTIONS:
                raise Untranslatable("function too large")
            self.count_fuel()
            match instr:
                case Block(bt, inner):
                    work.append((iter(inner), self.open_block("block", bt)))
                case Loop(bt, inner):
                    work.append((iter(inner), self.open_block("loop", bt)))
                case If(bt, then, else_):
                    work.append((iter(then), self.open_if(bt, else_, work)))
                case _:
                    self.instr(instr)

    def count_fuel(self) -> None:
        if self.regions:
            self.regions[-1].fuel_count += 1

    # -- Control -------------------------------------------------------------------------------

    def enter_loop(self, label: Label) -> None:
        """Open a ``while True:`` standing for ``label``."""
        self.loops.append(label)
        if len(self.loops) > MAX_PY_LOOPS or self.ind > MAX_INDENT:
            raise TooDeep("nesting too deep for Python's compiler")
        self.emit("while True:")
        self.ind += 1

    def exit_loop(self, label: Label) -> None:
        """Close the ``while True:`` of ``label``: falling out of its end leaves it."""
        self.emit("break")
        self.ind -= 1
        self.loops.pop()
        if label.fuel_line >= 0:
            self.regions.pop()
            self.fix_fuel(label)
        self.after_loop(label)

    def new_label(self, kind: str, bt: BlockType) -> Label:
        """The label a ``block``, ``loop`` or ``if`` enters (exec-block, exec-loop, exec-if:
        its arity, and the height of its registers), with the operand stack made ready for a
        construct that branches land in: no deferred value may cross it, and parameters that
        a branch back (loop) or an absent ``else`` (if) passes on sit in their registers.
        An ``if``'s condition has been popped already."""
        nparams, nresults = self.blocktype(bt)
        ordinal = self.ordinal
        self.ordinal += 1
        targeted = ordinal in self.targeted
        if targeted or kind == "if":
            self.flush()
        base = len(self.stack) - nparams
        if kind == "if" or (targeted and kind == "loop"):
            self.params_to_registers(base)
        arity = nparams if kind == "loop" else nresults
        return Label(kind, base, arity, nresults, targeted, ordinal + 1)

    def open_block(self, kind: str, bt: BlockType) -> Callable[[], None]:
        """exec-block / exec-loop: a ``while True:`` if some branch targets the label."""
        label = self.new_label(kind, bt)
        targeted = label.pyloop
        if targeted:
            self.enter_loop(label)
            if self.fueled and kind == "loop":
                label.fuel_line = len(self.lines)
                self.regions.append(label)
                self.emit("")
                self.emit("if _fu[0] < 0: _fuel_exhausted()")
        self.labels.append(label)

        def finish() -> None:
            self.labels.pop()
            end_reachable = self.reachable
            if label.pyloop:
                if end_reachable:
                    self.to_registers(label.base, self.pops(label.results))
                self.exit_loop(label)
                self.reset_stack(label.base, label.results)
            self.reachable = end_reachable or (kind == "block" and targeted)

        return finish

    def open_if(
        self,
        bt: BlockType,
        else_: tuple[Instr, ...],
        work: list[tuple[Iterator[Instr], Callable[[], None] | None]],
    ) -> Callable[[], None]:
        """exec-if: Python ``if``/``else``, inside a ``while True:`` if a branch targets it."""
        cond = self.condition(self.pop())
        label = self.new_label("if", bt)
        base, nresults, targeted = label.base, label.results, label.pyloop
        params = self.stack[base:]
        if self.ind > MAX_INDENT:
            raise TooDeep("nesting too deep for Python's compiler")
        if targeted:
            self.enter_loop(label)
        self.emit(f"if {cond}:")
        self.ind += 1
        self.labels.append(label)
        start = len(self.lines)

        def finish_then() -> None:
            then_reachable = self.reachable
            if then_reachable:
                self.to_registers(base, self.pops(nresults))
            if len(self.lines) == start:
                self.emit("pass")
            self.ind -= 1
            self.truncate(base)
            for slot in params:
                self.push(slot)
            self.reachable = True
            if else_:
                self.emit("else:")
                self.ind += 1
            start_else = len(self.lines)

            def finish_else() -> None:
                self.labels.pop()
                else_reachable = self.reachable
                if else_:
                    if else_reachable:
                        self.to_registers(base, self.pops(nresults))
                    if len(self.lines) == start_else:
                        self.emit("pass")
                    self.ind -= 1
                if targeted:
                    self.exit_loop(label)
                self.reset_stack(base, nresults)
                self.reachable = then_reachable or else_reachable or targeted

            work.append((iter(else_), finish_else))

        return finish_then

    def params_to_registers(self, base: int) -> None:
        """Put the slots from ``base`` up in their registers, constants included."""
        for i in range(base, len(self.stack)):
            if self.stack[i].expr != f"s{i}":
                self.emit(f"s{i} = {self.stack[i].expr}")
                self.replace(i, Slot(f"s{i}", (f"s{i}",)))

    def truncate(self, height: int) -> None:
        while len(self.stack) > height:
            self.pop()

    def reset_stack(self, base: int, n: int) -> None:
        """After a construct: the slots below it, then its results in their registers."""
        self.truncate(base)
        for k in range(n):
            self.push(Slot(f"s{base + k}", (f"s{base + k}",)))

    def to_registers(self, base: int, vals: list[Slot]) -> None:
        """Assign values to the registers ``s<base>...`` at once (a parallel assignment)."""
        pairs = [(f"s{base + k}", v.expr) for k, v in enumerate(vals) if v.expr != f"s{base + k}"]
        if pairs:
            self.emit(f"{', '.join(p[0] for p in pairs)} = {', '.join(p[1] for p in pairs)}")

    def after_loop(self, label: Label) -> None:
        """After a Python loop: pass on branches that crossed it to labels further out."""
        if not label.escaping:
            return
        outer = self.loops[-1] if self.loops else None
        if outer is None:
            raise Untranslatable("branch to a label without a Python loop")
        self.emit("if _br:")
        self.ind += 1
        if outer.id in label.escaping:
            self.emit(f"if _br == {outer.id}:")
            self.emit(f"    _br = 0; {'continue' if outer.kind == 'loop' else 'break'}")
        rest = label.escaping - {outer.id}
        if rest:
            outer.escaping |= rest
            self.emit("break")
        elif outer.id not in label.escaping:
            self.emit("pass")
        self.ind -= 1

    def jump(self, l: int, vals: list[Slot]) -> None:  # noqa: E741
        """exec-br: move the label's values to its registers and leave for it."""
        label = self.labels[-1 - l]
        if label.kind == "func":
            self.emit_return_of(vals)
            return
        self.to_registers(label.base, vals)
        inner = self.loops[-1]
        if inner is label:
            self.emit("continue" if label.kind == "loop" else "break")
            return
        self.uses_br = True
        inner.escaping.add(label.id)
        self.emit(f"_br = {label.id}; break")

    def emit_return(self) -> None:
        self.emit_return_of(self.pops(len(self.func.type.results)))

    def emit_return_of(self, vals: list[Slot]) -> None:
        """exec-return; with fuel, the function's own instructions are charged here (loops
        charge theirs per iteration): a recursion then runs into the call-depth limit before
        it is charged, as on the reference, and what never returns is bounded by its loops or
        by the call depth."""
        if self.fueled and self.charge_on_return:
            self.emit(f"_fu[0] -= FU{self.index}")
            self.emit("if _fu[0] < 0: _fuel_exhausted()")
        release = f"STORE.frames_in_use -= FS{self.index}; " if self.charged else ""
        if not vals:
            self.emit(release + "return")
        elif len(vals) == 1:
            self.emit(f"{release}return {vals[0].expr}")
        else:
            self.emit(f"{release}return ({', '.join(v.expr for v in vals)})")

    def branch_values(self, l: int) -> list[Slot]:  # noqa: E741
        label = self.labels[-1 - l]
        return self.stack[len(self.stack) - label.arity :] if label.arity else []

    # -- Instructions ------------------------------------------------------------------------

    def instr(self, instr: Instr) -> None:
        match instr:
            case Nop():
                pass
            case Unreachable():
                self.emit("_trap_unreachable()")
                self.reachable = False
            case Drop():
                self.pop()
            case Select():
                c, b = self.pop(), self.pop()
                a = self.pop()
                self.pure(f"({a.expr} if {self.condition(c)} else {b.expr})", a, b, c)
            case Br(l):
                self.jump(l, self.pops(self.labels[-1 - l].arity))
                self.reachable = False
            case BrIf(l):
                c = self.pop()
                self.emit(f"if {self.condition(c)}:")
                self.ind += 1
                self.jump(l, self.branch_values(l))
                self.ind -= 1
            case BrTable(ls, default):
                self.br_table(ls, default)
            case Return():
                self.emit_return()
                self.reachable = False
            case Call(x):
                self.call(f"F{x}", self.store.funcs[self.module.funcaddrs[x]].type)
            case CallIndirect(x, TypeIdx(y)):
                ft = self.functype(y)
                i = self.pop()
                # 3.0: the callee's defined type must match (canonical types, subtyping).
                deftypes = self.module.deftypes
                ftname = self.const(deftypes[y] if y < len(deftypes) else ft)
                self.call(f"_call_indirect(T{x}, {i.expr}, {ftname})", ft)
            case LocalGet(x):
                self.push(Slot(f"l{x}", (f"l{x}",)))
            case LocalSet(x):
                self.set_local(x, self.pop())
            case LocalTee(x):
                self.set_local(x, self.pop())
                self.push(Slot(f"l{x}", (f"l{x}",)))
            case GlobalGet(x):
                self.global_get(x)
            case GlobalSet(x):
                self.global_set(x, self.pop())
            case Const(nt, bits):
                self.push(self.constant(nt, bits))
            case VConst(bits):
                self.push(Slot(str(bits)))
            case Unop(nt, op):
                self.unop(nt, op)
            case Binop(nt, op):
                self.binop(nt, op)
            case Testop(nt, _):
                a = self.pop()
                self.compare(f"{a.expr} == 0", a)
            case Relop(nt, op):
                self.relop(nt, op)
            case Cvtop(nt1, nt2, op):
                self.cvtop(nt1, nt2, op)
            case RefNull(ht):
                self.push(Slot(self.const(RefNullVal(ht))))
            case RefIsNull():
                a = self.pop()
                self.compare(f"{a.expr}.__class__ is _RefNullVal", a)
            case RefFunc(x):
                self.push(Slot(self.const(RefFuncAddr(self.module.funcaddrs[x]))))
            case RefAsNonNull():
                self.result(f"_ref_as_non_null({self.pop().expr})")
            case BrOnNull(l):
                self.br_on_null(l, on_null=True)
            case BrOnNonNull(l):
                self.br_on_null(l, on_null=False)
            case CallRef(TypeIdx(y)):
                r = self.pop()
                self.call(f"_ref_callee({r.expr})", self.functype(y))
            case _:
                self.memory_or_table(instr)

    def br_on_null(self, l: int, on_null: bool) -> None:  # noqa: E741
        """Step_pure/br_on_null, Step_pure/br_on_non_null (3.0): test the reference on top;
        ``br_on_null`` branches without it, ``br_on_non_null`` with it."""
        self.atomize_top(1)
        r = self.stack[-1].expr
        self.emit(f"if {r}.__class__ is {'' if on_null else 'not '}_RefNullVal:")
        self.ind += 1
        if on_null:
            arity = self.labels[-1 - l].arity
            self.jump(l, self.stack[len(self.stack) - 1 - arity : len(self.stack) - 1])
        else:
            self.jump(l, self.branch_values(l))
        self.ind -= 1
        if not on_null:
            self.pop()

    def set_local(self, x: int, v: Slot) -> None:
        """exec-local.set"""
        name = f"l{x}"
        if v.expr == name:
            return
        self.before_write(name)
        self.emit(f"{name} = {v.expr}")

    def br_table(self, ls: tuple[int, ...], default: int) -> None:
        """exec-br_table: one ``if`` per distinct target (each ends in a jump)."""
        self.atomize_top(1)
        i = self.pop()
        by_target: dict[int, list[int]] = {}
        for k, l in enumerate(ls):  # noqa: E741
            if l != default:
                by_target.setdefault(l, []).append(k)
        for l, ks in by_target.items():  # noqa: E741
            test = f"{i.expr} == {ks[0]}" if len(ks) == 1 else f"{i.expr} in {self.const(frozenset(ks))}"
            self.emit(f"if {test}:")
            self.ind += 1
            self.jump(l, self.branch_values(l))
            self.ind -= 1
        self.jump(default, self.branch_values(default))
        self.reachable = False

    def call(self, callee: str, ft: FuncType) -> None:
        """exec-call / exec-call_indirect: the callee checks the depth itself."""
        args = self.pops(len(ft.params))
        argtext = "".join(f", {a.expr}" for a in args)
        self.results(f"{callee}(d{argtext})", len(ft.results))

    def global_get(self, x: int) -> None:
        """exec-global.get: an immutable global is a constant by the time code runs."""
        g = self.store.globals[self.module.globaladdrs[x]]
        t = g.type.valtype
        if g.type.mut is Mut.CONST:
            self.push(self.constant(t, g.value) if isinstance(g.value, int) else Slot(self.const(g.value)))
            return
        if t is NumType.F32:
            self.result(f"_f32_of_bits(G{x}.value)")
        elif t is NumType.F64:
            self.result(f"_f64_of_bits(G{x}.value)")
        else:
            self.result(f"G{x}.value")

    def global_set(self, x: int, v: Slot) -> None:
        """exec-global.set: globals hold bit patterns, as in the reference."""
        t = self.store.globals[self.module.globaladdrs[x]].type.valtype
        if t is NumType.F32:
            self.emit(f"G{x}.value = _bits_of_f32({v.expr})")
        elif t is NumType.F64:
            self.emit(f"G{x}.value = _bits_of_f64({v.expr})")
        else:
            self.emit(f"G{x}.value = {v.expr}")

    def constant(self, t: ValType, bits: int) -> Slot:
        """exec-const: a literal in the register representation."""
        if t is NumType.F32:
            return Slot(self.float_literal(f32_of_bits(bits)))
        if t is NumType.F64:
            return Slot(self.float_literal(f64_of_bits(bits)))
        if isinstance(bits, int):
            return Slot(str(bits))
        return Slot(self.const(bits))

    # -- Numeric instructions (exec-instr-numeric) --------------------------------------------

    def unop(self, nt: NumType, op: UnOp) -> None:
        """exec-unop"""
        a = self.pop()
        x = a.expr
        if nt in (NumType.I32, NumType.I64):
            bits = nt.bits
            mask = M32 if bits == 32 else M64
            match op:
                case UnOp.CLZ:
                    e = f"({bits} - ({x}).bit_length())"
                case UnOp.CTZ:
                    e = f"_ctz({x}, {bits})"
                case UnOp.POPCNT:
                    e = f"({x}).bit_count()"
                case UnOp.EXTEND8_S | UnOp.EXTEND16_S | UnOp.EXTEND32_S:
                    n = {UnOp.EXTEND8_S: 8, UnOp.EXTEND16_S: 16, UnOp.EXTEND32_S: 32}[op]
                    m, h = (1 << n) - 1, 1 << (n - 1)
                    e = f"(((({x} & {m}) ^ {h}) - {h}) & {mask})"
                case _:
                    raise Untranslatable(f"{nt}.{op}")
            self.pure(e, a)
            return
        rnd = nt is NumType.F32 and op is UnOp.SQRT
        e = {
            UnOp.ABS: f"_fabs({x})",
            UnOp.NEG: f"(-{x})",
            UnOp.SQRT: f"_fsqrt({x})",
            UnOp.CEIL: f"_fceil({x})",
            UnOp.FLOOR: f"_ffloor({x})",
            UnOp.TRUNC: f"_ftrunc({x})",
            UnOp.NEAREST: f"_fnearest({x})",
        }[op]
        self.pure(f"_round_f32({e})" if rnd else e, a)

    def binop(self, nt: NumType, op: BinOp) -> None:
        """exec-binop"""
        if op is BinOp.DIV:  # the operands appear twice in the expression
            self.atomize_top(2)
        b = self.pop()
        a = self.pop()
        if nt in (NumType.I32, NumType.I64):
            self.int_binop(nt.bits, op, a, b)
        else:
            self.float_binop(nt, op, a, b)

    def int_binop(self, bits: int, op: BinOp, a: Slot, b: Slot) -> None:
        mask = M32 if bits == 32 else M64
        sign = hex(1 << (bits - 1))
        x, y = a.expr, b.expr
        shift = f"({y} & {bits - 1})"
        if b.size == 0 and y.isdigit():
            shift = str(int(y) & (bits - 1))
        match op:
            case BinOp.ADD:
                self.pure(f"(({x} + {y}) & {mask})", a, b)
            case BinOp.SUB:
                self.pure(f"(({x} - {y}) & {mask})", a, b)
            case BinOp.MUL:
                self.pure(f"(({x} * {y}) & {mask})", a, b)
            case BinOp.AND:
                self.pure(f"({x} & {y})", a, b)
            case BinOp.OR:
                self.pure(f"({x} | {y})", a, b)
            case BinOp.XOR:
                self.pure(f"({x} ^ {y})", a, b)
            case BinOp.SHL:
                self.pure(f"(({x} << {shift}) & {mask})", a, b)
            case BinOp.SHR_U:
                self.pure(f"({x} >> {shift})", a, b)
            case BinOp.SHR_S:
                self.pure(f"(((({x} ^ {sign}) - {sign}) >> {shift}) & {mask})", a, b)
            case BinOp.ROTL:
                self.pure(f"_rotl{bits}({x}, {y})", a, b)
            case BinOp.ROTR:
                self.pure(f"_rotr{bits}({x}, {y})", a, b)
            case BinOp.DIV_U:
                self.result(f"({x} // {y})")
            case BinOp.REM_U:
                self.result(f"({x} % {y})")
            case BinOp.DIV_S:
                self.result(f"_idiv_s({x}, {y}, {bits})")
            case BinOp.REM_S:
                self.result(f"_irem_s({x}, {y}, {bits})")
            case _:
                raise Untranslatable(f"i{bits}.{op}")

    def float_binop(self, nt: NumType, op: BinOp, a: Slot, b: Slot) -> None:
        x, y = a.expr, b.expr
        e = {
            BinOp.ADD: f"({x} + {y})",
            BinOp.SUB: f"({x} - {y})",
            BinOp.MUL: f"({x} * {y})",
            BinOp.DIV: f"({x} / {y} if {y} else _fdiv_zero({x}, {y}))",
            BinOp.MIN: f"_fmin({x}, {y})",
            BinOp.MAX: f"_fmax({x}, {y})",
            BinOp.COPYSIGN: f"_copysign({x}, {y})",
        }.get(op)
        if e is None:
            raise Untranslatable(f"{nt}.{op}")
        if nt is NumType.F32 and op in (BinOp.ADD, BinOp.SUB, BinOp.MUL, BinOp.DIV):
            e = f"_round_f32({e})"
        self.pure(e, a, b)

    def relop(self, nt: NumType, op: RelOp) -> None:
        """exec-relop"""
        b = self.pop()
        a = self.pop()
        x, y = a.expr, b.expr
        if op.value.endswith("_s"):
            sign = hex(1 << (nt.bits - 1))
            x, y = f"({x} ^ {sign})", f"({y} ^ {sign})"
        py = {"eq": "==", "ne": "!=", "lt": "<", "gt": ">", "le": "<=", "ge": ">="}[
            op.value.split("_")[0]
        ]
        self.compare(f"{x} {py} {y}", a, b)

    def cvtop(self, nt1: NumType, nt2: NumType, op: CvtOp) -> None:
        """exec-cvtop: ``nt1`` is the result type, ``nt2`` the operand's."""
        a = self.pop()
        x = a.expr
        signed = op in (CvtOp.EXTEND_S, CvtOp.CONVERT_S, CvtOp.TRUNC_S, CvtOp.TRUNC_SAT_S)
        sx = f"(({x} ^ {hex(1 << (nt2.bits - 1))}) - {hex(1 << (nt2.bits - 1))})" if signed else x
        match op:
            case CvtOp.WRAP:
                self.pure(f"({x} & {M32})", a)
            case CvtOp.EXTEND_S:
                self.pure(f"({sx} & {M64})", a)
            case CvtOp.EXTEND_U:
                self.push(a)
            case CvtOp.TRUNC_S | CvtOp.TRUNC_U | CvtOp.TRUNC_SAT_S | CvtOp.TRUNC_SAT_U:
                lo, hi = (-(1 << (nt1.bits - 1)), (1 << (nt1.bits - 1)) - 1) if signed else (0, (1 << nt1.bits) - 1)
                if op in (CvtOp.TRUNC_S, CvtOp.TRUNC_U):
                    self.result(f"_trunc({x}, {lo}, {hi})")
                else:
                    self.pure(f"_trunc_sat({x}, {lo}, {hi})", a)
            case CvtOp.CONVERT_S | CvtOp.CONVERT_U:
                if nt1 is NumType.F64:
                    self.pure(f"float({sx})", a)
                elif nt2 is NumType.I32:
                    self.pure(f"_round_f32(float({sx}))", a)
                else:
                    self.pure(f"_f32_of_int({sx})", a)
            case CvtOp.DEMOTE:
                self.pure(f"_round_f32({x})", a)
            case CvtOp.PROMOTE:
                self.pure(f"_promote({x})", a)
            case CvtOp.REINTERPRET:
                fn = {
                    NumType.I32: "_bits_of_f32",
                    NumType.I64: "_bits_of_f64",
                    NumType.F32: "_f32_of_bits",
                    NumType.F64: "_f64_of_bits",
                }[nt1]
                self.pure(f"{fn}({x})", a)

    # -- Memory, table and vector instructions ------------------------------------------------

    def address(self, offset: int) -> str:
        a = self.pop()
        return a.expr if offset == 0 else f"{a.expr} + {offset}"

    def memory_or_table(self, instr: Instr) -> None:
        match instr:
            case Load(nt, pack, x, memarg):
                self.load(nt, pack.sz if pack else None, pack.sx if pack else None, x, memarg.offset)
            case StoreInstr(nt, sz, x, memarg):
                v = self.pop()
                ea = self.address(memarg.offset)
                self.store_instr(nt, sz, x, ea, v.expr)
            case MemorySize(x):
                self.result(f"(len(M{x}) >> 16)")
            case MemoryGrow(x):
                n = self.pop()
                self.result(f"_memory_grow(STORE, MI{x}, {n.expr})")
            case MemoryFill(x):
                d, v, n = self.pops(3)
                self.emit(f"_memory_fill(M{x}, {d.expr}, {v.expr}, {n.expr})")
            case MemoryCopy(x, y):
                d, s, n = self.pops(3)
                self.emit(f"_memory_copy(M{x}, M{y}, {d.expr}, {s.expr}, {n.expr})")
            case MemoryInit(x, y):
                d, s, n = self.pops(3)
                self.emit(f"_memory_init(M{x}, D{y}, {d.expr}, {s.expr}, {n.expr})")
            case DataDrop(y):
                self.emit(f"_data_drop(D{y})")
            case TableGet(x):
                i = self.pop()
                self.result(f"_table_get(T{x}, {i.expr})")
            case TableSet(x):
                i, v = self.pops(2)
                self.emit(f"_table_set(T{x}, {i.expr}, {v.expr})")
            case TableSize(x):
                self.result(f"len(T{x})")
            case TableGrow(x):
                v, n = self.pops(2)
                self.result(f"_table_grow(STORE, TI{x}, {v.expr}, {n.expr})")
            case TableFill(x):
                i, v, n = self.pops(3)
                self.emit(f"_table_fill(T{x}, {i.expr}, {v.expr}, {n.expr})")
            case TableCopy(x, y):
                d, s, n = self.pops(3)
                self.emit(f"_table_copy(T{x}, T{y}, {d.expr}, {s.expr}, {n.expr})")
            case TableInit(x, y):
                d, s, n = self.pops(3)
                self.emit(f"_table_init(T{x}, E{y}, {d.expr}, {s.expr}, {n.expr})")
            case ElemDrop(y):
                self.emit(f"_elem_drop(E{y})")
            case _:
                self.vector(instr)

    def load(self, nt: NumType, sz: int | None, sx: Sx | None, x: int, offset: int) -> None:
        """exec-load, exec-load-extend"""
        ea = self.address(offset)
        m = f"M{x}"
        if sz is None:
            e = {
                NumType.I32: f"_ld_u32({m}, {ea})[0]",
                NumType.I64: f"_ld_u64({m}, {ea})[0]",
                NumType.F32: f"_ld_f32({m}, {ea})",
                NumType.F64: f"_ld_f64({m}, {ea})[0]",
            }[nt]
        elif sx is Sx.U:
            e = {8: f"{m}[{ea}]", 16: f"_ld_u16({m}, {ea})[0]", 32: f"_ld_u32({m}, {ea})[0]"}[sz]
        else:
            mask = M32 if nt is NumType.I32 else M64
            e = f"(_ld_s{sz}({m}, {ea})[0] & {mask})"
        self.result(e)

    def store_instr(self, nt: NumType, sz: int | None, x: int, ea: str, v: str) -> None:
        """exec-store, exec-storen"""
        m = f"M{x}"
        if sz is None:
            fn = {NumType.I32: "_st_u32", NumType.I64: "_st_u64", NumType.F32: "_st_f32",
                  NumType.F64: "_st_f64"}[nt]
            self.emit(f"{fn}({m}, {ea}, {v})")
        elif sz == 8:
            self.emit(f"{m}[{ea}] = {v} & 0xFF")
        elif sz == 16:
            self.emit(f"_st_u16({m}, {ea}, {v} & 0xFFFF)")
        else:
            self.emit(f"_st_u32({m}, {ea}, {v} & {M32})")

    def vector(self, instr: Instr) -> None:
        """Vector instructions: memory access here; the pure ones call the reference's
        ``refwasm.numerics.vector`` (see docs/fast-path.md), with f32/f64 lanes as bits."""
        match instr:
            case VLoad(None, x, memarg):
                self.result(f"_v128_of(_ld_v128(M{x}, {self.address(memarg.offset)}))")
            case VLoad(VLoadShape(sz, lanes, sx), x, memarg):
                ea = self.address(memarg.offset)
                self.result(f"_vload_extend(M{x}, {ea}, {sz}, {lanes}, {sx is Sx.S})")
            case VLoad(VLoadSplat(sz), x, memarg):
                self.result(f"_vload_splat(M{x}, {self.address(memarg.offset)}, {sz})")
            case VLoad(VLoadZero(sz), x, memarg):
                self.result(f"_vload_bits(M{x}, {self.address(memarg.offset)}, {sz})")
            case VLoadLane(sz, x, memarg, lane):
                v = self.pop()
                ea = self.address(memarg.offset)
                self.result(f"_vload_lane(M{x}, {ea}, {sz}, {lane}, {v.expr})")
            case VStore(x, memarg):
                self.atomize_top(1)
                v = self.pop()
                ea = self.address(memarg.offset)
                self.emit(f"_st_v128(M{x}, {ea}, {v.expr} & {M64}, {v.expr} >> 64)")
            case VStoreLane(sz, x, memarg, lane):
                v = self.pop()
                ea = self.address(memarg.offset)
                self.emit(f"_vstore_lane(M{x}, {ea}, {sz}, {lane}, {v.expr})")
            case _:
                self.vector_pure(instr)

    def vector_pure(self, instr: Instr) -> None:
        if not type(instr).__name__.startswith("V"):
            raise Untranslatable(f"instruction not translated: {type(instr).__name__}")
        try:
            arity, fn = vector_fn(instr)
        except Exception as error:  # a Crash: not a pure vector instruction of 2.0
            raise Untranslatable(str(error)) from None
        args = self.pops(arity)
        texts = [a.expr for a in args]
        shape = getattr(instr, "shape", None)
        if isinstance(instr, VSplat | VReplaceLane) and shape in (Shape.F32X4, Shape.F64X2):
            texts[-1] = f"_bits_of_f{32 if shape is Shape.F32X4 else 64}({texts[-1]})"
        e = f"{self.const(fn)}({', '.join(texts)})"
        if isinstance(instr, VExtractLane) and shape in (Shape.F32X4, Shape.F64X2):
            e = f"_f{32 if shape is Shape.F32X4 else 64}_of_bits({e})"
        self.pure(e, *args)
