"""The opcode tables of the binary format (2.0 ``binary-instr``; SpecTec ``5.3-binary.instructions``).

This is the ONE place that says which byte means which instruction and which proposal enables
it.  Each entry is ``Op(feature, imm, static)``:

* ``feature``: the ``Features`` flag that must be on for the opcode to exist (``None`` for
  Wasm 1.0 opcodes).  With the flag off the decoder reports ``illegal opcode``.
* ``imm``: which immediates follow the opcode (``Imm``); the decoder has one reader per kind,
  the encoder one writer per kind.
* ``static``: the parts of the instruction the opcode itself fixes (``Binop(I32, ADD)`` for
  ``0x6A``; ``(I32, LoadPack(8, S))`` for ``i32.load8_s``).

Three tables: ``OPCODES`` (one byte), ``FC_OPCODES`` and ``FD_OPCODES`` (prefix byte followed
by a ``u32``).  The encoder inverts them (``ENCODINGS``), so the two directions cannot disagree.

Wasm 3.0 opcodes go in ``_proposals_3_0`` below, each with its feature flag, and a reader in
``decode.py`` if it has a new immediate kind: tail calls ``0x12``-``0x15``, typed references
``0x14``, ``0xD4``-``0xD6`` and relaxed SIMD (``0xFD 0x100``-) are there; exceptions
(``0x08``/``0x0A``/``0x1F``), ``ref.eq`` ``0xD3`` and GC ``0xFB`` are ``illegal opcode`` until
added.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

from refwasm.syntax.instructions import (
    BinOp,
    Binop,
    CvtOp,
    Cvtop,
    Drop,
    Instr,
    LoadPack,
    Nop,
    RefAsNonNull,
    RefEq,
    RefIsNull,
    RelOp,
    Relop,
    Return,
    Select,
    Shape,
    Sx,
    TestOp,
    Testop,
    ThrowRef,
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
    VLoadShape,
    VLoadSplat,
    VLoadZero,
    VNarrow,
    VRelOp,
    VRelop,
    VShiftOp,
    VShiftop,
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
from refwasm.syntax.types import (
    EXTERNREF,
    FUNCREF,
    AbsHeapType,
    NumType,
    PackType,
    RefType,
    ValType,
    VecType,
)

I32, I64, F32, F64 = NumType.I32, NumType.I64, NumType.F32, NumType.F64
I8X16, I16X8, I32X4, I64X2 = Shape.I8X16, Shape.I16X8, Shape.I32X4, Shape.I64X2
F32X4, F64X2 = Shape.F32X4, Shape.F64X2

PREFIX_FC = 0xFC
PREFIX_FD = 0xFD
END = 0x0B
ELSE = 0x05


class Imm(enum.Enum):
    """The immediates an opcode is followed by (one decoder and one encoder case each)."""

    PLAIN = "plain"  # none: static = (instr,)
    BLOCK = "block"  # blocktype instr* end
    LOOP = "loop"
    IF = "if"  # blocktype instr* (else instr*)? end
    BR = "br"  # labelidx
    BR_IF = "br_if"
    BR_TABLE = "br_table"  # vec(labelidx) labelidx
    CALL = "call"  # funcidx
    CALL_INDIRECT = "call_indirect"  # typeidx tableidx (a zero byte before reference types)
    SELECT_T = "select_t"  # vec(valtype)
    LOCAL_GET = "local.get"
    LOCAL_SET = "local.set"
    LOCAL_TEE = "local.tee"
    GLOBAL_GET = "global.get"
    GLOBAL_SET = "global.set"
    TABLE_GET = "table.get"  # tableidx
    TABLE_SET = "table.set"
    TABLE_SIZE = "table.size"
    TABLE_GROW = "table.grow"
    TABLE_FILL = "table.fill"
    TABLE_COPY = "table.copy"  # tableidx tableidx
    TABLE_INIT = "table.init"  # elemidx tableidx
    ELEM_DROP = "elem.drop"
    LOAD = "load"  # memarg; static = (numtype, LoadPack | None)
    STORE = "store"  # memarg; static = (numtype, sz | None)
    MEMORY_SIZE = "memory.size"  # 0x00
    MEMORY_GROW = "memory.grow"
    MEMORY_INIT = "memory.init"  # dataidx 0x00
    DATA_DROP = "data.drop"
    MEMORY_COPY = "memory.copy"  # 0x00 0x00
    MEMORY_FILL = "memory.fill"  # 0x00
    REF_NULL = "ref.null"  # heaptype
    REF_FUNC = "ref.func"  # funcidx
    CONST = "const"  # static = (numtype,)
    VLOAD = "v128.load"  # memarg; static = (VLoadOp | None,)
    VSTORE = "v128.store"
    VLOAD_LANE = "v128.load_lane"  # memarg laneidx; static = (sz,)
    VSTORE_LANE = "v128.store_lane"
    VCONST = "v128.const"  # 16 bytes
    VSHUFFLE = "i8x16.shuffle"  # 16 lane indices
    VEXTRACT_LANE = "extract_lane"  # laneidx; static = (shape, sx | None)
    VREPLACE_LANE = "replace_lane"  # laneidx; static = (shape,)
    THROW = "throw"  # tagidx (3.0)
    TRY_TABLE = "try_table"  # blocktype vec(catch) instr* end (3.0)
    RETURN_CALL = "return_call"  # funcidx (3.0)
    RETURN_CALL_INDIRECT = "return_call_indirect"  # typeidx tableidx (3.0)
    CALL_REF = "call_ref"  # typeidx (3.0)
    RETURN_CALL_REF = "return_call_ref"  # typeidx (3.0)
    BR_ON_NULL = "br_on_null"  # labelidx (3.0)
    BR_ON_NON_NULL = "br_on_non_null"  # labelidx (3.0)
    PREFIX_FC = "0xFC"  # a u32 sub-opcode into FC_OPCODES
    PREFIX_FD = "0xFD"  # a u32 sub-opcode into FD_OPCODES
    PREFIX_FB = "0xFB"  # a u32 sub-opcode of the GC instructions (``binary/gc.py``)


@dataclass(frozen=True, slots=True)
class Op:
    """One opcode: the feature enabling it, its immediates and what the opcode fixes."""

    feature: str | None
    imm: Imm
    static: tuple[Any, ...] = ()


OPCODES: dict[int, Op] = {}
FC_OPCODES: dict[int, Op] = {}
FD_OPCODES: dict[int, Op] = {}


def _plain(table: dict[int, Op], code: int, feature: str | None, instr: Instr) -> None:
    table[code] = Op(feature, Imm.PLAIN, (instr,))


def _imm(table: dict[int, Op], code: int, feature: str | None, imm: Imm, *static: Any) -> None:
    table[code] = Op(feature, imm, static)


def _control() -> None:
    """``Binstr/control`` · ``binary-instr-control``, ``Binstr/parametric`` ·
    ``binary-instr-parametric``, ``Binstr/ref`` · ``binary-instr-ref``"""
    _plain(OPCODES, 0x00, None, Unreachable())
    _plain(OPCODES, 0x01, None, Nop())
    _imm(OPCODES, 0x02, None, Imm.BLOCK)
    _imm(OPCODES, 0x03, None, Imm.LOOP)
    _imm(OPCODES, 0x04, None, Imm.IF)
    _imm(OPCODES, 0x0C, None, Imm.BR)
    _imm(OPCODES, 0x0D, None, Imm.BR_IF)
    _imm(OPCODES, 0x0E, None, Imm.BR_TABLE)
    _plain(OPCODES, 0x0F, None, Return())
    _imm(OPCODES, 0x10, None, Imm.CALL)
    _imm(OPCODES, 0x11, None, Imm.CALL_INDIRECT)
    _plain(OPCODES, 0x1A, None, Drop())
    _plain(OPCODES, 0x1B, None, Select(None))
    _imm(OPCODES, 0x1C, "reference_types", Imm.SELECT_T)
    _imm(OPCODES, 0xD0, "reference_types", Imm.REF_NULL)
    _plain(OPCODES, 0xD1, "reference_types", RefIsNull())
    _imm(OPCODES, 0xD2, "reference_types", Imm.REF_FUNC)
    # The prefixes exist in every version; their sub-opcodes carry the feature flags.
    _imm(OPCODES, PREFIX_FC, None, Imm.PREFIX_FC)
    _imm(OPCODES, PREFIX_FD, None, Imm.PREFIX_FD)
    _imm(OPCODES, 0xFB, "gc", Imm.PREFIX_FB)
    _plain(OPCODES, 0xD3, "gc", RefEq())


def _variables_tables_memories() -> None:
    """``Binstr/local``, ``Binstr/global`` · ``binary-instr-variable``, ``Binstr/table`` ·
    ``binary-instr-table``, ``Binstr/memory`` · ``binary-instr-memory``"""
    for code, imm in [
        (0x20, Imm.LOCAL_GET), (0x21, Imm.LOCAL_SET), (0x22, Imm.LOCAL_TEE),
        (0x23, Imm.GLOBAL_GET), (0x24, Imm.GLOBAL_SET),
    ]:  # fmt: skip
        _imm(OPCODES, code, None, imm)
    _imm(OPCODES, 0x25, "reference_types", Imm.TABLE_GET)
    _imm(OPCODES, 0x26, "reference_types", Imm.TABLE_SET)
    _imm(FC_OPCODES, 12, "bulk_memory", Imm.TABLE_INIT)
    _imm(FC_OPCODES, 13, "bulk_memory", Imm.ELEM_DROP)
    _imm(FC_OPCODES, 14, "bulk_memory", Imm.TABLE_COPY)
    _imm(FC_OPCODES, 15, "reference_types", Imm.TABLE_GROW)
    _imm(FC_OPCODES, 16, "reference_types", Imm.TABLE_SIZE)
    _imm(FC_OPCODES, 17, "reference_types", Imm.TABLE_FILL)
    loads: list[tuple[NumType, LoadPack | None]] = [
        (I32, None), (I64, None), (F32, None), (F64, None),
        (I32, LoadPack(8, Sx.S)), (I32, LoadPack(8, Sx.U)),
        (I32, LoadPack(16, Sx.S)), (I32, LoadPack(16, Sx.U)),
        (I64, LoadPack(8, Sx.S)), (I64, LoadPack(8, Sx.U)),
        (I64, LoadPack(16, Sx.S)), (I64, LoadPack(16, Sx.U)),
        (I64, LoadPack(32, Sx.S)), (I64, LoadPack(32, Sx.U)),
    ]  # fmt: skip
    for code, (nt, pack) in enumerate(loads, start=0x28):
        _imm(OPCODES, code, None, Imm.LOAD, nt, pack)
    stores: list[tuple[NumType, int | None]] = [
        (I32, None), (I64, None), (F32, None), (F64, None),
        (I32, 8), (I32, 16), (I64, 8), (I64, 16), (I64, 32),
    ]  # fmt: skip
    for code, (nt, sz) in enumerate(stores, start=0x36):
        _imm(OPCODES, code, None, Imm.STORE, nt, sz)
    _imm(OPCODES, 0x3F, None, Imm.MEMORY_SIZE)
    _imm(OPCODES, 0x40, None, Imm.MEMORY_GROW)
    _imm(FC_OPCODES, 8, "bulk_memory", Imm.MEMORY_INIT)
    _imm(FC_OPCODES, 9, "bulk_memory", Imm.DATA_DROP)
    _imm(FC_OPCODES, 10, "bulk_memory", Imm.MEMORY_COPY)
    _imm(FC_OPCODES, 11, "bulk_memory", Imm.MEMORY_FILL)


_IRELOPS = [RelOp.EQ, RelOp.NE, RelOp.LT_S, RelOp.LT_U, RelOp.GT_S, RelOp.GT_U,
            RelOp.LE_S, RelOp.LE_U, RelOp.GE_S, RelOp.GE_U]  # fmt: skip
_FRELOPS = [RelOp.EQ, RelOp.NE, RelOp.LT, RelOp.GT, RelOp.LE, RelOp.GE]
_IUNOPS = [UnOp.CLZ, UnOp.CTZ, UnOp.POPCNT]
_IBINOPS = [BinOp.ADD, BinOp.SUB, BinOp.MUL, BinOp.DIV_S, BinOp.DIV_U, BinOp.REM_S,
            BinOp.REM_U, BinOp.AND, BinOp.OR, BinOp.XOR, BinOp.SHL, BinOp.SHR_S,
            BinOp.SHR_U, BinOp.ROTL, BinOp.ROTR]  # fmt: skip
_FUNOPS = [UnOp.ABS, UnOp.NEG, UnOp.CEIL, UnOp.FLOOR, UnOp.TRUNC, UnOp.NEAREST, UnOp.SQRT]
_FBINOPS = [BinOp.ADD, BinOp.SUB, BinOp.MUL, BinOp.DIV, BinOp.MIN, BinOp.MAX, BinOp.COPYSIGN]


def _numeric() -> None:
    """``Binstr/num`` · ``binary-instr-numeric``"""
    for code, nt in [(0x41, I32), (0x42, I64), (0x43, F32), (0x44, F64)]:
        _imm(OPCODES, code, None, Imm.CONST, nt)
    _plain(OPCODES, 0x45, None, Testop(I32, TestOp.EQZ))
    for code, op in enumerate(_IRELOPS, start=0x46):
        _plain(OPCODES, code, None, Relop(I32, op))
    _plain(OPCODES, 0x50, None, Testop(I64, TestOp.EQZ))
    for code, op in enumerate(_IRELOPS, start=0x51):
        _plain(OPCODES, code, None, Relop(I64, op))
    for code, op in enumerate(_FRELOPS, start=0x5B):
        _plain(OPCODES, code, None, Relop(F32, op))
    for code, op in enumerate(_FRELOPS, start=0x61):
        _plain(OPCODES, code, None, Relop(F64, op))
    for nt, unops, binops, start in [
        (I32, _IUNOPS, _IBINOPS, 0x67), (I64, _IUNOPS, _IBINOPS, 0x79),
        (F32, _FUNOPS, _FBINOPS, 0x8B), (F64, _FUNOPS, _FBINOPS, 0x99),
    ]:  # fmt: skip
        for code, uop in enumerate(unops, start=start):
            _plain(OPCODES, code, None, Unop(nt, uop))
        for code, bop in enumerate(binops, start=start + len(unops)):
            _plain(OPCODES, code, None, Binop(nt, bop))
    S, U = CvtOp.TRUNC_S, CvtOp.TRUNC_U
    conversions: list[tuple[NumType, NumType, CvtOp]] = [
        (I32, I64, CvtOp.WRAP),
        (I32, F32, S), (I32, F32, U), (I32, F64, S), (I32, F64, U),
        (I64, I32, CvtOp.EXTEND_S), (I64, I32, CvtOp.EXTEND_U),
        (I64, F32, S), (I64, F32, U), (I64, F64, S), (I64, F64, U),
        (F32, I32, CvtOp.CONVERT_S), (F32, I32, CvtOp.CONVERT_U),
        (F32, I64, CvtOp.CONVERT_S), (F32, I64, CvtOp.CONVERT_U), (F32, F64, CvtOp.DEMOTE),
        (F64, I32, CvtOp.CONVERT_S), (F64, I32, CvtOp.CONVERT_U),
        (F64, I64, CvtOp.CONVERT_S), (F64, I64, CvtOp.CONVERT_U), (F64, F32, CvtOp.PROMOTE),
        (I32, F32, CvtOp.REINTERPRET), (I64, F64, CvtOp.REINTERPRET),
        (F32, I32, CvtOp.REINTERPRET), (F64, I64, CvtOp.REINTERPRET),
    ]  # fmt: skip
    for code, (nt1, nt2, cop) in enumerate(conversions, start=0xA7):
        _plain(OPCODES, code, None, Cvtop(nt1, nt2, cop))
    extends = [(I32, UnOp.EXTEND8_S), (I32, UnOp.EXTEND16_S),
               (I64, UnOp.EXTEND8_S), (I64, UnOp.EXTEND16_S), (I64, UnOp.EXTEND32_S)]  # fmt: skip
    for code, (nt, uop) in enumerate(extends, start=0xC0):
        _plain(OPCODES, code, "sign_extension", Unop(nt, uop))
    SS, SU = CvtOp.TRUNC_SAT_S, CvtOp.TRUNC_SAT_U
    saturating = [(I32, F32, SS), (I32, F32, SU), (I32, F64, SS), (I32, F64, SU),
                  (I64, F32, SS), (I64, F32, SU), (I64, F64, SS), (I64, F64, SU)]  # fmt: skip
    for code, (nt1, nt2, cop) in enumerate(saturating):
        _plain(FC_OPCODES, code, "saturating_conversions", Cvtop(nt1, nt2, cop))


def _vector() -> None:
    """``Binstr/vec`` · ``binary-instr-vec``: every 2.0 SIMD opcode (``0xFD`` followed by a ``u32``)."""
    fd = FD_OPCODES

    def plain(code: int, instr: Instr) -> None:
        _plain(fd, code, "simd", instr)

    _imm(fd, 0, "simd", Imm.VLOAD, None)
    vloads = [VLoadShape(8, 8, Sx.S), VLoadShape(8, 8, Sx.U), VLoadShape(16, 4, Sx.S),
              VLoadShape(16, 4, Sx.U), VLoadShape(32, 2, Sx.S), VLoadShape(32, 2, Sx.U),
              VLoadSplat(8), VLoadSplat(16), VLoadSplat(32), VLoadSplat(64)]  # fmt: skip
    for code, vop in enumerate(vloads, start=1):
        _imm(fd, code, "simd", Imm.VLOAD, vop)
    _imm(fd, 11, "simd", Imm.VSTORE)
    _imm(fd, 12, "simd", Imm.VCONST)
    _imm(fd, 13, "simd", Imm.VSHUFFLE)
    plain(14, VSwizzlop(VSwizzlOp.SWIZZLE))
    for code, shape in enumerate([I8X16, I16X8, I32X4, I64X2, F32X4, F64X2], start=15):
        plain(code, VSplat(shape))
    lanes: list[tuple[Imm, Shape, Sx | None]] = [
        (Imm.VEXTRACT_LANE, I8X16, Sx.S), (Imm.VEXTRACT_LANE, I8X16, Sx.U),
        (Imm.VREPLACE_LANE, I8X16, None),
        (Imm.VEXTRACT_LANE, I16X8, Sx.S), (Imm.VEXTRACT_LANE, I16X8, Sx.U),
        (Imm.VREPLACE_LANE, I16X8, None),
        (Imm.VEXTRACT_LANE, I32X4, None), (Imm.VREPLACE_LANE, I32X4, None),
        (Imm.VEXTRACT_LANE, I64X2, None), (Imm.VREPLACE_LANE, I64X2, None),
        (Imm.VEXTRACT_LANE, F32X4, None), (Imm.VREPLACE_LANE, F32X4, None),
        (Imm.VEXTRACT_LANE, F64X2, None), (Imm.VREPLACE_LANE, F64X2, None),
    ]  # fmt: skip
    for code, (imm, shape, sx) in enumerate(lanes, start=21):
        if imm is Imm.VEXTRACT_LANE:
            _imm(fd, code, "simd", imm, shape, sx)
        else:
            _imm(fd, code, "simd", imm, shape)
    virel = [VRelOp.EQ, VRelOp.NE, VRelOp.LT_S, VRelOp.LT_U, VRelOp.GT_S, VRelOp.GT_U,
             VRelOp.LE_S, VRelOp.LE_U, VRelOp.GE_S, VRelOp.GE_U]  # fmt: skip
    vfrel = [VRelOp.EQ, VRelOp.NE, VRelOp.LT, VRelOp.GT, VRelOp.LE, VRelOp.GE]
    for shape, ops, start in [(I8X16, virel, 35), (I16X8, virel, 45), (I32X4, virel, 55),
                              (F32X4, vfrel, 65), (F64X2, vfrel, 71)]:  # fmt: skip
        for code, rop in enumerate(ops, start=start):
            plain(code, VRelop(shape, rop))
    plain(77, VVUnop(VVUnOp.NOT))
    for code, vvop in enumerate([VVBinOp.AND, VVBinOp.ANDNOT, VVBinOp.OR, VVBinOp.XOR], 78):
        plain(code, VVBinop(vvop))
    plain(82, VVTernop(VVTernOp.BITSELECT))
    plain(83, VVTestop(VVTestOp.ANY_TRUE))
    for code, sz in enumerate([8, 16, 32, 64], start=84):
        _imm(fd, code, "simd", Imm.VLOAD_LANE, sz)
    for code, sz in enumerate([8, 16, 32, 64], start=88):
        _imm(fd, code, "simd", Imm.VSTORE_LANE, sz)
    _imm(fd, 92, "simd", Imm.VLOAD, VLoadZero(32))
    _imm(fd, 93, "simd", Imm.VLOAD, VLoadZero(64))
    plain(94, VCvtop(F32X4, F64X2, VCvtOp.DEMOTE_ZERO))
    plain(95, VCvtop(F64X2, F32X4, VCvtOp.PROMOTE_LOW))
    for code, instr in _vector_arith():
        plain(code, instr)


def _vector_arith() -> list[tuple[int, Instr]]:
    """``Binstr/vec`` · ``binary-instr-vec`` opcodes 96-255: lane-wise arithmetic, grouped by shape."""
    B, U, T = VBinop, VUnop, VTestop
    ops: list[tuple[int, Instr]] = []

    def shape_ops(shape: Shape, entries: list[tuple[int, Instr]]) -> None:
        # ``shape`` only labels the group for the reader.
        ops.extend(entries)

    S, Uu = Sx.S, Sx.U
    shape_ops(I8X16, [
        (96, U(I8X16, VUnOp.ABS)), (97, U(I8X16, VUnOp.NEG)), (98, U(I8X16, VUnOp.POPCNT)),
        (99, T(I8X16, VTestOp.ALL_TRUE)), (100, VBitmask(I8X16)),
        (101, VNarrow(I8X16, I16X8, S)), (102, VNarrow(I8X16, I16X8, Uu)),
        (107, VShiftop(I8X16, VShiftOp.SHL)), (108, VShiftop(I8X16, VShiftOp.SHR_S)),
        (109, VShiftop(I8X16, VShiftOp.SHR_U)),
        (110, B(I8X16, VBinOp.ADD)), (111, B(I8X16, VBinOp.ADD_SAT_S)),
        (112, B(I8X16, VBinOp.ADD_SAT_U)), (113, B(I8X16, VBinOp.SUB)),
        (114, B(I8X16, VBinOp.SUB_SAT_S)), (115, B(I8X16, VBinOp.SUB_SAT_U)),
        (118, B(I8X16, VBinOp.MIN_S)), (119, B(I8X16, VBinOp.MIN_U)),
        (120, B(I8X16, VBinOp.MAX_S)), (121, B(I8X16, VBinOp.MAX_U)),
        (123, B(I8X16, VBinOp.AVGR_U)),
    ])  # fmt: skip
    shape_ops(F32X4, [
        (103, U(F32X4, VUnOp.CEIL)), (104, U(F32X4, VUnOp.FLOOR)),
        (105, U(F32X4, VUnOp.TRUNC)), (106, U(F32X4, VUnOp.NEAREST)),
    ])  # fmt: skip
    shape_ops(F64X2, [
        (116, U(F64X2, VUnOp.CEIL)), (117, U(F64X2, VUnOp.FLOOR)),
        (122, U(F64X2, VUnOp.TRUNC)), (148, U(F64X2, VUnOp.NEAREST)),
    ])  # fmt: skip
    shape_ops(I16X8, [
        (124, VExtunop(I16X8, I8X16, VExtUnOp.EXTADD_PAIRWISE_S)),
        (125, VExtunop(I16X8, I8X16, VExtUnOp.EXTADD_PAIRWISE_U)),
        (128, U(I16X8, VUnOp.ABS)), (129, U(I16X8, VUnOp.NEG)),
        (130, B(I16X8, VBinOp.Q15MULR_SAT_S)),
        (131, T(I16X8, VTestOp.ALL_TRUE)), (132, VBitmask(I16X8)),
        (133, VNarrow(I16X8, I32X4, S)), (134, VNarrow(I16X8, I32X4, Uu)),
        (135, VCvtop(I16X8, I8X16, VCvtOp.EXTEND_LOW_S)),
        (136, VCvtop(I16X8, I8X16, VCvtOp.EXTEND_HIGH_S)),
        (137, VCvtop(I16X8, I8X16, VCvtOp.EXTEND_LOW_U)),
        (138, VCvtop(I16X8, I8X16, VCvtOp.EXTEND_HIGH_U)),
        (139, VShiftop(I16X8, VShiftOp.SHL)), (140, VShiftop(I16X8, VShiftOp.SHR_S)),
        (141, VShiftop(I16X8, VShiftOp.SHR_U)),
        (142, B(I16X8, VBinOp.ADD)), (143, B(I16X8, VBinOp.ADD_SAT_S)),
        (144, B(I16X8, VBinOp.ADD_SAT_U)), (145, B(I16X8, VBinOp.SUB)),
        (146, B(I16X8, VBinOp.SUB_SAT_S)), (147, B(I16X8, VBinOp.SUB_SAT_U)),
        (149, B(I16X8, VBinOp.MUL)),
        (150, B(I16X8, VBinOp.MIN_S)), (151, B(I16X8, VBinOp.MIN_U)),
        (152, B(I16X8, VBinOp.MAX_S)), (153, B(I16X8, VBinOp.MAX_U)),
        (155, B(I16X8, VBinOp.AVGR_U)),
        (156, VExtbinop(I16X8, I8X16, VExtBinOp.EXTMUL_LOW_S)),
        (157, VExtbinop(I16X8, I8X16, VExtBinOp.EXTMUL_HIGH_S)),
        (158, VExtbinop(I16X8, I8X16, VExtBinOp.EXTMUL_LOW_U)),
        (159, VExtbinop(I16X8, I8X16, VExtBinOp.EXTMUL_HIGH_U)),
    ])  # fmt: skip
    shape_ops(I32X4, [
        (126, VExtunop(I32X4, I16X8, VExtUnOp.EXTADD_PAIRWISE_S)),
        (127, VExtunop(I32X4, I16X8, VExtUnOp.EXTADD_PAIRWISE_U)),
        (160, U(I32X4, VUnOp.ABS)), (161, U(I32X4, VUnOp.NEG)),
        (163, T(I32X4, VTestOp.ALL_TRUE)), (164, VBitmask(I32X4)),
        (167, VCvtop(I32X4, I16X8, VCvtOp.EXTEND_LOW_S)),
        (168, VCvtop(I32X4, I16X8, VCvtOp.EXTEND_HIGH_S)),
        (169, VCvtop(I32X4, I16X8, VCvtOp.EXTEND_LOW_U)),
        (170, VCvtop(I32X4, I16X8, VCvtOp.EXTEND_HIGH_U)),
        (171, VShiftop(I32X4, VShiftOp.SHL)), (172, VShiftop(I32X4, VShiftOp.SHR_S)),
        (173, VShiftop(I32X4, VShiftOp.SHR_U)),
        (174, B(I32X4, VBinOp.ADD)), (177, B(I32X4, VBinOp.SUB)), (181, B(I32X4, VBinOp.MUL)),
        (182, B(I32X4, VBinOp.MIN_S)), (183, B(I32X4, VBinOp.MIN_U)),
        (184, B(I32X4, VBinOp.MAX_S)), (185, B(I32X4, VBinOp.MAX_U)),
        (186, VExtbinop(I32X4, I16X8, VExtBinOp.DOT_S)),
        (188, VExtbinop(I32X4, I16X8, VExtBinOp.EXTMUL_LOW_S)),
        (189, VExtbinop(I32X4, I16X8, VExtBinOp.EXTMUL_HIGH_S)),
        (190, VExtbinop(I32X4, I16X8, VExtBinOp.EXTMUL_LOW_U)),
        (191, VExtbinop(I32X4, I16X8, VExtBinOp.EXTMUL_HIGH_U)),
        (248, VCvtop(I32X4, F32X4, VCvtOp.TRUNC_SAT_S)),
        (249, VCvtop(I32X4, F32X4, VCvtOp.TRUNC_SAT_U)),
        (252, VCvtop(I32X4, F64X2, VCvtOp.TRUNC_SAT_S_ZERO)),
        (253, VCvtop(I32X4, F64X2, VCvtOp.TRUNC_SAT_U_ZERO)),
    ])  # fmt: skip
    shape_ops(I64X2, [
        (192, U(I64X2, VUnOp.ABS)), (193, U(I64X2, VUnOp.NEG)),
        (195, T(I64X2, VTestOp.ALL_TRUE)), (196, VBitmask(I64X2)),
        (199, VCvtop(I64X2, I32X4, VCvtOp.EXTEND_LOW_S)),
        (200, VCvtop(I64X2, I32X4, VCvtOp.EXTEND_HIGH_S)),
        (201, VCvtop(I64X2, I32X4, VCvtOp.EXTEND_LOW_U)),
        (202, VCvtop(I64X2, I32X4, VCvtOp.EXTEND_HIGH_U)),
        (203, VShiftop(I64X2, VShiftOp.SHL)), (204, VShiftop(I64X2, VShiftOp.SHR_S)),
        (205, VShiftop(I64X2, VShiftOp.SHR_U)),
        (206, B(I64X2, VBinOp.ADD)), (209, B(I64X2, VBinOp.SUB)), (213, B(I64X2, VBinOp.MUL)),
        (214, VRelop(I64X2, VRelOp.EQ)), (215, VRelop(I64X2, VRelOp.NE)),
        (216, VRelop(I64X2, VRelOp.LT_S)), (217, VRelop(I64X2, VRelOp.GT_S)),
        (218, VRelop(I64X2, VRelOp.LE_S)), (219, VRelop(I64X2, VRelOp.GE_S)),
        (220, VExtbinop(I64X2, I32X4, VExtBinOp.EXTMUL_LOW_S)),
        (221, VExtbinop(I64X2, I32X4, VExtBinOp.EXTMUL_HIGH_S)),
        (222, VExtbinop(I64X2, I32X4, VExtBinOp.EXTMUL_LOW_U)),
        (223, VExtbinop(I64X2, I32X4, VExtBinOp.EXTMUL_HIGH_U)),
    ])  # fmt: skip
    for shape, start in [(F32X4, 224), (F64X2, 236)]:
        shape_ops(shape, [
            (start, U(shape, VUnOp.ABS)), (start + 1, U(shape, VUnOp.NEG)),
            (start + 3, U(shape, VUnOp.SQRT)),
            (start + 4, B(shape, VBinOp.ADD)), (start + 5, B(shape, VBinOp.SUB)),
            (start + 6, B(shape, VBinOp.MUL)), (start + 7, B(shape, VBinOp.DIV)),
            (start + 8, B(shape, VBinOp.MIN)), (start + 9, B(shape, VBinOp.MAX)),
            (start + 10, B(shape, VBinOp.PMIN)), (start + 11, B(shape, VBinOp.PMAX)),
        ])  # fmt: skip
    shape_ops(F32X4, [
        (250, VCvtop(F32X4, I32X4, VCvtOp.CONVERT_S)),
        (251, VCvtop(F32X4, I32X4, VCvtOp.CONVERT_U)),
    ])  # fmt: skip
    shape_ops(F64X2, [
        (254, VCvtop(F64X2, I32X4, VCvtOp.CONVERT_LOW_S)),
        (255, VCvtop(F64X2, I32X4, VCvtOp.CONVERT_LOW_U)),
    ])  # fmt: skip
    return ops


def _relaxed_vector() -> None:
    """``Binstr/vec`` · ``binary-instr-vec`` opcodes 256-275: relaxed SIMD (3.0 ``5.3-binary.instructions``).

    ``relaxed_dot_i8x16_i7x16_add_s`` (275) takes ``i8x16`` operands as the syntax demands
    (``vextternop__``: the operand lanes a quarter of the result's); the SpecTec binary rule's
    ``I16 X 8`` is a slip there.
    """
    entries: list[tuple[int, Instr]] = [
        (256, VSwizzlop(VSwizzlOp.RELAXED_SWIZZLE)),
        (257, VCvtop(I32X4, F32X4, VCvtOp.RELAXED_TRUNC_S)),
        (258, VCvtop(I32X4, F32X4, VCvtOp.RELAXED_TRUNC_U)),
        (259, VCvtop(I32X4, F64X2, VCvtOp.RELAXED_TRUNC_S_ZERO)),
        (260, VCvtop(I32X4, F64X2, VCvtOp.RELAXED_TRUNC_U_ZERO)),
        (261, VTernop(F32X4, VTernOp.RELAXED_MADD)), (262, VTernop(F32X4, VTernOp.RELAXED_NMADD)),
        (263, VTernop(F64X2, VTernOp.RELAXED_MADD)), (264, VTernop(F64X2, VTernOp.RELAXED_NMADD)),
        (265, VTernop(I8X16, VTernOp.RELAXED_LANESELECT)),
        (266, VTernop(I16X8, VTernOp.RELAXED_LANESELECT)),
        (267, VTernop(I32X4, VTernOp.RELAXED_LANESELECT)),
        (268, VTernop(I64X2, VTernOp.RELAXED_LANESELECT)),
        (269, VBinop(F32X4, VBinOp.RELAXED_MIN)), (270, VBinop(F32X4, VBinOp.RELAXED_MAX)),
        (271, VBinop(F64X2, VBinOp.RELAXED_MIN)), (272, VBinop(F64X2, VBinOp.RELAXED_MAX)),
        (273, VBinop(I16X8, VBinOp.RELAXED_Q15MULR_S)),
        (274, VExtbinop(I16X8, I8X16, VExtBinOp.RELAXED_DOT_S)),
        (275, VExtternop(I32X4, I8X16, VExtTernOp.RELAXED_DOT_ADD_S)),
    ]  # fmt: skip
    for code, instr in entries:
        _plain(FD_OPCODES, code, "relaxed_simd", instr)


def _proposals_3_0() -> None:
    """Wasm 3.0 opcodes, each gated by its flag (``tail_call``, ``exceptions``,
    ``function_references``, ``gc``, ...): ``Binstr/control``, ``Binstr/reference``."""
    _tail_calls_and_typed_references()


def _tail_calls_and_typed_references() -> None:
    """Tail calls (``0x12``, ``0x13``, ``0x15``) and typed function references (``0x14``,
    ``0xD4``-``0xD6``)."""
    _imm(OPCODES, 0x12, "tail_call", Imm.RETURN_CALL)
    _imm(OPCODES, 0x13, "tail_call", Imm.RETURN_CALL_INDIRECT)
    _imm(OPCODES, 0x14, "function_references", Imm.CALL_REF)
    _imm(OPCODES, 0x15, "tail_call", Imm.RETURN_CALL_REF)
    _plain(OPCODES, 0xD4, "function_references", RefAsNonNull())
    _imm(OPCODES, 0xD5, "function_references", Imm.BR_ON_NULL)
    _imm(OPCODES, 0xD6, "function_references", Imm.BR_ON_NON_NULL)


def _exceptions() -> None:
    """``Binstr/control`` (3.0, ``exceptions``): ``throw``, ``throw_ref``, ``try_table``."""
    _imm(OPCODES, 0x08, "exceptions", Imm.THROW)
    _plain(OPCODES, 0x0A, "exceptions", ThrowRef())
    _imm(OPCODES, 0x1F, "exceptions", Imm.TRY_TABLE)


# The kind byte of each catch clause of ``try_table`` (``Bcatch``).
CATCH, CATCH_REF, CATCH_ALL, CATCH_ALL_REF = 0x00, 0x01, 0x02, 0x03


_control()
_variables_tables_memories()
_numeric()
_vector()
_relaxed_vector()
_proposals_3_0()
_exceptions()


# -- Type codes (``binary-valtype``, ``binary-reftype``): gated like opcodes ----------------

# ``Babsheaptype``: the abstract heap types and the proposal each came with.
ABSHEAPTYPES: dict[int, tuple[str | None, AbsHeapType]] = {
    0x70: ("reference_types", AbsHeapType.FUNC),
    0x6F: ("reference_types", AbsHeapType.EXTERN),
    0x73: ("function_references", AbsHeapType.NOFUNC),
    0x72: ("function_references", AbsHeapType.NOEXTERN),
    0x6E: ("gc", AbsHeapType.ANY),
    0x6D: ("gc", AbsHeapType.EQ),
    0x6C: ("gc", AbsHeapType.I31),
    0x6B: ("gc", AbsHeapType.STRUCT),
    0x6A: ("gc", AbsHeapType.ARRAY),
    0x71: ("gc", AbsHeapType.NONE),
    0x69: ("exceptions", AbsHeapType.EXN),
    0x74: ("exceptions", AbsHeapType.NOEXN),
}

# ``Breftype``: ``0x63 ht`` is ``(ref null ht)``, ``0x64 ht`` is ``(ref ht)``
# (``function_references``); an abstract heap type code alone abbreviates ``(ref null ht)``.
REF_NULL_CODE = 0x63
REF_CODE = 0x64

VALTYPES: dict[int, tuple[str | None, ValType]] = {
    0x7F: (None, I32),
    0x7E: (None, I64),
    0x7D: (None, F32),
    0x7C: (None, F64),
    0x7B: ("simd", VecType.V128),
    **{code: (feature, RefType(True, ht)) for code, (feature, ht) in ABSHEAPTYPES.items()},
}
"""``Bvaltype`` codes of one byte: number and vector types, and the reference type
abbreviations (``0x70`` funcref, ``0x6F`` externref, 3.0's ``0x6E`` anyref ...)."""

# A 2.0 table's and element segment's reference type; ``externref`` needs reference types.
# (With ``function_references`` the decoder reads the whole ``Breftype`` instead.)
REFTYPES: dict[int, tuple[str | None, RefType]] = {
    0x70: (None, FUNCREF),
    0x6F: ("reference_types", EXTERNREF),
}

# The abstract heap types of ``ref.null`` (the instruction itself needs reference types).
HEAPTYPES: dict[int, tuple[str | None, AbsHeapType]] = {
    code: (None if ht in (AbsHeapType.FUNC, AbsHeapType.EXTERN) else feature, ht)
    for code, (feature, ht) in ABSHEAPTYPES.items()
}

FUNC_TYPE_CODE = 0x60
# 3.0 (GC) type definitions: ``Brectype``, ``Bsubtype``, ``Bcomptype``, ``Bstoragetype``.
REC_TYPE_CODE = 0x4E
SUB_FINAL_TYPE_CODE = 0x4F
SUB_TYPE_CODE = 0x50
STRUCT_TYPE_CODE = 0x5F
ARRAY_TYPE_CODE = 0x5E
PACKTYPES: dict[int, PackType] = {0x78: PackType.I8, 0x77: PackType.I16}
# ``Btable``: ``0x40 0x00`` announces a table type followed by its initialiser expression.
TABLE_INIT_CODE = 0x40
EMPTY_BLOCK_TYPE = 0x40


def _encodings() -> dict[tuple[Any, ...], bytes]:
    """The inverse tables: ``(imm, *static)`` (or the instruction itself for ``PLAIN``) to the
    opcode bytes, prefix included."""
    from refwasm.binary.leb128 import encode_u

    inverse: dict[tuple[Any, ...], bytes] = {}
    for prefix, table in [(b"", OPCODES), (bytes([PREFIX_FC]), FC_OPCODES),
                          (bytes([PREFIX_FD]), FD_OPCODES)]:  # fmt: skip
        for code, op in table.items():
            if op.imm in (Imm.PREFIX_FC, Imm.PREFIX_FD, Imm.PREFIX_FB):
                continue
            opcode = prefix + (encode_u(code) if prefix else bytes([code]))
            inverse[(op.imm, *op.static)] = opcode
    return inverse


ENCODINGS = _encodings()
