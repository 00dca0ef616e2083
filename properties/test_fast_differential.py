"""Differential tests of the fast engine (``store_init(engine="fast")``) against the reference.

Every test instantiates one module in two fresh stores, one per engine, with the same imports,
calls the same exports with the same arguments on both, and after every step compares:

- the outcome: results under the comparison rules of ``refwasm.oracle.compare`` (bits exact,
  except that a quiet NaN of the reference admits any arithmetic NaN), or the error kind, and
  for a trap the suite's message (``"undefined element"`` and ``"out of bounds table access"``
  are told apart here, unlike between foreign engines); a crash (any Python exception) on either
  side always fails; exhaustion must happen on both sides or on neither;
- the state of the instance: every global (not only the exported ones) under the same value
  rules, every memory byte for byte, every table element (function references by the index of
  the function in the instance, since the two stores are distinct).

Tests:

- ``test_operator_on_edge_values``: every numeric and vector opcode of the binary tables, as a
  function of its operands (parameters), of one operand and a constant, and of constants only,
  called with the cross product of edge values of its operand types (deterministic).
- ``test_br_table_*``, ``test_memory_grow_*``, ``test_table_grow_*``, ``test_host_imports``:
  hand-written modules for control and growth edge cases the generated modules rarely reach.
- ``test_generated_modules_agree``: ``refwasm.strategies`` modules (swarm configurations,
  ``ensure_termination``, ``canonicalize_nans``, every item exported), every exported function
  called with edge-biased arguments, then a few more calls; 300 derandomized examples.  In half
  of them every ``drop`` folds the dropped value into an extra global (``observe_drops``), so
  that values the generator computes and throws away are compared too.
- ``test_generated_focused_modules_agree``: the same under swarm configurations narrowed to a
  few instruction classes (integer, float, control, memory), 100 examples each: an opcode is
  drawn uniformly among the enabled kinds, so narrowing makes each one far more frequent.
- ``test_campaign`` (``slow``): the same at scale, ``REFWASM_FAST_DIFF_EXAMPLES`` examples in all
  (default 100,000), half full swarm, half focused, split over ``REFWASM_FAST_DIFF_SHARDS``
  shards (default 4, so ``-n 2`` spreads them), seeds from ``REFWASM_FAST_DIFF_SEED`` (0):
  ``pytest -m slow -n 2 -rP properties/test_fast_differential.py -k campaign`` (``-rP`` prints
  each shard's tally).

Planted bugs: ``REFWASM_PLANT_BUG=NAME`` (one of ``PLANTED_BUGS``) makes every test run the
fast side on a module rewritten to behave as if the engine had that bug (e.g. ``i32.rotl``
without reducing its count modulo 32; see ``_emulate``).  This shows the harness bites without
touching ``refwasm/fast``; bugs planted in ``refwasm/fast`` itself need no variable.
``test_directed_test_catches_planted_bug`` checks in every run that each emulated bug fails its
directed test; the ``slow`` ``test_default_run_catches_planted_bug`` runs the directed test and
every generated-module test of the default run with each emulated bug and prints which fail.
``python properties/test_fast_differential.py`` runs this file once per emulated bug (or once
as it is, ``--bug none``, for a bug planted in ``refwasm/fast``) and prints which tests failed
(``--help`` for options).
"""

from __future__ import annotations

import dataclasses
import itertools
import os
import struct
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import NoReturn

import pytest

pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import seed as hypothesis_seed  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from refwasm import embedding  # noqa: E402
from refwasm.binary.opcodes import Imm  # noqa: E402
from refwasm.engines.base import Value  # noqa: E402
from refwasm.errors import TrapError  # noqa: E402
from refwasm.execution.runtime import ModuleInst, Store  # noqa: E402
from refwasm.execution.values import (  # noqa: E402
    ExternFuncAddr,
    ExternGlobalAddr,
    ExternVal,
    RefFuncAddr,
    RefHostAddr,
    Val,
)
from refwasm.features import Features  # noqa: E402
from refwasm.oracle.compare import (  # noqa: E402
    SPEC_TRAPS,
    Failed,
    Outcome,
    Returned,
    Verdict,
    admits,
    allowed,
    compare,
    outcome_of,
    show_outcome,
)
from refwasm.script.results import show  # noqa: E402
from refwasm.strategies import SwarmConfig, modules, swarm_configs, values  # noqa: E402
from refwasm.strategies.body import ALL_KINDS, kind_key, signature  # noqa: E402
from refwasm.syntax import (  # noqa: E402
    AbsHeapType,
    BinOp,
    Binop,
    Block,
    BrTable,
    Const,
    CvtOp,
    Cvtop,
    Drop,
    Export,
    ExternIdx,
    ExternKind,
    Func,
    FuncType,
    Global,
    GlobalGet,
    GlobalSet,
    GlobalType,
    If,
    Instr,
    LocalGet,
    LocalSet,
    LocalTee,
    Loop,
    MemoryGrow,
    MemorySize,
    Module,
    Mut,
    NumType,
    RefIsNull,
    RefType,
    RelOp,
    Relop,
    Select,
    Shape,
    Type,
    ValType,
    VConst,
    VecType,
    VExtractLane,
    plain_functype,
)
from refwasm.syntax.modules import func_type_at, subtypes  # noqa: E402
from refwasm.text.printer import print_module  # noqa: E402
from refwasm.validation import validate_module  # noqa: E402
from refwasm.validation.context import Context  # noqa: E402
from refwasm.validation.instructions import _RULES as _VALIDATION_RULES  # noqa: E402
from refwasm.validation.instructions import Validator  # noqa: E402
from refwasm.validation.modules import (  # noqa: E402
    body_context,
    declared_refs,
    import_context,
    module_context,
)

I32, I64, F32, F64 = NumType.I32, NumType.I64, NumType.F32, NumType.F64
V128 = VecType.V128
WASM_2_0 = Features.for_version("2.0")

# -- Settings ------------------------------------------------------------------------------------

# The generated modules count calls and loop iterations in a fuel global (``ensure_termination``),
# so no engine fuel is passed: the engines' fuel units may differ.
TERMINATION_FUEL = 200
DEFAULT_EXAMPLES = 300  # the default run; about 40 s on one core with the reference engine
EXTRA_CALLS = 3  # calls drawn after every exported function was called once
CAMPAIGN_EXAMPLES = int(os.environ.get("REFWASM_FAST_DIFF_EXAMPLES", "100000"))
CAMPAIGN_SHARDS = max(1, int(os.environ.get("REFWASM_FAST_DIFF_SHARDS", "4")))
CAMPAIGN_SEED = int(os.environ.get("REFWASM_FAST_DIFF_SEED", "0"))
SUPPRESSED = [
    HealthCheck.too_slow,
    HealthCheck.data_too_large,
    HealthCheck.large_base_example,
    HealthCheck.filter_too_much,
]

# Counts of what the generated-module tests did (printed by the campaign, ``-s`` shows them).
TALLY: Counter[str] = Counter()


# -- Planted bugs (emulated by rewriting the module the fast side runs) --------------------------

