"""The embedding interface (2.0 appendix ``embedding``): what an embedder may do with modules,
instances and the store.  Names follow the appendix; the store is mutated in place and the
appendix's "error" results raise ``EmbedderError``.  Wasm outcomes raise refwasm's errors:
MalformedError, InvalidError, UnlinkableError, TrapError, ExhaustionError.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from refwasm.errors import crash
from refwasm.execution import modules as exec_modules
from refwasm.execution.runtime import (
    DEFAULT_MAX_CALL_DEPTH,
    DEFAULT_MEMORY_BUDGET,
    EmbedderError,
    ExnInst,
    ModuleInst,
    Store,
    alloc_global,
    alloc_hostfunc,
    alloc_mem,
    alloc_table,
    alloc_tag,
    grow_mem,
    grow_table,
    value_in_store,
)
from refwasm.execution.values import ExternVal, Ref, Val
from refwasm.features import DEFAULT_FEATURES, Features
from refwasm.syntax.modules import ExternKind, Module
from refwasm.syntax.types import (
    PAGE_SIZE,
    ExternFunc,
    ExternGlobal,
    ExternMem,
    ExternTable,
    ExternTag,
    ExternType,
    FuncType,
    GlobalType,
    MemType,
    Mut,
    TableType,
    TypeIdx,
    ValType,
)

__all__ = [
    "EmbedderError",
    "Store",
    "ModuleInst",
    "store_init",
    "module_decode",
    "module_parse",
    "module_validate",
    "module_instantiate",
    "module_imports",
    "module_exports",
    "instance_export",
    "func_alloc",
    "func_type",
    "func_invoke",
    "table_alloc",
    "table_type",
    "table_read",
    "table_write",
    "table_size",
    "table_grow",
    "mem_alloc",
    "mem_type",
    "mem_read",
    "mem_write",
    "mem_size",
    "mem_grow",
    "global_alloc",
    "global_type",
    "global_read",
    "global_write",
]


# -- Store ------------------------------------------------------------------------------------


ENGINES = ("reference", "fast")


def store_init(
    *,
    max_call_depth: int = DEFAULT_MAX_CALL_DEPTH,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
    engine: str = "reference",
) -> Store:
    """embed-store-init: an empty store with refwasm's resource bounds.

    ``engine`` chooses what runs the store's Wasm code: ``"reference"`` (the interpreter that
    mirrors the spec rule by rule) or ``"fast"`` (``refwasm.fast``, which compiles each function
    to Python on its first call).  This is the one place the choice is made.
    """
    store = Store(max_call_depth=max_call_depth, memory_budget=memory_budget)
    if engine == "fast":
        from refwasm.fast import FastExecutor

        store.executor = FastExecutor()
    elif engine != "reference":
        raise EmbedderError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")
    return store


# -- Modules ----------------------------------------------------------------------------------


def module_decode(data: bytes, features: Features = DEFAULT_FEATURES) -> Module:
    """embed-module-decode"""
    from refwasm.binary import decode_module

    module: Module = decode_module(data, features)
    return module


def module_parse(text: str, features: Features = DEFAULT_FEATURES) -> Module:
    """embed-module-parse"""
    from refwasm.text import parse_module

    module: Module = parse_module(text, features)
    return module


def module_validate(module: Module, features: Features = DEFAULT_FEATURES) -> None:
    """embed-module-validate"""
    from refwasm.validation import validate_module

    validate_module(module, features)


def module_instantiate(
    store: Store,
    module: Module,
    externvals: Sequence[ExternVal],
    features: Features = DEFAULT_FEATURES,
    *,
    fuel: int | None = None,
) -> ModuleInst:
    """embed-module-instantiate"""
    return exec_modules.instantiate(store, module, externvals, features, fuel=fuel)


def module_imports(module: Module) -> list[tuple[str, str, ExternType]]:
    """embed-module-imports"""
    return [(imp.module, imp.name, imp.desc) for imp in module.imports]


def module_exports(module: Module) -> list[tuple[str, ExternType]]:
    """embed-module-exports: each export's name and the external type of what it exports."""
    funcs = [imp.desc.typeuse for imp in module.imports if isinstance(imp.desc, ExternFunc)]
    funcs += [TypeIdx(f.typeidx) for f in module.funcs]
    tables = [imp.desc for imp in module.imports if isinstance(imp.desc, ExternTable)]
    tables += [ExternTable(t.tabletype) for t in module.tables]
    mems = [imp.desc for imp in module.imports if isinstance(imp.desc, ExternMem)]
    mems += [ExternMem(m.memtype) for m in module.mems]
    globs = [imp.desc for imp in module.imports if isinstance(imp.desc, ExternGlobal)]
    globs += [ExternGlobal(g.globaltype) for g in module.globals]
    tags = [imp.desc for imp in module.imports if isinstance(imp.desc, ExternTag)]
    tags += [ExternTag(t.tagtype) for t in module.tags]
    result: list[tuple[str, ExternType]] = []
    for ex in module.exports:
        kind, i = ex.desc.kind, ex.desc.index
        if kind is ExternKind.FUNC:
            result.append((ex.name, ExternFunc(funcs[i])))
        elif kind is ExternKind.TABLE:
            result.append((ex.name, tables[i]))
        elif kind is ExternKind.MEM:
            result.append((ex.name, mems[i]))
        elif kind is ExternKind.GLOBAL:
            result.append((ex.name, globs[i]))
        elif kind is ExternKind.TAG:
            result.append((ex.name, tags[i]))
        else:
            crash(f"export kind {kind} is not supported by the 2.0 embedding")
    return result


