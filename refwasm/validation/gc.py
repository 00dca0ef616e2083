"""Validation of 3.0 type definitions: rec groups, sub types, struct and array types (SpecTec
``2.1-validation.types``: ``Rectype_ok``, ``Subtype_ok``, ``Comptype_ok``, ``Fieldtype_ok``,
``Storagetype_ok``; ``2.2-validation.subtyping``: ``Comptype_sub``).

Type uses inside a definition are compared through the module's defined types
(``Context.deftypes``, from ``refwasm.syntax.deftypes.close_types``), so a sub type is checked
against its supertype by identity of canonical groups wherever types are equal, never by
unfolding recursive types.
"""

from __future__ import annotations

from refwasm.errors import (
    ARRAY_IS_IMMUTABLE,
    ARRAY_NOT_NUMERIC,
    ARRAY_TYPES_DO_NOT_MATCH,
    FIELD_IS_IMMUTABLE,
    SUB_TYPE,
    TYPE_MISMATCH,
    InvalidError,
    unknown,
)
from refwasm.syntax.deftypes import expand, unroll
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
    ARRAYREF,
    EQREF,
    AbsHeapType,
    ArrayType,
    CompType,
    DefType,
    FieldType,
    FuncType,
    Mut,
    NumType,
    PackType,
    RefType,
    StorageType,
    StructType,
    SubType,
    TypeIdx,
    ValType,
)
from refwasm.validation.context import Context, data, elem
from refwasm.validation.instructions import Validator, _need, rule
from refwasm.validation.types import (
    comptype_sub,
    reftype_sub,
    storagetype_sub,
    top_heaptype,
    valid_functype,
    valid_reftype,
    valid_valtype,
)


def valid_types(ctx: Context) -> None:
    """``Rectype_ok`` for each group of the type section (``ctx.types`` lists their sub types
    in index order, ``ctx.deftypes`` the same closed)."""
    for x, subtype in enumerate(ctx.types):
        valid_subtype(ctx, subtype, x)


def valid_subtype(ctx: Context, subtype: SubType, x: int) -> None:
    """``Subtype_ok`` of the sub type at index ``x``: at most one supertype, defined before
    ``x``, not final, and whose composite type this one's matches (``sub type``
    otherwise)."""
    if not ctx.features.gc:
        if subtype.supertypes or not subtype.final or not isinstance(subtype.comptype, FuncType):
            raise InvalidError(TYPE_MISMATCH)
        valid_functype(ctx, subtype.comptype)
        return
    if len(subtype.supertypes) > 1:
        raise InvalidError(SUB_TYPE)
    valid_comptype(ctx, subtype.comptype)
    for use in subtype.supertypes:
        if not isinstance(use, TypeIdx) or not 0 <= use.idx < len(ctx.types):
            raise unknown("type", getattr(use, "idx", None))
        if use.idx >= x:
            raise InvalidError(SUB_TYPE)
        super_ = unroll(ctx.deftypes[use.idx])
        if super_.final or not comptype_sub(ctx, expand(ctx.deftypes[x]), super_.comptype):
            raise InvalidError(f"{SUB_TYPE} {x} does not match super type {use.idx}")


def valid_comptype(ctx: Context, comptype: CompType) -> None:
    """``Comptype_ok/struct``, ``Comptype_ok/array``, ``Comptype_ok/func``."""
    match comptype:
        case FuncType():
            valid_functype(ctx, comptype)
        case StructType(fields):
            for field in fields:
                valid_fieldtype(ctx, field)
        case ArrayType(field):
            valid_fieldtype(ctx, field)


def valid_fieldtype(ctx: Context, field: FieldType) -> None:
    """``Fieldtype_ok`` and ``Storagetype_ok``: a packed type or a valid value type."""
    if not isinstance(field.storage, PackType):
        valid_valtype(ctx, field.storage)


# -- Instructions (``Instr_ok`` of the GC instructions) ------------------------------------------

