"""The comparison rules of differential testing (docs/comparison-rules.md), in one place.

refwasm's outcome of a call is turned into the SET of outcomes the spec allows, written as the
test suite's result patterns (``refwasm.text.script_syntax.Result``): exact bits where the spec is
deterministic, a NaN class where it is not.  Another engine agrees when its outcome is in that
set.  Using the suite's own patterns means a disagreement can be written back as an
``assert_return`` that fails on the wrong engine, and matched with the runner's ``matches``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import Enum

from refwasm import errors
from refwasm.engines.base import EngineError, Value
from refwasm.execution.values import RefFuncAddr, RefHostAddr, RefNullVal
from refwasm.script.results import is_arithmetic_nan, matches, show
from refwasm.syntax.instructions import Shape
from refwasm.syntax.types import AbsHeapType, NumType, VecType
from refwasm.text.script_syntax import (
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

# The trap messages of the spec test suite: a trap of another engine whose mapped message is
# not one of these has no known kind, and only "it trapped" is compared.
SPEC_TRAPS = frozenset({
    errors.UNREACHABLE, errors.INTEGER_DIVIDE_BY_ZERO, errors.INTEGER_OVERFLOW,
    errors.INVALID_CONVERSION_TO_INTEGER, errors.OUT_OF_BOUNDS_MEMORY_ACCESS,
    errors.OUT_OF_BOUNDS_TABLE_ACCESS, errors.UNDEFINED_ELEMENT, errors.UNINITIALIZED_ELEMENT,
    errors.INDIRECT_CALL_TYPE_MISMATCH, errors.NULL_FUNCTION_REFERENCE, errors.NULL_REFERENCE,
    errors.NULL_STRUCTURE_REFERENCE, errors.NULL_ARRAY_REFERENCE, errors.NULL_EXCEPTION_REFERENCE,
    errors.OUT_OF_BOUNDS_ARRAY_ACCESS, errors.CAST_FAILURE,
})

# Trap messages that name one kind of trap.  An index outside a table is "undefined element"
# for ``call_indirect`` and "out of bounds table access" for the table instructions; engines
# (wasmtime's TABLE_OUT_OF_BOUNDS, V8's "table index is out of bounds") report both alike, so
# both are the one kind "table index out of bounds".
TRAP_KINDS: dict[str, str] = {message: message for message in SPEC_TRAPS}
TRAP_KINDS[errors.UNDEFINED_ELEMENT] = errors.OUT_OF_BOUNDS_TABLE_ACCESS
# A null operand of ``call_ref`` is "null function reference" and of ``ref.as_non_null`` "null
# reference"; wasmtime reports both with one trap code (NullReference): one kind.
TRAP_KINDS[errors.NULL_FUNCTION_REFERENCE] = errors.NULL_REFERENCE
# So are the GC and exception-handling null traps (struct/array access, ``throw_ref``): one
# wasmtime trap code (NullReference) for all of them.
for _null in (errors.NULL_STRUCTURE_REFERENCE, errors.NULL_ARRAY_REFERENCE,
              errors.NULL_EXCEPTION_REFERENCE):  # fmt: skip
    TRAP_KINDS[_null] = errors.NULL_REFERENCE

_FLOATS = {NumType.F32: 32, NumType.F64: 64}


def trap_kind(message: str) -> str | None:
    """The kind of trap a message names (refwasm may append details: "undefined element 3"),
    or ``None`` for a message that names no spec kind."""
    for known, kind in TRAP_KINDS.items():
        if message.startswith(known):
            return kind
    return None


# -- Outcomes ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Returned:
    """The call returned these values (an instantiation returns none).

    ``alternatives``: refwasm's outcomes under the other choices relaxed SIMD allows
    (``refwasm.oracle.relaxed``); the spec allows this outcome and each of them."""

    values: tuple[Value, ...]
    alternatives: tuple[Outcome, ...] = ()


@dataclass(frozen=True, slots=True)
class Failed:
    """The call ended in an error: its kind (``trap``, ``exhaustion``, ``invalid``, ...,
    ``engine`` for a misuse or an unsupported feature, ``crash`` for any other exception);
    ``alternatives`` as for ``Returned``."""

    kind: str
    message: str
    alternatives: tuple[Outcome, ...] = ()


Outcome = Returned | Failed


def with_alternatives(outcome: Outcome, others: Sequence[Outcome], complete: bool) -> Outcome:
    """``outcome`` with the distinct ``others`` as its alternatives; when the enumeration was
    cut short (``complete`` False) an ``engine`` failure among them makes every comparison
    that no known alternative settles inconclusive."""
    alternatives: list[Outcome] = []
    for other in others:
        if other != outcome and other not in alternatives:
            alternatives.append(other)
    if not complete:
        alternatives.append(Failed("engine", "relaxed SIMD choices not all enumerated"))
    if isinstance(outcome, Returned):
        return Returned(outcome.values, tuple(alternatives))
    return Failed(outcome.kind, outcome.message, tuple(alternatives))


def outcome_of(thunk: Callable[[], Sequence[Value]]) -> Outcome:
    """Run one call of an engine and capture how it ended; never raises."""
    try:
        return Returned(tuple(thunk()))
    except errors.WasmError as error:
        return Failed(error.kind, error.message)
    except EngineError as error:
        return Failed("engine", str(error))
    except Exception as error:  # noqa: BLE001 -- a crashing engine is an outcome to report
        return Failed("crash", f"{type(error).__name__}: {error}")


def show_outcome(outcome: Outcome) -> str:
    """An outcome as reports print it."""
    if isinstance(outcome, Returned):
        return "returned [" + ", ".join(show(v) for v in outcome.values) + "]"
    return f"{outcome.kind}: {outcome.message}"


# -- Allowed sets --------------------------------------------------------------------------------


def allowed(value: Value) -> Result:
    """aux-nans: the set of values the spec allows where refwasm computed ``value``.

    Only arithmetic produces a quiet NaN, and the spec lets it produce any arithmetic NaN when
    an input is not canonical (any canonical one otherwise).  Conservatively, any float result
    that is a quiet NaN admits every arithmetic NaN; a signalling NaN can only come from
    bit-exact operations (loads, ``reinterpret``, ``abs``, ``neg``, ``copysign``), so it stays
    exact.  A ``v128`` has no lane type, so a quiet-NaN lane in the f32x4 or the f64x2 view
    admits any arithmetic NaN in that lane of that view.
    """
    match value.val:
        case RefNullVal(heaptype):
            return RefNullConst(heaptype)
        case RefHostAddr(n):
            return RefHostConst(n)
        case RefFuncAddr():
            return RefPattern(AbsHeapType.FUNC)
        case int(bits) if value.type is VecType.V128:
            return _allowed_vector(bits)
        case int(bits) if isinstance(value.type, NumType):
            width = _FLOATS.get(value.type)
            if width is not None and is_arithmetic_nan(width, bits):
                return NanPattern(value.type, NanKind.ARITHMETIC)
            return NumConst(value.type, bits)
    return RefPattern(None)  # a reference refwasm cannot name: any non-null one


def _allowed_vector(bits: int) -> Result:
    alternatives: list[Result] = [VecConst(bits)]
    for shape in (Shape.F32X4, Shape.F64X2):
        width = shape.lane_bits
        lanes = [(bits >> (i * width)) & ((1 << width) - 1) for i in range(shape.dim)]
        if any(is_arithmetic_nan(width, lane) for lane in lanes):
            alternatives.append(VecPattern(shape, tuple(
                LanePattern(None, NanKind.ARITHMETIC) if is_arithmetic_nan(width, lane)
                else LanePattern(lane) for lane in lanes
            )))
    return alternatives[0] if len(alternatives) == 1 else EitherPattern(tuple(alternatives))


def allowed_at(outcome: Returned, i: int) -> Result:
    """The allowed set of result ``i`` of ``outcome`` and of every relaxed-SIMD alternative that
    returned as many values: the union (``either``) of their allowed sets."""
    patterns: list[Result] = []
    for other in (outcome, *outcome.alternatives):
        if isinstance(other, Returned) and len(other.values) == len(outcome.values):
            pattern = allowed(other.values[i])
            for p in pattern.alternatives if isinstance(pattern, EitherPattern) else (pattern,):
                if p not in patterns:
                    patterns.append(p)
    return patterns[0] if len(patterns) == 1 else EitherPattern(tuple(patterns))


def admits(pattern: Result, value: Value) -> bool:
    """Whether another engine's ``value`` is in refwasm's allowed set ``pattern``."""
    return matches(pattern, value)


# -- Verdicts ------------------------------------------------------------------------------------


class Verdict(Enum):
    """How one comparison ended."""

    AGREE = "agree"
    DISAGREE = "disagree"
    # Resource exhaustion or a feature the other engine cannot express: nothing is known, and
    # the instance is abandoned (its state may differ from here on).
    INCONCLUSIVE = "inconclusive"


@dataclass(frozen=True, slots=True)
class Comparison:
    """A verdict and why."""

    verdict: Verdict
    reason: str = ""


AGREE = Comparison(Verdict.AGREE)


def compare(reference: Outcome, other: Outcome) -> Comparison:
    """Whether ``other`` is an outcome the spec allows where refwasm had ``reference`` (or one
    of its relaxed-SIMD alternatives): agree with any, else inconclusive if any comparison is,
    else the disagreement with refwasm's own outcome."""
    if not reference.alternatives:
        return _compare_one(reference, other)
    verdicts = [_compare_one(r, other) for r in (reference, *reference.alternatives)]
    for wanted in (Verdict.AGREE, Verdict.INCONCLUSIVE):
        found = next((v for v in verdicts if v.verdict is wanted), None)
        if found is not None:
            return found
    first = verdicts[0]
    return Comparison(first.verdict, first.reason + f" (nor any of {len(verdicts) - 1} "
                      "relaxed SIMD alternatives)")  # fmt: skip


