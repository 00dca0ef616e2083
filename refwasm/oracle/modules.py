"""``refwasm diff --modules``: judge modules made elsewhere (wasm-smith, ``wasm-opt -ttf``, crash
corpora) against other engines (docs/fuzzing.md).

For each module refwasm (``Oracle.run_exports``) and each engine run the same export run
(``refwasm.oracle.runs``) with recording imports, and the runs are compared step by step:
validation (a module one side rejects and the other accepts is a validator bug in one of them),
the outcome of instantiation and of each call (``refwasm.oracle.compare``), the events recorded
during it, and the exported globals and memory digests after it.  Fuel or time running out on
either side makes the module inconclusive.  Each module gives one JSON line; a disagreement
also writes a reproducer directory under ``out``.
"""

from __future__ import annotations

import hashlib
import json
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from refwasm.engines.base import EngineError, Session, Value
from refwasm.engines.bitexact import UnsupportedType
from refwasm.features import Features
from refwasm.oracle.compare import (
    Comparison,
    Failed,
    Outcome,
    Returned,
    State,
    Verdict,
    compare,
    compare_states,
    outcome_of,
    show_outcome,
)
from refwasm.oracle.recording import (
    Event,
    RecordingPlan,
    compare_events,
    event_from_json,
    session_imports,
    show_event,
)
from refwasm.oracle.runs import (
    CallRecord,
    ExportRun,
    call_exports,
    default_args,
    run_json,
    session_digest,
    state_of,
    stops,
)
from refwasm.oracle.server import Oracle
from refwasm.oracle.wire import WireError, argument_text, pattern_text, value_from_json
from refwasm.syntax.types import FuncType

# refwasm's fuel per instantiation and call; a peer that counts fuel gets this many times more
# (its units are smaller), so that refwasm runs out first and the module is inconclusive.
MODULE_FUEL = 2_000_000
PEER_FUEL_FACTOR = 10
# Seconds per instantiation or call, on every side that takes a time limit.
MODULE_TIMEOUT = 30.0
# The outcome an adapter reports for a step it did not run because refwasm's run had stopped there
# (``stopped_at``); ``stops`` reads it as a resource running out, like refwasm's own.
NOT_RUN = "not run: refwasm ran out of fuel or time at this step"
# Modules per peer session before a fresh store is taken.
SESSION_REUSE = 50


@dataclass
class Judgement:
    """The verdict on one module against one engine."""

    verdict: Verdict
    reason: str = ""


@dataclass
class ModuleResult:
    """A module's verdict over every engine, and the runs that led to it."""

    path: str
    data: bytes
    verdict: Verdict
    reason: str
    engines: dict[str, Judgement]
    reference: ExportRun | None
    runs: dict[str, ExportRun | Outcome] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        """The module's output line."""
        calls = len(self.reference.calls) if self.reference is not None else 0
        return {"module": self.path, "verdict": self.verdict.value, "reason": self.reason,
                "calls": calls,
                "engines": {n: {"verdict": j.verdict.value, "reason": j.reason}
                            for n, j in self.engines.items()}}


def module_paths(paths: Sequence[str], stdin: IO[str] | None = None) -> Iterator[str]:
    """The modules named: files as given, ``.wasm`` files of directories (recursively, sorted),
    and for ``-`` one path per line of ``stdin``."""
    for path in paths:
        if path == "-":
            source = stdin if stdin is not None else sys.stdin
            yield from (line.strip() for line in source if line.strip())
        elif Path(path).is_dir():
            yield from sorted(str(p) for p in Path(path).rglob("*.wasm"))
        else:
            yield path


