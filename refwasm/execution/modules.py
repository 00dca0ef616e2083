"""Modules at run time: import matching, allocation, instantiation and invocation
(2.0 ``exec-module``: ``exec-instantiation``, ``alloc-module``, ``exec-invocation``).

Expressions (global initialisers, segment offsets, the segment initialisation sequences of
instantiation) run on the same machine as function bodies: ``execute`` lays the instructions
out as flat code and runs them in a frame of the module instance, as the spec does.
"""

from __future__ import annotations

from collections.abc import Sequence

from refwasm.errors import (
    DATA_SEGMENT_DOES_NOT_FIT,
    ELEMENTS_SEGMENT_DOES_NOT_FIT,
    INCOMPATIBLE_IMPORT_TYPE,
    UnlinkableError,
    crash,
    crash_unless,
)
from refwasm.execution.heap import (
    close_reftype,
    close_valtype,
    import_matches,
    module_deftypes,
)
from refwasm.execution.instructions import Machine, exec_return, invoke, run
from refwasm.execution.prepare import Context, flatten
from refwasm.execution.runtime import (
    EmbedderError,
    Frame,
    ModuleInst,
    Store,
    alloc_data,
    alloc_elem,
    alloc_func,
    alloc_global,
    alloc_mem,
    alloc_table,
    alloc_tag,
    null_of,
    value_in_store,
)
from refwasm.execution.values import (
    ExternFuncAddr,
    ExternGlobalAddr,
    ExternMemAddr,
    ExternTableAddr,
    ExternTagAddr,
    ExternVal,
    Ref,
    Val,
)
from refwasm.features import DEFAULT_FEATURES, Features
from refwasm.syntax.instructions import (
    Const,
    DataDrop,
    ElemDrop,
    Expr,
    MemoryInit,
    TableInit,
)
from refwasm.syntax.modules import (
    Active,
    Declare,
    ExternKind,
    Module,
    func_type_at,
    subtypes,
)
from refwasm.syntax.types import (
    DefType,
    ExternFunc,
    ExternGlobal,
    ExternMem,
    ExternTable,
    ExternTag,
    ExternType,
    FuncType,
    GlobalType,
    Limits,
    Mut,
    NumType,
    RefType,
    TableType,
    TagType,
    TypeIdx,
    plain_functype,
)
from refwasm.validation.context import Context as ValidationContext
from refwasm.validation.types import reftype_sub

# -- External types and matching (valid-externval, match-externtype) --------------------------


def externval_type(store: Store, ev: ExternVal) -> ExternType | FuncType:
    """``Externaddr_ok`` · ``valid-externval``: the external type of an external value (a function's
    ``FuncType``).

    An address the store does not hold is the embedder's error.
    """
    try:
        match ev:
            case ExternFuncAddr(a):
                return store.funcs[a].type
            case ExternTableAddr(a):
                return ExternTable(store.tables[a].type)
            case ExternMemAddr(a):
                return ExternMem(store.mems[a].type)
            case ExternGlobalAddr(a):
                return ExternGlobal(store.globals[a].type)
            case ExternTagAddr(a):
                return tag_externtype(store.tags[a].type)
    except IndexError:
        raise EmbedderError(f"no such address in the store: {ev}") from None
    raise UnlinkableError(INCOMPATIBLE_IMPORT_TYPE)


def tag_externtype(ft: FuncType) -> ExternTag:
    """``Externaddr_ok/tag``: a tag instance's external type, its function type closed (the
    closed form of a type use is the type itself: ``DefType`` of a one-type rec group)."""
    return ExternTag(TagType(DefType(plain_functype(ft), 0)))


def match_limits(actual: Limits, expected: Limits) -> bool:
    """``Limits_sub`` · ``match-limits``: at least the minimum; a maximum, and at most the expected
    one, if any."""
    if actual.min < expected.min:
        return False
    if expected.max is None:
        return True
    return actual.max is not None and actual.max <= expected.max


