"""Binary format of Wasm 3.0 tail calls and typed function references: the opcodes ``0x12``-
``0x15`` and ``0xD4``-``0xD6`` (``Binstr/control``, ``Binstr/reference``), reference types
``0x63``/``0x64`` with abstract heap type codes and ``s33`` type indices (``Breftype``,
``Bheaptype``), and tables with an initialiser (``Btable``: ``0x40 0x00``).  Every expected
byte string is written by hand from the SpecTec grammar."""

from __future__ import annotations

import pytest
from binary_helpers import HEADER, section

from refwasm.binary import decode_module
from refwasm.binary.encode import encode_module, heaptype, reftype, valtype
from refwasm.binary.leb128 import encode_u
from refwasm.errors import (
    ILLEGAL_OPCODE,
    MALFORMED_REFERENCE_TYPE,
    MALFORMED_TABLE,
    MALFORMED_VALUE_TYPE,
    MalformedError,
)
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
from refwasm.syntax.types import (
    AbsHeapType,
    RefType,
    TypeIdx,
)

V3 = Features.for_version("3.0")
V2 = Features.for_version("2.0")

# ``Babsheaptype``, copied from 5.2-binary.types.spectec.
ABS_CODES = {
    0x69: AbsHeapType.EXN, 0x6A: AbsHeapType.ARRAY, 0x6B: AbsHeapType.STRUCT,
    0x6C: AbsHeapType.I31, 0x6D: AbsHeapType.EQ, 0x6E: AbsHeapType.ANY,
    0x6F: AbsHeapType.EXTERN, 0x70: AbsHeapType.FUNC, 0x71: AbsHeapType.NONE,
    0x72: AbsHeapType.NOEXTERN, 0x73: AbsHeapType.NOFUNC, 0x74: AbsHeapType.NOEXN,
}  # fmt: skip


def _module(types: bytes = b"\x01\x60\x00\x00", body: bytes = b"", tables: bytes = b"",
            locals_: bytes = b"\x00") -> bytes:  # fmt: skip
    """One function of type 0 with ``body`` (and optionally a table section)."""
    code = locals_ + body + b"\x0b"
    return (HEADER + section(1, types) + section(3, b"\x01\x00")
            + (section(4, tables) if tables else b"")
            + section(10, b"\x01" + encode_u(len(code)) + code))  # fmt: skip


def _body(data: bytes, features: Features = V3) -> tuple[object, ...]:
    return decode_module(data, features).funcs[0].body


@pytest.mark.parametrize(("code", "ht"), sorted(ABS_CODES.items()))
def test_abstract_heap_type_codes_decode_and_encode(code: int, ht: AbsHeapType) -> None:
    # (ref null ht) is the one-byte abbreviation; (ref ht) is 0x64 ht.
    assert valtype(RefType(True, ht)) == bytes([code])
    assert reftype(RefType(False, ht)) == bytes([0x64, code])
    assert heaptype(ht) == bytes([code])
    local = b"\x01\x01" + bytes([0x64, code])  # one local of type (ref ht)
    m = decode_module(_module(locals_=local), V3)
    assert m.funcs[0].locals == (RefType(False, ht),)
    local = b"\x01\x01" + bytes([0x63, code])
    assert decode_module(_module(locals_=local), V3).funcs[0].locals == (RefType(True, ht),)
    local = b"\x01\x01" + bytes([code])
    assert decode_module(_module(locals_=local), V3).funcs[0].locals == (RefType(True, ht),)


def test_type_index_heap_type_is_a_positive_s33() -> None:
    assert heaptype(TypeIdx(0)) == b"\x00"
    assert heaptype(TypeIdx(64)) == b"\xc0\x00"  # 64 needs a second byte as an s33
    local = b"\x01\x01\x64\x00"
    assert decode_module(_module(locals_=local), V3).funcs[0].locals == (
        RefType(False, TypeIdx(0)),)
    # 0x40 alone is a negative s33 and no heap type.
    with pytest.raises(MalformedError, match=MALFORMED_REFERENCE_TYPE):
        decode_module(_module(locals_=b"\x01\x01\x64\x40"), V3)


