"""The binary format of the 3.0 GC instructions (SpecTec ``5.3-binary.instructions``: the
``0xFB`` prefix, and ``ref.eq`` ``0xD3``).

``read_gc(reader, heaptype)`` decodes one instruction after the ``0xFB`` prefix;
``write_gc(instr, heaptype)`` encodes one, prefix included (``None`` for an instruction that is
not one of these).  The heap type reader and writer come from the caller, so that this module
shares them with the rest of the format.
"""

from __future__ import annotations

from collections.abc import Callable

from refwasm.binary.leb128 import encode_u
from refwasm.binary.reader import Reader
from refwasm.errors import ILLEGAL_OPCODE, MalformedError
from refwasm.syntax.instructions import (
    AnyConvertExtern,
    ArrayCopy,
    ArrayFill,
    ArrayGet,
    ArrayInitData,
    ArrayInitElem,
    ArrayLen,
    ArrayNew,
    ArrayNewData,
    ArrayNewDefault,
    ArrayNewElem,
    ArrayNewFixed,
    ArraySet,
    BrOnCast,
    BrOnCastFail,
    ExternConvertAny,
    I31Get,
    Instr,
    RefCast,
    RefI31,
    RefTest,
    StructGet,
    StructNew,
    StructNewDefault,
    StructSet,
    Sx,
)
from refwasm.syntax.types import (
    ArrayType,
    CompType,
    FieldType,
    FuncType,
    HeapType,
    Mut,
    PackType,
    RecType,
    RefType,
    StructType,
    SubType,
    TypeIdx,
    ValType,
)

PREFIX_FB = 0xFB

# Sub-opcodes with one type index, and those with none.
_ONE_TYPE: dict[int, Callable[[int], Instr]] = {
    0: StructNew, 1: StructNewDefault, 6: ArrayNew, 7: ArrayNewDefault, 14: ArraySet,
    16: ArrayFill,
}
_TWO_INDICES: dict[int, Callable[[int, int], Instr]] = {
    8: ArrayNewFixed, 9: ArrayNewData, 10: ArrayNewElem, 17: ArrayCopy, 18: ArrayInitData,
    19: ArrayInitElem,
}
_PLAIN: dict[int, Instr] = {
    15: ArrayLen(), 26: AnyConvertExtern(), 27: ExternConvertAny(), 28: RefI31(),
    29: I31Get(Sx.S), 30: I31Get(Sx.U),
}
_SX = {0: None, 1: Sx.S, 2: Sx.U}
# The GC instructions with a data index: like ``memory.init`` and ``data.drop`` they need the
# data count section (``Bmodule``: ``$dataidx_funcs(func*)`` nonempty needs ``n?``).
DATA_INDEXED = (ArrayNewData, ArrayInitData)
GC_CLASSES: frozenset[type] = frozenset(
    {type(i) for i in _PLAIN.values()} | set(_ONE_TYPE.values()) | set(_TWO_INDICES.values())
    | {StructGet, StructSet, ArrayGet, RefTest, RefCast, BrOnCast, BrOnCastFail})  # type: ignore[arg-type]


def read_gc(r: Reader, heaptype: Callable[[], HeapType]) -> Instr:
    """``Binstr/struct``, ``Binstr/array``, ``Binstr/i31``, ``Binstr/cast``, ``Binstr/extern``
    (after ``0xFB``): a ``u32`` sub-opcode and its immediates."""
    code = r.u32()
    if code in _PLAIN:
        return _PLAIN[code]
    if code in _ONE_TYPE:
        return _ONE_TYPE[code](r.u32())
    if code in _TWO_INDICES:
        x = r.u32()
        return _TWO_INDICES[code](x, r.u32())
    if 2 <= code <= 4:
        x = r.u32()
        return StructGet(_SX[code - 2], x, r.u32())
    if code == 5:
        x = r.u32()
        return StructSet(x, r.u32())
    if 11 <= code <= 13:
        return ArrayGet(_SX[code - 11], r.u32())
    if 20 <= code <= 23:
        rt = RefType(code in (21, 23), heaptype())
        return RefTest(rt) if code < 22 else RefCast(rt)
    if code in (24, 25):
        return _br_on_cast(r, heaptype, code == 24)
    raise MalformedError(ILLEGAL_OPCODE)


