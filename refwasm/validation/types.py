"""Validity and matching of types (SpecTec ``2.1-validation.types``, ``2.2-validation.subtyping``;
2.0 ``valid-limits`` .. ``valid-externtype``).

Which types exist depends on the feature setting: 1.0 has no reference value types and single
results, ``v128`` needs SIMD, non-null references and typed heap types need function
references, the other abstract heap types need GC, ``i64`` address types need memory64.
"""

from __future__ import annotations

from refwasm.errors import (
    INVALID_RESULT_ARITY,
    MEMORY_SIZE_LIMIT,
    NON_EMPTY_TAG_RESULT,
    OFFSET_OUT_OF_RANGE,
    SIZE_MIN_GREATER_THAN_MAX,
    TABLE_SIZE_LIMIT,
    TYPE_MISMATCH,
    InvalidError,
    unknown,
)
from refwasm.syntax.deftypes import expand, supertypes
from refwasm.syntax.instructions import BlockType
from refwasm.syntax.types import (
    AbsHeapType,
    AddrType,
    ArrayType,
    BotType,
    CompType,
    DefType,
    ExternFunc,
    ExternGlobal,
    ExternMem,
    ExternTable,
    ExternTag,
    ExternType,
    FieldType,
    FuncType,
    GlobalType,
    HeapType,
    Limits,
    MemType,
    Mut,
    NumType,
    PackType,
    RecIdx,
    RefType,
    StorageType,
    StructType,
    TableType,
    TagType,
    TypeIdx,
    ValType,
    VecType,
)
from refwasm.validation.context import Context, functype

# An operand type on the validator's stack: a value type or ``BOT`` (unknown, after
# ``unreachable``), which matches every value type.
Operand = ValType | BotType
BOT = BotType.BOT

# Address space bounds: pages of a memory, elements of a table, per address type.
_MEMORY_PAGES = {AddrType.I32: 1 << 16, AddrType.I64: 1 << 48}
_TABLE_SIZE = {AddrType.I32: (1 << 32) - 1, AddrType.I64: (1 << 64) - 1}

_GC_HEAP_TYPES = {AbsHeapType.FUNC, AbsHeapType.EXTERN}  # the only ones before GC


def valid_heaptype(ctx: Context, ht: HeapType) -> None:
    """``Heaptype_ok``: abstract heap types beyond func/extern need GC (or exceptions),
    type indices need function references and must be defined."""
    features = ctx.features
    match ht:
        case AbsHeapType.BOT:
            raise InvalidError(TYPE_MISMATCH)
        case AbsHeapType.EXN | AbsHeapType.NOEXN:
            _require(features.exceptions)
        case AbsHeapType():
            _require(ht in _GC_HEAP_TYPES or features.gc)
        case TypeIdx(x):
            _require(features.function_references)
            if not 0 <= x < len(ctx.types):
                raise unknown("type", x)
        case RecIdx() | DefType():
            _require(features.function_references)


def _require(condition: bool) -> None:
    """A type outside the enabled features is not a valid type of this version."""
    if not condition:
        raise InvalidError(TYPE_MISMATCH)


def valid_reftype(ctx: Context, rt: RefType) -> None:
    """``Reftype_ok``: non-null references need function references."""
    _require(rt.null or ctx.features.function_references)
    valid_heaptype(ctx, rt.heaptype)


def valid_valtype(ctx: Context, t: ValType) -> None:
    """``Valtype_ok``: ``v128`` needs SIMD; reference values need reference types."""
    match t:
        case NumType():
            pass
        case VecType():
            _require(ctx.features.simd)
        case RefType():
            _require(ctx.features.reference_types)
            valid_reftype(ctx, t)


def defaultable(t: ValType) -> bool:
    """``Defaultable``: ``$default_(t)`` exists: numbers, vectors, nullable references."""
    return not isinstance(t, RefType) or t.null


def valid_resulttype(ctx: Context, ts: tuple[ValType, ...]) -> None:
    """``Resulttype_ok``"""
    for t in ts:
        valid_valtype(ctx, t)


