"""Modules in the text format: identifiers, abbreviations, folded instructions, errors.

Expected trees are written by hand from the spec's abbreviation rules (``text-*-abbrev``).
"""

from __future__ import annotations

import pytest

from refwasm.errors import MalformedError
from refwasm.features import Features
from refwasm.syntax.instructions import (
    BinOp,
    Binop,
    Block,
    Br,
    BrIf,
    BrTable,
    Call,
    CallIndirect,
    Const,
    Drop,
    If,
    Load,
    LoadPack,
    LocalGet,
    Loop,
    MemArg,
    Nop,
    RefFunc,
    RefNull,
    Select,
    Sx,
    TableInit,
    VConst,
    VShuffle,
)
from refwasm.syntax.modules import (
    DECLARE,
    PASSIVE,
    Active,
    Data,
    Elem,
    Export,
    ExternIdx,
    ExternKind,
    Func,
    Global,
    Import,
    Mem,
    Table,
    Type,
)
from refwasm.syntax.types import (
    EXTERNREF,
    FUNCREF,
    AbsHeapType,
    AddrType,
    ExternFunc,
    ExternGlobal,
    FuncType,
    GlobalType,
    Limits,
    MemType,
    Mut,
    NumType,
    TableType,
    TypeIdx,
    plain_functype,
)
from refwasm.text import parse_module

I32, I64, F32 = NumType.I32, NumType.I64, NumType.F32


def functype(params: tuple[NumType, ...], results: tuple[NumType, ...]) -> Type:
    return Type(plain_functype(FuncType(params, results)))


def i32(n: int) -> Const:
    return Const(I32, n & 0xFFFFFFFF)


def test_empty_module_forms() -> None:
    assert parse_module("(module)") == parse_module("") == parse_module("(module $m)")


def test_implicit_types_follow_explicit_ones_in_order() -> None:
    m = parse_module("""(module
        (import "a" "b" (func (param i64)))
        (func (param i32))
        (type $t (func (result i32)))
        (func (result i32) (block (param i32) (result i32 i32) (unreachable)) drop)
        (func (type $t) (param) (result i32) (i32.const 0)))""")
    assert m.types == (
        functype((), (I32,)),  # the explicit type comes first
        functype((I64,), ()),
        functype((I32,), ()),
        functype((I32,), (I32, I32)),  # a block type, after its function's signature
    )
    assert [f.typeidx for f in m.funcs] == [2, 0, 0]
    assert m.imports == (Import("a", "b", ExternFunc(TypeIdx(1))),)
    assert m.funcs[1].body[0] == Block(TypeIdx(3), (m.funcs[1].body[0].body[0],))  # type: ignore[union-attr]


def test_identifiers_count_imports_first() -> None:
    m = parse_module("""(module
        (import "m" "f" (func $imp))
        (global $x (import "m" "x") i32)
        (func $g (export "g") (call $imp) (call $g))
        (export "x" (global $x)))""")
    assert m.funcs[0].body == (Call(0), Call(1))
    assert m.exports == (Export("g", ExternIdx(ExternKind.FUNC, 1)),
                         Export("x", ExternIdx(ExternKind.GLOBAL, 0)))
    assert m.imports[1] == Import("m", "x", ExternGlobal(GlobalType(Mut.CONST, I32)))


def test_locals_and_labels() -> None:
    m = parse_module("""(func (param $a i32) (param i64) (local $b f32) (local i32 i32)
        (local.get $a) (local.get $b) drop drop
        (block $out (loop $l (br_if $out (i32.const 1)) (br $l)))
        block $x block br_table $x 0 $x end end)""")
    body = m.funcs[0].body
    assert m.funcs[0].locals == (F32, I32, I32)
    assert body[:4] == (LocalGet(0), LocalGet(2), Drop(), Drop())
    assert body[4] == Block(None, (Loop(None, (i32(1), BrIf(1), Br(0))),))
    assert body[5] == Block(None, (Block(None, (BrTable((1, 0), 1),)),))


