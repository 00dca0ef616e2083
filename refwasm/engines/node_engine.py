"""V8 (``node``'s WebAssembly API) as an ``Engine``, through ONE long-lived ``node`` process per
engine speaking JSON lines (``node_engine.js``); every session of the engine shares it.

Values cross through the bit-exact trampolines of ``refwasm.engines.bitexact`` (JavaScript has no
``v128`` and turns f32 NaNs into doubles).  V8's errors become refwasm's kinds through the tables
below.  When ``node`` is missing, ``session`` raises ``EngineError`` (the engine is unavailable).

Every reply has a deadline (``cmd_engine.reply_timeout``: the engine's ``timeout``, by default
``DEFAULT_TIMEOUT``, plus a grace; none with ``timeout=None``), as for ``cmd:`` engines: a
process that misses it (Wasm that loops forever blocks node's one thread) is killed and the
request is an ``EngineError``.  A session
then goes on in a fresh shared process; the modules, instances and externs of the killed one
are gone, and using one is an ``EngineError`` that says why.
"""

from __future__ import annotations

import base64
import itertools
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from refwasm import errors
from refwasm.engines.base import EngineError, Value
from refwasm.engines.bitexact import (
    TRAMPOLINE_EXPORT,
    TRAMPOLINE_ITEM,
    TRAMPOLINE_MODULE,
    Exports,
    UnsupportedType,
    call_trampoline,
    carriers,
    from_carriers,
    global_trampoline,
    to_carriers,
)
from refwasm.engines.cmd_engine import PipeProcess, digest_of, reply_timeout
from refwasm.engines.recording import Event, FuncImport
from refwasm.execution.values import RefFuncAddr, RefHostAddr, RefNullVal, Val
from refwasm.features import Features
from refwasm.script.limits import ENGINE_DEFAULT, EngineDefault
from refwasm.syntax.modules import Module
from refwasm.syntax.types import FUNCREF, AbsHeapType, FuncType, RefType, ValType

SCRIPT = Path(__file__).with_name("node_engine.js")

# A phrase of V8's RuntimeError message -> the spec's trap message (first match wins).  V8
# words some traps alike for two spec kinds; those stay unmapped (V8's own text), so the
# comparison rules treat them as "a trap of unknown kind": "float unrepresentable in integer
# range" (NaN: invalid conversion; out of range: integer overflow) and "null function or function
# signature mismatch" (uninitialized element or indirect call type mismatch).
TRAPS: list[tuple[str, str]] = [
    ("unreachable", errors.UNREACHABLE),
    ("divide by zero", errors.INTEGER_DIVIDE_BY_ZERO),
    ("remainder by zero", errors.INTEGER_DIVIDE_BY_ZERO),
    ("integer overflow", errors.INTEGER_OVERFLOW),
    ("divide result unrepresentable", errors.INTEGER_OVERFLOW),
    ("memory access out of bounds", errors.OUT_OF_BOUNDS_MEMORY_ACCESS),
    ("data segment is out of bounds", errors.OUT_OF_BOUNDS_MEMORY_ACCESS),
    ("data segment out of bounds", errors.OUT_OF_BOUNDS_MEMORY_ACCESS),
    ("table index is out of bounds", errors.OUT_OF_BOUNDS_TABLE_ACCESS),
    ("table access out of bounds", errors.OUT_OF_BOUNDS_TABLE_ACCESS),
    ("element segment is out of bounds", errors.OUT_OF_BOUNDS_TABLE_ACCESS),
    ("element segment out of bounds", errors.OUT_OF_BOUNDS_TABLE_ACCESS),
    ("table initializer is out of bounds", errors.OUT_OF_BOUNDS_TABLE_ACCESS),
    ("dereferencing a null pointer", errors.NULL_REFERENCE),
]