I32 = NumType.I32


def _deftype(v: Validator, x: int) -> DefType:
    """``C.types[x]`` as a defined type (``unknown type`` past the end)."""
    deftypes = v.ctx.deftypes
    if not 0 <= x < len(deftypes):
        raise unknown("type", x)
    return deftypes[x]


def _struct(v: Validator, x: int) -> tuple[DefType, tuple[FieldType, ...]]:
    """``Expand: C.types[x] ~~ STRUCT fieldtype*``"""
    dt = _deftype(v, x)
    ct = expand(dt)
    if not isinstance(ct, StructType):
        raise InvalidError(TYPE_MISMATCH)
    return dt, ct.fields


def _array(v: Validator, x: int) -> tuple[DefType, FieldType]:
    """``Expand: C.types[x] ~~ ARRAY fieldtype``"""
    dt = _deftype(v, x)
    ct = expand(dt)
    if not isinstance(ct, ArrayType):
        raise InvalidError(TYPE_MISMATCH)
    return dt, ct.field


def unpacked(t: StorageType) -> ValType:
    """``$unpack``: a packed type is read and written as an i32."""
    return I32 if isinstance(t, PackType) else t


def _sx_fits(t: StorageType, sx: Sx | None) -> None:
    """``sx? = eps <=> storagetype = $unpack(storagetype)``: an extension exactly for packed."""
    if (sx is not None) != isinstance(t, PackType):
        raise InvalidError(TYPE_MISMATCH)


def _defaultable(t: StorageType) -> bool:
    """``Defaultable``: every type but non-null references has a default value."""
    return not (isinstance(t, RefType) and not t.null)


def _mutable(field: FieldType, message: str) -> None:
    if field.mut is not Mut.VAR:
        raise InvalidError(message)


def _gc(v: Validator) -> None:
    _need(v.ctx.features.gc)


@rule(RefI31)
def valid_ref_i31(v: Validator, instr: RefI31) -> None:
    """``Instr_ok/ref.i31``: ``i32 -> (ref i31)``"""
    _gc(v)
    v.pop_expect(I32)
    v.push_val(RefType(False, AbsHeapType.I31))


@rule(I31Get)
def valid_i31_get(v: Validator, instr: I31Get) -> None:
    """``Instr_ok/i31.get``: ``(ref null i31) -> i32``"""
    _gc(v)
    v.pop_expect(RefType(True, AbsHeapType.I31))
    v.push_val(I32)


@rule(RefEq)
def valid_ref_eq(v: Validator, instr: RefEq) -> None:
    """``Instr_ok/ref.eq``: ``(ref null eq) (ref null eq) -> i32``"""
    _gc(v)
    v.pop_expect(EQREF)
    v.pop_expect(EQREF)
    v.push_val(I32)


def _top_reftype(v: Validator, rt: RefType) -> RefType:
    """The nullable top of ``rt``'s hierarchy: what a cast to ``rt`` may take."""
    return RefType(True, top_heaptype(v.ctx, rt.heaptype))


@rule(RefTest)
def valid_ref_test(v: Validator, instr: RefTest) -> None:
    """``Instr_ok/ref.test``: ``rt' -> i32`` for a valid ``rt <: rt'``"""
    _gc(v)
    valid_reftype(v.ctx, instr.reftype)
    v.pop_expect(_top_reftype(v, instr.reftype))
    v.push_val(I32)


@rule(RefCast)
def valid_ref_cast(v: Validator, instr: RefCast) -> None:
    """``Instr_ok/ref.cast``: ``rt' -> rt`` for a valid ``rt <: rt'``"""
    _gc(v)
    valid_reftype(v.ctx, instr.reftype)
    v.pop_expect(_top_reftype(v, instr.reftype))
    v.push_val(instr.reftype)


