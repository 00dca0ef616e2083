"""Vector operators against an independent per-lane model.

The model splits a v128 into lanes itself (``struct`` on ``int.to_bytes``), applies the
operation lane by lane -- integer lane operations written out here with Python integers, float
lane operations by the scalar operators of ``refwasm.numerics`` (the spec defines them so) --
and reassembles the vector.  Operands are random 128-bit patterns built lane by lane with a bias
to boundary lanes: 0, 1, all ones, the signed extremes, and for floats NaNs with payloads of both
signs and kinds, infinities, signed zeros, subnormals and integers near conversion bounds.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Callable
from typing import NamedTuple

from hypothesis import given, settings
from hypothesis import strategies as st

from refwasm.numerics import conversions as cv
from refwasm.numerics import floating as fl
from refwasm.numerics.vector import vector_fn
from refwasm.syntax import (
    Instr,
    Shape,
    Sx,
    VBinOp,
    VBinop,
    VBitmask,
    VCvtOp,
    VCvtop,
    VExtBinOp,
    VExtbinop,
    VExtractLane,
    VExtUnOp,
    VExtunop,
    VNarrow,
    VRelOp,
    VRelop,
    VReplaceLane,
    VShiftOp,
    VShiftop,
    VShuffle,
    VSplat,
    VSwizzlOp,
    VSwizzlop,
    VTestOp,
    VTestop,
    VUnOp,
    VUnop,
    VVBinOp,
    VVBinop,
    VVTernOp,
    VVTernop,
    VVTestOp,
    VVTestop,
    VVUnOp,
    VVUnop,
)

# Examples per property; each draws an instruction family member and fresh vectors.  Raise it
# for a longer campaign: REFWASM_VECTOR_EXAMPLES=20000 pytest properties/test_vector_properties.py
EXAMPLES = int(os.environ.get("REFWASM_VECTOR_EXAMPLES", "500"))

INT_SHAPES = [Shape.I8X16, Shape.I16X8, Shape.I32X4, Shape.I64X2]
FLOAT_SHAPES = [Shape.F32X4, Shape.F64X2]
WIDTH = {
    Shape.I8X16: 8, Shape.I16X8: 16, Shape.I32X4: 32, Shape.I64X2: 64,
    Shape.F32X4: 32, Shape.F64X2: 64,
}
_FORMAT = {8: "B", 16: "H", 32: "I", 64: "Q"}


# -- The model's own lane split and join -------------------------------------------------------


def split(w: int, v: int) -> list[int]:
    """The unsigned lanes of ``v``, lane 0 first."""
    return list(struct.unpack(f"<{128 // w}{_FORMAT[w]}", v.to_bytes(16, "little")))


def join(w: int, lanes: list[int]) -> int:
    """The vector of the given lanes (reduced modulo 2^w), lane 0 first."""
    masked = [c & ((1 << w) - 1) for c in lanes]
    return int.from_bytes(struct.pack(f"<{128 // w}{_FORMAT[w]}", *masked), "little")


def s(w: int, c: int) -> int:
    """Two's complement reading of a w-bit lane."""
    return c - (1 << w) if c >> (w - 1) else c


def clamp_s(w: int, j: int) -> int:
    return max(-(1 << (w - 1)), min(j, (1 << (w - 1)) - 1))


def clamp_u(w: int, j: int) -> int:
    return max(0, min(j, (1 << w) - 1))


# -- Strategies ----------------------------------------------------------------------------------


def int_lane(w: int) -> st.SearchStrategy[int]:
    top = (1 << w) - 1
    edges = [0, 1, 2, top, top - 1, 1 << (w - 1), (1 << (w - 1)) - 1, (1 << (w - 1)) + 1]
    return st.one_of(st.sampled_from(edges), st.integers(0, top))


def float_lane(w: int) -> st.SearchStrategy[int]:
    mant = 23 if w == 32 else 52
    sign = 1 << (w - 1)
    inf = ((1 << (w - 1 - mant)) - 1) << mant
    quiet = 1 << (mant - 1)
    one = ((1 << (w - 2 - mant)) - 1) << mant
    specials = [
        0, sign, inf, inf | sign, inf | quiet, inf | quiet | sign, inf | 1, inf | quiet | 1,
        inf | sign | 5, 1, sign | 1, (1 << mant) - 1, one, one | sign, one | 1,
        # around 2^31 and 2^32, where trunc_sat saturates
        fl.float_ops(w).from_float(2147483647.5), fl.float_ops(w).from_float(-2147483648.5),
        fl.float_ops(w).from_float(4294967296.0), fl.float_ops(w).from_float(0.5),
        fl.float_ops(w).from_float(-0.5), fl.float_ops(w).from_float(2.5),
    ]
    nan = st.builds(lambda sg, payload: sg | inf | payload, st.sampled_from([0, sign]),
                    st.integers(1, (1 << mant) - 1))
    return st.one_of(st.sampled_from(specials), nan, st.integers(0, (1 << w) - 1))


