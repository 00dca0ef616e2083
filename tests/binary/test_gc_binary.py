"""The binary format of 3.0 GC: type definitions (``Brectype``, ``Bsubtype``, ``Bcomptype``,
``Bfieldtype``) and the ``0xFB`` instructions, decoded from hand-written bytes."""

from __future__ import annotations

import pytest

from refwasm.binary import decode_module
from refwasm.binary.gc import read_gc, write_gc
from refwasm.binary.reader import Reader
from refwasm.errors import MalformedError
from refwasm.features import Features
from refwasm.syntax.instructions import (
    ArrayCopy,
    ArrayGet,
    ArrayLen,
    ArrayNewFixed,
    BrOnCast,
    BrOnCastFail,
    I31Get,
    Instr,
    RefCast,
    RefEq,
    RefTest,
    StructGet,
    StructNew,
    StructSet,
    Sx,
)
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
HEADER = b"\x00asm\x01\x00\x00\x00"


def types_module(payload: bytes, count: int) -> bytes:
    body = bytes([count]) + payload
    return HEADER + b"\x01" + bytes([len(body)]) + body


def test_rec_group_of_struct_and_array_with_packed_and_mutable_fields() -> None:
    """``0x4E`` rec of a ``0x50`` open sub struct and a ``0x4F`` final sub array of it."""
    payload = (b"\x4e\x02"
               b"\x50\x00\x5f\x02\x78\x01\x7f\x00"  # sub (struct (mut i8) i32)
               b"\x4f\x01\x00\x5e\x77\x00")  # sub final 0 (array i16)
    m = decode_module(types_module(payload, 1), GC)
    assert m.types[0].rectype == RecType((
        SubType(False, (), StructType((FieldType(Mut.VAR, PackType.I8),
                                       FieldType(Mut.CONST, NumType.I32)))),
        SubType(True, (TypeIdx(0),), ArrayType(FieldType(Mut.CONST, PackType.I16))),
    ))


def test_bare_comptype_is_a_final_group_of_one() -> None:
    m = decode_module(types_module(b"\x60\x00\x00", 1), GC)
    assert m.types[0].rectype == RecType((SubType(True, (), FuncType((), ())),))


def test_bad_mutability_is_malformed() -> None:
    with pytest.raises(MalformedError, match="malformed mutability"):
        decode_module(types_module(b"\x5e\x78\x02", 1), GC)


def _heaptype_bytes(ht: HeapType) -> bytes:
    codes = {AbsHeapType.ANY: b"\x6e", AbsHeapType.I31: b"\x6c", AbsHeapType.EQ: b"\x6d"}
    if isinstance(ht, TypeIdx):
        return bytes([ht.idx])
    return codes[ht]  # type: ignore[index]


def _read_heaptype(r: Reader) -> HeapType:
    b = r.byte()
    return {0x6E: AbsHeapType.ANY, 0x6C: AbsHeapType.I31, 0x6D: AbsHeapType.EQ}.get(b, TypeIdx(b))


@pytest.mark.parametrize("instr, encoding", [
    (StructNew(3), b"\xfb\x00\x03"),
    (StructGet(Sx.S, 1, 2), b"\xfb\x03\x01\x02"),
    (StructSet(1, 0), b"\xfb\x05\x01\x00"),
    (ArrayNewFixed(2, 5), b"\xfb\x08\x02\x05"),
    (ArrayGet(Sx.U, 4), b"\xfb\x0d\x04"),
    (ArrayLen(), b"\xfb\x0f"),
    (ArrayCopy(1, 2), b"\xfb\x11\x01\x02"),
    (RefTest(RefType(True, AbsHeapType.I31)), b"\xfb\x15\x6c"),
    (RefCast(RefType(False, TypeIdx(2))), b"\xfb\x16\x02"),
    (BrOnCast(1, RefType(True, AbsHeapType.ANY), RefType(False, AbsHeapType.I31)),
     b"\xfb\x18\x01\x01\x6e\x6c"),
    (BrOnCastFail(0, RefType(True, AbsHeapType.ANY), RefType(True, AbsHeapType.EQ)),
     b"\xfb\x19\x03\x00\x6e\x6d"),
    (I31Get(Sx.U), b"\xfb\x1e"),
])
def test_gc_instruction_encodings(instr: Instr, encoding: bytes) -> None:
    """``Binstr`` of the ``0xFB`` instructions, both ways (bytes from the 3.0 binary spec)."""
    r = Reader(encoding[1:])
    assert read_gc(r, lambda: _read_heaptype(r)) == instr
    assert write_gc(instr, _heaptype_bytes) == encoding


def test_ref_eq_and_fb_decode_in_a_function_body() -> None:
    code = b"\x00\x41\x00\xfb\x1c\x41\x00\xfb\x1c\xd3\x1a\x41\x00\xfb\x1c\xfb\x1d\x1a\x0b"
    body = b"\x01" + bytes([len(code)]) + code
    data = (HEADER + b"\x01\x04\x01\x60\x00\x00" + b"\x03\x02\x01\x00"
            + b"\x0a" + bytes([len(body)]) + body)
    m = decode_module(data, GC)
    assert RefEq() in m.funcs[0].body
    assert I31Get(Sx.S) in m.funcs[0].body


def test_unknown_fb_subopcode_is_illegal() -> None:
    r = Reader(b"\x7f")
    with pytest.raises(MalformedError, match="illegal opcode"):
        read_gc(r, lambda: AbsHeapType.ANY)
