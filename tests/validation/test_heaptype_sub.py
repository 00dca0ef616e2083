"""``Heaptype_sub`` across the four hierarchies against a hand-written table of each abstract
heap type's supertypes (the rules ``eq-any``, ``i31-eq``, ``struct-eq``, ``array-eq``,
``none``, ``nofunc``, ``noextern``, ``noexn``, ``refl``, ``trans``), and defined types under
the kind of their composite type and their declared supertypes (``struct``, ``array``,
``func``, ``def``)."""

from __future__ import annotations

import itertools

import pytest

from refwasm.features import Features
from refwasm.syntax.deftypes import close_types
from refwasm.syntax.types import (
    AbsHeapType,
    ArrayType,
    FieldType,
    FuncType,
    HeapType,
    Mut,
    NumType,
    RecType,
    StructType,
    SubType,
    TypeIdx,
)
from refwasm.validation.context import Context
from refwasm.validation.types import heaptype_sub

A = AbsHeapType
ABSTRACT = [A.ANY, A.EQ, A.I31, A.STRUCT, A.ARRAY, A.NONE, A.FUNC, A.NOFUNC, A.EXTERN,
            A.NOEXTERN, A.EXN, A.NOEXN]
ANY_FAMILY = {A.ANY, A.EQ, A.I31, A.STRUCT, A.ARRAY, A.NONE}
# Every supertype of each abstract heap type, itself included (written out by hand).
UP: dict[AbsHeapType, set[AbsHeapType]] = {
    A.ANY: {A.ANY},
    A.EQ: {A.EQ, A.ANY},
    A.I31: {A.I31, A.EQ, A.ANY},
    A.STRUCT: {A.STRUCT, A.EQ, A.ANY},
    A.ARRAY: {A.ARRAY, A.EQ, A.ANY},
    A.NONE: ANY_FAMILY,
    A.FUNC: {A.FUNC},
    A.NOFUNC: {A.NOFUNC, A.FUNC},
    A.EXTERN: {A.EXTERN},
    A.NOEXTERN: {A.NOEXTERN, A.EXTERN},
    A.EXN: {A.EXN},
    A.NOEXN: {A.NOEXN, A.EXN},
}


@pytest.mark.parametrize("ht1, ht2", list(itertools.product(ABSTRACT, ABSTRACT)))
def test_abstract_heaptype_sub(ht1: AbsHeapType, ht2: AbsHeapType) -> None:
    assert heaptype_sub(Context(), ht1, ht2) == (ht2 in UP[ht1])


I32 = NumType.I32
# 0: open struct; 1: its subtype; 2: array; 3: func; 4: a struct equal to 0 but final.
GROUPS = [
    RecType((SubType(False, (), StructType((FieldType(Mut.CONST, I32),))),)),
    RecType((SubType(True, (TypeIdx(0),), StructType((FieldType(Mut.CONST, I32),
                                                      FieldType(Mut.CONST, I32)))),)),
    RecType((SubType(True, (), ArrayType(FieldType(Mut.CONST, I32))),)),
    RecType((SubType(True, (), FuncType((), ())),)),
    RecType((SubType(True, (), StructType((FieldType(Mut.CONST, I32),))),)),
]
DEF_UP: dict[int, set[HeapType]] = {
    0: {TypeIdx(0), A.STRUCT, A.EQ, A.ANY},
    1: {TypeIdx(1), TypeIdx(0), A.STRUCT, A.EQ, A.ANY},
    2: {TypeIdx(2), A.ARRAY, A.EQ, A.ANY},
    3: {TypeIdx(3), A.FUNC},
    4: {TypeIdx(4), A.STRUCT, A.EQ, A.ANY},
}
BOTTOM_OF = {0: A.NONE, 1: A.NONE, 2: A.NONE, 3: A.NOFUNC, 4: A.NONE}


def test_defined_types_in_the_hierarchies() -> None:
    ctx = Context(deftypes=close_types(GROUPS), features=Features.for_version("3.0"))
    targets: list[HeapType] = [*ABSTRACT, *(TypeIdx(i) for i in range(5))]
    for x in range(5):
        for target in targets:
            assert heaptype_sub(ctx, TypeIdx(x), target) == (target in DEF_UP[x]), (x, target)
        assert heaptype_sub(ctx, BOTTOM_OF[x], TypeIdx(x))
        other_bottoms = {A.NONE, A.NOFUNC, A.NOEXTERN, A.NOEXN} - {BOTTOM_OF[x]}
        assert not any(heaptype_sub(ctx, b, TypeIdx(x)) for b in other_bottoms)
        assert all(not heaptype_sub(ctx, a, TypeIdx(x)) for a in ABSTRACT
                   if a is not BOTTOM_OF[x])
