"""The common entry points, re-exported by ``import refwasm`` (``docs/quickstart.md``).

A thin, typed layer over the embedding interface (``refwasm.embedding``, the spec appendix's
functions) for a Python user::

    module = refwasm.parse('(module (func (export "add") (param i32 i32) (result i32)'
                           ' (i32.add (local.get 0) (local.get 1))))')
    refwasm.validate(module)
    instance = refwasm.instantiate(module)
    assert instance.invoke("add", 2, 3) == [5]

Values are what refwasm computes with: a number or vector is its unsigned bit pattern (an
``int``; an ``i32`` ``-1`` is ``0xFFFFFFFF``, an ``f32`` ``1.0`` is ``0x3F800000``), a reference
is a small object (``RefNullVal``, ``RefFuncAddr``, ``RefExtern``).  ``i32``, ``i64``, ``f32``
and ``f64`` build bit patterns from Python numbers; ``signed`` and ``to_float`` read them back.
Failures raise ``refwasm.errors``: ``MalformedError``, ``InvalidError``, ``UnlinkableError``,
``TrapError``, ``ExhaustionError`` (all ``WasmError``, with the official suite's message).
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from refwasm import embedding
from refwasm.errors import UNKNOWN_IMPORT, UnlinkableError
from refwasm.execution.runtime import EmbedderError, ModuleInst, Store
from refwasm.execution.values import (
    ExternFuncAddr,
    ExternGlobalAddr,
    ExternMemAddr,
    ExternVal,
    Val,
)
from refwasm.features import DEFAULT_FEATURES, Features
from refwasm.syntax.modules import Module
from refwasm.syntax.types import FuncType, NumType

if TYPE_CHECKING:
    from refwasm.jsapi import ExportedFunction, ExportsObject, Global, Memory, Table

# What ``instantiate`` takes as imports: by module and name, or in the module's import order.
Imports = Mapping[str, Mapping[str, ExternVal]] | Sequence[ExternVal]
HostFunction = Callable[[list[Val]], list[Val]]


def decode(data: bytes, features: Features = DEFAULT_FEATURES) -> Module:
    """Decode a binary module (``embed-module-decode``); ``MalformedError`` if it is not one."""
    return embedding.module_decode(data, features)


def parse(text: str, features: Features = DEFAULT_FEATURES) -> Module:
    """Parse a text module (``embed-module-parse``); ``MalformedError`` if it is not one."""
    return embedding.module_parse(text, features)


def encode(module: Module) -> bytes:
    """The binary format of a module (``binary-module``), e.g. of one parsed from text."""
    from refwasm.binary.encode import encode_module

    data: bytes = encode_module(module)
    return data


def validate(module: Module, features: Features = DEFAULT_FEATURES) -> None:
    """Validate a module (``embed-module-validate``); ``InvalidError`` unless it is valid."""
    embedding.module_validate(module, features)


def store_init(*, engine: str = "reference") -> Store:
    """An empty store (``embed-store-init``); ``engine="fast"`` runs its code on
    ``refwasm.fast`` instead of the reference interpreter."""
    return embedding.store_init(engine=engine)


def host_function(
    store: Store, params: Sequence[NumType], results: Sequence[NumType], fn: HostFunction
) -> ExternFuncAddr:
    """A host function of type ``params -> results`` in ``store`` (``embed-func-alloc``), to
    pass as an import.  ``fn`` takes and returns lists of values (bit patterns)."""
    functype = FuncType(tuple(params), tuple(results))
    return ExternFuncAddr(embedding.func_alloc(store, functype, fn))


@dataclass(frozen=True, slots=True)
class Instance:
    """A module instance with the store it lives in."""

    store: Store
    module: ModuleInst

    def export(self, name: str) -> ExternVal:
        """The external value exported as ``name`` (``embed-instance-export``)."""
        return embedding.instance_export(self.module, name)

    def invoke(self, name: str, *args: Val, fuel: int | None = None) -> list[Val]:
        """Call the exported function ``name`` (``embed-func-invoke``); its results."""
        export = self.export(name)
        if not isinstance(export, ExternFuncAddr):
            raise EmbedderError(f"export {name!r} is not a function")
        return embedding.func_invoke(self.store, export.addr, list(args), fuel=fuel)

    def read_memory(self, name: str, offset: int, length: int) -> bytes:
        """``length`` bytes of the exported memory ``name`` from ``offset``."""
        export = self.export(name)
        if not isinstance(export, ExternMemAddr):
            raise EmbedderError(f"export {name!r} is not a memory")
        return bytes(embedding.mem_read(self.store, export.addr, offset + i) for i in range(length))

    def global_value(self, name: str) -> Val:
        """The value of the exported global ``name`` (``embed-global-read``)."""
        export = self.export(name)
        if not isinstance(export, ExternGlobalAddr):
            raise EmbedderError(f"export {name!r} is not a global")
        return embedding.global_read(self.store, export.addr)


def instantiate(
    module: Module,
    imports: Imports = (),
    *,
    store: Store | None = None,
    features: Features = DEFAULT_FEATURES,
    fuel: int | None = None,
) -> Instance:
    """Instantiate a validated module (``embed-module-instantiate``) in ``store`` (a new one
    by default).  ``imports`` maps module and field names to external values, or lists them in
    the module's import order; ``UnlinkableError`` if one is missing or does not match."""
    store = embedding.store_init() if store is None else store
    if isinstance(imports, Mapping):
        try:
            externvals = [imports[imp.module][imp.name] for imp in module.imports]
        except KeyError:
            raise UnlinkableError(UNKNOWN_IMPORT) from None
    else:
        externvals = list(imports)
    inst = embedding.module_instantiate(store, module, externvals, features, fuel=fuel)
    return Instance(store, inst)


