"""Values as JSON lines carry them (the oracle protocol, docs/oracle.md): shared by the oracle
and by the engines that speak the protocol (``cmd_engine``).

A number or vector travels as its exact bits (``{"type": "f32", "bits": "0x7fc00000"}``), a
reference as ``{"type": "funcref", "null": true}``, ``{"type": "externref", "host": 3}`` or
``{"type": "funcref", "func": 7}`` (a function address, meaningful only to the same process).
"""

from __future__ import annotations

import json
from typing import Any

from refwasm.engines.base import Value
from refwasm.execution.values import RefFuncAddr, RefHostAddr, RefNullVal
from refwasm.syntax.types import EXTERNREF, FUNCREF, AbsHeapType, NumType, ValType, VecType

# Type names on the wire.
TYPES: dict[str, ValType] = {
    "i32": NumType.I32, "i64": NumType.I64, "f32": NumType.F32, "f64": NumType.F64,
    "v128": VecType.V128, "funcref": FUNCREF, "externref": EXTERNREF,
}
_NAMES = {t: name for name, t in TYPES.items()}
_WIDTH = {NumType.I32: 32, NumType.F32: 32, NumType.I64: 64, NumType.F64: 64, VecType.V128: 128}


# The most digits a JSON integer of a request may have.  Every number the protocol carries is
# below 2**128 (39 digits); the bound keeps a request away from Python's limit on converting
# long decimal strings (4,300 digits), which would otherwise end the request in a ValueError.
MAX_INT_DIGITS = 100


class WireError(Exception):
    """A request that does not say what it means (the oracle answers with an error)."""


def loads(line: str | bytes) -> Any:
    """A request line as JSON (``WireError`` when it is not JSON, not UTF-8, or has an integer
    of more than ``MAX_INT_DIGITS`` digits)."""
    try:
        return json.loads(line, parse_int=_json_int)
    except UnicodeDecodeError:
        raise WireError("a request is UTF-8 text") from None
    except json.JSONDecodeError as error:
        raise WireError(str(error)) from None


def _json_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INT_DIGITS:
        raise WireError(f"an integer of more than {MAX_INT_DIGITS} digits")
    return int(text)


def type_name(t: ValType) -> str:
    """The wire name of a type (``WireError`` for one the protocol cannot carry)."""
    if t not in _NAMES:
        raise WireError(f"type {t} has no wire form")
    return _NAMES[t]


def value_from_json(obj: Any) -> Value:
    """A value from its JSON form (``WireError`` when it is not one)."""
    if not isinstance(obj, dict) or obj.get("type") not in TYPES:
        raise WireError(f"not a value: {obj!r:.80}")
    t = TYPES[obj["type"]]
    if t in _WIDTH:
        bits = _bits(obj.get("bits"))
        if not 0 <= bits < 1 << _WIDTH[t]:
            raise WireError(f"bits out of range for {obj['type']}")
        return Value(t, bits)
    if obj.get("null") is True:
        return Value(t, RefNullVal(AbsHeapType.FUNC if t == FUNCREF else AbsHeapType.EXTERN))
    if t == EXTERNREF and isinstance(obj.get("host"), int) and obj["host"] >= 0:
        return Value(t, RefHostAddr(obj["host"]))
    if t == FUNCREF and isinstance(obj.get("func"), int) and obj["func"] >= 0:
        return Value(t, RefFuncAddr(obj["func"]))
    raise WireError(f"not a reference value: {obj!r:.80}")


def _bits(raw: Any) -> int:
    if isinstance(raw, bool):
        raise WireError("bits must be an integer or a string of one")
    if isinstance(raw, int):
        return raw
    if isinstance(raw, str):
        try:
            return int(raw, 0)
        except ValueError:
            pass
    raise WireError(f"bad bits: {raw!r:.40}")


def value_to_json(value: Value) -> dict[str, Any]:
    """A value's JSON form."""
    name = _NAMES.get(value.type, str(value.type))
    match value.val:
        case int(bits):
            return {"type": name, "bits": f"{bits:#x}"}
        case RefNullVal():
            return {"type": name, "null": True}
        case RefHostAddr(n):
            return {"type": name, "host": n}
        case RefFuncAddr(addr):
            return {"type": name, "func": addr}
    return {"type": name, "ref": repr(value.val)}
