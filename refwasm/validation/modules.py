"""Validation of modules (SpecTec ``2.4-validation.modules``; 2.0 ``valid-module``).

The module's context ``C`` holds every definition's type; constant expressions of globals,
element and data segments are checked under ``C'``, which sees only imported globals (2.0),
or the globals defined before (3.0, with extended constants and GC).
"""

from __future__ import annotations

from refwasm.errors import (
    DUPLICATE_EXPORT_NAME,
    MULTIPLE_MEMORIES,
    MULTIPLE_TABLES,
    START_FUNCTION,
    TYPE_MISMATCH,
    InvalidError,
    locate,
)
from refwasm.features import DEFAULT_FEATURES, Features
from refwasm.syntax.deftypes import close_types
from refwasm.syntax.gcpause import gc_paused
from refwasm.syntax.instructions import RefFunc
from refwasm.syntax.modules import (
    Active,
    Data,
    Elem,
    Export,
    ExternKind,
    Func,
    Global,
    Import,
    Mem,
    Module,
    Start,
    Table,
    Tag,
    subtypes,
)
from refwasm.syntax.types import (
    ExternFunc,
    ExternGlobal,
    ExternMem,
    ExternTable,
    ExternTag,
    FuncType,
    GlobalType,
    MemType,
    ResultType,
    TableType,
    TypeIdx,
    TypeUse,
)
from refwasm.validation import context as C
from refwasm.validation.context import Context, Prefix
from refwasm.validation.gc import valid_types
from refwasm.validation.instructions import _addr, validate_const_expr, validate_expr
from refwasm.validation.types import (
    defaultable,
    reftype_sub,
    valid_externtype,
    valid_globaltype,
    valid_memtype,
    valid_reftype,
    valid_tabletype,
    valid_tagtype,
    valid_valtype,
)

# The body context and results of each (type index, locals' identity) met in a module.
BodyContexts = dict[tuple[int, int], tuple[Context, ResultType]]


@gc_paused
def validate_module(module: Module, features: Features = DEFAULT_FEATURES) -> None:
    """``valid-module`` (``Module_ok``): raise ``InvalidError`` unless ``module`` is valid."""
    # C: everything; C' (``ctx_const``): what constant expressions may see.
    ctx, imported = module_contexts(module, features)
    sequential = _sequential_globals(features)
    ctx_const = ctx if sequential else ctx.with_(globals=imported.globals)
    all_globals = tuple(ctx.globals)
    for i, glob in enumerate(module.globals):
        # 3.0: a global's initializer sees the globals before it; 2.0: the imported ones.
        visible = Prefix(all_globals, len(imported.globals) + i) if sequential else imported.globals
        valid_global(ctx_const.with_(globals=visible), glob)
    for tab in module.tables:
        # ``Module_ok``: a table's initialiser sees C', whose globals are the imported ones.
        valid_table(ctx_const.with_(globals=imported.globals), tab)
    for memory in module.mems:
        valid_mem(ctx_const, memory)
    for segment in module.elems:
        valid_elem(ctx_const, segment)
    for data in module.datas:
        valid_data(ctx_const, data)
    body_contexts: BodyContexts = {}
    for index, function in enumerate(module.funcs, len(imported.funcs)):
        try:
            valid_func(ctx, function, body_contexts)
        except InvalidError as error:
            locate(error, func=index)  # the function index, for the command line's message
            raise
    if module.start is not None:
        valid_start(ctx, module.start)
    valid_exports(ctx, module.exports)
    if len(ctx.tables) > 1 and not features.reference_types:
        raise InvalidError(MULTIPLE_TABLES)
    if len(ctx.mems) > 1 and not features.multi_memory:
        raise InvalidError(MULTIPLE_MEMORIES)


