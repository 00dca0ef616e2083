"""Validation of 3.0 type definitions: rec groups, sub types, struct and array types (SpecTec
``2.1-validation.types``: ``Rectype_ok``, ``Subtype_ok``, ``Comptype_ok``, ``Fieldtype_ok``,
``Storagetype_ok``; ``2.2-validation.subtyping``: ``Comptype_sub``).

Type uses inside a definition are compared through the module's defined types
(``Context.deftypes``, from ``refwasm.syntax.deftypes.close_types``), so a sub type is checked
against its supertype by identity of canonical groups wherever types are equal, never by
unfolding recursive types.
"""

from __future__ import annotations

from refwasm.errors import SUB_TYPE, TYPE_MISMATCH, InvalidError, unknown
from refwasm.syntax.deftypes import expand, unroll
from refwasm.syntax.types import (
    ArrayType,
    CompType,
    FieldType,
    FuncType,
    PackType,
    StructType,
    SubType,
    TypeIdx,
)
from refwasm.validation.context import Context
from refwasm.validation.types import comptype_sub, valid_functype, valid_valtype


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
            raise InvalidError(SUB_TYPE)


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