def diff_reftype(rt1: RefType, rt2: RefType) -> RefType:
    """``$diffrt``: ``rt1`` without what ``rt2`` covers (only its null can go)."""
    return RefType(rt1.null and not rt2.null, rt1.heaptype)


def _br_on_cast(v: Validator, label: int, rt1: RefType, rt2: RefType, branch: RefType,
                fallthrough: RefType) -> None:
    """What ``br_on_cast`` and ``br_on_cast_fail`` share: ``rt2 <: rt1``; the label's last
    type takes ``branch``; the rest of the label's types stay on the stack."""
    _gc(v)
    valid_reftype(v.ctx, rt1)
    valid_reftype(v.ctx, rt2)
    if not reftype_sub(v.ctx, rt2, rt1):
        raise InvalidError(TYPE_MISMATCH)
    labels = v.label_types(label)
    if not labels or not isinstance(labels[-1], RefType):
        raise InvalidError(TYPE_MISMATCH)
    if not reftype_sub(v.ctx, branch, labels[-1]):
        raise InvalidError(TYPE_MISMATCH)
    v.pop_expect(rt1)
    rest = labels[:-1]
    v.pop_vals(rest)
    v.push_vals(rest)  # the label's types, not the operands' (gc issue 516)
    v.push_val(fallthrough)


@rule(BrOnCast)
def valid_br_on_cast(v: Validator, instr: BrOnCast) -> None:
    """``Instr_ok/br_on_cast``: ``t* rt1 -> t* (rt1 \\ rt2)``, branching with ``rt2``"""
    rt1, rt2 = instr.rt1, instr.rt2
    _br_on_cast(v, instr.label, rt1, rt2, rt2, diff_reftype(rt1, rt2))


@rule(BrOnCastFail)
def valid_br_on_cast_fail(v: Validator, instr: BrOnCastFail) -> None:
    """``Instr_ok/br_on_cast_fail``: ``t* rt1 -> t* rt2``, branching with ``rt1 \\ rt2``"""
    rt1, rt2 = instr.rt1, instr.rt2
    _br_on_cast(v, instr.label, rt1, rt2, diff_reftype(rt1, rt2), rt2)


def _convert(v: Validator, src: AbsHeapType, dst: AbsHeapType) -> None:
    """``any.convert_extern``/``extern.convert_any``: nullability is kept."""
    _gc(v)
    t = v.pop_expect(RefType(True, src))
    null = isinstance(t, RefType) and t.null
    v.push_val(RefType(null, dst))


@rule(AnyConvertExtern)
def valid_any_convert_extern(v: Validator, instr: AnyConvertExtern) -> None:
    """``Instr_ok/any.convert_extern``: ``(ref null? extern) -> (ref null? any)``"""
    _convert(v, AbsHeapType.EXTERN, AbsHeapType.ANY)


@rule(ExternConvertAny)
def valid_extern_convert_any(v: Validator, instr: ExternConvertAny) -> None:
    """``Instr_ok/extern.convert_any``: ``(ref null? any) -> (ref null? extern)``"""
    _convert(v, AbsHeapType.ANY, AbsHeapType.EXTERN)


@rule(StructNew)
def valid_struct_new(v: Validator, instr: StructNew) -> None:
    """``Instr_ok/struct.new``: ``$unpack(zt)* -> (ref x)``"""
    _gc(v)
    dt, fields = _struct(v, instr.type)
    v.pop_vals(tuple(unpacked(f.storage) for f in fields))
    v.push_val(RefType(False, dt))


@rule(StructNewDefault)
def valid_struct_new_default(v: Validator, instr: StructNewDefault) -> None:
    """``Instr_ok/struct.new_default``: every field defaultable"""
    _gc(v)
    dt, fields = _struct(v, instr.type)
    if not all(_defaultable(f.storage) for f in fields):
        raise InvalidError(TYPE_MISMATCH)
    v.push_val(RefType(False, dt))


