"""Typing rules of exception handling (3.0): one test or more per rule of SpecTec
``2.3-validation.instructions`` ("Exception instructions"), ``Tagtype_ok``, ``Tag_ok``, tag
imports and exports; each with a module the rule accepts and one it rejects."""

from __future__ import annotations

import pytest

from refwasm.errors import InvalidError
from refwasm.features import Features
from refwasm.syntax.instructions import (
    Block,
    Catch,
    CatchAll,
    CatchAllRef,
    CatchRef,
    Const,
    Drop,
    Instr,
    RefNull,
    Throw,
    ThrowRef,
    TryTable,
    Unreachable,
)
from refwasm.syntax.modules import Export, ExternIdx, ExternKind, Func, Import, Module, Tag, Type
from refwasm.syntax.types import (
    EXNREF,
    AbsHeapType,
    ExternTag,
    FuncType,
    NumType,
    RefType,
    TagType,
    TypeIdx,
    ValType,
    plain_functype,
)
from refwasm.text.parser import parse_module
from refwasm.validation import validate_module

V2 = Features.for_version("2.0")
V3 = Features.for_version("3.0")
I32, I64 = NumType.I32, NumType.I64
REF_EXN = RefType(False, AbsHeapType.EXN)


def valid(wat: str) -> None:
    validate_module(parse_module(wat, V3), V3)


def invalid(wat: str, message: str = "type mismatch") -> None:
    with pytest.raises(InvalidError) as raised:
        validate_module(parse_module(wat, V3), V3)
    assert raised.value.message.startswith(message)


def tree(
    body: tuple[Instr, ...], results: tuple[ValType, ...] = (), tag_params: tuple[ValType, ...] = (I32,),
    block_results: tuple[ValType, ...] = (),
) -> Module:
    """A module with one tag of ``tag_params``, a block type ``[] -> block_results`` (type 2)
    and one function ``[] -> results`` with ``body``."""
    return Module(
        types=(
            Type(plain_functype(FuncType(tag_params, ()))),
            Type(plain_functype(FuncType((), results))),
            Type(plain_functype(FuncType((), block_results))),
        ),
        tags=(Tag(TagType(TypeIdx(0))),),
        funcs=(Func(1, (), body),),
    )


# -- Tagtype_ok, Tag_ok, imports and exports ----------------------------------------------------


def test_tagtype_ok_function_type_without_results() -> None:
    valid("(module (tag (param i32 f64)))")


def test_tagtype_ok_rejects_results() -> None:
    invalid("(module (tag (result i32)))", "non-empty tag result type")
    invalid('(module (import "" "" (tag (result i32))))', "non-empty tag result type")


def test_tagtype_ok_unknown_type() -> None:
    m = Module(tags=(Tag(TagType(TypeIdx(3))),))
    with pytest.raises(InvalidError, match="unknown type 3"):
        validate_module(m, V3)


def test_tags_need_the_exceptions_feature() -> None:
    m = Module(types=(Type(plain_functype(FuncType((), ()))),), tags=(Tag(TagType(TypeIdx(0))),))
    validate_module(m, V3)
    with pytest.raises(InvalidError):
        validate_module(m, V2)
    imported = Module(types=m.types, imports=(Import("m", "t", ExternTag(TagType(TypeIdx(0)))),))
    with pytest.raises(InvalidError):
        validate_module(imported, V2)


def test_externidx_ok_tag() -> None:
    valid('(module (tag $t) (export "t" (tag $t)))')
    m = Module(exports=(Export("t", ExternIdx(ExternKind.TAG, 0)),))
    with pytest.raises(InvalidError, match="unknown tag 0"):
        validate_module(m, V3)


def test_imported_tags_come_first_in_the_index_space() -> None:
    valid('(module (import "m" "t" (tag (param i64))) (tag (param i32))'
          ' (func (i64.const 1) (throw 0)) (func (i32.const 1) (throw 1)))')
    invalid('(module (import "m" "t" (tag (param i64))) (tag (param i32))'
            ' (func (i32.const 1) (throw 0)))')


# -- Instr_ok/throw -----------------------------------------------------------------------------


def test_throw_pops_the_tag_parameters_and_is_stack_polymorphic() -> None:
    valid("(module (tag (param i32 i64)) (func (result f32) (i32.const 1) (i64.const 2) (throw 0)))")


def test_throw_unknown_tag() -> None:
    invalid("(module (func (throw 0)))", "unknown tag 0")


def test_throw_operand_mismatch_words_both_sides() -> None:
    invalid("(module (tag (param i32)) (func (throw 0)))",
            "type mismatch: instruction requires [i32] but stack has []")
    invalid("(module (tag (param i32)) (func (i64.const 5) (throw 0)))",
            "type mismatch: instruction requires [i32] but stack has [i64]")