def test_ref_types_are_malformed_value_types_in_2_0() -> None:
    with pytest.raises(MalformedError, match=MALFORMED_VALUE_TYPE):
        decode_module(_module(locals_=b"\x01\x01\x64\x70"), V2)
    with pytest.raises(MalformedError, match=MALFORMED_VALUE_TYPE):
        decode_module(_module(locals_=b"\x01\x01\x6e"), V2)  # anyref needs GC


def test_gc_heap_types_need_the_gc_flag() -> None:
    no_gc = V3.with_(gc=False)
    with pytest.raises(MalformedError, match=MALFORMED_VALUE_TYPE):
        decode_module(_module(locals_=b"\x01\x01\x6e"), no_gc)
    with pytest.raises(MalformedError, match=MALFORMED_REFERENCE_TYPE):
        decode_module(_module(locals_=b"\x01\x01\x64\x6e"), no_gc)
    assert decode_module(_module(locals_=b"\x01\x01\x73"), no_gc).funcs[0].locals == (
        RefType(True, AbsHeapType.NOFUNC),)


@pytest.mark.parametrize(("body", "instr"), [
    (b"\x12\x00", ReturnCall(0)),
    (b"\x13\x00\x00", ReturnCallIndirect(0, TypeIdx(0))),
    (b"\x14\x00", CallRef(TypeIdx(0))),
    (b"\x15\x00", ReturnCallRef(TypeIdx(0))),
    (b"\xd4", RefAsNonNull()),
    (b"\xd5\x00", BrOnNull(0)),
    (b"\xd6\x00", BrOnNonNull(0)),
    (b"\xd0\x00", RefNull(TypeIdx(0))),
    (b"\xd0\x73", RefNull(AbsHeapType.NOFUNC)),
])  # fmt: skip
def test_3_0_instructions_decode_and_encode(body: bytes, instr: object) -> None:
    data = _module(body=body)
    m = decode_module(data, V3)
    assert m.funcs[0].body == (instr,)
    assert encode_module(m, V3) == data


@pytest.mark.parametrize("body", [b"\x12\x00", b"\x13\x00\x00", b"\x14\x00", b"\x15\x00",
                                  b"\xd4", b"\xd5\x00", b"\xd6\x00"])
def test_3_0_instructions_are_illegal_in_2_0(body: bytes) -> None:
    with pytest.raises(MalformedError, match=ILLEGAL_OPCODE):
        decode_module(_module(body=body), V2)


def test_tail_call_flag_gates_only_tail_calls() -> None:
    no_tail = V3.with_(tail_call=False)
    for body in (b"\x12\x00", b"\x13\x00\x00", b"\x15\x00"):
        with pytest.raises(MalformedError, match=ILLEGAL_OPCODE):
            decode_module(_module(body=body), no_tail)
    assert _body(_module(body=b"\x14\x00"), no_tail) == (CallRef(TypeIdx(0)),)


def test_table_with_initialiser() -> None:
    # 0x40 0x00, tabletype (ref func) min 1, expr ref.func 0 end
    tables = b"\x01\x40\x00\x64\x70\x00\x01\xd2\x00\x0b"
    data = _module(tables=tables)
    m = decode_module(data, V3)
    assert m.tables[0].tabletype.reftype == RefType(False, AbsHeapType.FUNC)
    assert m.tables[0].init == (RefFunc(0),)
    assert encode_module(m, V3) == data


def test_table_initialiser_needs_the_zero_byte() -> None:
    with pytest.raises(MalformedError, match=MALFORMED_TABLE):
        decode_module(_module(tables=b"\x01\x40\x01\x64\x70\x00\x01\xd2\x00\x0b"), V3)


def test_table_initialiser_is_malformed_in_2_0() -> None:
    with pytest.raises(MalformedError, match=MALFORMED_REFERENCE_TYPE):
        decode_module(_module(tables=b"\x01\x40\x00\x70\x00\x01\xd2\x00\x0b"), V2)


def test_block_type_may_be_a_typed_reference() -> None:
    # block (result (ref null 0)) ref.null 0 end
    body = b"\x02\x63\x00\xd0\x00\x0b"
    data = _module(body=body)
    m = decode_module(data, V3)
    assert encode_module(m, V3) == data
