"""GC instructions in generated bodies (3.0): structs, arrays, ``i31``, casts and conversions.

Each step of the GC kind (``Imm.PREFIX_FB``) draws one small piece of code that allocates or
reads a heap object and ends by leaving a number on the stack (a field, an element, a length, a
test's or a comparison's ``i32``): GC references never reach a function's parameters, results,
globals or tables, so exports stay callable from every host API.  A struct or array reference
that must be used twice goes through its type's scratch local (``(ref null $t)``), which later
steps may read back (a null there traps unless traps are disallowed).

Array lengths, indices and bulk lengths are constants up to 8 (in bounds when traps are
disallowed, a few past the end otherwise), so an allocation in a loop is bounded by the fuel.
Arrays are also made and filled from segments (``array.new_data``/``array.init_data`` from a
data segment for a number or packed element type, ``array.new_elem``/``array.init_elem`` from
an element segment of the element type): the source range is in bounds of a passive segment
when traps are disallowed (an active or declared one is dropped: only length 0 fits), mostly
in bounds otherwise.

A field of reference type is written with a null, a scratch local, ``ref.func`` or (``any``,
``eq`` and ``i31``) a ``ref.i31``, and read as ``ref.is_null`` of it, so that a number is what
every form leaves.
"""

from __future__ import annotations

from refwasm.binary.opcodes import Imm, Op
from refwasm.strategies.body import I32, PLAIN_HANDLERS, BodyGen, SegmentInfo, _handler
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
    BinOp,
    Binop,
    Block,
    Br,
    BrOnCast,
    BrOnCastFail,
    Const,
    ExternConvertAny,
    I31Get,
    Instr,
    LocalGet,
    LocalTee,
    RefCast,
    RefEq,
    RefI31,
    RefIsNull,
    RefNull,
    RefTest,
    StructGet,
    StructNew,
    StructNewDefault,
    StructSet,
    Sx,
)
from refwasm.syntax.types import (
    ANYREF,
    EXTERNREF,
    AbsHeapType,
    ArrayType,
    FieldType,
    HeapType,
    Mut,
    NumType,
    PackType,
    RefType,
    StructType,
    TypeIdx,
    ValType,
)

MAX_LENGTH = 8
_CAST_HEAPS = (AbsHeapType.ANY, AbsHeapType.EQ, AbsHeapType.I31, AbsHeapType.STRUCT,
               AbsHeapType.ARRAY, AbsHeapType.NONE)  # fmt: skip


def unpack(ft: FieldType) -> ValType:
    """``$unpack(storagetype)``: the value type a field is read and written as."""
    return I32 if isinstance(ft.storage, PackType) else ft.storage


_I31_HEAPS = (AbsHeapType.ANY, AbsHeapType.EQ, AbsHeapType.I31)


def _value(g: BodyGen, out: list[Instr], ft: FieldType) -> None:
    """Push a value to store in a field of type ``ft``: a number, or for a reference a null,
    a local (a scratch local may hold a struct or array), ``ref.func``, or an ``i31``."""
    t = unpack(ft)
    if isinstance(t, RefType) and t.heaptype in _I31_HEAPS and g.choose(0, 1) == 1:
        g.produce(out, I32)
        out.append(RefI31())
        return
    g.produce(out, t)


def _read(g: BodyGen, instr: Instr, ft: FieldType, out: list[Instr], stack: list[ValType]) -> None:
    """Emit a field or element read ``instr``; a reference read is projected by
    ``ref.is_null`` (GC references stay inside the form)."""
    t = unpack(ft)
    if isinstance(t, RefType):
        out += [instr, RefIsNull()]
        stack.append(I32)
        return
    g.emit(instr, out, stack, (t,))


def _sx(g: BodyGen, ft: FieldType) -> Sx | None:
    """``sx`` of a read: drawn for a packed field, none otherwise (``Instr_ok/struct.get``)."""
    return g.pick([Sx.S, Sx.U]) if isinstance(ft.storage, PackType) else None


