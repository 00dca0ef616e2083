"""``refwasm diff``: differential testing of generated modules against other engines.

Each example is a valid module (``refwasm.strategies`` with ``ensure_termination`` and
``canonicalize_nans``) and a few calls of its exports with generated arguments.  refwasm runs
them as the oracle (``refwasm.oracle.server.Oracle``, on the ``subject`` engine: ``reference`` by
default, or ``fast``); every other engine runs them through its ``Session`` (refwasm's own other
engine too: ``refwasm diff --engine fast`` checks the fast path against the reference); ``refwasm.oracle.compare`` judges each call and the exported state after it.  A
disagreement fails the Hypothesis example, Hypothesis shrinks it, and the minimal case is written
as a reproducer directory (``write_reproducer``).
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

from refwasm.engines.base import EngineError, Session, Value
from refwasm.features import Features
from refwasm.oracle.compare import (
    SPEC_TRAPS,
    Comparison,
    Failed,
    Outcome,
    Returned,
    State,
    Verdict,
    allowed,
    allowed_at,
    compare,
    compare_states,
    memory_digest,
    outcome_of,
    show_outcome,
)
from refwasm.oracle.runs import session_digest
from refwasm.oracle.server import Oracle
from refwasm.oracle.wire import argument_text, pattern_text, value_to_json
from refwasm.syntax.modules import Module
from refwasm.syntax.types import ExternFunc, ExternGlobal, ExternMem, FuncType, TypeIdx

# The fuel counter the generated modules carry (calls and loop iterations per instance), and
# refwasm's own fuel backstop per call.
TERMINATION_FUEL = 200
REFERENCE_FUEL = 2_000_000
# Calls per example, and examples per foreign session before a fresh store is taken.
MAX_CALLS = 6
SESSION_REUSE = 50


@dataclass(frozen=True)
class Call:
    """One invocation of an export with arguments."""

    name: str
    args: tuple[Value, ...]


@dataclass(frozen=True)
class Case:
    """One example: a module and the calls made on one instance of it."""

    module: Module
    data: bytes
    calls: tuple[Call, ...]


@dataclass
class Step:
    """What happened at one step (instantiation or a call) in refwasm and in each engine."""

    label: str
    reference: Outcome
    others: dict[str, Outcome]


@dataclass
class Disagreement:
    """A case on which an engine's outcome is not in refwasm's allowed set."""

    engine: str
    case: Case
    steps: list[Step]
    reason: str
    # For a disagreement in the state after a call: refwasm's exported globals, and the exported
    # memories as (refwasm's bytes, the engine's bytes), so the reproducer can assert them.
    globals: dict[str, Value] = field(default_factory=dict)
    memories: dict[str, tuple[bytes, bytes | None]] = field(default_factory=dict)


@dataclass
class Tally:
    """Counts for the progress line and the summary."""

    examples: int = 0
    calls: int = 0
    inconclusive: int = 0
    disagreements: list[Disagreement] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)

    def line(self) -> str:
        """The progress line."""
        elapsed = max(time.monotonic() - self.started, 1e-9)
        return (f"examples {self.examples}, calls {self.calls}, disagreements "
                f"{len(self.disagreements)}, inconclusive {self.inconclusive}, "
                f"{self.examples / elapsed:.1f} examples/s")


class Found(Exception):
    """Raised inside a Hypothesis example to make it fail (and shrink)."""

    def __init__(self, disagreement: Disagreement) -> None:
        super().__init__(disagreement.reason)
        self.disagreement = disagreement


# -- Generation ----------------------------------------------------------------------------------


def export_types(module: Module) -> tuple[dict[str, FuncType], list[str], list[str]]:
    """The module's exported functions with their types, exported globals and memories."""
    from refwasm.embedding import module_exports
    from refwasm.syntax.modules import func_type_at, subtypes

    space = subtypes(module)
    funcs: dict[str, FuncType] = {}
    globals_: list[str] = []
    memories: list[str] = []
    for name, externtype in module_exports(module):
        match externtype:
            case ExternFunc(TypeIdx(idx)):
                functype = func_type_at(space, idx)
                if functype is not None:
                    funcs[name] = functype
            case ExternGlobal():
                globals_.append(name)
            case ExternMem():
                memories.append(name)
    return funcs, globals_, memories


