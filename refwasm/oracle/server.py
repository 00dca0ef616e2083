"""``refwasm oracle``: refwasm as a long-lived differential-testing oracle (docs/oracle.md).

One JSON request per line in, one JSON reply per line out.  ``handle_line`` answers one line and
never raises: a request that cannot be understood gets ``{"ok": false, "error": ...}`` and the
process lives on.  ``serve`` reads the lines as bytes, so that one that is not UTF-8, or is longer
than ``MAX_REQUEST`` bytes, gets such a reply too.  Every instantiation and call runs under the
oracle's fuel (unless the request gives its own) and time limit (``refwasm.script.limits``), so
every request is answered in bounded time.  Calls report refwasm's outcome together with the SET
of results the spec allows (``refwasm.oracle.compare.allowed``), so a client compares its
engine's result against the set, not against refwasm's one choice.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
from collections.abc import Callable, Iterator
from functools import partial
from typing import IO, TYPE_CHECKING, Any, TextIO

from refwasm import errors
from refwasm.engines.base import EngineError, Value
from refwasm.engines.bitexact import UnsupportedType
from refwasm.execution.values import ExternFuncAddr, ExternGlobalAddr, ExternMemAddr, ExternVal
from refwasm.features import DEFAULT_FEATURES, Features
from refwasm.oracle import runs
from refwasm.oracle.compare import (
    Failed,
    Outcome,
    Returned,
    allowed,
    memory_digest,
    outcome_of,
    with_alternatives,
)
from refwasm.oracle.recording import Event, RecordingPlan, event_json, store_imports
from refwasm.oracle.relaxed import Variants, variants
from refwasm.oracle.wire import (
    WireError,
    loads,
    pattern_text,
    type_name,
    value_from_json,
    value_to_json,
)
from refwasm.script.limits import (
    DEFAULT_TIMEOUT,
    ENGINE_DEFAULT,
    EngineDefault,
    resolve_fuel,
    time_limit,
)
from refwasm.syntax.modules import Module
from refwasm.syntax.types import FuncType, Mut, RefType

# The version of the protocol this oracle speaks (the ``hello`` reply; docs/oracle.md).
PROTOCOL = 1
# How an instantiation links its imports (``Oracle.instantiate``).
Imports = str | list[tuple[int | str, str]]

if TYPE_CHECKING:
    from refwasm.execution.runtime import ModuleInst, Store

# Bounds a request may not exceed: the oracle must stay alive and answer.
MAX_DEPTH = 100_000
MAX_FUEL = 1 << 40
MAX_MEMORY_RANGE = 1 << 24
MAX_REQUEST = 1 << 26  # bytes of one request line (a module of up to 48 MiB, in base64)


class Oracle:
    """refwasm's store and the current instance, driven by requests.

    ``engine`` runs the store (``store_init``); ``fuel`` is the steps an instantiation or call
    gets when the request gives none (by default the engine's default), ``timeout`` the seconds
    each gets (``None``: unlimited).
    """

    def __init__(self, features: Features = DEFAULT_FEATURES, *, engine: str = "reference",
                 fuel: int | None | EngineDefault = ENGINE_DEFAULT,
                 timeout: float | None = DEFAULT_TIMEOUT) -> None:
        self.features = features
        self.engine = engine
        self.fuel = resolve_fuel(fuel, engine)
        self.timeout = timeout
        self.store: Store | None = None
        self.instance: ModuleInst | None = None
        self.spectest: dict[str, ExternVal] = {}
        # The runs under the other relaxed-SIMD choices (``refwasm.oracle.relaxed``).
        self.relaxed: Variants | None = None
        # Every instance of the store, by handle (its index); those linked to recording imports;
        # the events recorded since the last reply took them.
        self.instances: list[ModuleInst] = []
        self.recorded: set[int] = set()
        self.events: list[Event] = []

    def reset(self) -> None:
        """A fresh store; the instance is gone."""
        from refwasm.embedding import store_init
        from refwasm.script.spectest import alloc_spectest

        self.store = store_init(engine=self.engine)
        self.spectest = alloc_spectest(self.store)
        self.instance = None
        self.instances = []
        self.recorded = set()
        self.events = []

    def set_features(self, features: Features) -> None:
        """Run under ``features`` from now on, in a fresh store (``hello`` with ``features``)."""
        self.features = features
        self.reset()

    def _store(self) -> Store:
        if self.store is None:
            self.reset()
        store = self.store
        if store is None:  # for mypy: reset() set it
            raise WireError("no store")
        return store

    def instantiate(self, data: bytes, *, fuel: int | None = None, depth: int | None = None,
                    imports: Imports = "spectest") -> Outcome:
        """Decode, validate and instantiate; on success the instance becomes the current one.

        ``imports``: ``"spectest"`` (the suite's host module; any other import is unknown),
        ``"record"`` (recording imports, ``refwasm.oracle.recording``), or one extern per
        import, each ``("spectest", name)`` or ``(instance handle, export name)``."""
        from refwasm.embedding import module_decode, module_instantiate, module_validate

        store = self._store()
        self.instance = None
        self.relaxed = None
        bad: list[WireError] = []

        def run() -> list[Value]:
            module = module_decode(data, self.features)
            if imports == "record":
                module_validate(module, self.features)
                try:
                    plan = RecordingPlan(module, self.features)
                except UnsupportedType as error:  # not an outcome: an error reply (oracle.md)
                    bad.append(WireError(str(error)))
                    raise errors.UnlinkableError(str(error)) from None
                externs = store_imports(store, plan, self.features, self.events.append)
            else:
                try:
                    externs = self._link(module, imports)
                except WireError as error:  # a bad request, not an outcome: raised below
                    bad.append(error)
                    raise errors.UnlinkableError(str(error)) from None
            instance = module_instantiate(store, module, externs, self.features,
                                          fuel=self._fuel(fuel))
            self.instance = instance
            self.instances.append(instance)
            if imports == "record":
                self.recorded.add(len(self.instances) - 1)
            return []

        outcome = self._with_depth(depth, run)
        if bad:
            raise bad[0]
        # The other relaxed-SIMD choices are run for spectest-linked instances (the
        # variants re-instantiate the module on their own stores).
        if imports == "spectest":
            self.relaxed = variants(data, self.features, engine=self.engine,
                                    fuel=self._fuel(fuel), timeout=self.timeout)
        if self.relaxed is None:
            return outcome
        return with_alternatives(outcome, self.relaxed.instantiate(), self.relaxed.complete)

    def _link(self, module: Module, imports: Imports) -> list[ExternVal]:
        """The externs of a module's imports, from ``spectest`` or as listed."""
        if isinstance(imports, str):
            imports = [("spectest", im.name) if im.module == "spectest" else ("", "")
                       for im in module.imports]
        if len(imports) != len(module.imports):
            raise WireError(f"imports lists {len(imports)} externs; the module has "
                            f"{len(module.imports)} imports")
        externs = []
        for source, name in imports:
            found = (self.spectest.get(name) if source == "spectest"
                     else self._export_of(source, name) if isinstance(source, int) else None)
            if found is None:
                raise errors.UnlinkableError(errors.UNKNOWN_IMPORT)
            externs.append(found)
        return externs

    def _export_of(self, handle: int, name: str) -> ExternVal | None:
        from refwasm.embedding import EmbedderError, instance_export

        try:
            return instance_export(self.instance_at(handle), name)
        except EmbedderError:
            return None

    def instance_at(self, handle: int | None) -> ModuleInst:
        """The instance with this handle (``None``: the current one)."""
        if handle is None:
            if self.instance is None:
                raise WireError("no instance: send a successful instantiate first")
            return self.instance
        if not 0 <= handle < len(self.instances):
            raise WireError(f"no instance {handle}")
        return self.instances[handle]

    def take_events(self) -> list[Event]:
        """The events recorded since the last call of this (which forgets them)."""
        events = list(self.events)
        self.events.clear()  # in place: the recording imports hold this list's append
        return events

    def exports(self, handle: int | None = None) -> list[dict[str, Any]]:
        """An instance's exports (by default the current one's) with their types, as the reply
        lists them."""
        from refwasm.embedding import func_type, global_type

        found: list[dict[str, Any]] = []
        if self.instance is None or self.store is None:
            return found
        for name, value in self.instance_at(handle).exports.items():
            entry: dict[str, Any] = {"name": name}
            match value:
                case ExternFuncAddr(addr):
                    ft = func_type(self.store, addr)
                    entry.update(kind="func", params=[_name(t) for t in ft.params],
                                 results=[_name(t) for t in ft.results])
                case ExternGlobalAddr(addr):
                    gt = global_type(self.store, addr)
                    entry.update(kind="global", type=_name(gt.valtype),
                                 mutable=gt.mut is Mut.VAR)
                case ExternMemAddr():
                    entry.update(kind="memory")
                case _:
                    entry.update(kind="table")
            found.append(entry)
        return found

    def _export(self, name: str, handle: int | None = None) -> ExternVal:
        from refwasm.embedding import EmbedderError, instance_export

        try:
            return instance_export(self.instance_at(handle), name)
        except EmbedderError:
            raise WireError(f"no export named {name!r}") from None

    def invoke(self, name: str, args: list[Value], *, fuel: int | None = None,
               depth: int | None = None, handle: int | None = None) -> Outcome:
        """Call an exported function of an instance (by default the current one)."""
        from refwasm.embedding import EmbedderError, func_invoke, func_type

        extern = self._export(name, handle)
        if not isinstance(extern, ExternFuncAddr):
            raise WireError(f"{name!r} is not a function")
        store = self._store()
        functype = func_type(store, extern.addr)
        _check_args(args, functype.params)

        def run() -> list[Value]:
            try:
                results = func_invoke(store, extern.addr, [a.val for a in args],
                                      fuel=self._fuel(fuel))
            except EmbedderError as error:
                raise EngineError(str(error)) from None
            return [Value(t, v) for t, v in zip(functype.results, results, strict=True)]

        outcome = self._with_depth(depth, run)
        if self.relaxed is None or (handle is not None
                                    and self.instance_at(handle) is not self.instance):
            return outcome  # the relaxed runs follow the current instance only
        others = self.relaxed.invoke(name, args, self._fuel(fuel))
        return with_alternatives(outcome, others, self.relaxed.complete)

    def _fuel(self, fuel: int | None) -> int | None:
        return self.fuel if fuel is None else fuel

    def _with_depth(self, depth: int | None, run: Callable[[], list[Value]]) -> Outcome:
        """Run one request under its own call-depth limit, if it gives one, and the time limit.

        A time limit interrupts the interpreter wherever it is, unlike fuel, which stops it
        between two steps: the store is then dropped rather than trusted (``timed_out``)."""
        store = self._store()
        saved = store.max_call_depth
        if depth is not None:
            store.max_call_depth = depth
        try:
            outcome = outcome_of(partial(self._limited, run))
        finally:
            store.max_call_depth = saved
        if timed_out(outcome):
            self.reset()
        return outcome

    def _limited(self, run: Callable[[], list[Value]]) -> list[Value]:
        with time_limit(self.timeout):
            return run()

    def global_value(self, name: str, handle: int | None = None) -> Value:
        """The value of an exported global."""
        from refwasm.embedding import global_read, global_type

        extern = self._export(name, handle)
        if not isinstance(extern, ExternGlobalAddr) or self.store is None:
            raise WireError(f"{name!r} is not a global")
        return Value(global_type(self.store, extern.addr).valtype,
                     global_read(self.store, extern.addr))

    def memory(self, name: str, handle: int | None = None) -> bytearray:
        """The bytes of an exported memory (not a copy: callers only read)."""
        extern = self._export(name, handle)
        if not isinstance(extern, ExternMemAddr) or self.store is None:
            raise WireError(f"{name!r} is not a memory")
        return self.store.mems[extern.addr].data


    def run_exports(self, data: bytes, *, fuel: int | None = None,
                    depth: int | None = None) -> runs.ExportRun:
        """In a fresh store: instantiate with recording imports, then call every exported
        function with default arguments (``refwasm.oracle.runs``); ``fuel`` and ``depth``
        bound the instantiation and each call."""
        self.reset()
        run = runs.ExportRun(self.instantiate(data, fuel=fuel, depth=depth, imports="record"),
                             tuple(self.take_events()))
        if not isinstance(run.instantiation, Returned) or self.instance is None:
            return run
        funcs, globals_, memories = self.export_lists()
        run.calls = runs.call_exports(
            funcs, lambda name, args: self.invoke(name, list(args), fuel=fuel, depth=depth),
            self.take_events,
            lambda: runs.state_of(globals_, memories, self.global_value,
                                  lambda name: memory_digest(self.memory(name))))
        return run

    def export_lists(self) -> tuple[list[tuple[str, FuncType]], list[str], list[str]]:
        """The current instance's exported functions (with their types), globals and
        memories, in export order."""
        from refwasm.embedding import func_type

        store, instance = self._store(), self.instance_at(None)
        funcs = [(name, func_type(store, v.addr)) for name, v in instance.exports.items()
                 if isinstance(v, ExternFuncAddr)]
        globals_ = [n for n, v in instance.exports.items() if isinstance(v, ExternGlobalAddr)]
        memories = [n for n, v in instance.exports.items() if isinstance(v, ExternMemAddr)]
        return funcs, globals_, memories


def timed_out(outcome: Outcome) -> bool:
    """Whether a call ended at the time limit (after which the oracle has a fresh store)."""
    return isinstance(outcome, Failed) and outcome.message == errors.TIME_LIMIT_EXCEEDED


def _name(t: Any) -> str:
    try:
        return type_name(t)
    except WireError:
        return str(t)


def _check_args(args: list[Value], params: tuple[Any, ...]) -> None:
    if len(args) != len(params):
        raise WireError(f"expected {len(params)} arguments, got {len(args)}")
    for i, (arg, t) in enumerate(zip(args, params, strict=True)):
        if isinstance(t, RefType) != (not isinstance(arg.val, int)) or (
            not isinstance(t, RefType) and arg.type != t
        ):
            raise WireError(f"argument {i} is not of type {_name(t)}")


# -- The protocol --------------------------------------------------------------------------------


def outcome_json(outcome: Outcome) -> dict[str, Any]:
    """A call's outcome as a reply: results with their allowed sets, or the error."""
    if isinstance(outcome, Failed) and outcome.kind == "engine":
        raise WireError(outcome.message)
    if timed_out(outcome):
        return {**runs.outcome_json(outcome), "reset": True}
    return runs.outcome_json(outcome)


def _limit(request: dict[str, Any], key: str, bound: int) -> int | None:
    raw = request.get(key)
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 <= raw <= bound:
        raise WireError(f"{key} must be an integer in [0, {bound}]")
    return raw


def _string(request: dict[str, Any], key: str) -> str:
    raw = request.get(key)
    if not isinstance(raw, str):
        raise WireError(f"{key} must be a string")
    return raw


def _module(request: dict[str, Any]) -> bytes:
    try:
        return base64.b64decode(_string(request, "module"), validate=True)
    except (binascii.Error, ValueError):
        raise WireError("module must be base64") from None


def _imports(request: dict[str, Any]) -> Imports:
    """The ``imports`` field: ``"spectest"`` (the default), ``"record"``, or a list of
    ``{"spectest": NAME}`` / ``{"instance": HANDLE, "name": NAME}``."""
    raw = request.get("imports", "spectest")
    if raw in ("spectest", "record"):
        return str(raw)
    if not isinstance(raw, list):
        raise WireError('imports must be "spectest", "record" or a list of externs')
    externs: list[tuple[int | str, str]] = []
    for item in raw:
        if isinstance(item, dict) and isinstance(item.get("spectest"), str):
            externs.append(("spectest", item["spectest"]))
        elif isinstance(item, dict) and isinstance(item.get("name"), str) and isinstance(
                item.get("instance"), int) and not isinstance(item["instance"], bool):
            externs.append((item["instance"], item["name"]))
        else:
            raise WireError(f"not an extern: {item!r:.80}")
    return externs


def _handle(request: dict[str, Any]) -> int | None:
    return _limit(request, "instance", 1 << 32)


def _events(oracle: Oracle, handle: int | None) -> dict[str, Any]:
    """The ``events`` of a reply: present when the instance has recording imports."""
    events = oracle.take_events()
    target = oracle.instance if handle is None else oracle.instance_at(handle)
    if any(oracle.instances[i] is target for i in oracle.recorded):
        return {"events": [event_json(e) for e in events]}
    return {}


def _op_hello(oracle: Oracle, request: dict[str, Any]) -> dict[str, Any]:
    """The greeting; with ``features`` (every flag of ``Features`` by name, as the driver runs)
    the oracle runs under those from now on, in a fresh store, and says so in its reply."""
    reply: dict[str, Any] = {"protocol": PROTOCOL, "engine": f"refwasm ({oracle.engine})",
                             "ops": list(OPERATIONS)}
    if "features" in request:
        oracle.set_features(_features(request["features"]))
        reply["features"] = dataclasses.asdict(oracle.features)
    return reply


def _features(given: object) -> Features:
    """``Features`` from a request's ``features`` object (every flag, each a boolean)."""
    names = {f.name for f in dataclasses.fields(Features)}
    if (not isinstance(given, dict) or set(given) != names
            or not all(isinstance(v, bool) for v in given.values())):
        raise WireError(f"features must give each of {', '.join(sorted(names))} as a boolean")
    return Features(**given)


def _op_validate(oracle: Oracle, request: dict[str, Any]) -> dict[str, Any]:
    data = _module(request)
    found: list[dict[str, str]] = []

    def run() -> list[Value]:
        from refwasm.embedding import module_decode, module_validate

        module = module_decode(data, oracle.features)
        module_validate(module, oracle.features)
        found.extend({"module": im.module, "name": im.name, "kind": _kind(im.desc)}
                     for im in module.imports)
        return []

    outcome = outcome_of(run)
    if isinstance(outcome, Returned):
        return {"outcome": "valid", "imports": found}
    return outcome_json(outcome)


def _kind(desc: Any) -> str:
    from refwasm.syntax.types import ExternFunc, ExternGlobal, ExternMem, ExternTable

    kinds = {ExternFunc: "func", ExternTable: "table", ExternMem: "memory",
             ExternGlobal: "global"}
    return kinds.get(type(desc), "tag")


def _op_instantiate(oracle: Oracle, request: dict[str, Any]) -> dict[str, Any]:
    imports = _imports(request)
    outcome = oracle.instantiate(_module(request), fuel=_limit(request, "fuel", MAX_FUEL),
                                 depth=_limit(request, "depth", MAX_DEPTH), imports=imports)
    if isinstance(outcome, Returned):
        events = oracle.take_events()
        reply: dict[str, Any] = {"outcome": "instantiated", "instance": len(oracle.instances) - 1,
                                 "exports": oracle.exports()}
        if imports == "record":
            reply["events"] = [event_json(e) for e in events]
        return reply
    oracle.take_events()
    return outcome_json(outcome)


def _op_invoke(oracle: Oracle, request: dict[str, Any]) -> dict[str, Any]:
    raw_args = request.get("args", [])
    if not isinstance(raw_args, list):
        raise WireError("args must be a list")
    args = [value_from_json(a) for a in raw_args]
    handle = _handle(request)
    outcome = oracle.invoke(_string(request, "name"), args, handle=handle,
                            fuel=_limit(request, "fuel", MAX_FUEL),
                            depth=_limit(request, "depth", MAX_DEPTH))
    reply = outcome_json(outcome)
    return reply if timed_out(outcome) else {**reply, **_events(oracle, handle)}


def _op_run_exports(oracle: Oracle, request: dict[str, Any]) -> dict[str, Any]:
    run = oracle.run_exports(_module(request), fuel=_limit(request, "fuel", MAX_FUEL),
                             depth=_limit(request, "depth", MAX_DEPTH))
    if isinstance(run.instantiation, Failed) and run.instantiation.kind == "engine":
        raise WireError(run.instantiation.message)
    return runs.run_json(run)


def _op_global(oracle: Oracle, request: dict[str, Any]) -> dict[str, Any]:
    value = oracle.global_value(_string(request, "name"), _handle(request))
    return {"value": value_to_json(value), "allowed": pattern_text(allowed(value))}


def _op_memory(oracle: Oracle, request: dict[str, Any]) -> dict[str, Any]:
    data = oracle.memory(_string(request, "name"), _handle(request))
    if request.get("hash"):
        size, sha256 = memory_digest(data)
        return {"size": size, "sha256": sha256}
    offset = _limit(request, "offset", 1 << 64) or 0
    length = _limit(request, "length", MAX_MEMORY_RANGE)
    length = min(len(data), MAX_MEMORY_RANGE) if length is None else length
    if offset + length > len(data):
        return {"outcome": "trap", "message": errors.OUT_OF_BOUNDS_MEMORY_ACCESS,
                "size": len(data)}
    chunk = bytes(data[offset:offset + length])
    return {"size": len(data), "base64": base64.b64encode(chunk).decode("ascii")}


def _op_reset(oracle: Oracle, request: dict[str, Any]) -> dict[str, Any]:
    oracle.reset()
    return {}


OPERATIONS: dict[str, Callable[[Oracle, dict[str, Any]], dict[str, Any]]] = {
    "hello": _op_hello,
    "validate": _op_validate,
    "instantiate": _op_instantiate,
    "invoke": _op_invoke,
    "run_exports": _op_run_exports,
    "global": _op_global,
    "memory": _op_memory,
    "reset": _op_reset,
}


def handle_line(oracle: Oracle, line: str | bytes) -> str:
    """The reply (one JSON line, no newline) to one request line; never raises."""
    request_id: Any = None
    try:
        request = loads(line)
        if not isinstance(request, dict):
            raise WireError("a request is a JSON object")
        request_id = request.get("id")
        op = request.get("op")
        if not isinstance(op, str) or op not in OPERATIONS:
            raise WireError(f"unknown op {op!r:.40}; known: {', '.join(OPERATIONS)}")
        reply = {"ok": True, **OPERATIONS[op](oracle, request)}
    except WireError as error:
        reply = {"ok": False, "error": str(error)}
    except RecursionError:
        reply = {"ok": False, "error": "request nested too deeply"}
    except Exception as error:  # noqa: BLE001 -- the oracle must outlive any request
        reply = {"ok": False, "error": f"internal error: {type(error).__name__}: {error}"}
    if request_id is not None:
        reply["id"] = request_id
    try:  # strict JSON: an id of 1e400 (infinite) is refused rather than echoed as Infinity
        return json.dumps(reply, allow_nan=False)
    except (TypeError, ValueError):
        return json.dumps({"ok": False, "error": "unserialisable reply (an id that is not "
                                                 "finite?)"})


def request_lines(source: IO[Any], limit: int = MAX_REQUEST) -> Iterator[str | bytes | None]:
    """The lines of ``source`` (bytes or text), ``None`` for one longer than ``limit``, whose
    rest is read and dropped in pieces of ``limit`` so that no line is ever held whole."""
    while line := source.readline(limit + 1):
        newline = b"\n" if isinstance(line, bytes) else "\n"
        if len(line) <= limit or line.endswith(newline):
            yield line
            continue
        while (rest := source.readline(limit + 1)) and not rest.endswith(newline):
            pass
        yield None


def serve(source: IO[Any], sink: TextIO, features: Features = DEFAULT_FEATURES, *,
          engine: str = "reference", fuel: int | None | EngineDefault = ENGINE_DEFAULT,
          timeout: float | None = DEFAULT_TIMEOUT) -> int:
    """Answer every line of ``source`` (best read as bytes: ``sys.stdin.buffer``) on ``sink``
    until end of input."""
    oracle = Oracle(features, engine=engine, fuel=fuel, timeout=timeout)
    for line in request_lines(source):
        if line is None:
            reply = json.dumps({"ok": False, "error": f"request longer than {MAX_REQUEST} bytes"})
        elif not line.strip():
            continue
        else:
            reply = handle_line(oracle, line)
        sink.write(reply + "\n")
        sink.flush()
    return 0
