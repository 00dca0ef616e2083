"""The surrounding agent: its associated store and the JS object caches, and the conversions
between WebAssembly values and JavaScript values (ToJSValue, ToWebAssemblyValue), Exported
Functions and host functions.

NaN and -0 (ToJSValue says "some NaN"; ToWebAssemblyValue picks an implementation-defined NaN):

- -0 and every other non-NaN value cross both ways exactly (an f32 widens exactly to a Number;
  a Number narrows to f32 rounding to nearest, ties to even).
- ToJSValue of an f64 NaN is the Number with the same bits.  ToJSValue of an f32 NaN is the
  Number with the same sign whose payload is the f32's payload shifted to the top of the f64
  payload, with the quiet bit set (what the float-to-double conversion of x86 and ARM does).
- ToWebAssemblyValue of a NaN Number keeps its sign and the top of its payload and sets the quiet
  bit, so that n >= canon as the spec requires (again what double-to-float conversion does).
  Drivers comparing engines therefore normalise every NaN to "NaN".

externref values are ``RefHostAddr`` addresses into the agent's host value cache (the 2.0 JS API);
a ``RefExtern`` coming from a 3.0 store is accepted by ToJSValue.

GC references (3.0): an i31 crosses as its signed Number; a struct or an array as its Exported
GC Object (``ExportedGCObject``, one per object, opaque to JavaScript); into Wasm a Number in
the i31 range becomes an i31 (also inside ``externref``, as ``ref.extern``), any other value a
host reference, and the final ``match_valtype`` step uses the core's canonical types.
"""

from __future__ import annotations

import inspect
import math
import struct
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from refwasm import embedding
from refwasm.errors import CALL_STACK_EXHAUSTED, ExceptionError, ExhaustionError, TrapError
from refwasm.execution.heap import close_reftype, ref_matches
from refwasm.execution.values import (
    Ref,
    RefArrayAddr,
    RefExtern,
    RefFuncAddr,
    RefHostAddr,
    RefI31Num,
    RefNullVal,
    RefStructAddr,
    Val,
)
from refwasm.features import DEFAULT_FEATURES, Features
from refwasm.jsapi.errors import (
    EXHAUSTED,
    RESULT_ARITY,
    RESULT_NOT_ITERABLE,
    TYPE_INCOMPATIBLE,
    V128_AT_BOUNDARY,
    JSError,
    JSRangeError,
    JSTypeError,
    RuntimeError,
)
from refwasm.jsapi.values import (
    UNDEFINED,
    BigInt,
    OpaqueObject,
    get,
    is_number,
    same_value_key,
    to_bigint64,
    to_int32,
    to_number,
)
from refwasm.numerics.integer import signed
from refwasm.syntax.deftypes import expand
from refwasm.syntax.types import (
    AbsHeapType,
    DefType,
    FuncType,
    NumType,
    RefType,
    ValType,
    VecType,
)
from refwasm.validation.context import Context
from refwasm.validation.types import heaptype_sub

if TYPE_CHECKING:
    from refwasm.jsapi.objects import Global, Memory, Table


@dataclass(eq=False)
class Agent:
    """A surrounding agent: the associated store, and the per-agent maps of "WebAssembly JS Object
    Caches" (at most one JS object per address)."""

    features: Features = DEFAULT_FEATURES
    store: embedding.Store = field(default_factory=embedding.store_init)
    memory_objects: dict[int, Memory] = field(default_factory=dict)
    table_objects: dict[int, Table] = field(default_factory=dict)
    global_objects: dict[int, Global] = field(default_factory=dict)
    exported_functions: dict[int, ExportedFunction] = field(default_factory=dict)
    gc_objects: dict[tuple[str, int], ExportedGCObject] = field(default_factory=dict)
    host_values: list[object] = field(default_factory=list)
    host_value_addrs: dict[object, int] = field(default_factory=dict)
    # "index of the host function": the index among the function imports it was created for.
    host_function_index: dict[int, int] = field(default_factory=dict)


class HostThrew(TrapError):
    """A host function threw: to the core this is a trap that unwinds; the JS API boundary that
    called into Wasm rethrows the original exception (the 2.0 semantics without exceptions)."""

    def __init__(self, exception: BaseException) -> None:
        super().__init__("host function threw")
        self.exception = exception


