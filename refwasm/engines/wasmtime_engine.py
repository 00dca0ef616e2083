"""wasmtime (PyPI ``wasmtime``) as an ``Engine``.

Modules are compiled by wasmtime from bytes; values cross through the bit-exact trampolines of
``refwasm.engines.bitexact``.  wasmtime's outcomes become refwasm's error kinds through the two
tables below (trap codes, and rejection messages), so a report compares messages the way the
official suite words them.  When the ``wasmtime`` package is missing, ``session`` raises
``EngineError``: the engine is unavailable, nothing crashes.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from refwasm import errors
from refwasm.engines.base import EngineError, Value
from refwasm.engines.bitexact import (
    TRAMPOLINE_EXPORT,
    Exports,
    UnsupportedType,
    call_trampoline,
    carriers,
    from_carriers,
    global_trampoline,
    to_carriers,
)
from refwasm.engines.recording import Event, FuncImport
from refwasm.execution.values import RefFuncAddr, RefHostAddr, RefNullVal, Val
from refwasm.features import Features
from refwasm.numerics.integer import signed
from refwasm.script.spectest import GLOBALS, MEMORY_TYPE, PRINT_FUNCS, TABLE_TYPE
from refwasm.syntax.modules import Module
from refwasm.syntax.types import (
    EXTERNREF,
    FUNCREF,
    AbsHeapType,
    FuncType,
    NumType,
    RefType,
    ValType,
    VecType,
)

# wasmtime trap code name -> (error kind, the spec's message).
TRAP_CODES: dict[str, tuple[type[errors.WasmError], str]] = {
    "STACK_OVERFLOW": (errors.ExhaustionError, errors.CALL_STACK_EXHAUSTED),
    "OUT_OF_FUEL": (errors.ExhaustionError, errors.FUEL_EXHAUSTED),
    "INTERRUPT": (errors.ExhaustionError, errors.TIME_LIMIT_EXCEEDED),  # the epoch deadline
    "MEMORY_OUT_OF_BOUNDS": (errors.TrapError, errors.OUT_OF_BOUNDS_MEMORY_ACCESS),
    "HEAP_MISALIGNED": (errors.TrapError, errors.OUT_OF_BOUNDS_MEMORY_ACCESS),
    "TABLE_OUT_OF_BOUNDS": (errors.TrapError, errors.UNDEFINED_ELEMENT),
    "INDIRECT_CALL_TO_NULL": (errors.TrapError, errors.UNINITIALIZED_ELEMENT),
    "BAD_SIGNATURE": (errors.TrapError, errors.INDIRECT_CALL_TYPE_MISMATCH),
    "INTEGER_OVERFLOW": (errors.TrapError, errors.INTEGER_OVERFLOW),
    "INTEGER_DIVISION_BY_ZERO": (errors.TrapError, errors.INTEGER_DIVIDE_BY_ZERO),
    "BAD_CONVERSION_TO_INTEGER": (errors.TrapError, errors.INVALID_CONVERSION_TO_INTEGER),
    "UNREACHABLE": (errors.TrapError, errors.UNREACHABLE),
    "NULL_REFERENCE": (errors.TrapError, errors.NULL_REFERENCE),
    "ARRAY_OUT_OF_BOUNDS": (errors.TrapError, errors.OUT_OF_BOUNDS_ARRAY_ACCESS),
    "CAST_FAILURE": (errors.TrapError, errors.CAST_FAILURE),
    "ALLOCATION_TOO_LARGE": (errors.ExhaustionError, errors.MEMORY_BUDGET_EXHAUSTED),
}

# What wasmtime says when a Wasm exception leaves the outermost Wasm frame uncaught (3.0).
THROWN_EXCEPTION = "thrown Wasm exception"

# wasmtime's trap code for a table access says nothing of which instruction trapped; the suite
# says "out of bounds table access" for table.get/set/fill/copy/init and "undefined element" for
# call_indirect.  The message text wasmtime prints tells them apart.
TRAP_MESSAGES: dict[str, str] = {
    "undefined element": errors.UNDEFINED_ELEMENT,
    "out of bounds table access": errors.OUT_OF_BOUNDS_TABLE_ACCESS,
    "uninitialized element": errors.UNINITIALIZED_ELEMENT,
    "indirect call type mismatch": errors.INDIRECT_CALL_TYPE_MISMATCH,
    "out of bounds memory access": errors.OUT_OF_BOUNDS_MEMORY_ACCESS,
}

# A phrase in wasmtime's rejection of a module -> (kind, the spec's message).  Order matters:
# the first phrase found wins.  A rejection matching none keeps wasmtime's text, as malformed
# when wasmtime failed to parse, else invalid.
REJECTIONS: list[tuple[str, type[errors.WasmError], str]] = [
    ("type mismatch", errors.InvalidError, errors.TYPE_MISMATCH),
    ("duplicate export name", errors.InvalidError, errors.DUPLICATE_EXPORT_NAME),
    ("memory size must be at most", errors.InvalidError, errors.MEMORY_SIZE_LIMIT),
    ("size minimum must not be greater than maximum", errors.InvalidError,
     errors.SIZE_MIN_GREATER_THAN_MAX),
    ("alignment must not be larger than natural", errors.InvalidError,
     errors.ALIGNMENT_TOO_LARGE),
    ("global is immutable", errors.InvalidError, errors.GLOBAL_IS_IMMUTABLE),
    ("constant expression required", errors.InvalidError, errors.CONSTANT_EXPRESSION_REQUIRED),
    ("undeclared function reference", errors.InvalidError, errors.UNDECLARED_FUNCTION_REFERENCE),
    ("multiple memories", errors.InvalidError, errors.MULTIPLE_MEMORIES),
    ("multiple tables", errors.InvalidError, errors.MULTIPLE_TABLES),
    ("invalid lane index", errors.InvalidError, errors.INVALID_LANE_INDEX),
    ("SIMD index out of bounds", errors.InvalidError, errors.INVALID_LANE_INDEX),
    ("malformed global flags", errors.MalformedError, errors.MALFORMED_MUTABILITY),
    ("magic header not detected", errors.MalformedError, errors.MAGIC_HEADER),
    ("unknown binary version", errors.MalformedError, errors.UNKNOWN_BINARY_VERSION),
    ("unexpected end", errors.MalformedError, errors.UNEXPECTED_END),
    ("integer representation too long", errors.MalformedError, errors.INTEGER_TOO_LONG),
    ("integer too large", errors.MalformedError, errors.INTEGER_TOO_LARGE),
    ("malformed UTF-8", errors.MalformedError, errors.MALFORMED_UTF8),
    ("section size mismatch", errors.MalformedError, errors.SECTION_SIZE_MISMATCH),
    ("too many locals", errors.MalformedError, errors.TOO_MANY_LOCALS),
    ("zero byte expected", errors.MalformedError, errors.ZERO_BYTE_EXPECTED),
    ("illegal opcode", errors.MalformedError, errors.ILLEGAL_OPCODE),
    ("code section", errors.MalformedError, errors.FUNC_CODE_MISMATCH),
    ("data count is non-zero", errors.MalformedError, errors.DATA_COUNT_MISMATCH),
    ("unknown ", errors.InvalidError, ""),  # "unknown global 3": wasmparser words it as the suite
]

_OFFSET = re.compile(r"\s*\(at offset 0x[0-9a-f]+\)$")
_INVALID_INPUT = re.compile(r"^(?:\d+: )?Invalid input WebAssembly code at offset \d+: ")
_NUMBERED = re.compile(r"^\d+: ")


def cause(text: str) -> str:
    """The innermost cause of a wasmtime error (the first line of its last "Caused by" entry),
    without offsets."""
    body = text.rsplit("Caused by:", 1)[-1]
    lines = [line.strip() for line in body.strip().splitlines() if line.strip()]
    numbered = [line for line in lines if _NUMBERED.match(line)]
    last = numbered[-1] if numbered else lines[0] if lines else text
    last = _NUMBERED.sub("", last)
    return _OFFSET.sub("", _INVALID_INPUT.sub("", last))


def rejection(text: str) -> errors.WasmError:
    """The refwasm error for wasmtime's rejection of a module."""
    reason = cause(text)
    for phrase, kind, message in REJECTIONS:
        if phrase in reason:
            return kind(message or reason)
    parse_failure = text.startswith("failed to parse")
    return (errors.MalformedError if parse_failure else errors.InvalidError)(reason)


