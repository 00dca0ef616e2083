"""The text format of 3.0 garbage collection (SpecTec ``6.2-text.types``: ``Trectype_(I)``,
``Tsubtype_(I)``, ``Tcomptype_(I)``, ``Tfieldtype_(I)``, ``Tstoragetype_(I)``; ``6.3-text.instructions``:
the ``struct.*``, ``array.*``, ``i31.*``, cast and conversion instructions).

Type definitions: ``(rec (type $t? subtype)*)`` or one ``(type $t? subtype)`` (a group of
one); a sub type is ``(sub final? x* comptype)`` or a composite type alone (final, no
supertypes).  Field identifiers live in one space per type (``struct.get $t $f``).

Imported by ``refwasm.text`` so that its handlers are registered with the parser's table.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from refwasm.errors import UNEXPECTED_TOKEN
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
from refwasm.syntax.modules import Type
from refwasm.syntax.types import (
    ArrayType,
    CompType,
    FieldType,
    FuncType,
    Mut,
    PackType,
    RecType,
    RefType,
    StorageType,
    StructType,
    SubType,
    TypeIdx,
    TypeUse,
    ValType,
)
from refwasm.text import mnemonics
from refwasm.text.lexer import Atom, SExpr, SList
from refwasm.text.parser import (
    _HANDLERS,
    DATA,
    ELEM,
    TYPE,
    Cursor,
    InstrParser,
    ModuleParser,
    as_list,
    atom_text,
    fail,
    is_id,
    is_list,
    located_at,
    parse_u32,
)

DUPLICATE_FIELD = "duplicate field"
UNKNOWN_FIELD = "unknown field"
_PACKTYPES = {"i8": PackType.I8, "i16": PackType.I16}


# -- Type definitions ----------------------------------------------------------------------------


def collect_types(m: ModuleParser, fields: list[SList]) -> None:
    """``Trectype_(I)`` for every ``type`` and ``rec`` field, in order: all type identifiers are
    bound first, so a definition may name any type (validation rejects forward uses outside
    the own group)."""
    groups: list[list[SList]] = []
    for item in fields:
        with located_at(item):
            if item.head() == "rec":
                group = [as_list(t) for t in item.items[1:]]
                if not all(is_list(t, "type") for t in group):
                    raise fail(UNEXPECTED_TOKEN)
                groups.append(group)
            elif item.head() == "type":
                groups.append([item])
    for group in groups:
        for t in group:
            with located_at(t):
                m.bind(TYPE, Cursor(t.items, 1).take_id())
    for group in groups:
        start = len(m.functypes)
        subtypes = tuple(_located_typedef(m, t, start + i) for i, t in enumerate(group))
        m.types.append(Type(RecType(subtypes)))
        for i, st in enumerate(subtypes):
            ft = st.comptype if isinstance(st.comptype, FuncType) else None
            m.functypes.append(ft)
            if ft is not None and len(subtypes) == 1 and st.final and not st.supertypes:
                m.type_index_of.setdefault(ft, start + i)


def _located_typedef(m: ModuleParser, item: SList, x: int) -> SubType:
    """``typedef``, its errors located at the definition when no token was named."""
    with located_at(item):
        return typedef(m, item, x)


def typedef(m: ModuleParser, item: SList, x: int) -> SubType:
    """``Ttypedef_(I)``: ``(type $t? subtype)``."""
    cur = Cursor(item.items, 1)
    cur.take_id()
    definition = cur.next()
    cur.expect_end()
    return subtype(m, definition, x)


def subtype(m: ModuleParser, item: SExpr, x: int) -> SubType:
    """``Tsubtype_(I)``: ``(sub final? typeidx* comptype)``, or a composite type alone."""
    if not is_list(item, "sub"):
        return SubType(True, (), comptype(m, item, x))
    cur = Cursor(as_list(item).items, 1)
    final = False
    item0 = cur.peek()
    if isinstance(item0, Atom) and item0.text == "final":
        final = True
        cur.pos += 1
    supers: list[TypeIdx] = []
    while isinstance(cur.peek(), Atom):
        supers.append(TypeIdx(m.resolve(TYPE, cur.next())))
    result = SubType(final, tuple(supers), comptype(m, cur.next(), x))
    cur.expect_end()
    return result


def comptype(m: ModuleParser, item: SExpr, x: int) -> CompType:
    """``Tcomptype_(I)``: ``(func ...)``, ``(struct (field ...)*)``, ``(array fieldtype)``."""
    if is_list(item, "func"):
        return m.functype(Cursor(as_list(item).items, 1))
    if is_list(item, "struct"):
        return struct_type(m, as_list(item), x)
    if is_list(item, "array"):
        cur = Cursor(as_list(item).items, 1)
        field = fieldtype(m, cur.next())
        cur.expect_end()
        return ArrayType(field)
    raise fail(UNEXPECTED_TOKEN)


def struct_type(m: ModuleParser, item: SList, x: int) -> StructType:
    """``Tcomptype_(I)``: ``(field $f? fieldtype)`` or ``(field fieldtype*)`` each; the
    field identifiers are bound in type ``x``'s field space."""
    fields: list[FieldType] = []
    ids: dict[str, int] = {}
    for f in item.items[1:]:
        if not is_list(f, "field"):
            raise fail(UNEXPECTED_TOKEN)
        cur = Cursor(as_list(f).items, 1)
        name = cur.take_id()
        if name is not None:
            if name in ids:
                raise fail(DUPLICATE_FIELD)
            ids[name] = len(fields)
            fields.append(fieldtype(m, cur.next()))
            cur.expect_end()
        else:
            while not cur.at_end():
                fields.append(fieldtype(m, cur.next()))
    m.gc_field_ids[x] = ids
    return StructType(tuple(fields))