PLANTED_BUGS = ("i32.rotl", "f32.min", "br_table", "i64.div_s", "memory.grow")
PLANTED = os.environ.get("REFWASM_PLANT_BUG") or None
if PLANTED is not None and PLANTED not in PLANTED_BUGS:
    raise ValueError(f"REFWASM_PLANT_BUG={PLANTED!r}: expected one of {', '.join(PLANTED_BUGS)}")

INT32_MIN, INT64_MIN = 1 << 31, 1 << 63
MASK32, MASK64 = (1 << 32) - 1, (1 << 64) - 1


def _emulate(bug: str, instr: Instr, scratch: int) -> tuple[list[Instr], tuple[ValType, ...]] | None:
    """The code a buggy engine would in effect run for ``instr``, and the scratch locals it needs
    (numbered from ``scratch``); ``None`` where the bug does not touch ``instr``.

    - ``i32.rotl``: the count is not reduced modulo 32 (a count of 32 or more gives 0);
    - ``f32.min``: equal operands give the first one, so ``min(+0, -0)`` is +0;
    - ``br_table``: an index out of range takes the table's last label, not the default;
    - ``i64.div_s``: ``INT64_MIN / -1`` wraps to ``INT64_MIN`` instead of trapping;
    - ``memory.grow``: a failed grow returns the current size instead of -1.
    """
    a, b = scratch, scratch + 1
    match bug, instr:
        case "i32.rotl", Binop(NumType.I32, BinOp.ROTL):
            code: list[Instr] = [
                LocalSet(b), LocalSet(a), LocalGet(a), LocalGet(b), instr, Const(I32, 0),
                LocalGet(b), Const(I32, 32), Relop(I32, RelOp.LT_U), Select(),
            ]  # fmt: skip
            return code, (I32, I32)
        case "f32.min", Binop(NumType.F32, BinOp.MIN):
            code = [
                LocalSet(b), LocalSet(a), LocalGet(a), LocalGet(a), LocalGet(b), instr,
                LocalGet(a), LocalGet(b), Relop(F32, RelOp.EQ), Select(),
            ]  # fmt: skip
            return code, (F32, F32)
        case "br_table", BrTable(labels, default) if labels and labels[-1] != default:
            return [BrTable(labels, labels[-1])], ()
        case "i64.div_s", Binop(NumType.I64, BinOp.DIV_S):
            # The divisor becomes 1 exactly when the dividend is INT64_MIN and the divisor -1.
            code = [
                LocalSet(b), LocalSet(a), LocalGet(a), LocalGet(b), Const(I64, 1),
                LocalGet(b), Const(I64, MASK64), Relop(I64, RelOp.NE),
                LocalGet(a), Const(I64, INT64_MIN), Relop(I64, RelOp.NE),
                Binop(I32, BinOp.OR), Select(), instr,
            ]  # fmt: skip
            return code, (I64, I64)
        case "memory.grow", MemoryGrow(mem):
            code = [
                instr, LocalTee(a), MemorySize(mem), LocalGet(a), Const(I32, MASK32),
                Relop(I32, RelOp.NE), Select(),
            ]  # fmt: skip
            return code, (I32,)
    return None


def map_body(body: tuple[Instr, ...],
             f: Callable[[Instr, tuple[Instr, ...], int], list[Instr] | None]
             ) -> tuple[Instr, ...]:  # fmt: skip
    """``body`` with every instruction ``i`` at position ``pos`` of its sequence ``seq`` (blocks
    included, recursively) replaced by ``f(i, seq, pos)``, or kept where that is ``None``."""
    out: list[Instr] = []
    for pos, i in enumerate(body):
        match i:
            case Block(bt, inner):
                out.append(Block(bt, map_body(inner, f)))
            case Loop(bt, inner):
                out.append(Loop(bt, map_body(inner, f)))
            case If(bt, then, else_):
                out.append(If(bt, map_body(then, f), map_body(else_, f)))
            case _:
                replaced = f(i, body, pos)
                out.extend([i] if replaced is None else replaced)
    return tuple(out)


def plant(module: Module, bug: str, features: Features = WASM_2_0) -> Module:
    """``module`` with every instruction the emulated ``bug`` touches rewritten (valid)."""
    space = subtypes(module)
    funcs = []
    for func in module.funcs:
        ft = func_type_at(space, func.typeidx)
        assert ft is not None
        scratch = len(ft.params) + len(func.locals)
        extra: list[ValType] = []

        def emulate(i: Instr, seq: tuple[Instr, ...], pos: int, scratch: int = scratch,
                    extra: list[ValType] = extra) -> list[Instr] | None:  # fmt: skip
            emulated = _emulate(bug, i, scratch)
            if emulated is None:
                return None
            extra[:] = emulated[1]
            return emulated[0]

        body = map_body(func.body, emulate)
        funcs.append(dataclasses.replace(func, locals=(*func.locals, *extra), body=body))
    planted = dataclasses.replace(module, funcs=tuple(funcs))
    validate_module(planted, features)  # a bug of the emulation itself shows here, not as a diff
    return planted


# -- Making dropped values observable -----------------------------------------------------------

# The generator closes frames by dropping what does not fit, so most computed values vanish
# without a trace: a wrong ``i32.rotl`` whose result is dropped is invisible.  Half of the
# generated examples run with every ``drop`` of a typed value replaced by a fold of the value
# into one of two extra mutable globals (``obs = obs * 31 + bits``), which the state comparison
# reads after every call.  The other half keeps ``drop``: an engine may not elide a dropped
# computation that traps.


class _DropTypes(Validator):
    """The validation algorithm, recording the type of the operand each ``drop`` pops (``None``
    in unreachable code), by (its instruction sequence, its position)."""

    __slots__ = ("drops",)

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.drops: dict[tuple[int, int], ValType | None] = {}

    def run(self, expr: tuple[Instr, ...], results: tuple[ValType, ...]) -> None:
        self.push_ctrl("func", FuncType((), results), expr)
        while self.ctrls:
            frame = self.ctrls[-1]
            if frame.pos < len(frame.instrs):
                instr = frame.instrs[frame.pos]
                if isinstance(instr, Drop):
                    top = self.vals[-1] if len(self.vals) > frame.height else None
                    self.drops[id(frame.instrs), frame.pos] = top  # type: ignore[assignment]
                frame.pos += 1
                _VALIDATION_RULES[type(instr)](self, instr)
            else:
                self.end()


