"""The encoder: canonical bytes, element segment encodings, custom section positions, the data
count section, and round trips on hand-made modules."""

from __future__ import annotations

import pytest
from binary_helpers import HEADER, section

from refwasm.binary import decode_module, encode_module
from refwasm.binary.encode import EncodeError
from refwasm.features import Features
from refwasm.syntax import (
    DECLARE,
    EXTERNREF,
    FUNCREF,
    PASSIVE,
    AbsHeapType,
    Active,
    Block,
    Const,
    Custom,
    Data,
    DataDrop,
    Elem,
    Func,
    FuncType,
    If,
    Module,
    Nop,
    NumType,
    RecIdx,
    RecType,
    RefFunc,
    RefNull,
    RefType,
    Start,
    SubType,
    Type,
    TypeIdx,
    plain_functype,
)

I32, I64 = NumType.I32, NumType.I64
TYPE0 = Type(plain_functype(FuncType((), ())))
OFFSET = (Const(I32, 0),)


# 2.0's encodings: 3.0 reads a function-index segment as ``(ref func)``, so a nullable funcref
# segment is written with expressions there.
V2 = Features.for_version("2.0")


def _elem_bytes(elem: Elem) -> bytes:
    """The element section of a module holding just ``elem`` (2.0), minus the section header."""
    data = encode_module(Module(elems=(elem,)), V2)
    assert data[8] == 9
    return data[10:]


def test_empty_module_is_the_header() -> None:
    assert encode_module(Module()) == HEADER


def test_function_with_grouped_locals() -> None:
    m = Module(types=(TYPE0,), funcs=(Func(0, (I32, I32, I64, I32), (Nop(),)),))
    expected = (HEADER + section(1, b"\x01\x60\x00\x00") + section(3, b"\x01\x00")
                + section(10, b"\x01\x09\x03\x02\x7f\x01\x7e\x01\x7f\x01\x0b"))  # fmt: skip
    assert encode_module(m) == expected
    assert decode_module(expected) == m


def test_minimal_leb128_for_constants() -> None:
    m = Module(types=(TYPE0,), funcs=(Func(0, (), (Const(I32, 0xFFFFFFFF), Const(I64, 64))),))
    assert encode_module(m).endswith(b"\x00\x41\x7f\x42\xc0\x00\x0b")


def test_else_is_left_out_when_empty() -> None:
    m = Module(types=(TYPE0,), funcs=(Func(0, (), (If(None, (Nop(),), ()),)),))
    assert encode_module(m).endswith(b"\x04\x40\x01\x0b\x0b")
    m2 = Module(types=(TYPE0,), funcs=(Func(0, (), (If(I32, (), (Nop(),)),)),))
    assert encode_module(m2).endswith(b"\x04\x7f\x05\x01\x0b\x0b")


def test_block_type_index_as_s33() -> None:
    m = Module(types=(TYPE0,), funcs=(Func(0, (), (Block(TypeIdx(64), ()),)),))
    assert encode_module(m).endswith(b"\x02\xc0\x00\x0b\x0b")


@pytest.mark.parametrize(
    ("elem", "expected"),
    [
        (Elem(FUNCREF, ((RefFunc(1),),), Active(0, OFFSET)), b"\x01\x00\x41\x00\x0b\x01\x01"),
        (Elem(FUNCREF, ((RefFunc(1),),), PASSIVE), b"\x01\x01\x00\x01\x01"),
        (Elem(FUNCREF, ((RefFunc(1),),), Active(2, OFFSET)),
         b"\x01\x02\x02\x41\x00\x0b\x00\x01\x01"),
        (Elem(FUNCREF, ((RefFunc(1),),), DECLARE), b"\x01\x03\x00\x01\x01"),
        (Elem(FUNCREF, ((RefNull(AbsHeapType.FUNC),),), Active(0, OFFSET)),
         b"\x01\x04\x41\x00\x0b\x01\xd0\x70\x0b"),
        (Elem(EXTERNREF, (), PASSIVE), b"\x01\x05\x6f\x00"),
        (Elem(EXTERNREF, (), Active(0, OFFSET)), b"\x01\x06\x00\x41\x00\x0b\x6f\x00"),
        (Elem(FUNCREF, ((RefNull(AbsHeapType.FUNC),),), DECLARE), b"\x01\x07\x70\x01\xd0\x70\x0b"),
    ],
)
def test_element_segments_take_the_most_compact_encoding(elem: Elem, expected: bytes) -> None:
    assert _elem_bytes(elem) == expected
    assert decode_module(encode_module(Module(elems=(elem,)), V2), V2).elems == (elem,)
    assert decode_module(encode_module(Module(elems=(elem,)))).elems == (elem,)  # 3.0 too