class ModuleDiff:
    """refwasm and the engines' sessions, judging one module after another."""

    def __init__(self, engines: Sequence[str], features: Features, *,
                 subject: str = "reference", fuel: int | None = MODULE_FUEL,
                 timeout: float | None = MODULE_TIMEOUT) -> None:
        from refwasm.engines import engine_named

        self.features = features
        self.subject = subject
        self.fuel = fuel
        self.timeout = timeout
        peer_fuel = None if fuel is None else fuel * PEER_FUEL_FACTOR
        self.engines = {name: engine_named(name, fuel=peer_fuel, timeout=timeout)
                        for name in engines}
        self.sessions: dict[str, Session[Any, Any, Any]] = {}
        self.uses = 0
        for name in self.engines:
            self.session(name)  # an unavailable engine raises EngineError here, once

    def session(self, name: str) -> Session[Any, Any, Any]:
        """The engine's current session, started when needed."""
        if name not in self.sessions:
            self.sessions[name] = self.engines[name].session(self.features)
        return self.sessions[name]

    def drop(self, name: str) -> None:
        """End an engine's session (after an engine error, or to free its store)."""
        session = self.sessions.pop(name, None)
        close = getattr(session, "close", None)
        if close is not None:
            close()

    def judge(self, path: str, data: bytes) -> ModuleResult:
        """Run one module everywhere and compare."""
        self.uses += 1
        if self.uses % SESSION_REUSE == 0:
            for name in list(self.sessions):
                self.drop(name)
        oracle = Oracle(self.features, engine=self.subject, fuel=self.fuel, timeout=self.timeout)
        try:
            mine = oracle.run_exports(data)
        except WireError as error:  # an import recording imports cannot express
            return ModuleResult(path, data, Verdict.INCONCLUSIVE, f"refwasm: {error}", {}, None)
        accepted = _accepted(mine.instantiation)
        plan: RecordingPlan | None = None
        funcs: list[tuple[str, FuncType]] = []
        globals_: list[str] = []
        memories: list[str] = []
        if accepted:
            plan, funcs, globals_, memories = self._exports(data)
        judgements: dict[str, Judgement] = {}
        result = ModuleResult(path, data, Verdict.AGREE, "", judgements, mine)
        for name in self.engines:
            theirs = self._engine_run(name, data, plan, funcs, globals_, memories, accepted,
                                      stopped_at(mine))
            result.runs[name] = theirs
            judgements[name] = judge_runs(mine, theirs)
        for verdict in (Verdict.DISAGREE, Verdict.INCONCLUSIVE):
            found = [f"{n}: {j.reason}" for n, j in judgements.items() if j.verdict is verdict]
            if found:
                result.verdict, result.reason = verdict, "; ".join(found)
                break
        return result

    def _exports(self, data: bytes) -> tuple[RecordingPlan | None, list[tuple[str, FuncType]],
                                             list[str], list[str]]:
        from refwasm.embedding import module_decode
        from refwasm.oracle.diff import export_types

        module = module_decode(data, self.features)
        funcs, globals_, memories = export_types(module)
        try:
            plan: RecordingPlan | None = RecordingPlan(module, self.features)
        except UnsupportedType:
            plan = None
        return plan, list(funcs.items()), globals_, memories

    def _engine_run(self, name: str, data: bytes, plan: RecordingPlan | None,
                    funcs: Sequence[tuple[str, FuncType]], globals_: Sequence[str],
                    memories: Sequence[str], accepted: bool,
                    stop: int | None = None) -> ExportRun | Outcome:
        """The engine's run (or, when it or refwasm rejects the module, its validation); an
        adapter does not run the step ``stop`` (``stopped_at``) nor any after it."""
        try:
            session = self.session(name)
        except EngineError as error:
            return Failed("engine", str(error))
        try:
            if hasattr(session, "run_exports"):
                return parse_run(session.run_exports(data))
            return self._adapter_run(session, data, plan, funcs, globals_, memories, accepted,
                                     stop)
        except EngineError as error:
            self.drop(name)
            return Failed("engine", str(error))
        except Exception as error:  # noqa: BLE001 -- an adapter's bug: this module is inconclusive
            self.drop(name)
            return Failed("crash", f"{type(error).__name__}: {error}")

    def _adapter_run(self, session: Any, data: bytes, plan: RecordingPlan | None,
                     funcs: Sequence[tuple[str, FuncType]], globals_: Sequence[str],
                     memories: Sequence[str], accepted: bool,
                     stop: int | None = None) -> ExportRun | Outcome:
        loaded: list[Any] = []

        def load() -> list[Value]:
            loaded.append(session.load_binary(data))
            session.validate(loaded[0])
            return []

        validation = outcome_of(load)
        if not isinstance(validation, Returned) or not accepted:
            return validation
        if plan is None:
            return Failed("engine", "recording imports cannot express an import of this module")
        if stop == -1:  # refwasm's instantiation ran out: the comparison is inconclusive anyway
            return ExportRun(Failed("exhaustion", NOT_RUN))
        session.events = []
        instances: list[Any] = []

        def instantiate() -> list[Value]:
            instances.append(session.instantiate(loaded[0], session_imports(session, plan)))
            return []

        run = ExportRun(outcome_of(instantiate), tuple(_take(session)))
        if not instances:
            return run
        instance = instances[0]

        def read_global(name: str) -> Value | None:
            try:
                value: Value = session.get(instance, name)
                return value
            except EngineError:
                return None

        run.calls = call_exports(
            funcs if stop is None else funcs[:stop],
            lambda n, args: outcome_of(lambda: session.invoke(instance, n, list(args))),
            lambda: _take(session),
            lambda: state_of(globals_, memories, read_global,
                             lambda n: session_digest(session, instance, n)))
        if stop is not None and len(run.calls) == stop and stop < len(funcs):
            name, functype = funcs[stop]
            run.calls.append(CallRecord(name, default_args(functype),
                                        Failed("exhaustion", NOT_RUN), (), None))
        return run


