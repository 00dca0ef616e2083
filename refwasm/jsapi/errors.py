"""The JavaScript exceptions the JS API throws, modelled as Python exceptions.

The WebAssembly namespace defines ``CompileError``, ``LinkError`` and ``RuntimeError`` ("Error
Objects"); the algorithms also throw ECMAScript's ``TypeError``, ``RangeError`` and (through
``ToBigInt`` on a string) ``SyntaxError``.  They are modelled as ``JSTypeError``, ``JSRangeError``
and ``JSSyntaxError`` so that they are never confused with Python's own ``TypeError``.

Every class carries ``js_name``, the ``name`` property the JavaScript object would have; drivers
report outcomes by it.  ``JSThrow`` wraps an arbitrary JavaScript value thrown by a host function
(``throw 42``), so that anything JavaScript may throw can cross the Python boundary.

Messages follow V8's style: what failed and where (the import's index, module and field names,
the expected and the provided type or limits).  Their texts are built here, in one place.
"""

from __future__ import annotations

from typing import ClassVar


class JSError(Exception):
    """A JavaScript ``Error`` object (also what a host function throws with ``new Error()``)."""

    js_name: ClassVar[str] = "Error"

    def __init__(self, message: str = "") -> None:
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{self.js_name}({self.message!r})"


class CompileError(JSError):
    """``WebAssembly.CompileError``: decoding or validation failed."""

    js_name = "CompileError"


class LinkError(JSError):
    """``WebAssembly.LinkError``: an import is of the wrong kind or type."""

    js_name = "LinkError"


class RuntimeError(JSError):  # the JS API names it so; Python code says jsapi.RuntimeError
    """``WebAssembly.RuntimeError``: a trap."""

    js_name = "RuntimeError"


class JSTypeError(JSError):
    """ECMAScript ``TypeError``."""

    js_name = "TypeError"


class JSRangeError(JSError):
    """ECMAScript ``RangeError`` (also V8's choice for call stack exhaustion)."""

    js_name = "RangeError"


class JSSyntaxError(JSError):
    """ECMAScript ``SyntaxError`` (``ToBigInt`` of a string that is not an integer)."""

    js_name = "SyntaxError"


class JSThrow(JSError):
    """A JavaScript value that is not an ``Error`` object was thrown (``throw v``)."""

    js_name = "(thrown value)"

    def __init__(self, value: object) -> None:
        super().__init__(f"thrown value {value!r}")
        self.value = value


# -- Messages (V8's wording where V8 has one) -------------------------------------------------

IMPORTS_ARGUMENT_NOT_OBJECT = "Imports argument must be present and must be an object"
NOT_A_FUNCTION = "function import requires a callable"
GLOBAL_NOT_NUMBER = "global import must be a number, valid Wasm reference, or WebAssembly.Global object"
GLOBAL_I64_NOT_BIGINT = "global import must be a BigInt value or WebAssembly.Global object"
GLOBAL_V128 = "a v128 global import requires a WebAssembly.Global object"
MEMORY_IMPORT_NOT_MEMORY = "memory import must be a WebAssembly.Memory object"
TABLE_IMPORT_NOT_TABLE = "table import requires a WebAssembly.Table"
TAG_IMPORT_NOT_TAG = "tag import requires a WebAssembly.Tag"
INCOMPATIBLE_IMPORT = "imported {kind} does not match the expected type: {detail}"
IMPORT_TOO_SMALL = "{what} import has {have} {unit} which is smaller than the declared initial of {want}"
IMPORT_NO_MAXIMUM = "{what} import has no maximum limit, expected at most {want}"
IMPORT_MAXIMUM_LARGER = "{what} import has a larger maximum size {have} than the module's declared maximum {want}"
TYPE_INCOMPATIBLE = "type incompatibility when transforming from/to JS"
CANNOT_CONVERT_TO_BIGINT = "Cannot convert {value} to a BigInt"
CANNOT_CONVERT_BIGINT_TO_NUMBER = "Cannot convert a BigInt value to a number"
CANNOT_CONVERT_TO_PRIMITIVE = "Cannot convert object to primitive value"
OPAQUE_OBJECT_SET = "WebAssembly objects are opaque"  # V8's words
ENFORCE_RANGE = "{what} must be convertible to a valid number: {value}"
OUT_OF_RANGE = "{what} {value} is out of range"
INVALID_LIMITS = "{what}: {detail}"
IMMUTABLE_GLOBAL = "Can't set the value of an immutable global."
UNKNOWN_VALUE_TYPE = "Descriptor property 'value' must be a WebAssembly type, got {value!r}"
UNKNOWN_ELEMENT_TYPE = "Descriptor property 'element' must be a WebAssembly reference type, got {value!r}"
NOT_BUFFER_SOURCE = "Argument 0 must be a buffer source"
NOT_A_MODULE = "Argument 0 must be a WebAssembly.Module"
DETACHED_BUFFER = "Cannot perform an operation on a detached ArrayBuffer"
MEMORY_GROW_FAILED = "Maximum memory size exceeded"
TABLE_GROW_FAILED = "failed to grow table by {delta}"
TABLE_INDEX_OUT_OF_RANGE = "invalid address {index} in {kind} table of size {size}"
V128_AT_BOUNDARY = "type incompatibility when transforming from/to JS (v128 at the JS boundary)"
RESULT_NOT_ITERABLE = "multi-return value must be iterable"
RESULT_ARITY = "multi-return length mismatch: expected {expected}, got {got}"
EXHAUSTED = "Maximum call stack size exceeded"


def at_import(index: int, module: str, name: str, message: str) -> str:
    """V8's prefix naming the import: ``Import #0 "env" "f": <message>``."""
    return f'Import #{index} "{module}" "{name}": {message}'


def at_module(index: int, module: str, message: str) -> str:
    """V8's prefix for a failing import module lookup: ``Import #0 "env": <message>``."""
    return f'Import #{index} "{module}": {message}'
