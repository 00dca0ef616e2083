"""A toy engine implementing the runner's ``Session`` protocol, for testing the runner alone.

A module is named by a key: a custom section ``fake`` of a text module, the bytes after the magic
of a binary module, or the text of a quote module.  ``FakeEngine.specs`` maps keys to what the
module does: its imports, whether it is invalid, fails to link, traps while instantiating, and
its exports (functions as Python callables, globals as values).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from refwasm.engines.base import EngineError, Value
from refwasm.errors import InvalidError, MalformedError, TrapError, UnlinkableError
from refwasm.features import Features
from refwasm.syntax.modules import Custom, Module
from refwasm.syntax.types import NumType

Func = Callable[[Sequence[Value]], list[Value]]


@dataclass
class FakeSpec:
    imports: tuple[tuple[str, str], ...] = ()
    invalid: str | None = None
    unlinkable: str | None = None
    trap: str | None = None
    exports: dict[str, Func | Value] = field(default_factory=dict)
    # Raised when the module is loaded (to simulate missing machinery or a crash).
    load_raises: BaseException | None = None


@dataclass
class FakeInstance:
    spec: FakeSpec
    externs: tuple[object, ...]


def text_module(key: str) -> Module:
    """A text module the fake engine knows by ``key``."""
    return Module(customs=(Custom("fake", key.encode()),))


def binary_module(key: str) -> bytes:
    return b"\0asm" + key.encode()


SPECTEST_EXPORTS = {"print_i32": ("spectest", "print_i32"), "global_i32": ("spectest", "g")}


class FakeSession:
    def __init__(self, engine: FakeEngine, features: Features) -> None:
        self.engine = engine
        self.features = features
        self.instantiated: list[FakeInstance] = []

    def _spec(self, key: str) -> FakeSpec:
        spec = self.engine.specs.get(key)
        if spec is None:
            raise MalformedError(f"unknown fake module {key!r}")
        if spec.load_raises is not None:
            raise spec.load_raises
        return spec

    def load_binary(self, data: bytes) -> FakeSpec:
        if not data.startswith(b"\0asm"):
            raise MalformedError("magic header not detected")
        return self._spec(data[4:].decode())

    def load_text(self, text: str) -> FakeSpec:
        if text.startswith("bad"):
            raise MalformedError("unexpected token")
        return self._spec(text)

    def load_syntax(self, module: Module) -> FakeSpec:
        return self._spec(module.customs[0].payload.decode())

    def validate(self, module: FakeSpec) -> None:
        if module.invalid is not None:
            raise InvalidError(module.invalid)

    def imports(self, module: FakeSpec) -> Sequence[tuple[str, str]]:
        return module.imports

    def instantiate(self, module: FakeSpec, externs: Sequence[object]) -> FakeInstance:
        self.validate(module)
        if len(externs) != len(module.imports):
            raise EngineError("wrong number of externs")
        if module.unlinkable is not None:
            raise UnlinkableError(module.unlinkable)
        if module.trap is not None:
            raise TrapError(module.trap)
        instance = FakeInstance(module, tuple(externs))
        self.instantiated.append(instance)
        return instance

    def export(self, instance: FakeInstance, name: str) -> object | None:
        return (id(instance), name) if name in instance.spec.exports else None

    def spectest(self, name: str) -> object | None:
        return SPECTEST_EXPORTS.get(name)

    def invoke(self, instance: FakeInstance, name: str, args: Sequence[Value]) -> list[Value]:
        func = instance.spec.exports.get(name)
        if not callable(func):
            raise EngineError(f"no function {name!r}")
        return func(args)

    def get(self, instance: FakeInstance, name: str) -> Value:
        value = instance.spec.exports.get(name)
        if not isinstance(value, Value):
            raise EngineError(f"no global {name!r}")
        return value


class FakeEngine:
    name = "fake"
    # Shared by every instance so that engines created by name (``engine_named``) see it.
    specs: dict[str, FakeSpec] = {}
    sessions: list[FakeSession] = []

    def session(self, features: Features) -> FakeSession:
        session = FakeSession(self, features)
        FakeEngine.sessions.append(session)
        return session


def i32(n: int) -> Value:
    return Value(NumType.I32, n & 0xFFFF_FFFF)