def fieldtype(m: ModuleParser, item: SExpr) -> FieldType:
    """``Tfieldtype_(I)``: ``(mut storagetype)`` or a storage type (constant)."""
    if is_list(item, "mut"):
        cur = Cursor(as_list(item).items, 1)
        storage = storagetype(m, cur.next())
        cur.expect_end()
        return FieldType(Mut.VAR, storage)
    return FieldType(Mut.CONST, storagetype(m, item))


def storagetype(m: ModuleParser, item: SExpr) -> StorageType:
    """``Tstoragetype_(I)``: ``i8``, ``i16`` or a value type."""
    if isinstance(item, Atom) and item.text in _PACKTYPES:
        return _PACKTYPES[item.text]
    return m.valtype(item)


# -- Instructions --------------------------------------------------------------------------------


def _type(p: InstrParser, cur: Cursor) -> int:
    return p.index(TYPE, cur)


def _field(p: InstrParser, typeidx: int, cur: Cursor) -> int:
    """A field index or a field identifier of struct type ``typeidx``."""
    item = cur.next()
    if is_id(item):
        text = atom_text(item)
        index = p.m.gc_field_ids.get(typeidx, {}).get(text)
        if index is None:
            raise fail(f"{UNKNOWN_FIELD} {text}")
        return index
    return parse_u32(item)


