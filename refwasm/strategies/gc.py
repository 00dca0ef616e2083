"""GC instructions in generated bodies (3.0): structs, arrays, ``i31``, casts and conversions.

Each step of the GC kind (``Imm.PREFIX_FB``) draws one small piece of code that allocates or
reads a heap object and ends by leaving a number on the stack (a field, an element, a length, a
test's or a comparison's ``i32``): GC references never reach a function's parameters, results,
globals or tables, so exports stay callable from every host API.  A struct or array reference
that must be used twice goes through its type's scratch local (``(ref null $t)``), which later
steps may read back (a null there traps unless traps are disallowed).

Array lengths, indices and bulk lengths are constants up to 8 (in bounds when traps are
disallowed, a few past the end otherwise), so an allocation in a loop is bounded by the fuel.
"""

from __future__ import annotations

from refwasm.binary.opcodes import Imm, Op
from refwasm.strategies.body import I32, PLAIN_HANDLERS, BodyGen, _handler
from refwasm.syntax.instructions import (
    AnyConvertExtern,
    ArrayCopy,
    ArrayFill,
    ArrayGet,
    ArrayLen,
    ArrayNew,
    ArrayNewDefault,
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
        g.produce(out, unpack(f))
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
        g.produce(out, unpack(array.field))
        out.append(Const(I32, n))
        out.append(ArrayNew(x))
    else:
        for _ in range(n):
            g.produce(out, unpack(array.field))
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
        g.produce(out, unpack(struct.fields[j]))
        out += [StructSet(x, j), LocalGet(s)]
    i = g.choose(0, len(struct.fields) - 1)
    f = struct.fields[i]
    g.emit(StructGet(_sx(g, f), x, i), out, stack, (unpack(f),))
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
    if write:
        out.append(LocalTee(s))
    if write == 1:
        out.append(Const(I32, _index(g, length)))
        g.produce(out, unpack(field))
        out += [ArraySet(x), LocalGet(s)]
    elif write == 2:
        n = g.choose(0, length if length is not None else MAX_LENGTH)
        out.append(Const(I32, _index(g, length, n)))
        g.produce(out, unpack(field))
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
    if g.choose(0, 1) == 0:
        g.emit(ArrayLen(), out, stack, (I32,))
        return False
    out.append(Const(I32, _index(g, length)))
    g.emit(ArrayGet(_sx(g, field), x), out, stack, (unpack(field),))
    return False


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


# Structs and arrays twice: they cover twelve of the instructions.
_FORMS = (_struct, _array, _struct, _array, _i31, _test_or_cast, _br_on_cast, _eq)


@_handler(Imm.PREFIX_FB)
def _gc(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """One GC instruction with the code around it (see the module docstring)."""
    before = len(out)
    done = g.pick(_FORMS)(g, out, stack)
    if len(out) == before:
        return False
    return done


PLAIN_HANDLERS[RefEq] = _ref_eq