# A phrase of V8's CompileError message -> (kind, the spec's message); unmatched ones are
# invalid with V8's text.
REJECTIONS: list[tuple[str, type[errors.WasmError], str]] = [
    ("expected magic word", errors.MalformedError, errors.MAGIC_HEADER),
    ("expected version", errors.MalformedError, errors.UNKNOWN_BINARY_VERSION),
    ("fell off end", errors.MalformedError, errors.UNEXPECTED_END),
    ("reached end", errors.MalformedError, errors.UNEXPECTED_END),
    ("length out of bounds", errors.MalformedError, errors.LENGTH_OUT_OF_BOUNDS),
    ("invalid local type", errors.MalformedError, errors.MALFORMED_VALUE_TYPE),
    ("section was shorter than expected", errors.MalformedError, errors.SECTION_SIZE_MISMATCH),
    ("invalid opcode", errors.MalformedError, errors.ILLEGAL_OPCODE),
    ("type error", errors.InvalidError, errors.TYPE_MISMATCH),
    ("type mismatch", errors.InvalidError, errors.TYPE_MISMATCH),
    ("not enough arguments on the stack", errors.InvalidError, errors.TYPE_MISMATCH),
    ("elements on the stack", errors.InvalidError, errors.TYPE_MISMATCH),
    ("expected type", errors.InvalidError, errors.TYPE_MISMATCH),
    ("Duplicate export name", errors.InvalidError, errors.DUPLICATE_EXPORT_NAME),
    ("invalid alignment", errors.InvalidError, errors.ALIGNMENT_TOO_LARGE),
    ("immutable global", errors.InvalidError, errors.GLOBAL_IS_IMMUTABLE),
    ("not allowed in constant expressions", errors.InvalidError,
     errors.CONSTANT_EXPRESSION_REQUIRED),
    ("invalid lane index", errors.InvalidError, errors.INVALID_LANE_INDEX),
]


def _error(reply: dict[str, Any]) -> errors.WasmError | EngineError:
    """refwasm's error for a failed reply of the node process."""
    kind, message = reply.get("kind"), str(reply.get("message", ""))
    if kind == "compile":
        for phrase, error, spec in REJECTIONS:
            if phrase in message:
                return error(spec)
        return errors.InvalidError(message)
    if kind == "link":
        return errors.UnlinkableError(errors.INCOMPATIBLE_IMPORT_TYPE
                                      if "imported" in message or "import" in message
                                      else message)
    if kind == "runtime":
        for phrase, spec in TRAPS:
            if phrase in message:
                return errors.TrapError(spec)
        return errors.TrapError(message)
    if kind == "range" and "call stack" in message:
        return errors.ExhaustionError(errors.CALL_STACK_EXHAUSTED)
    return EngineError(f"node: {kind}: {message}")


class NodeProcess(PipeProcess):
    """The long-lived ``node`` process and its request/reply channel: each reply has a deadline
    (``PipeProcess``); a process that misses one is killed, and the next session starts
    another."""

    def __init__(self) -> None:
        node = shutil.which("node")
        if node is None:
            raise EngineError("engine node unavailable: no `node` on PATH")
        # Each session gives its own deadline (``exchange``); this one is ``request``'s.
        super().__init__([node, "--stack-size=2000", str(SCRIPT)], reply_timeout(ENGINE_DEFAULT))
        self.serial = next(_serials)

    @property
    def name(self) -> str:
        return "node"


_serials = itertools.count(1)


@dataclass
class NodeModule:
    """A compiled module (or why it is invalid) and what refwasm's decoder says of it."""

    handle: int | None
    exports: Exports
    invalid: errors.WasmError | None = None
    process: int = 0  # the serial of the node process holding it


@dataclass
class NodeInstance:
    """An instance and its exports' trampolines."""

    handle: int
    exports: Exports
    process: int
    calls: dict[str, tuple[int, FuncType]] = field(default_factory=dict)


@dataclass(frozen=True)
class NodeExtern:
    """An extern held by the node process."""

    handle: int
    process: int