def _ref(x: int) -> RefType:
    return RefType(True, TypeIdx(x))


def _of(g: BodyGen, kind: type) -> list[int]:
    return [k for k, (_, ct) in enumerate(g.ctx.gc_types) if isinstance(ct, kind)]


def _allocated(g: BodyGen, k: int) -> int:
    """The type to allocate where one of ``gc_types[k]`` is wanted: it or a declared subtype
    (valid by subsumption)."""
    x = g.ctx.gc_types[k][0]
    return g.pick([x, *g.ctx.gc_subtypes.get(x, [])])


def _fields(g: BodyGen, k: int) -> tuple[FieldType, ...]:
    ct = g.ctx.gc_types[k][1]
    return ct.fields if isinstance(ct, StructType) else ()


def _subtype_k(g: BodyGen, x: int) -> int:
    return next(k for k, (y, _) in enumerate(g.ctx.gc_types) if y == x)


def _struct_ref(g: BodyGen, out: list[Instr], k: int) -> None:
    """A reference to a struct of ``gc_types[k]``: a new one, or (traps allowed) the scratch
    local, which may hold null."""
    x = g.ctx.gc_types[k][0]
    if not g.ctx.options.disallow_traps and g.choose(0, 7) == 7:
        out.append(LocalGet(g.scratch[_ref(x)]))
        return
    y = _allocated(g, k)
    st = g.ctx.gc_types[_subtype_k(g, y)][1]
    if not isinstance(st, StructType) or g.choose(0, 2) == 0:
        out.append(StructNewDefault(y))
        return
    for f in st.fields:
        _value(g, out, f)
    out.append(StructNew(y))


def _array_ref(g: BodyGen, out: list[Instr], k: int) -> int | None:
    """A reference to an array of ``gc_types[k]`` and its length (``None``: the scratch
    local's, unknown; only when traps are allowed)."""
    x, at = g.ctx.gc_types[k]
    if not g.ctx.options.disallow_traps and g.choose(0, 7) == 7:
        out.append(LocalGet(g.scratch[_ref(x)]))
        return None
    array = at if isinstance(at, ArrayType) else None
    if array is None:
        return None
    n = g.choose(0, MAX_LENGTH)
    how = g.choose(0, 2)
    if how == 0:
        out.append(Const(I32, n))
        out.append(ArrayNewDefault(x))
    elif how == 1:
        _value(g, out, array.field)
        out.append(Const(I32, n))
        out.append(ArrayNew(x))
    else:
        for _ in range(n):
            _value(g, out, array.field)
        out.append(ArrayNewFixed(x, n))
    return n


def _index(g: BodyGen, length: int | None, n: int = 1) -> int:
    """An index for ``n`` elements of an array of ``length``: in bounds mostly (always when
    traps are disallowed), a few past the end."""
    if length is None:
        return g.choose(0, MAX_LENGTH)
    room = length - n
    if room >= 0 and (g.ctx.options.disallow_traps or g.choose(0, 9) > 0):
        return g.choose(0, room)
    return max(length - n, 0) + g.choose(1, 3)


def _struct(g: BodyGen, out: list[Instr], stack: list[ValType]) -> bool:
    """``Instr_ok/struct.new`` .. ``Instr_ok/struct.set``: a struct, maybe one field written
    (through the scratch local), then one field read."""
    structs = [k for k in _of(g, StructType) if _fields(g, k)]
    if not structs:
        return False
    k = g.pick(structs)
    x = g.ctx.gc_types[k][0]
    struct = StructType(_fields(g, k))
    _struct_ref(g, out, k)
    mutable = [i for i, f in enumerate(struct.fields) if f.mut is Mut.VAR]
    if mutable and g.choose(0, 1) == 1:
        s = g.scratch[_ref(x)]
        j = g.pick(mutable)
        out.append(LocalTee(s))
        _value(g, out, struct.fields[j])
        out += [StructSet(x, j), LocalGet(s)]
    i = g.choose(0, len(struct.fields) - 1)
    f = struct.fields[i]
    _read(g, StructGet(_sx(g, f), x, i), f, out, stack)
    return False


