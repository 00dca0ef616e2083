"""Per-rule tests of 3.0 GC typing: ``Subtype_ok`` (finality, order, composite matching),
``Comptype_sub`` (struct width and depth, array and field variance, functions), and the
``Instr_ok`` rules of the GC instructions that reject (immutable fields, packed access without
extension, non-defaultable types, data into reference arrays, mismatched array copies)."""

from __future__ import annotations

import pytest

from refwasm.errors import InvalidError
from refwasm.features import Features
from refwasm.text import parse_module
from refwasm.validation import validate_module

GC = Features.for_version("3.0")


def check(text: str) -> None:
    validate_module(parse_module(text, GC), GC)


def invalid(text: str, message: str) -> None:
    with pytest.raises(InvalidError) as info:
        check(text)
    assert info.value.message.startswith(message), info.value.message


@pytest.mark.parametrize("types", [
    "(type $a (sub (struct (field i32)))) (type (sub $a (struct (field i32) (field i64))))",
    "(type $a (sub (array i8))) (type (sub final $a (array i8)))",
    "(type $a (sub (func (param i32)))) (type (sub $a (func (param i32))))",
    "(type $a (sub (struct (field (mut i32))))) (type (sub $a (struct (field (mut i32)))))",
])
def test_valid_subtypes(types: str) -> None:
    """``Subtype_ok`` with ``Comptype_sub/struct`` (width), ``/array``, ``/func``."""
    check(f"(module {types})")


@pytest.mark.parametrize("types", [
    "(type $a (struct)) (type (sub $a (struct)))",  # final by default
    "(type $a (sub final (func))) (type (sub $a (func)))",
    "(type $a (sub (array i32))) (type (sub $a (struct)))",
    "(type $a (sub (array i32))) (type (sub $a (array i64)))",
    "(type $a (sub (struct (field i32)))) (type (sub $a (struct (field (mut i32)))))",
    "(type $a (sub (struct (field i32) (field i32)))) (type (sub $a (struct (field i32))))",
    "(type $a (sub (array (mut i8)))) (type (sub $a (array (mut i16))))",
])
def test_invalid_subtypes(types: str) -> None:
    """``Subtype_ok``: a final supertype, another kind, a field that does not match."""
    invalid(f"(module {types})", "sub type")


def test_supertype_must_come_first() -> None:
    """``Subtype_ok``: ``x < x_0`` (a type cannot be its own or a later type's subtype)."""
    invalid("(module (rec (type $a (sub $b (struct))) (type $b (sub (struct)))))", "sub type")


@pytest.mark.parametrize("body, message", [
    ("(struct.set $s 0 (struct.new_default $s) (i32.const 1))", "field is immutable"),
    ("(drop (struct.get $p 0 (struct.new_default $p)))", "type mismatch"),
    ("(drop (struct.get_s $s 0 (struct.new_default $s)))", "type mismatch"),
    ("(array.set $ai (array.new_default $ai (i32.const 1)) (i32.const 0) (i32.const 0))",
     "array is immutable"),
    ("(array.copy $am $a8 (array.new_default $am (i32.const 1)) (i32.const 0)"
     " (array.new_default $a8 (i32.const 1)) (i32.const 0) (i32.const 0))",
     "array types do not match"),
    ("(drop (array.new_data $af 0 (i32.const 0) (i32.const 0)))",
     "array type is not numeric or vector"),
    ("(drop (i31.get_s (i32.const 0)))", "type mismatch"),
    ("(drop (ref.eq (i32.const 0) (i32.const 0)))", "type mismatch"),
])
def test_gc_instruction_typing_rejects(body: str, message: str) -> None:
    """``Instr_ok/struct.set`` (mutable), ``struct.get`` (``sx`` exactly for packed),
    ``array.set``, ``array.copy`` (``Storagetype_sub``), ``array.new_data`` (numeric),
    ``i31.get``, ``ref.eq``."""
    invalid(f"""(module
      (type $s (struct (field i32)))
      (type $p (struct (field i8)))
      (type $ai (array i32))
      (type $am (array (mut i32)))
      (type $a8 (array (mut i8)))
      (type $af (array funcref))
      (data "")
      (func {body}))""", message)


def test_gc_instructions_type_check() -> None:
    """A well-typed use of each allocation, access and i31 rule."""
    check("""(module
      (type $s (struct (field (mut i8)) (field i64)))
      (type $a (array (mut i16)))
      (data "\\01\\02")
      (func (result i32)
        (drop (struct.get $s 1 (struct.new $s (i32.const 1) (i64.const 2))))
        (struct.set $s 0 (struct.new_default $s) (i32.const 3))
        (drop (array.new_data $a 0 (i32.const 0) (i32.const 1)))
        (drop (array.len (array.new_fixed $a 2 (i32.const 1) (i32.const 2))))
        (array.fill $a (array.new $a (i32.const 0) (i32.const 4)) (i32.const 0) (i32.const 1)
                       (i32.const 1))
        (i31.get_u (ref.i31 (i32.const 5)))))""")