def match_externtype(actual: ExternType | FuncType, expected: ExternType, module: Module) -> bool:
    """``Externtype_sub`` · ``match-externtype`` (functions: ``match-functype``, equal types;
    tables and memories: ``match-limits`` and equal element types; globals: equal types)."""
    match expected:
        case ExternFunc(TypeIdx(x)):
            return actual == func_type_at(subtypes(module), x)
        case ExternTable(tt):
            return (
                isinstance(actual, ExternTable)
                and actual.tabletype.reftype == tt.reftype
                and actual.tabletype.addrtype == tt.addrtype
                and match_limits(actual.tabletype.limits, tt.limits)
            )
        case ExternMem(mt):
            return (
                isinstance(actual, ExternMem)
                and actual.memtype.addrtype == mt.addrtype
                and match_limits(actual.memtype.limits, mt.limits)
            )
        case ExternGlobal(gt):
            return isinstance(actual, ExternGlobal) and match_globaltype(actual.globaltype, gt)
        case ExternTag(TagType(TypeIdx(x))):
            # Externtype_sub/tag, Tagtype_sub: the types are equivalent (each matches the other).
            return isinstance(actual, ExternTag) and tag_functype(actual) == func_type_at(
                subtypes(module), x)
    return False


def tag_functype(xt: ExternTag) -> FuncType | None:
    """The function type of a closed tag type (``tag_externtype``'s inverse)."""
    use = xt.tagtype.typeuse
    if isinstance(use, DefType) and use.idx < len(use.rectype.subtypes):
        comptype = use.rectype.subtypes[use.idx].comptype
        return comptype if isinstance(comptype, FuncType) else None
    return None


def match_globaltype(actual: GlobalType, expected: GlobalType) -> bool:
    """``Globaltype_sub``: a mutable global's type must be the same, an immutable one's may
    be a subtype (3.0: an exported ``(ref $t)`` constant imports as ``funcref``).

    Subtyping of abstract heap types needs no module; two type indices match when they are
    the same index (canonical type equivalence across modules comes with GC).
    """
    if actual == expected:
        return True
    if actual.mut is not expected.mut or expected.mut is Mut.VAR:
        return False
    a, e = actual.valtype, expected.valtype
    return isinstance(a, RefType) and isinstance(e, RefType) and reftype_sub(
        ValidationContext(), a, e)


# -- Running code -----------------------------------------------------------------------------


def execute(m: Machine, moduleinst: ModuleInst, instrs: Expr, arity: int) -> list[Val]:
    """``Eval_expr`` · ``exec-expr``: run instructions in a frame of ``moduleinst``; return its
    ``arity`` results."""
    code = flatten(instrs, Context(m.store, moduleinst))
    code.append((exec_return, None))
    height = len(m.stack)
    frame = Frame([], moduleinst, arity, code, 0, height)
    m.frames.append(frame)
    m.frame = frame
    run(m)
    results = m.stack[height:]
    del m.stack[height:]
    return results


def execute_offset(m: Machine, moduleinst: ModuleInst, offset: Expr) -> int:
    """The i32 an active segment's offset expression evaluates to."""
    (o,) = execute(m, moduleinst, offset, 1)
    crash_unless(isinstance(o, int), "segment offset is not a number")
    return o  # type: ignore[return-value]


def new_machine(store: Store, fuel: int | None) -> Machine:
    """A machine with nothing on its stacks, allowed the store's call depth."""
    return Machine(store, depth_limit=store.max_call_depth, fuel=fuel)


def invoke_func(
    store: Store, funcaddr: int, args: Sequence[Val], *, fuel: int | None = None
) -> list[Val]:
    """``$invoke`` · ``exec-invocation``: check the arguments, invoke, return the results."""
    if not 0 <= funcaddr < len(store.funcs):
        raise EmbedderError(f"no function at address {funcaddr}")
    ft = store.funcs[funcaddr].type
    if len(args) != len(ft.params):
        raise EmbedderError(f"expected {len(ft.params)} arguments, got {len(args)}")
    for v, t in zip(args, ft.params, strict=True):
        if not value_in_store(store, v, t):
            raise EmbedderError(f"argument {v!r} is not a value of type {t}")
    if store.executor is not None:
        return store.executor.invoke(store, funcaddr, list(args), fuel)
    m = new_machine(store, fuel)
    m.stack.extend(args)
    invoke(m, funcaddr)
    run(m)
    return m.stack


# -- Instantiation ----------------------------------------------------------------------------


