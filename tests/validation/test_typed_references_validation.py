"""Typing rules of Wasm 3.0 typed function references and tail calls, one test per rule:
``Instr_ok/call_ref``, ``Instr_ok/return_call_ref``, ``Instr_ok/ref.as_non_null``,
``Instr_ok/br_on_null``, ``Instr_ok/br_on_non_null``, ``Instr_ok/local.get`` with the local
initialisation rule (``Local_ok/unset``, ``Instrs_ok/seq``), ``Table_ok`` (non-null tables need
an initialiser; it sees the imported globals only), and ``Heaptype_sub`` on func/extern."""

from __future__ import annotations

import pytest

from refwasm.errors import InvalidError
from refwasm.features import Features
from refwasm.syntax.types import AbsHeapType, RefType, TypeIdx
from refwasm.text.parser import parse_module
from refwasm.validation import validate_module
from refwasm.validation.context import Context
from refwasm.validation.types import defaultable, heaptype_sub, reftype_sub

V3 = Features.for_version("3.0")
A = AbsHeapType


def ok(fields: str, features: Features = V3) -> None:
    validate_module(parse_module(f"(module (type $t (func (param i32) (result i32))) {fields})",
                                 features), features)


def bad(fields: str, message: str = "type mismatch") -> None:
    with pytest.raises(InvalidError, match=message):
        ok(fields)


def test_call_ref_pops_a_reference_to_the_type() -> None:
    ok("(func (param (ref null $t)) (result i32) (call_ref $t (i32.const 1) (local.get 0)))")
    ok("(func (param (ref $t)) (result i32) (call_ref $t (i32.const 1) (local.get 0)))")
    bad("(func (param funcref) (result i32) (call_ref $t (i32.const 1) (local.get 0)))")
    bad("(func (param (ref $t)) (result i32) (call_ref $t (local.get 0)))")


def test_return_call_ref_results_must_match_the_callers() -> None:
    ok("(func (param (ref $t)) (result i32) (return_call_ref $t (i32.const 1) (local.get 0)))")
    bad("(func (param (ref $t)) (result i64) (return_call_ref $t (i32.const 1) (local.get 0)))")
    # The stack after the tail call is polymorphic.
    ok("(func (param (ref $t)) (result i32) (return_call_ref $t (i32.const 1) (local.get 0))"
       " (i32.add))")


def test_ref_as_non_null_drops_nullability() -> None:
    ok("(func (param funcref) (result (ref func)) (ref.as_non_null (local.get 0)))")
    bad("(func (param funcref) (result (ref func)) (local.get 0))")
    bad("(func (param i32) (drop (ref.as_non_null (local.get 0))))")
    ok("(func (result (ref func)) unreachable ref.as_non_null)")


def test_br_on_null_keeps_the_non_null_reference() -> None:
    ok("(func (param externref) (result (ref extern))"
       " (block $l (br_on_null $l (local.get 0)) (return)) (unreachable))")
    # The label takes the values below the reference.
    ok("(func (param externref) (result i32) (block $l (result i32)"
       " (br_on_null $l (i32.const 1) (local.get 0)) (drop)))")
    bad("(func (param i32) (block $l (br_on_null $l (local.get 0)) (drop)))")


def test_br_on_non_null_passes_the_reference_to_the_label() -> None:
    ok("(func (param funcref) (result (ref func))"
       " (block $l (result (ref func)) (br_on_non_null $l (local.get 0)) (unreachable)))")
    # The label's last type must take (ref ht): funcref does, (ref extern) does not.
    ok("(func (param funcref) (result funcref)"
       " (block $l (result funcref) (br_on_non_null $l (local.get 0)) (ref.null func)))")
    bad("(func (param funcref) (block $l (result (ref extern))"
        " (br_on_non_null $l (local.get 0)) (unreachable)) (drop))")
    bad("(func (param funcref) (block $l (br_on_non_null $l (local.get 0))))")


def test_non_defaultable_local_must_be_set_first() -> None:
    ok("(func (param (ref func)) (local (ref func)) (local.set 1 (local.get 0))"
       " (drop (local.get 1)))")
    bad("(func (local (ref func)) (drop (local.get 0)))", "uninitialized local")
    ok("(func (param (ref func)) (local (ref func)) (drop (local.tee 1 (local.get 0)))"
       " (drop (local.get 1)))")
    # A nullable local is defaultable: no set needed.
    ok("(func (local funcref) (drop (local.get 0)))")


def test_local_set_in_a_block_lasts_to_its_end() -> None:
    ok("(func (param (ref func)) (local (ref func))"
       " (block (local.set 1 (local.get 0)) (drop (local.get 1))))")
    bad("(func (param (ref func)) (local (ref func))"
        " (block (local.set 1 (local.get 0))) (drop (local.get 1)))", "uninitialized local")
    bad("(func (param (ref func) i32) (local (ref func))"
        " (if (local.get 1) (then (local.set 2 (local.get 0))) (else (drop (local.get 2)))))",
        "uninitialized local")


def test_defaultable() -> None:
    assert defaultable(RefType(True, A.FUNC))
    assert not defaultable(RefType(False, A.FUNC))
    assert not defaultable(RefType(False, TypeIdx(0)))


def test_non_null_table_needs_an_initialiser() -> None:
    ok("(func $f) (elem declare func $f) (table 1 (ref func) (ref.func $f))")
    bad("(table 1 (ref func))")
    bad("(table 1 (ref func) (ref.null func))")


def test_table_initialiser_sees_imported_globals_only() -> None:
    ok('(global $g (import "m" "g") funcref) (table 1 funcref (global.get $g))')
    bad("(global $g funcref (ref.null func)) (table 1 funcref (global.get $g))",
        "unknown global")


@pytest.mark.parametrize(("sub", "sup", "expected"), [
    (A.NOFUNC, A.FUNC, True), (A.FUNC, A.NOFUNC, False),
    (A.NOEXTERN, A.EXTERN, True), (A.NOFUNC, A.EXTERN, False),
    (A.NOEXTERN, A.FUNC, False), (A.EXTERN, A.FUNC, False),
    (TypeIdx(0), A.FUNC, True), (A.NOFUNC, TypeIdx(0), True),
    (A.FUNC, TypeIdx(0), False), (TypeIdx(0), A.EXTERN, False),
])  # fmt: skip
def test_heaptype_sub_on_func_and_extern(sub: object, sup: object, expected: bool) -> None:
    from refwasm.syntax.types import FuncType, SubType

    ctx = Context(types=(SubType(True, (), FuncType((), ())),), features=V3)
    assert heaptype_sub(ctx, sub, sup) is expected  # type: ignore[arg-type]


def test_reftype_sub_nullability_only_widens() -> None:
    ctx = Context(features=V3)
    assert reftype_sub(ctx, RefType(False, A.FUNC), RefType(True, A.FUNC))
    assert not reftype_sub(ctx, RefType(True, A.FUNC), RefType(False, A.FUNC))


def test_typed_references_are_invalid_in_2_0() -> None:
    from refwasm.syntax.instructions import RefAsNonNull, RefNull
    from refwasm.syntax.modules import Func, Module, Type
    from refwasm.syntax.types import FuncType, plain_functype

    v2 = Features.for_version("2.0")
    m = Module(types=(Type(plain_functype(FuncType((), ()))),),
               funcs=(Func(0, (), (RefNull(A.FUNC), RefAsNonNull(), )),))
    with pytest.raises(InvalidError):
        validate_module(m, v2)
