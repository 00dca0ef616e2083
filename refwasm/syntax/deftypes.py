"""Defined types: closing rec groups and their canonical form (SpecTec ``1.2-syntax.types``:
``$rolldt``, ``$unrolldt``, ``$expanddt``, ``$subst_*``; 3.0 ``type-closure``).

A module's type section is a list of rec groups whose type uses are indices.  Closing it
(``close_types``) turns each sub type into a ``DefType``: its group with every index into an
earlier group replaced by that group's ``DefType`` and every index into its own group by
``RecIdx`` (``$rolldt``).  Two closed groups are iso-recursively equivalent exactly when they
are equal as syntax.

Canonicalisation makes that comparison O(1): every closed group goes through one table
(``_CANON``, shared by all modules of the process, as the spec's equivalence is global), which
keeps one representative of each distinct group *alive*.  ``DefType`` compares and hashes by
the identity of its (canonical) group, so hashing a group only hashes its own sub types, never
the whole graph of groups it refers to: closing a type section is linear in its size (up to the
hashing of each group once).

The table holds its groups weakly: a ``DefType`` holds its group, and a group the defined
types of earlier groups it refers to, so a group lives exactly as long as some module,
instance, heap object or value still reaches one of its defined types, and a process that sees
millions of modules (the oracle, ``refwasm diff``) keeps only the groups in use.  Identity stays
exact: two equal groups alive at the same time are one object, and a group made again after the
last one died is a fresh object, which nothing alive can compare with the dead one.  Nothing
here makes a reference cycle, so a group dies as soon as its last user does, without waiting
for the cycle collector (which the front ends pause, ``syntax/gcpause.py``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence

from refwasm.errors import unknown
from refwasm.syntax.types import (
    AbsHeapType,
    ArrayType,
    CompType,
    DefType,
    FieldType,
    FuncType,
    HeapType,
    RecIdx,
    RecType,
    RefType,
    StorageType,
    StructType,
    SubType,
    TypeIdx,
    TypeUse,
    ValType,
)

# The one live representative of each closed rec group, keyed by its sub types (which refer to
# earlier groups, never to the group itself, so the key does not keep its value alive).
_CANON: weakref.WeakValueDictionary[tuple[SubType, ...], RecType] = weakref.WeakValueDictionary()

Subst = Callable[[TypeUse], TypeUse]


def canonical(rectype: RecType) -> tuple[DefType, ...]:
    """The ``DefType`` of each sub type of a closed rec group, made from its one live
    canonical representative (``$rolldt``: ``_DEF rectype i`` for each ``i``)."""
    canon = _CANON.get(rectype.subtypes)
    if canon is None:
        canon = _CANON[rectype.subtypes] = rectype
    return _deftypes(canon)


def _deftypes(canon: RecType) -> tuple[DefType, ...]:
    return tuple(DefType(canon, i) for i in range(len(canon.subtypes)))


def canonical_groups() -> int:
    """How many distinct closed rec groups are alive (the size of the canonical table)."""
    return len(_CANON)


def close_types(rectypes: Sequence[RecType]) -> tuple[DefType, ...]:
    """The type index space of a module as defined types (``$rolldt`` of each group, with the
    earlier groups substituted in).  An index past the end of its own group is ``unknown
    type`` (a rec group can only refer to itself and the groups before it)."""
    deftypes: list[DefType] = []
    for rectype in rectypes:
        start = len(deftypes)
        end = start + len(rectype.subtypes)

        def roll(use: TypeUse, start: int = start, end: int = end) -> TypeUse:
            if not isinstance(use, TypeIdx):
                return use
            if use.idx < start:
                return deftypes[use.idx]
            if use.idx < end:
                return RecIdx(use.idx - start)
            raise unknown("type", use.idx)

        closed = RecType(tuple(subst_subtype(st, roll) for st in rectype.subtypes))
        deftypes.extend(canonical(closed))
    return tuple(deftypes)


def unroll(dt: DefType) -> SubType:
    """``$unrolldt``: the sub type a defined type names, its group's ``RecIdx`` replaced by the
    group's defined types (``$unrollrt``).  Memoised in the ``DefType`` object; the group's
    defined types in it are fresh objects, never ``dt`` itself, so that a recursive type's
    memo makes no reference cycle."""
    st = dt.unrolled
    if st is None:
        group = _deftypes(dt.rectype)

        def unroll_use(use: TypeUse) -> TypeUse:
            return group[use.idx] if isinstance(use, RecIdx) else use

        st = subst_subtype(dt.rectype.subtypes[dt.idx], unroll_use)
        object.__setattr__(dt, "unrolled", st)  # a memo: the value is a function of the type
    return st


def expand(dt: DefType) -> CompType:
    """``$expanddt``: the composite type of a defined type."""
    return unroll(dt).comptype


def supertypes(dt: DefType) -> tuple[DefType, ...]:
    """The declared supertypes of a defined type, as defined types."""
    return tuple(s for s in unroll(dt).supertypes if isinstance(s, DefType))


# -- Substitution ($subst_*) ---------------------------------------------------------------------


def subst_heaptype(ht: HeapType, f: Subst) -> HeapType:
    """``$subst_heaptype``"""
    return f(ht) if isinstance(ht, TypeIdx | RecIdx | DefType) else ht


def subst_valtype(t: ValType, f: Subst) -> ValType:
    """``$subst_valtype``: only reference types hold type uses."""
    if isinstance(t, RefType) and not isinstance(t.heaptype, AbsHeapType):
        ht = subst_heaptype(t.heaptype, f)
        return t if ht is t.heaptype else RefType(t.null, ht)
    return t


def subst_storagetype(t: StorageType, f: Subst) -> StorageType:
    """``$subst_storagetype``"""
    return subst_valtype(t, f) if isinstance(t, RefType) else t


def subst_fieldtype(ft: FieldType, f: Subst) -> FieldType:
    """``$subst_fieldtype``"""
    return FieldType(ft.mut, subst_storagetype(ft.storage, f))


def subst_comptype(ct: CompType, f: Subst) -> CompType:
    """``$subst_comptype``"""
    match ct:
        case FuncType(params, results):
            return FuncType(
                tuple(subst_valtype(t, f) for t in params),
                tuple(subst_valtype(t, f) for t in results),
            )
        case StructType(fields):
            return StructType(tuple(subst_fieldtype(ft, f) for ft in fields))
        case ArrayType(field):
            return ArrayType(subst_fieldtype(field, f))


def subst_subtype(st: SubType, f: Subst) -> SubType:
    """``$subst_subtype``"""
    return SubType(st.final, tuple(f(s) for s in st.supertypes), subst_comptype(st.comptype, f))


def plain_deftype(ft: FuncType) -> DefType:
    """The defined type of a function type outside any module (a host function's): a final
    sub type alone in its group, with no type indices in it."""
    return canonical(RecType((SubType(True, (), ft),)))[0]
