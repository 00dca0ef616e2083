"""refwasm: an executable, typed Python model of the WebAssembly specification.

The layers follow the spec's chapters and data flows one way:
bytes or text -> decode/parse -> validate -> instantiate -> invoke.
See docs/architecture.md, and docs/quickstart.md for the Python API.

The common entry points are available here (``refwasm.decode``, ``refwasm.parse``,
``refwasm.validate``, ``refwasm.instantiate``, ...; defined in ``refwasm.api``).  They are
imported on first use, so that ``import refwasm`` (and every ``refwasm`` command) stays cheap.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from refwasm.api import (
        HostFunction,
        Imports,
        Instance,
        decode,
        encode,
        f32,
        f64,
        host_function,
        i32,
        i64,
        instantiate,
        js_function,
        js_global,
        js_memory,
        js_table,
        parse,
        signed,
        store_init,
        to_float,
        validate,
    )
    from refwasm.errors import (
        ExhaustionError,
        InvalidError,
        MalformedError,
        TrapError,
        UnlinkableError,
        WasmError,
    )
    from refwasm.execution.values import Val
    from refwasm.features import Features
    from refwasm.jstyped import js_instance
    from refwasm.syntax.types import NumType

_API = (
    "HostFunction Imports Instance decode encode f32 f64 host_function i32 i64 instantiate js_function"
    " js_global js_memory js_table parse signed"
    " store_init to_float validate"
).split()
_ERRORS = "ExhaustionError InvalidError MalformedError TrapError UnlinkableError WasmError".split()
_HOME = {
    **{name: "refwasm.api" for name in _API},
    **{name: "refwasm.errors" for name in _ERRORS},
    "Features": "refwasm.features",
    "js_instance": "refwasm.jstyped",
    "NumType": "refwasm.syntax.types",
    "Val": "refwasm.execution.values",
}

__all__ = [
    "ExhaustionError",
    "Features",
    "HostFunction",
    "Imports",
    "Instance",
    "InvalidError",
    "MalformedError",
    "NumType",
    "TrapError",
    "UnlinkableError",
    "Val",
    "WasmError",
    "__version__",
    "decode",
    "encode",
    "f32",
    "f64",
    "host_function",
    "i32",
    "i64",
    "instantiate",
    "js_function",
    "js_global",
    "js_instance",
    "js_memory",
    "js_table",
    "parse",
    "signed",
    "store_init",
    "to_float",
    "validate",
]


def __getattr__(name: str) -> Any:
    """The entry points, imported on first use."""
    if name in _HOME:
        return getattr(importlib.import_module(_HOME[name]), name)
    raise AttributeError(f"module 'refwasm' has no attribute {name!r}")
