"""Text format of Wasm 3.0 reference types (``Treftype_(I)``, ``Theaptype_(I)``, the
shorthands of ``Treftype_(I)/abbrev``), tables with initialisers (``Ttable_(I)``), and the
tail call and typed reference instructions, with the printer's inverse."""

from __future__ import annotations

import pytest

from refwasm.errors import MalformedError
from refwasm.features import Features
from refwasm.syntax.instructions import (
    BrOnNonNull,
    BrOnNull,
    CallRef,
    RefAsNonNull,
    RefFunc,
    RefNull,
    ReturnCall,
    ReturnCallIndirect,
    ReturnCallRef,
)
from refwasm.syntax.types import AbsHeapType, RefType, TypeIdx
from refwasm.text.parser import parse_module
from refwasm.text.printer import print_module

V3 = Features.for_version("3.0")
V2 = Features.for_version("2.0")
A = AbsHeapType

# The shorthands of 6.2-text.types.spectec, copied by hand.
SHORTHANDS = [
    ("anyref", A.ANY), ("eqref", A.EQ), ("i31ref", A.I31), ("structref", A.STRUCT),
    ("arrayref", A.ARRAY), ("nullref", A.NONE), ("funcref", A.FUNC),
    ("nullfuncref", A.NOFUNC), ("exnref", A.EXN), ("nullexnref", A.NOEXN),
    ("externref", A.EXTERN), ("nullexternref", A.NOEXTERN),
]  # fmt: skip


def _local(text: str, features: Features = V3) -> object:
    m = parse_module(f"(module (type $t (func)) (func (local {text})))", features)
    return m.funcs[0].locals[0]


@pytest.mark.parametrize(("word", "ht"), SHORTHANDS)
def test_shorthand_is_ref_null(word: str, ht: AbsHeapType) -> None:
    assert _local(word) == RefType(True, ht)
    assert _local(f"(ref null {ht.value})") == RefType(True, ht)
    assert _local(f"(ref {ht.value})") == RefType(False, ht)


def test_heap_type_may_be_a_type_index_or_identifier() -> None:
    assert _local("(ref $t)") == RefType(False, TypeIdx(0))
    assert _local("(ref null 0)") == RefType(True, TypeIdx(0))
    with pytest.raises(MalformedError, match="unknown type"):
        _local("(ref $nope)")


def test_type_may_name_a_later_type() -> None:
    m = parse_module("(module (type $a (func (param (ref $b)))) (type $b (func)))", V3)
    assert m.types[0].rectype.subtypes[0].comptype.params == (  # type: ignore[union-attr]
        RefType(False, TypeIdx(1)),)


def test_typed_references_are_not_2_0_text() -> None:
    with pytest.raises(MalformedError):
        _local("(ref func)", V2)
    with pytest.raises(MalformedError):
        _local("nullfuncref", V2)


def test_gc_shorthands_need_gc() -> None:
    with pytest.raises(MalformedError):
        _local("anyref", V3.with_(gc=False))
    assert _local("nullfuncref", V3.with_(gc=False)) == RefType(True, A.NOFUNC)


def test_instructions() -> None:
    m = parse_module("""(module (type $t (func)) (table 1 funcref)
      (func $f (block $l (return_call $f) (return_call_indirect (type $t) (i32.const 0))
        (call_ref $t (ref.func $f)) (return_call_ref $t (ref.null $t))
        (drop (ref.as_non_null (ref.null func)))
        (br_on_null $l (ref.null func)) (br_on_non_null $l (ref.null func)))))""", V3)
    body = m.funcs[0].body[0].body  # type: ignore[attr-defined]
    assert ReturnCall(0) in body
    assert ReturnCallIndirect(0, TypeIdx(0)) in body
    assert CallRef(TypeIdx(0)) in body
    assert ReturnCallRef(TypeIdx(0)) in body
    assert RefAsNonNull() in body
    assert RefNull(TypeIdx(0)) in body
    assert BrOnNull(0) in body and BrOnNonNull(0) in body


def test_instructions_are_unknown_operators_in_2_0() -> None:
    for word in ("return_call 0", "call_ref 0", "ref.as_non_null", "br_on_null 0"):
        with pytest.raises(MalformedError, match="unknown operator"):
            parse_module(f"(module (type (func)) (func {word}))", V2)


def test_table_initialiser() -> None:
    m = parse_module("(module (func $f) (table 10 (ref func) (ref.func $f)))", V3)
    assert m.tables[0].init == (RefFunc(0),)
    assert m.tables[0].tabletype.reftype == RefType(False, A.FUNC)
    m = parse_module("(module (table 10 funcref))", V3)
    assert m.tables[0].init is None


def test_func_element_list_is_ref_func_in_3_0() -> None:
    src = "(module (func $f) (elem declare func $f))"
    assert parse_module(src, V3).elems[0].reftype == RefType(False, A.FUNC)
    assert parse_module(src, V2).elems[0].reftype == RefType(True, A.FUNC)


def test_printer_round_trip() -> None:
    src = """(module (type $t (func (param (ref null $t)) (result (ref func))))
      (type $u (func))
      (table 3 (ref func) (ref.func $f)) (table 2 nullfuncref) (table 1 (ref null $u))
      (global (ref null extern) (ref.null noextern))
      (elem declare func $f)
      (func $f (type $u) (local (ref null $t) anyref (ref eq) exnref)
        (block $l (result (ref $u)) (br_on_null $l (ref.func $f)) (return_call $f)))
      (func (param (ref $u)) (call_ref $u (local.get 0)) (return_call_ref $u (local.get 0))))"""
    m = parse_module(src, V3)
    text = print_module(m, V3)
    assert "(ref null 0)" in text and "nullfuncref" in text and "anyref" in text
    assert parse_module(text, V3) == m
