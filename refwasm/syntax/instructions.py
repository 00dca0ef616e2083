"""Abstract syntax of instructions (SpecTec ``1.3-syntax.instructions``; 2.0 ``syntax-instr``).

Instructions are grouped by shape as in the spec (``BINOP numtype binop``): a closed union of
frozen, slotted dataclasses, so a ``match`` over ``Instr`` can be checked exhaustively with
``assert_never``.  Opcode bytes and text mnemonics live only in ``binary/`` and ``text/``.

Constants keep exact bits: an ``i32``/``i64`` constant is its unsigned bit pattern, an
``f32``/``f64`` constant its IEEE 754 bit pattern, a ``v128`` constant its 128 bits (lane 0 in
the low-order bits, as memory stores them little-endian).  No Python float is ever stored.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from refwasm.syntax.types import (
    HeapType,
    LaneType,
    NumType,
    PackType,
    RefType,
    TypeIdx,
    TypeUse,
    ValType,
)


class Sx(enum.Enum):
    """``sx``: signedness."""

    U = "u"
    S = "s"


# -- Numeric operators (``unop_``, ``binop_``, ``testop_``, ``relop_``, ``cvtop__``) ----------


class UnOp(enum.Enum):
    """``unop_(numtype)``: integer (``CLZ``..``EXTEND32_S``) and float (``ABS``..) operators."""

    CLZ = "clz"
    CTZ = "ctz"
    POPCNT = "popcnt"
    EXTEND8_S = "extend8_s"
    EXTEND16_S = "extend16_s"
    EXTEND32_S = "extend32_s"
    ABS = "abs"
    NEG = "neg"
    SQRT = "sqrt"
    CEIL = "ceil"
    FLOOR = "floor"
    TRUNC = "trunc"
    NEAREST = "nearest"


class BinOp(enum.Enum):
    """``binop_(numtype)``"""

    ADD = "add"
    SUB = "sub"
    MUL = "mul"
    DIV_S = "div_s"
    DIV_U = "div_u"
    REM_S = "rem_s"
    REM_U = "rem_u"
    AND = "and"
    OR = "or"
    XOR = "xor"
    SHL = "shl"
    SHR_S = "shr_s"
    SHR_U = "shr_u"
    ROTL = "rotl"
    ROTR = "rotr"
    DIV = "div"
    MIN = "min"
    MAX = "max"
    COPYSIGN = "copysign"


class TestOp(enum.Enum):
    """``testop_(numtype)``"""

    EQZ = "eqz"


class RelOp(enum.Enum):
    """``relop_(numtype)``"""

    EQ = "eq"
    NE = "ne"
    LT_S = "lt_s"
    LT_U = "lt_u"
    GT_S = "gt_s"
    GT_U = "gt_u"
    LE_S = "le_s"
    LE_U = "le_u"
    GE_S = "ge_s"
    GE_U = "ge_u"
    LT = "lt"
    GT = "gt"
    LE = "le"
    GE = "ge"


class CvtOp(enum.Enum):
    """``cvtop__(numtype_2, numtype_1)``"""

    EXTEND_S = "extend_s"
    EXTEND_U = "extend_u"
    WRAP = "wrap"
    CONVERT_S = "convert_s"
    CONVERT_U = "convert_u"
    TRUNC_S = "trunc_s"
    TRUNC_U = "trunc_u"
    TRUNC_SAT_S = "trunc_sat_s"
    TRUNC_SAT_U = "trunc_sat_u"
    REINTERPRET = "reinterpret"
    PROMOTE = "promote"
    DEMOTE = "demote"


# -- Vector shapes and operators ----------------------------------------------------------------


class Shape(enum.Enum):
    """``shape`` = ``lanetype X dim`` with lane size times dim = 128."""

    I8X16 = "i8x16"
    I16X8 = "i16x8"
    I32X4 = "i32x4"
    I64X2 = "i64x2"
    F32X4 = "f32x4"
    F64X2 = "f64x2"

    @property
    def lanetype(self) -> LaneType:
        """``$lanetype(shape)``"""
        return _SHAPE_LANES[self][0]

    @property
    def dim(self) -> int:
        """``$dim(shape)``"""
        return _SHAPE_LANES[self][1]

    @property
    def lane_bits(self) -> int:
        """``$lsize($lanetype(shape))``"""
        return 128 // self.dim


_SHAPE_LANES: dict[Shape, tuple[LaneType, int]] = {
    Shape.I8X16: (PackType.I8, 16),
    Shape.I16X8: (PackType.I16, 8),
    Shape.I32X4: (NumType.I32, 4),
    Shape.I64X2: (NumType.I64, 2),
    Shape.F32X4: (NumType.F32, 4),
    Shape.F64X2: (NumType.F64, 2),
}


class VVUnOp(enum.Enum):
    """``vvunop``"""

    NOT = "not"


class VVBinOp(enum.Enum):
    """``vvbinop``"""

    AND = "and"
    ANDNOT = "andnot"
    OR = "or"
    XOR = "xor"


class VVTernOp(enum.Enum):
    """``vvternop``"""

    BITSELECT = "bitselect"


class VVTestOp(enum.Enum):
    """``vvtestop``"""

    ANY_TRUE = "any_true"


class VUnOp(enum.Enum):
    """``vunop_(shape)``"""

    ABS = "abs"
    NEG = "neg"
    POPCNT = "popcnt"
    SQRT = "sqrt"
    CEIL = "ceil"
    FLOOR = "floor"
    TRUNC = "trunc"
    NEAREST = "nearest"


class VBinOp(enum.Enum):
    """``vbinop_(shape)``"""

    ADD = "add"
    SUB = "sub"
    ADD_SAT_S = "add_sat_s"
    ADD_SAT_U = "add_sat_u"
    SUB_SAT_S = "sub_sat_s"
    SUB_SAT_U = "sub_sat_u"
    MUL = "mul"
    AVGR_U = "avgr_u"
    Q15MULR_SAT_S = "q15mulr_sat_s"
    RELAXED_Q15MULR_S = "relaxed_q15mulr_s"
    MIN_S = "min_s"
    MIN_U = "min_u"
    MAX_S = "max_s"
    MAX_U = "max_u"
    DIV = "div"
    MIN = "min"
    MAX = "max"
    PMIN = "pmin"
    PMAX = "pmax"
    RELAXED_MIN = "relaxed_min"
    RELAXED_MAX = "relaxed_max"


class VTernOp(enum.Enum):
    """``vternop_(shape)``"""

    RELAXED_LANESELECT = "relaxed_laneselect"
    RELAXED_MADD = "relaxed_madd"
    RELAXED_NMADD = "relaxed_nmadd"


class VTestOp(enum.Enum):
    """``vtestop_(shape)``"""

    ALL_TRUE = "all_true"


class VRelOp(enum.Enum):
    """``vrelop_(shape)``"""

    EQ = "eq"
    NE = "ne"
    LT_S = "lt_s"
    LT_U = "lt_u"
    GT_S = "gt_s"
    GT_U = "gt_u"
    LE_S = "le_s"
    LE_U = "le_u"
    GE_S = "ge_s"
    GE_U = "ge_u"
    LT = "lt"
    GT = "gt"
    LE = "le"
    GE = "ge"


class VShiftOp(enum.Enum):
    """``vshiftop_(ishape)``"""

    SHL = "shl"
    SHR_S = "shr_s"
    SHR_U = "shr_u"


class VSwizzlOp(enum.Enum):
    """``vswizzlop_(bshape)``"""

    SWIZZLE = "swizzle"
    RELAXED_SWIZZLE = "relaxed_swizzle"


class VExtUnOp(enum.Enum):
    """``vextunop__(ishape_1, ishape_2)``"""

    EXTADD_PAIRWISE_S = "extadd_pairwise_s"
    EXTADD_PAIRWISE_U = "extadd_pairwise_u"


class VExtBinOp(enum.Enum):
    """``vextbinop__(ishape_1, ishape_2)``"""

    EXTMUL_LOW_S = "extmul_low_s"
    EXTMUL_LOW_U = "extmul_low_u"
    EXTMUL_HIGH_S = "extmul_high_s"
    EXTMUL_HIGH_U = "extmul_high_u"
    DOT_S = "dot_s"
    RELAXED_DOT_S = "relaxed_dot_s"


class VExtTernOp(enum.Enum):
    """``vextternop__(ishape_1, ishape_2)``"""

    RELAXED_DOT_ADD_S = "relaxed_dot_add_s"


class VCvtOp(enum.Enum):
    """``vcvtop__(shape_1, shape_2)``"""

    EXTEND_LOW_S = "extend_low_s"
    EXTEND_LOW_U = "extend_low_u"
    EXTEND_HIGH_S = "extend_high_s"
    EXTEND_HIGH_U = "extend_high_u"
    CONVERT_S = "convert_s"
    CONVERT_U = "convert_u"
    CONVERT_LOW_S = "convert_low_s"
    CONVERT_LOW_U = "convert_low_u"
    TRUNC_SAT_S = "trunc_sat_s"
    TRUNC_SAT_U = "trunc_sat_u"
    TRUNC_SAT_S_ZERO = "trunc_sat_s_zero"
    TRUNC_SAT_U_ZERO = "trunc_sat_u_zero"
    RELAXED_TRUNC_S = "relaxed_trunc_s"
    RELAXED_TRUNC_U = "relaxed_trunc_u"
    RELAXED_TRUNC_S_ZERO = "relaxed_trunc_s_zero"
    RELAXED_TRUNC_U_ZERO = "relaxed_trunc_u_zero"
    DEMOTE_ZERO = "demote_zero"
    PROMOTE_LOW = "promote_low"


# -- Memory arguments and load/store operators --------------------------------------------------


@dataclass(frozen=True, slots=True)
class MemArg:
    """``memarg``: ``align`` is the exponent (log2 of the alignment), as in the binary format."""

    align: int
    offset: int


@dataclass(frozen=True, slots=True)
class LoadPack:
    """``loadop_(Inn)`` = ``sz _ sx``: a narrow integer load (``i32.load8_s``)."""

    sz: int
    sx: Sx


@dataclass(frozen=True, slots=True)
class VLoadShape:
    """``SHAPE sz X M _ sx``: ``v128.load8x8_s`` and its kin."""

    sz: int
    m: int
    sx: Sx


@dataclass(frozen=True, slots=True)
class VLoadSplat:
    """``SPLAT sz``: ``v128.load32_splat`` and its kin."""

    sz: int


@dataclass(frozen=True, slots=True)
class VLoadZero:
    """``ZERO sz``: ``v128.load32_zero``, ``v128.load64_zero``."""

    sz: int


VLoadOp = VLoadShape | VLoadSplat | VLoadZero

# ``blocktype``: ``None`` is ``_RESULT eps``, a ``ValType`` is ``_RESULT valtype``, a
# ``TypeIdx`` is ``_IDX typeidx``.
BlockType = ValType | TypeIdx | None


# -- Instructions -------------------------------------------------------------------------------
# Parametric


@dataclass(frozen=True, slots=True)
class Nop:
    """``NOP``"""


@dataclass(frozen=True, slots=True)
class Unreachable:
    """``UNREACHABLE``"""


@dataclass(frozen=True, slots=True)
class Drop:
    """``DROP``"""


@dataclass(frozen=True, slots=True)
class Select:
    """``SELECT (valtype*)?``: ``types`` is ``None`` for the untyped form."""

    types: tuple[ValType, ...] | None = None


# Control


@dataclass(frozen=True, slots=True)
class Block:
    """``BLOCK blocktype instr*``"""

    blocktype: BlockType
    body: tuple[Instr, ...]


@dataclass(frozen=True, slots=True)
class Loop:
    """``LOOP blocktype instr*``"""

    blocktype: BlockType
    body: tuple[Instr, ...]


@dataclass(frozen=True, slots=True)
class If:
    """``IF blocktype instr* ELSE instr*``"""

    blocktype: BlockType
    then: tuple[Instr, ...]
    else_: tuple[Instr, ...]


@dataclass(frozen=True, slots=True)
class Br:
    """``BR labelidx``"""

    label: int


@dataclass(frozen=True, slots=True)
class BrIf:
    """``BR_IF labelidx``"""

    label: int


@dataclass(frozen=True, slots=True)
class BrTable:
    """``BR_TABLE labelidx* labelidx``"""

    labels: tuple[int, ...]
    default: int


@dataclass(frozen=True, slots=True)
class BrOnNull:
    """``BR_ON_NULL labelidx`` (3.0)"""

    label: int


@dataclass(frozen=True, slots=True)
class BrOnNonNull:
    """``BR_ON_NON_NULL labelidx`` (3.0)"""

    label: int


@dataclass(frozen=True, slots=True)
class BrOnCast:
    """``BR_ON_CAST labelidx reftype reftype`` (3.0)"""

    label: int
    rt1: RefType
    rt2: RefType


@dataclass(frozen=True, slots=True)
class BrOnCastFail:
    """``BR_ON_CAST_FAIL labelidx reftype reftype`` (3.0)"""

    label: int
    rt1: RefType
    rt2: RefType


@dataclass(frozen=True, slots=True)
class Return:
    """``RETURN``"""


@dataclass(frozen=True, slots=True)
class Call:
    """``CALL funcidx``"""

    func: int


@dataclass(frozen=True, slots=True)
class CallRef:
    """``CALL_REF typeuse`` (3.0)"""

    typeuse: TypeUse


@dataclass(frozen=True, slots=True)
class CallIndirect:
    """``CALL_INDIRECT tableidx typeuse``"""

    table: int
    typeuse: TypeUse


@dataclass(frozen=True, slots=True)
class ReturnCall:
    """``RETURN_CALL funcidx`` (3.0)"""

    func: int


@dataclass(frozen=True, slots=True)
class ReturnCallRef:
    """``RETURN_CALL_REF typeuse`` (3.0)"""

    typeuse: TypeUse


@dataclass(frozen=True, slots=True)
class ReturnCallIndirect:
    """``RETURN_CALL_INDIRECT tableidx typeuse`` (3.0)"""

    table: int
    typeuse: TypeUse


# Exceptions (3.0)


@dataclass(frozen=True, slots=True)
class Catch:
    """``CATCH tagidx labelidx``"""

    tag: int
    label: int


@dataclass(frozen=True, slots=True)
class CatchRef:
    """``CATCH_REF tagidx labelidx``"""

    tag: int
    label: int


@dataclass(frozen=True, slots=True)
class CatchAll:
    """``CATCH_ALL labelidx``"""

    label: int


@dataclass(frozen=True, slots=True)
class CatchAllRef:
    """``CATCH_ALL_REF labelidx``"""

    label: int


CatchClause = Catch | CatchRef | CatchAll | CatchAllRef


@dataclass(frozen=True, slots=True)
class Throw:
    """``THROW tagidx``"""

    tag: int


@dataclass(frozen=True, slots=True)
class ThrowRef:
    """``THROW_REF``"""


@dataclass(frozen=True, slots=True)
class TryTable:
    """``TRY_TABLE blocktype list(catch) instr*``"""

    blocktype: BlockType
    catches: tuple[CatchClause, ...]
    body: tuple[Instr, ...]


# Variables


@dataclass(frozen=True, slots=True)
class LocalGet:
    """``LOCAL.GET localidx``"""

    local: int


@dataclass(frozen=True, slots=True)
class LocalSet:
    """``LOCAL.SET localidx``"""

    local: int


@dataclass(frozen=True, slots=True)
class LocalTee:
    """``LOCAL.TEE localidx``"""

    local: int


@dataclass(frozen=True, slots=True)
class GlobalGet:
    """``GLOBAL.GET globalidx``"""

    global_: int


@dataclass(frozen=True, slots=True)
class GlobalSet:
    """``GLOBAL.SET globalidx``"""

    global_: int


# Tables


@dataclass(frozen=True, slots=True)
class TableGet:
    """``TABLE.GET tableidx``"""

    table: int


@dataclass(frozen=True, slots=True)
class TableSet:
    """``TABLE.SET tableidx``"""

    table: int


@dataclass(frozen=True, slots=True)
class TableSize:
    """``TABLE.SIZE tableidx``"""

    table: int


@dataclass(frozen=True, slots=True)
class TableGrow:
    """``TABLE.GROW tableidx``"""

    table: int


@dataclass(frozen=True, slots=True)
class TableFill:
    """``TABLE.FILL tableidx``"""

    table: int


@dataclass(frozen=True, slots=True)
class TableCopy:
    """``TABLE.COPY tableidx tableidx`` (destination first)"""

    dst: int
    src: int


@dataclass(frozen=True, slots=True)
class TableInit:
    """``TABLE.INIT tableidx elemidx``"""

    table: int
    elem: int


@dataclass(frozen=True, slots=True)
class ElemDrop:
    """``ELEM.DROP elemidx``"""

    elem: int


# Memories


@dataclass(frozen=True, slots=True)
class Load:
    """``LOAD numtype loadop_(numtype)? memidx memarg``"""

    nt: NumType
    pack: LoadPack | None
    mem: int
    memarg: MemArg


@dataclass(frozen=True, slots=True)
class Store:
    """``STORE numtype storeop_(numtype)? memidx memarg``: ``sz`` for a narrow store."""

    nt: NumType
    sz: int | None
    mem: int
    memarg: MemArg


@dataclass(frozen=True, slots=True)
class VLoad:
    """``VLOAD V128 vloadop? memidx memarg``"""

    op: VLoadOp | None
    mem: int
    memarg: MemArg


@dataclass(frozen=True, slots=True)
class VLoadLane:
    """``VLOAD_LANE V128 sz memidx memarg laneidx``"""

    sz: int
    mem: int
    memarg: MemArg
    lane: int


@dataclass(frozen=True, slots=True)
class VStore:
    """``VSTORE V128 memidx memarg``"""

    mem: int
    memarg: MemArg


@dataclass(frozen=True, slots=True)
class VStoreLane:
    """``VSTORE_LANE V128 sz memidx memarg laneidx``"""

    sz: int
    mem: int
    memarg: MemArg
    lane: int


@dataclass(frozen=True, slots=True)
class MemorySize:
    """``MEMORY.SIZE memidx``"""

    mem: int


@dataclass(frozen=True, slots=True)
class MemoryGrow:
    """``MEMORY.GROW memidx``"""

    mem: int


@dataclass(frozen=True, slots=True)
class MemoryFill:
    """``MEMORY.FILL memidx``"""

    mem: int


@dataclass(frozen=True, slots=True)
class MemoryCopy:
    """``MEMORY.COPY memidx memidx`` (destination first)"""

    dst: int
    src: int


@dataclass(frozen=True, slots=True)
class MemoryInit:
    """``MEMORY.INIT memidx dataidx``"""

    mem: int
    data: int


@dataclass(frozen=True, slots=True)
class DataDrop:
    """``DATA.DROP dataidx``"""

    data: int


# References


@dataclass(frozen=True, slots=True)
class RefNull:
    """``REF.NULL heaptype``"""

    heaptype: HeapType


@dataclass(frozen=True, slots=True)
class RefIsNull:
    """``REF.IS_NULL``"""


@dataclass(frozen=True, slots=True)
class RefFunc:
    """``REF.FUNC funcidx``"""

    func: int


@dataclass(frozen=True, slots=True)
class RefAsNonNull:
    """``REF.AS_NON_NULL`` (3.0)"""


@dataclass(frozen=True, slots=True)
class RefEq:
    """``REF.EQ`` (3.0)"""


@dataclass(frozen=True, slots=True)
class RefTest:
    """``REF.TEST reftype`` (3.0)"""

    reftype: RefType


@dataclass(frozen=True, slots=True)
class RefCast:
    """``REF.CAST reftype`` (3.0)"""

    reftype: RefType


@dataclass(frozen=True, slots=True)
class RefI31:
    """``REF.I31`` (3.0)"""


@dataclass(frozen=True, slots=True)
class I31Get:
    """``I31.GET sx`` (3.0)"""

    sx: Sx


@dataclass(frozen=True, slots=True)
class StructNew:
    """``STRUCT.NEW typeidx`` (3.0)"""

    type: int


@dataclass(frozen=True, slots=True)
class StructNewDefault:
    """``STRUCT.NEW_DEFAULT typeidx`` (3.0)"""

    type: int


@dataclass(frozen=True, slots=True)
class StructGet:
    """``STRUCT.GET sx? typeidx u32`` (3.0)"""

    sx: Sx | None
    type: int
    field: int


@dataclass(frozen=True, slots=True)
class StructSet:
    """``STRUCT.SET typeidx u32`` (3.0)"""

    type: int
    field: int


@dataclass(frozen=True, slots=True)
class ArrayNew:
    """``ARRAY.NEW typeidx`` (3.0)"""

    type: int


@dataclass(frozen=True, slots=True)
class ArrayNewDefault:
    """``ARRAY.NEW_DEFAULT typeidx`` (3.0)"""

    type: int


@dataclass(frozen=True, slots=True)
class ArrayNewFixed:
    """``ARRAY.NEW_FIXED typeidx u32`` (3.0)"""

    type: int
    size: int


@dataclass(frozen=True, slots=True)
class ArrayNewData:
    """``ARRAY.NEW_DATA typeidx dataidx`` (3.0)"""

    type: int
    data: int


@dataclass(frozen=True, slots=True)
class ArrayNewElem:
    """``ARRAY.NEW_ELEM typeidx elemidx`` (3.0)"""

    type: int
    elem: int


@dataclass(frozen=True, slots=True)
class ArrayGet:
    """``ARRAY.GET sx? typeidx`` (3.0)"""

    sx: Sx | None
    type: int


@dataclass(frozen=True, slots=True)
class ArraySet:
    """``ARRAY.SET typeidx`` (3.0)"""

    type: int


@dataclass(frozen=True, slots=True)
class ArrayLen:
    """``ARRAY.LEN`` (3.0)"""


@dataclass(frozen=True, slots=True)
class ArrayFill:
    """``ARRAY.FILL typeidx`` (3.0)"""

    type: int


@dataclass(frozen=True, slots=True)
class ArrayCopy:
    """``ARRAY.COPY typeidx typeidx`` (3.0)"""

    dst: int
    src: int


@dataclass(frozen=True, slots=True)
class ArrayInitData:
    """``ARRAY.INIT_DATA typeidx dataidx`` (3.0)"""

    type: int
    data: int


@dataclass(frozen=True, slots=True)
class ArrayInitElem:
    """``ARRAY.INIT_ELEM typeidx elemidx`` (3.0)"""

    type: int
    elem: int


@dataclass(frozen=True, slots=True)
class ExternConvertAny:
    """``EXTERN.CONVERT_ANY`` (3.0)"""


@dataclass(frozen=True, slots=True)
class AnyConvertExtern:
    """``ANY.CONVERT_EXTERN`` (3.0)"""


# Numeric


@dataclass(frozen=True, slots=True)
class Const:
    """``CONST numtype num_(numtype)``: ``bits`` is the unsigned bit pattern."""

    nt: NumType
    bits: int


@dataclass(frozen=True, slots=True)
class Unop:
    """``UNOP numtype unop_(numtype)``"""

    nt: NumType
    op: UnOp


@dataclass(frozen=True, slots=True)
class Binop:
    """``BINOP numtype binop_(numtype)``"""

    nt: NumType
    op: BinOp


@dataclass(frozen=True, slots=True)
class Testop:
    """``TESTOP numtype testop_(numtype)``"""

    nt: NumType
    op: TestOp


@dataclass(frozen=True, slots=True)
class Relop:
    """``RELOP numtype relop_(numtype)``"""

    nt: NumType
    op: RelOp


@dataclass(frozen=True, slots=True)
class Cvtop:
    """``CVTOP numtype_1 numtype_2 cvtop``: convert a ``nt2`` operand to an ``nt1`` result.

    ``i64.extend_i32_s`` is ``Cvtop(I64, I32, EXTEND_S)``.
    """

    nt1: NumType
    nt2: NumType
    op: CvtOp


# Vector


@dataclass(frozen=True, slots=True)
class VConst:
    """``VCONST V128 vec_(V128)``: ``bits`` is the 128-bit pattern, lane 0 lowest."""

    bits: int


@dataclass(frozen=True, slots=True)
class VVUnop:
    """``VVUNOP V128 vvunop``"""

    op: VVUnOp


@dataclass(frozen=True, slots=True)
class VVBinop:
    """``VVBINOP V128 vvbinop``"""

    op: VVBinOp


@dataclass(frozen=True, slots=True)
class VVTernop:
    """``VVTERNOP V128 vvternop``"""

    op: VVTernOp


@dataclass(frozen=True, slots=True)
class VVTestop:
    """``VVTESTOP V128 vvtestop``"""

    op: VVTestOp


@dataclass(frozen=True, slots=True)
class VUnop:
    """``VUNOP shape vunop_(shape)``"""

    shape: Shape
    op: VUnOp


@dataclass(frozen=True, slots=True)
class VBinop:
    """``VBINOP shape vbinop_(shape)``"""

    shape: Shape
    op: VBinOp


@dataclass(frozen=True, slots=True)
class VTernop:
    """``VTERNOP shape vternop_(shape)``"""

    shape: Shape
    op: VTernOp


@dataclass(frozen=True, slots=True)
class VTestop:
    """``VTESTOP shape vtestop_(shape)``"""

    shape: Shape
    op: VTestOp


@dataclass(frozen=True, slots=True)
class VRelop:
    """``VRELOP shape vrelop_(shape)``"""

    shape: Shape
    op: VRelOp


@dataclass(frozen=True, slots=True)
class VShiftop:
    """``VSHIFTOP ishape vshiftop_(ishape)``"""

    shape: Shape
    op: VShiftOp


@dataclass(frozen=True, slots=True)
class VBitmask:
    """``VBITMASK ishape``"""

    shape: Shape


@dataclass(frozen=True, slots=True)
class VSwizzlop:
    """``VSWIZZLOP bshape vswizzlop_(bshape)``"""

    op: VSwizzlOp


@dataclass(frozen=True, slots=True)
class VShuffle:
    """``VSHUFFLE bshape laneidx*`` (16 lane indices)"""

    lanes: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class VExtunop:
    """``VEXTUNOP ishape_1 ishape_2 vextunop``: result shape ``shape1``, operand ``shape2``."""

    shape1: Shape
    shape2: Shape
    op: VExtUnOp


@dataclass(frozen=True, slots=True)
class VExtbinop:
    """``VEXTBINOP ishape_1 ishape_2 vextbinop``: result shape ``shape1``, operands ``shape2``."""

    shape1: Shape
    shape2: Shape
    op: VExtBinOp


@dataclass(frozen=True, slots=True)
class VExtternop:
    """``VEXTTERNOP ishape_1 ishape_2 vextternop`` (relaxed SIMD)"""

    shape1: Shape
    shape2: Shape
    op: VExtTernOp


@dataclass(frozen=True, slots=True)
class VNarrow:
    """``VNARROW ishape_1 ishape_2 sx``: result shape ``shape1``, operands ``shape2``."""

    shape1: Shape
    shape2: Shape
    sx: Sx


@dataclass(frozen=True, slots=True)
class VCvtop:
    """``VCVTOP shape_1 shape_2 vcvtop``: result shape ``shape1``, operand ``shape2``."""

    shape1: Shape
    shape2: Shape
    op: VCvtOp


@dataclass(frozen=True, slots=True)
class VSplat:
    """``VSPLAT shape``"""

    shape: Shape


@dataclass(frozen=True, slots=True)
class VExtractLane:
    """``VEXTRACT_LANE shape sx? laneidx``"""

    shape: Shape
    sx: Sx | None
    lane: int


@dataclass(frozen=True, slots=True)
class VReplaceLane:
    """``VREPLACE_LANE shape laneidx``"""

    shape: Shape
    lane: int


Instr = (
    Nop | Unreachable | Drop | Select
    | Block | Loop | If | Br | BrIf | BrTable | BrOnNull | BrOnNonNull | BrOnCast | BrOnCastFail
    | Return | Call | CallRef | CallIndirect | ReturnCall | ReturnCallRef | ReturnCallIndirect
    | Throw | ThrowRef | TryTable
    | LocalGet | LocalSet | LocalTee | GlobalGet | GlobalSet
    | TableGet | TableSet | TableSize | TableGrow | TableFill | TableCopy | TableInit | ElemDrop
    | Load | Store | VLoad | VLoadLane | VStore | VStoreLane
    | MemorySize | MemoryGrow | MemoryFill | MemoryCopy | MemoryInit | DataDrop
    | RefNull | RefIsNull | RefFunc | RefAsNonNull | RefEq | RefTest | RefCast
    | RefI31 | I31Get
    | StructNew | StructNewDefault | StructGet | StructSet
    | ArrayNew | ArrayNewDefault | ArrayNewFixed | ArrayNewData | ArrayNewElem
    | ArrayGet | ArraySet | ArrayLen | ArrayFill | ArrayCopy | ArrayInitData | ArrayInitElem
    | ExternConvertAny | AnyConvertExtern
    | Const | Unop | Binop | Testop | Relop | Cvtop
    | VConst | VVUnop | VVBinop | VVTernop | VVTestop
    | VUnop | VBinop | VTernop | VTestop | VRelop | VShiftop | VBitmask | VSwizzlop | VShuffle
    | VExtunop | VExtbinop | VExtternop | VNarrow | VCvtop | VSplat | VExtractLane | VReplaceLane
)

Expr = tuple[Instr, ...]