def _sink(t: ValType | None, g32: int, g64: int, scratch: int) -> list[Instr] | None:
    """Code folding the value of type ``t`` on top of the stack into global ``g32``/``g64``."""
    i32: list[Instr] = [GlobalGet(g32), Const(I32, 31), Binop(I32, BinOp.MUL), Binop(I32, BinOp.ADD),
           GlobalSet(g32)]  # fmt: skip
    i64: list[Instr] = [GlobalGet(g64), Const(I64, 31), Binop(I64, BinOp.MUL), Binop(I64, BinOp.ADD),
           GlobalSet(g64)]  # fmt: skip
    match t:
        case NumType.I32:
            return i32
        case NumType.I64:
            return i64
        case NumType.F32:
            return [Cvtop(I32, F32, CvtOp.REINTERPRET), *i32]
        case NumType.F64:
            return [Cvtop(I64, F64, CvtOp.REINTERPRET), *i64]
        case VecType.V128:
            return [LocalTee(scratch), VExtractLane(Shape.I64X2, None, 0), *i64,
                    LocalGet(scratch), VExtractLane(Shape.I64X2, None, 1), *i64]  # fmt: skip
        case RefType():
            return [RefIsNull(), *i32]
    return None  # unreachable code: the operand has no type


def observe_drops(module: Module, features: Features) -> Module:
    """``module`` with every ``drop`` of a typed operand folding it into two new globals."""
    ctx0 = Context(types=subtypes(module), refs=declared_refs(module), features=features)
    ctx = module_context(import_context(ctx0, module.imports), module)
    g32 = len(ctx.globals)
    g64 = g32 + 1
    funcs = []
    for func in module.funcs:
        body_ctx, results = body_context(ctx, func)
        recorder = _DropTypes(body_ctx)
        recorder.run(func.body, results)
        scratch = len(body_ctx.locals)
        drops = recorder.drops

        def sink(i: Instr, seq: tuple[Instr, ...], pos: int, scratch: int = scratch,
                 drops: dict[tuple[int, int], ValType | None] = drops) -> list[Instr] | None:  # fmt: skip
            if not isinstance(i, Drop):
                return None
            return _sink(drops.get((id(seq), pos)), g32, g64, scratch)

        body = map_body(func.body, sink)
        used_v128 = V128 in drops.values()
        funcs.append(Func(func.typeidx, (*func.locals, *((V128,) if used_v128 else ())), body))
    observers = tuple(Global(GlobalType(Mut.VAR, t), (Const(t, 0),)) for t in (I32, I64))
    return dataclasses.replace(module, globals=(*module.globals, *observers), funcs=tuple(funcs))


# -- The harness ---------------------------------------------------------------------------------


class Disagreement(AssertionError):
    """The engines disagreed; the message holds the module and the steps so far."""


@dataclass(frozen=True, slots=True)
class FuncIndex:
    """An argument that is a reference to the function at this index of the instance (each
    store has its own address for it)."""

    index: int


Arg = Val | FuncIndex
Imports = Callable[[Store], Sequence[ExternVal]]


@dataclass
class Side:
    """One engine's store and instance."""

    engine: str
    store: Store
    inst: ModuleInst | None = None

    def funcref_index(self, addr: int) -> object:
        """A function reference as something both stores agree on: the function's index in
        the instance (or its address, for a function of another instance)."""
        assert self.inst is not None
        if addr in self.inst.funcaddrs:
            return ("func", self.inst.funcaddrs.index(addr))
        return ("funcaddr", addr)

    def canonical(self, v: Val) -> object:
        return self.funcref_index(v.addr) if isinstance(v, RefFuncAddr) else v

    def arg(self, a: Arg) -> Val:
        if isinstance(a, FuncIndex):
            assert self.inst is not None
            return RefFuncAddr(self.inst.funcaddrs[a.index])
        return a


def _suite_message(message: str) -> str:
    """The suite's trap message a message starts with (refwasm may append details)."""
    known = [m for m in SPEC_TRAPS if message.startswith(m)]
    return max(known, key=len) if known else message


@dataclass
class Pair:
    """One module on both engines, stepped in lockstep and compared after every step."""

    module: Module
    features: Features = WASM_2_0
    imports: Imports | None = None
    plant: str | None = PLANTED
    max_call_depth: int | None = None
    memory_budget: int | None = None
    steps: list[str] = field(default_factory=list)
    alive: bool = True

    def __post_init__(self) -> None:
        limits: dict[str, int] = {}
        if self.max_call_depth is not None:
            limits["max_call_depth"] = self.max_call_depth
        if self.memory_budget is not None:
            limits["memory_budget"] = self.memory_budget
        self.ref = Side("reference", embedding.store_init(engine="reference", **limits))
        self.fast = Side("fast", embedding.store_init(engine="fast", **limits))
        self.fast_module = (
            plant(self.module, self.plant, self.features) if self.plant else self.module
        )

    # ---- steps

    def instantiate(self) -> bool:
        """Instantiate on both engines; whether both did (a failure must agree)."""

        def on(side: Side, module: Module) -> Callable[[], list[Value]]:
            def thunk() -> list[Value]:
                externs = self.imports(side.store) if self.imports else []
                side.inst = embedding.module_instantiate(
                    side.store, module, externs, self.features
                )
                return []

            return thunk

        ref = outcome_of(on(self.ref, self.module))
        fast = outcome_of(on(self.fast, self.fast_module))
        self._judge("instantiate", ref, fast)
        if self.alive and (self.ref.inst is None) != (self.fast.inst is None):
            self.fail("one engine instantiated, the other did not")
        if self.alive and self.ref.inst is not None:
            self.compare_state("instantiate")
        return self.alive and self.ref.inst is not None

    def functype(self, name: str) -> FuncType:
        assert self.ref.inst is not None
        ev = embedding.instance_export(self.ref.inst, name)
        assert isinstance(ev, ExternFuncAddr)
        return embedding.func_type(self.ref.store, ev.addr)

    def func_exports(self) -> list[str]:
        assert self.ref.inst is not None
        return [n for n, ev in self.ref.inst.exports.items() if isinstance(ev, ExternFuncAddr)]

    def invoke(self, name: str, args: Sequence[Arg]) -> Outcome:
        """Call export ``name`` on both engines and compare; the reference's outcome."""
        assert self.alive, "the instance was abandoned after an exhaustion"
        results = self.functype(name).results

        def on(side: Side) -> Callable[[], list[Value]]:
            def thunk() -> list[Value]:
                assert side.inst is not None
                ev = embedding.instance_export(side.inst, name)
                assert isinstance(ev, ExternFuncAddr)
                vals = embedding.func_invoke(side.store, ev.addr, [side.arg(a) for a in args])
                return [Value(t, v) for t, v in zip(results, vals, strict=False)]

            return thunk

        ref, fast = outcome_of(on(self.ref)), outcome_of(on(self.fast))
        shown = " ".join(_show_arg(a) for a in args)
        label = f"invoke {name} {shown}".rstrip()
        self._judge(label, ref, fast)
        if self.alive:
            self.compare_state(label)
        return ref

    # ---- judging

    def _judge(self, label: str, ref: Outcome, fast: Outcome) -> None:
        self.steps.append(f"{label}: reference {show_outcome(ref)}; fast {show_outcome(fast)}")
        TALLY["steps"] += 1
        for outcome in (ref, fast):
            if isinstance(outcome, Failed) and outcome.kind == "crash":
                self.fail("a crash (an exception that is no Wasm outcome)")
        if isinstance(ref, Failed) and ref.kind == "exhaustion" or (
            isinstance(fast, Failed) and fast.kind == "exhaustion"
        ):
            if not (isinstance(ref, Failed) and isinstance(fast, Failed) and ref == fast):
                self.fail("exhaustion on one side only, or of different kinds")
            TALLY["exhaustion"] += 1
            self.alive = False  # both ran out: nothing is known of the state after it
            return
        verdict = compare(ref, fast)
        if verdict.verdict is not Verdict.AGREE:
            self.fail(verdict.reason)
        match ref, fast:
            case Failed("trap", mine), Failed("trap", theirs):
                TALLY["traps"] += 1
                if _suite_message(mine) != _suite_message(theirs):
                    self.fail(f"trap message {theirs!r}, reference {mine!r}")
            case Returned(mine), Returned(theirs):
                TALLY["returns"] += 1
                for i, (x, y) in enumerate(zip(mine, theirs, strict=True)):
                    if self.ref.canonical(x.val) != self.fast.canonical(y.val) and not (
                        isinstance(x.val, int) and admits(allowed(x), y)
                    ):
                        self.fail(f"result {i}: {show(y)}, reference {show(x)}")

    def compare_state(self, label: str) -> None:
        """Every global, memory and table of the instance, on both engines."""
        r, f = self.ref, self.fast
        assert r.inst is not None and f.inst is not None
        for i, (ga, gb) in enumerate(zip(r.inst.globaladdrs, f.inst.globaladdrs, strict=True)):
            x, y = r.store.globals[ga], f.store.globals[gb]
            mine, theirs = Value(x.type.valtype, x.value), Value(y.type.valtype, y.value)
            if isinstance(x.value, int) and isinstance(y.value, int):
                same = admits(allowed(mine), theirs)
            else:
                same = r.canonical(x.value) == f.canonical(y.value)
            if not same:
                self.fail(f"after {label}: global {i} is {show(theirs)}, reference {show(mine)}")
        for i, (ma, mb) in enumerate(zip(r.inst.memaddrs, f.inst.memaddrs, strict=True)):
            x_data, y_data = r.store.mems[ma].data, f.store.mems[mb].data
            if x_data != y_data:
                self.fail(f"after {label}: memory {i} differs: {_first_difference(x_data, y_data)}")
        for i, (ta, tb) in enumerate(zip(r.inst.tableaddrs, f.inst.tableaddrs, strict=True)):
            x_elem = [r.canonical(v) for v in r.store.tables[ta].elem]
            y_elem = [f.canonical(v) for v in f.store.tables[tb].elem]
            if x_elem != y_elem:
                at = next((k for k, (p, q) in enumerate(zip(x_elem, y_elem, strict=False)) if p != q), None)
                self.fail(f"after {label}: table {i} differs (sizes {len(y_elem)} and "
                          f"{len(x_elem)}, first difference at {at})")  # fmt: skip

    def fail(self, reason: str) -> NoReturn:
        planted = f" (emulated planted bug: {self.plant})" if self.plant else ""
        raise Disagreement(
            f"fast engine disagrees with the reference{planted}: {reason}\n"
            + "steps:\n  " + "\n  ".join(self.steps[-20:])
            + f"\nmodule:\n{_module_text(self.module)}"
        )