# -- Instr_ok/throw_ref -------------------------------------------------------------------------


def test_throw_ref_takes_a_nullable_exnref() -> None:
    validate_module(tree((RefNull(AbsHeapType.EXN), ThrowRef())), V3)
    # Stack-polymorphic: after it, anything.
    validate_module(tree((RefNull(AbsHeapType.EXN), ThrowRef()), results=(I64,)), V3)


def test_throw_ref_rejects_other_operands() -> None:
    with pytest.raises(InvalidError, match="type mismatch"):
        validate_module(tree((ThrowRef(),)), V3)
    with pytest.raises(InvalidError, match="type mismatch"):
        validate_module(tree((Const(I32, 0), ThrowRef())), V3)
    with pytest.raises(InvalidError, match="type mismatch"):
        validate_module(tree((RefNull(AbsHeapType.FUNC), ThrowRef())), V3)


# -- Instr_ok/try_table -------------------------------------------------------------------------


def test_try_table_is_a_block_of_its_type() -> None:
    valid("(module (func (result i32) (try_table (result i32) (i32.const 1))))")
    valid("(module (func (result i32) (i32.const 1) (try_table (param i32) (result i32))))")
    invalid("(module (func (result i32) (try_table (result i32))))")
    invalid("(module (func (result i32) (try_table (result i32) (i64.const 42))))")


def test_try_table_body_label_is_its_own() -> None:
    valid("(module (func (result i32) (try_table (result i32) (i32.const 1) (br 0))))")


def test_try_table_needs_the_exceptions_feature() -> None:
    m = tree((TryTable(None, (), ()),), tag_params=())
    validate_module(m, V3)
    with pytest.raises(InvalidError):
        validate_module(Module(types=m.types, funcs=m.funcs), V2)


# -- Catch_ok ----------------------------------------------------------------------------------


def test_catch_label_takes_the_tag_parameters() -> None:
    valid("(module (tag (param i32)) (func (block (result i32) (try_table (catch 0 0))"
          " (i32.const 0)) (drop)))")
    invalid("(module (tag (param i32)) (func (block (try_table (catch 0 0)))))")


def test_catch_labels_count_from_outside_the_try_table() -> None:
    # Label 0 of a clause is the block around the try_table, not the try_table's own label
    # (which has result i64 here and would not accept the i32).
    valid("(module (tag (param i32)) (func (block (result i32)"
          " (try_table (result i64) (catch 0 0) (i64.const 1)) (drop) (i32.const 0)) (drop)))")


def test_catch_unknown_tag_and_label() -> None:
    invalid("(module (func (block (try_table (catch 0 0)))))", "unknown tag 0")
    invalid("(module (func (try_table (catch_all 1))))", "unknown label 1")


def test_catch_ref_passes_a_non_null_exnref_after_the_fields() -> None:
    body = (Block(TypeIdx(2), (TryTable(None, (CatchRef(0, 0),), ()), Unreachable())), Drop(), Drop())
    validate_module(tree(body, block_results=(I32, REF_EXN)), V3)
    validate_module(tree(body, block_results=(I32, EXNREF)), V3)  # (ref exn) <: exnref
    with pytest.raises(InvalidError, match="type mismatch"):
        validate_module(tree(body, block_results=(I32,)), V3)
    with pytest.raises(InvalidError, match="type mismatch"):
        validate_module(tree(body, block_results=(REF_EXN,)), V3)


def test_catch_all_passes_nothing() -> None:
    valid("(module (func (block (try_table (catch_all 0)))))")
    body = (Block(TypeIdx(2), (TryTable(None, (CatchAll(0),), ()), Unreachable())), Drop())
    with pytest.raises(InvalidError, match="type mismatch"):
        validate_module(tree(body, block_results=(EXNREF,)), V3)


def test_catch_all_ref_passes_only_the_reference() -> None:
    body = (Block(TypeIdx(2), (TryTable(None, (CatchAllRef(0),), ()), Unreachable())), Drop())
    validate_module(tree(body, block_results=(EXNREF,)), V3)
    with pytest.raises(InvalidError, match="type mismatch"):
        validate_module(tree((Block(None, (TryTable(None, (CatchAllRef(0),), ()),)),)), V3)


def test_the_tag_of_a_catch_without_results_expands_to_its_parameters() -> None:
    body = (Block(TypeIdx(2), (TryTable(None, (Catch(0, 0),), (Const(I32, 1), Const(I64, 2), Throw(0))),
                                Unreachable())), Drop(), Drop())
    validate_module(tree(body, tag_params=(I32, I64), block_results=(I32, I64)), V3)
