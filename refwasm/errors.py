"""refwasm's error taxonomy: one class per outcome the spec test suite distinguishes.

Every error a Wasm input can provoke is one of these, carrying the message text the official
test suite expects (the suite's runner compares message prefixes).  A ``Crash`` is different: it
means refwasm itself is wrong ("Assert: due to validation" failed) and is never an expected
outcome of any assertion.
"""

from __future__ import annotations

from typing import NoReturn, TypeVar


class WasmError(Exception):
    """Base of every outcome the spec distinguishes for bad input or a failing program."""

    kind = "error"
    # Where the error is and what it saw, set by the layer that knows (``locate``) and shown
    # around the message by the command line (``located``); never part of ``message``, which
    # the suite's runner compares.  ``offset``/``section``: a byte offset in a binary module;
    # ``text_pos``: a character offset in a text module; ``func``/``instr``: the function index
    # and the instruction's position (``4.2``: the body's 5th instruction, the 3rd inside it);
    # ``detail``: e.g. ``expected [i32] but got [i64]``.
    offset: int | None = None
    section: str | None = None
    text_pos: int | None = None
    func: int | None = None
    instr: str | None = None
    detail: str | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class MalformedError(WasmError):
    """The input is not a well-formed binary or text module (decode or parse failed)."""

    kind = "malformed"


class InvalidError(WasmError):
    """The module is well formed but does not validate."""

    kind = "invalid"


class UnlinkableError(WasmError):
    """Instantiation failed while matching imports (unknown import, incompatible type)."""

    kind = "unlinkable"


class TrapError(WasmError):
    """Execution trapped (during a call or while instantiating: segments, start function)."""

    kind = "trap"


class ExhaustionError(WasmError):
    """A resource ran out: call depth, fuel, or a memory budget."""

    kind = "exhaustion"


class ExceptionError(WasmError):
    """A Wasm exception (3.0) left the outermost Wasm frame uncaught: an outcome, like a trap.

    ``exn`` is the exception instance (``refwasm.execution.runtime.ExnInst``: its tag's address
    and its fields), so that an embedder (the JS API) can read it or throw it on; raising this
    is also how Wasm code and host functions throw (``refwasm.execution.exceptions``).
    """

    kind = "exception"

    def __init__(self, exn: object) -> None:
        super().__init__(UNCAUGHT_EXCEPTION)
        self.exn = exn


class Crash(Exception):
    """An internal invariant failed ("Assert: due to validation"): a bug in refwasm.

    Deliberately not a ``WasmError``: no spec assertion may ever count it as expected.
    """


def crash(message: str) -> NoReturn:
    """Raise ``Crash``: the spec's "Assert" steps that only a refwasm bug can violate."""
    raise Crash(message)


def crash_unless(condition: bool, message: str) -> None:
    """Check an "Assert: due to validation" step without Python's stripped ``assert``."""
    if not condition:
        raise Crash(message)


# Messages of the official test suite, in one place.  Code raises with these constants so
# the texts the suite compares against are not scattered as literals.