def _module_text(module: Module) -> str:
    try:
        text = print_module(module)
    except Exception as error:  # noqa: BLE001 -- the report must not hide the disagreement
        return f"(unprintable: {error!r}) {module!r}"
    return text if len(text) < 20_000 else text[:20_000] + "\n..."


def _show_arg(a: Arg) -> str:
    if isinstance(a, FuncIndex):
        return f"(ref.func {a.index})"
    return hex(a) if isinstance(a, int) else repr(a)


def _first_difference(a: bytearray, b: bytearray) -> str:
    if len(a) != len(b):
        return f"sizes {len(b)} (fast) and {len(a)} (reference) bytes"
    at = next(k for k in range(len(a)) if a[k] != b[k])
    return f"byte {at}: fast {b[at]:#04x}, reference {a[at]:#04x}"


# -- Edge values ---------------------------------------------------------------------------------


def f32(x: float) -> int:
    return int.from_bytes(struct.pack("<f", x), "little")


def f64(x: float) -> int:
    return int.from_bytes(struct.pack("<d", x), "little")


def _signed(*xs: float, bits: Callable[[float], int]) -> list[int]:
    return [bits(x) for x in xs] + [bits(-x) for x in xs]


# Shift and rotate counts around the width, both signed and unsigned extremes.
I32_EDGES = [0, 1, 2, 31, 32, 33, 63, 64, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF,
             0x7FFF_FFFF, 0x8000_0000, 0x8000_0001, 0xFFFF_FFFE, 0xFFFF_FFFF, 0x1234_5678]  # fmt: skip
I64_EDGES = [0, 1, 2, 63, 64, 65, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 0x1_0000_0000,
             0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0x8000_0000_0000_0001,
             0xFFFF_FFFF_FFFF_FFFE, 0xFFFF_FFFF_FFFF_FFFF, 0x0123_4567_89AB_CDEF]  # fmt: skip
# Signed zeros, halves (nearest), truncation bounds of i32/i64/u32/u64, rounding edges of f32,
# subnormals, extremes, infinities, and NaNs: canonical, with a payload, signalling, both signs.
F32_EDGES = [
    *_signed(0.0, 1.0, 0.5, 1.5, 2.5, 2.0**31, 2.0**32, 2.0**63, 2.0**64, 8388609.0,
             float("inf"), bits=f32),
    0x3EFF_FFFF, 0xCF00_0001, 0x4F7F_FFFF, 0x3F80_0001,  # 0.49999997, -2^31 - 256, below 2^32
    0x0000_0001, 0x8000_0001, 0x007F_FFFF, 0x0080_0000, 0x7F7F_FFFF, 0xFF7F_FFFF,
    0x7FC0_0000, 0xFFC0_0000, 0x7FC0_0001, 0x7F80_0001, 0xFF80_0001, 0x7FBF_FFFF,
]  # fmt: skip
F64_EDGES = [
    *_signed(0.0, 1.0, 0.5, 1.5, 2.5, 2.0**31, 2.0**32, 2.0**63, 2.0**64, 2.0**52 + 1,
             float("inf"), bits=f64),
    f64(2147483647.0), f64(-2147483649.0), f64(4294967295.0), f64(0.49999999999999994),
    f64(1 + 2.0**-24), f64(1 + 2.0**-24 + 2.0**-52), f64(2.0**-149), f64(2.0**-150),
    f64(2.0**-150 + 2.0**-200), 0x47EF_FFFF_F000_0000, 0x47EF_FFFF_E000_0000,
    0x0000_0000_0000_0001, 0x8000_0000_0000_0001, 0x000F_FFFF_FFFF_FFFF, 0x0010_0000_0000_0000,
    0x7FEF_FFFF_FFFF_FFFF, 0xFFEF_FFFF_FFFF_FFFF, 0x7FF8_0000_0000_0000, 0xFFF8_0000_0000_0000,
    0x7FF8_0000_0000_0001, 0x7FF0_0000_0000_0001, 0xFFF0_0000_0000_0001,
]  # fmt: skip


