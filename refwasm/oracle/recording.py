"""Recording imports as the oracle speaks of them: events on the wire and their comparison.
The convention itself (the stub module every engine links) is ``refwasm.engines.recording``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from refwasm.engines.recording import (
    RECORD_MODULE,
    Event,
    FuncImport,
    RecordingPlan,
    null_of,
    session_imports,
    store_imports,
)
from refwasm.oracle.compare import admits, allowed
from refwasm.script.results import show

# -- Events on the wire and compared -------------------------------------------------------------


def event_json(event: Event) -> dict[str, Any]:
    """An event as the oracle protocol writes it."""
    from refwasm.oracle.wire import value_to_json

    return {"module": event.module, "name": event.name,
            "args": [value_to_json(v) for v in event.args]}


def event_from_json(obj: Any) -> Event:
    """An event from its JSON form (``WireError`` when it is not one)."""
    from refwasm.oracle.wire import WireError, value_from_json

    if not isinstance(obj, dict) or not isinstance(obj.get("module"), str) or not isinstance(
            obj.get("name"), str) or not isinstance(obj.get("args"), list):
        raise WireError(f"not an event: {obj!r:.80}")
    return Event(obj["module"], obj["name"], tuple(value_from_json(a) for a in obj["args"]))


def show_event(event: Event) -> str:
    """An event as reports print it."""
    return f"{event.module}.{event.name}(" + ", ".join(show(v) for v in event.args) + ")"


def compare_events(mine: Sequence[Event], theirs: Sequence[Event]) -> str | None:
    """Why another engine's event log differs from refwasm's, or ``None``.  Arguments are
    judged like results (a NaN an operator made may be any NaN of its class; a non-null
    function reference is any non-null one)."""
    for i, (a, b) in enumerate(zip(mine, theirs, strict=False)):
        same = (a.module, a.name, len(a.args)) == (b.module, b.name, len(b.args)) and all(
            x.type == y.type and admits(allowed(x), y) for x, y in zip(a.args, b.args,
                                                                        strict=True))
        if not same:
            return f"event {i}: {show_event(b)}, refwasm {show_event(a)}"
    if len(mine) != len(theirs):
        extra = (mine if len(mine) > len(theirs) else theirs)[min(len(mine), len(theirs))]
        return (f"{len(theirs)} events, refwasm {len(mine)} (first unmatched: "
                f"{show_event(extra)})")
    return None


__all__ = ["RECORD_MODULE", "Event", "FuncImport", "RecordingPlan", "compare_events",
           "event_from_json", "event_json", "null_of", "session_imports", "show_event",
           "store_imports"]