def valid_functype(ctx: Context, ft: FuncType) -> None:
    """``valid-functype`` (``Functype_ok``): before multi-value, at most one result."""
    valid_resulttype(ctx, ft.params)
    valid_resulttype(ctx, ft.results)
    if not ctx.features.multi_value and len(ft.results) > 1:
        raise InvalidError(INVALID_RESULT_ARITY)


# The type of a block with neither parameters nor results (built once: blocks are many).
EMPTY_BLOCKTYPE = FuncType((), ())


def valid_blocktype(ctx: Context, bt: BlockType) -> FuncType:
    """``valid-blocktype`` (``Blocktype_ok/valtype``, ``Blocktype_ok/typeidx``)."""
    if bt is None:
        return EMPTY_BLOCKTYPE
    if isinstance(bt, TypeIdx):
        ft = functype(ctx, bt)
        if not ctx.features.multi_value and (ft.params or len(ft.results) > 1):
            raise InvalidError(INVALID_RESULT_ARITY)
        return ft
    valid_valtype(ctx, bt)
    return FuncType((), (bt,))


def valid_limits(limits: Limits, bound: int, message: str) -> None:
    """``valid-limits`` (``Limits_ok``): both bounds within ``bound``, minimum <= maximum."""
    if not 0 <= limits.min <= bound:
        raise InvalidError(message)
    if limits.max is not None:
        if not 0 <= limits.max <= bound:
            raise InvalidError(message)
        if limits.min > limits.max:
            raise InvalidError(SIZE_MIN_GREATER_THAN_MAX)


def valid_offset(offset: int, at: AddrType) -> None:
    """The offset premise of a memory argument (3.0 prose, memory64): ``memarg.OFFSET < 2^|at|``, so
    an ``i32`` memory takes a ``u32`` offset only (the 3.0 suite's ``offset out of range``;
    2.0 parses and decodes no larger offset)."""
    if not 0 <= offset < 1 << at.bits:
        raise InvalidError(OFFSET_OUT_OF_RANGE)


def valid_addrtype(ctx: Context, at: AddrType) -> None:
    """64-bit addresses need memory64 (a premise of ``Memtype_ok`` and ``Tabletype_ok``)."""
    _require(at is AddrType.I32 or ctx.features.memory64)


def valid_tabletype(ctx: Context, tt: TableType) -> None:
    """``valid-tabletype`` (``Tabletype_ok``): before reference types only ``funcref``."""
    valid_addrtype(ctx, tt.addrtype)
    valid_limits(tt.limits, _TABLE_SIZE[tt.addrtype], TABLE_SIZE_LIMIT)
    if ctx.features.reference_types:
        valid_reftype(ctx, tt.reftype)
    else:
        _require(tt.reftype == RefType(True, AbsHeapType.FUNC))


def valid_memtype(ctx: Context, mt: MemType) -> None:
    """``valid-memtype`` (``Memtype_ok``): at most 2^16 pages of 64 KiB (2^48 for i64)."""
    valid_addrtype(ctx, mt.addrtype)
    valid_limits(mt.limits, _MEMORY_PAGES[mt.addrtype], MEMORY_SIZE_LIMIT)


def valid_globaltype(ctx: Context, gt: GlobalType) -> None:
    """``valid-globaltype`` (``Globaltype_ok``)"""
    valid_valtype(ctx, gt.valtype)


def valid_externtype(ctx: Context, xt: ExternType) -> None:
    """``valid-externtype`` (``Externtype_ok``)"""
    match xt:
        case ExternFunc(typeuse):
            functype(ctx, typeuse)
        case ExternTable(tt):
            valid_tabletype(ctx, tt)
        case ExternMem(mt):
            valid_memtype(ctx, mt)
        case ExternGlobal(gt):
            valid_globaltype(ctx, gt)
        case ExternTag(jt):
            valid_tagtype(ctx, jt)