def _lanes(width: int, *xs: int) -> int:
    return sum((x & ((1 << width) - 1)) << (i * width) for i, x in enumerate(xs))


V128_EDGES = [
    0, (1 << 128) - 1,
    _lanes(8, *range(16)), _lanes(8, *range(16, 32)),  # shuffle/swizzle indices in and out of range
    _lanes(8, 0x80, 0x7F, 0xFF, 0, 1, 0xFE, 0x81, 0x40, 0x10, 0xF0, 0x0F, 0x55, 0xAA, 2, 3, 0xFD),
    _lanes(16, 0x7FFF, 0x8000, 0x0100, 0xFF00, 0x007F, 0xFF80, 1, 0xFFFF),
    _lanes(32, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 1),
    _lanes(32, 0x0001_0000, 0xFFFE_FFFF, 0x8000, 0x7FFF_8000),
    _lanes(64, 0x8000_0000_0000_0000, 0x7FFF_FFFF_FFFF_FFFF),
    _lanes(64, 0xFFFF_FFFF_FFFF_FFFF, 1),
    _lanes(32, f32(0.0), f32(-0.0), 0x7FC0_0000, f32(float("inf"))),
    _lanes(32, f32(1.0), f32(-1.5), f32(2.5), 0x7F80_0001),
    _lanes(32, 0x0000_0001, 0x7F7F_FFFF, f32(float("-inf")), f32(0.5)),
    _lanes(32, f32(2.0**31), f32(-(2.0**31)), f32(2.0**32), 0xFFC0_0001),
    _lanes(64, f64(-0.0), 0x7FF8_0000_0000_0000),
    _lanes(64, f64(1.5), f64(-2.5)),
    _lanes(64, 0x7FF0_0000_0000_0001, f64(float("inf"))),
    _lanes(64, f64(2.0**31), f64(-(2.0**63))),
    _lanes(64, f64(-2147483649.0), f64(2.0**-150)),
    0x0123_4567_89AB_CDEF_FEDC_BA98_7654_3210,
]  # fmt: skip

EDGES: dict[ValType, list[int]] = {I32: I32_EDGES, I64: I64_EDGES, F32: F32_EDGES,
                                   F64: F64_EDGES, V128: V128_EDGES}  # fmt: skip
# The constants of the constant-operand variants: a few edges per type.
CONSTANTS: dict[ValType, list[int]] = {
    I32: [0, 1, 31, 32, 0x8000_0000, 0xFFFF_FFFF],
    I64: [0, 1, 63, 64, INT64_MIN, MASK64],
    F32: [f32(0.0), f32(-0.0), f32(1.5), f32(-2.5), 0x7FC0_0000, f32(float("inf"))],
    F64: [f64(0.0), f64(-0.0), f64(1.5), f64(-2.5), 0x7FF8_0000_0000_0000, f64(2.0**63)],
    V128: [V128_EDGES[2], V128_EDGES[5], V128_EDGES[10], V128_EDGES[14]],
}


def _const(t: ValType, bits: int) -> Instr:
    return VConst(bits) if t is V128 else Const(t, bits)  # type: ignore[arg-type]


# -- Directed tests: every operator on edge values -----------------------------------------------


def _operators() -> list[Instr]:
    """Every plain numeric and vector instruction of the 2.0 opcode tables with an operand
    signature (``signature``): unops, binops, tests, comparisons, conversions, SIMD."""
    ops: list[Instr] = []
    for kind in ALL_KINDS:
        if kind.key[0] is not Imm.PLAIN:
            continue
        instr: Instr = kind.key[1]  # type: ignore[assignment]
        sig = signature(instr)
        if sig is None or not sig[0] or not sig[1]:  # Nop
            continue
        if kind.op.feature is not None and not getattr(WASM_2_0, kind.op.feature, False):
            continue
        ops.append(instr)
    return ops


OPERATORS = _operators()


def _name(instr: Instr) -> str:
    from refwasm.text.printer import plain

    return plain(instr)


def _module(funcs: Sequence[tuple[str, FuncType, tuple[ValType, ...], tuple[Instr, ...]]]) -> Module:
    """A module of exported functions ``(name, type, locals, body)``, one type each."""
    return Module(
        types=tuple(Type(plain_functype(ft)) for _, ft, _, _ in funcs),
        funcs=tuple(Func(i, locs, body) for i, (_, _, locs, body) in enumerate(funcs)),
        exports=tuple(Export(name, ExternIdx(ExternKind.FUNC, i))
                      for i, (name, _, _, _) in enumerate(funcs)),
    )  # fmt: skip


def check_operator(instr: Instr, plant_bug: str | None = PLANTED) -> int:
    """Run ``instr`` on both engines over the edge values of its operands: with every operand a
    parameter (the whole cross product), with one operand a constant (each of ``CONSTANTS``)
    and the others parameters, and with constants only.  Returns the number of calls."""
    sig = signature(instr)
    assert sig is not None
    params, results = sig
    funcs = [("params", FuncType(params, results), (), (*_gets(len(params)), instr))]
    calls: list[tuple[str, tuple[int, ...]]] = [("params", a) for a in _product(params, EDGES)]
    for k, t in enumerate(params):
        rest = params[:k] + params[k + 1 :]
        for c, bits in enumerate(CONSTANTS[t]):
            gets = _gets(len(rest))
            body = (*gets[:k], _const(t, bits), *gets[k:], instr)
            name = f"const{k}_{c}"
            funcs.append((name, FuncType(rest, results), (), body))
            # A ternary operator's other two operands: each edge once, not the square.
            operands = _product(rest, EDGES) if len(rest) < 2 else _diagonal(rest)
            calls += [(name, a) for a in operands]
    for n, consts in enumerate(_product(params, CONSTANTS)):
        body = (*(_const(t, v) for t, v in zip(params, consts, strict=True)), instr)
        funcs.append((f"consts{n}", FuncType((), results), (), body))
        calls.append((f"consts{n}", ()))
    pair = Pair(_module(funcs), plant=plant_bug)
    assert pair.instantiate()
    for name, args in calls:
        pair.invoke(name, args)
    return len(calls)


def _gets(n: int) -> tuple[Instr, ...]:
    return tuple(LocalGet(k) for k in range(n))


def _product(types: Sequence[ValType], pick: dict[ValType, list[int]]) -> list[tuple[int, ...]]:
    return list(itertools.product(*(pick[t] for t in types)))


def _diagonal(types: Sequence[ValType]) -> list[tuple[int, ...]]:
    n = max(len(EDGES[t]) for t in types)
    return [tuple(EDGES[t][(k + j) % len(EDGES[t])] for j, t in enumerate(types))
            for k in range(n)]  # fmt: skip


@pytest.mark.parametrize("instr", OPERATORS, ids=_name)
def test_operator_on_edge_values(instr: Instr) -> None:
    assert check_operator(instr) > 0