# -- Module instances -------------------------------------------------------------------------


def instance_export(inst: ModuleInst, name: str) -> ExternVal:
    """embed-instance-export"""
    if name not in inst.exports:
        raise EmbedderError(f"unknown export {name!r}")
    return inst.exports[name]


# -- Functions --------------------------------------------------------------------------------


def func_alloc(store: Store, functype: FuncType, hostfunc: Callable[[list[Val]], list[Val]]) -> int:
    """embed-func-alloc: a host function; it may raise TrapError or ExhaustionError."""
    return alloc_hostfunc(store, functype, hostfunc)


def func_type(store: Store, funcaddr: int) -> FuncType:
    """embed-func-type"""
    return store.funcs[check_addr(funcaddr, len(store.funcs), "function")].type


def func_invoke(
    store: Store, funcaddr: int, args: Sequence[Val], *, fuel: int | None = None
) -> list[Val]:
    """embed-func-invoke"""
    return exec_modules.invoke_func(store, funcaddr, args, fuel=fuel)


# -- Tables -----------------------------------------------------------------------------------


def table_alloc(store: Store, tabletype: TableType, ref: Ref) -> int:
    """embed-table-alloc"""
    check_value(store, ref, tabletype.reftype)
    return alloc_table(store, tabletype, ref)


def table_type(store: Store, a: int) -> TableType:
    """embed-table-type"""
    return store.tables[check_addr(a, len(store.tables), "table")].type


def table_read(store: Store, a: int, i: int) -> Ref:
    """embed-table-read"""
    elem = store.tables[check_addr(a, len(store.tables), "table")].elem
    return elem[check_addr(i, len(elem), "table element")]


def table_write(store: Store, a: int, i: int, ref: Ref) -> None:
    """embed-table-write"""
    table = store.tables[check_addr(a, len(store.tables), "table")]
    check_value(store, ref, table.type.reftype)
    table.elem[check_addr(i, len(table.elem), "table element")] = ref


def table_size(store: Store, a: int) -> int:
    """embed-table-size"""
    return len(store.tables[check_addr(a, len(store.tables), "table")].elem)


def table_grow(store: Store, a: int, n: int, ref: Ref) -> None:
    """embed-table-grow"""
    table = store.tables[check_addr(a, len(store.tables), "table")]
    check_value(store, ref, table.type.reftype)
    if n < 0 or not grow_table(store, table, n, ref):
        raise EmbedderError("table grow failed")


# -- Memories ---------------------------------------------------------------------------------