class NodeSession:
    """One set of handles in the shared node process (a store)."""

    _ids = itertools.count(1)

    def __init__(self, process: NodeProcess, features: Features,
                 timeout: float | None | EngineDefault = ENGINE_DEFAULT) -> None:
        self.process = process
        self.features = features
        self.timeout = timeout
        self.id = next(self._ids)
        self._trampolines: dict[bytes, int] = {}
        self.events: list[Event] = []
        self._recorders: dict[int, FuncImport] = {}
        self._lost = ""  # why the handles of an earlier process are gone

    def _ask(self, **request: Any) -> dict[str, Any]:
        self._live()
        reply = self.process.exchange({"session": self.id, **request},
                                      reply_timeout(self.timeout))
        for index, raw in reply.get("events", []):
            func = self._recorders[index]
            self.events.append(func.event([_raw(t, r) for t, r in zip(
                func.carrier_types, raw, strict=False)]))
        if not reply.get("ok"):
            raise _error(reply)
        return reply

    def _live(self) -> None:
        """Go on in a fresh node process if this one ended (killed after a missed deadline, or
        crashed); what the ended one held is gone."""
        if self.process.running:
            return
        self._lost = self.process._gone()
        self.process = shared_process()
        self._trampolines.clear()

    def _held(self, process: int, what: str) -> None:
        """``EngineError`` when ``what`` was made in a node process that has ended."""
        self._live()
        if process != self.process.serial:
            raise EngineError(f"the {what} is gone with its node process ({self._lost})")

    def close(self) -> None:
        """Free this session's handles in the node process."""
        try:
            if self.process.running:
                self._ask(op="drop")
        except EngineError:
            pass

    def load_binary(self, data: bytes) -> NodeModule:
        try:
            reply = self._ask(op="compile", bytes=base64.b64encode(data).decode("ascii"))
        except errors.MalformedError:
            raise
        except errors.WasmError as error:
            return NodeModule(None, Exports(b"", self.features), error)
        return NodeModule(int(reply["module"]), Exports(data, self.features),
                          process=self.process.serial)

    def load_text(self, text: str) -> NodeModule:
        from refwasm.engines.base import text_to_bytes

        return self.load_binary(text_to_bytes(text, self.features))

    def load_syntax(self, module: Module) -> NodeModule:
        from refwasm.engines.base import syntax_to_bytes

        return self.load_binary(syntax_to_bytes(module))

    def validate(self, module: NodeModule) -> None:
        if module.invalid is not None:
            raise module.invalid

    def imports(self, module: NodeModule) -> Sequence[tuple[str, str]]:
        return module.exports.imports

    def instantiate(self, module: NodeModule, externs: Sequence[NodeExtern]) -> NodeInstance:
        self.validate(module)
        self._held(module.process, "module")
        for extern in externs:
            self._held(extern.process, "imported extern")
        imports = [[m, n, e.handle] for (m, n), e in zip(module.exports.imports, externs,
                                                         strict=False)]
        reply = self._ask(op="instantiate", module=module.handle, imports=imports)
        return NodeInstance(int(reply["instance"]), module.exports, self.process.serial)

    def export(self, instance: NodeInstance, name: str) -> NodeExtern | None:
        self._held(instance.process, "instance")
        return self._extern(self._ask(op="export", instance=instance.handle, name=name))

    def spectest(self, name: str) -> NodeExtern | None:
        return self._extern(self._ask(op="spectest", name=name))

    def _extern(self, reply: dict[str, Any]) -> NodeExtern | None:
        return None if reply["extern"] is None else NodeExtern(int(reply["extern"]),
                                                                self.process.serial)

    def recorder(self, func: FuncImport) -> NodeExtern:
        """A JS host function recording calls of ``func`` (recording imports): the node
        process returns what it logged with each reply, and ``_ask`` appends it to
        ``events``."""
        self._recorders[func.index] = func
        return NodeExtern(int(self._ask(op="recorder", index=func.index)["extern"]),
                          self.process.serial)

    def _trampoline(self, data: bytes, item: NodeExtern) -> int:
        """The handle of the ``call`` export of a trampoline over ``item``."""
        if data not in self._trampolines:
            reply = self._ask(op="compile", bytes=base64.b64encode(data).decode("ascii"))
            self._trampolines[data] = int(reply["module"])
        instance = self._ask(op="instantiate", module=self._trampolines[data],
                             imports=[[TRAMPOLINE_MODULE, TRAMPOLINE_ITEM, item.handle]])
        reply = self._ask(op="export", instance=instance["instance"], name=TRAMPOLINE_EXPORT)
        return int(reply["extern"])

    def invoke(self, instance: NodeInstance, name: str, args: Sequence[Value]) -> list[Value]:
        self._held(instance.process, "instance")
        if name not in instance.calls:
            functype = instance.exports.funcs.get(name)
            found = self.export(instance, name)
            if functype is None or found is None:
                raise EngineError(f"no function exported as {name!r} (or refwasm cannot "
                                  "decode the module)")
            try:
                instance.calls[name] = (self._trampoline(call_trampoline(functype), found),
                                        functype)
            except UnsupportedType as error:
                raise EngineError(str(error)) from None
        call, functype = instance.calls[name]
        if len(args) != len(functype.params) or not all(
            isinstance(t, RefType) != isinstance(a.val, int) and (
                isinstance(t, RefType) or a.type == t)
            for a, t in zip(args, functype.params, strict=False)
        ):
            raise EngineError(f"arguments do not fit {name!r}: {functype}")
        carried = [pair for a, t in zip(args, functype.params, strict=True)
                   for pair in _carry(a, t)]
        count = sum(len(carriers(t)) for t in functype.results)
        reply = self._ask(op="call", func=call, args=carried, count=count)
        return _values(functype.results, reply["results"])

    def get(self, instance: NodeInstance, name: str) -> Value:
        globaltype = instance.exports.globals.get(name)
        found = self.export(instance, name)
        if globaltype is None or found is None:
            raise EngineError(f"no global exported as {name!r}")
        try:
            read = self._trampoline(global_trampoline(globaltype), found)
        except UnsupportedType as error:
            raise EngineError(str(error)) from None
        count = len(carriers(globaltype.valtype))
        reply = self._ask(op="call", func=read, args=[], count=count)
        return _values((globaltype.valtype,), reply["results"])[0]

    def memory(self, instance: NodeInstance, name: str) -> bytes | None:
        """The bytes of an exported memory (``None`` when ``name`` exports none)."""
        found = self.export(instance, name)
        if found is None:
            return None
        try:
            reply = self._ask(op="memory", memory=found.handle)
        except EngineError:
            return None
        return base64.b64decode(reply["base64"])

    def memory_digest(self, instance: NodeInstance, name: str) -> tuple[int, str] | None:
        """The size and SHA-256 (``compare.memory_digest``) of an exported memory, computed in
        the node process (``None`` when ``name`` exports none)."""
        found = self.export(instance, name)
        if found is None:
            return None
        try:
            reply = self._ask(op="digest", memory=found.handle)
        except EngineError:
            return None
        return digest_of(reply)