def _array(g: BodyGen, out: list[Instr], stack: list[ValType]) -> bool:
    """``Instr_ok/array.new`` .. ``Instr_ok/array.copy``: an array, maybe written (``set``,
    ``fill``, ``copy`` from a second one), then its length or one element read."""
    arrays = _of(g, ArrayType)
    if not arrays:
        return False
    k = g.pick(arrays)
    x, at = g.ctx.gc_types[k]
    field = at.field if isinstance(at, ArrayType) else FieldType(Mut.CONST, I32)
    length = _array_ref(g, out, k)
    s = g.scratch[_ref(x)]
    write = g.choose(0, 3) if field.mut is Mut.VAR else 0
    if write == 1 and length == 0 and g.ctx.options.disallow_traps:
        write = 0  # no index of an empty array is in bounds
    if write:
        out.append(LocalTee(s))
    if write == 1:
        out.append(Const(I32, _index(g, length)))
        _value(g, out, field)
        out += [ArraySet(x), LocalGet(s)]
    elif write == 2:
        n = g.choose(0, length if length is not None else MAX_LENGTH)
        out.append(Const(I32, _index(g, length, n)))
        _value(g, out, field)
        out += [Const(I32, n), ArrayFill(x), LocalGet(s)]
    elif write == 3:
        out.append(Const(I32, 0))  # the destination index, fixed once the lengths are known
        at_dst = len(out) - 1
        src_length = _array_ref(g, out, k)
        known = [v for v in (length, src_length) if v is not None]
        n = g.choose(0, min(known, default=MAX_LENGTH))
        out[at_dst] = Const(I32, _index(g, length, n))
        out += [Const(I32, _index(g, src_length, n)), Const(I32, n), ArrayCopy(x, x),
                LocalGet(s)]  # fmt: skip
    _array_read(g, out, stack, x, field, length)
    return False


def _array_read(g: BodyGen, out: list[Instr], stack: list[ValType], x: int, field: FieldType,
                length: int | None) -> None:
    """``array.len``, or ``array.get`` of one element, of the array on the stack (not of an
    empty one when traps are disallowed: no index is in bounds)."""
    if g.choose(0, 1) == 0 or (length == 0 and g.ctx.options.disallow_traps):
        g.emit(ArrayLen(), out, stack, (I32,))
        return
    out.append(Const(I32, _index(g, length)))
    _read(g, ArrayGet(_sx(g, field), x), field, out, stack)


_BYTES = {PackType.I8: 1, PackType.I16: 2, I32: 4, NumType.F32: 4, NumType.I64: 8,
          NumType.F64: 8}  # fmt: skip