def _compare_one(reference: Outcome, other: Outcome) -> Comparison:
    for outcome in (reference, other):
        if isinstance(outcome, Failed) and outcome.kind in ("exhaustion", "engine"):
            return Comparison(Verdict.INCONCLUSIVE, show_outcome(outcome))
    match reference, other:
        case Returned(expected), Returned(actual):
            return _compare_values(expected, actual)
        case Failed(kind, message), Failed(other_kind, other_message):
            if kind != other_kind:
                return _differ(reference, other)
            if kind == "trap" and not _same_trap(message, other_message):
                return _differ(reference, other)
            return AGREE
    return _differ(reference, other)


def _same_trap(message: str, other: str) -> bool:
    """Traps agree when their kinds agree, or when the other engine names no spec kind."""
    theirs = trap_kind(other)
    return theirs is None or trap_kind(message) == theirs


def _compare_values(expected: Sequence[Value], actual: Sequence[Value]) -> Comparison:
    if len(expected) != len(actual):
        return Comparison(Verdict.DISAGREE, f"{len(actual)} results, refwasm {len(expected)}")
    for i, (mine, theirs) in enumerate(zip(expected, actual, strict=True)):
        if mine.type != theirs.type or not admits(allowed(mine), theirs):
            return Comparison(
                Verdict.DISAGREE, f"result {i}: {show(theirs)}, refwasm allows {show(mine)}"
                + ("" if isinstance(allowed(mine), NumConst) else " (or its NaN class)")
            )
    return AGREE


