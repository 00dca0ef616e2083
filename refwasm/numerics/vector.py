"""Vector (``v128``) numerics of Wasm 2.0, plus the deterministic profile of relaxed SIMD.

Spec: 2.0 ``exec/numerics.rst`` (``op-iadd_sat_s``, ``op-iq15mulrsat_s``, ``op-fpmin``,
``op-narrow_s``, ...) and ``exec/instructions.rst`` (``exec-vunop``, ``exec-vec-shuffle``, ...);
3.0: SpecTec ``3.2-numerics.vector`` (``$vbinop_``, ``$vcvtop__``, ...) and
``4.3-execution.instructions`` (``Step_pure/vbinop-val``, ...).

Values are plain ints: a ``v128`` is its 128 bits (lane 0 lowest), a lane is its unsigned bit
pattern (float lanes are IEEE bits).  Where the spec defines a lane operation as a scalar
operator (``fmin``, ``iadd``, ``trunc_sat_s``) this module applies the scalar operator from
``refwasm.numerics`` lane by lane, so float lanes follow the scalar NaN rules, and there is one
definition of each (``fpmin``/``fpmax`` and ``extend_s`` too live there).  The integer operators
only SIMD uses (``iabs``, ``ineg``, ``imin``/``imax``, saturating arithmetic, ``iavgr_u``,
``iq15mulr_sat_s``, ``narrow``, ``inot``/``iandnot``/``ibitselect``) are defined here.

Relaxed SIMD (3.0) makes one fixed, documented choice: the *deterministic profile*'s (3.0
``aux-relaxed``, SpecTec ``3.0-numerics.relaxed``: ``$relaxed2``/``$relaxed4`` pick alternative
0, i.e. every choice parameter R is 0).  Each relaxed operator then equals the regular operator
the spec lists first, so a relaxed instruction gives what its non-relaxed counterpart gives
(NaN results then follow the scalar operators' own NaN choice, ``refwasm.numerics.floating``):

* ``i8x16.relaxed_swizzle`` (``$irelaxed_swizzle_lane_``, ``$R_swizzle`` = 0): ``swizzle``,
  0 for every index >= 16 (never lane ``i mod 16``);
* ``relaxed_trunc`` (``$relaxed_trunc__``, ``$R_trunc_s``/``$R_trunc_u`` = 0): ``trunc_sat``,
  NaN to 0 and out-of-range values saturated (never ``INT32_MIN``/``UINT32_MAX`` instead);
* ``relaxed_madd``/``relaxed_nmadd`` (``$frelaxed_madd_``, ``$R_fmadd`` = 0): the *unfused*
  ``fadd(fmul(z1, z2), z3)``, the product rounded first (never ``fma``); nmadd negates ``z1``;
* ``relaxed_min``/``relaxed_max`` (``$frelaxed_min_``/``$frelaxed_max_``, ``$R_fmin``/``$R_fmax``
  = 0): ``fmin``/``fmax``: a NaN operand gives a NaN, ``-0 < +0``;
* ``relaxed_laneselect`` (``$irelaxed_laneselect_``, ``$R_laneselect`` = 0): ``bitselect`` by
  every mask bit (never the top bit spread over the lane);
* ``i16x8.relaxed_q15mulr_s`` (``$irelaxed_q15mulr_``, ``$R_iq15mulr`` = 0):
  ``q15mulr_sat_s``: ``-2^15 * -2^15`` saturates to ``2^15 - 1``;
* ``relaxed_dot_i8x16_i7x16_s`` and ``..._add_s`` (``$vextbinop__``/``$vextternop__``,
  ``$R_idot`` = 0): both operands' lanes read *signed*, pairs added with ``iadd_sat_s``.

The interpreter's interface is ``vector_fn(instr) -> (arity, fn)``: built once per instruction
(cached) so that executing one only calls ``fn`` on the popped operands.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from itertools import repeat
from typing import Any, TypeVar

from refwasm.errors import crash
from refwasm.numerics.conversions import (
    convert_s,
    convert_u,
    demote,
    extend_s,
    extend_u,
    promote,
    trunc_sat_s,
    trunc_sat_u,
)
from refwasm.numerics.floating import (
    fabs,
    fadd,
    fceil,
    fdiv,
    feq,
    ffloor,
    fge,
    fgt,
    fle,
    float_ops,
    flt,
    fmax,
    fmin,
    fmul,
    fne,
    fnearest,
    fneg,
    fpmax,
    fpmin,
    fsqrt,
    fsub,
    ftrunc,
)
from refwasm.numerics.integer import (
    iadd,
    ieq,
    ige_s,
    ige_u,
    igt_s,
    igt_u,
    ile_s,
    ile_u,
    ilt_s,
    ilt_u,
    imul,
    ine,
    int_ops,
    ipopcnt,
    ishl,
    ishr_s,
    ishr_u,
    isub,
    signed,
)
from refwasm.numerics.lanes import Pack, Unpack, packer, signed_unpacker, unpacker
from refwasm.syntax.instructions import (
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
    VExtTernOp,
    VExtternop,
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
    VTernOp,
    VTernop,
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

V128_BITS = 128
_T = TypeVar("_T")

Lane1 = Callable[[int, int], int]
Lane2 = Callable[[int, int, int], int]
Lane3 = Callable[[int, int, int, int], int]
VecFn = Callable[..., int]

PureVectorInstr = (
    VVUnop | VVBinop | VVTernop | VVTestop
    | VUnop | VBinop | VTernop | VTestop | VRelop | VShiftop | VBitmask | VSwizzlop | VShuffle
    | VExtunop | VExtbinop | VExtternop | VNarrow | VCvtop | VSplat | VExtractLane | VReplaceLane
)


def _mask(n: int) -> int:
    return (1 << n) - 1


# -- Integer operators used only by vector instructions ----------------------------------------


def inot(n: int, i: int) -> int:
    """``$inot_`` · ``op-inot``: bitwise negation."""
    return i ^ _mask(n)


def iandnot(n: int, i1: int, i2: int) -> int:
    """``$iandnot_`` · ``op-iandnot``: conjunction of ``i1`` with the negation of ``i2``."""
    return i1 & (i2 ^ _mask(n))


def ibitselect(n: int, i1: int, i2: int, i3: int) -> int:
    """``$ibitselect_`` · ``op-ibitselect``: bits of ``i1`` where ``i3`` is set, bits of ``i2``
    elsewhere."""
    return (i1 & i3) | (i2 & (i3 ^ _mask(n)))


def iabs(n: int, i: int) -> int:
    """``$iabs_`` · ``op-iabs``: ``i`` if its signed reading is non-negative, its negation modulo
    2^N else."""
    j = signed(n, i)
    return i if j >= 0 else -j & _mask(n)


def ineg(n: int, i: int) -> int:
    """``$ineg_`` · ``op-ineg``: ``(2^N - i) mod 2^N``."""
    return -i & _mask(n)


def imin_u(n: int, i1: int, i2: int) -> int:
    """``$imin_`` · ``op-imin_u``"""
    return i1 if ilt_u(n, i1, i2) else i2


def imin_s(n: int, i1: int, i2: int) -> int:
    """``$imin_`` · ``op-imin_s``"""
    return i1 if ilt_s(n, i1, i2) else i2


def imax_u(n: int, i1: int, i2: int) -> int:
    """``$imax_`` · ``op-imax_u``"""
    return i1 if igt_u(n, i1, i2) else i2


def imax_s(n: int, i1: int, i2: int) -> int:
    """``$imax_`` · ``op-imax_s``"""
    return i1 if igt_s(n, i1, i2) else i2


def sat_u(n: int, i: int) -> int:
    """``$sat_u_`` · ``aux-sat_u``: clamp the integer ``i`` to ``[0, 2^N - 1]``."""
    return 0 if i < 0 else min(i, _mask(n))


def sat_s(n: int, i: int) -> int:
    """``$sat_s_`` · ``aux-sat_s``: clamp ``i`` to ``[-2^(N-1), 2^(N-1) - 1]``, returned as N-bit
    pattern."""
    bound = 1 << (n - 1)
    return max(-bound, min(i, bound - 1)) & _mask(n)


def iadd_sat_u(n: int, i1: int, i2: int) -> int:
    """``$iadd_sat_`` · ``op-iadd_sat_u``"""
    return sat_u(n, i1 + i2)


def iadd_sat_s(n: int, i1: int, i2: int) -> int:
    """``$iadd_sat_`` · ``op-iadd_sat_s``"""
    return sat_s(n, signed(n, i1) + signed(n, i2))


def isub_sat_u(n: int, i1: int, i2: int) -> int:
    """``$isub_sat_`` · ``op-isub_sat_u``"""
    return sat_u(n, i1 - i2)


def isub_sat_s(n: int, i1: int, i2: int) -> int:
    """``$isub_sat_`` · ``op-isub_sat_s``"""
    return sat_s(n, signed(n, i1) - signed(n, i2))


def iavgr_u(n: int, i1: int, i2: int) -> int:
    """``$iavgr_`` · ``op-iavgr_u``: ``trunc((i1 + i2 + 1) / 2)``."""
    return (i1 + i2 + 1) >> 1


def iq15mulr_sat_s(n: int, i1: int, i2: int) -> int:
    """``$iq15mulr_sat_`` · ``op-iq15mulrsat_s``: ``sat_s(ishr_s(i1 * i2 + 2^14, 15))`` on the
    signed readings."""
    # Python's >> on a negative int is the arithmetic shift the spec's ishr_s denotes.
    return sat_s(n, (signed(n, i1) * signed(n, i2) + (1 << 14)) >> 15)


def narrow_s(m: int, n: int, i: int) -> int:
    """``$narrow__`` · ``op-narrow_s``: ``sat_s_N(signed_M(i))``."""
    return sat_s(n, signed(m, i))


def narrow_u(m: int, n: int, i: int) -> int:
    """``$narrow__`` · ``op-narrow_u``: ``sat_u_N(signed_M(i))``."""
    return sat_u(n, signed(m, i))


# -- Relaxed SIMD lane operators, deterministic profile (3.0 ``aux-relaxed``: R = 0) ------------


def irelaxed_laneselect(n: int, i1: int, i2: int, i3: int) -> int:
    """``$irelaxed_laneselect_`` (3.0 only): ``ibitselect`` (R = 0)."""
    return ibitselect(n, i1, i2, i3)


def frelaxed_madd(n: int, z1: int, z2: int, z3: int) -> int:
    """``$frelaxed_madd_`` (3.0 only): unfused ``fadd(fmul(z1, z2), z3)`` (R = 0)."""
    return fadd(n, fmul(n, z1, z2), z3)


def frelaxed_nmadd(n: int, z1: int, z2: int, z3: int) -> int:
    """``$frelaxed_nmadd_`` (3.0 only): ``frelaxed_madd(-z1, z2, z3)``."""
    return frelaxed_madd(n, fneg(n, z1), z2, z3)


# -- Lane-wise lifting (SpecTec ``$ivunop_``, ``$fvbinop_``, ``$ivrelop_``, ...) ----------------
#
# Each lifter takes the lane width and a lane operator with its width already bound, and returns
# the vector operator.  The lane width fixes the projection; int and float lanes lift alike.


def _codec(w: int) -> tuple[Unpack, Pack]:
    return unpacker(w), packer(w)


def lift_unop(w: int, f: Callable[[int], int]) -> Callable[[int], int]:
    """``$ivunop_`` / ``$fvunop_``: apply ``f`` to each lane."""
    lanes, inv_lanes = _codec(w)

    def vunop(v1: int) -> int:
        return inv_lanes(map(f, lanes(v1)))

    return vunop


def lift_binop(w: int, f: Callable[[int, int], int]) -> Callable[[int, int], int]:
    """``$ivbinop_`` / ``$fvbinop_``: apply ``f`` to each pair of corresponding lanes."""
    lanes, inv_lanes = _codec(w)

    def vbinop(v1: int, v2: int) -> int:
        return inv_lanes(map(f, lanes(v1), lanes(v2)))

    return vbinop


def lift_ternop(w: int, f: Callable[[int, int, int], int]) -> Callable[[int, int, int], int]:
    """``$ivternopnd_`` / ``$fvternop_``: apply ``f`` to each triple of corresponding lanes."""
    lanes, inv_lanes = _codec(w)

    def vternop(v1: int, v2: int, v3: int) -> int:
        return inv_lanes(map(f, lanes(v1), lanes(v2), lanes(v3)))

    return vternop


def lift_relop(w: int, f: Callable[[int, int], int]) -> Callable[[int, int], int]:
    """``$ivrelop_`` / ``$fvrelop_``: each lane is ``extend^s_{1,w}`` of ``f``: all ones or 0."""
    lanes, inv_lanes = _codec(w)
    extend_s_1 = (0, _mask(w))

    def vrelop(v1: int, v2: int) -> int:
        return inv_lanes(extend_s_1[f(a, b)] for a, b in zip(lanes(v1), lanes(v2), strict=True))

    return vrelop


def lift_shiftop(w: int, f: Callable[[int, int], int]) -> Callable[[int, int], int]:
    """``exec-vishiftop`` (``$ivshiftop_``): ``f(lane, s)`` for each lane, ``s`` the i32 count."""
    lanes, inv_lanes = _codec(w)

    def vshiftop(v1: int, s: int) -> int:
        return inv_lanes(map(f, lanes(v1), repeat(s)))

    return vshiftop


# -- Operator tables (SpecTec ``$vunop_``, ``$vbinop_``, ``$vrelop_``, ... dispatch) ------------

_INT_SHAPES = (Shape.I8X16, Shape.I16X8, Shape.I32X4, Shape.I64X2)
_FLOAT_SHAPES = (Shape.F32X4, Shape.F64X2)

_INT_VUNOPS: dict[VUnOp, Lane1] = {
    VUnOp.ABS: iabs,
    VUnOp.NEG: ineg,
    VUnOp.POPCNT: ipopcnt,
}

_FLOAT_VUNOPS: dict[VUnOp, Lane1] = {
    VUnOp.ABS: fabs,
    VUnOp.NEG: fneg,
    VUnOp.SQRT: fsqrt,
    VUnOp.CEIL: fceil,
    VUnOp.FLOOR: ffloor,
    VUnOp.TRUNC: ftrunc,
    VUnOp.NEAREST: fnearest,
}

_INT_VBINOPS: dict[VBinOp, Lane2] = {
    VBinOp.ADD: iadd,
    VBinOp.SUB: isub,
    VBinOp.MUL: imul,
    VBinOp.ADD_SAT_S: iadd_sat_s,
    VBinOp.ADD_SAT_U: iadd_sat_u,
    VBinOp.SUB_SAT_S: isub_sat_s,
    VBinOp.SUB_SAT_U: isub_sat_u,
    VBinOp.AVGR_U: iavgr_u,
    VBinOp.Q15MULR_SAT_S: iq15mulr_sat_s,
    # op-irelaxed_q15mulr_s, R_iq15mulr = 0: the saturating result.
    VBinOp.RELAXED_Q15MULR_S: iq15mulr_sat_s,
    VBinOp.MIN_S: imin_s,
    VBinOp.MIN_U: imin_u,
    VBinOp.MAX_S: imax_s,
    VBinOp.MAX_U: imax_u,
}

_FLOAT_VBINOPS: dict[VBinOp, Lane2] = {
    VBinOp.ADD: fadd,
    VBinOp.SUB: fsub,
    VBinOp.MUL: fmul,
    VBinOp.DIV: fdiv,
    VBinOp.MIN: fmin,
    VBinOp.MAX: fmax,
    VBinOp.PMIN: fpmin,
    VBinOp.PMAX: fpmax,
    # op-frelaxed_min / op-frelaxed_max, R_fmin = R_fmax = 0: the regular operators.
    VBinOp.RELAXED_MIN: fmin,
    VBinOp.RELAXED_MAX: fmax,
}

_INT_VTERNOPS: dict[VTernOp, Lane3] = {
    VTernOp.RELAXED_LANESELECT: irelaxed_laneselect,
}

_FLOAT_VTERNOPS: dict[VTernOp, Lane3] = {
    VTernOp.RELAXED_MADD: frelaxed_madd,
    VTernOp.RELAXED_NMADD: frelaxed_nmadd,
}

_INT_VRELOPS: dict[VRelOp, Lane2] = {
    VRelOp.EQ: ieq,
    VRelOp.NE: ine,
    VRelOp.LT_S: ilt_s,
    VRelOp.LT_U: ilt_u,
    VRelOp.GT_S: igt_s,
    VRelOp.GT_U: igt_u,
    VRelOp.LE_S: ile_s,
    VRelOp.LE_U: ile_u,
    VRelOp.GE_S: ige_s,
    VRelOp.GE_U: ige_u,
}

_FLOAT_VRELOPS: dict[VRelOp, Lane2] = {
    VRelOp.EQ: feq,
    VRelOp.NE: fne,
    VRelOp.LT: flt,
    VRelOp.GT: fgt,
    VRelOp.LE: fle,
    VRelOp.GE: fge,
}

_VSHIFTOPS: dict[VShiftOp, Lane2] = {
    VShiftOp.SHL: ishl,
    VShiftOp.SHR_S: ishr_s,
    VShiftOp.SHR_U: ishr_u,
}


def at_width(f: Callable[..., int], n: int, float_lanes: bool) -> Callable[..., int]:
    """The lane operator ``f`` with its bit width ``n`` bound.

    The scalar operators also exist pre-bound per width (``IntOps``/``FloatOps`` methods of the
    same name); taking the bound method saves a width lookup per lane.  The SIMD-only operators
    defined here get their width through ``functools.partial``.
    """
    ops: object = float_ops(n) if float_lanes else int_ops(n)
    method = getattr(ops, f.__name__, None)
    return method if callable(method) else functools.partial(f, n)


def _lane_op(table: Mapping[Any, Callable[..., int]], op: Any, shape: Shape) -> Callable[..., int]:
    """The lane operator ``op`` for ``shape`` with the lane width bound; crash if ill-typed."""
    f = table.get(op)
    if f is None:
        crash(f"{shape.value}.{getattr(op, 'value', op)} cannot validate")
    return at_width(f, shape.lane_bits, shape in _FLOAT_SHAPES)


def _int_or_float(shape: Shape, int_table: _T, float_table: _T) -> _T:
    return float_table if shape in _FLOAT_SHAPES else int_table


# -- Vector instructions on whole vectors -------------------------------------------------------


def vvunop(op: VVUnOp) -> Callable[[int], int]:
    """``exec-vvunop`` / ``Step_pure/vvunop``: ``v128.not`` is ``inot_128``."""
    match op:
        case VVUnOp.NOT:
            return functools.partial(inot, V128_BITS)


def vvbinop(op: VVBinOp) -> Callable[[int, int], int]:
    """``exec-vvbinop`` / ``Step_pure/vvbinop``: bitwise operators on all 128 bits."""
    match op:
        case VVBinOp.AND:
            return int.__and__
        case VVBinOp.ANDNOT:
            return functools.partial(iandnot, V128_BITS)
        case VVBinOp.OR:
            return int.__or__
        case VVBinOp.XOR:
            return int.__xor__


def vvternop(op: VVTernOp) -> Callable[[int, int, int], int]:
    """``exec-vvternop`` / ``Step_pure/vvternop``: ``v128.bitselect`` is ``ibitselect_128``."""
    match op:
        case VVTernOp.BITSELECT:
            return functools.partial(ibitselect, V128_BITS)


def any_true(v1: int) -> int:
    """``exec-vec-any_true`` / ``Step_pure/vvtestop``: ``ine_128(c_1, 0)``."""
    return int(v1 != 0)


def vvtestop(op: VVTestOp) -> Callable[[int], int]:
    """``Step_pure/vvtestop`` · ``exec-vvtestop``"""
    match op:
        case VVTestOp.ANY_TRUE:
            return any_true


def vunop(shape: Shape, op: VUnOp) -> Callable[[int], int]:
    """``exec-vunop`` / ``Step_pure/vunop-val``: ``$ivunop_`` or ``$fvunop_`` per shape."""
    table = _int_or_float(shape, _INT_VUNOPS, _FLOAT_VUNOPS)
    return lift_unop(shape.lane_bits, _lane_op(table, op, shape))


def vbinop(shape: Shape, op: VBinOp) -> Callable[[int, int], int]:
    """``exec-vbinop`` / ``Step_pure/vbinop-val``: lane-wise; no 2.0 vector binop traps."""
    table = _int_or_float(shape, _INT_VBINOPS, _FLOAT_VBINOPS)
    return lift_binop(shape.lane_bits, _lane_op(table, op, shape))


def vternop(shape: Shape, op: VTernOp) -> Callable[[int, int, int], int]:
    """``Step_pure/vternop-val``: the relaxed ternary lane operators."""
    table = _int_or_float(shape, _INT_VTERNOPS, _FLOAT_VTERNOPS)
    return lift_ternop(shape.lane_bits, _lane_op(table, op, shape))


def vrelop(shape: Shape, op: VRelOp) -> Callable[[int, int], int]:
    """``exec-vrelop`` / ``Step_pure/vrelop``: each lane all ones if the relation holds, else 0."""
    table = _int_or_float(shape, _INT_VRELOPS, _FLOAT_VRELOPS)
    return lift_relop(shape.lane_bits, _lane_op(table, op, shape))


def vshiftop(shape: Shape, op: VShiftOp) -> Callable[[int, int], int]:
    """``exec-vishiftop`` / ``Step_pure/vshiftop``: the scalar shifts take the count mod N."""
    if shape not in _INT_SHAPES:
        crash(f"{shape.value} shift cannot validate")
    return lift_shiftop(shape.lane_bits, _lane_op(_VSHIFTOPS, op, shape))


def vtestop(shape: Shape, op: VTestOp) -> Callable[[int], int]:
    """``exec-vec-all_true`` / ``Step_pure/vtestop``: 1 if every lane is non-zero, else 0."""
    if shape not in _INT_SHAPES:
        crash(f"{shape.value}.{op.value} cannot validate")
    lanes = unpacker(shape.lane_bits)

    def all_true(v1: int) -> int:
        return int(all(lanes(v1)))

    return all_true


def vbitmask(shape: Shape) -> Callable[[int], int]:
    """``exec-vec-bitmask`` / ``$ivbitmaskop_``: bit i of the i32 is ``ilt_s(lane_i, 0)``."""
    if shape not in _INT_SHAPES:
        crash(f"{shape.value}.bitmask cannot validate")
    lanes = signed_unpacker(shape.lane_bits)

    def bitmask(v1: int) -> int:
        return sum(1 << i for i, c in enumerate(lanes(v1)) if c < 0)

    return bitmask


def iswizzle_lane(cs: tuple[int, ...], i: int) -> int:
    """``$iswizzle_lane_``: lane ``i`` of ``cs``, or 0 if out of range (the ``0^240`` padding)."""
    return cs[i] if i < len(cs) else 0


def vswizzlop(op: VSwizzlOp) -> Callable[[int, int], int]:
    """``exec-vec-swizzle`` / ``Step_pure/vswizzlop``; relaxed_swizzle with R_swizzle = 0."""
    # op-ivrelaxed_swizzle_lane with R = 0 picks 0 for every out-of-range index, like swizzle.
    lanes, inv_lanes = _codec(8)

    def swizzle(v1: int, v2: int) -> int:
        cs = lanes(v1)
        return inv_lanes(iswizzle_lane(cs, i) for i in lanes(v2))

    return swizzle


def vshuffle(xs: tuple[int, ...]) -> Callable[[int, int], int]:
    """``exec-vec-shuffle`` / ``Step_pure/vshuffle``: pick lanes of ``lanes(c1) ++ lanes(c2)``."""
    if len(xs) != 16 or not all(0 <= x < 32 for x in xs):
        crash("i8x16.shuffle lane indices cannot validate")
    lanes, inv_lanes = _codec(8)

    def shuffle(v1: int, v2: int) -> int:
        cs = lanes(v1) + lanes(v2)
        return inv_lanes(cs[x] for x in xs)

    return shuffle


def vsplat(shape: Shape) -> Callable[[int], int]:
    """``exec-vec-splat`` / ``Step_pure/vsplat``: ``lanes^-1(packnum(c_1)^dim)``."""
    w, dim = shape.lane_bits, shape.dim
    inv_lanes = packer(w)
    mask = _mask(w)

    def splat(c1: int) -> int:
        # $lpacknum_ wraps an i32 operand to an i8/i16 lane; it is the identity otherwise.
        return inv_lanes(repeat(c1 & mask, dim))

    return splat


def vextract_lane(shape: Shape, sx: Sx | None, x: int) -> Callable[[int], int]:
    """``exec-vec-extract_lane`` / ``Step_pure/vextract_lane-num`` and ``-pack``."""
    w = shape.lane_bits
    if not 0 <= x < shape.dim:
        crash("extract_lane index cannot validate")
    packed = shape in (Shape.I8X16, Shape.I16X8)
    if packed == (sx is None):
        crash(f"{shape.value}.extract_lane signedness cannot validate")
    if sx is Sx.S:
        lanes_s = signed_unpacker(w)

        def extract_lane_s(v1: int) -> int:
            # extend^s_{w,32}: the signed lane as an i32 bit pattern.
            return lanes_s(v1)[x] & 0xFFFF_FFFF

        return extract_lane_s
    # Zero extension (``_u``) and unpacked lanes both keep the lane's bits.
    lanes = unpacker(w)

    def extract_lane(v1: int) -> int:
        return lanes(v1)[x]

    return extract_lane


def vreplace_lane(shape: Shape, x: int) -> Callable[[int, int], int]:
    """``exec-vec-replace_lane`` / ``Step_pure/vreplace_lane``: set lane x to packnum(c_2)."""
    w = shape.lane_bits
    if not 0 <= x < shape.dim:
        crash("replace_lane index cannot validate")
    lanes, inv_lanes = _codec(w)
    mask = _mask(w)

    def replace_lane(v1: int, c2: int) -> int:
        cs = list(lanes(v1))
        cs[x] = c2 & mask
        return inv_lanes(cs)

    return replace_lane


# -- Lane-count-changing instructions -----------------------------------------------------------


def _require_ext(shape1: Shape, shape2: Shape, ratio: int) -> None:
    """Both shapes integer, the result lanes ``ratio`` times as wide as the operand lanes."""
    ints = shape1 in _INT_SHAPES and shape2 in _INT_SHAPES
    if not ints or shape1.lane_bits != ratio * shape2.lane_bits:
        crash(f"{shape1.value} from {shape2.value} cannot validate")


def vnarrow(shape1: Shape, shape2: Shape, sx: Sx) -> Callable[[int, int], int]:
    """``exec-vec-narrow`` / ``$vnarrowop__``: narrow the lanes of ``c_1`` then of ``c_2``."""
    _require_ext(shape2, shape1, 2)
    w1, w2 = shape2.lane_bits, shape1.lane_bits
    narrow = narrow_s if sx is Sx.S else narrow_u
    lanes, inv_lanes = unpacker(w1), packer(w2)

    def vnarrowop(v1: int, v2: int) -> int:
        return inv_lanes(narrow(w1, w2, c) for c in lanes(v1) + lanes(v2))

    return vnarrowop


def _extend(sx: Sx) -> Callable[[int, int, int], int]:
    return extend_s if sx is Sx.S else extend_u


def ivadd_pairwise(n: int, cs: tuple[int, ...] | list[int]) -> list[int]:
    """``$ivadd_pairwise_``: ``iadd_N(j_1, j_2)`` for each consecutive pair ``j_1 j_2``."""
    return [iadd(n, cs[k], cs[k + 1]) for k in range(0, len(cs), 2)]


def ivmul(n: int, cs1: list[int], cs2: list[int]) -> list[int]:
    """``$ivmul_``: ``imul_N`` lane by lane."""
    return [imul(n, a, b) for a, b in zip(cs1, cs2, strict=True)]


def ivdot(n: int, cs1: list[int], cs2: list[int]) -> list[int]:
    """``$ivdot_``: multiply lane by lane, then add consecutive pairs."""
    return ivadd_pairwise(n, ivmul(n, cs1, cs2))


def ivdot_sat(n: int, cs1: list[int], cs2: list[int]) -> list[int]:
    """``$ivdot_sat_``: multiply lane by lane, then ``iadd_sat_s`` consecutive pairs."""
    js = ivmul(n, cs1, cs2)
    return [iadd_sat_s(n, js[k], js[k + 1]) for k in range(0, len(js), 2)]


def vextunop(shape1: Shape, shape2: Shape, op: VExtUnOp) -> Callable[[int], int]:
    """``exec-vec-extadd_pairwise`` / ``$vextunop__``: extend each lane, add pairs."""
    _require_ext(shape1, shape2, 2)
    w1, w2 = shape2.lane_bits, shape1.lane_bits
    sx = Sx.S if op is VExtUnOp.EXTADD_PAIRWISE_S else Sx.U
    extend = _extend(sx)
    lanes, inv_lanes = unpacker(w1), packer(w2)

    def extadd_pairwise(v1: int) -> int:
        return inv_lanes(ivadd_pairwise(w2, [extend(w1, w2, c) for c in lanes(v1)]))

    return extadd_pairwise


_EXTBINOPS: dict[VExtBinOp, tuple[Callable[[int, list[int], list[int]], list[int]], Sx, str]] = {
    # op-vextbinop table: lane function f, signedness, which lanes (the half, or all).
    VExtBinOp.EXTMUL_LOW_S: (ivmul, Sx.S, "low"),
    VExtBinOp.EXTMUL_LOW_U: (ivmul, Sx.U, "low"),
    VExtBinOp.EXTMUL_HIGH_S: (ivmul, Sx.S, "high"),
    VExtBinOp.EXTMUL_HIGH_U: (ivmul, Sx.U, "high"),
    VExtBinOp.DOT_S: (ivdot, Sx.S, "all"),
    # R_idot = 0: the second operand's lanes are read signed, as for dot.
    VExtBinOp.RELAXED_DOT_S: (ivdot_sat, Sx.S, "all"),
}


def _lane_range(which: str, dim_out: int) -> slice:
    """``$half``: the low or high ``dim_out`` operand lanes, or all of them."""
    if which == "low":
        return slice(0, dim_out)
    if which == "high":
        return slice(dim_out, 2 * dim_out)
    return slice(None)


def vextbinop(shape1: Shape, shape2: Shape, op: VExtBinOp) -> Callable[[int, int], int]:
    """``exec-vec-extmul``, ``exec-vec-dot`` / ``$ivextbinop__``: extend lanes, then ``f``."""
    _require_ext(shape1, shape2, 2)
    w1, w2 = shape2.lane_bits, shape1.lane_bits
    f, sx, which = _EXTBINOPS[op]
    picked = _lane_range(which, shape1.dim)
    extend = _extend(sx)
    lanes, inv_lanes = unpacker(w1), packer(w2)

    def ivextbinop(v1: int, v2: int) -> int:
        cs1 = [extend(w1, w2, c) for c in lanes(v1)[picked]]
        cs2 = [extend(w1, w2, c) for c in lanes(v2)[picked]]
        return inv_lanes(f(w2, cs1, cs2))

    return ivextbinop


def vextternop(shape1: Shape, shape2: Shape, op: VExtTernOp) -> Callable[[int, int, int], int]:
    """``$vextternop__`` (``relaxed_dot_add_s``): relaxed dot, extadd pairwise, then add ``c_3``."""
    if op is not VExtTernOp.RELAXED_DOT_ADD_S:
        crash(f"unknown vextternop {op}")
    _require_ext(shape1, shape2, 4)
    middle = {16: Shape.I16X8, 32: Shape.I32X4, 64: Shape.I64X2}[2 * shape2.lane_bits]
    dot = vextbinop(middle, shape2, VExtBinOp.RELAXED_DOT_S)
    pairwise = vextunop(shape1, middle, VExtUnOp.EXTADD_PAIRWISE_S)
    add = vbinop(shape1, VBinOp.ADD)

    def relaxed_dot_add(v1: int, v2: int, v3: int) -> int:
        return add(pairwise(dot(v1, v2)), v3)

    return relaxed_dot_add


_Kinds = tuple[str, str]
_INT_TO_INT: _Kinds = ("i", "i")
_INT_TO_FLOAT: _Kinds = ("f", "i")
_FLOAT_TO_INT: _Kinds = ("i", "f")
_FLOAT_TO_FLOAT: _Kinds = ("f", "f")

# $lcvtop__ with $halfop / $zeroop: op -> (scalar conversion (M, N, lane), lanes taken
# ("low", "high" or "all"), zero-fill the upper half?, (result kind, operand kind)).
_VCVTOPS: dict[VCvtOp, tuple[Callable[[int, int, int], int], str, bool, _Kinds]] = {
    VCvtOp.EXTEND_LOW_S: (extend_s, "low", False, _INT_TO_INT),
    VCvtOp.EXTEND_LOW_U: (extend_u, "low", False, _INT_TO_INT),
    VCvtOp.EXTEND_HIGH_S: (extend_s, "high", False, _INT_TO_INT),
    VCvtOp.EXTEND_HIGH_U: (extend_u, "high", False, _INT_TO_INT),
    VCvtOp.CONVERT_S: (convert_s, "all", False, _INT_TO_FLOAT),
    VCvtOp.CONVERT_U: (convert_u, "all", False, _INT_TO_FLOAT),
    VCvtOp.CONVERT_LOW_S: (convert_s, "low", False, _INT_TO_FLOAT),
    VCvtOp.CONVERT_LOW_U: (convert_u, "low", False, _INT_TO_FLOAT),
    VCvtOp.TRUNC_SAT_S: (trunc_sat_s, "all", False, _FLOAT_TO_INT),
    VCvtOp.TRUNC_SAT_U: (trunc_sat_u, "all", False, _FLOAT_TO_INT),
    VCvtOp.TRUNC_SAT_S_ZERO: (trunc_sat_s, "all", True, _FLOAT_TO_INT),
    VCvtOp.TRUNC_SAT_U_ZERO: (trunc_sat_u, "all", True, _FLOAT_TO_INT),
    # op-relaxed_trunc_s/u with R_trunc = 0: the saturating truncation.
    VCvtOp.RELAXED_TRUNC_S: (trunc_sat_s, "all", False, _FLOAT_TO_INT),
    VCvtOp.RELAXED_TRUNC_U: (trunc_sat_u, "all", False, _FLOAT_TO_INT),
    VCvtOp.RELAXED_TRUNC_S_ZERO: (trunc_sat_s, "all", True, _FLOAT_TO_INT),
    VCvtOp.RELAXED_TRUNC_U_ZERO: (trunc_sat_u, "all", True, _FLOAT_TO_INT),
    VCvtOp.DEMOTE_ZERO: (demote, "all", True, _FLOAT_TO_FLOAT),
    VCvtOp.PROMOTE_LOW: (promote, "low", False, _FLOAT_TO_FLOAT),
}


def _well_shaped_cvt(shape1: Shape, shape2: Shape, op: VCvtOp) -> bool:
    """The lane kinds and counts ``op`` needs: result ``shape1``, operand ``shape2``."""
    _, which, zero, kinds = _VCVTOPS[op]
    kind_out = "f" if shape1 in _FLOAT_SHAPES else "i"
    kind_in = "f" if shape2 in _FLOAT_SHAPES else "i"
    if (kind_out, kind_in) != kinds:
        return False
    if which != "all":
        return shape2.dim == 2 * shape1.dim
    if zero:
        return shape1.dim == 2 * shape2.dim
    return shape1.dim == shape2.dim


def vcvtop(shape1: Shape, shape2: Shape, op: VCvtOp) -> Callable[[int], int]:
    """``exec-vcvtop`` (plain, ``half`` and ``_zero`` forms) / ``$vcvtop__``.

    ``shape1`` is the result shape, ``shape2`` the operand shape.
    """
    if not _well_shaped_cvt(shape1, shape2, op):
        crash(f"{shape1.value}.{op.value}_{shape2.value} cannot validate")
    m, n = shape2.lane_bits, shape1.lane_bits
    convert, which, zero, _ = _VCVTOPS[op]
    f = functools.partial(convert, m, n)
    picked = _lane_range(which, shape1.dim)
    zeros = (0,) * shape2.dim if zero else ()
    lanes, inv_lanes = unpacker(m), packer(n)

    def vcvt(v1: int) -> int:
        return inv_lanes((*map(f, lanes(v1)[picked]), *zeros))

    return vcvt


# -- The interpreter's interface -----------------------------------------------------------------


def _arity_and_fn(instr: Instr) -> tuple[int, VecFn]:
    match instr:
        case VVUnop(op):
            return 1, vvunop(op)
        case VVBinop(op):
            return 2, vvbinop(op)
        case VVTernop(op):
            return 3, vvternop(op)
        case VVTestop(op):
            return 1, vvtestop(op)
        case VUnop(shape, op):
            return 1, vunop(shape, op)
        case VBinop(shape, op):
            return 2, vbinop(shape, op)
        case VTernop(shape, op):
            return 3, vternop(shape, op)
        case VTestop(shape, op):
            return 1, vtestop(shape, op)
        case VRelop(shape, op):
            return 2, vrelop(shape, op)
        case VShiftop(shape, op):
            return 2, vshiftop(shape, op)
        case VBitmask(shape):
            return 1, vbitmask(shape)
        case VSwizzlop(op):
            return 2, vswizzlop(op)
        case VShuffle(lanes):
            return 2, vshuffle(lanes)
        case VExtunop(shape1, shape2, op):
            return 1, vextunop(shape1, shape2, op)
        case VExtbinop(shape1, shape2, op):
            return 2, vextbinop(shape1, shape2, op)
        case VExtternop(shape1, shape2, op):
            return 3, vextternop(shape1, shape2, op)
        case VNarrow(shape1, shape2, sx):
            return 2, vnarrow(shape1, shape2, sx)
        case VCvtop(shape1, shape2, op):
            return 1, vcvtop(shape1, shape2, op)
        case VSplat(shape):
            return 1, vsplat(shape)
        case VExtractLane(shape, sx, lane):
            return 1, vextract_lane(shape, sx, lane)
        case VReplaceLane(shape, lane):
            return 2, vreplace_lane(shape, lane)
        case _:
            crash(f"not a pure vector instruction: {instr!r}")


@functools.lru_cache(maxsize=4096)
def vector_fn(instr: Instr) -> tuple[int, VecFn]:
    """The ``Step_pure`` rule of a pure vector instruction as ``(arity, fn)``.

    ``fn`` takes ``arity`` operands in stack order (first pushed first): ``v128`` bits, or the
    scalar bits of ``splat``/``replace_lane``'s value and of a shift count (i32).  It returns
    one int: ``v128`` bits, an i32 for ``any_true``/``all_true``/``bitmask``, or the lane for
    ``extract_lane`` (an i32 for ``i8x16``/``i16x8``).  Raises ``Crash`` for an instruction
    that cannot validate or is not a pure vector instruction (``PureVectorInstr``).
    """
    return _arity_and_fn(instr)