def _br_on_cast(r: Reader, heaptype: Callable[[], HeapType], on_cast: bool) -> Instr:
    """``br_on_cast``/``br_on_cast_fail``: a flags byte (bit 0: the source is nullable, bit
    1: the target is), the label, then both heap types."""
    flags = r.byte()
    if flags & ~0x03:
        raise MalformedError(ILLEGAL_OPCODE)
    label = r.u32()
    rt1 = RefType(bool(flags & 1), heaptype())
    rt2 = RefType(bool(flags & 2), heaptype())
    return BrOnCast(label, rt1, rt2) if on_cast else BrOnCastFail(label, rt1, rt2)


def write_gc(i: Instr, heaptype: Callable[[HeapType], bytes]) -> bytes | None:
    """The bytes of a GC instruction (``0xFB``, sub-opcode, immediates), or ``None``."""
    if type(i) not in GC_CLASSES:
        return None
    for code, instr in _PLAIN.items():
        if i == instr:
            return _fb(code)
    match i:
        case StructGet(sx, x, f):
            return _fb(2 + _sx_offset(sx), x, f)
        case StructSet(x, f):
            return _fb(5, x, f)
        case ArrayGet(sx, x):
            return _fb(11 + _sx_offset(sx), x)
        case RefTest(rt):
            return _fb(21 if rt.null else 20) + heaptype(rt.heaptype)
        case RefCast(rt):
            return _fb(23 if rt.null else 22) + heaptype(rt.heaptype)
        case BrOnCast(l, rt1, rt2) | BrOnCastFail(l, rt1, rt2):
            flags = int(rt1.null) | int(rt2.null) << 1
            head = _fb(24 if isinstance(i, BrOnCast) else 25) + bytes([flags]) + encode_u(l)
            return head + heaptype(rt1.heaptype) + heaptype(rt2.heaptype)
    for code, make in _ONE_TYPE.items():
        if type(i) is make:
            return _fb(code, *_fields(i))
    for code, make2 in _TWO_INDICES.items():
        if type(i) is make2:
            return _fb(code, *_fields(i))
    return None


def _sx_offset(sx: Sx | None) -> int:
    return 0 if sx is None else (1 if sx is Sx.S else 2)


def _fields(i: Instr) -> tuple[int, ...]:
    """The integer immediates of an instruction, in field order."""
    return tuple(getattr(i, name) for name in i.__slots__)


def _fb(code: int, *immediates: int) -> bytes:
    return bytes([PREFIX_FB]) + encode_u(code) + b"".join(encode_u(x) for x in immediates)


def write_rectype(rectype: RecType, valtype: Callable[[ValType], bytes]) -> bytes:
    """``Brectype``: a group of one as its sub type, else ``0x4E`` and the vector; a sub
    type as its composite type alone when final without supertypes (the short form the
    decoder reads back to the same syntax)."""
    subs = [_write_subtype(st, valtype) for st in rectype.subtypes]
    if len(subs) == 1:
        return subs[0]
    return b"\x4e" + encode_u(len(subs)) + b"".join(subs)


def _write_subtype(st: SubType, valtype: Callable[[ValType], bytes]) -> bytes:
    comptype = _write_comptype(st.comptype, valtype)
    if st.final and not st.supertypes:
        return comptype
    supers = []
    for use in st.supertypes:
        if not isinstance(use, TypeIdx):
            raise ValueError(f"type use {use} has no binary form")
        supers.append(encode_u(use.idx))
    head = b"\x4f" if st.final else b"\x50"
    return head + encode_u(len(supers)) + b"".join(supers) + comptype


def _write_comptype(ct: CompType, valtype: Callable[[ValType], bytes]) -> bytes:
    match ct:
        case FuncType(params, results):
            return (b"\x60" + encode_u(len(params)) + b"".join(valtype(t) for t in params)
                    + encode_u(len(results)) + b"".join(valtype(t) for t in results))
        case StructType(fields):
            return b"\x5f" + encode_u(len(fields)) + b"".join(_write_field(f, valtype)
                                                              for f in fields)
        case ArrayType(field):
            return b"\x5e" + _write_field(field, valtype)


_PACK_CODES = {PackType.I8: b"\x78", PackType.I16: b"\x77"}


def _write_field(ft: FieldType, valtype: Callable[[ValType], bytes]) -> bytes:
    t = ft.storage
    storage = _PACK_CODES[t] if isinstance(t, PackType) else valtype(t)
    return storage + (b"\x01" if ft.mut is Mut.VAR else b"\x00")