def js_exception_of(error: TrapError | ExhaustionError) -> BaseException:
    """The JavaScript exception a Wasm error becomes ("Error Condition Mappings to JavaScript"):
    a host's own exception passes through; a trap is a RuntimeError; exhaustion is a RangeError,
    the class V8 uses for stack overflow."""
    if isinstance(error, HostThrew):
        return error.exception
    if isinstance(error, ExhaustionError):
        msg = EXHAUSTED if error.message == CALL_STACK_EXHAUSTED else error.message
        return JSRangeError(msg)
    return RuntimeError(error.message)


# -- Numbers ----------------------------------------------------------------------------------

_F64_QUIET = 1 << 51
_F32_QUIET = 1 << 22
_F32_HALFWAY_TO_INF = 2.0**128 - 2.0**103  # ties-to-even rounds this and beyond to infinity


def f64_bits_to_number(bits: int) -> float:
    """𝔽 of an f64, bit for bit (NaN payloads included)."""
    return float(struct.unpack("<d", struct.pack("<Q", bits))[0])


def number_to_f64_bits(x: float) -> int:
    """The f64 of a Number; a NaN gets its quiet bit set (canon <= n)."""
    bits: int = struct.unpack("<Q", struct.pack("<d", x))[0]
    return bits | _F64_QUIET if math.isnan(x) else bits


def f32_bits_to_number(bits: int) -> float:
    """𝔽 of an f32: exact widening; a NaN keeps sign and payload and becomes quiet."""
    if (bits >> 23) & 0xFF == 0xFF and bits & 0x7FFFFF:
        sign = bits >> 31
        payload = (bits & 0x7FFFFF) | _F32_QUIET
        return f64_bits_to_number(sign << 63 | 0x7FF << 52 | payload << 29)
    return float(struct.unpack("<f", struct.pack("<I", bits))[0])


def number_to_f32_bits(x: float) -> int:
    """The f32 of a Number: rounded to nearest, ties to even; a NaN keeps sign and top payload."""
    if math.isnan(x):
        b64 = number_to_f64_bits(x)
        return (b64 >> 63) << 31 | 0x7F800000 | _F32_QUIET | ((b64 >> 29) & 0x7FFFFF)
    if abs(x) >= _F32_HALFWAY_TO_INF:
        x = math.copysign(math.inf, x)
    bits: int = struct.unpack("<I", struct.pack("<f", x))[0]
    return bits


# -- ToJSValue / ToWebAssemblyValue -----------------------------------------------------------


def is_boundary_excluded(t: ValType) -> bool:
    """Whether a type "matches v128 or exnref", which no JS value stands for."""
    return t is VecType.V128 or (
        isinstance(t, RefType) and t.heaptype in (AbsHeapType.EXN, AbsHeapType.NOEXN)
    )


def to_js_value(agent: Agent, w: Val, t: ValType) -> object:
    """ToJSValue (the value's type comes from validation: numbers are bare bit patterns here)."""
    if is_boundary_excluded(t):
        raise JSTypeError(V128_AT_BOUNDARY)
    match t:
        case NumType.I64:
            return BigInt(signed(64, int(w)))  # type: ignore[arg-type]
        case NumType.I32:
            return float(signed(32, int(w)))  # type: ignore[arg-type]
        case NumType.F32:
            return f32_bits_to_number(int(w))  # type: ignore[arg-type]
        case NumType.F64:
            return f64_bits_to_number(int(w))  # type: ignore[arg-type]
    return ref_to_js_value(agent, w)  # type: ignore[arg-type]


def ref_to_js_value(agent: Agent, w: Ref) -> object:
    """ToJSValue of a reference: an i31 is its signed Number, a struct or an array its
    Exported GC Object."""
    match w:
        case RefNullVal():
            return None
        case RefI31Num(u31):
            return float(signed(31, u31))
        case RefStructAddr(structaddr):
            return new_exported_gc_object(agent, structaddr, "struct")
        case RefArrayAddr(arrayaddr):
            return new_exported_gc_object(agent, arrayaddr, "array")
        case RefFuncAddr(funcaddr):
            return new_exported_function(agent, funcaddr)
        case RefHostAddr(hostaddr):
            return retrieve_host_value(agent, hostaddr)
        case RefExtern(ref):
            return ref_to_js_value(agent, ref)
    raise JSTypeError(TYPE_INCOMPATIBLE)