def _field(v: Validator, x: int, i: int) -> tuple[DefType, FieldType]:
    dt, fields = _struct(v, x)
    if not 0 <= i < len(fields):
        raise unknown("field", i)
    return dt, fields[i]


@rule(StructGet)
def valid_struct_get(v: Validator, instr: StructGet) -> None:
    """``Instr_ok/struct.get``: ``(ref null x) -> $unpack(zt)``"""
    _gc(v)
    dt, field = _field(v, instr.type, instr.field)
    _sx_fits(field.storage, instr.sx)
    v.pop_expect(RefType(True, dt))
    v.push_val(unpacked(field.storage))


@rule(StructSet)
def valid_struct_set(v: Validator, instr: StructSet) -> None:
    """``Instr_ok/struct.set``: a mutable field; ``(ref null x) $unpack(zt) -> eps``"""
    _gc(v)
    dt, field = _field(v, instr.type, instr.field)
    _mutable(field, FIELD_IS_IMMUTABLE)
    v.pop_expect(unpacked(field.storage))
    v.pop_expect(RefType(True, dt))


@rule(ArrayNew)
def valid_array_new(v: Validator, instr: ArrayNew) -> None:
    """``Instr_ok/array.new``: ``$unpack(zt) i32 -> (ref x)``"""
    _gc(v)
    dt, field = _array(v, instr.type)
    v.pop_expect(I32)
    v.pop_expect(unpacked(field.storage))
    v.push_val(RefType(False, dt))


@rule(ArrayNewDefault)
def valid_array_new_default(v: Validator, instr: ArrayNewDefault) -> None:
    """``Instr_ok/array.new_default``: a defaultable element type; ``i32 -> (ref x)``"""
    _gc(v)
    dt, field = _array(v, instr.type)
    if not _defaultable(field.storage):
        raise InvalidError(TYPE_MISMATCH)
    v.pop_expect(I32)
    v.push_val(RefType(False, dt))


@rule(ArrayNewFixed)
def valid_array_new_fixed(v: Validator, instr: ArrayNewFixed) -> None:
    """``Instr_ok/array.new_fixed``: ``$unpack(zt)^n -> (ref x)``"""
    _gc(v)
    dt, field = _array(v, instr.type)
    t = unpacked(field.storage)
    # Pop what the stack holds; past it an unreachable frame's stack yields BOT for every
    # further operand, so a huge ``n`` in dead code costs no more than the stack's height.
    frame = v.ctrls[-1]
    held = min(instr.size, len(v.vals) - frame.height)
    for _ in range(held):
        v.pop_expect(t)
    if instr.size > held and not frame.unreachable:
        raise InvalidError(TYPE_MISMATCH)
    v.push_val(RefType(False, dt))


def _numeric(field: FieldType) -> None:
    """Data segments initialize only numeric, vector and packed element types."""
    if isinstance(field.storage, RefType):
        raise InvalidError(ARRAY_NOT_NUMERIC)


def _elem_fits(v: Validator, field: FieldType, y: int) -> None:
    """``C.elems[y] <: zt``"""
    rt = elem(v.ctx, y)
    if not isinstance(field.storage, RefType) or not reftype_sub(v.ctx, rt, field.storage):
        raise InvalidError(TYPE_MISMATCH)


@rule(ArrayNewData)
def valid_array_new_data(v: Validator, instr: ArrayNewData) -> None:
    """``Instr_ok/array.new_data``: a numeric or vector element type; ``i32 i32 -> (ref x)``"""
    _gc(v)
    dt, field = _array(v, instr.type)
    _numeric(field)
    data(v.ctx, instr.data)
    v.pop_vals((I32, I32))
    v.push_val(RefType(False, dt))