# Binary and text format (assert_malformed).
UNEXPECTED_END = "unexpected end"
UNEXPECTED_END_OF_SECTION = "unexpected end of section or function"
MAGIC_HEADER = "magic header not detected"
UNKNOWN_BINARY_VERSION = "unknown binary version"
SECTION_SIZE_MISMATCH = "section size mismatch"
MALFORMED_SECTION_ID = "malformed section id"
INTEGER_TOO_LONG = "integer representation too long"
INTEGER_TOO_LARGE = "integer too large"
LENGTH_OUT_OF_BOUNDS = "length out of bounds"
MALFORMED_UTF8 = "malformed UTF-8 encoding"
DATA_COUNT_MISMATCH = "data count and data section have inconsistent lengths"
DATA_COUNT_REQUIRED = "data count section required"
FUNC_CODE_MISMATCH = "function and code section have inconsistent lengths"
TOO_MANY_LOCALS = "too many locals"
ILLEGAL_OPCODE = "illegal opcode"
MALFORMED_REFERENCE_TYPE = "malformed reference type"
# ``0x40`` not followed by ``0x00`` where a table with an initialiser begins (3.0 ``Btable``).
MALFORMED_TABLE = "malformed table"
MALFORMED_IMPORT_KIND = "malformed import kind"
MALFORMED_EXPORT_KIND = "malformed export kind"
MALFORMED_MUTABILITY = "malformed mutability"
MALFORMED_ELEMENTS_SEGMENT_KIND = "malformed elements segment kind"
MALFORMED_DATA_SEGMENT_KIND = "malformed data segment kind"
# A limits flag byte with bits other than 0 and 2 (3.0 ``Blimits``); 2.0 reads the flag as a
# ``u1`` and says ``integer too large`` / ``integer representation too long``.
MALFORMED_LIMITS_FLAGS = "malformed limits flags"
ZERO_BYTE_EXPECTED = "zero byte expected"
JUNK_AFTER_LAST_SECTION = "junk after last section"
UNKNOWN_OPERATOR = "unknown operator"
UNEXPECTED_TOKEN = "unexpected token"
CONSTANT_OUT_OF_RANGE = "constant out of range"
UNKNOWN_LABEL = "unknown label"
INLINE_FUNCTION_TYPE = "inline function type"
MISMATCHING_LABEL = "mismatching label"
ALIGNMENT = "alignment"
MALFORMED_LANE_INDEX = "malformed lane index"
INVALID_LANE_LENGTH = "invalid lane length"
END_OPCODE_EXPECTED = "END opcode expected"
MALFORMED_MEMOP_FLAGS = "malformed memop flags"
UNEXPECTED_CONTENT_AFTER_LAST_SECTION = "unexpected content after last section"
MALFORMED_VALUE_TYPE = "malformed value type"
MALFORMED_FUNCTION_TYPE = "malformed function type"
MALFORMED_BLOCK_TYPE = "malformed block type"
MALFORMED_ELEMENT_KIND = "malformed element kind"
MALFORMED_TAG_ATTRIBUTE = "malformed tag attribute"  # 3.0: a tag type's first byte is 0
MALFORMED_CATCH_CLAUSE = "malformed catch clause"  # 3.0: a try_table catch kind past 3

# Validation (assert_invalid).
TYPE_MISMATCH = "type mismatch"
# ``local.get`` of a non-defaultable local not yet set on every path (3.0, ``Instr_ok/local.get``).
UNINITIALIZED_LOCAL = "uninitialized local"
ALIGNMENT_TOO_LARGE = "alignment must not be larger than natural"
OFFSET_OUT_OF_RANGE = "offset out of range"  # a memarg offset past the address type (3.0)
GLOBAL_IS_IMMUTABLE = "global is immutable"
CONSTANT_EXPRESSION_REQUIRED = "constant expression required"
DUPLICATE_EXPORT_NAME = "duplicate export name"
MEMORY_SIZE_LIMIT = "memory size must be at most 65536 pages (4GiB)"
TABLE_SIZE_LIMIT = "table size must be at most 2^32-1"
SIZE_MIN_GREATER_THAN_MAX = "size minimum must not be greater than maximum"
UNDECLARED_FUNCTION_REFERENCE = "undeclared function reference"
MULTIPLE_MEMORIES = "multiple memories"
INVALID_RESULT_ARITY = "invalid result arity"
INVALID_LANE_INDEX = "invalid lane index"
START_FUNCTION = "start function"
MULTIPLE_TABLES = "multiple tables"
# Garbage collection (3.0).
SUB_TYPE = "sub type"
FIELD_IS_IMMUTABLE = "field is immutable"
ARRAY_IS_IMMUTABLE = "array is immutable"
ARRAY_TYPES_DO_NOT_MATCH = "array types do not match"
ARRAY_NOT_NUMERIC = "array type is not numeric or vector"
# refwasm's own: an instruction or type of a proposal the feature setting leaves out (the
# decoder and parser reject those first) or of a 3.0 proposal not modelled yet.
UNSUPPORTED_INSTRUCTION = "unsupported instruction"
NON_EMPTY_TAG_RESULT = "non-empty tag result type"  # a tag's function type has results (3.0)

