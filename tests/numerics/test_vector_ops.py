"""Hand-computed cases for the vector operators, the relaxed deterministic profile, and the
``vector_fn`` interface contract (arity, operand order, caching, crashes)."""

from __future__ import annotations

import pytest

from refwasm.errors import Crash
from refwasm.numerics.lanes import inv_lanes, lanes
from refwasm.numerics.vector import (
    iabs,
    iadd_sat_s,
    iavgr_u,
    ibitselect,
    iq15mulr_sat_s,
    isub_sat_u,
    narrow_s,
    narrow_u,
    vector_fn,
)
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
    VExtTernOp,
    VExtternop,
    VReplaceLane,
    VShiftOp,
    VShiftop,
    VShuffle,
    VSplat,
    VSwizzlOp,
    VSwizzlop,
    VTernOp,
    VTernop,
    VVBinOp,
    VVBinop,
    VVTernOp,
    VVTernop,
)

ONES = (1 << 128) - 1


def v(*lanes32: int) -> int:
    """An i32x4 vector, lane 0 first."""
    return sum((c & 0xFFFF_FFFF) << (32 * i) for i, c in enumerate(lanes32))


def test_lanes_put_lane_0_in_the_low_bits() -> None:
    assert lanes(Shape.I32X4, 0x00000004_00000003_00000002_00000001) == (1, 2, 3, 4)
    assert lanes(Shape.I8X16, 0xFF01)[:3] == (0x01, 0xFF, 0)
    assert inv_lanes(Shape.I64X2, [1, 2]) == (2 << 64) | 1
    assert lanes(Shape.F64X2, (0x3FF0000000000000 << 64)) == (0, 0x3FF0000000000000)


@pytest.mark.parametrize(
    ("fn", "args", "want"),
    [
        (iq15mulr_sat_s, (16, 0x8000, 0x8000), 0x7FFF),  # (-1) * (-1) in Q15 saturates
        (iq15mulr_sat_s, (16, 0x4000, 0x4000), 0x2000),  # 0.5 * 0.5 = 0.25
        (iq15mulr_sat_s, (16, 0xC000, 0x4000), 0xE000),  # -0.5 * 0.5 = -0.25
        (iq15mulr_sat_s, (16, 1, 0x4000), 0x0001),  # 0.5 ulp rounds half up
        (iadd_sat_s, (8, 0x7F, 0x01), 0x7F),
        (iadd_sat_s, (8, 0x80, 0xFF), 0x80),
        (isub_sat_u, (8, 0x01, 0x02), 0x00),
        (iavgr_u, (8, 0xFF, 0xFE), 0xFF),  # (255 + 254 + 1) / 2, no wrap-around
        (iabs, (8, 0x80), 0x80),  # |-128| wraps to -128
        (iabs, (32, 0xFFFF_FFFF), 1),
        (narrow_s, (16, 8, 0x0180), 0x7F),
        (narrow_s, (16, 8, 0xFF00), 0x80),
        (narrow_u, (16, 8, 0xFFFF), 0x00),  # narrow_u reads its operand signed: -1 -> 0
        (narrow_u, (32, 16, 0x0001_0000), 0xFFFF),
        (ibitselect, (8, 0b1100, 0b1010, 0b0110), 0b1100),
    ],
)
def test_simd_integer_operators(fn: object, args: tuple[int, ...], want: int) -> None:
    assert callable(fn)
    assert fn(*args) == want


def test_operands_are_in_stack_order() -> None:
    arity, sub = vector_fn(VBinop(Shape.I32X4, VBinOp.SUB))
    assert arity == 2
    assert sub(v(5, 5, 5, 5), v(1, 2, 3, 4)) == v(4, 3, 2, 1)
    arity, andnot = vector_fn(VVBinop(VVBinOp.ANDNOT))
    assert (arity, andnot(0b1111, 0b0101)) == (2, 0b1010)
    arity, shl = vector_fn(VShiftop(Shape.I32X4, VShiftOp.SHL))
    assert (arity, shl(v(1, 2, 3, 4), 33)) == (2, v(2, 4, 6, 8))  # 33 mod 32 = 1
    arity, select = vector_fn(VVTernop(VVTernOp.BITSELECT))
    assert (arity, select(ONES, 0, 0xF0)) == (3, 0xF0)


