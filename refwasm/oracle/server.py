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
import json
from collections.abc import Callable, Iterator
from functools import partial
from typing import IO, TYPE_CHECKING, Any, TextIO

from refwasm import errors
from refwasm.engines.base import EngineError, Value
from refwasm.execution.values import ExternFuncAddr, ExternGlobalAddr, ExternMemAddr, ExternVal
from refwasm.features import DEFAULT_FEATURES, Features
from refwasm.oracle.compare import (
    Failed,
    Outcome,
    Returned,
    allowed,
    allowed_at,
    memory_hash,
    outcome_of,
    with_alternatives,
)
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
from refwasm.syntax.types import Mut, RefType

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

    def reset(self) -> None:
        """A fresh store; the instance is gone."""
        from refwasm.embedding import store_init
        from refwasm.script.spectest import alloc_spectest

        self.store = store_init(engine=self.engine)
        self.spectest = alloc_spectest(self.store)
        self.instance = None

    def _store(self) -> Store:
        if self.store is None:
            self.reset()
        store = self.store
        if store is None:  # for mypy: reset() set it
            raise WireError("no store")
        return store

    def instantiate(self, data: bytes, *, fuel: int | None = None,
                    depth: int | None = None) -> Outcome:
        """Decode, validate and instantiate (imports from ``spectest`` only); on success the
        instance becomes the current one."""
        from refwasm.embedding import module_decode, module_instantiate

        store = self._store()

        def run() -> list[Value]:
            module = module_decode(data, self.features)
            externs = []
            for im in module.imports:
                found = self.spectest.get(im.name) if im.module == "spectest" else None
                if found is None:
                    raise errors.UnlinkableError(errors.UNKNOWN_IMPORT)
                externs.append(found)
            self.instance = None
            self.instance = module_instantiate(store, module, externs, self.features,
                                               fuel=self._fuel(fuel))
            return []

        outcome = self._with_depth(depth, run)
        self.relaxed = variants(data, self.features, engine=self.engine, fuel=self._fuel(fuel),
                                timeout=self.timeout)
        if self.relaxed is None:
            return outcome
        return with_alternatives(outcome, self.relaxed.instantiate(), self.relaxed.complete)

    def exports(self) -> list[dict[str, Any]]:
        """The current instance's exports with their types, as the reply lists them."""
        from refwasm.embedding import func_type, global_type

        found: list[dict[str, Any]] = []
        if self.instance is None or self.store is None:
            return found
        for name, value in self.instance.exports.items():
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

    def _export(self, name: str) -> ExternVal:
        from refwasm.embedding import EmbedderError, instance_export

        if self.instance is None:
            raise WireError("no instance: send a successful instantiate first")
        try:
            return instance_export(self.instance, name)
        except EmbedderError:
            raise WireError(f"no export named {name!r}") from None

    def invoke(self, name: str, args: list[Value], *, fuel: int | None = None,
               depth: int | None = None) -> Outcome:
        """Call an exported function of the current instance."""
        from refwasm.embedding import EmbedderError, func_invoke, func_type

        extern = self._export(name)
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
        if self.relaxed is None:
            return outcome
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

    def global_value(self, name: str) -> Value:
        """The value of an exported global."""
        from refwasm.embedding import global_read, global_type

        extern = self._export(name)
        if not isinstance(extern, ExternGlobalAddr) or self.store is None:
            raise WireError(f"{name!r} is not a global")
        return Value(global_type(self.store, extern.addr).valtype,
                     global_read(self.store, extern.addr))

    def memory(self, name: str) -> bytearray:
        """The bytes of an exported memory (not a copy: callers only read)."""
        extern = self._export(name)
        if not isinstance(extern, ExternMemAddr) or self.store is None:
            raise WireError(f"{name!r} is not a memory")
        return self.store.mems[extern.addr].data


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
    if isinstance(outcome, Returned):
        reply: dict[str, Any] = {"outcome": "return", "results": [
            {**value_to_json(v), "allowed": pattern_text(allowed_at(outcome, k))}
            for k, v in enumerate(outcome.values)
        ]}
        return reply | relaxed_alternatives_json(outcome)
    if isinstance(outcome, Failed) and outcome.kind == "engine":
        raise WireError(outcome.message)
    if timed_out(outcome):
        return {"outcome": outcome.kind, "message": outcome.message, "reset": True}
    return {"outcome": outcome.kind, "message": outcome.message} | relaxed_alternatives_json(outcome)


def relaxed_alternatives_json(outcome: Outcome) -> dict[str, Any]:
    """The other outcomes relaxed SIMD allows (``"alternatives"``), when there are any."""
    if not outcome.alternatives:
        return {}
    return {"alternatives": [
        {"outcome": "return", "results": [value_to_json(v) for v in other.values]}
        if isinstance(other, Returned) else {"outcome": other.kind, "message": other.message}
        for other in outcome.alternatives
    ]}


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


def _op_instantiate(oracle: Oracle, request: dict[str, Any]) -> dict[str, Any]:
    try:
        data = base64.b64decode(_string(request, "module"), validate=True)
    except (binascii.Error, ValueError):
        raise WireError("module must be base64") from None
    outcome = oracle.instantiate(data, fuel=_limit(request, "fuel", MAX_FUEL),
                                 depth=_limit(request, "depth", MAX_DEPTH))
    if isinstance(outcome, Returned):
        return {"outcome": "instantiated", "exports": oracle.exports()}
    return outcome_json(outcome)


def _op_invoke(oracle: Oracle, request: dict[str, Any]) -> dict[str, Any]:
    raw_args = request.get("args", [])
    if not isinstance(raw_args, list):
        raise WireError("args must be a list")
    args = [value_from_json(a) for a in raw_args]
    return outcome_json(oracle.invoke(_string(request, "name"), args,
                                      fuel=_limit(request, "fuel", MAX_FUEL),
                                      depth=_limit(request, "depth", MAX_DEPTH)))


def _op_global(oracle: Oracle, request: dict[str, Any]) -> dict[str, Any]:
    value = oracle.global_value(_string(request, "name"))
    return {"value": value_to_json(value), "allowed": pattern_text(allowed(value))}


def _op_memory(oracle: Oracle, request: dict[str, Any]) -> dict[str, Any]:
    data = oracle.memory(_string(request, "name"))
    if request.get("hash"):
        return {"size": len(data), "sha256": memory_hash(bytes(data))}
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
    "instantiate": _op_instantiate,
    "invoke": _op_invoke,
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
    try:
        return json.dumps(reply)
    except (TypeError, ValueError):
        return json.dumps({"ok": False, "error": "unserialisable reply"})


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
