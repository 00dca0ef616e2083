"""How values, allowed sets and outcomes are written: as JSON for the oracle protocol
(docs/oracle.md) and as ``.wast`` text for reproducers.

A number or vector travels as its exact bits (``{"type": "f32", "bits": "0x7fc00000"}``), a
reference as ``{"type": "funcref", "null": true}``, ``{"type": "externref", "host": 3}`` or
``{"type": "funcref", "func": 7}`` (a function address, meaningful only to the same oracle).
"""

from __future__ import annotations

from refwasm.engines.base import Value
from refwasm.engines.jsonvalues import (
    MAX_INT_DIGITS,
    TYPES,
    WireError,
    loads,
    type_name,
    value_from_json,
    value_to_json,
)
from refwasm.execution.values import RefHostAddr, RefNullVal
from refwasm.syntax.types import AbsHeapType, NumType, VecType
from refwasm.text.printer import number
from refwasm.text.script_syntax import (
    EitherPattern,
    NanPattern,
    NumConst,
    RefHostConst,
    RefNullConst,
    RefPattern,
    Result,
    VecConst,
    VecPattern,
)


def pattern_text(pattern: Result) -> str:
    """An allowed set as a ``.wast`` result (``(f32.const nan:arithmetic)``, ``(either ...)``)."""
    match pattern:
        case NumConst(nt, bits):
            return f"({nt.value}.const {number(nt, bits)})"
        case VecConst(bits):
            halves = [bits & (1 << 64) - 1, bits >> 64]
            return f"(v128.const i64x2 {halves[0]:#x} {halves[1]:#x})"
        case NanPattern(nt, kind):
            return f"({nt.value}.const {kind.value})"
        case VecPattern(shape, lanes):
            lane_nt = NumType.F32 if shape.lane_bits == 32 else NumType.F64
            texts = [
                lane.nan.value if lane.nan is not None else number(lane_nt, lane.bits or 0)
                for lane in lanes
            ]
            return f"(v128.const {shape.value} {' '.join(texts)})"
        case RefNullConst(heaptype):
            name = heaptype.value if isinstance(heaptype, AbsHeapType) else "func"
            return f"(ref.null {name})"
        case RefHostConst(n):
            return f"(ref.extern {n})"
        case RefPattern(heaptype, null):
            name = heaptype.value if isinstance(heaptype, AbsHeapType) else ""
            return f"(ref.null {name})".replace(" )", ")") if null else f"(ref.{name or 'func'})"
        case EitherPattern(alternatives):
            return "(either " + " ".join(pattern_text(a) for a in alternatives) + ")"


def argument_text(value: Value) -> str:
    """An argument of a ``.wast`` ``invoke``."""
    match value.val:
        case int(bits) if value.type is VecType.V128:
            return pattern_text(VecConst(bits))
        case int(bits) if isinstance(value.type, NumType):
            return pattern_text(NumConst(value.type, bits))
        case RefNullVal(heaptype):
            return pattern_text(RefNullConst(heaptype))
        case RefHostAddr(n):
            return pattern_text(RefHostConst(n))
    raise WireError(f"{value.val!r} cannot be written in a script")


__all__ = ["MAX_INT_DIGITS", "TYPES", "WireError", "argument_text", "loads", "pattern_text", "type_name",
           "value_from_json", "value_to_json"]