def test_scalar_operands_and_results() -> None:
    _, splat = vector_fn(VSplat(Shape.I8X16))
    assert splat(0x1FF) == int.from_bytes(b"\xff" * 16, "little")  # the i32 is wrapped to i8
    _, replace = vector_fn(VReplaceLane(Shape.I16X8, 7))
    assert replace(0, 0x12345) == 0x2345 << 112
    _, extract_s = vector_fn(VExtractLane(Shape.I8X16, Sx.S, 1))
    _, extract_u = vector_fn(VExtractLane(Shape.I8X16, Sx.U, 1))
    assert extract_s(0x8000) == 0xFFFF_FF80
    assert extract_u(0x8000) == 0x80
    _, extract64 = vector_fn(VExtractLane(Shape.I64X2, None, 1))
    assert extract64(0xFFFF_FFFF_FFFF_FFFF << 64) == 0xFFFF_FFFF_FFFF_FFFF
    _, bitmask = vector_fn(VBitmask(Shape.I32X4))
    assert bitmask(v(-1, 0, -5, 7)) == 0b0101


def test_float_lanes_follow_the_scalar_nan_rules() -> None:
    _, add = vector_fn(VBinop(Shape.F32X4, VBinOp.ADD))
    one, signalling = 0x3F80_0000, 0x7F80_0001
    result = lanes(Shape.F32X4, add(v(one, signalling, 0x7F80_0000, one),
                                    v(one, one, 0xFF80_0000, 0)))
    assert result[0] == 0x4000_0000
    assert result[1] & 0x7FC0_0000 == 0x7FC0_0000  # an arithmetic NaN
    assert result[2] & 0x7FFF_FFFF == 0x7FC0_0000  # inf + -inf: canonical NaN
    assert result[3] == one
    _, pmin = vector_fn(VBinop(Shape.F32X4, VBinOp.PMIN))
    assert pmin(v(signalling), v(one)) == v(signalling)  # pmin does not propagate NaN


def test_conversions_halves_and_zero_fill() -> None:
    _, demote = vector_fn(VCvtop(Shape.F32X4, Shape.F64X2, VCvtOp.DEMOTE_ZERO))
    assert demote((0x4000_0000_0000_0000 << 64) | 0x3FF0_0000_0000_0000) == v(
        0x3F80_0000, 0x4000_0000, 0, 0
    )
    _, trunc = vector_fn(VCvtop(Shape.I32X4, Shape.F64X2, VCvtOp.TRUNC_SAT_U_ZERO))
    assert trunc((0xBFF0_0000_0000_0000 << 64) | 0x41F0_0000_0000_0000) == v(-1, 0, 0, 0)
    _, extmul = vector_fn(VExtbinop(Shape.I64X2, Shape.I32X4, VExtBinOp.EXTMUL_HIGH_S))
    assert extmul(v(0, 0, -2, 3), v(0, 0, 3, 3)) == (9 << 64) | ((-6) & (2**64 - 1))


def test_shuffle_and_swizzle_pick_bytes() -> None:
    _, shuffle = vector_fn(VShuffle(tuple(range(16, 32))))
    assert shuffle(1, 2) == 2
    _, swizzle = vector_fn(VSwizzlop(VSwizzlOp.SWIZZLE))
    indices = int.from_bytes(bytes([1, 0, 16, 0xFF] + [0] * 12), "little")
    assert swizzle(0xBBAA, indices) & 0xFFFF_FFFF == 0x0000_AABB


# -- Relaxed SIMD, deterministic profile (3.0 aux-relaxed: every R is 0) -------------------