def test_folded_if_puts_the_condition_first() -> None:
    m = parse_module("(func (result i32) (if (result i32) (i32.const 1) (then (i32.const 2))"
                     " (else (i32.const 3))))")
    assert m.funcs[0].body == (i32(1), If(I32, (i32(2),), (i32(3),)))


def test_folded_operands_come_first() -> None:
    m = parse_module("(func (result i32) (i32.add (i32.const 1) (i32.mul (i32.const 2) "
                     "(i32.const 3))))")
    assert m.funcs[0].body == (i32(1), i32(2), i32(3), Binop(I32, BinOp.MUL),
                               Binop(I32, BinOp.ADD))


def test_table_and_memory_abbreviations() -> None:
    m = parse_module("""(module
        (func $f) (func $g)
        (table $t (export "t") funcref (elem $g $f))
        (memory (data "ab" "c"))
        (elem declare func $f)
        (elem $p externref (ref.null extern) (item ref.null extern))
        (elem (table $t) (offset (i32.const 1)) funcref (ref.func $g))
        (data $d "x")
        (func (table.init $t $p) (table.init 1)))""", V2)
    assert m.tables == (Table(TableType(AddrType.I32, Limits(2, 2), FUNCREF)),)
    assert m.mems == (Mem(MemType(AddrType.I32, Limits(1, 1))),)
    assert m.elems == (
        Elem(FUNCREF, ((RefFunc(1),), (RefFunc(0),)), Active(0, (i32(0),))),
        Elem(FUNCREF, ((RefFunc(0),),), DECLARE),
        Elem(EXTERNREF, ((RefNull(AbsHeapType.EXTERN),),) * 2, PASSIVE),
        Elem(FUNCREF, ((RefFunc(1),),), Active(0, (i32(1),))),
    )
    assert m.datas == (Data(b"abc", Active(0, (i32(0),))), Data(b"x", PASSIVE))
    assert m.funcs[2].body == (TableInit(0, 2), TableInit(0, 1))
    assert m.exports == (Export("t", ExternIdx(ExternKind.TABLE, 0)),)


def test_legacy_segments_and_offsets() -> None:
    m = parse_module("""(module (table 1 funcref) (memory 1) (func)
        (elem 0 (i32.const 0) 0) (elem (i32.const 0) func 0)
        (data 0 (offset (i32.const 5)) "a") (data (memory 0) (i32.const 6) "b"))""", V2)
    assert m.elems[0] == m.elems[1] == Elem(FUNCREF, ((RefFunc(0),),), Active(0, (i32(0),)))
    assert m.datas == (Data(b"a", Active(0, (i32(5),))), Data(b"b", Active(0, (i32(6),))))


def test_instruction_immediates() -> None:
    m = parse_module("""(module (type (func)) (table 1 funcref) (memory 1)
        (global (mut f32) (f32.const -0x1p-1))
        (func
          (i64.load16_s offset=0x10 align=1 (i32.const 0)) drop
          (call_indirect (type 0) (i32.const 0))
          (select (result i32) (i32.const 1) (i32.const 2) (i32.const 0)) drop
          (v128.const i16x8 -1 0 1 2 3 4 5 0xffff) drop
          (i8x16.shuffle 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31
             (v128.const i64x2 0 0) (v128.const f32x4 1 1 1 -0)) drop))""")
    assert m.globals == (Global(GlobalType(Mut.VAR, F32), (Const(F32, 0xBF000000),)),)
    body = m.funcs[0].body
    assert body[1] == Load(I64, LoadPack(16, Sx.S), 0, MemArg(0, 16))
    assert body[4] == CallIndirect(0, TypeIdx(0))
    assert body[8] == Select((I32,))
    lanes = [0xFFFF, 0, 1, 2, 3, 4, 5, 0xFFFF]
    assert body[10] == VConst(sum(v << (16 * i) for i, v in enumerate(lanes)))
    assert body[13] == VConst(0x80000000_3F800000_3F800000_3F800000)
    assert body[14] == VShuffle((*range(15), 31))