def vector(shape: Shape) -> st.SearchStrategy[int]:
    """Random 128 bits with up to ``dim`` lanes overwritten by boundary or special lanes."""
    w = WIDTH[shape]
    dim = 128 // w
    lane = float_lane(w) if shape in FLOAT_SHAPES else int_lane(w)
    patch = st.tuples(st.integers(0, dim - 1), lane)

    def patched(base: int, patches: list[tuple[int, int]]) -> int:
        lanes = split(w, base)
        for i, c in patches:
            lanes[i] = c
        return join(w, lanes)

    return st.builds(patched, st.integers(0, (1 << 128) - 1), st.lists(patch, max_size=dim))


def shape_and_vectors(shapes: list[Shape], n: int) -> st.SearchStrategy[tuple[Shape, list[int]]]:
    """A shape and ``n`` vectors built lane by lane for it."""
    return st.sampled_from(shapes).flatmap(
        lambda sh: st.tuples(st.just(sh), st.lists(vector(sh), min_size=n, max_size=n))
    )


def any_bits() -> st.SearchStrategy[int]:
    return st.one_of(st.integers(0, (1 << 128) - 1), *(vector(sh) for sh in WIDTH))


# -- Integer lane models -------------------------------------------------------------------------

INT_BINARY: dict[VBinOp, Callable[[int, int, int], int]] = {
    VBinOp.ADD: lambda w, a, b: a + b,
    VBinOp.SUB: lambda w, a, b: a - b,
    VBinOp.MUL: lambda w, a, b: a * b,
    VBinOp.ADD_SAT_S: lambda w, a, b: clamp_s(w, s(w, a) + s(w, b)),
    VBinOp.ADD_SAT_U: lambda w, a, b: clamp_u(w, a + b),
    VBinOp.SUB_SAT_S: lambda w, a, b: clamp_s(w, s(w, a) - s(w, b)),
    VBinOp.SUB_SAT_U: lambda w, a, b: clamp_u(w, a - b),
    VBinOp.AVGR_U: lambda w, a, b: (a + b + 1) // 2,
    VBinOp.Q15MULR_SAT_S: lambda w, a, b: clamp_s(w, (s(w, a) * s(w, b) + 0x4000) // 0x8000),
    VBinOp.RELAXED_Q15MULR_S: lambda w, a, b: clamp_s(w, (s(w, a) * s(w, b) + 0x4000) // 0x8000),
    VBinOp.MIN_S: lambda w, a, b: min(s(w, a), s(w, b)),
    VBinOp.MIN_U: lambda w, a, b: min(a, b),
    VBinOp.MAX_S: lambda w, a, b: max(s(w, a), s(w, b)),
    VBinOp.MAX_U: lambda w, a, b: max(a, b),
}
# Which shapes each integer binop exists for (2.0 syntax-instr-vec).
INT_BINARY_SHAPES: dict[VBinOp, list[Shape]] = {
    VBinOp.ADD: INT_SHAPES, VBinOp.SUB: INT_SHAPES,
    VBinOp.MUL: [Shape.I16X8, Shape.I32X4, Shape.I64X2],
    VBinOp.ADD_SAT_S: INT_SHAPES[:2], VBinOp.ADD_SAT_U: INT_SHAPES[:2],
    VBinOp.SUB_SAT_S: INT_SHAPES[:2], VBinOp.SUB_SAT_U: INT_SHAPES[:2],
    VBinOp.AVGR_U: INT_SHAPES[:2],
    VBinOp.Q15MULR_SAT_S: [Shape.I16X8], VBinOp.RELAXED_Q15MULR_S: [Shape.I16X8],
    VBinOp.MIN_S: INT_SHAPES[:3], VBinOp.MIN_U: INT_SHAPES[:3],
    VBinOp.MAX_S: INT_SHAPES[:3], VBinOp.MAX_U: INT_SHAPES[:3],
}
INT_BINARY_CASES = [(sh, op) for op, shapes in INT_BINARY_SHAPES.items() for sh in shapes]

INT_UNARY: dict[VUnOp, Callable[[int, int], int]] = {
    VUnOp.ABS: lambda w, a: abs(s(w, a)),
    VUnOp.NEG: lambda w, a: -a,
    VUnOp.POPCNT: lambda w, a: bin(a).count("1"),
}

INT_RELATIONS: dict[VRelOp, Callable[[int, int, int], bool]] = {
    VRelOp.EQ: lambda w, a, b: a == b,
    VRelOp.NE: lambda w, a, b: a != b,
    VRelOp.LT_S: lambda w, a, b: s(w, a) < s(w, b),
    VRelOp.LT_U: lambda w, a, b: a < b,
    VRelOp.GT_S: lambda w, a, b: s(w, a) > s(w, b),
    VRelOp.GT_U: lambda w, a, b: a > b,
    VRelOp.LE_S: lambda w, a, b: s(w, a) <= s(w, b),
    VRelOp.LE_U: lambda w, a, b: a <= b,
    VRelOp.GE_S: lambda w, a, b: s(w, a) >= s(w, b),
    VRelOp.GE_U: lambda w, a, b: a >= b,
}

# -- Float lane models: the scalar operators, one lane at a time -----------------------------------


def pmin(w: int, a: int, b: int) -> int:
    """2.0 op-fpmin written from its definition: ``b`` if ``b < a`` else ``a``."""
    return b if fl.flt(w, b, a) else a


def pmax(w: int, a: int, b: int) -> int:
    """2.0 op-fpmax: ``b`` if ``a < b`` else ``a``."""
    return b if fl.flt(w, a, b) else a


FLOAT_BINARY: dict[VBinOp, Callable[[int, int, int], int]] = {
    VBinOp.ADD: fl.fadd, VBinOp.SUB: fl.fsub, VBinOp.MUL: fl.fmul, VBinOp.DIV: fl.fdiv,
    VBinOp.MIN: fl.fmin, VBinOp.MAX: fl.fmax, VBinOp.PMIN: pmin, VBinOp.PMAX: pmax,
    VBinOp.RELAXED_MIN: fl.fmin, VBinOp.RELAXED_MAX: fl.fmax,
}
FLOAT_UNARY: dict[VUnOp, Callable[[int, int], int]] = {
    VUnOp.ABS: fl.fabs, VUnOp.NEG: fl.fneg, VUnOp.SQRT: fl.fsqrt, VUnOp.CEIL: fl.fceil,
    VUnOp.FLOOR: fl.ffloor, VUnOp.TRUNC: fl.ftrunc, VUnOp.NEAREST: fl.fnearest,
}
FLOAT_RELATIONS: dict[VRelOp, Callable[[int, int, int], int]] = {
    VRelOp.EQ: fl.feq, VRelOp.NE: fl.fne, VRelOp.LT: fl.flt,
    VRelOp.GT: fl.fgt, VRelOp.LE: fl.fle, VRelOp.GE: fl.fge,
}


def run(instr: Instr, *operands: int) -> int:
    arity, fn = vector_fn(instr)
    assert arity == len(operands)
    return fn(*operands)


# -- Lane-wise families ---------------------------------------------------------------------------


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.sampled_from(INT_BINARY_CASES).flatmap(
    lambda c: st.tuples(st.just(c), vector(c[0]), vector(c[0]))))
def test_int_binops(case: tuple[tuple[Shape, VBinOp], int, int]) -> None:
    (shape, op), v1, v2 = case
    w = WIDTH[shape]
    pairs = zip(split(w, v1), split(w, v2), strict=True)
    want = join(w, [INT_BINARY[op](w, a, b) for a, b in pairs])
    assert run(VBinop(shape, op), v1, v2) == want


@settings(max_examples=EXAMPLES, deadline=None)
@given(shape_and_vectors(FLOAT_SHAPES, 2), st.sampled_from(list(FLOAT_BINARY)))
def test_float_binops(sv: tuple[Shape, list[int]], op: VBinOp) -> None:
    shape, (v1, v2) = sv
    w = WIDTH[shape]
    pairs = zip(split(w, v1), split(w, v2), strict=True)
    want = join(w, [FLOAT_BINARY[op](w, a, b) for a, b in pairs])
    assert run(VBinop(shape, op), v1, v2) == want


@settings(max_examples=EXAMPLES, deadline=None)
@given(shape_and_vectors(INT_SHAPES + FLOAT_SHAPES, 1), st.data())
def test_unops(sv: tuple[Shape, list[int]], data: st.DataObject) -> None:
    shape, (v1,) = sv
    w = WIDTH[shape]
    if shape in FLOAT_SHAPES:
        op = data.draw(st.sampled_from(list(FLOAT_UNARY)))
        want = join(w, [FLOAT_UNARY[op](w, a) for a in split(w, v1)])
    else:
        ops = list(INT_UNARY) if shape is Shape.I8X16 else [VUnOp.ABS, VUnOp.NEG]
        op = data.draw(st.sampled_from(ops))
        want = join(w, [INT_UNARY[op](w, a) for a in split(w, v1)])
    assert run(VUnop(shape, op), v1) == want


@settings(max_examples=EXAMPLES, deadline=None)
@given(shape_and_vectors(INT_SHAPES + FLOAT_SHAPES, 2), st.data())
def test_relops(sv: tuple[Shape, list[int]], data: st.DataObject) -> None:
    shape, (v1, v2) = sv
    w = WIDTH[shape]
    ones = (1 << w) - 1
    pairs = list(zip(split(w, v1), split(w, v2), strict=True))
    if shape in FLOAT_SHAPES:
        fop = data.draw(st.sampled_from(list(FLOAT_RELATIONS)))
        want = join(w, [ones if FLOAT_RELATIONS[fop](w, a, b) else 0 for a, b in pairs])
        assert run(VRelop(shape, fop), v1, v2) == want
    else:
        # i64x2 has only the signed comparisons (2.0 syntax-instr-vec).
        ops = list(INT_RELATIONS) if shape is not Shape.I64X2 else [
            VRelOp.EQ, VRelOp.NE, VRelOp.LT_S, VRelOp.GT_S, VRelOp.LE_S, VRelOp.GE_S]
        iop = data.draw(st.sampled_from(ops))
        want = join(w, [ones if INT_RELATIONS[iop](w, a, b) else 0 for a, b in pairs])
        assert run(VRelop(shape, iop), v1, v2) == want


@settings(max_examples=EXAMPLES, deadline=None)
@given(shape_and_vectors(INT_SHAPES, 1), st.sampled_from(list(VShiftOp)),
       st.one_of(st.integers(0, 130), st.integers(0, (1 << 32) - 1)))
def test_shifts_take_the_count_modulo_the_lane_width(
    sv: tuple[Shape, list[int]], op: VShiftOp, count: int
) -> None:
    shape, (v1,) = sv
    w = WIDTH[shape]
    k = count % w
    lanes = split(w, v1)
    if op is VShiftOp.SHL:
        want = [a << k for a in lanes]
    elif op is VShiftOp.SHR_S:
        want = [s(w, a) >> k for a in lanes]
    else:
        want = [a >> k for a in lanes]
    assert run(VShiftop(shape, op), v1, count) == join(w, want)


@settings(max_examples=EXAMPLES, deadline=None)
@given(shape_and_vectors(INT_SHAPES, 1))
def test_all_true_and_bitmask(sv: tuple[Shape, list[int]]) -> None:
    shape, (v1,) = sv
    w = WIDTH[shape]
    lanes = split(w, v1)
    assert run(VTestop(shape, VTestOp.ALL_TRUE), v1) == (1 if all(c != 0 for c in lanes) else 0)
    want_mask = sum((c >> (w - 1)) << i for i, c in enumerate(lanes))
    assert run(VBitmask(shape), v1) == want_mask


# -- Whole-vector and lane-moving operations ------------------------------------------------------


@settings(max_examples=EXAMPLES, deadline=None)
@given(any_bits(), any_bits(), any_bits())
def test_bitwise(v1: int, v2: int, v3: int) -> None:
    ones = (1 << 128) - 1
    assert run(VVUnop(VVUnOp.NOT), v1) == ones - v1
    assert run(VVBinop(VVBinOp.AND), v1, v2) == v1 & v2
    assert run(VVBinop(VVBinOp.ANDNOT), v1, v2) == v1 & (ones - v2)
    assert run(VVBinop(VVBinOp.OR), v1, v2) == v1 | v2
    assert run(VVBinop(VVBinOp.XOR), v1, v2) == v1 ^ v2
    bits = [((v3 >> i) & 1 and (v1 >> i) & 1) or (not (v3 >> i) & 1 and (v2 >> i) & 1)
            for i in range(128)]
    want = sum(1 << i for i, b in enumerate(bits) if b)
    assert run(VVTernop(VVTernOp.BITSELECT), v1, v2, v3) == want
    assert run(VVTestop(VVTestOp.ANY_TRUE), v1) == (0 if v1 == 0 else 1)


@settings(max_examples=EXAMPLES, deadline=None)
@given(any_bits(), any_bits(), st.binary(min_size=16, max_size=16),
       st.binary(min_size=16, max_size=16))
def test_shuffle_and_swizzle(v1: int, v2: int, xs_bytes: bytes, idx_bytes: bytes) -> None:
    xs = [b % 32 for b in xs_bytes]
    # Half the swizzle indices in range [0, 18), half anywhere in [0, 256).
    idx = [b if b >= 128 else b % 18 for b in idx_bytes]
    bytes12 = v1.to_bytes(16, "little") + v2.to_bytes(16, "little")
    want = int.from_bytes(bytes(bytes12[x] for x in xs), "little")
    assert run(VShuffle(tuple(xs)), v1, v2) == want
    b1 = v1.to_bytes(16, "little")
    want_swz = int.from_bytes(bytes(b1[i] if i < 16 else 0 for i in idx), "little")
    indices = int.from_bytes(bytes(idx), "little")
    for op in VSwizzlOp:  # relaxed_swizzle in the deterministic profile equals swizzle
        assert run(VSwizzlop(op), v1, indices) == want_swz


@settings(max_examples=EXAMPLES, deadline=None)
@given(shape_and_vectors(INT_SHAPES + FLOAT_SHAPES, 1), st.integers(0, 15),
       st.integers(0, (1 << 64) - 1))
def test_splat_extract_replace(sv: tuple[Shape, list[int]], lane: int, scalar: int) -> None:
    shape, (v1,) = sv
    w = WIDTH[shape]
    dim = 128 // w
    x = lane % dim
    operand_bits = 64 if shape in (Shape.I64X2, Shape.F64X2) else 32
    c = scalar & ((1 << operand_bits) - 1)
    assert run(VSplat(shape), c) == join(w, [c] * dim)
    lanes = split(w, v1)
    replaced = lanes[:x] + [c] + lanes[x + 1:]
    assert run(VReplaceLane(shape, x), v1, c) == join(w, replaced)
    if w in (8, 16):
        assert run(VExtractLane(shape, Sx.U, x), v1) == lanes[x]
        assert run(VExtractLane(shape, Sx.S, x), v1) == s(w, lanes[x]) & 0xFFFF_FFFF
    else:
        assert run(VExtractLane(shape, None, x), v1) == lanes[x]


# -- Lane-count-changing operations ---------------------------------------------------------------

NARROW_PAIRS = [(Shape.I8X16, Shape.I16X8), (Shape.I16X8, Shape.I32X4)]
EXT_PAIRS = [(Shape.I16X8, Shape.I8X16), (Shape.I32X4, Shape.I16X8), (Shape.I64X2, Shape.I32X4)]


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.sampled_from(NARROW_PAIRS), st.sampled_from(list(Sx)), any_bits(), any_bits())
def test_narrow(pair: tuple[Shape, Shape], sx: Sx, v1: int, v2: int) -> None:
    out, inp = pair
    n, m = WIDTH[out], WIDTH[inp]
    sat = clamp_s if sx is Sx.S else clamp_u
    want = join(n, [sat(n, s(m, c)) for c in split(m, v1) + split(m, v2)])
    assert run(VNarrow(out, inp, sx), v1, v2) == want


