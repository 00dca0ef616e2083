"""Canonicalisation of rec groups (``refwasm.syntax.deftypes``) against an independent model.

Property: two type indices of two (random, independently closed) type sections get the same
``DefType`` exactly when a direct structural comparison says their rec groups are
iso-recursively equivalent and the indices sit at the same position in them.  The model
compares groups position by position, following references to earlier groups recursively
(exponential in general, fine for these small sections) and references into the own group by
relative position; it shares no code with ``deftypes.py``.
"""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from refwasm.syntax.deftypes import close_types
from refwasm.syntax.types import (
    FieldType,
    Mut,
    NumType,
    PackType,
    RecType,
    RefType,
    StorageType,
    StructType,
    SubType,
    TypeIdx,
)

Section = list[RecType]


@st.composite
def sections(draw: st.DrawFn) -> Section:
    """1-4 groups of 1-2 final or open struct types; fields i32, i8 or a nullable reference
    to any type up to the end of the own group."""
    groups: Section = []
    count = 0
    for _ in range(draw(st.integers(1, 4))):
        size = draw(st.integers(1, 2))
        end = count + size
        storage = st.one_of(st.just(NumType.I32), st.just(PackType.I8),
                            st.integers(0, end - 1).map(lambda x: RefType(True, TypeIdx(x))))
        subs = tuple(
            SubType(draw(st.booleans()), (),
                    StructType(tuple(FieldType(Mut.CONST, draw(storage))
                                     for _ in range(draw(st.integers(0, 2))))))
            for _ in range(size))
        groups.append(RecType(subs))
        count = end
    return groups


def _group_of(section: Section, x: int) -> tuple[RecType, int]:
    start = 0
    for group in section:
        if x < start + len(group.subtypes):
            return group, start
        start += len(group.subtypes)
    raise IndexError(x)


def model_equiv(a: Section, x: int, b: Section, y: int) -> bool:
    """Iso-recursive equivalence of type ``x`` of ``a`` and type ``y`` of ``b``."""
    ga, sa = _group_of(a, x)
    gb, sb = _group_of(b, y)
    if x - sa != y - sb or len(ga.subtypes) != len(gb.subtypes):
        return False
    return all(_sub_eq(a, sa, len(ga.subtypes), t1, b, sb, len(gb.subtypes), t2)
               for t1, t2 in zip(ga.subtypes, gb.subtypes, strict=True))


def _sub_eq(a: Section, sa: int, na: int, t1: SubType, b: Section, sb: int, nb: int,
            t2: SubType) -> bool:
    f1, f2 = t1.comptype, t2.comptype
    if t1.final != t2.final or not isinstance(f1, StructType) or not isinstance(f2, StructType):
        return False
    if len(f1.fields) != len(f2.fields):
        return False
    return all(_storage_eq(a, sa, na, p.storage, b, sb, nb, q.storage)
               for p, q in zip(f1.fields, f2.fields, strict=True))


def _storage_eq(a: Section, sa: int, na: int, s1: StorageType, b: Section, sb: int, nb: int,
                s2: StorageType) -> bool:
    if not isinstance(s1, RefType) or not isinstance(s2, RefType):
        return s1 == s2
    h1, h2 = s1.heaptype, s2.heaptype
    if not isinstance(h1, TypeIdx) or not isinstance(h2, TypeIdx):
        return h1 == h2
    inner1, inner2 = sa <= h1.idx < sa + na, sb <= h2.idx < sb + nb
    if inner1 != inner2:
        return False
    if inner1:
        return h1.idx - sa == h2.idx - sb
    return model_equiv(a, h1.idx, b, h2.idx)


@settings(max_examples=300)
@given(sections(), sections())
def test_canonical_deftypes_agree_with_structural_model(a: Section, b: Section) -> None:
    da, db = close_types(a), close_types(b)
    for x in range(len(da)):
        for y in range(len(db)):
            assert (da[x] == db[y]) == model_equiv(a, x, b, y), (x, y)
            assert (hash(da[x]) == hash(db[y])) or da[x] != db[y]


@given(sections())
def test_closing_twice_gives_identical_deftypes(a: Section) -> None:
    """The canonical table is global: the same section closed twice (as two modules would)
    gives the very same defined types."""
    assert all(d1.rectype is d2.rectype for d1, d2 in zip(close_types(a), close_types(a),
                                                           strict=True))


def test_long_chain_of_types_closes_in_linear_time() -> None:
    """A chain where each type refers to all earlier ones twice: exponential as a tree, linear
    to close (hashing a group never walks into the groups it refers to)."""
    groups = []
    for i in range(400):
        fields = tuple(FieldType(Mut.CONST, RefType(True, TypeIdx(j)))
                       for j in (max(i - 1, 0), max(i - 2, 0)) if i)
        groups.append(RecType((SubType(True, (), StructType(fields)),)))
    d1, d2 = close_types(groups), close_types(list(groups))
    assert d1 == d2