# -- Values -------------------------------------------------------------------------------------


def i32(n: int) -> int:
    """The ``i32`` bit pattern of a Python integer (``-1`` is ``0xFFFFFFFF``), modulo 2^32."""
    return n & 0xFFFF_FFFF


def i64(n: int) -> int:
    """The ``i64`` bit pattern of a Python integer, modulo 2^64."""
    return n & 0xFFFF_FFFF_FFFF_FFFF


def f32(x: float) -> int:
    """The ``f32`` bit pattern of a Python float, rounded to single precision once."""
    bits: int = struct.unpack("<I", struct.pack("<f", x))[0]
    return bits


def f64(x: float) -> int:
    """The ``f64`` bit pattern of a Python float (exact)."""
    bits: int = struct.unpack("<Q", struct.pack("<d", x))[0]
    return bits


def signed(bits: int, width: int = 32) -> int:
    """The two's complement reading of an ``iN`` bit pattern (``signed_N``)."""
    return bits - (1 << width) if bits >> (width - 1) & 1 else bits


def to_float(bits: int, width: int = 64) -> float:
    """The value of an ``f32`` (``width=32``) or ``f64`` bit pattern as a Python float (exact:
    a double holds every single-precision value; a NaN's payload is not kept)."""
    if width == 32:
        value: float = struct.unpack("<f", struct.pack("<I", bits))[0]
        return value
    value = struct.unpack("<d", struct.pack("<Q", bits))[0]
    return value


# -- The JS API model's exports, typed --------------------------------------------------------


def js_function(exports: ExportsObject, name: str) -> ExportedFunction:
    """The exported function ``name`` of a JS API instance (``instance.exports``), typed as
    a callable; ``TypeError`` if the export is something else."""
    from refwasm.jsapi import ExportedFunction

    value = exports[name]
    if not isinstance(value, ExportedFunction):
        raise TypeError(f"export {name!r} is not a function")
    return value


def js_memory(exports: ExportsObject, name: str) -> Memory:
    """The exported ``WebAssembly.Memory`` ``name``; ``TypeError`` if it is something else."""
    from refwasm.jsapi import Memory

    value = exports[name]
    if not isinstance(value, Memory):
        raise TypeError(f"export {name!r} is not a memory")
    return value


def js_table(exports: ExportsObject, name: str) -> Table:
    """The exported ``WebAssembly.Table`` ``name``; ``TypeError`` if it is something else."""
    from refwasm.jsapi import Table

    value = exports[name]
    if not isinstance(value, Table):
        raise TypeError(f"export {name!r} is not a table")
    return value


def js_global(exports: ExportsObject, name: str) -> Global:
    """The exported ``WebAssembly.Global`` ``name``; ``TypeError`` if it is something else."""
    from refwasm.jsapi import Global

    value = exports[name]
    if not isinstance(value, Global):
        raise TypeError(f"export {name!r} is not a global")
    return value