@rule(ArrayNewElem)
def valid_array_new_elem(v: Validator, instr: ArrayNewElem) -> None:
    """``Instr_ok/array.new_elem``: ``C.elems[y] <: zt``; ``i32 i32 -> (ref x)``"""
    _gc(v)
    dt, field = _array(v, instr.type)
    _elem_fits(v, field, instr.elem)
    v.pop_vals((I32, I32))
    v.push_val(RefType(False, dt))


@rule(ArrayGet)
def valid_array_get(v: Validator, instr: ArrayGet) -> None:
    """``Instr_ok/array.get``: ``(ref null x) i32 -> $unpack(zt)``"""
    _gc(v)
    dt, field = _array(v, instr.type)
    _sx_fits(field.storage, instr.sx)
    v.pop_expect(I32)
    v.pop_expect(RefType(True, dt))
    v.push_val(unpacked(field.storage))


@rule(ArraySet)
def valid_array_set(v: Validator, instr: ArraySet) -> None:
    """``Instr_ok/array.set``: mutable; ``(ref null x) i32 $unpack(zt) -> eps``"""
    _gc(v)
    dt, field = _array(v, instr.type)
    _mutable(field, ARRAY_IS_IMMUTABLE)
    v.pop_expect(unpacked(field.storage))
    v.pop_expect(I32)
    v.pop_expect(RefType(True, dt))


@rule(ArrayLen)
def valid_array_len(v: Validator, instr: ArrayLen) -> None:
    """``Instr_ok/array.len``: ``(ref null array) -> i32``"""
    _gc(v)
    v.pop_expect(ARRAYREF)
    v.push_val(I32)


@rule(ArrayFill)
def valid_array_fill(v: Validator, instr: ArrayFill) -> None:
    """``Instr_ok/array.fill``: mutable; ``(ref null x) i32 $unpack(zt) i32 -> eps``"""
    _gc(v)
    dt, field = _array(v, instr.type)
    _mutable(field, ARRAY_IS_IMMUTABLE)
    v.pop_expect(I32)
    v.pop_expect(unpacked(field.storage))
    v.pop_expect(I32)
    v.pop_expect(RefType(True, dt))


@rule(ArrayCopy)
def valid_array_copy(v: Validator, instr: ArrayCopy) -> None:
    """``Instr_ok/array.copy``: the destination mutable, the source's element type a subtype
    of it; ``(ref null x1) i32 (ref null x2) i32 i32 -> eps``"""
    _gc(v)
    dt1, field1 = _array(v, instr.dst)
    dt2, field2 = _array(v, instr.src)
    _mutable(field1, ARRAY_IS_IMMUTABLE)
    if not storagetype_sub(v.ctx, field2.storage, field1.storage):
        raise InvalidError(ARRAY_TYPES_DO_NOT_MATCH)
    v.pop_expect(I32)
    v.pop_expect(I32)
    v.pop_expect(RefType(True, dt2))
    v.pop_expect(I32)
    v.pop_expect(RefType(True, dt1))


@rule(ArrayInitData)
def valid_array_init_data(v: Validator, instr: ArrayInitData) -> None:
    """``Instr_ok/array.init_data``: mutable, numeric or vector;
    ``(ref null x) i32 i32 i32 -> eps``"""
    _gc(v)
    dt, field = _array(v, instr.type)
    _mutable(field, ARRAY_IS_IMMUTABLE)
    _numeric(field)
    data(v.ctx, instr.data)
    v.pop_vals((I32, I32, I32))
    v.pop_expect(RefType(True, dt))


@rule(ArrayInitElem)
def valid_array_init_elem(v: Validator, instr: ArrayInitElem) -> None:
    """``Instr_ok/array.init_elem``: mutable, ``C.elems[y] <: zt``;
    ``(ref null x) i32 i32 i32 -> eps``"""
    _gc(v)
    dt, field = _array(v, instr.type)
    _mutable(field, ARRAY_IS_IMMUTABLE)
    _elem_fits(v, field, instr.elem)
    v.pop_vals((I32, I32, I32))
    v.pop_expect(RefType(True, dt))