def run_error(text: str) -> errors.WasmError:
    """The refwasm error for a ``WasmtimeError`` raised by running code: an uncaught Wasm
    exception (wasmtime's "thrown Wasm exception") is refwasm's ``exception`` outcome (its
    payload is not compared: the tag and fields cannot leave wasmtime through this API), any
    other failure a trap with wasmtime's message."""
    reason = cause(text)
    if reason == THROWN_EXCEPTION:
        return errors.ExceptionError(None)
    return errors.TrapError(reason)


def trap_error(trap: Any) -> errors.WasmError:
    """The refwasm error for a wasmtime ``Trap``."""
    reason = cause(trap.message).removeprefix("wasm trap: ")
    if reason == THROWN_EXCEPTION:
        return errors.ExceptionError(None)
    if reason in TRAP_MESSAGES:
        return errors.TrapError(TRAP_MESSAGES[reason])
    code = trap.trap_code
    if code is not None and code.name in TRAP_CODES:
        kind, message = TRAP_CODES[code.name]
        return kind(message)
    return errors.TrapError(reason)


@dataclass(frozen=True)
class HostRef:
    """How ``ref.extern N`` travels through wasmtime: an opaque Python object."""

    n: int


@dataclass
class WasmtimeModule:
    """A loaded module: wasmtime's compiled module (or the reason it is invalid) and what
    refwasm's decoder says of its imports and exports."""

    module: Any
    exports: Exports
    invalid: errors.WasmError | None = None