def _h_struct(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """``struct.new x``, ``struct.new_default x``, ``struct.get(_s|_u)? x f``,
    ``struct.set x f``."""
    x = _type(p, cur)
    match keyword:
        case "struct.new":
            return StructNew(x)
        case "struct.new_default":
            return StructNewDefault(x)
        case "struct.set":
            return StructSet(x, _field(p, x, cur))
    return StructGet(_sx(keyword), x, _field(p, x, cur))


def _sx(keyword: str) -> Sx | None:
    return Sx(keyword[-1]) if keyword.endswith(("_s", "_u")) else None


_ARRAY_ONE: dict[str, Callable[[int], Instr]] = {
    "array.new": ArrayNew, "array.new_default": ArrayNewDefault, "array.set": ArraySet,
    "array.fill": ArrayFill,
}


def _h_array(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """The ``array.*`` instructions and their immediates."""
    if keyword == "array.len":
        return ArrayLen()
    x = _type(p, cur)
    if keyword in _ARRAY_ONE:
        return _ARRAY_ONE[keyword](x)
    match keyword:
        case "array.new_fixed":
            return ArrayNewFixed(x, parse_u32(cur.next()))
        case "array.new_data":
            return ArrayNewData(x, p.index(DATA, cur))
        case "array.new_elem":
            return ArrayNewElem(x, p.index(ELEM, cur))
        case "array.copy":
            return ArrayCopy(x, _type(p, cur))
        case "array.init_data":
            return ArrayInitData(x, p.index(DATA, cur))
        case "array.init_elem":
            return ArrayInitElem(x, p.index(ELEM, cur))
    return ArrayGet(_sx(keyword), x)


def _h_cast(p: InstrParser, keyword: str, cur: Cursor) -> Instr:
    """``ref.test rt``, ``ref.cast rt``, ``br_on_cast l rt rt``, ``br_on_cast_fail l rt rt``."""
    if keyword == "ref.test":
        return RefTest(p.m.reftype(cur.next()))
    if keyword == "ref.cast":
        return RefCast(p.m.reftype(cur.next()))
    label = p.label(cur)
    rt1 = p.m.reftype(cur.next())
    rt2 = p.m.reftype(cur.next())
    return BrOnCast(label, rt1, rt2) if keyword == "br_on_cast" else BrOnCastFail(label, rt1, rt2)


_PLAIN: dict[str, Instr] = {
    "ref.eq": RefEq(), "ref.i31": RefI31(), "i31.get_s": I31Get(Sx.S), "i31.get_u": I31Get(Sx.U),
    "any.convert_extern": AnyConvertExtern(), "extern.convert_any": ExternConvertAny(),
}
for _kw, _instr in _PLAIN.items():
    mnemonics.PLAIN[_kw] = _instr
    mnemonics.FEATURE_OF[_kw] = "gc"
for _kw in ("struct.new", "struct.new_default", "struct.get", "struct.get_s", "struct.get_u",
            "struct.set"):
    _HANDLERS[_kw] = _h_struct
    mnemonics.FEATURE_OF[_kw] = "gc"
for _kw in ("array.new", "array.new_default", "array.new_fixed", "array.new_data",
            "array.new_elem", "array.get", "array.get_s", "array.get_u", "array.set", "array.len",
            "array.fill", "array.copy", "array.init_data", "array.init_elem"):
    _HANDLERS[_kw] = _h_array
    mnemonics.FEATURE_OF[_kw] = "gc"
for _kw in ("ref.test", "ref.cast", "br_on_cast", "br_on_cast_fail"):
    _HANDLERS[_kw] = _h_cast
    mnemonics.FEATURE_OF[_kw] = "gc"


# -- Printing (the inverse of the above; used by ``printer.py``) ---------------------------------


def print_types(rectype: RecType, valtype: Callable[[ValType], str],
                signature: Callable[[FuncType], str], defined: Sequence[str] = ()) -> str:
    """``Trectype_(I)``: a group of one as ``(type (sub final? x* comptype))``, a larger one as
    ``(rec (type ...)*)``; a final sub type without supertypes as its composite type alone
    (``Tsubtype_(I)``'s abbreviation, read back as the same sub type).  ``defined`` holds what
    follows each ``type`` keyword (an index comment, as ``wasm2wat`` writes)."""
    marks = list(defined) + [""] * (len(rectype.subtypes) - len(defined))
    types = [f"(type{mark} {_print_subtype(st, valtype, signature)})"
             for st, mark in zip(rectype.subtypes, marks, strict=True)]
    if len(types) == 1:
        return types[0]
    return "(rec " + " ".join(types) + ")"


def _print_subtype(st: SubType, valtype: Callable[[ValType], str],
                   signature: Callable[[FuncType], str]) -> str:
    comptype = _print_comptype(st.comptype, valtype, signature)
    if st.final and not st.supertypes:
        return comptype
    final = " final" if st.final else ""
    supers = "".join(f" {_print_use(u)}" for u in st.supertypes)
    return f"(sub{final}{supers} {comptype})"


def _print_use(use: TypeUse) -> str:
    if not isinstance(use, TypeIdx):
        raise ValueError(f"type use {use} has no text form")
    return str(use.idx)


def _print_comptype(ct: CompType, valtype: Callable[[ValType], str],
                    signature: Callable[[FuncType], str]) -> str:
    match ct:
        case FuncType():
            return f"(func{signature(ct)})"
        case StructType(fields):
            return "(struct" + "".join(
                f" (field {_print_field(f, valtype)})" for f in fields) + ")"
        case ArrayType(field):
            return f"(array {_print_field(field, valtype)})"


def _print_field(ft: FieldType, valtype: Callable[[ValType], str]) -> str:
    t = ft.storage
    storage = t.value if isinstance(t, PackType) else valtype(t)
    return f"(mut {storage})" if ft.mut is Mut.VAR else storage


def print_instr(instr: Instr, reftype: Callable[[RefType], str]) -> str | None:
    """The text of a GC instruction with immediates, ``None`` for any other."""
    match instr:
        case StructNew(x):
            return f"struct.new {x}"
        case StructNewDefault(x):
            return f"struct.new_default {x}"
        case StructGet(sx, x, i):
            return f"struct.get{_sx_suffix(sx)} {x} {i}"
        case StructSet(x, i):
            return f"struct.set {x} {i}"
        case ArrayNewFixed(x, n):
            return f"array.new_fixed {x} {n}"
        case ArrayNewData(x, y):
            return f"array.new_data {x} {y}"
        case ArrayNewElem(x, y):
            return f"array.new_elem {x} {y}"
        case ArrayGet(sx, x):
            return f"array.get{_sx_suffix(sx)} {x}"
        case ArrayCopy(x, y):
            return f"array.copy {x} {y}"
        case ArrayInitData(x, y):
            return f"array.init_data {x} {y}"
        case ArrayInitElem(x, y):
            return f"array.init_elem {x} {y}"
        case RefTest(rt):
            return f"ref.test {reftype(rt)}"
        case RefCast(rt):
            return f"ref.cast {reftype(rt)}"
        case BrOnCast(label, rt1, rt2):
            return f"br_on_cast {label} {reftype(rt1)} {reftype(rt2)}"
        case BrOnCastFail(label, rt1, rt2):
            return f"br_on_cast_fail {label} {reftype(rt1)} {reftype(rt2)}"
    for name, make in _ARRAY_ONE.items():
        if type(instr) is make:
            return f"{name} {instr.type}"  # type: ignore[union-attr]
    return None


def _sx_suffix(sx: Sx | None) -> str:
    return "" if sx is None else f"_{sx.value}"


for _kw, _instr in _PLAIN.items():
    mnemonics.PLAIN_NAMES[_instr] = _kw
mnemonics.PLAIN_NAMES[ArrayLen()] = "array.len"
