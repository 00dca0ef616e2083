"""Whole valid Wasm 2.0 and 3.0 modules: index spaces first, then type-directed bodies."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from hypothesis import strategies as st

from refwasm.binary.opcodes import Imm
from refwasm.strategies import exceptions as _exceptions  # noqa: F401 -- registers handlers
from refwasm.strategies import gc as _gc  # noqa: F401 -- registers handlers
from refwasm.strategies.body import (
    ALL_KINDS,
    PAGE,
    BodyGen,
    Kind,
    ModuleContext,
    Options,
    SegmentInfo,
)
from refwasm.strategies.config import SwarmConfig
from refwasm.strategies.values import num_bits
from refwasm.syntax.instructions import (
    ArrayInitElem,
    ArrayNewElem,
    BinOp,
    Binop,
    Block,
    Const,
    ElemDrop,
    Expr,
    GlobalGet,
    If,
    Instr,
    Loop,
    RefFunc,
    RefNull,
    TableInit,
    TryTable,
)
from refwasm.syntax.modules import (
    DECLARE,
    PASSIVE,
    Active,
    Data,
    Elem,
    Export,
    ExternIdx,
    ExternKind,
    Func,
    Global,
    Import,
    Mem,
    Module,
    Start,
    Table,
    Tag,
    Type,
)
from refwasm.syntax.types import (
    ANYREF,
    ARRAYREF,
    EQREF,
    EXNREF,
    EXTERNREF,
    FUNCREF,
    I31REF,
    STRUCTREF,
    AbsHeapType,
    AddrType,
    ArrayType,
    ExternTag,
    FieldType,
    FuncType,
    GlobalType,
    Limits,
    MemType,
    Mut,
    NumType,
    PackType,
    RecType,
    RefType,
    StorageType,
    StructType,
    SubType,
    TableType,
    TagType,
    TypeIdx,
    ValType,
    VecType,
    plain_functype,
)

Draw = st.DrawFn
I32 = NumType.I32


def _valtypes(config: SwarmConfig) -> list[ValType]:
    types: list[ValType] = [I32, NumType.I64, NumType.F32, NumType.F64]
    if config.simd:
        types.append(VecType.V128)
    if config.reference_types:
        types += [FUNCREF, EXTERNREF]
    return types


def _count(draw: Draw, maximum: int, minimum: int = 0) -> int:
    """A count that shrinks toward ``minimum``."""
    return draw(st.integers(minimum, max(minimum, maximum)))


def _functype(draw: Draw, config: SwarmConfig) -> FuncType:
    types = st.sampled_from(_valtypes(config))
    params = draw(st.lists(types, max_size=3))
    results = draw(st.lists(types, max_size=3 if config.multi_value else 1))
    return FuncType(tuple(params), tuple(results))


def _limits(draw: Draw, maximum: int, require_max: bool) -> Limits:
    low = draw(st.integers(0, maximum))
    if require_max or draw(st.booleans()):
        return Limits(low, draw(st.integers(low, maximum)))
    return Limits(low)


def _const_expr(
    draw: Draw, t: ValType, funcs: int, cfg: SwarmConfig | None = None,
    globals_: Sequence[GlobalType] = (),
) -> Expr:
    """``valid-constant`` / ``Instr_const``: a constant of type ``t`` (``ref.func`` declares its
    function); with extended constants an integer may also be ``global.get`` of an immutable
    global of its type among ``globals_``, or two such terms combined by ``add``/``sub``/``mul``."""
    if cfg is not None and cfg.extended_const and isinstance(t, NumType) and t.is_int:
        return _extended_const(draw, t, globals_)
    if isinstance(t, RefType):
        if t == FUNCREF and funcs and draw(st.booleans()):
            return (RefFunc(draw(st.integers(0, funcs - 1))),)
        return (RefNull(t.heaptype),)
    if isinstance(t, VecType):
        from refwasm.syntax.instructions import VConst

        return (VConst(draw(num_bits(t))),)
    return (Const(t, draw(num_bits(t))),)


def _extended_const(draw: Draw, t: NumType, globals_: Sequence[GlobalType]) -> Expr:
    """An integer constant expression of up to two terms (3.0 extended constants)."""
    readable = [x for x, gt in enumerate(globals_) if gt.mut is Mut.CONST and gt.valtype == t]

    def term() -> Instr:
        if readable and draw(st.integers(0, 2)) == 2:
            return GlobalGet(draw(st.sampled_from(readable)))
        return Const(t, draw(num_bits(t)))

    first = term()
    if draw(st.booleans()):
        return (first,)
    op = draw(st.sampled_from([BinOp.ADD, BinOp.SUB, BinOp.MUL]))
    return (first, term(), Binop(t, op))


def offset_expr(draw: Draw, cfg: SwarmConfig, at: AddrType, offset: int) -> Expr:
    """A segment offset of the address type that evaluates to ``offset``: a constant, or with
    extended constants a sum or difference of two constants."""
    t = I32 if at is AddrType.I32 else NumType.I64
    mask = (1 << t.bits) - 1
    if not cfg.extended_const or draw(st.booleans()):
        return (Const(t, offset & mask),)
    part = draw(num_bits(t))
    if draw(st.booleans()):
        return (Const(t, part), Const(t, (offset - part) & mask), Binop(t, BinOp.ADD))
    return (Const(t, (offset + part) & mask), Const(t, part), Binop(t, BinOp.SUB))


def _offset(draw: Draw, limit: int, length: int, disallow_traps: bool) -> int:
    """A segment offset: mostly in bounds, a few just past the end (instantiation traps)."""
    if disallow_traps or draw(st.integers(0, 9)) > 0:
        return draw(st.integers(0, max(limit - length, 0))) if limit >= length else 0
    return max(limit - length + draw(st.integers(1, 4)), 0)


def modules(
    config: SwarmConfig | None = None,
    *,
    ensure_termination: int | None = None,
    canonicalize_nans: bool = False,
    disallow_traps: bool = False,
    export_everything: bool = False,
    max_table_size: int = 16,
    max_memory_pages: int = 4,
    require_maximums: bool = False,
    import_tags: bool = False,
) -> st.SearchStrategy[Module]:
    """Valid Wasm 2.0 modules, and 3.0 ones under a 3.0 configuration (see ``docs/strategies.md``).

    ``config``: a fixed ``SwarmConfig``; ``None`` draws one per module (``swarm_configs()``).
    ``ensure_termination=fuel``: global 0 is a mutable i32 fuel counter initialised to ``fuel``,
    decremented at every function entry and loop header and by the length of every bulk
    operation, executing ``unreachable`` when it would go below zero (exported as ``fuel``).
    ``canonicalize_nans``: every instruction that may produce a nondeterministic NaN is followed
    by code replacing any NaN result with the canonical positive NaN (lane-wise for vectors).
    ``disallow_traps``: see the documentation for what is avoided and what remains.
    ``export_everything``: export every function, table, memory and global.
    ``max_table_size`` / ``max_memory_pages``: bounds of limits and of each grow's delta.
    ``require_maximums``: every table and memory has a maximum.
    ``import_tags``: under exception handling, the first tags may be imported (module
    ``"tags"``, names ``"0"``, ``"1"``, ...); the caller supplies a tag of each import's type.
    """
    from refwasm.strategies.config import swarm_configs

    options = Options(ensure_termination, canonicalize_nans, disallow_traps,
                      max_table_size, max_memory_pages)  # fmt: skip
    configs = st.just(config) if config is not None else swarm_configs()

    @st.composite
    def build(draw: Draw) -> Module:
        cfg = draw(configs)
        return _module(draw, cfg, options, export_everything, require_maximums, import_tags)

    return build()


def _module(
    draw: Draw, cfg: SwarmConfig, opts: Options, export_all: bool, require_max: bool,
    import_tags: bool = False,
) -> Module:
    """Draw the index spaces, then the segments and exports, then the bodies."""
    types = [_functype(draw, cfg) for _ in range(_count(draw, cfg.max_types, 1))]
    nfuncs = _count(draw, cfg.max_funcs, 1)
    func_typeidx = [draw(st.integers(0, len(types) - 1)) for _ in range(nfuncs)]
    tags = _tags(draw, cfg, types)
    blocktypes = {ft.results: x for x, ft in enumerate(types) if not ft.params}
    gc_groups, gc_types, gc_subtypes = _gc_types(draw, len(types)) if cfg.gc else ([], [], {})
    mems = _mems(draw, cfg, opts, require_max)
    tables = _tables(draw, cfg, opts, require_max)
    globals_ = _globals(draw, cfg, opts, nfuncs)
    datas = _datas(draw, cfg, opts, mems, globals_)
    elems = _elems(draw, cfg, opts, tables, nfuncs)
    if cfg.reference_types and cfg.bulk_memory:
        # Declare every function so that bodies may take ``ref.func`` of any of them.
        elems.append(Elem(FUNCREF, tuple((RefFunc(f),) for f in range(nfuncs)), DECLARE))
    exports = _exports(draw, nfuncs, tables, mems, globals_, opts, export_all, len(tags))
    declared = sorted(_declared(globals_, elems, exports))
    ctx = ModuleContext(
        cfg, opts, types, [types[x] for x in func_typeidx],
        [g.globaltype for g in globals_], [t.tabletype for t in tables], mems,
        [SegmentInfo(len(d.init), d.mode is PASSIVE) for d in datas],
        [SegmentInfo(len(e.init), e.mode is PASSIVE, e.reftype) for e in elems],
        declared, 0 if opts.fuel is not None else None, gc_types, gc_subtypes,
        [types[x].params for x in tags], blocktypes,
    )  # fmt: skip
    kinds = [k for k in ALL_KINDS if not k.flag or getattr(cfg, k.flag)]
    # The GC kind stands for the twenty-odd 0xFB instructions (two each): weighted as many, so
    # that GC code is as frequent as other opcodes'; likewise the three exception opcodes.
    kinds += [k for k in kinds for _ in range(_extra_weight(k))]
    funcs = [_func(draw, ctx, kinds, x) for x in func_typeidx]
    if cfg.reference_types and cfg.bulk_memory and not _uses_last_elem(funcs, len(elems) - 1):
        elems.pop()  # the declaring segment is not needed: leave it out of shrunk examples
    start = None
    nullary = [f for f, x in enumerate(func_typeidx) if types[x] == FuncType((), ())]
    if nullary and draw(st.integers(0, 7)) == 7:
        start = Start(draw(st.sampled_from(nullary)))
    # ``Import`` order: imported tags come first in the tag index space.
    imported = _count(draw, len(tags)) if import_tags else 0
    return Module(
        types=tuple(Type(plain_functype(ft)) for ft in types) + tuple(Type(g) for g in gc_groups),
        imports=tuple(Import("tags", str(k), ExternTag(TagType(TypeIdx(x))))
                      for k, x in enumerate(tags[:imported])),
        tags=tuple(Tag(TagType(TypeIdx(x))) for x in tags[imported:]),
        globals=tuple(globals_), mems=tuple(Mem(m) for m in mems), tables=tuple(tables),
        funcs=tuple(funcs), datas=tuple(datas), elems=tuple(elems), start=start,
        exports=tuple(exports),
    )  # fmt: skip


def _func(draw: Draw, ctx: ModuleContext, kinds: list[Kind], typeidx: int) -> Func:
    """``valid-func``: locals (plus scratch locals for NaN canonicalisation and fuel), body."""
    ft = ctx.types[typeidx]
    types = st.sampled_from(_valtypes(ctx.config))
    declared = list(draw(st.lists(types, max_size=4)))
    scratch: dict[ValType, int] = {}
    # Scratch locals: the fuel charge's length, the NaN canonicalisation's operand.
    wanted: list[ValType] = [I32] if ctx.fuel_global is not None else []
    if ctx.options.canonicalize_nans:
        wanted += [NumType.F32, NumType.F64] + ([VecType.V128] if ctx.config.simd else [])
    # Scratch locals: one ``(ref null $t)`` per struct/array type (``refwasm.strategies.gc``).
    wanted += [RefType(True, TypeIdx(x)) for x, _ in ctx.gc_types]
    for t in wanted:
        scratch[t] = len(ft.params) + len(declared)
        declared.append(t)
    budget = _count(draw, ctx.config.max_instrs)
    gen = BodyGen(draw, ctx, ft, [*ft.params, *declared], scratch, budget, kinds=kinds)
    return Func(typeidx, tuple(declared), tuple(gen.body()))


def _uses_last_elem(funcs: list[Func], last: int) -> bool:
    """Whether a body takes ``ref.func`` or names element segment ``last``."""
    for func in funcs:
        for i in walk(func.body):
            if isinstance(i, RefFunc) or (isinstance(i, _ELEM_USES) and i.elem == last):
                return True
    return False


_ELEM_USES = ElemDrop | TableInit | ArrayNewElem | ArrayInitElem


def walk(body: Expr) -> Iterator[Instr]:
    """Every instruction of ``body``, nested ones included, in order."""
    for i in body:
        yield i
        if isinstance(i, Block | Loop):
            yield from walk(i.body)
        elif isinstance(i, If):
            yield from walk(i.then)
            yield from walk(i.else_)
        elif isinstance(i, TryTable):
            yield from walk(i.body)


def _extra_weight(kind: Kind) -> int:
    """How many more times than once a kind is drawn (see ``_module``)."""
    if kind.op.imm is Imm.PREFIX_FB:
        return 40
    return 6 if kind.flag == "exceptions" else 0


_NUMERIC: list[ValType] = [I32, NumType.I64, NumType.F32, NumType.F64]
_STORAGE: list[StorageType] = [PackType.I8, PackType.I16, *_NUMERIC]


def _tags(draw: Draw, cfg: SwarmConfig, types: list[FuncType]) -> list[int]:
    """Exception handling: up to 3 tags of numeric parameters (``Tag_ok``: a function type
    without results), their types appended to ``types``, and the block types ``[] -> t*``
    (the tag's parameters, with and without an ``exnref``) a handler block needs."""
    if not cfg.exceptions:
        return []
    tags = []
    for _ in range(_count(draw, 3, 1)):
        params = tuple(draw(st.lists(st.sampled_from(_NUMERIC), max_size=2)))
        tags.append(len(types))
        types.append(FuncType(params, ()))
        for payload in (params, (*params, EXNREF)):
            if len(payload) > 1 and cfg.multi_value:  # several results need multi-value
                types.append(FuncType((), payload))
    return tags


# Reference field types: nullable (so that every type stays defaultable for ``*.new_default``),
# of each hierarchy a body can make values of (``funcref`` and ``externref`` also fit the
# element segments of ``array.new_elem``/``array.init_elem``).
_REF_STORAGE: list[StorageType] = [FUNCREF, EXTERNREF, ANYREF, EQREF, I31REF, STRUCTREF,
                                   ARRAYREF]  # fmt: skip


def _field(
    draw: Draw, refs: Sequence[StorageType], mutable_odds: int = 1, ref_one_in: int = 3
) -> FieldType:
    """A field type, mutable with odds ``mutable_odds`` to 1: a number or packed type, or one
    time in ``ref_one_in`` a reference among ``refs``."""
    mut = Mut.VAR if draw(st.integers(0, mutable_odds)) > 0 else Mut.CONST
    storage = refs if draw(st.integers(1, ref_one_in)) == ref_one_in else _STORAGE
    return FieldType(mut, draw(st.sampled_from(storage)))


def _gc_types(
    draw: Draw, base: int
) -> tuple[list[RecType], list[tuple[int, StructType | ArrayType]], dict[int, list[int]]]:
    """GC: one or two rec groups of up to three struct and array types (fields of every
    number type and packed ``i8``/``i16``, or nullable references: abstract ones, or to any
    type of the same or an earlier group, ``Rectype_ok``; mutable or not), numbered from
    ``base``; a struct may be declared ``sub`` of an earlier non-final struct, extending its
    fields (``Subtype_ok``).  Returns the groups, each type's index and composite type, and
    each type's declared subtypes."""
    groups: list[RecType] = []
    infos: list[tuple[int, StructType | ArrayType]] = []
    subtypes: dict[int, list[int]] = {}
    open_structs: list[tuple[int, StructType]] = []
    x = base
    for _ in range(_count(draw, 2, 1)):
        members = []
        size = _count(draw, 3, 1)
        refs = _REF_STORAGE + [RefType(True, TypeIdx(y)) for y in range(base, x + size)]
        for _ in range(size):
            ct: StructType | ArrayType
            supers: tuple[TypeIdx, ...] = ()
            if open_structs and draw(st.integers(0, 2)) == 0:
                y, sup = draw(st.sampled_from(open_structs))
                more = tuple(_field(draw, refs) for _ in range(_count(draw, 2)))
                ct = StructType(sup.fields + more)
                supers = (TypeIdx(y),)
                subtypes[y].append(x)
            elif draw(st.booleans()):
                ct = StructType(tuple(_field(draw, refs) for _ in range(_count(draw, 3))))
            else:
                # Mostly mutable: set, fill, copy, init need it; half of the time of a
                # reference type, mostly ``funcref``/``externref`` (the element segments').
                elements = refs[:2] if draw(st.integers(0, 3)) > 0 else refs
                ct = ArrayType(_field(draw, elements, 3, 2))
            final = draw(st.booleans())
            if isinstance(ct, StructType) and not final:
                open_structs.append((x, ct))
            members.append(SubType(final, supers, ct))
            infos.append((x, ct))
            subtypes[x] = []
            x += 1
        groups.append(RecType(tuple(members)))
    return groups, infos, subtypes


def _mems(draw: Draw, cfg: SwarmConfig, opts: Options, require_max: bool) -> list[MemType]:
    """The memories: none one time in five, else up to ``max_memories`` (a wide draw modulo 5:
    Hypothesis skews small ranges to their ends, which made memories, and so every memory
    instruction, rare); each 64-bit half of the time under memory64."""
    if not (cfg.memory and cfg.max_memories and draw(st.integers(0, 0xFFFF)) % 5 > 0):
        return []
    mems = []
    for _ in range(_count(draw, cfg.max_memories, 1)):
        at = AddrType.I64 if cfg.memory64 and draw(st.booleans()) else AddrType.I32
        mems.append(MemType(at, _limits(draw, opts.max_memory_pages, require_max)))
    return mems


def _tables(draw: Draw, cfg: SwarmConfig, opts: Options, require_max: bool) -> list[Table]:
    if not (cfg.tables or cfg.call_indirect):
        return []
    count = _count(draw, cfg.max_tables if cfg.reference_types else min(cfg.max_tables, 1))
    tables = []
    for _ in range(count):
        rt = draw(st.sampled_from([FUNCREF, EXTERNREF])) if cfg.reference_types else FUNCREF
        limits = _limits(draw, opts.max_table_size, require_max)
        at = AddrType.I64 if cfg.table64 and draw(st.booleans()) else AddrType.I32
        tables.append(Table(TableType(at, limits, rt)))
    return tables


def _globals(draw: Draw, cfg: SwarmConfig, opts: Options, nfuncs: int) -> list[Global]:
    globals_ = []
    if opts.fuel is not None:
        globals_.append(Global(GlobalType(Mut.VAR, I32), (Const(I32, opts.fuel & 0xFFFF_FFFF),)))
    if cfg.globals:
        for _ in range(_count(draw, cfg.max_globals)):
            t = draw(st.sampled_from(_valtypes(cfg)))
            mut = Mut.VAR if draw(st.booleans()) else Mut.CONST
            # Extended constants read the globals before this one (3.0 ``Global_ok``).
            earlier = [gl.globaltype for gl in globals_]
            init = _const_expr(draw, t, nfuncs, cfg, earlier)
            globals_.append(Global(GlobalType(mut, t), init))
    return globals_


def _datas(draw: Draw, cfg: SwarmConfig, opts: Options, mems: list[MemType],
           globals_: list[Global]) -> list[Data]:  # fmt: skip
    datas = []
    for _ in range(_count(draw, cfg.max_datas)):
        init = draw(st.binary(max_size=16))
        if cfg.bulk_memory and (not mems or draw(st.booleans())):
            datas.append(Data(init, PASSIVE))
        elif mems:
            x = draw(st.integers(0, len(mems) - 1))
            mem = mems[x]
            if opts.disallow_traps:
                init = init[: mem.limits.min * PAGE]  # an empty memory takes no bytes
            offset = _offset(draw, mem.limits.min * PAGE, len(init), opts.disallow_traps)
            datas.append(Data(init, Active(x, offset_expr(draw, cfg, mem.addrtype, offset))))
    return datas


def _elems(
    draw: Draw, cfg: SwarmConfig, opts: Options, tables: list[Table], nfuncs: int
) -> list[Elem]:
    elems = []
    for _ in range(_count(draw, cfg.max_elems)):
        modes = ["active"] if tables else []
        if cfg.bulk_memory:
            modes += ["passive", "declare"] if cfg.reference_types else ["passive"]
        if not modes:
            break
        mode = draw(st.sampled_from(modes))
        if mode == "active":
            x = draw(st.integers(0, len(tables) - 1)) if cfg.reference_types else 0
            rt = tables[x].tabletype.reftype
        else:
            rt = draw(st.sampled_from([FUNCREF, EXTERNREF])) if cfg.reference_types else FUNCREF
        init = tuple(_elem_expr(draw, cfg, rt, nfuncs) for _ in range(_count(draw, 4)))
        if mode == "active":
            limit = tables[x].tabletype.limits.min
            if opts.disallow_traps:
                init = init[:limit]
            offset = _offset(draw, limit, len(init), opts.disallow_traps)
            at = tables[x].tabletype.addrtype
            elems.append(Elem(rt, init, Active(x, offset_expr(draw, cfg, at, offset))))
        else:
            elems.append(Elem(rt, init, PASSIVE if mode == "passive" else DECLARE))
    return elems


def _elem_expr(draw: Draw, cfg: SwarmConfig, rt: RefType, nfuncs: int) -> Expr:
    # Without reference types (1.0 segments) an element is a function index.
    if rt == FUNCREF and (not cfg.reference_types or draw(st.integers(0, 3)) > 0):
        return (RefFunc(draw(st.integers(0, nfuncs - 1))),)
    return (RefNull(rt.heaptype if isinstance(rt.heaptype, AbsHeapType) else AbsHeapType.FUNC),)


def _exports(draw: Draw, nfuncs: int, tables: list[Table], mems: list[MemType],
             globals_: list[Global], opts: Options, export_all: bool,
             ntags: int = 0) -> list[Export]:  # fmt: skip
    def chosen() -> bool:
        return export_all or draw(st.booleans())

    exports = []
    for f in range(nfuncs):
        if chosen():
            exports.append(Export(f"f{f}", ExternIdx(ExternKind.FUNC, f)))
    for t in range(len(tables)):
        if chosen():
            exports.append(Export(f"t{t}", ExternIdx(ExternKind.TABLE, t)))
    for m in range(len(mems)):
        if chosen():
            exports.append(Export(f"m{m}", ExternIdx(ExternKind.MEM, m)))
    for g in range(len(globals_)):
        if opts.fuel is not None and g == 0:
            exports.append(Export("fuel", ExternIdx(ExternKind.GLOBAL, 0)))
        elif chosen():
            exports.append(Export(f"g{g}", ExternIdx(ExternKind.GLOBAL, g)))
    for k in range(ntags):
        if chosen():
            exports.append(Export(f"e{k}", ExternIdx(ExternKind.TAG, k)))
    return exports


def _declared(globals_: list[Global], elems: list[Elem], exports: list[Export]) -> set[int]:
    """``C.refs``: functions referenced outside function bodies."""
    refs = {i.func for g in globals_ for i in g.init if isinstance(i, RefFunc)}
    refs |= {i.func for e in elems for expr in e.init for i in expr if isinstance(i, RefFunc)}
    refs |= {e.desc.index for e in exports if e.desc.kind is ExternKind.FUNC}
    return refs
