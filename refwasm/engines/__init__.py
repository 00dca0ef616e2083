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


def engine_named(name: str, **limits: Any) -> Engine[Any, Any, Any]:
    """A fresh engine adapter by its registered name (``EngineError`` for an unknown name).

    ``limits`` (``fuel=``, ``timeout=``) go to the adapters that take them; one that cannot
    bound a run that way ignores them (docs/security.md lists which)."""
    if name not in ENGINES:
        raise EngineError(f"unknown engine {name!r} (known: {', '.join(sorted(ENGINES))})")
    module_name, class_name = ENGINES[name].split(":")
    adapter = getattr(importlib.import_module(module_name), class_name)
    accepted = inspect.signature(adapter).parameters
    engine: Engine[Any, Any, Any] = adapter(
        **{key: value for key, value in limits.items() if key in accepted})
    return engine


__all__ = ["ENGINES", "Engine", "EngineError", "Session", "Value", "engine_named"]