def instantiate(
    store: Store,
    module: Module,
    externvals: Sequence[ExternVal],
    features: Features = DEFAULT_FEATURES,
    *,
    fuel: int | None = None,
) -> ModuleInst:
    """``$instantiate`` · ``exec-instantiation``: validate, match imports, allocate, initialise, run
    the start function."""
    from refwasm.validation import validate_module

    validate_module(module, features)
    return instantiate_valid(store, module, externvals, features, fuel=fuel)


def instantiate_valid(
    store: Store,
    module: Module,
    externvals: Sequence[ExternVal],
    features: Features = DEFAULT_FEATURES,
    *,
    fuel: int | None = None,
) -> ModuleInst:
    """``$instantiate`` · ``exec-instantiation`` from its step 3, for a module already known to be
    valid."""
    if len(externvals) != len(module.imports):
        raise EmbedderError(f"expected {len(module.imports)} imports, got {len(externvals)}")
    deftypes = module_deftypes(module)
    for ev, imp in zip(externvals, module.imports, strict=True):
        externval_type(store, ev)  # an address the store does not hold is the embedder's error
        if not import_matches(store, ev, imp.desc, deftypes):
            raise UnlinkableError(INCOMPATIBLE_IMPORT_TYPE)
    m = new_machine(store, fuel)
    moduleinst = alloc_module(m, module, externvals)
    if features.bulk_memory:
        initialise_segments(m, module, moduleinst)
    else:
        initialise_segments_1_0(m, module, moduleinst)
    if module.start is not None:
        run_start(m, moduleinst.funcaddrs[module.start.func])
    return moduleinst


def run_start(m: Machine, funcaddr: int) -> None:
    """``$instantiate`` · ``exec-instantiation``'s last step: invoke the start function (on the
    store's engine), with whatever fuel the initialisers left."""
    executor = m.store.executor
    if executor is None:
        invoke(m, funcaddr)
        run(m)
        return
    executor.invoke(m.store, funcaddr, [], m.fuel)


def alloc_module(m: Machine, module: Module, externvals: Sequence[ExternVal]) -> ModuleInst:
    """``$allocmodule`` · ``alloc-module``, with exec-initvals folded in: functions first, so that
    initialisers can refer to them; each global's initialiser runs with the globals before it (2.0
    allows only imported ones, 3.0 earlier ones too); element segments' initialisers last."""
    store = m.store
    inst = ModuleInst(types=subtypes(module), deftypes=module_deftypes(module))
    for ev in externvals:
        match ev:
            case ExternFuncAddr(a):
                inst.funcaddrs.append(a)
            case ExternTableAddr(a):
                inst.tableaddrs.append(a)
            case ExternMemAddr(a):
                inst.memaddrs.append(a)
            case ExternGlobalAddr(a):
                inst.globaladdrs.append(a)
            case ExternTagAddr(a):
                inst.tagaddrs.append(a)
    for tag in module.tags:
        use = tag.tagtype.typeuse
        deftype = inst.deftypes[use.idx] if isinstance(use, TypeIdx) else None
        inst.tagaddrs.append(alloc_tag(store, tag_type_at(inst, tag.tagtype), deftype))
    for func in module.funcs:
        ft = func_type_at(inst.types, func.typeidx)
        if ft is None:
            crash(f"function type {func.typeidx}")
        deftype = inst.deftypes[func.typeidx]
        inst.funcaddrs.append(alloc_func(store, ft, func, inst, deftype))
    for glob in module.globals:
        (val,) = execute(m, inst, glob.init, 1)
        gt = GlobalType(glob.globaltype.mut, close_valtype(glob.globaltype.valtype, inst.deftypes))
        inst.globaladdrs.append(alloc_global(store, gt, val))
    for table in module.tables:
        init: Ref = null_of(table.tabletype.reftype)
        if table.init is not None:
            (init,) = execute(m, inst, table.init, 1)  # type: ignore[assignment]
        tt = table.tabletype
        tt = TableType(tt.addrtype, tt.limits, close_reftype(tt.reftype, inst.deftypes))
        inst.tableaddrs.append(alloc_table(store, tt, init))
    for mem in module.mems:
        inst.memaddrs.append(alloc_mem(store, mem.memtype))
    for elem in module.elems:
        refs: list[Ref] = [execute(m, inst, e, 1)[0] for e in elem.init]  # type: ignore[misc]
        inst.elemaddrs.append(alloc_elem(store, elem.reftype, refs))
    for data in module.datas:
        inst.dataaddrs.append(alloc_data(store, data.init))
    inst.exports = {ex.name: export_value(inst, ex.desc.kind, ex.desc.index) for ex in module.exports}
    return inst


