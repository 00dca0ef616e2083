"""Matching an action's results against a script's expected results (the spec interpreter's
``match_result``): exact bits and type for constants, NaN classes, per-lane vector patterns and
reference patterns.

``mismatch`` returns ``None`` on a match, else a short reason for the report.
"""

from __future__ import annotations

from collections.abc import Sequence

from refwasm.engines.base import Value
from refwasm.execution.values import (
    RefArrayAddr,
    RefExnAddr,
    RefExtern,
    RefFuncAddr,
    RefHostAddr,
    RefI31Num,
    RefNullVal,
    RefStructAddr,
)
from refwasm.numerics.lanes import lanes
from refwasm.syntax.instructions import Shape
from refwasm.syntax.types import (
    EXTERNREF,
    AbsHeapType,
    DefType,
    FuncType,
    HeapType,
    NumType,
    RefType,
    ValType,
    VecType,
)
from refwasm.text.script_syntax import (
    Const,
    EitherPattern,
    LanePattern,
    NanKind,
    NanPattern,
    NumConst,
    RefHostConst,
    RefNullConst,
    RefPattern,
    Result,
    VecConst,
    VecPattern,
)

# The canonical NaN of each float width (positive sign): exponent all ones, only the quiet bit
# of the significand set (2.0 ``aux-canon``).  An arithmetic NaN has at least those bits set.
CANONICAL_NAN = {32: 0x7FC0_0000, 64: 0x7FF8_0000_0000_0000}
_FLOAT_WIDTH = {NumType.F32: 32, NumType.F64: 64}

# The top of each hierarchy of heap types: two nulls are "of the same kind" when their heap
# types share a top (func, extern, any, exn).
_TOP = {
    AbsHeapType.FUNC: AbsHeapType.FUNC,
    AbsHeapType.NOFUNC: AbsHeapType.FUNC,
    AbsHeapType.EXTERN: AbsHeapType.EXTERN,
    AbsHeapType.NOEXTERN: AbsHeapType.EXTERN,
    AbsHeapType.EXN: AbsHeapType.EXN,
    AbsHeapType.NOEXN: AbsHeapType.EXN,
    AbsHeapType.ANY: AbsHeapType.ANY,
    AbsHeapType.EQ: AbsHeapType.ANY,
    AbsHeapType.I31: AbsHeapType.ANY,
    AbsHeapType.STRUCT: AbsHeapType.ANY,
    AbsHeapType.ARRAY: AbsHeapType.ANY,
    AbsHeapType.NONE: AbsHeapType.ANY,
}


# The GC kinds of reference a ``(ref.i31)``, ``(ref.struct)``, ... pattern accepts.
_GC_PATTERNS: dict[HeapType, type | tuple[type, ...]] = {
    AbsHeapType.I31: RefI31Num,
    AbsHeapType.STRUCT: RefStructAddr,
    AbsHeapType.ARRAY: RefArrayAddr,
    AbsHeapType.EQ: (RefI31Num, RefStructAddr, RefArrayAddr),
}


def is_canonical_nan(width: int, bits: int) -> bool:
    """``nan:canonical``: the canonical NaN of either sign."""
    return bits & ~(1 << (width - 1)) == CANONICAL_NAN[width]


def is_arithmetic_nan(width: int, bits: int) -> bool:
    """``nan:arithmetic``: a NaN whose quiet bit is set (any payload, either sign)."""
    canon = CANONICAL_NAN[width]
    return bits & canon == canon


def matches_nan(kind: NanKind, width: int, bits: int) -> bool:
    """Whether ``bits`` (a float of ``width`` bits) is in the NaN class ``kind``."""
    if kind is NanKind.CANONICAL:
        return is_canonical_nan(width, bits)
    return is_arithmetic_nan(width, bits)


def top_of(heaptype: HeapType) -> HeapType:
    """The top of ``heaptype``'s hierarchy; a defined type is under ``func`` or ``any`` by its
    composite type; an unresolved type index is its own top (it only matches itself)."""
    if isinstance(heaptype, AbsHeapType):
        return _TOP.get(heaptype, heaptype)
    if isinstance(heaptype, DefType):
        comptype = heaptype.rectype.subtypes[heaptype.idx].comptype
        return AbsHeapType.FUNC if isinstance(comptype, FuncType) else AbsHeapType.ANY
    return heaptype


def const_value(const: Const) -> Value:
    """The value an argument or expected constant denotes."""
    match const:
        case NumConst(nt, bits):
            return Value(nt, bits)
        case VecConst(bits):
            return Value(VecType.V128, bits)
        case RefNullConst(heaptype):
            return Value(RefType(True, heaptype), RefNullVal(heaptype))
        case RefHostConst(n):
            return Value(EXTERNREF, RefHostAddr(n))


def show(value: Value) -> str:
    """A value as the report prints it (``i32:0x2a``, ``ref.null func``, ``ref.extern 1``)."""
    match value.val:
        case int(bits):
            return f"{_type_name(value.type)}:{bits:#x}"
        case RefNullVal(ht):
            return f"ref.null {_heap_name(ht)}"
        case RefFuncAddr(addr):
            return f"ref.func@{addr}"
        case RefHostAddr(n):
            return f"ref.extern {n}"
        case RefExtern(ref):
            return f"extern({show(Value(EXTERNREF, ref))})"
        case RefI31Num(i):
            return f"ref.i31 {i}"
        case RefStructAddr(a):
            return f"ref.struct@{a}"
        case RefArrayAddr(a):
            return f"ref.array@{a}"
        case RefExnAddr():
            return "ref.exn"
    return repr(value.val)