def stopped_at(run: ExportRun) -> int | None:
    """Where refwasm's run ran out of fuel or time: -1 at instantiation, else the index of the
    call (``None``: it did not).  The comparison is inconclusive from there whatever an engine
    does, so an adapter does not run that step: an endless loop costs one time limit, not two."""
    if stops(run.instantiation):
        return -1
    for index, call in enumerate(run.calls):
        if stops(call.outcome):
            return index
    return None


def _take(session: Any) -> list[Event]:
    events: list[Event] = session.events
    session.events = []
    return events


def _accepted(instantiation: Outcome) -> bool:
    """Whether refwasm decoded and validated the module (whatever happened next)."""
    return not (isinstance(instantiation, Failed)
                and instantiation.kind in ("malformed", "invalid"))


def judge_runs(mine: ExportRun, theirs: ExportRun | Outcome) -> Judgement:
    """refwasm's run against an engine's (or the engine's rejection of the module)."""
    if not isinstance(theirs, ExportRun):
        return _judge_rejection(mine.instantiation, theirs)
    if _accepted(mine.instantiation) != _accepted(theirs.instantiation):
        return _judge_rejection(mine.instantiation, theirs.instantiation)
    if not _accepted(mine.instantiation):
        return Judgement(Verdict.AGREE, "both reject the module")
    found = _judge_step("instantiate", mine.instantiation, theirs.instantiation,
                        mine.events, theirs.events, None, None)
    if found is not None:
        return found
    for call, other in zip(mine.calls, theirs.calls, strict=False):
        found = _judge_step(f"call {call.name}", call.outcome, other.outcome, call.events,
                            other.events, call.state, other.state)
        if found is not None:
            return found
    if len(mine.calls) != len(theirs.calls):
        return Judgement(Verdict.INCONCLUSIVE, f"{len(theirs.calls)} calls ran, refwasm "
                                               f"{len(mine.calls)}")
    return Judgement(Verdict.AGREE)


