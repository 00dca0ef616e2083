"""pywasm (PyPI ``pywasm`` 2.x, pure Python) as an ``Engine``.

pywasm keeps every value as 16 raw bytes (``ValInst``), so values cross bit for bit without
trampolines.  pywasm has no validator (``validate`` accepts everything) and signals every failure
with a bare ``assert`` or ``Exception``: a decode failure is malformed, a failure while running is
a trap of unknown kind (its message names pywasm's failing source line), except pywasm's frame
limit (``len(self.stack.frame) < 1024``), which is exhaustion.  After a failure the machine's
stacks are reset, as pywasm leaves them as they were.
"""

from __future__ import annotations

import io
import traceback
from collections.abc import Callable, Sequence
from typing import Any

from refwasm import errors
from refwasm.engines.base import EngineError, Value
from refwasm.engines.recording import Event, FuncImport
from refwasm.execution.values import RefFuncAddr, RefHostAddr, RefNullVal, Val
from refwasm.features import Features
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

# pywasm's value type byte <-> refwasm's type (the binary format's codes).
TYPE_CODES: dict[int, ValType] = {
    0x7F: NumType.I32, 0x7E: NumType.I64, 0x7D: NumType.F32, 0x7C: NumType.F64,
    0x7B: VecType.V128, 0x70: FUNCREF, 0x6F: EXTERNREF,
}
_CODES = {t: code for code, t in TYPE_CODES.items()}
_BYTES = {NumType.I32: 4, NumType.F32: 4, NumType.I64: 8, NumType.F64: 8, VecType.V128: 16}

# A source line of pywasm's that fails -> (kind, message).
FAILING_LINES: dict[str, tuple[type[errors.WasmError], str]] = {
    "assert len(self.stack.frame) < 1024": (errors.ExhaustionError,
                                            errors.CALL_STACK_EXHAUSTED),
    "assert a != self.min or b != -1": (errors.TrapError, errors.INTEGER_OVERFLOW),
    # Machine.instance's import checks.
    **{line: (errors.UnlinkableError, errors.INCOMPATIBLE_IMPORT_TYPE) for line in (
        "assert a.kind == b.kind",
        "assert self.store.func[b.data].type == module.type[a.desc]",
        "assert self.store.tabl[b.data].type.type == a.desc.type",
        "assert self.store.tabl[b.data].suit(a.desc.limits)",
        "assert self.store.mems[b.data].suit(a.desc.limits)",
        "assert self.store.glob[b.data].data.type == a.desc.type",
        "assert self.store.glob[b.data].mut == a.desc.mut",
    )},
}
# An exception pywasm lets escape -> the spec's trap message (Python's division by zero is the
# only one that names a Wasm trap).
FAILING_EXCEPTIONS: dict[type[BaseException], str] = {
    ZeroDivisionError: errors.INTEGER_DIVIDE_BY_ZERO,
}


def failure(error: BaseException, kind: type[errors.WasmError]) -> errors.WasmError:
    """refwasm's error for an exception pywasm raised: by its failing line, else ``kind``
    with a message naming the line (a trap of no spec kind)."""
    frames = traceback.extract_tb(error.__traceback__)
    line = (frames[-1].line or "").strip() if frames else ""
    if line in FAILING_LINES:
        found_kind, message = FAILING_LINES[line]
        return found_kind(message)
    if type(error) in FAILING_EXCEPTIONS and kind is errors.TrapError:
        return errors.TrapError(FAILING_EXCEPTIONS[type(error)])
    return kind(f"pywasm: {type(error).__name__}: {line or error}")