class ExportedGCObject(OpaqueObject):
    """An Exported GC Object: [[ObjectAddress]] and [[ObjectKind]] ("struct" or "array"), with
    the exotic internal methods of ``OpaqueObject`` (null prototype, no properties)."""

    __slots__ = ("_agent", "_address", "_kind")
    _agent: Agent
    _address: int
    _kind: str

    def __init__(self, agent: Agent, address: int, kind: str) -> None:
        object.__setattr__(self, "_agent", agent)
        object.__setattr__(self, "_address", address)
        object.__setattr__(self, "_kind", kind)

    def __repr__(self) -> str:
        return f"<Exported GC Object {self._kind} @{self._address}>"


def new_exported_gc_object(agent: Agent, objectaddr: int, objectkind: str) -> ExportedGCObject:
    """a new Exported GC Object (at most one per address and kind: the exported GC object
    cache; struct and array addresses are separate spaces in refwasm's store)."""
    key = (objectkind, objectaddr)
    cached = agent.gc_objects.get(key)
    if cached is None:
        cached = ExportedGCObject(agent, objectaddr, objectkind)
        agent.gc_objects[key] = cached
    return cached


def retrieve_host_value(agent: Agent, hostaddr: int) -> object:
    """retrieving a host value"""
    if not 0 <= hostaddr < len(agent.host_values):
        # An address no JS value was stored at (a host reference made by a store's other user).
        raise JSTypeError(TYPE_INCOMPATIBLE)
    return agent.host_values[hostaddr]


def host_address_of(agent: Agent, v: object) -> int:
    """ToWebAssemblyValue's host value cache step: the address of ``v``, allocated on first use."""
    key = same_value_key(v)
    addr = agent.host_value_addrs.get(key)
    if addr is None:
        addr = len(agent.host_values)
        agent.host_values.append(v)
        agent.host_value_addrs[key] = addr
    return addr


def to_webassembly_value(
    agent: Agent, v: object, t: ValType, deftypes: tuple[DefType, ...] = ()
) -> Val:
    """ToWebAssemblyValue (``deftypes``: the type index space a type index in ``t`` refers to,
    the defining module's; a closed type needs none)."""
    if is_boundary_excluded(t):
        raise JSTypeError(V128_AT_BOUNDARY)
    match t:
        case NumType.I64:
            return to_bigint64(v) % (1 << 64)
        case NumType.I32:
            return to_int32(v) % (1 << 32)
        case NumType.F32:
            return number_to_f32_bits(to_number(v))
        case NumType.F64:
            return number_to_f64_bits(to_number(v))
        case RefType():
            return to_webassembly_ref(agent, v, close_reftype(t, deftypes))
    raise JSTypeError(TYPE_INCOMPATIBLE)


_ANY = RefType(False, AbsHeapType.ANY)
_CTX = Context()  # closed heap types need no context to compare
_I31_MIN, _I31_END = -(1 << 30), 1 << 30


def to_webassembly_ref(agent: Agent, v: object, t: RefType) -> Ref:
    """ToWebAssemblyValue for ``ref null? heaptype`` (closed): null; for the extern hierarchy
    ``ref.extern`` of the value converted to ``(ref any)``; an Exported Function for the func
    hierarchy; a Number in the i31 range an i31; an Exported GC Object its struct or array;
    anything else a host value.  Then the final step: "if match_valtype(ref_type(r), type) is
    false, throw a TypeError" (``heap.ref_matches``: the core's rule, canonical types).

    An agent without GC (2.0) knows no i31 or GC object: everything else is a host value."""
    if v is None:
        r: Ref = RefNullVal(t.heaptype)
    elif heaptype_sub(_CTX, t.heaptype, AbsHeapType.EXTERN):
        r = extern_of(to_internal_ref(agent, v, _ANY))
    else:
        r = to_internal_ref(agent, v, t)
    if not ref_matches(agent.store, r, t):
        raise JSTypeError(TYPE_INCOMPATIBLE)
    return r


def extern_of(r: Ref) -> Ref:
    """``ref.extern r``: a host reference stands for itself in refwasm (``heap.ref_matches``),
    any other reference is wrapped (``extern.convert_any``)."""
    return r if isinstance(r, RefHostAddr) else RefExtern(r)


