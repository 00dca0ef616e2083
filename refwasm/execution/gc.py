"""Execution of the 3.0 GC instructions (SpecTec ``4.3-execution.instructions``: the
``Step_pure``/``Step_read``/``Step`` rules of ``ref.i31``, ``i31.get``, ``ref.eq``,
``ref.test``, ``ref.cast``, ``br_on_cast``, ``br_on_cast_fail``, ``struct.*``, ``array.*``,
``any.convert_extern``, ``extern.convert_any``).

``prepare`` turns each instruction into a handler and its immediates, resolved once against
the module instance (type indices become defined types, segment indices their instances),
as ``prepare.py`` does for the other instructions.  Objects live in ``heap.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from refwasm.errors import (
    CAST_FAILURE,
    NULL_ARRAY_REFERENCE,
    NULL_I31_REFERENCE,
    NULL_STRUCTURE_REFERENCE,
    OUT_OF_BOUNDS_ARRAY_ACCESS,
    OUT_OF_BOUNDS_MEMORY_ACCESS,
    OUT_OF_BOUNDS_TABLE_ACCESS,
    TrapError,
    crash,
)
from refwasm.execution.heap import (
    ArrayInst,
    StructInst,
    alloc_array,
    alloc_struct,
    check_array_size,
    close_reftype,
    default_field,
    pack,
    ref_matches,
    storage_bytes,
    unpack,
)
from refwasm.execution.instructions import Machine, Op, branch
from refwasm.execution.runtime import DataInst, ElemInst
from refwasm.execution.values import (
    RefArrayAddr,
    RefExtern,
    RefHostAddr,
    RefI31Num,
    RefNullVal,
    RefStructAddr,
    Val,
)
from refwasm.syntax.deftypes import expand
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
    RefEq,
    RefI31,
    RefTest,
    StructGet,
    StructNew,
    StructNewDefault,
    StructSet,
    Sx,
)
from refwasm.syntax.types import (
    AbsHeapType,
    ArrayType,
    DefType,
    FieldType,
    RefType,
    StorageType,
    StructType,
)

if TYPE_CHECKING:
    from refwasm.execution.prepare import Context

ANY_NULL = RefNullVal(AbsHeapType.ANY)
EXTERN_NULL = RefNullVal(AbsHeapType.EXTERN)


# -- Scalars and equality ------------------------------------------------------------------------


def exec_ref_i31(m: Machine, _: None) -> None:
    """``Step_pure/ref.i31``: the low 31 bits of the i32 (``$wrap__`` from 32 to 31 bits)."""
    s = m.stack
    s[-1] = RefI31Num(s[-1] & 0x7FFF_FFFF)


def exec_i31_get(m: Machine, signed: bool) -> None:
    """``Step_pure/i31.get``: ``$extend_31_32^sx``."""
    s = m.stack
    r = s[-1]
    if not isinstance(r, RefI31Num):
        raise TrapError(NULL_I31_REFERENCE)
    i = r.i
    s[-1] = (i | 0x8000_0000) if signed and i >> 30 else i


def exec_ref_eq(m: Machine, _: None) -> None:
    """``Step_pure/ref.eq``: two nulls are equal, else the same
    reference (an i31 by value, an object or function by address)."""
    s = m.stack
    r2 = s.pop()
    r1 = s[-1]
    if isinstance(r1, RefNullVal) or isinstance(r2, RefNullVal):
        s[-1] = int(isinstance(r1, RefNullVal) and isinstance(r2, RefNullVal))
    else:
        s[-1] = int(r1 == r2)


# -- Casts ---------------------------------------------------------------------------------------


def exec_ref_test(m: Machine, rt: RefType) -> None:
    """``Step_read/ref.test``"""
    s = m.stack
    s[-1] = int(ref_matches(m.store, s[-1], rt))


def exec_ref_cast(m: Machine, rt: RefType) -> None:
    """``Step_read/ref.cast`` (``cast failure``)"""
    if not ref_matches(m.store, m.stack[-1], rt):
        raise TrapError(CAST_FAILURE)


def exec_br_on_cast(m: Machine, args: tuple[int, RefType]) -> None:
    """``Step_read/br_on_cast``: branch with the reference if it
    matches ``rt_2``."""
    label, rt = args
    if ref_matches(m.store, m.stack[-1], rt):
        branch(m, label)


def exec_br_on_cast_fail(m: Machine, args: tuple[int, RefType]) -> None:
    """``Step_read/br_on_cast_fail``: branch with the reference
    unless it matches ``rt_2``."""
    label, rt = args
    if not ref_matches(m.store, m.stack[-1], rt):
        branch(m, label)


def exec_any_convert_extern(m: Machine, _: None) -> None:
    """``Step_pure/any.convert_extern``: unwrap an externalized
    reference; a host reference is the same host value as ``any``."""
    s = m.stack
    r = s[-1]
    if isinstance(r, RefNullVal):
        s[-1] = ANY_NULL
    elif isinstance(r, RefExtern):
        s[-1] = r.ref


def exec_extern_convert_any(m: Machine, _: None) -> None:
    """``Step_pure/extern.convert_any``"""
    s = m.stack
    r = s[-1]
    if isinstance(r, RefNullVal):
        s[-1] = EXTERN_NULL
    elif not isinstance(r, RefHostAddr):
        s[-1] = RefExtern(r)


# -- Structures ----------------------------------------------------------------------------------


def exec_struct_new(m: Machine, args: tuple[DefType, tuple[StorageType, ...]]) -> None:
    """``Step/struct.new``: pop one value per field, packed (``$packfield``)."""
    dt, storages = args
    s = m.stack
    n = len(storages)
    vals = s[len(s) - n :] if n else []
    del s[len(s) - n :]
    fields = [pack(t, v) for t, v in zip(storages, vals, strict=True)]
    s.append(alloc_struct(m.store, dt, fields))


def exec_struct_new_default(m: Machine, args: tuple[DefType, tuple[Val, ...]]) -> None:
    """``Step_read/struct.new_default``: the fields' default values."""
    dt, defaults = args
    m.stack.append(alloc_struct(m.store, dt, list(defaults)))