class PywasmSession:
    """One pywasm ``Runtime`` (its machine holds the store)."""

    def __init__(self, features: Features, *, timeout: float | None = None) -> None:
        try:
            import pywasm  # type: ignore[import-untyped]
        except ImportError as missing:
            raise EngineError(f"engine pywasm unavailable: {missing}") from None
        self.pywasm = pywasm
        self.features = features
        self.timeout = timeout
        self.runtime = pywasm.Runtime()
        self._spectest: dict[str, Any] | None = None
        self.events: list[Event] = []

    @property
    def store(self) -> Any:
        """pywasm's store."""
        return self.runtime.machine.store

    def _run(self, thunk: Callable[[], Any], kind: type[errors.WasmError]) -> Any:
        """Run pywasm under the time limit, mapping any failure to a refwasm error and cleaning
        its stacks."""
        from refwasm.script.limits import time_limit

        try:
            with time_limit(self.timeout):
                return thunk()
        except errors.WasmError:  # the time limit (pywasm raises none of refwasm's errors)
            self.runtime.machine.stack = self.pywasm.core.Stack()
            raise
        except RecursionError:
            self.runtime.machine.stack = self.pywasm.core.Stack()
            raise errors.ExhaustionError(errors.CALL_STACK_EXHAUSTED) from None
        except Exception as error:  # noqa: BLE001 -- pywasm signals everything this way
            self.runtime.machine.stack = self.pywasm.core.Stack()
            raise failure(error, kind) from None

    def load_binary(self, data: bytes) -> Any:
        reader = self.pywasm.core.ModuleDesc.from_reader
        return self._run(lambda: reader(io.BytesIO(data)), errors.MalformedError)

    def load_text(self, text: str) -> Any:
        from refwasm.engines.base import text_to_bytes

        return self.load_binary(text_to_bytes(text, self.features))

    def load_syntax(self, module: Module) -> Any:
        from refwasm.engines.base import syntax_to_bytes

        return self.load_binary(syntax_to_bytes(module))

    def validate(self, module: Any) -> None:
        """pywasm has no validator: every decoded module passes."""

    def imports(self, module: Any) -> Sequence[tuple[str, str]]:
        return [(im.module, im.name) for im in module.imps]

    def instantiate(self, module: Any, externs: Sequence[Any]) -> Any:
        return self._run(lambda: self.runtime.machine.instance(module, list(externs)),
                         errors.TrapError)

    def export(self, instance: Any, name: str) -> Any | None:
        return next((e.data for e in instance.exps if e.name == name), None)

    def spectest(self, name: str) -> Any | None:
        if self._spectest is None:
            self._spectest = self._alloc_spectest()
        return self._spectest.get(name)

    def _alloc_spectest(self) -> dict[str, Any]:
        core = self.pywasm.core
        found: dict[str, Any] = {}
        for name, params in PRINT_FUNCS.items():
            functype = core.FuncType([core.ValType(_CODES[t]) for t in params], [])
            found[name] = self.runtime.allocate_func_host(functype, lambda machine, args: [])
        for name, (nt, bits) in GLOBALS.items():
            globaltype = core.GlobalType(core.ValType(_CODES[nt]), 0)
            found[name] = self.runtime.allocate_global(globaltype, self._valinst(Value(nt, bits)))
        table = TABLE_TYPE.limits
        found["table"] = self.runtime.allocate_table(
            core.TableType(core.ValType.ref_func(), core.Limits(table.min, table.max or 0)))
        memory = MEMORY_TYPE.limits
        found["memory"] = self.runtime.allocate_memory(
            core.MemType(core.Limits(memory.min, memory.max or 0)))
        return found

    def recorder(self, func: FuncImport) -> Any:
        """A host function recording calls of ``func`` in ``events`` (recording imports);
        pywasm hands it each carrier as a signed int (a reference as its address: pywasm
        cannot pass a null one, it fails an assertion)."""
        core = self.pywasm.core
        types = func.carrier_types
        functype = core.FuncType([core.ValType(_CODES[t]) for t in types], [])

        def host(machine: Any, args: list[Any]) -> list[Any]:
            raw = [_host_arg(t, a) for t, a in zip(types, args, strict=False)]
            self.events.append(func.event(raw))
            return []

        return self.runtime.allocate_func_host(functype, host)

    def _valinst(self, value: Value) -> Any:
        """pywasm's 16 bytes for a value."""
        core = self.pywasm.core
        code = _CODES.get(value.type)
        if code is None:
            raise EngineError(f"type {value.type} is not supported by pywasm")
        match value.val:
            case int(bits):
                return core.ValInst(core.ValType(code), bytearray(bits.to_bytes(16, "little")))
            case RefNullVal():
                return core.ValInst.zero(core.ValType(code))
            case RefFuncAddr(n) | RefHostAddr(n) if 0 <= n < 1 << 32:
                raw = n.to_bytes(4, "little") + b"\x01" + bytes(11)
                return core.ValInst(core.ValType(code), bytearray(raw))
        raise EngineError(f"cannot pass {value.val} to pywasm")

    def _value(self, t: ValType, inst: Any) -> Value:
        data = bytes(inst.data)
        if t in _BYTES:
            return Value(t, int.from_bytes(data[: _BYTES[t]], "little"))
        return Value(t, _ref(t, data))

    def invoke(self, instance: Any, name: str, args: Sequence[Value]) -> list[Value]:
        extern = self.export(instance, name)
        if extern is None or extern.kind != 0x00:
            raise EngineError(f"no function exported as {name!r}")
        functype = self._functype(self.store.func[extern.data].type)
        if len(args) != len(functype.params) or not all(
            isinstance(t, RefType) != isinstance(a.val, int) and (
                isinstance(t, RefType) or a.type == t)
            for a, t in zip(args, functype.params, strict=False)
        ):
            raise EngineError(f"arguments do not fit {name!r}: {functype}")
        insts = [self._valinst(Value(t, a.val))
                 for a, t in zip(args, functype.params, strict=True)]
        func = self.store.func[extern.data]
        if func.kind != 0x00:
            raise EngineError(f"{name!r} re-exports a host function; pywasm cannot call it")
        results = self._run(lambda: self.runtime.machine.invocate(extern.data, insts),
                            errors.TrapError)
        return [self._value(t, r) for t, r in zip(functype.results, results, strict=True)]

    def get(self, instance: Any, name: str) -> Value:
        extern = self.export(instance, name)
        if extern is None or extern.kind != 0x03:
            raise EngineError(f"no global exported as {name!r}")
        inst = self.store.glob[extern.data].data
        return self._value(self._type(inst.type), inst)

    def memory(self, instance: Any, name: str) -> bytes | None:
        """The bytes of an exported memory (``None`` when ``name`` exports none)."""
        extern = self.export(instance, name)
        if extern is None or extern.kind != 0x02:
            return None
        return bytes(self.store.mems[extern.data].data)

    def _type(self, valtype: Any) -> ValType:
        if valtype.data not in TYPE_CODES:
            raise EngineError(f"pywasm type {valtype} is not supported")
        return TYPE_CODES[valtype.data]

    def _functype(self, functype: Any) -> FuncType:
        return FuncType(tuple(self._type(t) for t in functype.args),
                        tuple(self._type(t) for t in functype.rets))