def _judge_rejection(mine: Outcome, theirs: Outcome) -> Judgement:
    """Validation: one side accepts, the other rejects (or an engine could not run it)."""
    if isinstance(theirs, Failed) and theirs.kind in ("engine", "crash", "exhaustion"):
        return Judgement(Verdict.INCONCLUSIVE, show_outcome(theirs))
    mine_ok, theirs_ok = _accepted(mine), _accepted(theirs)
    if mine_ok == theirs_ok:
        return Judgement(Verdict.AGREE, "both reject the module")
    if mine_ok:
        return Judgement(Verdict.DISAGREE, f"validation: it rejects a module refwasm accepts "
                                           f"({show_outcome(theirs)})")
    return Judgement(Verdict.DISAGREE, f"validation: it accepts a module refwasm rejects "
                                       f"({show_outcome(mine)})")


def _judge_step(label: str, mine: Outcome, theirs: Outcome, my_events: Sequence[Event],
                their_events: Sequence[Event], my_state: State | None,
                their_state: State | None) -> Judgement | None:
    verdict: Comparison = compare(mine, theirs)
    if verdict.verdict is not Verdict.AGREE:
        return Judgement(verdict.verdict, f"{label}: {verdict.reason}")
    differ = compare_events(my_events, their_events)
    if differ is not None:
        return Judgement(Verdict.DISAGREE, f"{label}: {differ}")
    if my_state is not None and their_state is not None:
        verdict = compare_states(my_state, their_state)
        if verdict.verdict is not Verdict.AGREE:
            return Judgement(verdict.verdict, f"after {label}: {verdict.reason}")
    return None


# -- A run as a protocol reply (engines over a pipe) ---------------------------------------------


def parse_run(reply: dict[str, Any]) -> ExportRun | Outcome:
    """An engine's ``run_exports`` reply as a run (``EngineError`` when it is not one)."""
    try:
        return _parse_run(reply)
    except (WireError, KeyError, TypeError, ValueError, AttributeError) as error:
        raise EngineError(f"bad run_exports reply: {error}") from None


def _parse_run(reply: dict[str, Any]) -> ExportRun | Outcome:
    first = _parse_outcome(reply, instantiation=True)
    if not _accepted(first):
        return first
    run = ExportRun(first, tuple(event_from_json(e) for e in reply.get("events", [])))
    for call in reply.get("calls", []):
        state = None
        if "globals" in call or "memories" in call:
            state = State(
                {n: value_from_json(v) for n, v in call.get("globals", {}).items()},
                {n: (int(m["size"]), str(m["sha256"])) for n, m in
                 call.get("memories", {}).items()})
        run.calls.append(CallRecord(str(call["name"]), (), _parse_outcome(call),
                                    tuple(event_from_json(e) for e in call.get("events", [])),
                                    state))
    return run


def _parse_outcome(obj: dict[str, Any], *, instantiation: bool = False) -> Outcome:
    kind = obj.get("outcome")
    if instantiation and kind == "instantiated":
        return Returned(())
    if kind == "return":
        return Returned(tuple(value_from_json(v) for v in obj.get("results", [])))
    if kind in ("malformed", "invalid", "unlinkable", "trap", "exhaustion"):
        return Failed(str(kind), str(obj.get("message", "")))
    raise WireError(f"unknown outcome {kind!r:.40}")


# -- Reproducers ---------------------------------------------------------------------------------


def write_reproducer(result: ModuleResult, root: Path) -> Path:
    """A directory with the module (``module.wasm``), a ``.wast`` script asserting refwasm's
    outcomes (``repro.wast``) and every run (``runs.json``)."""
    digest = hashlib.sha256(result.data).hexdigest()[:12]
    disagreeing = [n for n, j in result.engines.items() if j.verdict is Verdict.DISAGREE]
    directory = root / f"{_slug('-'.join(disagreeing) or 'module')}-{digest}"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "module.wasm").write_bytes(result.data)
    (directory / "repro.wast").write_text(reproducer_script(result))
    runs = {name: run_json(run) if isinstance(run, ExportRun) else show_outcome(run)
            for name, run in result.runs.items()}
    if result.reference is not None:
        runs["refwasm"] = run_json(result.reference)
    (directory / "runs.json").write_text(json.dumps({**result.json(), "runs": runs}, indent=2)
                                         + "\n")
    return directory


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)[:60]