def to_internal_ref(agent: Agent, v: object, t: RefType) -> Ref:
    """ToWebAssemblyValue's choice of a non-null reference for ``v`` (before the final step)."""
    if isinstance(v, ExportedFunction) and v.agent is agent and heaptype_sub(
        _CTX, t.heaptype, AbsHeapType.FUNC
    ):
        return RefFuncAddr(v.funcaddr)
    if agent.features.gc:
        if is_number(v) and _fits_i31(v):
            return RefI31Num(to_int32(v) % (1 << 31))
        if isinstance(v, ExportedGCObject) and v._agent is agent:
            if v._kind == "array":
                return RefArrayAddr(v._address)
            return RefStructAddr(v._address)
    return RefHostAddr(host_address_of(agent, v))


def _fits_i31(v: object) -> bool:
    """"v is equal to ToInt32(v) and -2^30 <= R(v) < 2^30" (-0 equals 0)."""
    x = to_number(v)
    return not (math.isnan(x) or math.isinf(x)) and x == to_int32(x) and _I31_MIN <= x < _I31_END


def closed_functype(agent: Agent, funcaddr: int) -> FuncType:
    """The function's type with every type index replaced by its defined type (``$expanddt``
    of the function's defined type): what ToWebAssemblyValue needs for typed references."""
    inst = agent.store.funcs[funcaddr]
    if inst.deftype is not None:
        ct = expand(inst.deftype)
        if isinstance(ct, FuncType):
            return ct
    return inst.type


# -- Exported Functions -----------------------------------------------------------------------


class ExportedFunction:
    """An Exported Function: a built-in function object with a [[FunctionAddress]]."""

    __slots__ = ("agent", "funcaddr", "name", "length")

    def __init__(self, agent: Agent, funcaddr: int, name: str, length: int) -> None:
        self.agent = agent
        self.funcaddr = funcaddr
        self.name = name
        self.length = length

    def __call__(self, *args: object) -> object:
        """[[Call]]: call an Exported Function."""
        return call_exported_function(self.agent, self.funcaddr, args)

    def __repr__(self) -> str:
        return f"<Exported Function {self.name} @{self.funcaddr}>"


def name_of_webassembly_function(agent: Agent, funcaddr: int) -> str:
    """name of the WebAssembly function: the index of the host function, or the index in its
    module instance's funcaddrs."""
    index = agent.host_function_index.get(funcaddr)
    if index is None:
        index = defining_index(agent, funcaddr)
    return str(index)


def defining_index(agent: Agent, funcaddr: int) -> int:
    """The index of a Wasm function's address in its own module instance's function addresses."""
    funcinst = agent.store.funcs[funcaddr]
    module = getattr(funcinst, "module", None)
    if module is None:
        return 0  # a host function not created by this agent's "read the imports"
    return int(module.funcaddrs.index(funcaddr))


def new_exported_function(agent: Agent, funcaddr: int) -> ExportedFunction:
    """a new Exported Function (at most one per address: the Exported Function cache)."""
    cached = agent.exported_functions.get(funcaddr)
    if cached is not None:
        return cached
    functype = embedding.func_type(agent.store, funcaddr)
    name = name_of_webassembly_function(agent, funcaddr)
    function = ExportedFunction(agent, funcaddr, name, len(functype.params))
    agent.exported_functions[funcaddr] = function
    return function


def call_exported_function(agent: Agent, funcaddr: int, arg_values: Sequence[object]) -> object:
    """call an Exported Function"""
    embedding.func_type(agent.store, funcaddr)  # an address the store lacks: embedder error
    functype = closed_functype(agent, funcaddr)
    if any(is_boundary_excluded(t) for t in functype.params + functype.results):
        raise JSTypeError(V128_AT_BOUNDARY)
    args: list[Val] = []
    for i, t in enumerate(functype.params):
        arg = arg_values[i] if len(arg_values) > i else UNDEFINED
        args.append(to_webassembly_value(agent, arg, t))
    try:
        ret = embedding.func_invoke(agent.store, funcaddr, args)
    except (TrapError, ExhaustionError) as error:
        raise js_exception_of(error) from None
    except ExceptionError as error:  # 3.0: its payload or its WebAssembly.Exception
        from refwasm.jsapi.exceptions import thrown_to_js

        raise thrown_to_js(agent, error) from None
    if not ret:
        return UNDEFINED
    values = [to_js_value(agent, r, t) for r, t in zip(ret, functype.results, strict=True)]
    return values[0] if len(values) == 1 else values