def mem_alloc(store: Store, memtype: MemType) -> int:
    """embed-mem-alloc"""
    return alloc_mem(store, memtype)


def mem_type(store: Store, a: int) -> MemType:
    """embed-mem-type"""
    return store.mems[check_addr(a, len(store.mems), "memory")].type


def mem_read(store: Store, a: int, i: int) -> int:
    """embed-mem-read"""
    data = store.mems[check_addr(a, len(store.mems), "memory")].data
    return data[check_addr(i, len(data), "memory byte")]


def mem_write(store: Store, a: int, i: int, byte: int) -> None:
    """embed-mem-write"""
    data = store.mems[check_addr(a, len(store.mems), "memory")].data
    if not 0 <= byte < 256:
        raise EmbedderError(f"not a byte: {byte}")
    data[check_addr(i, len(data), "memory byte")] = byte


def mem_size(store: Store, a: int) -> int:
    """embed-mem-size: the size in pages."""
    return len(store.mems[check_addr(a, len(store.mems), "memory")].data) // PAGE_SIZE


def mem_grow(store: Store, a: int, n: int) -> None:
    """embed-mem-grow"""
    mem = store.mems[check_addr(a, len(store.mems), "memory")]
    if n < 0 or not grow_mem(store, mem, n):
        raise EmbedderError("memory grow failed")


# -- Globals ----------------------------------------------------------------------------------


def global_alloc(store: Store, globaltype: GlobalType, val: Val) -> int:
    """embed-global-alloc"""
    check_value(store, val, globaltype.valtype)
    return alloc_global(store, globaltype, val)


def global_type(store: Store, a: int) -> GlobalType:
    """embed-global-type"""
    return store.globals[check_addr(a, len(store.globals), "global")].type


def global_read(store: Store, a: int) -> Val:
    """embed-global-read"""
    return store.globals[check_addr(a, len(store.globals), "global")].value


def global_write(store: Store, a: int, val: Val) -> None:
    """embed-global-write: only mutable globals, and only with a value of their type."""
    glob = store.globals[check_addr(a, len(store.globals), "global")]
    if glob.type.mut is not Mut.VAR:
        raise EmbedderError("global is immutable")
    check_value(store, val, glob.type.valtype)
    glob.value = val


# -- Tags and exceptions (3.0) ----------------------------------------------------------------


def tag_alloc(store: Store, functype: FuncType) -> int:
    """embed-tag (``tag_alloc``): a tag of a function type without results."""
    if functype.results:
        raise EmbedderError(f"a tag type has no results: {functype}")
    return alloc_tag(store, functype)


def tag_type(store: Store, a: int) -> FuncType:
    """embed-tag-type"""
    return store.tags[check_addr(a, len(store.tags), "tag")].type


def exn_alloc(store: Store, tagaddr: int, fields: Sequence[Val]) -> ExnInst:
    """embed-exn-alloc: an exception of the tag with these values (its address is the
    instance itself, see ``RefExnAddr``)."""
    params = tag_type(store, tagaddr).params
    if len(fields) != len(params):
        raise EmbedderError(f"expected {len(params)} values, got {len(fields)}")
    for val, t in zip(fields, params, strict=True):
        check_value(store, val, t)
    return ExnInst(tagaddr, tuple(fields))


def exn_tag(store: Store, exn: ExnInst) -> int:
    """embed-exn-tag"""
    return exn.tag


def exn_read(store: Store, exn: ExnInst) -> list[Val]:
    """embed-exn-read"""
    return list(exn.fields)


def check_value(store: Store, val: Val, t: ValType) -> None:
    """A value the embedder passed: of type ``t``, and naming only functions the store has
    (the embedder's error otherwise)."""
    if not value_in_store(store, val, t):
        raise EmbedderError(f"value {val!r} is not a value of type {t} in this store")


def check_addr(a: int, length: int, what: str) -> int:
    """An address or index the embedder passed, checked (the embedder's error otherwise)."""
    if not 0 <= a < length:
        raise EmbedderError(f"no {what} at {a}")
    return a