# Linking (assert_unlinkable).
UNKNOWN_IMPORT = "unknown import"
INCOMPATIBLE_IMPORT_TYPE = "incompatible import type"
# 1.0 checks that every active segment fits before writing any (2.0 traps part-way instead).
ELEMENTS_SEGMENT_DOES_NOT_FIT = "elements segment does not fit"
DATA_SEGMENT_DOES_NOT_FIT = "data segment does not fit"

# Execution (assert_trap, assert_exhaustion).
UNREACHABLE = "unreachable"
INTEGER_DIVIDE_BY_ZERO = "integer divide by zero"
INTEGER_OVERFLOW = "integer overflow"
INVALID_CONVERSION_TO_INTEGER = "invalid conversion to integer"
OUT_OF_BOUNDS_MEMORY_ACCESS = "out of bounds memory access"
OUT_OF_BOUNDS_TABLE_ACCESS = "out of bounds table access"
UNDEFINED_ELEMENT = "undefined element"
UNINITIALIZED_ELEMENT = "uninitialized element"
INDIRECT_CALL_TYPE_MISMATCH = "indirect call type mismatch"
NULL_FUNCTION_REFERENCE = "null function reference"
NULL_REFERENCE = "null reference"
NULL_STRUCTURE_REFERENCE = "null structure reference"
NULL_ARRAY_REFERENCE = "null array reference"
NULL_I31_REFERENCE = "null i31 reference"
OUT_OF_BOUNDS_ARRAY_ACCESS = "out of bounds array access"
CAST_FAILURE = "cast failure"
CALL_STACK_EXHAUSTED = "call stack exhausted"
FUEL_EXHAUSTED = "fuel exhausted"
MEMORY_BUDGET_EXHAUSTED = "memory budget exhausted"
UNCAUGHT_EXCEPTION = "uncaught exception"  # assert_exception (3.0) checks no message
NULL_EXCEPTION_REFERENCE = "null exception reference"  # throw_ref of null (3.0)
TIME_LIMIT_EXCEEDED = "time limit exceeded"  # refwasm's own limit (refwasm.script.limits)


def unknown(category: str, index: int | None = None) -> InvalidError:
    """The validation error for an index outside its context list (``unknown local 3``)."""
    suffix = "" if index is None else f" {index}"
    return InvalidError(f"unknown {category}{suffix}")


# Where an edition's test suite words an outcome differently from refwasm (whose messages are
# the 2.0 suite's), that edition's words.  The outcome is the same; only its name changed
# between the spec interpreter's releases.  The runner compares messages in the words of the
# edition it runs under.
SUITE_WORDING: dict[str, dict[str, str]] = {
    "1.0": {
        MALFORMED_UTF8: "invalid UTF-8 encoding",
        ZERO_BYTE_EXPECTED: "zero flag expected",
        MALFORMED_MUTABILITY: "invalid mutability",
        MALFORMED_VALUE_TYPE: "invalid value type",
        MALFORMED_SECTION_ID: "invalid section id",
    },
    "3.0": {
        GLOBAL_IS_IMMUTABLE: "immutable global",
        # A lane index is a ``u8`` (``Tlaneidx``), out of range like any other constant.
        MALFORMED_LANE_INDEX: "i8 constant out of range",
    },
}


def worded(message: str, version: str) -> str:
    """``message`` in the words of the test suite of spec edition ``version``."""
    for ours, theirs in SUITE_WORDING.get(version, {}).items():
        if message.startswith(ours):
            return theirs + message[len(ours) :]
    return message


E = TypeVar("E", bound=WasmError)


def locate(error: E, **where: object) -> E:
    """Add a location or detail to ``error`` (``WasmError``'s attributes) where none is set
    yet (the innermost layer knows best); returns it for ``raise locate(...)``."""
    for name, value in where.items():
        if getattr(error, name, None) is None:
            setattr(error, name, value)
    return error
