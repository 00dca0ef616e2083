"""refwasm's reference semantics as an engine: a thin adapter over ``refwasm.embedding``.

Modules are abstract syntax; instances are ``ModuleInst``; externs are ``ExternVal``.  The
embedding is imported on first use, so a session over a refwasm that lacks a layer still runs the
commands that do not need it (the runner skips the others).

``ReferenceEngine`` runs the store on the reference interpreter, ``FastEngine`` on
``refwasm.fast`` (``store_init(engine="fast")``); everything else is shared.  Both bound every
instantiation and call by ``fuel`` steps and ``timeout`` seconds when given
(``refwasm.script.limits``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, TypeVar

from refwasm.engines.base import EngineError, Value
from refwasm.execution.values import ExternFuncAddr, ExternGlobalAddr, ExternMemAddr, ExternVal
from refwasm.features import Features
from refwasm.syntax.modules import Module
from refwasm.syntax.types import RefType, ValType

if TYPE_CHECKING:
    from refwasm.engines.recording import Event, FuncImport
    from refwasm.execution.runtime import ModuleInst, Store
    from refwasm.execution.values import Val

T = TypeVar("T")


class ReferenceSession:
    """One store of the reference semantics (run by ``engine``: ``reference`` or ``fast``)."""

    def __init__(self, features: Features, *, engine: str = "reference",
                 fuel: int | None = None, timeout: float | None = None) -> None:
        self.features = features
        self.engine = engine
        self.fuel = fuel
        self.timeout = timeout
        self._store: Store | None = None
        self._spectest: dict[str, ExternVal] | None = None
        self.events: list[Event] = []

    @property
    def store(self) -> Store:
        """The session's store, created on first use."""
        if self._store is None:
            from refwasm.embedding import store_init

            self._store = store_init(engine=self.engine)
        return self._store

    def _limited(self, run: Callable[[], T]) -> T:
        """``run()`` under the session's time limit."""
        from refwasm.script.limits import time_limit

        with time_limit(self.timeout):
            return run()

    def load_binary(self, data: bytes) -> Module:
        from refwasm.embedding import module_decode

        return module_decode(data, self.features)

    def load_text(self, text: str) -> Module:
        from refwasm.embedding import module_parse

        return module_parse(text, self.features)

    def load_syntax(self, module: Module) -> Module:
        return module

    def validate(self, module: Module) -> None:
        from refwasm.embedding import module_validate

        module_validate(module, self.features)

    def imports(self, module: Module) -> Sequence[tuple[str, str]]:
        return [(im.module, im.name) for im in module.imports]

    def instantiate(self, module: Module, externs: Sequence[ExternVal]) -> ModuleInst:
        from refwasm.embedding import module_instantiate

        return self._limited(lambda: module_instantiate(
            self.store, module, externs, self.features, fuel=self.fuel))

    def export(self, instance: ModuleInst, name: str) -> ExternVal | None:
        from refwasm.embedding import EmbedderError, instance_export

        try:
            return instance_export(instance, name)
        except EmbedderError:
            return None

    def spectest(self, name: str) -> ExternVal | None:
        if self._spectest is None:
            from refwasm.script.spectest import alloc_spectest

            self._spectest = alloc_spectest(self.store)
        return self._spectest.get(name)

    def recorder(self, func: FuncImport) -> ExternVal:
        """A host function recording calls of ``func`` in ``events`` (recording imports)."""
        from refwasm.embedding import func_alloc
        from refwasm.syntax.types import FuncType

        def host(args: list[Val]) -> list[Val]:
            self.events.append(func.event(args))
            return []

        return ExternFuncAddr(func_alloc(self.store, FuncType(func.carrier_types, ()), host))

    def invoke(self, instance: ModuleInst, name: str, args: Sequence[Value]) -> list[Value]:
        from refwasm.embedding import EmbedderError, func_invoke, func_type

        extern = self.export(instance, name)
        if not isinstance(extern, ExternFuncAddr):
            raise EngineError(f"no function exported as {name!r}")
        functype = func_type(self.store, extern.addr)
        if len(args) != len(functype.params) or not all(
            _fits(arg, t) for arg, t in zip(args, functype.params, strict=False)
        ):
            raise EngineError(f"arguments do not fit {name!r}: {functype}")
        values = [arg.val for arg in args]
        try:
            results = self._limited(
                lambda: func_invoke(self.store, extern.addr, values, fuel=self.fuel))
        except EmbedderError as error:
            raise EngineError(str(error)) from None
        return [Value(t, v) for t, v in zip(functype.results, results, strict=True)]

    def get(self, instance: ModuleInst, name: str) -> Value:
        from refwasm.embedding import global_read, global_type

        extern = self.export(instance, name)
        if not isinstance(extern, ExternGlobalAddr):
            raise EngineError(f"no global exported as {name!r}")
        globaltype = global_type(self.store, extern.addr)
        return Value(globaltype.valtype, global_read(self.store, extern.addr))

    def memory(self, instance: ModuleInst, name: str) -> bytes | None:
        """The bytes of an exported memory (``None`` when ``name`` exports none), for the
        state comparisons of ``refwasm diff``."""
        extern = self.export(instance, name)
        if not isinstance(extern, ExternMemAddr):
            return None
        return bytes(self.store.mems[extern.addr].data)


def _fits(arg: Value, t: ValType) -> bool:
    """Whether an argument has the parameter's type (a reference only needs to be one)."""
    if isinstance(t, RefType):
        return not isinstance(arg.val, int)
    return arg.type == t


class ReferenceEngine:
    """The reference semantics (``refwasm.embedding``) as an ``Engine``; ``fuel`` and
    ``timeout`` bound each instantiation and call (``None``: unbounded)."""

    name = "reference"

    def __init__(self, *, fuel: int | None = None, timeout: float | None = None) -> None:
        self.fuel = fuel
        self.timeout = timeout

    def session(self, features: Features) -> ReferenceSession:
        """A fresh store."""
        return ReferenceSession(features, engine=self.name, fuel=self.fuel,
                                timeout=self.timeout)


class FastEngine(ReferenceEngine):
    """The same adapter over a store run by ``refwasm.fast``."""

    name = "fast"


if TYPE_CHECKING:
    from refwasm.engines.base import Engine

    # mypy checks here that the adapter implements the protocol.
    _CONFORMS: Engine[Module, ModuleInst, ExternVal] = ReferenceEngine()
    _FAST_CONFORMS: Engine[Module, ModuleInst, ExternVal] = FastEngine()