def test_relaxed_ops_take_the_deterministic_choice() -> None:
    _, rswizzle = vector_fn(VSwizzlop(VSwizzlOp.RELAXED_SWIZZLE))
    assert rswizzle(0xBBAA, int.from_bytes(bytes([1, 17, 0x80] + [0] * 13), "little")) & 0xFFFFFF == 0xBB
    _, laneselect = vector_fn(VTernop(Shape.I32X4, VTernOp.RELAXED_LANESELECT))
    assert laneselect(v(-1), v(0), v(0x8000_0001)) == v(0x8000_0001)  # bitwise, not by top bit
    _, madd = vector_fn(VTernop(Shape.F32X4, VTernOp.RELAXED_MADD))
    # 3 * 5 + 1 = 16, exact either way; fma vs unfused shows below.
    assert madd(v(0x4040_0000), v(0x40A0_0000), v(0x3F80_0000)) & 0xFFFF_FFFF == 0x4180_0000
    # (1 + 2^-23) * (1 - 2^-23) - 1: unfused rounds the product to 1.0 and gives 0; fused -2^-46.
    x, y, minus_one = 0x3F80_0001, 0x3F7F_FFFF, 0xBF80_0000
    assert madd(v(x), v(y), v(minus_one)) & 0xFFFF_FFFF == 0
    _, nmadd = vector_fn(VTernop(Shape.F32X4, VTernOp.RELAXED_NMADD))
    assert nmadd(v(0x4040_0000), v(0x40A0_0000), v(0x3F80_0000)) & 0xFFFF_FFFF == 0xC160_0000
    _, rq15 = vector_fn(VBinop(Shape.I16X8, VBinOp.RELAXED_Q15MULR_S))
    assert rq15(0x8000, 0x8000) & 0xFFFF == 0x7FFF
    _, rtrunc = vector_fn(VCvtop(Shape.I32X4, Shape.F32X4, VCvtOp.RELAXED_TRUNC_S))
    assert rtrunc(v(0x7FC0_0000, 0x4F80_0000, 0xCF80_0000, 0xBFC0_0000)) == v(
        0, 0x7FFF_FFFF, -0x8000_0000, -1
    )


def test_relaxed_dot_saturates_and_accumulates() -> None:
    minus128 = int.from_bytes(b"\x80" * 16, "little")
    _, dot = vector_fn(VExtbinop(Shape.I16X8, Shape.I8X16, VExtBinOp.RELAXED_DOT_S))
    # (-128 * -128) * 2 = 32768 does not fit i16: iadd_sat_s gives 32767.
    assert dot(minus128, minus128) == int.from_bytes(b"\xff\x7f" * 8, "little")
    _, dot_add = vector_fn(VExtternop(Shape.I32X4, Shape.I8X16, VExtTernOp.RELAXED_DOT_ADD_S))
    twos = int.from_bytes(b"\x02" * 16, "little")
    threes = int.from_bytes(b"\x03" * 16, "little")
    # Each i32 lane: four products of 6, plus the accumulator lane (here 1, 2, 3, 4).
    assert dot_add(twos, threes, v(1, 2, 3, 4)) == v(25, 26, 27, 28)


# -- The interface contract -----------------------------------------------------------------


def test_vector_fn_is_cached_per_instruction() -> None:
    instr = VBinop(Shape.I8X16, VBinOp.ADD)
    assert vector_fn(instr) is vector_fn(VBinop(Shape.I8X16, VBinOp.ADD))


@pytest.mark.parametrize(
    "instr",
    [
        VShiftop(Shape.F32X4, VShiftOp.SHL),
        VExtractLane(Shape.I8X16, None, 0),
        VExtractLane(Shape.I32X4, Sx.S, 0),
        VExtractLane(Shape.I32X4, None, 4),
        VReplaceLane(Shape.F64X2, 2),
        VShuffle((32,) * 16),
        VShuffle((0,) * 15),
        VCvtop(Shape.F32X4, Shape.F32X4, VCvtOp.DEMOTE_ZERO),
        VCvtop(Shape.I32X4, Shape.I32X4, VCvtOp.TRUNC_SAT_S),
        VBinop(Shape.F32X4, VBinOp.ADD_SAT_S),
        VBinop(Shape.I32X4, VBinOp.PMIN),
        VExtbinop(Shape.I32X4, Shape.I8X16, VExtBinOp.EXTMUL_LOW_S),
        VBitmask(Shape.F64X2),
    ],
)
def test_instructions_that_cannot_validate_crash(instr: Instr) -> None:
    with pytest.raises(Crash):
        vector_fn(instr)