def test_numeric_indices_out_of_range_are_not_parse_errors() -> None:
    m = parse_module("(func (call 99) (br 7) (local.get 1000))")
    assert m.funcs[0].body == (Call(99), Br(7), LocalGet(1000))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("(func (call $nope))", "unknown function $nope"),
        ("(func (br $nope))", "unknown label"),
        ("(func (local.get $x))", "unknown local"),
        ("(func $f) (func $f)", "duplicate func"),
        ("(func (param $x i32) (local $x i32))", "duplicate local"),
        ("(func block $a end $b)", "mismatching label"),
        ("(func (i32.const 0x1_0000_0000))", "constant out of range"),
        ("(func (f32.const 1e39))", "constant out of range"),
        ("(func (i32.frob))", "unknown operator"),
        ("(func (i32.load align=3 (i32.const 0)))", "alignment"),
        ("(func (i32.load offset=0x1_0000_0000 (i32.const 0)))", "i32 constant"),
        ("(memory 0x1_0000_0000)", "i32 constant out of range"),
        ("(type $t (func)) (func (type $t) (param i32))", "inline function type"),
        ("(func (type 3) (param i32))", "unknown type"),
        ("(func) (import \"a\" \"b\" (func))", "import after function"),
        ("(start 0) (start 0)", "multiple start sections"),
        ("(func (v128.const i32x4 1 2 3))", "wrong number of lane literals"),
        ("(func (i8x16.extract_lane_s 256 (v128.const i64x2 0 0)))", "malformed lane index"),
        ("(func (i8x16.shuffle 1 2))", "invalid lane length"),
        ("(func (block (result i32) (param i32)))", "unexpected token"),
        ("(func block)", "unexpected token"),
        ("(func (export \"\\ff\"))", "malformed UTF-8 encoding"),
        ("(func (nop) (local i32))", "unexpected token"),
        ('(data "a"x)', "unknown operator"),
    ],
)
def test_malformed(text: str, message: str) -> None:
    with pytest.raises(MalformedError) as info:
        parse_module(text, V2)
    assert info.value.message.startswith(message)

# Cases that pin 2.0's text rules (3.0, the default, reads some of them differently).
V2 = Features.for_version("2.0")


def test_features_gate_syntax() -> None:
    v1 = Features.for_version("1.0")
    for text in ("(func (i32.extend8_s (i32.const 0)))", "(func (ref.null func) drop)",
                 "(func (memory.fill (i32.const 0) (i32.const 0) (i32.const 0)))",
                 "(func (v128.const i64x2 0 0) drop)"):
        parse_module(text)
        with pytest.raises(MalformedError, match="unknown operator"):
            parse_module(text, v1)
    # In 1.0, ``(data $m ...)`` names the memory, not the segment.
    m = parse_module('(memory $m 1) (data $m (i32.const 0) "a")', v1)
    assert m.datas == (Data(b"a", Active(0, (i32(0),))),)


@pytest.mark.parametrize("form", ["folded", "plain", "operands", "if"])
def test_deep_nesting(form: str) -> None:
    n = 10_000
    text = {
        "folded": "(func " + "(block " * n + ")" * n + ")",
        "plain": "(func " + "block " * n + "end " * n + ")",
        "operands": "(func (result i32) " + "(i32.eqz " * n + "(i32.const 0)" + ")" * n + ")",
        "if": "(func " + "(if (i32.const 0) (then " * n + "))" * n + ")",
    }[form]
    body = parse_module(text).funcs[0].body
    depth = 0
    while body and isinstance(body[-1], Block | If):
        last = body[-1]
        body = last.then if isinstance(last, If) else last.body
        depth += 1
    assert depth == (0 if form == "operands" else n)


def test_unused_func_tuple_shape() -> None:
    m = parse_module("(func nop)")
    assert m.funcs == (Func(0, (), (Nop(),)),)