def _struct(m: Machine, r: Any) -> StructInst:
    if not isinstance(r, RefStructAddr):
        raise TrapError(NULL_STRUCTURE_REFERENCE)
    inst: StructInst = m.store.structs[r.addr]
    return inst


def exec_struct_get(m: Machine, args: tuple[int, StorageType, bool]) -> None:
    """``Step_read/struct.get`` (``$unpackfield``)"""
    i, t, signed = args
    s = m.stack
    s[-1] = unpack(t, signed, _struct(m, s[-1]).fields[i])


def exec_struct_set(m: Machine, args: tuple[int, StorageType]) -> None:
    """``Step/struct.set``"""
    i, t = args
    s = m.stack
    v = s.pop()
    _struct(m, s.pop()).fields[i] = pack(t, v)


# -- Arrays --------------------------------------------------------------------------------------


def _array(m: Machine, r: Any) -> ArrayInst:
    if not isinstance(r, RefArrayAddr):
        raise TrapError(NULL_ARRAY_REFERENCE)
    inst: ArrayInst = m.store.arrays[r.addr]
    return inst


def exec_array_new(m: Machine, args: tuple[DefType, StorageType]) -> None:
    """``Step_pure/array.new``: ``n`` copies of one value."""
    dt, t = args
    s = m.stack
    n = s.pop()
    v = pack(t, s.pop())
    check_array_size(m.store, n)
    s.append(alloc_array(m.store, dt, [v] * n))


def exec_array_new_default(m: Machine, args: tuple[DefType, Val]) -> None:
    """``Step_read/array.new_default``"""
    dt, v = args
    s = m.stack
    n = s.pop()
    check_array_size(m.store, n)
    s.append(alloc_array(m.store, dt, [v] * n))


def exec_array_new_fixed(m: Machine, args: tuple[DefType, StorageType, int]) -> None:
    """``Step/array.new_fixed``: the ``n`` values on the stack."""
    dt, t, n = args
    s = m.stack
    vals = s[len(s) - n :] if n else []
    del s[len(s) - n :]
    s.append(alloc_array(m.store, dt, [pack(t, v) for v in vals]))