def _differ(reference: Outcome, other: Outcome) -> Comparison:
    return Comparison(
        Verdict.DISAGREE, f"{show_outcome(other)}; refwasm: {show_outcome(reference)}"
    )


# -- State after a call --------------------------------------------------------------------------


def memory_hash(data: bytes | bytearray) -> str:
    """The digest memories are compared by (and the oracle reports)."""
    return hashlib.sha256(data).hexdigest()


def memory_digest(data: bytes | bytearray) -> tuple[int, str]:
    """A memory's size and digest, as a ``State`` holds them (``data`` is read in place: a
    memory may be hundreds of megabytes, and a state is taken after every call)."""
    return len(data), memory_hash(data)


@dataclass(frozen=True, slots=True)
class State:
    """What a module exports that a call may change: its globals' values and its memories'
    digests (with their sizes), by export name; ``alternatives``: the states under the other
    relaxed-SIMD choices."""

    globals: dict[str, Value]
    memories: dict[str, tuple[int, str]]
    alternatives: tuple[State, ...] = ()


def compare_states(reference: State, other: State) -> Comparison:
    """Exported globals through the allowed sets; memories bit for bit (by digest); the state
    agrees when it agrees with refwasm's or with one of its alternatives."""
    first = _compare_state(reference, other)
    if first.verdict is Verdict.AGREE:
        return first
    for alternative in reference.alternatives:
        if _compare_state(alternative, other).verdict is Verdict.AGREE:
            return AGREE
    return first


def _compare_state(reference: State, other: State) -> Comparison:
    for name, value in reference.globals.items():
        theirs = other.globals.get(name)
        if theirs is None or theirs.type != value.type or not admits(allowed(value), theirs):
            shown = "missing" if theirs is None else show(theirs)
            return Comparison(Verdict.DISAGREE, f"global {name!r}: {shown}, refwasm {show(value)}")
    for name, (size, digest) in reference.memories.items():
        if other.memories.get(name, (None, None)) != (size, digest):
            return Comparison(Verdict.DISAGREE, f"memory {name!r} differs")
    return AGREE

