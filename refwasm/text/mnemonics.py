"""Instruction mnemonics of the text format (2.0 ``text-instr``; SpecTec ``6.3-text.instructions``).

The one place where keywords meet instruction shapes.  The parser looks a keyword up here and
the printer looks an instruction up in the reverse tables, so the two cannot disagree.

* ``PLAIN``: keywords of instructions without immediates (numeric, vector, parametric...).
* ``MEMORY_OPS``: loads and stores: a factory taking ``(memidx, memarg)`` (and a lane for the
  lane forms) and the natural alignment exponent, the default of ``memarg``.
* ``FEATURE_OF``: the proposal flag of ``Features`` a keyword needs; keywords not listed are 1.0.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from refwasm.syntax.instructions import (
    BinOp,
    Binop,
    CvtOp,
    Cvtop,
    Drop,
    Instr,
    Load,
    LoadPack,
    MemArg,
    Nop,
    RefAsNonNull,
    RefIsNull,
    RelOp,
    Relop,
    Return,
    Shape,
    Store,
    Sx,
    TestOp,
    Testop,
    UnOp,
    Unop,
    Unreachable,
    VBinOp,
    VBinop,
    VBitmask,
    VCvtOp,
    VCvtop,
    VExtBinOp,
    VExtbinop,
    VExtTernOp,
    VExtternop,
    VExtUnOp,
    VExtunop,
    VLoad,
    VLoadLane,
    VLoadShape,
    VLoadSplat,
    VLoadZero,
    VNarrow,
    VRelOp,
    VRelop,
    VShiftOp,
    VShiftop,
    VSplat,
    VStore,
    VStoreLane,
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
from refwasm.syntax.types import NumType

I32, I64, F32, F64 = NumType.I32, NumType.I64, NumType.F32, NumType.F64

PLAIN: dict[str, Instr] = {}
FEATURE_OF: dict[str, str] = {}


def _plain(name: str, instr: Instr, feature: str | None = None) -> None:
    """``Tplaininstr_(I)`` · ``text-instr``: a keyword that is the whole instruction."""
    PLAIN[name] = instr
    if feature is not None:
        FEATURE_OF[name] = feature


_plain("unreachable", Unreachable())
_plain("nop", Nop())
_plain("return", Return())
_plain("drop", Drop())
_plain("ref.is_null", RefIsNull(), "reference_types")
_plain("ref.as_non_null", RefAsNonNull(), "function_references")

# -- Numeric instructions (text-unop, text-binop, text-testop, text-relop, text-cvtop) ----------

_INT_UNOPS = (UnOp.CLZ, UnOp.CTZ, UnOp.POPCNT)
_FLOAT_UNOPS = (UnOp.ABS, UnOp.NEG, UnOp.SQRT, UnOp.CEIL, UnOp.FLOOR, UnOp.TRUNC, UnOp.NEAREST)
_INT_BINOPS = (
    BinOp.ADD, BinOp.SUB, BinOp.MUL, BinOp.DIV_S, BinOp.DIV_U, BinOp.REM_S, BinOp.REM_U,
    BinOp.AND, BinOp.OR, BinOp.XOR, BinOp.SHL, BinOp.SHR_S, BinOp.SHR_U, BinOp.ROTL, BinOp.ROTR,
)
_FLOAT_BINOPS = (
    BinOp.ADD, BinOp.SUB, BinOp.MUL, BinOp.DIV, BinOp.MIN, BinOp.MAX, BinOp.COPYSIGN,
)
_INT_RELOPS = (
    RelOp.EQ, RelOp.NE, RelOp.LT_S, RelOp.LT_U, RelOp.GT_S, RelOp.GT_U,
    RelOp.LE_S, RelOp.LE_U, RelOp.GE_S, RelOp.GE_U,
)
_FLOAT_RELOPS = (RelOp.EQ, RelOp.NE, RelOp.LT, RelOp.GT, RelOp.LE, RelOp.GE)

for _nt in (I32, I64):
    for _u in _INT_UNOPS:
        _plain(f"{_nt.value}.{_u.value}", Unop(_nt, _u))
    for _b in _INT_BINOPS:
        _plain(f"{_nt.value}.{_b.value}", Binop(_nt, _b))
    for _r in _INT_RELOPS:
        _plain(f"{_nt.value}.{_r.value}", Relop(_nt, _r))
    _plain(f"{_nt.value}.eqz", Testop(_nt, TestOp.EQZ))
    _plain(f"{_nt.value}.extend8_s", Unop(_nt, UnOp.EXTEND8_S), "sign_extension")
    _plain(f"{_nt.value}.extend16_s", Unop(_nt, UnOp.EXTEND16_S), "sign_extension")
_plain("i64.extend32_s", Unop(I64, UnOp.EXTEND32_S), "sign_extension")

for _nt in (F32, F64):
    for _u in _FLOAT_UNOPS:
        _plain(f"{_nt.value}.{_u.value}", Unop(_nt, _u))
    for _b in _FLOAT_BINOPS:
        _plain(f"{_nt.value}.{_b.value}", Binop(_nt, _b))
    for _r in _FLOAT_RELOPS:
        _plain(f"{_nt.value}.{_r.value}", Relop(_nt, _r))


def _cvt(result: NumType, op: CvtOp, operand: NumType, feature: str | None = None) -> None:
    """``Tplaininstr_(I)/num`` (its ``num-cvt-*`` cases) · ``text-instr-numeric``: a conversion
    keyword, ``i32.trunc_f32_s``."""
    # ``i64.extend_i32_s``: the operand type sits between the operator and its signedness.
    name, _, sx = op.value.rpartition("_")
    if sx in ("s", "u"):
        keyword = f"{result.value}.{name}_{operand.value}_{sx}"
    else:
        keyword = f"{result.value}.{op.value}_{operand.value}"
    _plain(keyword, Cvtop(result, operand, op), feature)


_cvt(I32, CvtOp.WRAP, I64)
for _sx_op in (CvtOp.EXTEND_S, CvtOp.EXTEND_U):
    _cvt(I64, _sx_op, I32)
for _int in (I32, I64):
    for _flt in (F32, F64):
        _cvt(_int, CvtOp.TRUNC_S, _flt)
        _cvt(_int, CvtOp.TRUNC_U, _flt)
        _cvt(_int, CvtOp.TRUNC_SAT_S, _flt, "saturating_conversions")
        _cvt(_int, CvtOp.TRUNC_SAT_U, _flt, "saturating_conversions")
        _cvt(_flt, CvtOp.CONVERT_S, _int)
        _cvt(_flt, CvtOp.CONVERT_U, _int)
_cvt(F32, CvtOp.DEMOTE, F64)
_cvt(F64, CvtOp.PROMOTE, F32)
_cvt(I32, CvtOp.REINTERPRET, F32)
_cvt(I64, CvtOp.REINTERPRET, F64)
_cvt(F32, CvtOp.REINTERPRET, I32)
_cvt(F64, CvtOp.REINTERPRET, I64)

# -- Vector instructions (text-instr-vec) -------------------------------------------------------

I8X16, I16X8, I32X4, I64X2 = Shape.I8X16, Shape.I16X8, Shape.I32X4, Shape.I64X2
F32X4, F64X2 = Shape.F32X4, Shape.F64X2


def _simd(name: str, instr: Instr) -> None:
    """``Tplaininstr_(I)/vec`` · ``text-instr-vec``: a SIMD keyword."""
    _plain(name, instr, "simd")


_simd("v128.not", VVUnop(VVUnOp.NOT))
for _vv in VVBinOp:
    _simd(f"v128.{_vv.value}", VVBinop(_vv))
_simd("v128.bitselect", VVTernop(VVTernOp.BITSELECT))
_simd("v128.any_true", VVTestop(VVTestOp.ANY_TRUE))
_simd("i8x16.swizzle", VSwizzlop(VSwizzlOp.SWIZZLE))

for _sh in (I8X16, I16X8, I32X4, I64X2, F32X4, F64X2):
    _simd(f"{_sh.value}.splat", VSplat(_sh))

_IRELOPS = (
    VRelOp.EQ, VRelOp.NE, VRelOp.LT_S, VRelOp.LT_U, VRelOp.GT_S, VRelOp.GT_U,
    VRelOp.LE_S, VRelOp.LE_U, VRelOp.GE_S, VRelOp.GE_U,
)
for _sh in (I8X16, I16X8, I32X4):
    for _vr in _IRELOPS:
        _simd(f"{_sh.value}.{_vr.value}", VRelop(_sh, _vr))
for _vr in (VRelOp.EQ, VRelOp.NE, VRelOp.LT_S, VRelOp.GT_S, VRelOp.LE_S, VRelOp.GE_S):
    _simd(f"i64x2.{_vr.value}", VRelop(I64X2, _vr))
for _sh in (F32X4, F64X2):
    for _vr in (VRelOp.EQ, VRelOp.NE, VRelOp.LT, VRelOp.GT, VRelOp.LE, VRelOp.GE):
        _simd(f"{_sh.value}.{_vr.value}", VRelop(_sh, _vr))
    for _vu in (VUnOp.ABS, VUnOp.NEG, VUnOp.SQRT, VUnOp.CEIL, VUnOp.FLOOR, VUnOp.TRUNC,
                VUnOp.NEAREST):
        _simd(f"{_sh.value}.{_vu.value}", VUnop(_sh, _vu))
    for _vb in (VBinOp.ADD, VBinOp.SUB, VBinOp.MUL, VBinOp.DIV, VBinOp.MIN, VBinOp.MAX,
                VBinOp.PMIN, VBinOp.PMAX):
        _simd(f"{_sh.value}.{_vb.value}", VBinop(_sh, _vb))

for _sh in (I8X16, I16X8, I32X4, I64X2):
    _simd(f"{_sh.value}.abs", VUnop(_sh, VUnOp.ABS))
    _simd(f"{_sh.value}.neg", VUnop(_sh, VUnOp.NEG))
    _simd(f"{_sh.value}.all_true", VTestop(_sh, VTestOp.ALL_TRUE))
    _simd(f"{_sh.value}.bitmask", VBitmask(_sh))
    for _vs in VShiftOp:
        _simd(f"{_sh.value}.{_vs.value}", VShiftop(_sh, _vs))
    _simd(f"{_sh.value}.add", VBinop(_sh, VBinOp.ADD))
    _simd(f"{_sh.value}.sub", VBinop(_sh, VBinOp.SUB))
_simd("i8x16.popcnt", VUnop(I8X16, VUnOp.POPCNT))
for _sh in (I16X8, I32X4, I64X2):
    _simd(f"{_sh.value}.mul", VBinop(_sh, VBinOp.MUL))
for _sh in (I8X16, I16X8):
    for _vb in (VBinOp.ADD_SAT_S, VBinOp.ADD_SAT_U, VBinOp.SUB_SAT_S, VBinOp.SUB_SAT_U,
                VBinOp.AVGR_U):
        _simd(f"{_sh.value}.{_vb.value}", VBinop(_sh, _vb))
for _sh in (I8X16, I16X8, I32X4):
    for _vb in (VBinOp.MIN_S, VBinOp.MIN_U, VBinOp.MAX_S, VBinOp.MAX_U):
        _simd(f"{_sh.value}.{_vb.value}", VBinop(_sh, _vb))
_simd("i16x8.q15mulr_sat_s", VBinop(I16X8, VBinOp.Q15MULR_SAT_S))

# Instructions whose result shape differs from their operand shape.
_HALF = {I16X8: I8X16, I32X4: I16X8, I64X2: I32X4}
for _wide, _narrow in _HALF.items():
    _n = _narrow.value
    for _half in ("low", "high"):
        for _s in ("s", "u"):
            _simd(f"{_wide.value}.extend_{_half}_{_n}_{_s}",
                  VCvtop(_wide, _narrow, VCvtOp(f"extend_{_half}_{_s}")))
            _simd(f"{_wide.value}.extmul_{_half}_{_n}_{_s}",
                  VExtbinop(_wide, _narrow, VExtBinOp(f"extmul_{_half}_{_s}")))
for _wide in (I16X8, I32X4):
    for _s in ("s", "u"):
        _simd(f"{_wide.value}.extadd_pairwise_{_HALF[_wide].value}_{_s}",
              VExtunop(_wide, _HALF[_wide], VExtUnOp(f"extadd_pairwise_{_s}")))
for _narrow_sh, _wide in ((I8X16, I16X8), (I16X8, I32X4)):
    for _sx in Sx:
        _simd(f"{_narrow_sh.value}.narrow_{_wide.value}_{_sx.value}",
              VNarrow(_narrow_sh, _wide, _sx))
_simd("i32x4.dot_i16x8_s", VExtbinop(I32X4, I16X8, VExtBinOp.DOT_S))
for _s in ("s", "u"):
    _simd(f"i32x4.trunc_sat_f32x4_{_s}", VCvtop(I32X4, F32X4, VCvtOp(f"trunc_sat_{_s}")))
    _simd(f"i32x4.trunc_sat_f64x2_{_s}_zero",
          VCvtop(I32X4, F64X2, VCvtOp(f"trunc_sat_{_s}_zero")))
    _simd(f"f32x4.convert_i32x4_{_s}", VCvtop(F32X4, I32X4, VCvtOp(f"convert_{_s}")))
    _simd(f"f64x2.convert_low_i32x4_{_s}", VCvtop(F64X2, I32X4, VCvtOp(f"convert_low_{_s}")))
_simd("f32x4.demote_f64x2_zero", VCvtop(F32X4, F64X2, VCvtOp.DEMOTE_ZERO))
_simd("f64x2.promote_low_f32x4", VCvtop(F64X2, F32X4, VCvtOp.PROMOTE_LOW))

# -- Relaxed SIMD (3.0 ``6.3-text.instructions``; the dot names follow the test suite, as the
# SpecTec grammar lacks them and the prose misnames the ``_add`` form's shape) ----------------


def _relaxed(name: str, instr: Instr) -> None:
    """``Tplaininstr_(I)/vec`` (3.0 relaxed SIMD): a relaxed SIMD keyword."""
    _plain(name, instr, "relaxed_simd")


_relaxed("i8x16.relaxed_swizzle", VSwizzlop(VSwizzlOp.RELAXED_SWIZZLE))
for _s in ("s", "u"):
    _relaxed(f"i32x4.relaxed_trunc_f32x4_{_s}",
             VCvtop(I32X4, F32X4, VCvtOp(f"relaxed_trunc_{_s}")))
    _relaxed(f"i32x4.relaxed_trunc_f64x2_{_s}_zero",
             VCvtop(I32X4, F64X2, VCvtOp(f"relaxed_trunc_{_s}_zero")))
for _sh in (F32X4, F64X2):
    for _vt in (VTernOp.RELAXED_MADD, VTernOp.RELAXED_NMADD):
        _relaxed(f"{_sh.value}.{_vt.value}", VTernop(_sh, _vt))
    for _vb in (VBinOp.RELAXED_MIN, VBinOp.RELAXED_MAX):
        _relaxed(f"{_sh.value}.{_vb.value}", VBinop(_sh, _vb))
for _sh in (I8X16, I16X8, I32X4, I64X2):
    _relaxed(f"{_sh.value}.relaxed_laneselect", VTernop(_sh, VTernOp.RELAXED_LANESELECT))
_relaxed("i16x8.relaxed_q15mulr_s", VBinop(I16X8, VBinOp.RELAXED_Q15MULR_S))
_relaxed("i16x8.relaxed_dot_i8x16_i7x16_s", VExtbinop(I16X8, I8X16, VExtBinOp.RELAXED_DOT_S))
_relaxed("i32x4.relaxed_dot_i8x16_i7x16_add_s",
         VExtternop(I32X4, I8X16, VExtTernOp.RELAXED_DOT_ADD_S))

PLAIN_NAMES: dict[Instr, str] = {instr: name for name, instr in PLAIN.items()}

# -- Memory instructions (text-memarg, text-load, text-store) -----------------------------------


@dataclass(frozen=True, slots=True)
class MemoryOp:
    """A load or store keyword: how to build it and its natural alignment exponent."""

    make: Callable[[int, MemArg], Instr]
    natural_align: int


@dataclass(frozen=True, slots=True)
class LaneMemoryOp:
    """A ``v128.loadN_lane``/``v128.storeN_lane`` keyword: it also takes a lane index."""

    make: Callable[[int, MemArg, int], Instr]
    natural_align: int


MEMORY_OPS: dict[str, MemoryOp] = {}
LANE_MEMORY_OPS: dict[str, LaneMemoryOp] = {}


def _mem(name: str, make: Callable[[int, MemArg], Instr], align: int, feature: str | None) -> None:
    """``Tplaininstr_(I)/memory`` · ``text-instr-memory``: a load or store keyword."""
    MEMORY_OPS[name] = MemoryOp(make, align)
    if feature is not None:
        FEATURE_OF[name] = feature


def _loader(nt: NumType, pack: LoadPack | None) -> Callable[[int, MemArg], Instr]:
    return lambda x, m: Load(nt, pack, x, m)


def _storer(nt: NumType, sz: int | None) -> Callable[[int, MemArg], Instr]:
    return lambda x, m: Store(nt, sz, x, m)


for _nt in (I32, I64, F32, F64):
    _mem(f"{_nt.value}.load", _loader(_nt, None), _nt.bits.bit_length() - 4, None)
    _mem(f"{_nt.value}.store", _storer(_nt, None), _nt.bits.bit_length() - 4, None)
for _nt in (I32, I64):
    for _sz in (8, 16, 32):
        if _sz >= _nt.bits:
            continue
        _align = _sz.bit_length() - 4
        for _sx in Sx:
            _mem(f"{_nt.value}.load{_sz}_{_sx.value}", _loader(_nt, LoadPack(_sz, _sx)),
                 _align, None)
        _mem(f"{_nt.value}.store{_sz}", _storer(_nt, _sz), _align, None)

_mem("v128.load", lambda x, m: VLoad(None, x, m), 4, "simd")
_mem("v128.store", lambda x, m: VStore(x, m), 4, "simd")
for _sz in (8, 16, 32):
    for _sx in Sx:
        _op = VLoadShape(_sz, 64 // _sz, _sx)
        _mem(f"v128.load{_sz}x{64 // _sz}_{_sx.value}",
             (lambda op: lambda x, m: VLoad(op, x, m))(_op), 3, "simd")
for _sz in (8, 16, 32, 64):
    _mem(f"v128.load{_sz}_splat",
         (lambda op: lambda x, m: VLoad(op, x, m))(VLoadSplat(_sz)), _sz.bit_length() - 4, "simd")
    LANE_MEMORY_OPS[f"v128.load{_sz}_lane"] = LaneMemoryOp(
        (lambda sz: lambda x, m, i: VLoadLane(sz, x, m, i))(_sz), _sz.bit_length() - 4)
    LANE_MEMORY_OPS[f"v128.store{_sz}_lane"] = LaneMemoryOp(
        (lambda sz: lambda x, m, i: VStoreLane(sz, x, m, i))(_sz), _sz.bit_length() - 4)
    FEATURE_OF[f"v128.load{_sz}_lane"] = FEATURE_OF[f"v128.store{_sz}_lane"] = "simd"
for _sz in (32, 64):
    _mem(f"v128.load{_sz}_zero",
         (lambda op: lambda x, m: VLoad(op, x, m))(VLoadZero(_sz)), _sz.bit_length() - 4, "simd")


def load_name(instr: Load) -> str:
    """The keyword of a scalar load (``i64.load16_u``)."""
    if instr.pack is None:
        return f"{instr.nt.value}.load"
    return f"{instr.nt.value}.load{instr.pack.sz}_{instr.pack.sx.value}"


def store_name(instr: Store) -> str:
    """The keyword of a scalar store (``i32.store8``)."""
    return f"{instr.nt.value}.store{'' if instr.sz is None else instr.sz}"


def vload_name(instr: VLoad) -> str:
    """The keyword of a vector load (``v128.load8x8_s``, ``v128.load32_zero``)."""
    match instr.op:
        case None:
            return "v128.load"
        case VLoadShape(sz, m, sx):
            return f"v128.load{sz}x{m}_{sx.value}"
        case VLoadSplat(sz):
            return f"v128.load{sz}_splat"
        case VLoadZero(sz):
            return f"v128.load{sz}_zero"


def natural_align(keyword: str) -> int:
    """The default alignment exponent of a load/store keyword (its natural alignment)."""
    if keyword in MEMORY_OPS:
        return MEMORY_OPS[keyword].natural_align
    return LANE_MEMORY_OPS[keyword].natural_align


# Keywords with immediates (parsed by the parser's handlers) that a proposal introduced.
for _kw in ("memory.fill", "memory.copy", "memory.init", "data.drop", "table.copy",
            "table.init", "elem.drop"):
    FEATURE_OF[_kw] = "bulk_memory"
for _kw in ("ref.null", "ref.func", "table.get", "table.set", "table.size", "table.grow",
            "table.fill"):
    FEATURE_OF[_kw] = "reference_types"
for _kw in ("return_call", "return_call_indirect", "return_call_ref"):
    FEATURE_OF[_kw] = "tail_call"
for _kw in ("call_ref", "br_on_null", "br_on_non_null"):
    FEATURE_OF[_kw] = "function_references"
FEATURE_OF["v128.const"] = FEATURE_OF["i8x16.shuffle"] = "simd"
for _shape in ("i8x16", "i16x8"):
    FEATURE_OF[f"{_shape}.extract_lane_s"] = FEATURE_OF[f"{_shape}.extract_lane_u"] = "simd"
for _shape in ("i32x4", "i64x2", "f32x4", "f64x2"):
    FEATURE_OF[f"{_shape}.extract_lane"] = "simd"
for _shape in ("i8x16", "i16x8", "i32x4", "i64x2", "f32x4", "f64x2"):
    FEATURE_OF[f"{_shape}.replace_lane"] = "simd"