def cases(features: Features) -> Any:
    """The Hypothesis strategy of examples."""
    from hypothesis import strategies as st

    from refwasm.binary import encode_module
    from refwasm.strategies import modules, swarm_configs, values

    configs = swarm_configs(features=features)

    @st.composite
    def case(draw: Callable[..., Any]) -> Case:
        module = draw(modules(draw(configs), ensure_termination=TERMINATION_FUEL,
                              canonicalize_nans=True, export_everything=True))
        funcs, _, _ = export_types(module)
        calls: list[Call] = []
        if funcs:
            names = sorted(funcs)
            for _ in range(draw(st.integers(1, MAX_CALLS))):
                name = draw(st.sampled_from(names))
                params = funcs[name].params
                args = tuple(Value(t, draw(values(t))) for t in params)
                calls.append(Call(name, args))
        return Case(module, encode_module(module, features), tuple(calls))

    return case()


# -- Running one case ----------------------------------------------------------------------------


class Runner:
    """refwasm and the other engines' sessions, reused across examples."""

    def __init__(self, engines: Sequence[str], features: Features, *,
                 subject: str = "reference") -> None:
        from refwasm.embedding import ENGINES as OWN_ENGINES
        from refwasm.engines import engine_named

        self.features = features
        self.subject = subject
        # refwasm's own engines get the oracle's fuel backstop; a peer runs as it is configured.
        self.engines = {
            name: engine_named(name, **({"fuel": REFERENCE_FUEL} if name in OWN_ENGINES else {}))
            for name in engines
        }
        self.sessions: dict[str, Session[Any, Any, Any]] = {}
        self.uses = 0
        self.tally = Tally()
        for name in self.engines:
            self.session(name)  # an unavailable engine raises EngineError here, not per example

    def session(self, name: str) -> Session[Any, Any, Any]:
        """The engine's current session (a fresh store every ``SESSION_REUSE`` examples)."""
        if name not in self.sessions:
            self.sessions[name] = self.engines[name].session(self.features)
        return self.sessions[name]

    def run(self, case: Case) -> Disagreement | None:
        """Run one case everywhere; the first disagreement, if any."""
        self.uses += 1
        if self.uses % SESSION_REUSE == 0:
            for session in self.sessions.values():
                close = getattr(session, "close", None)
                if close is not None:
                    close()  # the node adapter frees the session's handles in its process
            self.sessions.clear()
        self.tally.examples += 1
        oracle = Oracle(self.features, engine=self.subject)
        steps: list[Step] = []
        reference = oracle.instantiate(case.data, fuel=REFERENCE_FUEL)
        instances: dict[str, Any] = {}
        others: dict[str, Outcome] = {}
        for name in self.engines:
            others[name] = outcome_of(partial(self._instantiate, name, case, instances))
        steps.append(Step("instantiate", reference, others))
        found = self._judge(case, steps, instances)
        if found is not None or not isinstance(reference, Returned):
            return found
        _, globals_, memories = export_types(case.module)
        for call in case.calls:
            self.tally.calls += 1
            reference = oracle.invoke(call.name, list(call.args), fuel=REFERENCE_FUEL)
            others = {}
            for name, instance in list(instances.items()):
                others[name] = outcome_of(partial(self._invoke, name, instance, call))
            steps.append(Step(f"invoke {call.name}", reference, others))
            found = self._judge(case, steps, instances)
            if found is not None:
                return found
            if not instances or _exhausted(reference):
                return None
            mine = reference_state(oracle, globals_, memories)
            for name, instance in instances.items():
                verdict = compare_states(mine, engine_state(self.session(name), instance,
                                                            globals_, memories))
                if verdict.verdict is Verdict.DISAGREE:
                    read = getattr(self.session(name), "memory", None)
                    return Disagreement(
                        name, case, steps, "after the call, " + verdict.reason, mine.globals,
                        {m: (bytes(oracle.memory(m)), read(instance, m) if read else None)
                         for m in memories},
                    )
        return None

    def _invoke(self, name: str, instance: Any, call: Call) -> list[Value]:
        return self.session(name).invoke(instance, call.name, list(call.args))

    def _instantiate(self, name: str, case: Case, instances: dict[str, Any]) -> list[Value]:
        session = self.session(name)
        module = session.load_binary(case.data)
        instances[name] = session.instantiate(module, [])
        return []

    def _judge(self, case: Case, steps: list[Step], instances: dict[str, Any]) -> Disagreement | None:
        """The disagreement at the last step, if any.  An engine that was inconclusive (it or
        refwasm ran out of a resource, or it cannot express the case) drops out: its instance
        ends, as nothing is known of its state any more."""
        step = steps[-1]
        for name, outcome in step.others.items():
            verdict: Comparison = compare(step.reference, outcome)
            if verdict.verdict is Verdict.DISAGREE:
                return Disagreement(name, case, steps, f"{step.label}: {verdict.reason}")
            if verdict.verdict is Verdict.INCONCLUSIVE:
                self.tally.inconclusive += 1
                instances.pop(name, None)
        return None