def test_operators_include_the_planted_bug_classes() -> None:
    names = {_name(i) for i in OPERATORS}
    assert {"i32.rotl", "f32.min", "i64.div_s", "f64.nearest", "i8x16.swizzle"} <= names
    # The scalar operators of 2.0 (counted from the spec's instruction index): i32 31, i64 32,
    # f32 20, f64 20, conversions 33 (wrap, extends, truncs, trunc_sats, converts, demote,
    # promote, reinterprets).
    scalar = [i for i in OPERATORS if V128 not in (*signature(i)[0], *signature(i)[1])]  # type: ignore[index]
    assert len(scalar) == 136


# -- Directed tests: control and growth ----------------------------------------------------------

BR_TABLE = """
(module
  (func (export "only_default") (param i32) (result i32)
    (block (result i32) (i32.const 100) (local.get 0) (br_table 0)))
  (func (export "two") (param i32) (result i32)
    (block $d (result i32)
      (block $a (result i32) (i32.const 10) (local.get 0) (br_table $a $d))
      (i32.const 1) (i32.add)))
  (func (export "four") (param i32) (result i32)
    (block $default (block $c (block $b (block $a (block $z
      (br_table $z $a $b $c $default (local.get 0)))
      (return (i32.const 0))) (return (i32.const 1))) (return (i32.const 2)))
      (return (i32.const 3)))
    (i32.const 99))
  (func (export "default_inner") (param i32) (result i32)
    (block $outer (block $mid (block $inner
      (br_table $outer $mid $outer $inner (local.get 0)))
      (return (i32.const 7))) (return (i32.const 8)))
    (i32.const 9))
  (func (export "loop") (param $i i32) (result i32) (local $n i32)
    (block $out
      (loop $top
        (local.set $n (i32.add (local.get $n) (i32.const 1)))
        (br_if $out (i32.ge_u (local.get $n) (i32.const 5)))
        (br_table $top $out $top (local.get $i))))
    (i32.mul (local.get $n) (i32.const 10)))
  (func (export "multi") (param i32) (result i32 i64)
    (block $b (result i32 i64)
      (block $a (result i32 i64)
        (i32.const 1) (i64.const 2) (local.get 0) (br_table $a $b $a $b))
      (i64.add (i64.const 40)) (return))
    (drop) (i64.const -1) (i32.const 5) (drop))
  (func (export "nested") (param i32) (param i32) (result i32)
    (block $x (result i32)
      (block $y (result i32)
        (i32.const 20)
        (block $z (result i32)
          (i32.const 30) (local.get 0) (br_table $x $y $z $y))
        (local.get 1) (br_table $y $x $y))
      (i32.const 1000) (i32.add)))
)
"""

INDICES = [0, 1, 2, 3, 4, 5, 6, 7, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFE, 0xFFFF_FFFF]


def check_br_table(plant_bug: str | None = PLANTED) -> None:
    pair = Pair(embedding.module_parse(BR_TABLE, WASM_2_0), plant=plant_bug)
    assert pair.instantiate()
    for name in ("only_default", "two", "four", "default_inner", "loop", "multi"):
        for i in INDICES:
            pair.invoke(name, [i])
    for i in INDICES[:6] + INDICES[-2:]:
        for j in (0, 1, 2, 3, 0xFFFF_FFFF):
            pair.invoke("nested", [i, j])


def test_br_table_targets_and_default() -> None:
    check_br_table()


MEMORY_GROW = """
(module
  (memory (export "mem") 1 3)
  (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
  (func (export "size") (result i32) (memory.size))
  (func (export "load") (param i32) (result i32) (i32.load8_u (local.get 0)))
  (func (export "store") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
  ;; grows, then writes the new last byte and reads it back within the same call: an engine
  ;; that caches the memory's bound across a grow traps here
  (func (export "grow_and_touch") (param i32) (result i32) (local $old i32)
    (local.set $old (memory.grow (local.get 0)))
    (if (i32.ne (local.get $old) (i32.const -1))
      (then
        (i32.store8 (i32.sub (i32.mul (memory.size) (i32.const 65536)) (i32.const 1))
                    (i32.const 0xAB))
        (drop (i32.load8_u (i32.sub (i32.mul (memory.size) (i32.const 65536))
                                    (i32.const 1))))))
    (local.get $old))
  ;; the failure value used in arithmetic, as compiled code would use it
  (func (export "grow_failed") (param i32) (result i32)
    (i32.eq (memory.grow (local.get 0)) (i32.const -1)))
  (func (export "grow64") (param i32) (result i64)
    (i64.extend_i32_s (memory.grow (local.get 0))))
)
"""

GROWTH_DELTAS = [0, 1, 2, 3, 4, 0x1_0000, 0x1_0001, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF]
# Three pages, plus room for the activations: the running frames count against the memory
# budget too (``runtime.charge_frame``), and the engines may charge them differently, so a
# grow is never tested within a frame's size of the budget.
BUDGET = 3 * 65536 + 32 * 1024


def check_memory_grow(plant_bug: str | None = PLANTED) -> None:
    """memory.grow within the maximum, beyond it, beyond 4 GiB, and beyond the store's memory
    budget (three pages and some room here), on memories with and without a maximum."""
    for text in (MEMORY_GROW, MEMORY_GROW.replace("(memory (export \"mem\") 1 3)",
                                                  "(memory (export \"mem\") 0)")):  # fmt: skip
        pair = Pair(embedding.module_parse(text, WASM_2_0), plant=plant_bug,
                    memory_budget=BUDGET)  # fmt: skip
        assert pair.instantiate()
        pair.invoke("load", [65536])
        for delta in GROWTH_DELTAS:
            for name in ("grow_failed", "grow64", "grow", "size"):
                pair.invoke(name, [] if name == "size" else [delta])
            pair.invoke("load", [65535])
            pair.invoke("load", [65536])
            pair.invoke("store", [65536 * 2 - 1, 0x5A])
        for delta in (1, 0, 1, 5, 0xFFFF_FFFF):
            pair.invoke("grow_and_touch", [delta])
            pair.invoke("size", [])


def test_memory_grow_results_and_bounds() -> None:
    check_memory_grow()


TABLE_GROW = """
(module
  (table $t (export "t") 1 4 funcref)
  (table $e (export "e") 0 externref)
  (elem declare func $f)
  (func $f (export "f") (result i32) (i32.const 42))
  (func (export "grow") (param i32) (result i32) (table.grow $t (ref.func $f) (local.get 0)))
  (func (export "grow_e") (param externref i32) (result i32)
    (table.grow $e (local.get 0) (local.get 1)))
  (func (export "size") (result i32) (table.size $t))
  (func (export "call") (param i32) (result i32) (call_indirect $t (result i32) (local.get 0)))
  (func (export "get_e") (param i32) (result externref) (table.get $e (local.get 0)))
)
"""


