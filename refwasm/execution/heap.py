"""Heap objects and run-time types of 3.0 (SpecTec ``4.0-execution.configurations``:
``structinst``, ``arrayinst``; ``4.1-execution.values``: ``Ref_ok``; ``4.2-execution.types``;
``4.4-execution.modules``: ``$add_structinst``, ``$add_arrayinst``).

Struct and array instances live in the store's lists (``Store.structs``, ``Store.arrays``);
a reference to one is its address.  Every allocation is counted against the store's memory
budget (``OBJECT_SIZE`` per object and ``SLOT_SIZE`` per field or element, estimates of what
CPython takes, as ``runtime.py`` estimates frames): nothing is ever freed, as in the spec's store, so a loop that allocates
without bound ends in ``ExhaustionError`` (memory budget exhausted), never a ``MemoryError``.
"""

from __future__ import annotations

from dataclasses import dataclass

from refwasm.errors import MEMORY_BUDGET_EXHAUSTED, ExhaustionError
from refwasm.execution.runtime import SLOT_SIZE as RUNTIME_SLOT_SIZE
from refwasm.execution.runtime import FuncInst, Store
from refwasm.execution.values import (
    ExternFuncAddr,
    ExternGlobalAddr,
    ExternMemAddr,
    ExternTableAddr,
    ExternTagAddr,
    ExternVal,
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
from refwasm.syntax.deftypes import close_types, plain_deftype
from refwasm.syntax.modules import Module
from refwasm.syntax.types import (
    AbsHeapType,
    DefType,
    ExternFunc,
    ExternGlobal,
    ExternMem,
    ExternTable,
    ExternTag,
    ExternType,
    FieldType,
    HeapType,
    Limits,
    Mut,
    NumType,
    PackType,
    RefType,
    StorageType,
    TagType,
    TypeIdx,
    TypeUse,
    ValType,
    VecType,
)
from refwasm.validation.context import Context
from refwasm.validation.types import deftype_sub, heaptype_sub, reftype_sub, valtype_sub

OBJECT_SIZE = 64
# As for frames (``runtime.SLOT_SIZE``): a list entry and the value object it usually points
# to (an i64 is a 36-byte int, a reference a small object; repeated values share one).
SLOT_SIZE = RUNTIME_SLOT_SIZE


@dataclass(slots=True)
class StructInst:
    """``structinst``: ``{TYPE deftype, FIELDS fieldval*}`` (packed fields hold their bits)."""

    type: DefType
    fields: list[Val]


@dataclass(slots=True)
class ArrayInst:
    """``arrayinst``: ``{TYPE deftype, FIELDS fieldval*}``."""

    type: DefType
    fields: list[Val]


def charge_object(store: Store, slots: int) -> None:
    """Count a new object of ``slots`` fields against the memory budget, or raise
    ExhaustionError when it does not fit beside memories, tables, objects and frames."""
    size = OBJECT_SIZE + SLOT_SIZE * slots
    if store.heap_in_use() + store.frames_in_use + size > store.memory_budget:
        raise ExhaustionError(MEMORY_BUDGET_EXHAUSTED)
    store.heap_bytes += size
    store.frames_room = 0  # the room left for frames must be counted again


def alloc_struct(store: Store, dt: DefType, fields: list[Val]) -> RefStructAddr:
    """``$add_structinst``: the allocation step of ``Step/struct.new``."""
    charge_object(store, len(fields))
    store.structs.append(StructInst(dt, fields))
    return RefStructAddr(len(store.structs) - 1)


def check_array_size(store: Store, n: int) -> None:
    """Refuse an array of ``n`` elements that cannot fit in the budget before building it."""
    if OBJECT_SIZE + SLOT_SIZE * n > store.memory_budget - store.heap_in_use():
        raise ExhaustionError(MEMORY_BUDGET_EXHAUSTED)


def alloc_array(store: Store, dt: DefType, fields: list[Val]) -> RefArrayAddr:
    """``$add_arrayinst``: the allocation step of ``Step/array.new_fixed``."""
    charge_object(store, len(fields))
    store.arrays.append(ArrayInst(dt, fields))
    return RefArrayAddr(len(store.arrays) - 1)


# -- Packed fields -------------------------------------------------------------------------------


def storage_bytes(t: StorageType) -> int:
    """``$zsize``: the bytes of a storage type (data segments are read in that width)."""
    if isinstance(t, PackType):
        return t.bits // 8
    if isinstance(t, NumType | VecType):
        return t.bits // 8
    return 0


def pack(t: StorageType, v: Val) -> Val:
    """``$packfield``: a packed field keeps the low bits of its i32 operand."""
    if isinstance(t, PackType) and isinstance(v, int):
        return v & ((1 << t.bits) - 1)
    return v


def unpack(t: StorageType, signed: bool, v: Val) -> Val:
    """``$unpackfield``: a packed field read as an i32, sign- or zero-extended."""
    if isinstance(t, PackType) and isinstance(v, int) and signed and v >> (t.bits - 1):
        return (v - (1 << t.bits)) & 0xFFFF_FFFF
    return v


def default_field(ft: FieldType) -> Val:
    """``$default_(storagetype)``: zero for numbers, vectors and packed types, null for
    references (validation makes sure the type is defaultable)."""
    t = ft.storage
    return RefNullVal(t.heaptype) if isinstance(t, RefType) else 0


# -- Run-time types ------------------------------------------------------------------------------

_CTX = Context()  # heap types at run time are closed: no context is needed to compare them


def module_deftypes(module: Module) -> tuple[DefType, ...]:
    """The module's type index space as defined types (``$rolldt``), as instances keep it."""
    return close_types([ty.rectype for ty in module.types])


def close_heaptype(ht: HeapType, deftypes: tuple[DefType, ...]) -> HeapType:
    """``$clos_valtype`` on a heap type: a type index of the module replaced by its defined type."""
    if isinstance(ht, TypeIdx) and 0 <= ht.idx < len(deftypes):
        return deftypes[ht.idx]
    return ht


def close_reftype(rt: RefType, deftypes: tuple[DefType, ...]) -> RefType:
    """``$clos_valtype`` of a reference type."""
    ht = close_heaptype(rt.heaptype, deftypes)
    return rt if ht is rt.heaptype else RefType(rt.null, ht)


def func_deftype(f: FuncInst) -> DefType:
    """The defined type of a function instance (a host function's: its function type alone
    in a final group)."""
    return f.deftype if f.deftype is not None else plain_deftype(f.type)


def ref_heaptype(store: Store, ref: Ref) -> HeapType | None:
    """The most precise heap type of a non-null reference (``Ref_ok``), ``None`` for null;
    a host reference is ``any`` (``Ref_ok/host``), an external one ``extern``."""
    match ref:
        case RefI31Num():
            return AbsHeapType.I31
        case RefStructAddr(a):
            return store.structs[a].type  # type: ignore[no-any-return]
        case RefArrayAddr(a):
            return store.arrays[a].type  # type: ignore[no-any-return]
        case RefFuncAddr(a):
            return func_deftype(store.funcs[a])
        case RefExtern():
            return AbsHeapType.EXTERN
        case RefHostAddr():
            return AbsHeapType.ANY
    return None


def ref_matches(store: Store, ref: Ref, rt: RefType) -> bool:
    """``Ref_ok`` then ``Reftype_sub``: whether ``ref`` has a type matching ``rt`` (closed).
    A host reference is both ``any`` and ``extern``: refwasm represents ``REF.EXTERN
    (REF.HOST_ADDR a)`` and ``REF.HOST_ADDR a`` alike, as scripts' ``ref.extern``/``ref.host``
    name the same host value."""
    ht = ref_heaptype(store, ref)
    if ht is None:
        return rt.null
    if isinstance(ref, RefHostAddr) and heaptype_sub(_CTX, AbsHeapType.EXTERN, rt.heaptype):
        return True
    return heaptype_sub(_CTX, ht, rt.heaptype)


def import_matches(
    store: Store, ev: ExternVal, desc: ExternType, deftypes: tuple[DefType, ...]
) -> bool:
    """``Externtype_sub`` (3.0) of an external value's type and an import's type closed in
    the importing module: a function's defined type matches (``Deftype_sub``: canonical
    equality or a declared supertype); a constant global's type is a subtype, a mutable
    one's equivalent; a table's element types are equivalent; limits as 2.0's."""
    match ev, desc:
        case ExternFuncAddr(a), ExternFunc(use):
            expected = use_deftype(use, deftypes)
            return expected is not None and deftype_sub(func_deftype(store.funcs[a]), expected)
        case ExternGlobalAddr(a), ExternGlobal(gt):
            actual = store.globals[a].type
            t1, t2 = actual.valtype, close_valtype(gt.valtype, deftypes)
            if actual.mut != gt.mut or not valtype_sub(_CTX, t1, t2):
                return False
            return gt.mut is Mut.CONST or valtype_sub(_CTX, t2, t1)
        case ExternTableAddr(a), ExternTable(tt):
            at = store.tables[a].type
            rt = close_reftype(tt.reftype, deftypes)
            return (
                at.addrtype == tt.addrtype
                and reftype_sub(_CTX, at.reftype, rt)
                and reftype_sub(_CTX, rt, at.reftype)
                and match_limits(at.limits, tt.limits)
            )
        case ExternMemAddr(a), ExternMem(mt):
            actual_mt = store.mems[a].type
            return actual_mt.addrtype == mt.addrtype and match_limits(actual_mt.limits, mt.limits)
        case ExternTagAddr(a), ExternTag(TagType(use)):
            # ``Externtype_sub/tag``: the tag types are equivalent (canonical equality).
            tag = store.tags[a]
            actual_dt = tag.deftype if tag.deftype is not None else plain_deftype(tag.type)
            return actual_dt == use_deftype(use, deftypes)
    return False


def match_limits(actual: Limits, expected: Limits) -> bool:
    """``Limits_sub``: at least the minimum; a maximum, and at most the expected one, if any."""
    if actual.min < expected.min:
        return False
    if expected.max is None:
        return True
    return actual.max is not None and actual.max <= expected.max


def close_valtype(t: ValType, deftypes: tuple[DefType, ...]) -> ValType:
    """``$clos_valtype`` of a value type."""
    return close_reftype(t, deftypes) if isinstance(t, RefType) else t


def use_deftype(use: TypeUse, deftypes: tuple[DefType, ...]) -> DefType | None:
    """The defined type a type use names in a module."""
    if isinstance(use, DefType):
        return use
    if isinstance(use, TypeIdx) and 0 <= use.idx < len(deftypes):
        return deftypes[use.idx]
    return None
