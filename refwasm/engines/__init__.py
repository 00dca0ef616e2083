"""Engines the runner and drivers can use, by name (see ``base.Engine``).

Adapters are imported only when chosen, so a missing peer engine costs nothing.
"""

from __future__ import annotations

import importlib
import inspect
from typing import Any

from refwasm.engines.base import Engine, EngineError, Session, Value

# Engine name -> "module:class" of its adapter.
ENGINES = {
    "reference": "refwasm.engines.reference:ReferenceEngine",
    "fast": "refwasm.engines.reference:FastEngine",
    "wasmtime": "refwasm.engines.wasmtime_engine:WasmtimeEngine",
    "node": "refwasm.engines.node_engine:NodeEngine",
    "pywasm": "refwasm.engines.pywasm_engine:PywasmEngine",
}


# ``cmd:COMMAND ARGS``: any process speaking the oracle protocol (``cmd_engine``).
CMD_PREFIX = "cmd:"


def is_engine(name: str) -> bool:
    """Whether ``name`` names an engine: a registered one, or ``cmd:COMMAND``."""
    return name in ENGINES or (name.startswith(CMD_PREFIX) and bool(name[len(CMD_PREFIX):].strip()))


def engine_named(name: str, **limits: Any) -> Engine[Any, Any, Any]:
    """A fresh engine adapter by its registered name, or ``cmd:COMMAND`` (``EngineError`` for
    an unknown name).

    ``limits`` (``fuel=``, ``timeout=``) go to the adapters that take them; one that cannot
    bound a run that way ignores them (docs/security.md lists which)."""
    if name.startswith(CMD_PREFIX) and is_engine(name):
        from refwasm.engines.cmd_engine import CmdEngine

        return CmdEngine(name[len(CMD_PREFIX):], **limits)
    if name not in ENGINES:
        raise EngineError(f"unknown engine {name!r} (known: {', '.join(sorted(ENGINES))})")
    module_name, class_name = ENGINES[name].split(":")
    adapter = getattr(importlib.import_module(module_name), class_name)
    accepted = inspect.signature(adapter).parameters
    engine: Engine[Any, Any, Any] = adapter(
        **{key: value for key, value in limits.items() if key in accepted})
    return engine


__all__ = ["CMD_PREFIX", "ENGINES", "Engine", "EngineError", "Session", "Value", "engine_named",
           "is_engine"]