def _host_arg(t: ValType, raw: int) -> Val:
    """A carrier pywasm passed to a host function, as refwasm's value."""
    if t is NumType.I32:
        return raw & 0xFFFF_FFFF
    if t is NumType.I64:
        return raw & 0xFFFF_FFFF_FFFF_FFFF
    return RefFuncAddr(raw) if t == FUNCREF else RefHostAddr(raw)


def _ref(t: ValType, data: bytes) -> Val:
    if data[4] == 0:
        return RefNullVal(AbsHeapType.FUNC if t == FUNCREF else AbsHeapType.EXTERN)
    n = int.from_bytes(data[:4], "little")
    return RefFuncAddr(n) if t == FUNCREF else RefHostAddr(n)


class PywasmEngine:
    """pywasm as an ``Engine``: ``timeout`` bounds each decode, instantiation and call
    (``refwasm.script.limits.time_limit``: a ``SIGALRM`` timer, so only in the main thread;
    elsewhere, or with ``None``, nothing bounds them: pywasm counts no fuel)."""

    name = "pywasm"

    def __init__(self, *, timeout: float | None = None) -> None:
        self.timeout = timeout

    def session(self, features: Features) -> PywasmSession:
        """A fresh pywasm runtime (``EngineError`` when pywasm is not installed)."""
        return PywasmSession(features, timeout=self.timeout)