# -- Host functions ---------------------------------------------------------------------------


def run_host_function(
    agent: Agent, call: Callable[[list[object]], object], functype: FuncType, arguments: list[Val]
) -> list[Val]:
    """run a host function (``call``: the function called as JavaScript calls, ``js_call``)"""
    parameters, results = functype.params, functype.results
    if any(is_boundary_excluded(t) for t in parameters + results):
        raise JSTypeError(V128_AT_BOUNDARY)
    js_arguments = [to_js_value(agent, a, t) for a, t in zip(arguments, parameters, strict=True)]
    ret = call(js_arguments)
    if len(results) == 0:
        return []
    if len(results) == 1:
        return [to_webassembly_value(agent, ret, results[0])]
    values = iterate_to_list(ret)
    if len(values) != len(results):
        raise JSTypeError(RESULT_ARITY.format(expected=len(results), got=len(values)))
    return [to_webassembly_value(agent, v, t) for v, t in zip(values, results, strict=True)]


def js_call(func: Callable[..., object]) -> Callable[[list[object]], object]:
    """``func`` called as JavaScript calls a function: arguments beyond its parameters are
    dropped, and a parameter without an argument (or a default) gets ``undefined``, so that a
    Python host function need not declare every parameter of its Wasm type."""
    try:
        parameters = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):  # no signature to be had (some builtins): pass them all
        return lambda arguments: func(*arguments)
    if any(p.kind is inspect.Parameter.VAR_POSITIONAL for p in parameters):
        return lambda arguments: func(*arguments)
    positional = [p for p in parameters if p.kind in _POSITIONAL]
    required = sum(1 for p in positional if p.default is inspect.Parameter.empty)

    def call(arguments: list[object]) -> object:
        given = arguments[:len(positional)]
        return func(*given, *[UNDEFINED] * (required - len(given)))

    return call


_POSITIONAL = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)


def iterate_to_list(ret: object) -> list[object]:
    """GetMethod(ret, @@iterator) then IteratorToList; no iterator method is a TypeError.

    Strings are iterable in JS too; mappings are plain objects (not iterable)."""
    if isinstance(ret, (list, tuple, str)):
        return list(ret)
    iterator = get(ret, "__iter__") if not isinstance(ret, dict) else UNDEFINED
    if not callable(iterator):
        raise JSTypeError(RESULT_NOT_ITERABLE)
    values: list[object] = list(ret)  # type: ignore[call-overload]
    return values


def thrown_into_wasm(agent: Agent, thrown: BaseException) -> BaseException:
    """A host function's throw as Wasm sees it (``refwasm.jsapi.exceptions.thrown_to_wasm``)."""
    from refwasm.jsapi.exceptions import thrown_to_wasm

    return thrown_to_wasm(agent, thrown)


def create_host_function(
    agent: Agent, func: Callable[..., object], functype: FuncType, deftype: DefType | None = None
) -> int:
    """create a host function: a throw becomes a trap carrying the exception (``HostThrew``).

    ``deftype``: the import's defined type (3.0), so that the function matches the import
    canonically (``heap.import_matches``) and its typed references are closed."""
    if deftype is not None and isinstance(expand(deftype), FuncType):
        functype = expand(deftype)  # type: ignore[assignment]
    call = js_call(func)

    def hostfunc(arguments: list[Val]) -> list[Val]:
        try:
            return run_host_function(agent, call, functype, arguments)
        except (HostThrew, ExceptionError):
            raise  # an inner host function's exception, or a Wasm one, unwinding through this one
        except (TrapError, ExhaustionError) as error:
            # Wasm trapped in a nested call that reached here without the JS boundary's mapping.
            raise HostThrew(js_exception_of(error)) from None
        except JSError as error:
            raise thrown_into_wasm(agent, error) from None
        except RecursionError:
            raise ExhaustionError(CALL_STACK_EXHAUSTED) from None
        except Exception as error:  # any other exception is thrown on, unchanged, like JS's
            raise thrown_into_wasm(agent, error) from None

    funcaddr = embedding.func_alloc(agent.store, functype, hostfunc)
    agent.store.funcs[funcaddr].deftype = deftype
    return funcaddr