def exec_array_new_data(m: Machine, args: tuple[DefType, StorageType, DataInst]) -> None:
    """``Step_read/array.new_data``: ``n`` values of the field's width
    read from the data segment (little endian)."""
    dt, t, data = args
    s = m.stack
    n = s.pop()
    src = s.pop()
    z = storage_bytes(t)
    if src + n * z > len(data.data):
        raise TrapError(OUT_OF_BOUNDS_MEMORY_ACCESS)
    check_array_size(m.store, n)
    s.append(alloc_array(m.store, dt, _read_data(data, src, n, z)))


def _read_data(data: DataInst, src: int, n: int, z: int) -> list[Val]:
    """``$inv_zbytes_``: ``n`` little-endian values of ``z`` bytes from ``src``."""
    b = data.data
    return [int.from_bytes(b[src + k * z : src + (k + 1) * z], "little") for k in range(n)]


def exec_array_new_elem(m: Machine, args: tuple[DefType, ElemInst]) -> None:
    """``Step_read/array.new_elem``"""
    dt, elem = args
    s = m.stack
    n = s.pop()
    src = s.pop()
    if src + n > len(elem.elem):
        raise TrapError(OUT_OF_BOUNDS_TABLE_ACCESS)
    check_array_size(m.store, n)
    s.append(alloc_array(m.store, dt, list(elem.elem[src : src + n])))


def exec_array_get(m: Machine, args: tuple[StorageType, bool]) -> None:
    """``Step_read/array.get``"""
    t, signed = args
    s = m.stack
    i = s.pop()
    fields = _array(m, s[-1]).fields
    if i >= len(fields):
        raise TrapError(OUT_OF_BOUNDS_ARRAY_ACCESS)
    s[-1] = unpack(t, signed, fields[i])


def exec_array_set(m: Machine, t: StorageType) -> None:
    """``Step/array.set``"""
    s = m.stack
    v = s.pop()
    i = s.pop()
    fields = _array(m, s.pop()).fields
    if i >= len(fields):
        raise TrapError(OUT_OF_BOUNDS_ARRAY_ACCESS)
    fields[i] = pack(t, v)


def exec_array_len(m: Machine, _: None) -> None:
    """``Step_read/array.len``"""
    s = m.stack
    s[-1] = len(_array(m, s[-1]).fields)


def exec_array_fill(m: Machine, t: StorageType) -> None:
    """``Step_read/array.fill``"""
    s = m.stack
    n = s.pop()
    v = pack(t, s.pop())
    d = s.pop()
    fields = _array(m, s.pop()).fields
    if d + n > len(fields):
        raise TrapError(OUT_OF_BOUNDS_ARRAY_ACCESS)
    fields[d : d + n] = [v] * n


def exec_array_copy(m: Machine, _: None) -> None:
    """``Step_read/array.copy``: the destination and
    source may overlap (a slice assignment copies the source first)."""
    s = m.stack
    n = s.pop()
    src = s.pop()
    r2 = s.pop()
    d = s.pop()
    r1 = s.pop()
    dst_fields = _array(m, r1).fields
    src_fields = _array(m, r2).fields
    if d + n > len(dst_fields) or src + n > len(src_fields):
        raise TrapError(OUT_OF_BOUNDS_ARRAY_ACCESS)
    dst_fields[d : d + n] = src_fields[src : src + n]


def _init_operands(m: Machine) -> tuple[list[Val], int, int, int]:
    """The first steps both ``array.init_data`` and ``array.init_elem`` share: pop the count,
    the source offset, the destination index and the array; trap when the destination range
    leaves the array (checked before the source, as the rules order it)."""
    s = m.stack
    n = s.pop()
    src = s.pop()
    d = s.pop()
    fields = _array(m, s.pop()).fields
    if d + n > len(fields):
        raise TrapError(OUT_OF_BOUNDS_ARRAY_ACCESS)
    return fields, d, src, n


def exec_array_init_data(m: Machine, args: tuple[StorageType, DataInst]) -> None:
    """``Step_read/array.init_data``"""
    t, data = args
    fields, d, src, n = _init_operands(m)
    z = storage_bytes(t)
    if src + n * z > len(data.data):
        raise TrapError(OUT_OF_BOUNDS_MEMORY_ACCESS)
    fields[d : d + n] = _read_data(data, src, n, z)