@dataclass
class WasmtimeInstance:
    """An instance and the trampolines already built for its exports."""

    instance: Any
    exports: Exports
    calls: dict[str, tuple[Any, FuncType]] = field(default_factory=dict)


def _wasmtime_valtype(wasmtime: Any, t: ValType) -> Any:
    names = {NumType.I32: "i32", NumType.I64: "i64", NumType.F32: "f32", NumType.F64: "f64",
             VecType.V128: "v128", FUNCREF: "funcref", EXTERNREF: "externref"}
    if t not in names:
        raise EngineError(f"type {t} is not supported by the wasmtime adapter")
    return getattr(wasmtime.ValType, names[t])()


class WasmtimeSession:
    """One wasmtime ``Store``."""

    def __init__(self, features: Features, *, fuel: int | None = None,
                 timeout: float | None = None) -> None:
        try:
            import wasmtime
        except ImportError as missing:
            raise EngineError(f"engine wasmtime unavailable: {missing}") from None
        self.wasmtime = wasmtime
        self.features = features
        config = wasmtime.Config()
        config.wasm_simd = features.simd
        config.wasm_reference_types = features.reference_types
        config.wasm_bulk_memory = features.bulk_memory
        config.wasm_multi_value = features.multi_value
        config.wasm_tail_call = features.tail_call
        config.wasm_multi_memory = features.multi_memory
        config.wasm_memory64 = features.memory64
        config.wasm_relaxed_simd = features.relaxed_simd
        config.wasm_function_references = features.function_references
        config.wasm_gc = features.gc
        config.wasm_exceptions = features.exceptions
        config.consume_fuel = fuel is not None
        config.epoch_interruption = timeout is not None
        self.engine = wasmtime.Engine(config)
        self.store = wasmtime.Store(self.engine)
        self.fuel = fuel
        self.timeout = timeout
        self._funcs: list[Any] = []
        self._spectest: dict[str, Any] | None = None
        self.events: list[Event] = []
        self._trampolines: dict[bytes, Any] = {}

    def refuel(self) -> None:
        """Give the store its fuel budget again (before each call)."""
        if self.fuel is not None:
            self.store.set_fuel(self.fuel)

    @contextmanager
    def time_limit(self) -> Iterator[None]:
        """Interrupt the Wasm code run in the block after ``timeout`` seconds: a timer thread
        advances the engine's epoch past the store's deadline, and wasmtime traps with
        ``INTERRUPT`` (``time limit exceeded``) at the next loop header or function entry."""
        if self.timeout is None:
            yield
            return
        self.store.set_epoch_deadline(1)
        timer = threading.Timer(self.timeout, self.engine.increment_epoch)
        timer.daemon = True
        timer.start()
        try:
            yield
        finally:
            timer.cancel()

    def load_binary(self, data: bytes) -> WasmtimeModule:
        try:
            # validate() first: the Module constructor would read non-binary bytes as text.
            self.wasmtime.Module.validate(self.engine, data)
            compiled = self.wasmtime.Module(self.engine, data)
        except self.wasmtime.WasmtimeError as error:
            found = rejection(self._rejection_text(data, str(error)))
            if isinstance(found, errors.MalformedError):
                raise found from None
            return WasmtimeModule(None, Exports(b"", self.features), found)
        return WasmtimeModule(compiled, Exports(data, self.features))

    def _rejection_text(self, data: bytes, reason: str) -> str:
        """wasmtime's full rejection, which says whether it failed to parse or to compile
        (``validate`` does not); bytes without the magic header are never read as text."""
        if not data.startswith(b"\0asm"):
            return f"failed to parse WebAssembly module\n\nCaused by:\n    {reason}"
        try:
            self.wasmtime.Module(self.engine, data)
        except self.wasmtime.WasmtimeError as error:
            return str(error)
        return reason

    def load_text(self, text: str) -> WasmtimeModule:
        from refwasm.engines.base import text_to_bytes

        return self.load_binary(text_to_bytes(text, self.features))

    def load_syntax(self, module: Module) -> WasmtimeModule:
        from refwasm.engines.base import syntax_to_bytes

        return self.load_binary(syntax_to_bytes(module))

    def validate(self, module: WasmtimeModule) -> None:
        if module.invalid is not None:
            raise module.invalid

    def imports(self, module: WasmtimeModule) -> Sequence[tuple[str, str]]:
        return module.exports.imports

    def instantiate(self, module: WasmtimeModule, externs: Sequence[Any]) -> WasmtimeInstance:
        self.validate(module)
        self.refuel()
        try:
            with self.time_limit():
                instance = self.wasmtime.Instance(self.store, module.module, externs)
            return WasmtimeInstance(instance, module.exports)
        except self.wasmtime.Trap as trap:
            raise trap_error(trap) from None
        except self.wasmtime.WasmtimeError as error:
            text = str(error)
            if cause(text) == THROWN_EXCEPTION:  # the start function threw
                raise errors.ExceptionError(None) from None
            if "incompatible import type" in text or "expected" in cause(text):
                raise errors.UnlinkableError(errors.INCOMPATIBLE_IMPORT_TYPE) from None
            raise errors.UnlinkableError(cause(text)) from None

    def export(self, instance: WasmtimeInstance, name: str) -> Any | None:
        return instance.instance.exports(self.store).get(name)

    def spectest(self, name: str) -> Any | None:
        if self._spectest is None:
            self._spectest = self._alloc_spectest()
        return self._spectest.get(name)

    def _alloc_spectest(self) -> dict[str, Any]:
        w = self.wasmtime
        found: dict[str, Any] = {}
        for name, params in PRINT_FUNCS.items():
            functype = w.FuncType([_wasmtime_valtype(w, t) for t in params], [])
            found[name] = w.Func(self.store, functype, lambda *args: None)
        for name, (nt, bits) in GLOBALS.items():
            global_type = w.GlobalType(_wasmtime_valtype(w, nt), False)
            found[name] = w.Global(self.store, global_type, self._number(nt, bits))
        limits = TABLE_TYPE.limits
        found["table"] = w.Table(
            self.store, w.TableType(w.ValType.funcref(), w.Limits(limits.min, limits.max)), None
        )
        mem = MEMORY_TYPE.limits
        found["memory"] = w.Memory(self.store, w.MemoryType(w.Limits(mem.min, mem.max)))
        return found

    def _number(self, nt: NumType, bits: int) -> Any:
        """A wasmtime ``Val`` of a number (spectest's globals; their floats are not NaN)."""
        import struct

        w = self.wasmtime
        match nt:
            case NumType.I32:
                return w.Val.i32(signed(32, bits))
            case NumType.I64:
                return w.Val.i64(signed(64, bits))
            case NumType.F32:
                return w.Val.f32(struct.unpack("<f", bits.to_bytes(4, "little"))[0])
            case NumType.F64:
                return w.Val.f64(struct.unpack("<d", bits.to_bytes(8, "little"))[0])

    def recorder(self, func: FuncImport) -> Any:
        """A host function recording calls of ``func`` in ``events`` (recording imports): its
        parameters are integer carriers, which wasmtime passes as exact Python ints."""
        w = self.wasmtime
        types = func.carrier_types
        functype = w.FuncType([_wasmtime_valtype(w, t) for t in types], [])

        def host(*args: Any) -> None:
            self.events.append(func.event([self._raw(t, a) for t, a in zip(types, args,
                                                                            strict=False)]))

        return w.Func(self.store, functype, host)

    def _raw(self, t: ValType, raw: Any) -> Val:
        """A carrier wasmtime passed to a host function, as refwasm's value."""
        if isinstance(raw, int):
            return raw & ((1 << (32 if t is NumType.I32 else 64)) - 1)
        if isinstance(t, RefType):
            return self._ref(t, raw)
        raise EngineError(f"wasmtime passed {raw!r} for {t}")

    # -- Calls through trampolines ----------------------------------------------------------

    def _trampoline(self, data: bytes, item: Any) -> Any:
        """The ``call`` export of a trampoline instantiated over ``item``."""
        if data not in self._trampolines:
            self._trampolines[data] = self.wasmtime.Module(self.engine, data)
        self.store.set_epoch_deadline(1 << 62)  # a trampoline's instantiation runs no code
        instance = self.wasmtime.Instance(self.store, self._trampolines[data], [item])
        return instance.exports(self.store)[TRAMPOLINE_EXPORT]

    def invoke(self, instance: WasmtimeInstance, name: str, args: Sequence[Value]) -> list[Value]:
        if name not in instance.calls:
            func = self.export(instance, name)
            if not isinstance(func, self.wasmtime.Func):
                raise EngineError(f"no function exported as {name!r}")
            functype = instance.exports.funcs.get(name)
            if functype is None:
                raise EngineError(f"type of {name!r} unknown (refwasm cannot decode the module)")
            try:
                call = self._trampoline(call_trampoline(functype), func)
            except UnsupportedType as error:
                raise EngineError(str(error)) from None
            instance.calls[name] = (call, functype)
        call, functype = instance.calls[name]
        if len(args) != len(functype.params) or not all(
            _fits(a, t) for a, t in zip(args, functype.params, strict=False)
        ):
            raise EngineError(f"arguments do not fit {name!r}: {functype}")
        carried = [c for a, t in zip(args, functype.params, strict=True) for c in self._carry(a, t)]
        self.refuel()
        try:
            with self.time_limit():
                raw = call(self.store, *carried)
        except self.wasmtime.Trap as trap:
            raise trap_error(trap) from None
        except self.wasmtime.WasmtimeError as error:
            raise run_error(str(error)) from None
        return self._values(functype.results, raw)

    def get(self, instance: WasmtimeInstance, name: str) -> Value:
        found = self.export(instance, name)
        if not isinstance(found, self.wasmtime.Global):
            raise EngineError(f"no global exported as {name!r}")
        globaltype = instance.exports.globals.get(name)
        if globaltype is None:
            raise EngineError(f"type of {name!r} unknown (refwasm cannot decode the module)")
        try:
            read = self._trampoline(global_trampoline(globaltype), found)
            with self.time_limit():
                value = read(self.store)
        except UnsupportedType as error:
            raise EngineError(str(error)) from None
        except self.wasmtime.WasmtimeError as error:
            raise EngineError(f"wasmtime cannot read global {name!r}: {cause(str(error))}"
                              ) from None
        return self._values((globaltype.valtype,), value)[0]

    def memory(self, instance: WasmtimeInstance, name: str) -> bytes | None:
        """The bytes of an exported memory (``None`` when ``name`` exports none)."""
        found = self.export(instance, name)
        if not isinstance(found, self.wasmtime.Memory):
            return None
        # One copy, straight from the linear memory (``read`` would make a second one).
        return bytes(found.get_buffer_ptr(self.store))

    def _carry(self, arg: Value, t: ValType) -> list[Any]:
        """wasmtime's arguments for one value: signed carriers, or a reference."""
        if isinstance(arg.val, int):
            widths = [32] if t in (NumType.I32, NumType.F32) else [64, 64]
            return [signed(w, c) for c, w in zip(to_carriers(t, arg.val), widths, strict=False)]
        match arg.val:
            case RefNullVal():
                return [None]
            case RefFuncAddr(addr) if 0 <= addr < len(self._funcs):
                return [self._funcs[addr]]
            case RefHostAddr(n):
                return [HostRef(n)]
        raise EngineError(f"cannot pass {arg.val} to wasmtime")

    def _values(self, types: Sequence[ValType], raw: Any) -> list[Value]:
        """Values from a trampoline's results (one result comes back bare)."""
        count = sum(len(carriers(t)) for t in types)
        carried = [] if count == 0 else [raw] if count == 1 else list(raw)
        values: list[Value] = []
        for t in types:
            if isinstance(t, RefType):
                values.append(Value(t, self._ref(t, carried.pop(0))))
                continue
            bits, used = from_carriers(t, carried)
            del carried[:used]
            values.append(Value(t, bits))
        return values

    def _ref(self, t: RefType, raw: Any) -> Val:
        if raw is None:
            return RefNullVal(AbsHeapType.FUNC if t == FUNCREF else AbsHeapType.EXTERN)
        if isinstance(raw, HostRef):
            return RefHostAddr(raw.n)
        if isinstance(raw, self.wasmtime.Func):
            self._funcs.append(raw)
            return RefFuncAddr(len(self._funcs) - 1)
        raise EngineError(f"wasmtime returned an unknown reference {raw!r}")


def _fits(arg: Value, t: ValType) -> bool:
    if isinstance(t, RefType):
        return not isinstance(arg.val, int)
    return arg.type == t and isinstance(arg.val, int)


class WasmtimeEngine:
    """wasmtime as an ``Engine``: ``fuel`` (wasmtime's own units) and ``timeout`` (seconds, by
    epoch interruption) bound each instantiation and call; ``None``: no bound."""

    name = "wasmtime"

    def __init__(self, *, fuel: int | None = None, timeout: float | None = None) -> None:
        self.fuel = fuel
        self.timeout = timeout

    def session(self, features: Features) -> WasmtimeSession:
        """A fresh wasmtime store (``EngineError`` when wasmtime is not installed)."""
        return WasmtimeSession(features, fuel=self.fuel, timeout=self.timeout)