def _carry(arg: Value, t: ValType) -> list[tuple[str, Any]]:
    """(carrier type, wire value) pairs of one argument."""
    if isinstance(arg.val, int):
        return [(c, str(v)) for c, v in zip(carriers(t), to_carriers(t, arg.val), strict=True)]
    match arg.val:
        case RefNullVal():
            return [("ref", None)]
        case RefHostAddr(n):
            return [("ref", {"host": n})]
        case RefFuncAddr(addr):
            return [("ref", {"func": addr})]
    raise EngineError(f"cannot pass {arg.val} to node")


def _values(types: Sequence[ValType], raw: list[dict[str, Any]]) -> list[Value]:
    """Values from the carriers a trampoline returned."""
    numbers = [int(r.get("i32", r.get("i64", 0))) for r in raw]
    values: list[Value] = []
    position = 0
    for t in types:
        if isinstance(t, RefType):
            values.append(Value(t, _ref(t, raw[position])))
            position += 1
            continue
        bits, used = from_carriers(t, numbers[position:])
        position += used
        values.append(Value(t, bits))
    return values


def _raw(t: ValType, raw: dict[str, Any]) -> Val:
    """A carrier the node process logged for a recording import, as refwasm's value."""
    if isinstance(t, RefType):
        return _ref(t, raw)
    return int(raw.get("i32", raw.get("i64", 0)))


def _ref(t: RefType, raw: dict[str, Any]) -> Val:
    if raw.get("null"):
        return RefNullVal(AbsHeapType.FUNC if t == FUNCREF else AbsHeapType.EXTERN)
    if "host" in raw:
        return RefHostAddr(int(raw["host"]))
    if "func" in raw:
        return RefFuncAddr(int(raw["func"]))
    raise EngineError(f"node returned an unknown reference {raw!r}")


# The node process all sessions in this Python process share, started on first use.
_shared: list[NodeProcess] = []


def shared_process() -> NodeProcess:
    """The running shared node process, (re)started when needed."""
    if not _shared or not _shared[0].running:
        _shared[:] = [NodeProcess()]
    return _shared[0]


class NodeEngine:
    """V8 through one long-lived node process shared by every session (handles are kept per
    session in the process; ``NodeSession.close`` frees them); ``timeout`` (seconds per
    instantiation or call; by default ``DEFAULT_TIMEOUT``, ``None``: no limit) sets each
    reply's deadline."""

    name = "node"

    def __init__(self, *, timeout: float | None | EngineDefault = ENGINE_DEFAULT) -> None:
        self.timeout = timeout

    def session(self, features: Features) -> NodeSession:
        """A fresh set of handles (``EngineError`` when node is not installed)."""
        return NodeSession(shared_process(), features, self.timeout)