def valid_tagtype(ctx: Context, jt: TagType) -> FuncType:
    """``Tagtype_ok`` (3.0): a valid type use expanding to a function type; the function type.

    The rule admits results, but no instruction can use such a tag (``Instr_ok/throw`` and
    ``Catch_ok`` expand it to ``FUNC t* -> eps``), and the test suite, like the reference
    interpreter, rejects it at once: "non-empty tag result type"."""
    _require(ctx.features.exceptions)
    ft = functype(ctx, jt.typeuse)
    if ft.results:
        raise InvalidError(NON_EMPTY_TAG_RESULT)
    return ft


# -- Matching (subtyping) ------------------------------------------------------------------------

# The abstract heap type hierarchy: each type's direct supertype (``Heaptype_sub``).
_ABS_SUPER: dict[AbsHeapType, AbsHeapType] = {
    AbsHeapType.EQ: AbsHeapType.ANY,
    AbsHeapType.I31: AbsHeapType.EQ,
    AbsHeapType.STRUCT: AbsHeapType.EQ,
    AbsHeapType.ARRAY: AbsHeapType.EQ,
}
_BOTTOMS: dict[AbsHeapType, AbsHeapType] = {
    AbsHeapType.NONE: AbsHeapType.ANY,
    AbsHeapType.NOFUNC: AbsHeapType.FUNC,
    AbsHeapType.NOEXN: AbsHeapType.EXN,
    AbsHeapType.NOEXTERN: AbsHeapType.EXTERN,
}


def _top(ctx: Context, ht: HeapType) -> AbsHeapType:
    """The top of ``ht``'s hierarchy (a defined type is under its composite type's kind)."""
    ht = resolve_heaptype(ctx, ht)
    if isinstance(ht, AbsHeapType):
        if ht in _BOTTOMS:
            return _BOTTOMS[ht]
        while ht in _ABS_SUPER:
            ht = _ABS_SUPER[ht]
        return ht
    if isinstance(ht, DefType):
        return _top(ctx, comptype_kind(expand(ht)))
    return AbsHeapType.FUNC  # an index without a defined type (a context without deftypes)


def top_heaptype(ctx: Context, ht: HeapType) -> AbsHeapType:
    """The top of the hierarchy ``ht`` belongs to (``any``, ``func``, ``extern``, ``exn``)."""
    return _top(ctx, ht)


def comptype_kind(ct: CompType) -> AbsHeapType:
    """The abstract heap type right above a defined type of composite type ``ct``
    (``Heaptype_sub/struct``, ``Heaptype_sub/array``, ``Heaptype_sub/func``)."""
    if isinstance(ct, StructType):
        return AbsHeapType.STRUCT
    if isinstance(ct, ArrayType):
        return AbsHeapType.ARRAY
    return AbsHeapType.FUNC


def resolve_heaptype(ctx: Context, ht: HeapType) -> HeapType:
    """``C.TYPES[x]`` for a type index (``Heaptype_sub/typeidx-l``, ``typeidx-r``)."""
    if isinstance(ht, TypeIdx) and 0 <= ht.idx < len(ctx.deftypes):
        return ctx.deftypes[ht.idx]
    return ht


def heaptype_sub(ctx: Context, ht1: HeapType, ht2: HeapType) -> bool:
    """``Heaptype_sub``: reflexive; bottoms below everything of their hierarchy; ``eq`` below
    ``any``; ``i31``/``struct``/``array`` below ``eq``; a defined type below the kind of its
    composite type and below its declared supertypes (``Heaptype_sub/def``)."""
    if ht1 == ht2 or ht1 is AbsHeapType.BOT:
        return True
    ht1, ht2 = resolve_heaptype(ctx, ht1), resolve_heaptype(ctx, ht2)
    if ht1 == ht2:
        return True
    if isinstance(ht1, AbsHeapType) and ht1 in _BOTTOMS:
        return _BOTTOMS[ht1] == _top(ctx, ht2)
    if isinstance(ht2, AbsHeapType):
        if isinstance(ht1, DefType):
            return heaptype_sub(ctx, comptype_kind(expand(ht1)), ht2)
        if isinstance(ht1, AbsHeapType):
            up: AbsHeapType | None = ht1
            while up is not None:
                if up == ht2:
                    return True
                up = _ABS_SUPER.get(up)
            return False
        return ht2 == _top(ctx, ht1)
    if isinstance(ht1, DefType) and isinstance(ht2, DefType):
        return deftype_sub(ht1, ht2)
    # Two type uses without defined types: function types match when they are the same type.
    return _same_functype(ctx, ht1, ht2)


