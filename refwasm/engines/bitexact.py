"""Bit-exact calls into foreign engines whose host API loses bits.

Host APIs carry floats as host doubles (a signalling f32 NaN gets quieted on the way) and cannot
carry a ``v128`` at all (JavaScript).  So a foreign adapter never calls an export directly: it
instantiates a small *trampoline* module that imports the function (or global) and exposes it
with integer carriers -- an f32 travels as its i32 bits, an f64 as its i64 bits, a v128 as two
i64 halves (low first) -- and reinterprets inside Wasm, where no bit is lost.

One trampoline per signature, built as text and encoded by refwasm.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from refwasm.features import Features
from refwasm.syntax.types import (
    AbsHeapType,
    FuncType,
    GlobalType,
    Mut,
    NumType,
    RefType,
    ValType,
    VecType,
)

# Import names the trampolines use.
TRAMPOLINE_MODULE = "target"
TRAMPOLINE_ITEM = "item"
TRAMPOLINE_EXPORT = "call"

_MASK64 = (1 << 64) - 1


class UnsupportedType(Exception):
    """A type the trampolines cannot carry (a typed reference of a 3.0 proposal)."""


def type_text(t: ValType) -> str:
    """A value type as the text format writes it (2.0 types only)."""
    match t:
        case NumType() | VecType():
            return str(t.value)
        case RefType(True, AbsHeapType.FUNC):
            return "funcref"
        case RefType(True, AbsHeapType.EXTERN):
            return "externref"
    raise UnsupportedType(f"cannot carry {t}")


def carriers(t: ValType) -> list[str]:
    """The carrier types one value of ``t`` travels as."""
    match t:
        case NumType.F32:
            return ["i32"]
        case NumType.F64:
            return ["i64"]
        case VecType.V128:
            return ["i64", "i64"]
    return [type_text(t)]


def to_carriers(t: ValType, bits: int) -> list[int]:
    """The carrier values (unsigned bit patterns) of a number or vector."""
    if t is VecType.V128:
        return [bits & _MASK64, bits >> 64]
    return [bits]


def from_carriers(t: ValType, values: Sequence[int]) -> tuple[int, int]:
    """A number or vector from its carriers' unsigned bits; also how many carriers it used."""
    if t is VecType.V128:
        return (values[0] & _MASK64) | ((values[1] & _MASK64) << 64), 2
    width = 32 if t in (NumType.I32, NumType.F32) else 64
    return values[0] & ((1 << width) - 1), 1


def _unpack(t: ValType, index: int) -> list[str]:
    """Instructions pushing parameter ``t`` from the carrier locals starting at ``index``."""
    match t:
        case NumType.F32:
            return [f"local.get {index}", "f32.reinterpret_i32"]
        case NumType.F64:
            return [f"local.get {index}", "f64.reinterpret_i64"]
        case VecType.V128:
            return [f"local.get {index}", "i64x2.splat", f"local.get {index + 1}",
                    "i64x2.replace_lane 1"]
    return [f"local.get {index}"]


def _pack(t: ValType, local: int) -> list[str]:
    """Instructions pushing the carriers of the value held in ``local``."""
    match t:
        case NumType.F32:
            return [f"local.get {local}", "i32.reinterpret_f32"]
        case NumType.F64:
            return [f"local.get {local}", "i64.reinterpret_f64"]
        case VecType.V128:
            return [f"local.get {local}", "i64x2.extract_lane 0",
                    f"local.get {local}", "i64x2.extract_lane 1"]
    return [f"local.get {local}"]


def _encode(text: str) -> bytes:
    from refwasm.binary import encode_module
    from refwasm.text import parse_module

    return encode_module(parse_module(text, Features.for_version("2.0")))


def _results(results: Sequence[ValType], first_local: int) -> tuple[list[str], list[str]]:
    """Locals for the results and the code storing them then pushing their carriers."""
    locals_ = [type_text(t) for t in results]
    body = [f"local.set {first_local + i}" for i in reversed(range(len(results)))]
    for i, t in enumerate(results):
        body += _pack(t, first_local + i)
    return locals_, body


def _func_text(params: Sequence[str], results: Sequence[str], locals_: Sequence[str],
               body: Sequence[str]) -> str:
    param = f"(param {' '.join(params)})" if params else ""
    result = f"(result {' '.join(results)})" if results else ""
    local = f"(local {' '.join(locals_)})" if locals_ else ""
    return (f'(func (export "{TRAMPOLINE_EXPORT}") {param} {result} {local}\n'
            + "\n".join(body) + ")")


@lru_cache(maxsize=256)
def call_trampoline(functype: FuncType) -> bytes:
    """A module importing a function of ``functype`` and exporting ``call`` with carriers."""
    sig = _signature(functype)
    carrier_params = [c for t in functype.params for c in carriers(t)]
    body: list[str] = []
    index = 0
    for t in functype.params:
        body += _unpack(t, index)
        index += len(carriers(t))
    body.append("call $f")
    locals_, tail = _results(functype.results, len(carrier_params))
    body += tail
    carrier_results = [c for t in functype.results for c in carriers(t)]
    return _encode(
        f'(module (import "{TRAMPOLINE_MODULE}" "{TRAMPOLINE_ITEM}" (func $f {sig}))\n'
        + _func_text(carrier_params, carrier_results, locals_, body) + ")"
    )


@lru_cache(maxsize=64)
def global_trampoline(globaltype: GlobalType) -> bytes:
    """A module importing a global of ``globaltype`` and exporting ``call`` reading it."""
    t = type_text(globaltype.valtype)
    declared = f"(mut {t})" if globaltype.mut is Mut.VAR else t
    locals_, tail = _results([globaltype.valtype], 0)
    body = ["global.get $g", *tail]
    return _encode(
        f'(module (import "{TRAMPOLINE_MODULE}" "{TRAMPOLINE_ITEM}" (global $g {declared}))\n'
        + _func_text([], carriers(globaltype.valtype), locals_, body) + ")"
    )


def _signature(functype: FuncType) -> str:
    params = " ".join(type_text(t) for t in functype.params)
    results = " ".join(type_text(t) for t in functype.results)
    return (f"(param {params})" if params else "") + (f" (result {results})" if results else "")


class Exports:
    """What a foreign engine's adapter learns of a module from refwasm's decoder: its imports
    and the types of its exported functions and globals (host APIs cannot all report a
    ``v128`` type; wasmtime's C API aborts on one)."""

    def __init__(self, data: bytes, features: Features) -> None:
        from refwasm.embedding import module_decode, module_exports
        from refwasm.errors import WasmError
        from refwasm.syntax.modules import func_type_at, subtypes
        from refwasm.syntax.types import ExternFunc, ExternGlobal, TypeIdx

        self.imports: list[tuple[str, str]] = []
        self.funcs: dict[str, FuncType] = {}
        self.globals: dict[str, GlobalType] = {}
        try:
            module = module_decode(data, features)
        except WasmError:
            return
        self.imports = [(im.module, im.name) for im in module.imports]
        space = subtypes(module)
        for name, externtype in module_exports(module):
            if isinstance(externtype, ExternFunc) and isinstance(externtype.typeuse, TypeIdx):
                functype = func_type_at(space, externtype.typeuse.idx)
                if functype is not None:
                    self.funcs[name] = functype
            elif isinstance(externtype, ExternGlobal):
                self.globals[name] = externtype.globaltype