def exec_array_init_elem(m: Machine, elem: ElemInst) -> None:
    """``Step_read/array.init_elem``"""
    fields, d, src, n = _init_operands(m)
    if src + n > len(elem.elem):
        raise TrapError(OUT_OF_BOUNDS_TABLE_ACCESS)
    fields[d : d + n] = elem.elem[src : src + n]


# -- Preparation ---------------------------------------------------------------------------------


def _deftype(ctx: Context, x: int) -> DefType:
    deftypes = ctx.module.deftypes
    if not 0 <= x < len(deftypes):
        crash(f"type {x} out of range")
    return deftypes[x]


def _struct_fields(ctx: Context, x: int) -> tuple[FieldType, ...]:
    ct = expand(_deftype(ctx, x))
    if not isinstance(ct, StructType):
        crash(f"type {x} is not a struct type")
    return ct.fields


def _array_field(ctx: Context, x: int) -> FieldType:
    ct = expand(_deftype(ctx, x))
    if not isinstance(ct, ArrayType):
        crash(f"type {x} is not an array type")
    return ct.field


def _signed(sx: Sx | None) -> bool:
    return sx is Sx.S


def _default_storage(t: StorageType) -> Val:
    return RefNullVal(t.heaptype) if isinstance(t, RefType) else 0


def prepare_gc(instr: Instr, ctx: Context) -> Op | None:
    """The handler and resolved immediates of a GC instruction, ``None`` for any other."""
    deftypes = ctx.module.deftypes
    match instr:
        case RefI31():
            return exec_ref_i31, None
        case I31Get(sx):
            return exec_i31_get, _signed(sx)
        case RefEq():
            return exec_ref_eq, None
        case RefTest(rt):
            return exec_ref_test, close_reftype(rt, deftypes)
        case RefCast(rt):
            return exec_ref_cast, close_reftype(rt, deftypes)
        case BrOnCast(label, _, rt2):
            return exec_br_on_cast, (label, close_reftype(rt2, deftypes))
        case BrOnCastFail(label, _, rt2):
            return exec_br_on_cast_fail, (label, close_reftype(rt2, deftypes))
        case AnyConvertExtern():
            return exec_any_convert_extern, None
        case ExternConvertAny():
            return exec_extern_convert_any, None
        case StructNew(x):
            storages = tuple(f.storage for f in _struct_fields(ctx, x))
            return exec_struct_new, (_deftype(ctx, x), storages)
        case StructNewDefault(x):
            defaults = tuple(default_field(f) for f in _struct_fields(ctx, x))
            return exec_struct_new_default, (_deftype(ctx, x), defaults)
        case StructGet(sx, x, i):
            return exec_struct_get, (i, _struct_fields(ctx, x)[i].storage, _signed(sx))
        case StructSet(x, i):
            return exec_struct_set, (i, _struct_fields(ctx, x)[i].storage)
    return _prepare_array(instr, ctx)


def _prepare_array(instr: Instr, ctx: Context) -> Op | None:
    """``prepare_gc`` for the array instructions."""
    match instr:
        case ArrayNew(x):
            return exec_array_new, (_deftype(ctx, x), _array_field(ctx, x).storage)
        case ArrayNewDefault(x):
            return exec_array_new_default, (
                _deftype(ctx, x), _default_storage(_array_field(ctx, x).storage))
        case ArrayNewFixed(x, n):
            return exec_array_new_fixed, (_deftype(ctx, x), _array_field(ctx, x).storage, n)
        case ArrayNewData(x, y):
            return exec_array_new_data, (
                _deftype(ctx, x), _array_field(ctx, x).storage, ctx.data(y))
        case ArrayNewElem(x, y):
            return exec_array_new_elem, (_deftype(ctx, x), ctx.elem(y))
        case ArrayGet(sx, x):
            return exec_array_get, (_array_field(ctx, x).storage, _signed(sx))
        case ArraySet(x):
            return exec_array_set, _array_field(ctx, x).storage
        case ArrayLen():
            return exec_array_len, None
        case ArrayFill(x):
            return exec_array_fill, _array_field(ctx, x).storage
        case ArrayCopy():
            return exec_array_copy, None
        case ArrayInitData(x, y):
            return exec_array_init_data, (_array_field(ctx, x).storage, ctx.data(y))
        case ArrayInitElem(_, y):
            return exec_array_init_elem, ctx.elem(y)
    return None