def _exhausted(outcome: Outcome) -> bool:
    return isinstance(outcome, Failed) and outcome.kind == "exhaustion"


def reference_state(oracle: Oracle, globals_: Sequence[str], memories: Sequence[str]) -> State:
    """refwasm's exported globals and memory digests (with those under the other relaxed-SIMD
    choices as alternatives)."""
    return State(
        {name: oracle.global_value(name) for name in globals_},
        {name: memory_digest(oracle.memory(name)) for name in memories},
        tuple(oracle.relaxed.states(globals_, memories)) if oracle.relaxed else (),
    )


def engine_state(session: Session[Any, Any, Any], instance: Any, globals_: Sequence[str],
                 memories: Sequence[str]) -> State:
    """Another engine's exported globals and memory digests (an adapter without ``memory``
    reports none, and its memories are not compared)."""
    values: dict[str, Value] = {}
    for name in globals_:
        try:
            values[name] = session.get(instance, name)
        except EngineError:
            continue
    digests = {name: digest for name in memories
               if (digest := session_digest(session, instance, name)) is not None}
    return State(values, digests)


# -- Driving Hypothesis --------------------------------------------------------------------------


def search(runner: Runner, *, examples: int, seed: int,
           progress: Callable[[Tally], None] | None = None) -> Disagreement | None:
    """Run up to ``examples`` examples from ``seed``; a disagreement, shrunk, or ``None``."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as seed_

    last: list[Disagreement] = []

    @seed_(seed)
    @settings(max_examples=examples, deadline=None, database=None, derandomize=False,
              suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
              phases=[Phase.generate, Phase.shrink], print_blob=False)
    @given(cases(runner.features))
    def example(case: Case) -> None:
        found = runner.run(case)
        if progress is not None:
            progress(runner.tally)
        if found is not None:
            last.append(found)
            raise Found(found)

    try:
        example()
    except Found:
        return last[-1] if last else None
    return None


def write_reproducer(found: Disagreement, root: Path) -> Path:
    """A directory with the minimal module (.wasm, .wat), the calls and every outcome
    (``case.json``) and a ``.wast`` script that fails on the disagreeing engine."""
    from refwasm.text import print_module

    digest = hashlib.sha256(found.case.data).hexdigest()[:12]
    directory = root / f"{found.engine}-{digest}"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "module.wasm").write_bytes(found.case.data)
    (directory / "module.wat").write_text(print_module(found.case.module) + "\n")
    (directory / "case.json").write_text(json.dumps(case_json(found), indent=2) + "\n")
    (directory / "repro.wast").write_text(reproducer_script(found))
    return directory


def case_json(found: Disagreement) -> dict[str, Any]:
    """The calls and, per step, refwasm's outcome with its allowed set and each engine's."""
    steps = []
    for step in found.steps:
        steps.append({
            "step": step.label,
            "refwasm": show_outcome(step.reference),
            "refwasm_allowed": [pattern_text(allowed_at(step.reference, k))
                                for k in range(len(step.reference.values))]
            if isinstance(step.reference, Returned) else None,
            "engines": {name: show_outcome(o) for name, o in step.others.items()},
        })
    return {
        "engine": found.engine,
        "reason": found.reason,
        "calls": [{"name": c.name, "args": [value_to_json(a) for a in c.args]}
                  for c in found.case.calls],
        "steps": steps,
    }


def reproducer_script(found: Disagreement) -> str:
    """A ``.wast`` script asserting refwasm's outcome at every step (so it fails on the
    disagreeing engine at the step that disagrees)."""
    data = "".join(f"\\{b:02x}" for b in found.case.data)
    module = f'(module binary "{data}")'
    lines = [f";; refwasm diff: {found.engine}: {found.reason}"]
    match found.steps[0].reference:
        case Returned():
            lines.append(module)
        case Failed("trap", message):
            lines.append(f'(assert_trap {module} "{_spec_message(message)}")')
        case other:
            lines.append(f";; instantiation: {show_outcome(other)}\n;; {module}")
    for step, call in zip(found.steps[1:], found.case.calls, strict=False):
        args = " ".join(argument_text(a) for a in call.args)
        invoke = f'(invoke "{call.name}"{" " + args if args else ""})'
        match step.reference:
            case Returned(values) as returned:
                patterns = " ".join(pattern_text(allowed_at(returned, k))
                                    for k in range(len(values)))
                lines.append(f"(assert_return {invoke}{' ' + patterns if patterns else ''})")
            case Failed("trap", message):
                lines.append(f'(assert_trap {invoke} "{_spec_message(message)}")')
            case _:
                lines.append(f";; {invoke}: {show_outcome(step.reference)}")
    lines += _state_assertions(found)
    return "\n".join(lines) + "\n"


# Differing 8-byte words of a memory the reproducer asserts at most.
MAX_MEMORY_ASSERTIONS = 8


def _state_assertions(found: Disagreement) -> list[str]:
    """Assertions on the state after the last call: every exported global with ``get``, and each
    exported memory through a checker module importing it (its size, and the first words where
    the engine's bytes differ)."""
    lines = [f'(assert_return (get "{name}") {pattern_text(allowed(value))})'
             for name, value in found.globals.items()]
    if found.memories:
        lines.append('(register "repro")')
    for name, (mine, theirs) in found.memories.items():
        lines.append(f'(module (import "repro" "{name}" (memory 0))\n'
                     '  (func (export "size") (result i32) memory.size)\n'
                     '  (func (export "load") (param i32) (result i64) local.get 0 i64.load))')
        lines.append(f'(assert_return (invoke "size") (i32.const {len(mine) // 65536}))')
        other = theirs if theirs is not None else b""
        differing = [i for i in range(0, len(mine), 8) if mine[i:i + 8] != other[i:i + 8]]
        for offset in differing[:MAX_MEMORY_ASSERTIONS]:
            word = int.from_bytes(mine[offset:offset + 8], "little")
            lines.append(f'(assert_return (invoke "load" (i32.const {offset})) '
                         f"(i64.const {word:#x}))")
    return lines


def _spec_message(message: str) -> str:
    """The suite's message a trap message starts with (refwasm may add details)."""
    return next((known for known in SPEC_TRAPS if message.startswith(known)), message)


def run_diff(engines: Sequence[str], features: Features, *, examples: int | None,
             seconds: float | None, seed: int, out: Path, batch: int = 100,
             stream: Any = None, subject: str = "reference") -> Tally:
    """Search in batches until ``examples`` or ``seconds`` run out; write a reproducer for each
    disagreement found (one per batch, after shrinking).  ``subject`` is the refwasm engine
    whose outcomes are the oracle's."""
    stream = stream if stream is not None else sys.stderr
    runner = Runner(engines, features, subject=subject)
    last_print = [0.0]
    # On a terminal the line is rewritten in place each second; elsewhere (a log, a pipe)
    # each progress line is a line of its own, every ten seconds.
    live = bool(getattr(stream, "isatty", lambda: False)())
    cr, end, every = ("\r", "", 1.0) if live else ("", "\n", 10.0)

    def progress(tally: Tally) -> None:
        now = time.monotonic()
        if now - last_print[0] >= every:
            last_print[0] = now
            print(cr + tally.line(), end=end, file=stream, flush=True)

    done = 0
    while True:
        elapsed = time.monotonic() - runner.tally.started
        if examples is not None and done >= examples:
            break
        if seconds is not None and elapsed >= seconds:
            break
        size = batch if examples is None else min(batch, examples - done)
        before = runner.tally.examples
        found = search(runner, examples=size, seed=seed + done, progress=progress)
        done += size
        if found is not None:
            runner.tally.disagreements.append(found)
            directory = write_reproducer(found, out)
            print(f"{cr and chr(10)}disagreement with {found.engine}: {found.reason}\n"
                  f"  -> {directory}", file=stream, flush=True)
        if runner.tally.examples == before:
            break
    print(cr + runner.tally.line(), file=stream, flush=True)
    return runner.tally