def export_value(inst: ModuleInst, kind: ExternKind, index: int) -> ExternVal:
    """``$allocexport`` · ``alloc-module``: the external value an export denotes."""
    match kind:
        case ExternKind.FUNC:
            return ExternFuncAddr(inst.funcaddrs[index])
        case ExternKind.TABLE:
            return ExternTableAddr(inst.tableaddrs[index])
        case ExternKind.MEM:
            return ExternMemAddr(inst.memaddrs[index])
        case ExternKind.GLOBAL:
            return ExternGlobalAddr(inst.globaladdrs[index])
        case ExternKind.TAG:
            return ExternTagAddr(inst.tagaddrs[index])
    crash(f"export of kind {kind} is not supported by the 2.0 interpreter")


def tag_type_at(inst: ModuleInst, tagtype: TagType) -> FuncType:
    """``$alloctag``'s argument: the tag's type, expanded to its function type (validation
    made sure it is one)."""
    use = tagtype.typeuse
    ft = func_type_at(inst.types, use.idx) if isinstance(use, TypeIdx) else None
    if ft is None:
        crash(f"tag type {use} is not a function type")
    return ft


def initialise_segments(m: Machine, module: Module, inst: ModuleInst) -> None:
    """``$instantiate`` · ``exec-instantiation``'s segment steps: each active element segment runs
    as ``offset; i32.const 0; i32.const n; table.init; elem.drop``, a declarative one is dropped;
    then each active data segment as ``offset; ...; memory.init; data.drop``.  A trap stops the
    sequence and leaves earlier writes in place."""
    for i, elem in enumerate(module.elems):
        if isinstance(elem.mode, Active):
            n = len(elem.init)
            seq = (Const(NumType.I32, 0), Const(NumType.I32, n), TableInit(elem.mode.index, i))
            execute(m, inst, elem.mode.offset + seq + (ElemDrop(i),), 0)
        elif isinstance(elem.mode, Declare):
            execute(m, inst, (ElemDrop(i),), 0)
    for i, data in enumerate(module.datas):
        if isinstance(data.mode, Active):
            n = len(data.init)
            seq2 = (Const(NumType.I32, 0), Const(NumType.I32, n), MemoryInit(data.mode.index, i))
            execute(m, inst, data.mode.offset + seq2 + (DataDrop(i),), 0)



def initialise_segments_1_0(m: Machine, module: Module, inst: ModuleInst) -> None:
    """``$instantiate`` · ``exec-instantiation`` of Wasm 1.0 (before bulk memory): every active
    segment's offset is computed and checked first, failing with a link error before anything is
    written; then the element segments, then the data segments, are copied in."""
    store = m.store
    # (table, offset, references) and (memory, offset, bytes) of each active segment, in order
    elem_writes = [
        (store.tables[inst.tableaddrs[e.mode.index]], execute_offset(m, inst, e.mode.offset),
         store.elems[inst.elemaddrs[i]].elem)
        for i, e in enumerate(module.elems)
        if isinstance(e.mode, Active)
    ]
    data_writes = [
        (store.mems[inst.memaddrs[d.mode.index]], execute_offset(m, inst, d.mode.offset), d.init)
        for d in module.datas
        if isinstance(d.mode, Active)
    ]
    for table, eo, refs in elem_writes:
        if eo + len(refs) > len(table.elem):
            raise UnlinkableError(ELEMENTS_SEGMENT_DOES_NOT_FIT)
    for mem, do, data in data_writes:
        if do + len(data) > len(mem.data):
            raise UnlinkableError(DATA_SEGMENT_DOES_NOT_FIT)
    for table, eo, refs in elem_writes:
        table.elem[eo : eo + len(refs)] = refs
    for mem, do, data in data_writes:
        mem.data[do : do + len(data)] = data
