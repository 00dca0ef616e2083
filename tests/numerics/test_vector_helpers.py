"""Helpers shared by the vector tests: SIMD mnemonics to syntax, v128 literals, NaN patterns.

Written independently of refwasm's text parser: a mnemonic such as ``i16x8.extmul_low_i8x16_s``
is split by hand into the syntax tree the lead's ``refwasm.syntax`` defines.
"""

from __future__ import annotations

import enum
import re
from typing import TypeVar

from refwasm.syntax import (
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

_E = TypeVar("_E", bound=enum.Enum)

LANE_WIDTH = {"i8": 8, "i16": 16, "i32": 32, "i64": 64, "f32": 32, "f64": 64}
_SHAPE_NAMES = "i8x16|i16x8|i32x4|i64x2|f32x4|f64x2"
_CONVERSION = re.compile(rf"^(\w+?)_({_SHAPE_NAMES})(?:_([su]))?(_zero)?$")

# A syntax tree of one pure vector instruction (the classes vector_fn accepts).
VInstr = (
    VVUnop | VVBinop | VVTernop | VVTestop | VUnop | VBinop | VTernop | VTestop | VRelop
    | VShiftop | VBitmask | VSwizzlop | VShuffle | VExtunop | VExtbinop | VExtternop | VNarrow
    | VCvtop | VSplat | VExtractLane | VReplaceLane
)


def _enum_member(enum_type: type[_E], name: str) -> _E | None:
    for member in enum_type:
        if member.value == name:
            return member
    return None


def instr_of(text: str) -> VInstr:
    """The syntax of a plain SIMD instruction written as in the text format, immediates included."""
    mnemonic, *imms = text.split()
    prefix, _, op = mnemonic.partition(".")
    if prefix == "v128":
        return _v128_instr(op)
    shape = Shape(prefix)
    lane_imms = [int(x) for x in imms]
    if op == "shuffle":
        return VShuffle(tuple(lane_imms))
    if op in ("swizzle", "relaxed_swizzle"):
        return VSwizzlop(VSwizzlOp(op))
    if op.startswith("relaxed_dot_"):  # relaxed_dot_i8x16_i7x16_s, ..._add_s
        ext = VExtTernOp.RELAXED_DOT_ADD_S if op.endswith("_add_s") else None
        shape2 = Shape(op.split("_")[2])
        if ext is not None:
            return VExtternop(shape, shape2, ext)
        return VExtbinop(shape, shape2, VExtBinOp.RELAXED_DOT_S)
    if op == "splat":
        return VSplat(shape)
    if op == "bitmask":
        return VBitmask(shape)
    if op.startswith("extract_lane"):
        sx = {"extract_lane": None, "extract_lane_s": Sx.S, "extract_lane_u": Sx.U}[op]
        return VExtractLane(shape, sx, lane_imms[0])
    if op == "replace_lane":
        return VReplaceLane(shape, lane_imms[0])
    if (m := _CONVERSION.match(op)) is not None:
        return _conversion(shape, m)
    return _lanewise(shape, op)


def _v128_instr(op: str) -> VInstr:
    if (vv1 := _enum_member(VVUnOp, op)) is not None:
        return VVUnop(vv1)
    if (vv2 := _enum_member(VVBinOp, op)) is not None:
        return VVBinop(vv2)
    if (vv3 := _enum_member(VVTernOp, op)) is not None:
        return VVTernop(vv3)
    if (vvt := _enum_member(VVTestOp, op)) is not None:
        return VVTestop(vvt)
    raise ValueError(f"unknown v128 instruction {op}")


def _conversion(shape: Shape, m: re.Match[str]) -> VInstr:
    name, shape2_name, sx, zero = m.groups()
    shape2 = Shape(shape2_name)
    full = name + (f"_{sx}" if sx else "") + ("_zero" if zero else "")
    if name == "narrow":
        return VNarrow(shape, shape2, Sx(sx))
    if (unop := _enum_member(VExtUnOp, full)) is not None:
        return VExtunop(shape, shape2, unop)
    if (binop := _enum_member(VExtBinOp, full)) is not None:
        return VExtbinop(shape, shape2, binop)
    if (cvt := _enum_member(VCvtOp, full)) is not None:
        return VCvtop(shape, shape2, cvt)
    raise ValueError(f"unknown conversion {name}")


def _lanewise(shape: Shape, op: str) -> VInstr:
    if (unop := _enum_member(VUnOp, op)) is not None:
        return VUnop(shape, unop)
    if (binop := _enum_member(VBinOp, op)) is not None:
        return VBinop(shape, binop)
    if (ternop := _enum_member(VTernOp, op)) is not None:
        return VTernop(shape, ternop)
    if (testop := _enum_member(VTestOp, op)) is not None:
        return VTestop(shape, testop)
    if (relop := _enum_member(VRelOp, op)) is not None:
        return VRelop(shape, relop)
    if (shiftop := _enum_member(VShiftOp, op)) is not None:
        return VShiftop(shape, shiftop)
    raise ValueError(f"unknown vector instruction {shape.value}.{op}")


def v128(lane_type: str, lanes: list[int] | tuple[int, ...]) -> int:
    """The 128 bits whose lanes (lane 0 first, each an unsigned or signed int) are ``lanes``."""
    w = LANE_WIDTH[lane_type]
    mask = (1 << w) - 1
    return sum((c & mask) << (i * w) for i, c in enumerate(lanes))


def lane_values(lane_type: str, v: int) -> list[int]:
    """The unsigned lanes of ``v``, lane 0 first (the test's own split, shifts and masks)."""
    w = LANE_WIDTH[lane_type]
    return [(v >> (i * w)) & ((1 << w) - 1) for i in range(128 // w)]


def is_nan_of_kind(w: int, kind: str, z: int) -> bool:
    """``nan:canonical`` / ``nan:arithmetic`` of the script format for a ``w``-bit float."""
    mant_bits = 23 if w == 32 else 52
    exp_mask = ((1 << (w - 1)) - 1) >> mant_bits
    exponent = (z >> mant_bits) & exp_mask
    mantissa = z & ((1 << mant_bits) - 1)
    quiet = 1 << (mant_bits - 1)
    if exponent != exp_mask or mantissa == 0:
        return False
    return mantissa == quiet if kind == "nan:canonical" else bool(mantissa & quiet)


def lane_matches(w: int, expected: str, actual: int) -> bool:
    """One expected lane (a number or a NaN pattern) against one lane's bits."""
    if expected.startswith("nan:"):
        return is_nan_of_kind(w, expected, actual)
    return int(expected, 0) & ((1 << w) - 1) == actual


def test_instr_of_parses_every_family() -> None:
    assert instr_of("i16x8.extmul_low_i8x16_s") == VExtbinop(
        Shape.I16X8, Shape.I8X16, VExtBinOp.EXTMUL_LOW_S
    )
    assert instr_of("i32x4.trunc_sat_f64x2_u_zero") == VCvtop(
        Shape.I32X4, Shape.F64X2, VCvtOp.TRUNC_SAT_U_ZERO
    )
    assert instr_of("i8x16.narrow_i16x8_u") == VNarrow(Shape.I8X16, Shape.I16X8, Sx.U)
    assert instr_of("i8x16.extract_lane_s 3") == VExtractLane(Shape.I8X16, Sx.S, 3)
    assert instr_of("f32x4.min") == VBinop(Shape.F32X4, VBinOp.MIN)
    assert instr_of("v128.bitselect") == VVTernop(VVTernOp.BITSELECT)
    assert instr_of("i32x4.relaxed_dot_i8x16_i7x16_add_s") == VExtternop(
        Shape.I32X4, Shape.I8X16, VExtTernOp.RELAXED_DOT_ADD_S
    )
    assert instr_of("i16x8.relaxed_dot_i8x16_i7x16_s") == VExtbinop(
        Shape.I16X8, Shape.I8X16, VExtBinOp.RELAXED_DOT_S
    )
    assert instr_of("i32x4.relaxed_trunc_f64x2_u_zero") == VCvtop(
        Shape.I32X4, Shape.F64X2, VCvtOp.RELAXED_TRUNC_U_ZERO
    )


def test_nan_patterns() -> None:
    assert is_nan_of_kind(32, "nan:canonical", 0x7FC00000)
    assert is_nan_of_kind(32, "nan:canonical", 0xFFC00000)
    assert not is_nan_of_kind(32, "nan:canonical", 0x7FC00001)
    assert is_nan_of_kind(32, "nan:arithmetic", 0x7FC00001)
    assert not is_nan_of_kind(32, "nan:arithmetic", 0x7F800001)
    assert not is_nan_of_kind(64, "nan:canonical", 0x7FF0000000000000)
    assert is_nan_of_kind(64, "nan:canonical", 0xFFF8000000000000)