def test_allocation_is_a_constant_instruction() -> None:
    """``Instr_const``: allocation, ``ref.i31`` and the conversions are constant in 3.0;
    ``i31.get`` and ``struct.get`` are not."""
    from refwasm.syntax.instructions import (
        ArrayNewFixed,
        I31Get,
        RefI31,
        StructGet,
        StructNew,
        Sx,
    )
    from refwasm.validation.context import Context
    from refwasm.validation.instructions import valid_const_instr

    ctx = Context(features=GC)
    for instr in (RefI31(), StructNew(0), ArrayNewFixed(0, 2)):
        valid_const_instr(ctx, instr)
    for instr in (I31Get(Sx.S), StructGet(None, 0, 0)):
        with pytest.raises(InvalidError, match="constant expression required"):
            valid_const_instr(ctx, instr)
    with pytest.raises(InvalidError, match="constant expression required"):
        valid_const_instr(Context(features=Features.for_version("2.0")), RefI31())


def test_huge_array_new_fixed_in_dead_code_is_fast() -> None:
    """``Instr_ok/array.new_fixed`` with ``n`` = 2^32 - 1 after ``unreachable``: valid, and
    checked without popping 4 billion operands."""
    check("(module (type $a (array i32)) (func (unreachable) (drop (array.new_fixed $a 4294967295))))")
    invalid("(module (type $a (array i32))"
            " (func (drop (array.new_fixed $a 3 (i32.const 1) (i32.const 2)))))", "type mismatch")


@pytest.mark.parametrize("body, message", [
    # Instr_ok/struct.new_default, array.new_default: defaultable fields only
    ("(drop (struct.new_default $nn))", "type mismatch"),
    ("(drop (array.new_default $ann (i32.const 1)))", "type mismatch"),
    # Instr_ok/array.new_elem, array.init_elem: C.elems[y] <: the element type
    ("(drop (array.new_elem $ai 0 (i32.const 0) (i32.const 0)))", "type mismatch"),
    ("(array.init_elem $af 0 (array.new_default $af (i32.const 1)) (i32.const 0) (i32.const 0)"
     " (i32.const 0))", "array is immutable"),
    # Instr_ok/array.len: an array reference
    ("(drop (array.len (struct.new_default $s)))", "type mismatch"),
    # Instr_ok/ref.test, ref.cast: the operand is in the target's hierarchy
    ("(drop (ref.test (ref null func) (ref.i31 (i32.const 0))))", "type mismatch"),
    ("(drop (ref.cast i31ref (ref.null extern)))", "type mismatch"),
    # Instr_ok/br_on_cast: rt2 <: rt1, and rt2 <: the label's last type
    ("(block (result i31ref) (drop (br_on_cast 0 i31ref anyref (ref.null none))) (ref.null none))",
     "type mismatch"),
    ("(block (result i31ref) (drop (br_on_cast 0 anyref structref (ref.null none))) "
     "(ref.null none))", "type mismatch"),
    # Instr_ok/br_on_cast_fail: rt1 \\ rt2 <: the label's last type
    ("(block (result i31ref) (drop (br_on_cast_fail 0 anyref i31ref (ref.null none))) "
     "(ref.null none))", "type mismatch"),
    # Instr_ok/any.convert_extern, extern.convert_any: the other hierarchy's operand
    ("(drop (any.convert_extern (ref.null any)))", "type mismatch"),
    ("(drop (extern.convert_any (ref.null extern)))", "type mismatch"),
])
def test_more_gc_typing_rejections(body: str, message: str) -> None:
    invalid(f"""(module
      (type $s (struct (field i32)))
      (type $nn (struct (field (ref $s))))
      (type $ann (array (ref $s)))
      (type $ai (array (mut i32)))
      (type $af (array funcref))
      (elem funcref)
      (func {body}))""", message)


@pytest.mark.parametrize("body", [
    "(drop (block (result i31ref) (br_on_cast 0 anyref i31ref (ref.null any)) (drop)"
    " (ref.null none)))",
    "(drop (block (result anyref) (br_on_cast_fail 0 anyref i31ref (ref.null any))))",
    "(drop (ref.cast (ref i31) (ref.i31 (i32.const 0))))",
    "(drop (ref.test structref (ref.null none)))",
    "(drop (extern.convert_any (any.convert_extern (ref.null extern))))",
    "(drop (array.new_elem $af 0 (i32.const 0) (i32.const 0)))",
])
def test_more_gc_typing_accepts(body: str) -> None:
    """``br_on_cast``: the fallthrough is ``rt1 \\ rt2``, the branch ``rt2``; ``br_on_cast_fail``
    the other way round; casts and conversions within their hierarchies."""
    check(f"(module (type $af (array funcref)) (elem funcref) (func {body}))")
