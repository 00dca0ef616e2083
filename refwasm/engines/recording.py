"""Recording imports: the "dummy imports" every engine gives a module it knows nothing of
(docs/oracle.md, "Recording imports"); events on the wire and
their comparison are in ``refwasm.oracle.recording``.

Every function import becomes a host function that records ``(module, name, args)`` in an event
log and returns the default value of each result type (zero, or a null reference).  Memory,
table, global and tag imports are created from their declared types with default contents.

The convention is implemented ONCE, as Wasm: ``RecordingPlan`` builds a *stub module* from the
subject's import list.  For import ``k`` the stub exports ``"k"``:

- a function of the import's type that passes its arguments, as integer carriers (an f32 as its
  i32 bits, an f64 as its i64 bits, a v128 as two i64 halves: ``refwasm.engines.bitexact``), to
  the host function ``("record", "k")`` and then pushes the default results;
- or a memory, table, global (zero or null) or tag of the declared type.

An engine only supplies the host functions, which take integers and references and return
nothing, so no host API loses a bit of an argument, and every engine (refwasm's reference and
fast engines, wasmtime, node, pywasm) runs the same stub code between the module and the log.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any, Protocol

from refwasm.engines.base import Value
from refwasm.engines.bitexact import UnsupportedType, carriers, from_carriers, type_text
from refwasm.execution.values import ExternFuncAddr, ExternVal, RefNullVal, Val
from refwasm.features import Features
from refwasm.syntax.modules import Module, func_type_at, subtypes
from refwasm.syntax.types import (
    EXTERNREF,
    FUNCREF,
    AbsHeapType,
    AddrType,
    ExternFunc,
    ExternGlobal,
    ExternMem,
    ExternTable,
    ExternTag,
    FuncType,
    Limits,
    Mut,
    NumType,
    RefType,
    TypeIdx,
    ValType,
    VecType,
)

if TYPE_CHECKING:
    from refwasm.execution.runtime import Store

# The module name of the stub's host imports.
RECORD_MODULE = "record"
_CARRIER_TYPES: dict[str, ValType] = {
    "i32": NumType.I32, "i64": NumType.I64, "funcref": FUNCREF, "externref": EXTERNREF,
}


@dataclass(frozen=True, slots=True)
class Event:
    """One call of a recording import: who was called, with what."""

    module: str
    name: str
    args: tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class FuncImport:
    """A function import the stub records: its index among the imports, names and type."""

    index: int
    module: str
    name: str
    functype: FuncType

    @property
    def carrier_types(self) -> tuple[ValType, ...]:
        """The parameter types of its host function."""
        return tuple(_CARRIER_TYPES[c] for t in self.functype.params for c in carriers(t))

    def event(self, raw: Sequence[Val]) -> Event:
        """The event of one call, from the carrier values (unsigned bits, or references) the
        host function received."""
        values: list[Value] = []
        position = 0
        for t in self.functype.params:
            if isinstance(t, RefType):
                values.append(Value(t, raw[position]))
                position += 1
                continue
            ints = [v if isinstance(v, int) else 0 for v in raw[position:position + 2]]
            bits, used = from_carriers(t, ints)
            values.append(Value(t, bits))
            position += used
        return Event(self.module, self.name, tuple(values))


class RecordingPlan:
    """The recording imports of one module: the stub's bytes and its function imports.

    ``UnsupportedType`` when an import has a type the stub cannot express (a typed reference
    of a 3.0 proposal): the module cannot be judged (an inconclusive verdict)."""

    def __init__(self, module: Module, features: Features) -> None:
        space = subtypes(module)
        self.count = len(module.imports)
        self.funcs: list[FuncImport] = []
        items: list[str] = []
        for k, im in enumerate(module.imports):
            ft = _func_of(space, im.desc)
            if ft is not None:
                self.funcs.append(FuncImport(k, im.module, im.name, ft))
                items.append(_func_text(k, ft))
            else:
                items.append(_item_text(f'"{k}"', space, im.desc, f"{im.module}.{im.name}"))
        self.stub = _stub_bytes(tuple(items), features)

    def event(self, index: int, raw: Sequence[Val]) -> Event:
        """The event of a call of the host function of import ``index``."""
        return next(f for f in self.funcs if f.index == index).event(raw)


def _func_of(space: Any, desc: Any) -> FuncType | None:
    match desc:
        case ExternFunc(TypeIdx(idx)):
            return func_type_at(space, idx)
    return None


def _item_text(export: str, space: Any, desc: Any, what: str) -> str:
    """A stub item of the declared type with default contents, exported as ``export`` (a
    quoted name); a function returns its default results."""
    match desc:
        case ExternFunc(TypeIdx(idx)) if (ft := func_type_at(space, idx)) is not None:
            defaults = " ".join(_default(t) for t in ft.results)
            return f"(func (export {export}) {_signature(ft)} {defaults})"
        case ExternMem(memtype):
            return (f"(memory (export {export}) {_addr(memtype.addrtype)}"
                    f"{_limits(memtype.limits)})")
        case ExternTable(tabletype):
            return (f"(table (export {export}) {_addr(tabletype.addrtype)}"
                    f"{_limits(tabletype.limits)} {type_text(tabletype.reftype)})")
        case ExternGlobal(globaltype):
            t = type_text(globaltype.valtype)
            declared = f"(mut {t})" if globaltype.mut is Mut.VAR else t
            return f"(global (export {export}) {declared} {_default(globaltype.valtype)})"
        case ExternTag(tagtype) if isinstance(tagtype.typeuse, TypeIdx) and (
                ft := func_type_at(space, tagtype.typeuse.idx)) is not None:
            return f"(tag (export {export}) {_signature(ft)})"
    raise UnsupportedType(f"import {what}: {desc}")


def provider_items(module: Module) -> dict[str, list[str]]:
    """The recording-import defaults as text items per import module name, exported under the
    import names (for a ``.wast`` reproducer, which registers one module per name; a script
    cannot record, so functions only return their defaults)."""
    space = subtypes(module)
    found: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    for im in module.imports:
        if (im.module, im.name) in seen:
            continue
        seen.add((im.module, im.name))
        export = wast_string(im.name)
        found.setdefault(im.module, []).append(
            _item_text(export, space, im.desc, f"{im.module}.{im.name}"))
    return found


def wast_string(name: str) -> str:
    """A name as a text-format string: as it is when plain ASCII, else escaped byte by byte."""
    if all(" " <= c <= "~" and c not in '"\\' for c in name):
        return f'"{name}"'
    return '"' + "".join(f"\\{b:02x}" for b in name.encode()) + '"'


def _func_text(k: int, ft: FuncType) -> str:
    """The stub's import and function for function import ``k``."""
    packed = [c for t in ft.params for c in carriers(t)]
    host = f"(param {' '.join(packed)})" if packed else ""
    body: list[str] = []
    for i, t in enumerate(ft.params):
        body.append(f"local.get {i}")
        if t is NumType.F32:
            body.append("i32.reinterpret_f32")
        elif t is NumType.F64:
            body.append("i64.reinterpret_f64")
        elif t is VecType.V128:
            body += ["i64x2.extract_lane 0", f"local.get {i}", "i64x2.extract_lane 1"]
    body.append(f"call $h{k}")
    body += [_default(t) for t in ft.results]
    return (f'(import "{RECORD_MODULE}" "{k}" (func $h{k} {host}))\n'
            f'(func (export "{k}") {_signature(ft)}\n  ' + "\n  ".join(body) + ")")