def test_encoding_0_in_3_0_is_a_non_null_func_reference() -> None:
    features = Features.for_version("3.0")
    non_null = Elem(RefType(False, AbsHeapType.FUNC), ((RefFunc(0),),), Active(0, OFFSET))
    nullable = Elem(FUNCREF, ((RefFunc(0),),), Active(0, OFFSET))
    assert encode_module(Module(elems=(non_null,)), features)[11] == 0
    # The element kind 0x00 (encodings 1-3) also means (ref func) in 3.0: a funcref list of
    # functions takes encoding 4, expressions of the implied funcref.
    assert encode_module(Module(elems=(nullable,)), features)[11] == 4
    assert decode_module(encode_module(Module(elems=(nullable,)), features),
                         features).elems == (nullable,)


def test_data_segments() -> None:
    datas = (Data(b"ab", Active(0, OFFSET)), Data(b"", PASSIVE), Data(b"c", Active(1, OFFSET)))
    data = encode_module(Module(datas=datas))
    assert data == HEADER + section(11, b"\x03\x00\x41\x00\x0b\x02ab\x01\x00\x02\x01\x41\x00\x0b\x01c")
    assert decode_module(data).datas == datas


def test_data_count_emitted_when_the_code_uses_a_data_index() -> None:
    m = Module(types=(TYPE0,), funcs=(Func(0, (), (DataDrop(0),)),), datas=(Data(b"", PASSIVE),))
    assert section(12, b"\x01") in encode_module(m)
    decode_module(encode_module(m))


def test_data_count_follows_the_recorded_flag() -> None:
    m = Module(datas=(Data(b"", PASSIVE),), datacount=True)
    assert encode_module(m) == HEADER + section(12, b"\x01") + section(11, b"\x01\x01\x00")
    assert decode_module(encode_module(m)).datacount is True
    without = Module(datas=(Data(b"", PASSIVE),), datacount=False)
    assert encode_module(without) == HEADER + section(11, b"\x01\x01\x00")


def test_custom_sections_back_in_place() -> None:
    customs = (Custom("first", b"1", 0), Custom("after-type", b"", 1),
               Custom("after-start", b"xy", 8), Custom("end", b"", 11))  # fmt: skip
    m = Module(types=(TYPE0,), start=Start(0), datas=(Data(b"", PASSIVE),), customs=customs)
    data = encode_module(m)
    assert data == (HEADER + section(0, b"\x05first1") + section(1, b"\x01\x60\x00\x00")
                    + section(0, b"\x0aafter-type") + section(8, b"\x00")
                    + section(0, b"\x0bafter-startxy") + section(11, b"\x01\x01\x00")
                    + section(0, b"\x03end"))  # fmt: skip
    assert decode_module(data) == m


def test_custom_section_after_an_absent_section_keeps_its_place() -> None:
    # The memory section is empty, so it is written empty to keep the custom after it.
    m = Module(customs=(Custom("c", b"", 5),))
    data = encode_module(m)
    assert data == HEADER + section(5, b"\x00") + section(0, b"\x01c")
    assert decode_module(data) == m


def test_canonical_input_round_trips_to_the_same_bytes() -> None:
    data = (HEADER + section(1, b"\x01\x60\x01\x7f\x01\x7f") + section(3, b"\x01\x00")
            + section(7, b"\x01\x01f\x00\x00")
            + section(10, b"\x01\x07\x00\x20\x00\x41\x01\x6a\x0b")
            + section(0, b"\x04name\x00"))  # fmt: skip
    assert encode_module(decode_module(data)) == data


def test_deep_nesting_does_not_recurse() -> None:
    depth = 100_000
    body = b"\x02\x40" * depth + b"\x0b" * depth
    code = b"\x00" + body + b"\x0b"
    data = (HEADER + section(1, b"\x01\x60\x00\x00") + section(3, b"\x01\x00")
            + section(10, b"\x01" + _leb(len(code)) + code))  # fmt: skip
    module = decode_module(data)
    level, n = module.funcs[0].body, 0
    while level:
        block = level[0]
        assert isinstance(block, Block)
        level, n = block.body, n + 1
    assert n == depth
    assert encode_module(module) == data


def _leb(n: int) -> bytes:
    from refwasm.binary.leb128 import encode_u

    return encode_u(n)


@pytest.mark.parametrize(
    "module",
    [
        # A supertype that is no type index (only closed types hold ``RecIdx``).
        Module(types=(Type(RecType((SubType(False, (RecIdx(0),), FuncType((), ())),))),)),
        Module(types=(TYPE0,), funcs=(Func(0, (), (Const(I32, 1 << 32),)),)),
        Module(types=(TYPE0,), funcs=(Func(1 << 32, (), ()),)),
    ],
)
def test_unencodable_trees_raise_encode_error(module: Module) -> None:
    with pytest.raises(EncodeError):
        encode_module(module)