def show_expected(result: Result) -> str:
    """An expected result as the report prints it."""
    match result:
        case NumConst() | VecConst() | RefNullConst() | RefHostConst():
            return show(const_value(result))
        case NanPattern(nt, kind):
            return f"{nt.value}:{kind.value}"
        case VecPattern(shape, lanes_):
            return f"v128 {shape.value} " + " ".join(_show_lane(lane) for lane in lanes_)
        case RefPattern(heaptype, null):
            name = "" if heaptype is None else " " + _heap_name(heaptype)
            return f"(ref.null{name})" if null else f"(ref{name})"
        case EitherPattern(alternatives):
            return "(either " + " ".join(show_expected(alt) for alt in alternatives) + ")"


def mismatch(expected: Sequence[Result], actual: Sequence[Value]) -> str | None:
    """``None`` when ``actual`` matches ``expected`` one to one, else why not."""
    if len(expected) != len(actual):
        return f"expected {len(expected)} results, got {len(actual)}: {_show_all(actual)}"
    for i, (result, value) in enumerate(zip(expected, actual, strict=True)):
        if not matches(result, value):
            return f"result {i}: expected {show_expected(result)}, got {show(value)}"
    return None


def matches(result: Result, value: Value) -> bool:
    """Whether one value matches one expected result (``match_result``)."""
    match result:
        case NumConst(nt, bits):
            return value.type == nt and value.val == bits & _mask(nt.bits)
        case VecConst(bits):
            return value.type == VecType.V128 and value.val == bits & _mask(128)
        case NanPattern(nt, kind):
            width = _FLOAT_WIDTH.get(nt)
            return (
                width is not None
                and value.type == nt
                and isinstance(value.val, int)
                and matches_nan(kind, width, value.val)
            )
        case VecPattern(shape, lane_patterns):
            return (
                value.type == VecType.V128
                and isinstance(value.val, int)
                and matches_lanes(shape, lane_patterns, value.val)
            )
        case RefNullConst(heaptype):
            return isinstance(value.val, RefNullVal) and _same_kind(heaptype, value)
        case RefHostConst(n):
            return value.val == RefHostAddr(n)
        case RefPattern(heaptype, null):
            return _matches_ref_pattern(heaptype, null, value)
        case EitherPattern(alternatives):
            return any(matches(alt, value) for alt in alternatives)


def matches_lanes(shape: Shape, patterns: Sequence[LanePattern], bits: int) -> bool:
    """Per-lane comparison of a ``v128`` under ``shape``: exact lane bits or a NaN class."""
    actual = lanes(shape, bits)
    if len(patterns) != len(actual):
        return False
    width = shape.lane_bits
    for pattern, lane in zip(patterns, actual, strict=True):
        if pattern.nan is not None:
            if width not in CANONICAL_NAN or not matches_nan(pattern.nan, width, lane):
                return False
        elif pattern.bits is None or lane != pattern.bits & _mask(width):
            return False
    return True


def _matches_ref_pattern(heaptype: HeapType | None, null: bool, value: Value) -> bool:
    """``(ref.null)`` is any null; ``(ref.func)``, ``(ref.extern)`` any non-null reference of
    that kind."""
    ref = value.val
    if isinstance(ref, int):
        return False
    if null:
        return isinstance(ref, RefNullVal) and (heaptype is None or _same_kind(heaptype, value))
    if isinstance(ref, RefNullVal):
        return False
    if heaptype is None:
        return True
    if heaptype in _GC_PATTERNS:
        return isinstance(ref, _GC_PATTERNS[heaptype])
    top = top_of(heaptype)
    if top == AbsHeapType.FUNC:
        return isinstance(ref, RefFuncAddr)
    if top == AbsHeapType.EXTERN:
        return isinstance(ref, RefHostAddr | RefExtern)
    return _static_top(value) == top


def _same_kind(heaptype: HeapType, value: Value) -> bool:
    """Whether a null ``value`` is in the hierarchy of ``heaptype`` (any null of that kind)."""
    ref = value.val
    expected = top_of(heaptype)
    if isinstance(ref, RefNullVal) and top_of(ref.heaptype) == expected:
        return True
    return _static_top(value) == expected


def _static_top(value: Value) -> HeapType | None:
    """The hierarchy of the value's declared reference type, if it is one."""
    if isinstance(value.type, RefType):
        return top_of(value.type.heaptype)
    return None


def _mask(width: int) -> int:
    return (1 << width) - 1


def _type_name(t: ValType) -> str:
    if isinstance(t, RefType):
        return f"(ref {'null ' if t.null else ''}{_heap_name(t.heaptype)})"
    return str(t.value)


def _heap_name(ht: HeapType) -> str:
    return str(ht.value) if isinstance(ht, AbsHeapType) else repr(ht)


def _show_lane(lane: LanePattern) -> str:
    if lane.nan is not None:
        return lane.nan.value
    return "?" if lane.bits is None else f"{lane.bits:#x}"


def _show_all(values: Sequence[Value]) -> str:
    return "[" + ", ".join(show(v) for v in values) + "]"
