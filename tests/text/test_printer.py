"""The printer: exact floats and bytes, and ``parse(print(m)) == m``."""

from __future__ import annotations

import pytest

from refwasm.syntax.instructions import Block, Const, If, Loop, Nop, Select, VConst
from refwasm.syntax.modules import Custom, Func, Module, Type
from refwasm.syntax.types import FuncType, NumType, plain_functype
from refwasm.text import parse_module, print_module
from refwasm.text.printer import number, string

F32, F64 = NumType.F32, NumType.F64


@pytest.mark.parametrize(
    ("nt", "bits", "text"),
    [(F32, 0x7FC00000, "nan:0x400000"), (F32, 0xFF800001, "-nan:0x1"),
     (F64, 0x7FF0000000000000, "inf"), (F32, 0x80000000, "-0x0p+0"),
     (F32, 0x00000001, "0x0.000002p-126"), (F32, 0x3F800000, "0x1p+0"),
     (F32, 0x3DCCCCCD, "0x1.99999ap-4"), (F64, 0xC00921FB54442D18, "-0x1.921fb54442d18p+1"),
     (F64, 0x000FFFFFFFFFFFFF, "0x0.fffffffffffffp-1022"),
     (NumType.I32, 0xFFFFFFFF, "0xffffffff")],
)
def test_numbers_print_exactly(nt: NumType, bits: int, text: str) -> None:
    assert number(nt, bits) == text


def test_strings_escape_non_printable_bytes() -> None:
    assert string(b'a"\\\x00\xff ') == '"a\\22\\5c\\00\\ff "'


def module_with(*body: object) -> Module:
    ty = Type(plain_functype(FuncType((), ())))
    return Module(types=(ty,), funcs=(Func(0, (NumType.I64,), tuple(body)),))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "body",
    [
        (Const(F32, 0x7FA00001), Const(F64, 0xFFF0000000000001)),
        (VConst((1 << 128) - 1),),
        (Block(None, (Loop(NumType.I32, (If(None, (Nop(),), ()),)),)),),
        (Select(()), Select(None), Select((NumType.I32,))),
    ],
)
def test_round_trip(body: tuple[object, ...]) -> None:
    m = module_with(*body)
    assert parse_module(print_module(m)) == m


def test_deep_bodies_print_without_recursion() -> None:
    instr: object = Nop()
    for _ in range(10_000):
        instr = Block(None, (instr,))  # type: ignore[arg-type]
    text = print_module(module_with(instr))
    assert text.count("block") == 10_000


def test_custom_sections_print_as_annotations_and_are_dropped() -> None:
    m = Module(customs=(Custom("name", b"\x01"),))
    text = print_module(m)
    assert '(@custom "name" "\\01")' in text
    assert parse_module(text) == Module()