def module_contexts(module: Module, features: Features) -> tuple[Context, Context]:
    """``Module_ok`` · ``valid-module``: its ``C`` (the types checked) and the context of the
    imports alone."""
    deftypes = close_types([ty.rectype for ty in module.types])
    ctx0 = Context(
        types=subtypes(module), deftypes=deftypes, refs=declared_refs(module), features=features)
    valid_types(ctx0)
    imported = import_context(ctx0, module.imports)
    ctx = module_context(imported, module)
    ctx = ctx.with_(tags=imported.tags + tuple(valid_tag(ctx0, tag) for tag in module.tags))
    return ctx, imported


def module_context(imported: Context, module: Module) -> Context:
    """``Module_ok`` · ``valid-module``'s ``C``: the imports' types, then those of the module's
    definitions."""
    return imported.with_(
        funcs=imported.funcs + tuple(C.functype(imported, f.typeidx) for f in module.funcs),
        func_typeuses=imported.func_typeuses + tuple(TypeIdx(f.typeidx) for f in module.funcs),
        tables=imported.tables + tuple(t.tabletype for t in module.tables),
        mems=imported.mems + tuple(m.memtype for m in module.mems),
        globals=tuple(imported.globals) + tuple(g.globaltype for g in module.globals),
        elems=tuple(e.reftype for e in module.elems),
        datas=len(module.datas),
    )


def _sequential_globals(features: Features) -> bool:
    """3.0 lets constant expressions read globals defined in the module, not only imports."""
    return features.gc or features.extended_const


def declared_refs(module: Module) -> frozenset[int]:
    """``C.refs`` (``$funcidx_module``): the functions referenced outside function bodies, in
    globals, tables, element segments and exports; only those may ``ref.func`` name."""
    exprs = [g.init for g in module.globals]
    exprs += [t.init for t in module.tables if t.init is not None]
    exprs += [e for segment in module.elems for e in segment.init]
    refs = {i.func for expr in exprs for i in expr if isinstance(i, RefFunc)}
    refs |= {e.desc.index for e in module.exports if e.desc.kind is ExternKind.FUNC}
    return frozenset(refs)


def import_context(ctx: Context, imports: tuple[Import, ...]) -> Context:
    """``Import_ok`` · ``valid-import`` for each import, and the context extended with their
    types."""
    funcs: list[FuncType] = []
    typeuses: list[TypeUse] = []
    tables: list[TableType] = []
    mems: list[MemType] = []
    globals_: list[GlobalType] = []
    tags: list[FuncType] = []
    for imp in imports:
        valid_externtype(ctx, imp.desc)
        match imp.desc:
            case ExternFunc(typeuse):
                funcs.append(C.functype(ctx, typeuse))
                typeuses.append(typeuse)
            case ExternTable(tt):
                tables.append(tt)
            case ExternMem(mt):
                mems.append(mt)
            case ExternGlobal(gt):
                globals_.append(gt)
            case ExternTag(jt):
                tags.append(C.functype(ctx, jt.typeuse))
    return ctx.with_(
        funcs=tuple(funcs), func_typeuses=tuple(typeuses), tables=tuple(tables),
        mems=tuple(mems), globals=tuple(globals_), tags=tuple(tags),
    )


def valid_tag(ctx: Context, tag: Tag) -> FuncType:
    """``Tag_ok`` (3.0): the tag's type is valid; its function type."""
    return valid_tagtype(ctx, tag.tagtype)


def valid_global(ctx: Context, glob: Global) -> None:
    """``Global_ok`` · ``valid-global``: its type is valid and its initializer a constant of that
    type."""
    valid_globaltype(ctx, glob.globaltype)
    validate_const_expr(ctx, glob.init, glob.globaltype.valtype)


def valid_table(ctx: Context, tab: Table) -> None:
    """``valid-table`` (``Table_ok``): a valid table type; a 3.0 initializer is a constant of
    its type, and a table of non-null references needs one."""
    valid_tabletype(ctx, tab.tabletype)
    if tab.init is not None:
        validate_const_expr(ctx, tab.init, tab.tabletype.reftype)
    elif not tab.tabletype.reftype.null:
        raise InvalidError(TYPE_MISMATCH)  # the implied ``ref.null`` is no non-null reference