def _signature(ft: FuncType) -> str:
    params = " ".join(type_text(t) for t in ft.params)
    results = " ".join(type_text(t) for t in ft.results)
    return (f"(param {params})" if params else "") + (f" (result {results})" if results else "")


def _default(t: ValType) -> str:
    """An instruction pushing the default value of ``t``."""
    if isinstance(t, RefType):
        return "ref.null func" if t == FUNCREF else "ref.null extern"
    if t is VecType.V128:
        return "v128.const i64x2 0 0"
    return f"{type_text(t)}.const 0"


def _addr(addrtype: AddrType) -> str:
    return "i64 " if addrtype is AddrType.I64 else ""


def _limits(limits: Limits) -> str:
    return f"{limits.min}" + ("" if limits.max is None else f" {limits.max}")


@lru_cache(maxsize=512)
def _stub_bytes(items: tuple[str, ...], features: Features) -> bytes:
    """The stub module's binary (refwasm's own parser and encoder; imports first, as the text
    format requires)."""
    from refwasm.binary import encode_module
    from refwasm.errors import WasmError
    from refwasm.text import parse_module

    imports = [i.split("\n", 1)[0] for i in items if i.startswith("(import")]
    rest = [i.split("\n", 1)[1] if i.startswith("(import") else i for i in items]
    try:
        return encode_module(parse_module("(module\n" + "\n".join(imports + rest) + ")",
                                          features))
    except WasmError as error:
        raise UnsupportedType(f"recording imports: {error}") from None


# -- Linking the stub in an engine ---------------------------------------------------------------


class RecordingSession(Protocol):
    """What an engine adapter provides to link recording imports: a host function of a
    ``FuncImport``'s carrier types that appends ``func.event(args)`` to ``events`` and
    returns nothing; the rest is the ``Session`` protocol."""

    events: list[Event]

    def recorder(self, func: FuncImport) -> Any:
        """The engine's host function recording calls of ``func``."""
        ...

    def load_binary(self, data: bytes) -> Any:
        """As ``Session.load_binary``."""
        ...

    def instantiate(self, module: Any, externs: Sequence[Any]) -> Any:
        """As ``Session.instantiate``."""
        ...

    def export(self, instance: Any, name: str) -> Any | None:
        """As ``Session.export``."""
        ...


def session_imports(session: RecordingSession, plan: RecordingPlan) -> list[Any]:
    """The externs of ``plan``'s recording imports in an engine's session, one per import of
    the module, in order; calls of them append to ``session.events``."""
    hosts = [session.recorder(func) for func in plan.funcs]
    stub = session.instantiate(session.load_binary(plan.stub), hosts)
    return [session.export(stub, str(k)) for k in range(plan.count)]


def store_imports(store: Store, plan: RecordingPlan, features: Features,
                  record: Callable[[Event], None]) -> list[ExternVal]:
    """The same in a refwasm store (the oracle's, the reference's and the fast engine's)."""
    from refwasm.embedding import func_alloc, instance_export, module_decode, module_instantiate

    hosts: list[ExternVal] = []
    for func in plan.funcs:
        def host(args: list[Val], func: FuncImport = func) -> list[Val]:
            record(func.event(args))
            return []
        hosts.append(ExternFuncAddr(func_alloc(store, FuncType(func.carrier_types, ()), host)))
    stub = module_instantiate(store, module_decode(plan.stub, features), hosts, features)
    return [instance_export(stub, str(k)) for k in range(plan.count)]


def null_of(t: ValType) -> RefNullVal:
    """The null reference of a reference type (a host API's ``None``)."""
    return RefNullVal(AbsHeapType.FUNC if t == FUNCREF else AbsHeapType.EXTERN)


__all__ = ["RECORD_MODULE", "Event", "FuncImport", "RecordingPlan", "RecordingSession",
           "null_of", "provider_items", "session_imports", "store_imports"]