def test_table_grow_results_and_bounds() -> None:
    pair = Pair(embedding.module_parse(TABLE_GROW, WASM_2_0), memory_budget=BUDGET)
    assert pair.instantiate()
    for delta in (0, 1, 2, 1, 1, 0xFFFF_FFFF, 0):
        pair.invoke("grow", [delta])
        pair.invoke("size", [])
        for i in range(6):
            pair.invoke("call", [i])
    for delta in (0, 2, 0x1000, 0x7FFF_FFFF, 0xFFFF_FFFF):
        pair.invoke("grow_e", [RefHostAddr(7), delta])
        for i in (0, 1, 2):
            pair.invoke("get_e", [i])


HOST = """
(module
  (import "host" "add" (func $add (param i64 i64) (result i64)))
  (import "host" "trap" (func $trap (param i32)))
  (import "host" "counter" (global $counter (mut i32)))
  (import "spectest" "global_f64" (global $g f64))
  (import "spectest" "memory" (memory 1 2))
  (import "spectest" "table" (table 10 20 funcref))
  (elem (i32.const 2) func $sum $bump)
  (func $sum (export "sum") (param i64 i64) (result i64)
    (call $add (local.get 0) (local.get 1)))
  (func $bump (export "bump") (result i32)
    (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
    (i64.store (i32.const 8) (i64.reinterpret_f64 (global.get $g)))
    (global.get $counter))
  (func (export "maybe_trap") (param i32) (result i32)
    (call $trap (local.get 0)) (i32.store (i32.const 0) (local.get 0)) (local.get 0))
  (func (export "indirect") (param i32) (result i32)
    (call_indirect (result i32) (local.get 0)))
)
"""


def _host_imports(store: Store) -> list[ExternVal]:
    """The same host functions, globals, memory and table in each store."""
    from refwasm.script.spectest import alloc_spectest
    from refwasm.syntax import GlobalType, Mut

    def trap(args: list[Val]) -> list[Val]:
        if args[0] == 3:
            raise TrapError("unreachable")
        return []

    spectest = alloc_spectest(store)
    add = embedding.func_alloc(
        store, FuncType((I64, I64), (I64,)), lambda a: [(a[0] + a[1]) & MASK64]  # type: ignore[operator]
    )
    trap_f = embedding.func_alloc(store, FuncType((I32,), ()), trap)
    counter = embedding.global_alloc(store, GlobalType(Mut.VAR, I32), 40)
    return [ExternFuncAddr(add), ExternFuncAddr(trap_f), ExternGlobalAddr(counter),
            spectest["global_f64"], spectest["memory"], spectest["table"]]  # fmt: skip


def test_host_imports() -> None:
    pair = Pair(embedding.module_parse(HOST, WASM_2_0), imports=_host_imports)
    assert pair.instantiate()
    for a, b in ((1, 2), (MASK64, 1), (INT64_MIN, INT64_MIN)):
        pair.invoke("sum", [a, b])
    for _ in range(3):
        pair.invoke("bump", [])
    for x in (0, 3, 4):
        pair.invoke("maybe_trap", [x])
    for i in (0, 1, 2, 3, 9, 10, 0xFFFF_FFFF):
        pair.invoke("indirect", [i])
    # The state comparison covered the imported memory, table and globals: they are the
    # instance's too.
    assert pair.ref.inst is not None and len(pair.ref.inst.memaddrs) == 1


# -- Generated modules ---------------------------------------------------------------------------


def _args(data: st.DataObject, params: Sequence[ValType], nfuncs: int) -> list[Arg]:
    args: list[Arg] = []
    for t in params:
        if isinstance(t, RefType) and t.heaptype in (AbsHeapType.FUNC,) and nfuncs:
            refs = st.one_of(values(t), st.integers(0, nfuncs - 1).map(FuncIndex))
            args.append(data.draw(refs))
        else:
            args.append(data.draw(values(t)))
    return args


# Swarm configurations narrowed to a few instruction classes, so that each of their kinds is
# drawn far more often than among all ~440 kinds of 2.0 (``planted_kind_frequencies``: of the
# default run's 300 full-swarm modules, 1 holds an ``i32.rotl``; of 100 "integer" ones, 19).
_FLAGS = ("int_numeric", "float_numeric", "control", "memory", "tables", "globals", "calls",
          "call_indirect", "sign_extension", "saturating_conversions", "multi_value",
          "reference_types", "bulk_memory", "simd")  # fmt: skip
FOCUSES: dict[str, frozenset[str]] = {
    "integer": frozenset({"int_numeric", "sign_extension", "control"}),
    "float": frozenset({"float_numeric", "saturating_conversions", "control"}),
    "control": frozenset({"control", "calls", "multi_value", "globals"}),
    "memory": frozenset({"memory", "bulk_memory", "control"}),
}
FOCUSED_EXAMPLES = 100  # per focus, in the default run


def focused_configs(focus: str) -> st.SearchStrategy[SwarmConfig]:
    """Swarm configurations with exactly the classes of ``FOCUSES[focus]`` on."""
    on = FOCUSES[focus]

    def narrow(config: SwarmConfig) -> SwarmConfig:
        config = dataclasses.replace(config, **{flag: flag in on for flag in _FLAGS})
        # Without reference types a module has at most one table (2.0).
        return dataclasses.replace(config, max_tables=min(config.max_tables, 1))

    return swarm_configs().map(narrow)


def mixed_configs() -> st.SearchStrategy[SwarmConfig]:
    """Half full swarm configurations, half focused ones (the campaign's mix)."""
    focused = st.sampled_from(sorted(FOCUSES)).flatmap(focused_configs)
    return st.one_of(swarm_configs(), focused)


def run_generated(data: st.DataObject, configs: st.SearchStrategy[SwarmConfig],
                  plant_bug: str | None = PLANTED) -> None:  # fmt: skip
    """One example: a generated module on both engines, every exported function called once
    with edge-biased arguments, then up to ``EXTRA_CALLS`` more calls."""
    config = data.draw(configs, label="config")
    module = data.draw(
        modules(config, ensure_termination=TERMINATION_FUEL, canonicalize_nans=True,
                export_everything=True),
        label="module",
    )  # fmt: skip
    TALLY["examples"] += 1
    if data.draw(st.booleans(), label="observe drops"):
        module = observe_drops(module, config.features)
        TALLY["observed"] += 1
    pair = Pair(module, config.features, plant=plant_bug)
    if not pair.instantiate():
        return
    assert pair.ref.inst is not None
    names = pair.func_exports()
    if names:
        names += data.draw(st.lists(st.sampled_from(names), max_size=EXTRA_CALLS), label="more")
    nfuncs = len(pair.ref.inst.funcaddrs)
    for name in names:
        pair.invoke(name, _args(data, pair.functype(name).params, nfuncs))
        TALLY["calls"] += 1
        if not pair.alive:
            return


def generated_test(examples: int, configs: st.SearchStrategy[SwarmConfig], *,
                   plant_bug: str | None = PLANTED, seed: int | None = None
                   ) -> Callable[[], None]:  # fmt: skip
    """The Hypothesis test of ``examples`` generated modules drawn under ``configs``:
    derandomized, or from ``seed``."""

    @settings(max_examples=examples, deadline=None, database=None, derandomize=seed is None,
              suppress_health_check=SUPPRESSED, print_blob=True)  # fmt: skip
    @given(st.data())
    def run(data: st.DataObject) -> None:
        run_generated(data, configs, plant_bug)

    return run if seed is None else hypothesis_seed(seed)(run)


