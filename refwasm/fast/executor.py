"""The fast path's executor: compiles functions lazily, links them, and runs them.

``FastExecutor`` is the ``Executor`` that ``store_init(engine="fast")`` puts in a store.  Fast
code runs on the store's own ``MemInst``/``TableInst``/``GlobalInst`` objects, so imports,
exports, host functions and the embedding interface see one store whichever engine runs it.

Each module instance gets a Python namespace per *variant* (with or without fuel checks)
holding its memories (``M<x>``, the ``bytearray`` itself), tables (``T<x>``, the element list),
globals (``G<x>``), segments (``E<x>``, ``D<x>``) and functions (``F<x>``).  A function starts as
a stub; its first call translates it (``translate.py``), compiles the source once and rebinds
``F<x>`` everywhere it is linked.  A function the translator cannot take runs on the reference
interpreter through a wrapper with the same calling convention, as do host functions.

Calling convention: ``F<x>(d, *args)`` where ``d`` is the call depth still allowed and the
arguments and results are registers (``ops.py``: f32/f64 as Python floats); one result is
returned as is, several as a tuple, none as ``None``.  Values cross into and out of fast code
(``invoke``, host functions, the reference) as exact bit patterns.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from typing import Any

from refwasm import errors
from refwasm.errors import (
    CALL_STACK_EXHAUSTED,
    FUEL_EXHAUSTED,
    INDIRECT_CALL_TYPE_MISMATCH,
    NULL_FUNCTION_REFERENCE,
    UNDEFINED_ELEMENT,
    UNINITIALIZED_ELEMENT,
    ExhaustionError,
    TrapError,
)
from refwasm.execution.heap import func_deftype
from refwasm.execution.instructions import Machine, invoke, run
from refwasm.execution.runtime import (
    EmbedderError,
    HostFuncInst,
    ModuleInst,
    Store,
    WasmFuncInst,
    charge_frame,
    value_in_store,
)
from refwasm.execution.values import Ref, RefFuncAddr, RefNullVal, Val
from refwasm.fast import ops
from refwasm.fast.flat import FlatTranslator
from refwasm.fast.translate import TooDeep, Translator, Untranslatable
from refwasm.syntax.types import DefType, FuncType, NumType, ValType
from refwasm.validation.types import deftype_sub

FastFn = Callable[..., Any]


# The values whose register differs from their bits (``ops.py``): f32 and f64 are floats.
TO_REGISTER: dict[ValType, Callable[[Any], Any]] = {
    NumType.F32: ops.f32_of_bits,
    NumType.F64: ops.f64_of_bits,
}
TO_BITS: dict[ValType, Callable[[Any], Any]] = {
    NumType.F32: ops.bits_of_f32,
    NumType.F64: ops.bits_of_f64,
}


def convert(
    values: list[Any], types: tuple[ValType, ...], how: dict[ValType, Callable[[Any], Any]]
) -> list[Any]:
    """``values`` of ``types`` into registers (``TO_REGISTER``) or bits (``TO_BITS``)."""
    out = list(values)
    for k, t in enumerate(types):
        fn = how.get(t)
        if fn is not None:
            out[k] = fn(out[k])
    return out


def results_of(r: Any, n: int) -> list[Any]:
    """The results of a fast call as a list."""
    if n == 0:
        return []
    if n == 1:
        return [r]
    return list(r)


def packed(results: list[Any]) -> Any:
    """Results in the fast calling convention."""
    if not results:
        return None
    if len(results) == 1:
        return results[0]
    return tuple(results)


def call_stack_exhausted() -> None:
    raise ExhaustionError(CALL_STACK_EXHAUSTED)


def fuel_exhausted() -> None:
    raise ExhaustionError(FUEL_EXHAUSTED)


def trap_unreachable() -> None:
    raise TrapError(errors.UNREACHABLE)


BASE_NAMESPACE: dict[str, Any] = {
    **{"_" + name: value for name, value in ops.HELPERS.items()},
    "_MEMORY_ERRORS": ops.MEMORY_ERRORS,
    "_TrapError": TrapError,
    "_OUT_OF_BOUNDS_MEMORY_ACCESS": errors.OUT_OF_BOUNDS_MEMORY_ACCESS,
    "_INTEGER_DIVIDE_BY_ZERO": errors.INTEGER_DIVIDE_BY_ZERO,
    "_RefNullVal": RefNullVal,
    "_fabs": math.fabs,
    "_copysign": math.copysign,
    "_call_stack_exhausted": call_stack_exhausted,
    "_fuel_exhausted": fuel_exhausted,
    "_trap_unreachable": trap_unreachable,
    "_charge_frame": charge_frame,
}


class Variant:
    """The compiled code of one store, with fuel checks or without."""

    def __init__(self, store: Store, fueled: bool, fuel: list[int], flat: bool = False) -> None:
        self.store = store
        self.flat = flat
        self.fueled = fueled
        self.fuel = fuel
        self.fns: dict[int, FastFn] = {}
        self.bindings: dict[int, list[tuple[dict[str, Any], str]]] = {}
        # id(moduleinst) -> (its namespace, {funcaddr: index of a function it defines})
        self.namespaces: dict[int, tuple[dict[str, Any], dict[int, int], ModuleInst]] = {}
        self.fallbacks: dict[int, str] = {}  # funcaddr -> why it runs on the reference

    # -- Callables ----------------------------------------------------------------------------

    def callable(self, addr: int) -> FastFn:
        """The current callable of a function address (a stub until first called)."""
        fn = self.fns.get(addr)
        if fn is None:
            f = self.store.funcs[addr]
            fn = self.host_wrapper(f) if isinstance(f, HostFuncInst) else self.stub(addr)
            self.fns[addr] = fn
        return fn

    def stub(self, addr: int) -> FastFn:
        def stub(*args: Any) -> Any:
            return self.compile(addr)(*args)

        return stub

    def rebind(self, addr: int, fn: FastFn) -> None:
        self.fns[addr] = fn
        for ns, name in self.bindings.get(addr, ()):
            ns[name] = fn

    def compile(self, addr: int) -> FastFn:
        """Translate and compile a function on its first call (or wrap it for the reference)."""
        f = self.store.funcs[addr]
        if not isinstance(f, WasmFuncInst):
            return self.callable(addr)
        ns, own, _ = self.namespace(f.module)
        x = own[addr]
        consts: dict[str, Any] = {}
        try:
            try:
                if self.flat:
                    raise TooDeep("the flat form was asked for")
                source = Translator(self.store, f, x, self.fueled, consts).source()
            except TooDeep:
                consts.clear()
                source = FlatTranslator(self.store, f, x, self.fueled, consts).source()
            code = compile(source, f"<wasm function {addr}>", "exec")
        except (Untranslatable, RecursionError, SyntaxError, MemoryError) as e:
            self.fallbacks[addr] = f"{type(e).__name__}: {e}"
            fn = self.reference_wrapper(addr)
        else:
            ns.update(consts)
            exec(code, ns)
            fn = ns[f"F{x}"]
        self.rebind(addr, fn)
        return fn

    def host_wrapper(self, f: HostFuncInst) -> FastFn:
        """exec-invoke-host from fast code: bits in and out, results checked as the reference
        checks them; nested invocations get the remaining call depth."""
        store, ft = self.store, f.type

        def host(d: int, *args: Any) -> Any:
            saved = store.max_call_depth
            store.max_call_depth = d
            try:
                results = list(f.hostcode(convert(list(args), ft.params, TO_BITS)))
            except RecursionError:
                raise ExhaustionError(CALL_STACK_EXHAUSTED) from None
            finally:
                store.max_call_depth = saved
            if len(results) != len(ft.results) or not all(
                value_in_store(store, v, t) for v, t in zip(results, ft.results, strict=True)
            ):
                raise EmbedderError(f"host function results {results!r} do not fit {ft}")
            return packed(convert(results, ft.results, TO_REGISTER))

        return host

    def reference_wrapper(self, addr: int) -> FastFn:
        """Run a function the translator does not take on the reference interpreter."""
        store, fuel, fueled = self.store, self.fuel, self.fueled
        ft = store.funcs[addr].type

        def on_reference(d: int, *args: Any) -> Any:
            m = Machine(store, depth_limit=d, fuel=fuel[0] if fueled else None)
            m.stack.extend(convert(list(args), ft.params, TO_BITS))
            try:
                invoke(m, addr)
                run(m)
            finally:
                if fueled and m.fuel is not None:
                    fuel[0] = m.fuel
            return packed(convert(m.stack, ft.results, TO_REGISTER))

        return on_reference

    # -- Namespaces -----------------------------------------------------------------------------

    def namespace(self, inst: ModuleInst) -> tuple[dict[str, Any], dict[int, int], ModuleInst]:
        """The names a module instance's generated code reads, made on first use."""
        entry = self.namespaces.get(id(inst))
        if entry is not None:
            return entry
        store = self.store
        ns: dict[str, Any] = dict(BASE_NAMESPACE)
        ns["STORE"] = store
        ns["_fu"] = self.fuel
        ns["_call_indirect"] = self.indirect_callee
        ns["_ref_callee"] = self.ref_callee
        for x, a in enumerate(inst.memaddrs):
            ns[f"MI{x}"] = store.mems[a]
            ns[f"M{x}"] = store.mems[a].data
        for x, a in enumerate(inst.tableaddrs):
            ns[f"TI{x}"] = store.tables[a]
            ns[f"T{x}"] = store.tables[a].elem
        for x, a in enumerate(inst.globaladdrs):
            ns[f"G{x}"] = store.globals[a]
        for x, a in enumerate(inst.elemaddrs):
            ns[f"E{x}"] = store.elems[a]
        for x, a in enumerate(inst.dataaddrs):
            ns[f"D{x}"] = store.datas[a]
        own: dict[int, int] = {}
        for x, a in enumerate(inst.funcaddrs):
            ns[f"F{x}"] = self.callable(a)
            self.bindings.setdefault(a, []).append((ns, f"F{x}"))
            f = store.funcs[a]
            if isinstance(f, WasmFuncInst) and f.module is inst:
                own[a] = x
        entry = (ns, own, inst)  # the instance is kept alive while its id is a key
        self.namespaces[id(inst)] = entry
        return entry

    def indirect_callee(self, elem: list[Ref], i: int, ft: FuncType | DefType) -> FastFn:
        """exec-call_indirect's checks: the callee of table element ``i`` if its type is ``ft``
        (a defined type in 3.0: matched by ``Deftype_sub``)."""
        if i >= len(elem):
            raise TrapError(f"{UNDEFINED_ELEMENT} {i}")
        r = elem[i]
        if r.__class__ is not RefFuncAddr:
            raise TrapError(f"{UNINITIALIZED_ELEMENT} {i}")
        a = r.addr
        f = self.store.funcs[a]
        if isinstance(ft, DefType):
            if f.deftype is not ft and not deftype_sub(func_deftype(f), ft):
                raise TrapError(INDIRECT_CALL_TYPE_MISMATCH)
        elif f.type is not ft and f.type != ft:
            raise TrapError(INDIRECT_CALL_TYPE_MISMATCH)
        fn = self.fns.get(a)
        return fn if fn is not None else self.callable(a)


    def ref_callee(self, r: Ref) -> FastFn:
        """Step_read/call_ref's check: the callee of a function reference; trap on null."""
        if r.__class__ is not RefFuncAddr:
            raise TrapError(NULL_FUNCTION_REFERENCE)
        fn = self.fns.get(r.addr)
        return fn if fn is not None else self.callable(r.addr)


