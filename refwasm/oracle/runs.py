"""One run of a module's exports, the shape of a differential test case that comes from outside
(``run_exports`` in the oracle protocol, ``refwasm diff --modules``).

The module is instantiated with recording imports (``refwasm.oracle.recording``), then every
exported function is called once, in export order, with default arguments (zeros and null
references).  After each call the run keeps the outcome, the events recorded during the call,
and the exported state: every exported global and a digest of every exported memory.  A run
stops after a call that exhausted a resource (fuel, time, call depth is not a resource that
stops it: that is an ordinary outcome of one call), as nothing is known of the state after it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from refwasm.engines.base import Value
from refwasm.oracle.compare import (
    Failed,
    Outcome,
    Returned,
    State,
    allowed,
    allowed_at,
    memory_digest,
)
from refwasm.oracle.recording import Event, event_json
from refwasm.oracle.wire import pattern_text, value_to_json
from refwasm.syntax.types import FuncType, NumType, RefType, ValType, VecType


@dataclass(frozen=True)
class CallRecord:
    """One call of an export: its arguments, outcome, the events during it, the state after."""

    name: str
    args: tuple[Value, ...]
    outcome: Outcome
    events: tuple[Event, ...]
    state: State | None


@dataclass
class ExportRun:
    """A whole run: the instantiation's outcome and events, then each call."""

    instantiation: Outcome
    events: tuple[Event, ...] = ()
    calls: list[CallRecord] = field(default_factory=list)


def default_value(t: ValType) -> Value:
    """The default value of a type (zero bits, or the null reference)."""
    from refwasm.oracle.recording import null_of

    if isinstance(t, RefType):
        return Value(t, null_of(t))
    if isinstance(t, NumType | VecType):
        return Value(t, 0)
    return Value(t, null_of(t))


def default_args(functype: FuncType) -> tuple[Value, ...]:
    """Default arguments for a function."""
    return tuple(default_value(t) for t in functype.params)


def stops(outcome: Outcome) -> bool:
    """Whether a run ends after this outcome (a resource ran out: fuel or time)."""
    return isinstance(outcome, Failed) and outcome.kind == "exhaustion" and (
        "fuel" in outcome.message or "time" in outcome.message)


def call_exports(funcs: Sequence[tuple[str, FuncType]],
                 invoke: Callable[[str, tuple[Value, ...]], Outcome],
                 take_events: Callable[[], list[Event]],
                 state: Callable[[], State]) -> list[CallRecord]:
    """Call each function once with default arguments; the records (shared by refwasm's oracle
    and every engine adapter, so both sides run exactly the same sequence)."""
    calls: list[CallRecord] = []
    for name, functype in funcs:
        args = default_args(functype)
        outcome = invoke(name, args)
        events = tuple(take_events())
        after = None if stops(outcome) else state()
        calls.append(CallRecord(name, args, outcome, events, after))
        if after is None:
            break
    return calls


def state_of(globals_: Sequence[str], memories: Sequence[str],
             read_global: Callable[[str], Value | None],
             read_digest: Callable[[str], tuple[int, str] | None]) -> State:
    """Exported globals and memory digests (``compare.memory_digest``) through an engine's
    readers (a reader answering ``None`` cannot read that item: it is left out, and not
    compared)."""
    values = {name: value for name in globals_ if (value := read_global(name)) is not None}
    digests = {name: digest for name in memories if (digest := read_digest(name)) is not None}
    return State(values, digests)


def session_digest(session: Any, instance: Any, name: str) -> tuple[int, str] | None:
    """The size and digest of an exported memory through an engine adapter: its
    ``memory_digest`` when it has one (an engine process hashes the memory where it is rather
    than sending it whole through the pipe), else the bytes its ``memory`` reads; ``None`` when
    it can read neither."""
    digest = getattr(session, "memory_digest", None)
    if digest is not None:
        found: tuple[int, str] | None = digest(instance, name)
        return found
    read = getattr(session, "memory", None)
    data = read(instance, name) if read is not None else None
    return None if data is None else memory_digest(data)


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    """An outcome as the protocol writes it (results with their allowed sets)."""
    if isinstance(outcome, Returned):
        return {"outcome": "return", "results": [
            {**value_to_json(v), "allowed": pattern_text(allowed_at(outcome, k))}
            for k, v in enumerate(outcome.values)
        ]} | alternatives_json(outcome)
    return {"outcome": outcome.kind, "message": outcome.message} | alternatives_json(outcome)


def alternatives_json(outcome: Outcome) -> dict[str, Any]:
    """The other outcomes relaxed SIMD allows (``"alternatives"``), when there are any."""
    if not outcome.alternatives:
        return {}
    return {"alternatives": [
        {"outcome": "return", "results": [value_to_json(v) for v in other.values]}
        if isinstance(other, Returned) else {"outcome": other.kind, "message": other.message}
        for other in outcome.alternatives
    ]}


def state_json(state: State) -> dict[str, Any]:
    """The state after a call, as the protocol writes it."""
    return {
        "globals": {name: {**value_to_json(v), "allowed": pattern_text(allowed(v))}
                    for name, v in state.globals.items()},
        "memories": {name: {"size": size, "sha256": digest}
                     for name, (size, digest) in state.memories.items()},
    }


def run_json(run: ExportRun) -> dict[str, Any]:
    """A whole run as the ``run_exports`` reply writes it (without ``ok``)."""
    first = outcome_json(run.instantiation)
    if isinstance(run.instantiation, Returned):
        first = {"outcome": "instantiated"}
    calls = []
    for call in run.calls:
        entry = {"name": call.name, **outcome_json(call.outcome),
                 "events": [event_json(e) for e in call.events]}
        if call.state is not None:
            entry.update(state_json(call.state))
        calls.append(entry)
    return {**first, "events": [event_json(e) for e in run.events], "calls": calls}


def canonical(obj: Any) -> str:
    """A JSON text with sorted keys (for digests and stable output)."""
    return json.dumps(obj, sort_keys=True)


__all__ = ["CallRecord", "ExportRun", "call_exports", "canonical", "default_args",
           "default_value", "outcome_json", "run_json", "session_digest", "state_json", "state_of",
           "stops"]