def default_generated_tests(plant_bug: str | None = PLANTED) -> dict[str, Callable[[], None]]:
    """The default run's Hypothesis tests, by name."""
    tests = {"swarm": generated_test(DEFAULT_EXAMPLES, swarm_configs(), plant_bug=plant_bug)}
    for focus in FOCUSES:
        tests[focus] = generated_test(FOCUSED_EXAMPLES, focused_configs(focus),
                                      plant_bug=plant_bug)  # fmt: skip
    return tests


def test_generated_modules_agree() -> None:
    default_generated_tests()["swarm"]()


@pytest.mark.parametrize("focus", sorted(FOCUSES))
def test_generated_focused_modules_agree(focus: str) -> None:
    default_generated_tests()[focus]()


@pytest.mark.slow
@pytest.mark.parametrize("shard", range(CAMPAIGN_SHARDS))
def test_campaign(shard: int) -> None:
    """``REFWASM_FAST_DIFF_EXAMPLES`` examples over all shards (each its own seed), half under
    full swarm configurations, half under focused ones."""
    share = CAMPAIGN_EXAMPLES // CAMPAIGN_SHARDS + (shard < CAMPAIGN_EXAMPLES % CAMPAIGN_SHARDS)
    TALLY.clear()
    started = time.monotonic()
    generated_test(share, mixed_configs(), seed=CAMPAIGN_SEED + shard)()
    print(f"\ncampaign shard {shard} (seed {CAMPAIGN_SEED + shard}): {dict(TALLY)} in "
          f"{time.monotonic() - started:.0f} s")


# -- The harness bites: emulated planted bugs ----------------------------------------------------

_OPERATOR = {_name(i): i for i in OPERATORS}
DIRECTED: dict[str, Callable[[str | None], object]] = {
    "i32.rotl": lambda bug: check_operator(_OPERATOR["i32.rotl"], bug),
    "f32.min": lambda bug: check_operator(_OPERATOR["f32.min"], bug),
    "br_table": check_br_table,
    "i64.div_s": lambda bug: check_operator(_OPERATOR["i64.div_s"], bug),
    "memory.grow": check_memory_grow,
}


@pytest.mark.parametrize("bug", PLANTED_BUGS)
def test_directed_test_catches_planted_bug(bug: str) -> None:
    with pytest.raises(Disagreement, match="emulated planted bug"):
        DIRECTED[bug](bug)


@pytest.mark.slow
@pytest.mark.parametrize("bug", PLANTED_BUGS)
def test_default_run_catches_planted_bug(bug: str) -> None:
    """With an emulated bug, the default run's directed test for it and each of its
    generated-module tests (the same examples as the default run); prints which failed.  The
    generated-module tests find a bug only when a drawn module executes the instruction on
    operands that expose it and the result is observed: measured in docs/fast-path.md."""
    failed = []
    tests: dict[str, Callable[[], object]] = {"directed": lambda: DIRECTED[bug](bug)}
    tests.update(default_generated_tests(plant_bug=bug))
    for name, test in tests.items():
        try:
            test()
        except Disagreement:
            failed.append(name)
    print(f"\n{bug}: caught by {failed}")
    assert "directed" in failed


def planted_kind_frequencies(examples: int = DEFAULT_EXAMPLES) -> dict[str, int]:
    """How many of ``examples`` generated modules (drawn as the default run draws them) contain
    each planted-bug instruction: the coverage of ``kind_key``, counted per module."""
    targets = {
        "i32.rotl": kind_key(Binop(I32, BinOp.ROTL)),
        "f32.min": kind_key(Binop(F32, BinOp.MIN)),
        "br_table": kind_key(BrTable((), 0)),
        "i64.div_s": kind_key(Binop(I64, BinOp.DIV_S)),
        "memory.grow": kind_key(MemoryGrow(0)),
    }
    found: Counter[str] = Counter()

    @settings(max_examples=examples, deadline=None, database=None, derandomize=True,
              suppress_health_check=SUPPRESSED)  # fmt: skip
    @given(swarm_configs().flatmap(lambda c: modules(
        c, ensure_termination=TERMINATION_FUEL, canonicalize_nans=True, export_everything=True)))
    def count(module: Module) -> None:
        keys = {kind_key(i) for f in module.funcs for i in _walk(f.body)}
        found.update(name for name, key in targets.items() if key in keys)

    count()
    return dict(found)


def _walk(body: tuple[Instr, ...]) -> Iterator[Instr]:
    for i in body:
        yield i
        if isinstance(i, Block | Loop):
            yield from _walk(i.body)
        elif isinstance(i, If):
            yield from _walk(i.then)
            yield from _walk(i.else_)


# -- Demonstration script ------------------------------------------------------------------------


def main(argv: Sequence[str]) -> int:
    """Run this file once per emulated planted bug (and once without) and print which tests
    failed for each: ``python properties/test_fast_differential.py [--bug NAME]... [-- ARGS]``.
    ARGS go to pytest (e.g. ``-k generated`` for the Hypothesis test alone).  With a real bug
    planted in ``refwasm/fast``, pass ``--bug none`` to run without emulation."""
    import argparse
    import subprocess
    import tempfile
    import xml.etree.ElementTree as ElementTree

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--bug", action="append", choices=[*PLANTED_BUGS, "none"])
    parser.add_argument("--frequencies", action="store_true",
                        help="print how many default-run modules contain each instruction")
    parser.add_argument("pytest_args", nargs="*")
    options = parser.parse_args(argv)
    if options.frequencies:
        print(planted_kind_frequencies())
        return 0
    status = 0
    for bug in options.bug or PLANTED_BUGS:
        env = {k: v for k, v in os.environ.items() if k != "REFWASM_PLANT_BUG"}
        if bug != "none":
            env["REFWASM_PLANT_BUG"] = bug
        with tempfile.TemporaryDirectory() as tmp:
            report = os.path.join(tmp, "report.xml")
            started = time.monotonic()
            subprocess.run(
                [sys.executable, "-m", "pytest", "-q", __file__,
                 "-k", "not planted_bug", f"--junitxml={report}", *options.pytest_args],
                env=env, stdout=subprocess.DEVNULL, check=False,
            )  # fmt: skip
            root = ElementTree.parse(report).getroot()
            failed = [case.get("name", "?") for case in root.iter("testcase")
                      if case.find("failure") is not None or case.find("error") is not None]
            total = sum(1 for _ in root.iter("testcase"))
        elapsed = time.monotonic() - started
        caught = "CAUGHT" if failed else "not caught"
        print(f"{bug:12} {caught:10} {len(failed)}/{total} tests failed in {elapsed:.0f} s: "
              + ", ".join(failed[:8]) + (" ..." if len(failed) > 8 else ""))  # fmt: skip
        if bug != "none" and not failed:
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
