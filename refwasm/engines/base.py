"""The engine interface the ``.wast`` runner (and later the property and differential drivers)
is written against (STYLE.md §10; the spec interpreter's ``Make(Engine)`` runner).

An ``Engine`` opens one ``Session`` per script: a fresh store.  A session loads modules, validates
them, instantiates them against externs the runner resolved, invokes exports and reads global
exports.  Handles for modules, instances and externs are the engine's own types; the runner only
passes them back.  Values cross the boundary as ``Value`` (type + exact bits), so a foreign engine
can convert them to its own representation and back without losing a bit.

Outcomes are reported as refwasm's error kinds (``refwasm.errors``): ``MalformedError`` (decode or
parse), ``InvalidError``, ``UnlinkableError``, ``TrapError``, ``ExhaustionError``, each with the
engine's message.  A foreign adapter maps its engine's errors onto these.  Misuse that is not a Wasm
outcome (unknown export name, wrong argument types) raises ``EngineError``.

Foreign engines see bytes: ``load_syntax`` (a module the script already holds as abstract syntax)
and ``load_text`` can be implemented with ``refwasm.binary.encode_module`` and refwasm's text
parser, then ``load_binary``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol, TypeVar

from refwasm.execution.values import Val
from refwasm.features import Features
from refwasm.syntax.modules import Module
from refwasm.syntax.types import ValType

ModuleT = TypeVar("ModuleT")
InstanceT = TypeVar("InstanceT")
ExternT = TypeVar("ExternT")


@dataclass(frozen=True, slots=True)
class Value:
    """A value crossing the engine boundary: its type and its exact bits (or reference)."""

    type: ValType
    val: Val


class EngineError(Exception):
    """The embedder misused the engine (unknown export, wrong argument types): the appendix's
    "error" of the embedding interface, never a Wasm outcome an assertion may expect."""


class Session(Protocol[ModuleT, InstanceT, ExternT]):
    """One store of one engine: everything the runner does while running one script."""

    def load_binary(self, data: bytes) -> ModuleT:
        """Decode a binary module (``MalformedError``)."""
        ...

    def load_text(self, text: str) -> ModuleT:
        """Parse a text module (``MalformedError``)."""
        ...

    def load_syntax(self, module: Module) -> ModuleT:
        """Take a module the script parser already produced as abstract syntax."""
        ...

    def validate(self, module: ModuleT) -> None:
        """Validate a loaded module (``InvalidError``)."""
        ...

    def imports(self, module: ModuleT) -> Sequence[tuple[str, str]]:
        """The (module name, item name) of each import, in order."""
        ...

    def instantiate(self, module: ModuleT, externs: Sequence[ExternT]) -> InstanceT:
        """Validate and instantiate with one extern per import (``InvalidError``,
        ``UnlinkableError`` for incompatible types, ``TrapError``, ``ExhaustionError``)."""
        ...

    def export(self, instance: InstanceT, name: str) -> ExternT | None:
        """The extern an instance exports under ``name``, or ``None``."""
        ...

    def spectest(self, name: str) -> ExternT | None:
        """The extern the ``spectest`` host module provides under ``name``, or ``None``."""
        ...

    def invoke(self, instance: InstanceT, name: str, args: Sequence[Value]) -> list[Value]:
        """Call an exported function (``TrapError``, ``ExhaustionError``; ``EngineError``)."""
        ...

    def get(self, instance: InstanceT, name: str) -> Value:
        """Read an exported global (``EngineError`` when it is not one)."""
        ...


class Engine(Protocol[ModuleT, InstanceT, ExternT]):
    """A factory of sessions; ``name`` identifies it on the command line and in reports."""

    name: str

    def session(self, features: Features) -> Session[ModuleT, InstanceT, ExternT]:
        """A fresh store running under ``features``."""
        ...


def syntax_to_bytes(module: Module) -> bytes:
    """The binary encoding a bytes-only engine loads for a module held as abstract syntax."""
    from refwasm.binary import encode_module

    return encode_module(module)


def text_to_bytes(text: str, features: Features) -> bytes:
    """Parse a text module with refwasm (``MalformedError``) and encode it, for engines that load
    only bytes."""
    from refwasm.text import parse_module

    return syntax_to_bytes(parse_module(text, features))
