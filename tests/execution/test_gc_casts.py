"""``ref.cast`` succeeds exactly when ``ref.test`` says 1, and both agree with a small
independent model of the any hierarchy (issue 13's cast property), for every pair of a value
kind and a target type, on both engines.

The model is a hand-written table of the heap types each kind of value belongs to; it shares
nothing with ``refwasm.validation.types`` or ``refwasm.execution.heap``.
"""

from __future__ import annotations

import itertools

import pytest

from refwasm.embedding import func_invoke, instance_export, module_instantiate, store_init
from refwasm.errors import CAST_FAILURE, TrapError
from refwasm.execution.values import ExternFuncAddr, Val
from refwasm.features import Features
from refwasm.syntax.instructions import (
    ArrayNewDefault,
    Const,
    Drop,
    Instr,
    RefCast,
    RefI31,
    RefNull,
    RefTest,
    StructNew,
)
from refwasm.syntax.modules import Export, ExternIdx, ExternKind, Func, Module, Type
from refwasm.syntax.types import (
    AbsHeapType,
    ArrayType,
    FieldType,
    FuncType,
    HeapType,
    Mut,
    NumType,
    PackType,
    RecType,
    RefType,
    StructType,
    SubType,
    TypeIdx,
)

GC = Features.for_version("3.0")
I32, I64 = NumType.I32, NumType.I64
BASE, DERIVED, ARRAY, OTHER = 0, 1, 2, 3
TYPES = (
    SubType(False, (), StructType((FieldType(Mut.CONST, I32),))),
    SubType(True, (TypeIdx(BASE),), StructType((FieldType(Mut.CONST, I32),
                                                FieldType(Mut.CONST, I64)))),
    SubType(True, (), ArrayType(FieldType(Mut.VAR, PackType.I8))),
    SubType(True, (), StructType((FieldType(Mut.CONST, I32),))),  # like BASE, but final
)
A = AbsHeapType

# The independent model: the heap types each kind of non-null value belongs to.
MEMBERSHIP: dict[str, set[HeapType]] = {
    "i31": {A.ANY, A.EQ, A.I31},
    "base": {A.ANY, A.EQ, A.STRUCT, TypeIdx(BASE)},
    "derived": {A.ANY, A.EQ, A.STRUCT, TypeIdx(BASE), TypeIdx(DERIVED)},
    "array": {A.ANY, A.EQ, A.ARRAY, TypeIdx(ARRAY)},
    "other": {A.ANY, A.EQ, A.STRUCT, TypeIdx(OTHER)},
    "null": set(),
}
MAKE: dict[str, tuple[Instr, ...]] = {
    "i31": (Const(I32, 7), RefI31()),
    "base": (Const(I32, 1), StructNew(BASE)),
    "derived": (Const(I32, 1), Const(I64, 2), StructNew(DERIVED)),
    "array": (Const(I32, 2), ArrayNewDefault(ARRAY)),
    "other": (Const(I32, 1), StructNew(OTHER)),
    "null": (RefNull(A.NONE),),
}
TARGETS: list[HeapType] = [A.ANY, A.EQ, A.I31, A.STRUCT, A.ARRAY, A.NONE, TypeIdx(BASE),
                           TypeIdx(DERIVED), TypeIdx(ARRAY), TypeIdx(OTHER)]


def model(kind: str, rt: RefType) -> bool:
    return rt.null if kind == "null" else rt.heaptype in MEMBERSHIP[kind]


def run(body: tuple[Instr, ...], results: tuple[NumType, ...], engine: str) -> list[Val]:
    module = Module(
        types=tuple(Type(RecType((st,))) for st in TYPES)
        + (Type(RecType((SubType(True, (), FuncType((), results)),))),),
        funcs=(Func(len(TYPES), (), body),),
        exports=(Export("f", ExternIdx(ExternKind.FUNC, 0)),),
    )
    store = store_init(engine=engine)
    ev = instance_export(module_instantiate(store, module, [], GC), "f")
    assert isinstance(ev, ExternFuncAddr)
    return func_invoke(store, ev.addr, [])


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_ref_cast_succeeds_exactly_when_ref_test_says_one(engine: str) -> None:
    for kind, ht, null in itertools.product(MAKE, TARGETS, (False, True)):
        rt = RefType(null, ht)
        (tested,) = run((*MAKE[kind], RefTest(rt)), (I32,), engine)
        try:
            run((*MAKE[kind], RefCast(rt), Drop()), (), engine)
            cast = 1
        except TrapError as e:
            assert e.message == CAST_FAILURE
            cast = 0
        assert tested == cast == int(model(kind, rt)), (kind, rt)