def valid_mem(ctx: Context, memory: Mem) -> None:
    """``Mem_ok`` · ``valid-mem``"""
    valid_memtype(ctx, memory.memtype)


def valid_elem(ctx: Context, segment: Elem) -> None:
    """``Elem_ok``, ``Elemmode_ok`` · ``valid-elem``, ``valid-elemmode``: constant elements of
    the segment's type; an active segment's table must hold that type and its offset be a
    constant address."""
    if ctx.features.reference_types:
        valid_reftype(ctx, segment.reftype)
    for expr in segment.init:
        validate_const_expr(ctx, expr, segment.reftype)
    if isinstance(segment.mode, Active):
        tt = C.table(ctx, segment.mode.index)
        if not reftype_sub(ctx, segment.reftype, tt.reftype):
            raise InvalidError(TYPE_MISMATCH)
        validate_const_expr(ctx, segment.mode.offset, _addr(tt.addrtype))


def valid_data(ctx: Context, segment: Data) -> None:
    """``Data_ok``, ``Datamode_ok`` · ``valid-data``, ``valid-datamode``: an active segment's memory
    must exist and its offset be a constant address."""
    if isinstance(segment.mode, Active):
        mt = C.mem(ctx, segment.mode.index)
        validate_const_expr(ctx, segment.mode.offset, _addr(mt.addrtype))


def valid_func(ctx: Context, function: Func, body_contexts: BodyContexts | None = None) -> None:
    """``Func_ok`` · ``valid-func``: the body has the function's results under its params and
    locals.

    ``body_contexts`` keeps the context of each (type, locals) pair met so far, the locals
    by identity (all are alive in the module): functions sharing a declaration (the decoder
    shares equal locals) share a context, so each distinct declaration is checked once.
    """
    key = (function.typeidx, id(function.locals))
    known = None if body_contexts is None else body_contexts.get(key)
    if known is None:
        known = body_context(ctx, function)
        if body_contexts is not None:
            body_contexts[key] = known
    body_ctx, results = known
    validate_expr(body_ctx, function.body, results)


def body_context(ctx: Context, function: Func) -> tuple[Context, ResultType]:
    """``C, locals t*, return t'*``: the context of a function's body (its locals checked),
    and the results the body must produce."""
    ft = C.functype(ctx, function.typeidx)
    for t in function.locals:
        valid_valtype(ctx, t)
    # ``Local_ok/set``, ``Local_ok/unset``: a non-defaultable local starts unset.
    unset = frozenset(len(ft.params) + i for i, t in enumerate(function.locals)
                      if not defaultable(t))
    body_ctx = ctx.with_(locals=ft.params + function.locals, return_=ft.results,
                         unset_locals=unset)
    return body_ctx, ft.results


def valid_start(ctx: Context, start: Start) -> None:
    """``Start_ok`` · ``valid-start``: the start function has type ``[] -> []``."""
    ft = C.func(ctx, start.func)
    if ft.params or ft.results:
        raise InvalidError(START_FUNCTION)


def valid_exports(ctx: Context, exports: tuple[Export, ...]) -> None:
    """``Export_ok``, ``Module_ok`` · ``valid-export`` for each export, and ``valid-module``'s
    distinct export names."""
    names: set[str] = set()
    for export in exports:
        valid_exportdesc(ctx, export)
        if export.name in names:
            raise InvalidError(DUPLICATE_EXPORT_NAME)
        names.add(export.name)


def valid_exportdesc(ctx: Context, export: Export) -> None:
    """``Externidx_ok`` · ``valid-exportdesc``: the exported index must be defined."""
    index = export.desc.index
    match export.desc.kind:
        case ExternKind.FUNC:
            C.func(ctx, index)
        case ExternKind.TABLE:
            C.table(ctx, index)
        case ExternKind.MEM:
            C.mem(ctx, index)
        case ExternKind.GLOBAL:
            C.global_(ctx, index)
        case ExternKind.TAG:
            C.tag(ctx, index)