def deftype_sub(dt1: DefType, dt2: DefType) -> bool:
    """``Deftype_sub/refl`` and ``Deftype_sub/super``: ``dt2`` is ``dt1`` or one of its
    declared supertypes, transitively (each type has at most one; the chain is acyclic as a
    supertype precedes its subtypes)."""
    current: DefType | None = dt1
    while current is not None:
        if current == dt2:
            return True
        supers = supertypes(current)
        current = supers[0] if supers else None
    return False


def _same_functype(ctx: Context, ht1: HeapType, ht2: HeapType) -> bool:
    """Type equivalence of two type uses (structural for function types)."""
    if isinstance(ht1, AbsHeapType) or isinstance(ht2, AbsHeapType):
        return False
    try:
        return functype(ctx, ht1) == functype(ctx, ht2)
    except InvalidError:
        return False


def reftype_sub(ctx: Context, rt1: RefType, rt2: RefType) -> bool:
    """``Reftype_sub``: nullability may only widen; heap types must match."""
    return (rt2.null or not rt1.null) and heaptype_sub(ctx, rt1.heaptype, rt2.heaptype)


def valtype_sub(ctx: Context, t1: Operand, t2: ValType) -> bool:
    """``Valtype_sub``: ``BOT`` matches everything; numbers and vectors only themselves."""
    if t1 is BOT or t1 == t2:
        return True
    if isinstance(t1, RefType) and isinstance(t2, RefType):
        return reftype_sub(ctx, t1, t2)
    return False


def resulttype_sub(ctx: Context, ts1: tuple[ValType, ...], ts2: tuple[ValType, ...]) -> bool:
    """``Resulttype_sub``: pointwise matching of equally long result types."""
    return len(ts1) == len(ts2) and all(valtype_sub(ctx, a, b) for a, b in zip(ts1, ts2, strict=True))


def storagetype_sub(ctx: Context, t1: StorageType, t2: StorageType) -> bool:
    """``Storagetype_sub/val``, ``Storagetype_sub/pack`` (packed types match only themselves)."""
    if isinstance(t1, PackType) or isinstance(t2, PackType):
        return t1 == t2
    return valtype_sub(ctx, t1, t2)


def fieldtype_sub(ctx: Context, ft1: FieldType, ft2: FieldType) -> bool:
    """``Fieldtype_sub/const``, ``Fieldtype_sub/var``: a mutable field is invariant."""
    if ft1.mut != ft2.mut:
        return False
    if not storagetype_sub(ctx, ft1.storage, ft2.storage):
        return False
    return ft1.mut is Mut.CONST or storagetype_sub(ctx, ft2.storage, ft1.storage)


def comptype_sub(ctx: Context, ct1: CompType, ct2: CompType) -> bool:
    """``Comptype_sub/struct`` (width and depth), ``Comptype_sub/array``, ``Comptype_sub/func``
    (contravariant parameters, covariant results)."""
    match ct1, ct2:
        case StructType(fs1), StructType(fs2):
            return len(fs1) >= len(fs2) and all(
                fieldtype_sub(ctx, a, b) for a, b in zip(fs1, fs2, strict=False))
        case ArrayType(f1), ArrayType(f2):
            return fieldtype_sub(ctx, f1, f2)
        case FuncType(p1, r1), FuncType(p2, r2):
            return resulttype_sub(ctx, p2, p1) and resulttype_sub(ctx, r1, r2)
    return False