class FastExecutor:
    """The fast engine of one store (``refwasm.execution.runtime.Executor``)."""

    def __init__(self, *, flat: bool = False) -> None:
        """``flat`` translates every function in the flat form (for testing that form)."""
        self.fuel = [0]
        self.flat = flat
        self.variants: dict[bool, Variant] = {}

    def variant(self, store: Store, fueled: bool) -> Variant:
        v = self.variants.get(fueled)
        if v is None:
            v = self.variants[fueled] = Variant(store, fueled, self.fuel, self.flat)
        return v

    def fallbacks(self) -> dict[int, str]:
        """Functions that run on the reference, and why (for tests and docs)."""
        out: dict[int, str] = {}
        for v in self.variants.values():
            out.update(v.fallbacks)
        return out

    def invoke(self, store: Store, funcaddr: int, args: list[Val], fuel: int | None) -> list[Val]:
        """exec-invocation on the fast engine; arguments were checked by the caller."""
        fueled = fuel is not None
        fn = self.variant(store, fueled).callable(funcaddr)
        ft = store.funcs[funcaddr].type
        regs = convert(args, ft.params, TO_REGISTER)
        saved, frames = self.fuel[0], store.frames_in_use
        if fuel is not None:
            self.fuel[0] = fuel
        # Each Wasm frame is one Python frame (pure Python calls use no C stack in 3.11).
        limit = store.max_call_depth + 2_000
        if sys.getrecursionlimit() < limit:
            sys.setrecursionlimit(limit)
        try:
            r = fn(store.max_call_depth, *regs)
        except RecursionError:
            raise ExhaustionError(CALL_STACK_EXHAUSTED) from None
        finally:
            if fueled:
                self.fuel[0] = saved
            store.frames_in_use = frames  # what frames an exception unwound still held
        return convert(results_of(r, len(ft.results)), ft.results, TO_BITS)