def _bytes_text(data: bytes) -> str:
    return "".join(f"\\{b:02x}" for b in data)


def reproducer_script(result: ModuleResult) -> str:
    """refwasm's outcomes as a script: the recording imports' defaults as registered modules
    (the events are comments: a script cannot assert them), the module, one assertion per call."""
    from refwasm.embedding import module_decode
    from refwasm.errors import WasmError

    lines = [f";; refwasm diff --modules {result.path}: {result.reason}"]
    module = f'(module binary "{_bytes_text(result.data)}")'
    run = result.reference
    if run is None:
        return "\n".join(lines) + "\n"
    first = run.instantiation
    if isinstance(first, Failed) and first.kind in ("malformed", "invalid"):
        lines.append(f'(assert_{first.kind} {module} "{first.message}")')
        return "\n".join(lines) + "\n"
    try:
        decoded = module_decode(result.data, Features.for_version("3.0"))
        lines += provider_modules(decoded)
    except (WasmError, UnsupportedType) as error:
        lines.append(f";; no provider modules for the imports: {error}")
    match first:
        case Returned():
            lines.append(module)
        case Failed("trap", message):
            lines.append(f'(assert_trap {module} "{message}")')
        case _:
            lines.append(f";; instantiation: {show_outcome(first)}\n;; {module}")
    lines += [f";; event: {show_event(e)}" for e in run.events]
    for call in run.calls:
        lines.append(_call_assertion(call))
        lines += [f";;   event: {show_event(e)}" for e in call.events]
    return "\n".join(lines) + "\n"


def _call_assertion(call: CallRecord) -> str:
    args = " ".join(argument_text(a) for a in call.args)
    invoke = f'(invoke "{call.name}"{" " + args if args else ""})'
    match call.outcome:
        case Returned(values):
            from refwasm.oracle.compare import allowed

            patterns = " ".join(pattern_text(allowed(v)) for v in values)
            return f"(assert_return {invoke}{' ' + patterns if patterns else ''})"
        case Failed("trap", message):
            return f'(assert_trap {invoke} "{message}")'
    return f";; {invoke}: {show_outcome(call.outcome)}"


def provider_modules(module: Any) -> list[str]:
    """Text modules, registered under each import module name, that provide every import with
    the recording-import defaults (functions returning zeros, items of the declared types)."""
    from refwasm.engines.recording import provider_items, wast_string

    lines: list[str] = []
    for name, items in provider_items(module).items():
        lines.append("(module\n  " + "\n  ".join(items) + ")")
        lines.append(f"(register {wast_string(name)})")
    return lines


# -- A corpus of binaryen's fuzzer --------------------------------------------------------------

# ``wasm-opt -ttf`` flags for the 2.0 features (binaryen 108's names).
TTF_FEATURES = ("--enable-simd", "--enable-bulk-memory", "--enable-sign-ext",
                "--enable-nontrapping-float-to-int", "--enable-multivalue",
                "--enable-mutable-globals")