def _segment_range(g: BodyGen, seg: SegmentInfo, size: int, most: int) -> tuple[int, int]:
    """A source offset and a count of up to ``most`` elements of ``size`` units for a segment:
    in bounds of what the segment holds after instantiation (a passive one its contents, an
    active or declared one nothing) when traps are disallowed or nine times in ten, else a
    few units past its end (``out of bounds``)."""
    usable = seg.length if seg.passive else 0
    if g.ctx.options.disallow_traps or g.choose(0, 9) > 0:
        n = g.choose(0, min(most, usable // size))
        return g.choose(0, usable - n * size), n
    n = g.choose(0, most)
    return max(usable - n * size, 0) + g.choose(1, 3), n


def _from_segment(g: BodyGen, out: list[Instr], stack: list[ValType]) -> bool:
    """``Instr_ok/array.new_data``, ``Instr_ok/array.new_elem``, ``Instr_ok/array.init_data``,
    ``Instr_ok/array.init_elem``: an array of a segment's contents, or one (made as in
    ``_array``) with a range overwritten from a segment; then read."""
    # (array type's position in gc_types, segment index, segment, element size in its units),
    # from element segments and from data segments (each kind half of the time: arrays of
    # numbers outnumber those of ``funcref``/``externref``).
    elems: list[tuple[int, int, SegmentInfo, int]] = []
    datas: list[tuple[int, int, SegmentInfo, int]] = []
    for k, (_, ct) in enumerate(g.ctx.gc_types):
        storage = ct.field.storage if isinstance(ct, ArrayType) else None
        if isinstance(storage, RefType):
            elems += [(k, e, seg, 1) for e, seg in enumerate(g.ctx.elems)
                      if seg.reftype == storage]  # fmt: skip
        elif storage in _BYTES:
            datas += [(k, d, seg, _BYTES[storage]) for d, seg in enumerate(g.ctx.datas)]
    choices = g.pick([c for c in (elems, datas) if c] or [[]])
    if not choices:
        return False
    # ``init`` half of the time, from an array type with mutable elements when there is one
    # (picking the type first would make ``init`` as rare as mutable arrays).
    init = g.choose(0, 1) == 1
    mutable = [c for c in choices if _array_field(g, c[0]).mut is Mut.VAR]
    k, y, seg, size = g.pick(mutable if init and mutable else choices)
    x, _ = g.ctx.gc_types[k]
    field = _array_field(g, k)
    elem = isinstance(field.storage, RefType)
    if field.mut is Mut.CONST or not init:
        offset, n = _segment_range(g, seg, size, MAX_LENGTH)
        new = ArrayNewElem(x, y) if elem else ArrayNewData(x, y)
        out += [Const(I32, offset), Const(I32, n), new]
        _array_read(g, out, stack, x, field, n)
        return False
    length = _array_ref(g, out, k)
    s = g.scratch[_ref(x)]
    offset, n = _segment_range(g, seg, size, length if length is not None else MAX_LENGTH)
    out += [LocalTee(s), Const(I32, _index(g, length, n)), Const(I32, offset), Const(I32, n),
            ArrayInitElem(x, y) if elem else ArrayInitData(x, y), LocalGet(s)]  # fmt: skip
    _array_read(g, out, stack, x, field, length)
    return False


def _array_field(g: BodyGen, k: int) -> FieldType:
    """The element field of the array type at position ``k`` of ``gc_types``."""
    at = g.ctx.gc_types[k][1]
    return at.field if isinstance(at, ArrayType) else FieldType(Mut.CONST, I32)


def _any_value(g: BodyGen, out: list[Instr]) -> None:
    """Push a value of the ``any`` hierarchy: an ``i31``, a struct or array, a null, or an
    ``externref`` converted (``Instr_ok/any.convert_extern``)."""
    choice = g.choose(0, 4)
    structs, arrays = _of(g, StructType), _of(g, ArrayType)
    if choice == 1 and structs:
        _struct_ref(g, out, g.pick(structs))
    elif choice == 2 and arrays:
        _array_ref(g, out, g.pick(arrays))
    elif choice == 3:
        out.append(RefNull(g.pick([AbsHeapType.ANY, AbsHeapType.EQ, AbsHeapType.NONE])))
    elif choice == 4:
        g.produce(out, EXTERNREF)
        out.append(AnyConvertExtern())
    else:
        g.produce(out, I32)
        out.append(RefI31())


def _eq_value(g: BodyGen, out: list[Instr]) -> None:
    """Push a value of ``eqref``: an ``i31``, a struct or array, or a null."""
    structs, arrays = _of(g, StructType), _of(g, ArrayType)
    choice = g.choose(0, 3)
    if choice == 1 and structs:
        _struct_ref(g, out, g.pick(structs))
    elif choice == 2 and arrays:
        _array_ref(g, out, g.pick(arrays))
    elif choice == 3:
        out.append(RefNull(AbsHeapType.EQ))
    else:
        g.produce(out, I32)
        out.append(RefI31())


def _cast_target(g: BodyGen) -> RefType:
    """A reference type of the ``any`` hierarchy to test or cast to."""
    heaps: list[HeapType] = [*_CAST_HEAPS, *(TypeIdx(x) for x, _ in g.ctx.gc_types)]
    return RefType(g.choose(0, 1) == 1, g.pick(heaps))


def _i31(g: BodyGen, out: list[Instr], stack: list[ValType]) -> bool:
    """``Instr_ok/ref.i31``, ``Instr_ok/i31.get``, and a round trip through ``externref``
    (``extern.convert_any``, ``any.convert_extern``, ``ref.cast (ref i31)``)."""
    g.produce(out, I32)
    out.append(RefI31())
    if not g.ctx.options.disallow_traps and g.choose(0, 1) == 1:
        out += [ExternConvertAny(), AnyConvertExtern(), RefCast(RefType(False, AbsHeapType.I31))]
    g.emit(I31Get(g.pick([Sx.S, Sx.U])), out, stack, (I32,))
    return False


def _test_or_cast(g: BodyGen, out: list[Instr], stack: list[ValType]) -> bool:
    """``Instr_ok/ref.test``, ``Instr_ok/ref.cast`` (a cast failure traps: not under
    ``disallow_traps``); the cast's result is projected by ``ref.is_null``."""
    _any_value(g, out)
    rt = _cast_target(g)
    if g.ctx.options.disallow_traps or g.choose(0, 1) == 0:
        g.emit(RefTest(rt), out, stack, (I32,))
        return False
    out += [RefCast(rt), RefIsNull()]
    stack.append(I32)
    return False


def _br_on_cast(g: BodyGen, out: list[Instr], stack: list[ValType]) -> bool:
    """``Instr_ok/br_on_cast``, ``Instr_ok/br_on_cast_fail``: which way the value went and
    whether it was null, as an i32 (0-1 fell through, 2-3 branched)."""
    value: list[Instr] = []
    _any_value(g, value)
    rt = _cast_target(g)
    branch = BrOnCast(0, ANYREF, rt) if g.choose(0, 1) == 0 else BrOnCastFail(0, ANYREF, rt)
    inner = Block(ANYREF, (*value, branch, RefIsNull(), Br(1)))
    g.emit(Block(I32, (inner, RefIsNull(), Const(I32, 2), Binop(I32, BinOp.ADD))), out, stack,
           (I32,))  # fmt: skip
    return False


def _ref_eq(g: BodyGen, op: Op | None, out: list[Instr], stack: list[ValType]) -> bool:
    """``Instr_ok/ref.eq``: two ``eqref`` values, or one compared with itself (its scratch
    local's copy)."""
    if not g.ctx.config.gc:
        return False
    structs = _of(g, StructType)
    if structs and g.choose(0, 2) == 0:
        k = g.pick(structs)
        _struct_ref(g, out, k)
        s = g.scratch[_ref(g.ctx.gc_types[k][0])]
        out += [LocalTee(s), LocalGet(s)]
    else:
        _eq_value(g, out)
        _eq_value(g, out)
    g.emit(RefEq(), out, stack, (I32,))
    return False


def _eq(g: BodyGen, out: list[Instr], stack: list[ValType]) -> bool:
    """``ref.eq`` as one of the GC kind's forms too (its own opcode is one kind among hundreds)."""
    return _ref_eq(g, None, out, stack)


# Structs, arrays and arrays from segments twice: they cover sixteen of the instructions.
_FORMS = (_struct, _array, _from_segment, _struct, _array, _from_segment, _i31, _test_or_cast,
          _br_on_cast, _eq)  # fmt: skip


@_handler(Imm.PREFIX_FB)
def _gc(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """One GC instruction with the code around it (see the module docstring)."""
    before = len(out)
    done = g.pick(_FORMS)(g, out, stack)
    if len(out) == before:
        return False
    return done


PLAIN_HANDLERS[RefEq] = _ref_eq
