"""The WebAssembly JavaScript Interface (the JS API) modelled in Python.

``WebAssembly()`` is the namespace of a fresh agent; see ``refwasm.jsapi.values`` for how
JavaScript values are modelled and ``refwasm.jsapi.agent`` for ToJSValue/ToWebAssemblyValue
(NaN and -0 included).  ``refwasm.jsapi.scenario`` runs JSON scenarios through this model and
through V8 (``node``) for differential testing.
"""

from refwasm.jsapi.agent import Agent, ExportedFunction
from refwasm.jsapi.errors import (
    CompileError,
    JSError,
    JSRangeError,
    JSSyntaxError,
    JSThrow,
    JSTypeError,
    LinkError,
    RuntimeError,
)
from refwasm.jsapi.namespace import WebAssembly
from refwasm.jsapi.objects import (
    ArrayBuffer,
    ExportsObject,
    Global,
    Instance,
    Memory,
    Module,
    Table,
)
from refwasm.jsapi.values import UNDEFINED, BigInt

__all__ = [
    "Agent",
    "ArrayBuffer",
    "BigInt",
    "CompileError",
    "ExportedFunction",
    "ExportsObject",
    "Global",
    "Instance",
    "JSError",
    "JSRangeError",
    "JSSyntaxError",
    "JSThrow",
    "JSTypeError",
    "LinkError",
    "Memory",
    "Module",
    "RuntimeError",
    "Table",
    "UNDEFINED",
    "WebAssembly",
]