def extend(sx: Sx, m: int, c: int) -> int:
    return s(m, c) if sx is Sx.S else c


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.sampled_from(EXT_PAIRS), st.sampled_from(list(Sx)), st.sampled_from(["low", "high"]),
       any_bits(), any_bits())
def test_extend_and_extmul(
    pair: tuple[Shape, Shape], sx: Sx, half: str, v1: int, v2: int
) -> None:
    out, inp = pair
    n, m = WIDTH[out], WIDTH[inp]
    k = 128 // n
    picked = slice(0, k) if half == "low" else slice(k, 2 * k)
    a = [extend(sx, m, c) for c in split(m, v1)[picked]]
    b = [extend(sx, m, c) for c in split(m, v2)[picked]]
    cvt = VCvtOp[f"EXTEND_{half.upper()}_{sx.name}"]
    assert run(VCvtop(out, inp, cvt), v1) == join(n, a)
    mul = VExtBinOp[f"EXTMUL_{half.upper()}_{sx.name}"]
    products = [x * y for x, y in zip(a, b, strict=True)]
    assert run(VExtbinop(out, inp, mul), v1, v2) == join(n, products)


@settings(max_examples=EXAMPLES, deadline=None)
@given(any_bits(), any_bits(), st.sampled_from(list(Sx)))
def test_dot_and_extadd_pairwise(v1: int, v2: int, sx: Sx) -> None:
    a = [s(16, c) for c in split(16, v1)]
    b = [s(16, c) for c in split(16, v2)]
    dot = [a[2 * i] * b[2 * i] + a[2 * i + 1] * b[2 * i + 1] for i in range(4)]
    assert run(VExtbinop(Shape.I32X4, Shape.I16X8, VExtBinOp.DOT_S), v1, v2) == join(32, dot)
    op = VExtUnOp[f"EXTADD_PAIRWISE_{sx.name}"]
    for out, inp in EXT_PAIRS[:2]:
        n, m = WIDTH[out], WIDTH[inp]
        cs = [extend(sx, m, c) for c in split(m, v1)]
        want = join(n, [cs[2 * i] + cs[2 * i + 1] for i in range(128 // n)])
        assert run(VExtunop(out, inp, op), v1) == want


class Conversion(NamedTuple):
    out: Shape
    inp: Shape
    op: VCvtOp
    scalar: Callable[[int, int, int], int]  # the scalar conversion (M, N, c)
    taken: int  # operand lanes converted: all, or the low half
    zero: bool  # result's upper half zero-filled


FLOAT_CONVERSIONS = [
    Conversion(Shape.I32X4, Shape.F32X4, VCvtOp.TRUNC_SAT_S, cv.trunc_sat_s, 4, False),
    Conversion(Shape.I32X4, Shape.F32X4, VCvtOp.TRUNC_SAT_U, cv.trunc_sat_u, 4, False),
    Conversion(Shape.I32X4, Shape.F64X2, VCvtOp.TRUNC_SAT_S_ZERO, cv.trunc_sat_s, 2, True),
    Conversion(Shape.I32X4, Shape.F64X2, VCvtOp.TRUNC_SAT_U_ZERO, cv.trunc_sat_u, 2, True),
    Conversion(Shape.I32X4, Shape.F32X4, VCvtOp.RELAXED_TRUNC_S, cv.trunc_sat_s, 4, False),
    Conversion(Shape.I32X4, Shape.F64X2, VCvtOp.RELAXED_TRUNC_U_ZERO, cv.trunc_sat_u, 2, True),
    Conversion(Shape.F32X4, Shape.I32X4, VCvtOp.CONVERT_S, cv.convert_s, 4, False),
    Conversion(Shape.F32X4, Shape.I32X4, VCvtOp.CONVERT_U, cv.convert_u, 4, False),
    Conversion(Shape.F64X2, Shape.I32X4, VCvtOp.CONVERT_LOW_S, cv.convert_s, 2, False),
    Conversion(Shape.F64X2, Shape.I32X4, VCvtOp.CONVERT_LOW_U, cv.convert_u, 2, False),
    Conversion(Shape.F32X4, Shape.F64X2, VCvtOp.DEMOTE_ZERO, cv.demote, 2, True),
    Conversion(Shape.F64X2, Shape.F32X4, VCvtOp.PROMOTE_LOW, cv.promote, 2, False),
]


@settings(max_examples=EXAMPLES, deadline=None)
@given(st.sampled_from(FLOAT_CONVERSIONS).flatmap(lambda c: st.tuples(st.just(c), vector(c[1]))))
def test_float_conversions(case: tuple[Conversion, int]) -> None:
    (out, inp, op, scalar, taken, zero), v1 = case
    n, m = WIDTH[out], WIDTH[inp]
    lanes = [scalar(m, n, c) for c in split(m, v1)[:taken]]
    if zero:
        lanes += [0] * taken
    assert run(VCvtop(out, inp, op), v1) == join(n, lanes)