def ttf_modules(directory: Path, seeds: Iterable[int], *, size: int = 2000,
                wasm_opt: str = "wasm-opt") -> list[Path]:
    """Modules made by ``wasm-opt -ttf`` from fixed seeds (each seed's input is a SHA-256
    stream, so a seed always gives the same module with the same binaryen)."""
    import subprocess

    paths = []
    for seed in seeds:
        stream = b"".join(hashlib.sha256(f"{seed}:{i}".encode()).digest()
                          for i in range(size // 32))
        (directory / f"seed{seed}").write_bytes(stream)
        out = directory / f"ttf{seed}.wasm"
        subprocess.run([wasm_opt, "-ttf", str(directory / f"seed{seed}"), "-o", str(out),
                        *TTF_FEATURES], check=True, capture_output=True, timeout=60)
        paths.append(out)
    return paths


# -- A corpus of wasm-smith ----------------------------------------------------------------------

def smith_flags() -> list[str]:
    """``wasm-tools smith``'s flags for a 2.0 corpus."""
    on = ("simd", "bulk-memory", "reference-types", "multi-value", "saturating-float-to-int",
          "sign-extension-ops")
    off = ("exceptions", "gc", "memory64", "tail-call", "threads", "relaxed-simd",
           "wide-arithmetic", "extended-const", "custom-page-sizes", "shared-everything-threads",
           "custom-descriptors", "compact-imports")
    return ["--ensure-termination", "--export-everything", "true", "--min-funcs", "2",
            *(x for name in on for x in (f"--{name}-enabled", "true")),
            *(x for name in off for x in (f"--{name}-enabled", "false"))]


def smith_modules(directory: Path, seeds: Iterable[int], *, size: int = 4000,
                  wasm_tools: str = "wasm-tools") -> list[Path]:
    """Modules made by ``wasm-tools smith`` from fixed seeds (the same SHA-256 streams as
    ``ttf_modules``)."""
    import subprocess

    paths = []
    for seed in seeds:
        stream = b"".join(hashlib.sha256(f"{seed}:{i}".encode()).digest()
                          for i in range(size // 32))
        (directory / f"smith-seed{seed}").write_bytes(stream)
        out = directory / f"smith{seed}.wasm"
        subprocess.run([wasm_tools, "smith", str(directory / f"smith-seed{seed}"), "-o",
                        str(out), *smith_flags()], check=True, capture_output=True, timeout=60)
        paths.append(out)
    return paths


# -- The command ---------------------------------------------------------------------------------


@dataclass
class Summary:
    """Counts for the summary line."""

    modules: int = 0
    agree: int = 0
    disagree: int = 0
    inconclusive: int = 0
    started: float = field(default_factory=time.monotonic)

    def add(self, verdict: Verdict) -> None:
        """Count one module."""
        self.modules += 1
        setattr(self, verdict.value, getattr(self, verdict.value) + 1)

    def json(self) -> dict[str, Any]:
        """The summary line."""
        seconds = time.monotonic() - self.started
        return {"summary": {"modules": self.modules, "agree": self.agree,
                            "disagree": self.disagree, "inconclusive": self.inconclusive,
                            "seconds": round(seconds, 2),
                            "modules_per_second": round(self.modules / max(seconds, 1e-9), 2)}}


def diff_modules(paths: Iterable[str], engines: Sequence[str], features: Features, *,
                 out: Path, sink: IO[str], subject: str = "reference",
                 fuel: int | None = MODULE_FUEL,
                 timeout: float | None = MODULE_TIMEOUT) -> Summary:
    """Judge every module; one JSON line each on ``sink``, then the summary line."""
    differ = ModuleDiff(engines, features, subject=subject, fuel=fuel, timeout=timeout)
    summary = Summary()
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            line: dict[str, Any] = {"module": path, "verdict": "inconclusive",
                                    "reason": f"cannot read: {error.strerror or error}"}
            summary.add(Verdict.INCONCLUSIVE)
        else:
            result = differ.judge(path, data)
            summary.add(result.verdict)
            line = result.json()
            if result.verdict is Verdict.DISAGREE:
                line["reproducer"] = str(write_reproducer(result, out))
        print(json.dumps(line), file=sink, flush=True)
    for name in list(differ.sessions):
        differ.drop(name)
    print(json.dumps(summary.json()), file=sink, flush=True)
    return summary


__all__ = ["ModuleDiff", "ModuleResult", "Summary", "default_args", "diff_modules",
           "judge_runs", "module_paths", "parse_run", "reproducer_script", "smith_modules",
           "ttf_modules", "write_reproducer"]
