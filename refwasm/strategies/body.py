"""Type-directed generation of function bodies that are valid where every instruction stands.

The generator keeps the validator's state: a typed operand stack per frame and a control stack
of labels.  Each step picks one instruction *kind* (uniformly among the enabled ones, so rare
opcodes are as likely as common ones), takes its operands from the stack when the top already
has their types, and otherwise pushes fresh operands (constants, ``local.get``, ``global.get``)
first.  A frame is closed by dropping what does not fit and pushing constants for the missing
results; after ``br``, ``br_table``, ``return`` or ``unreachable`` the frame simply ends, as
the stack is then polymorphic.

Every choice is a Hypothesis draw that shrinks toward "stop" or toward the first, simplest
option, so a failing body shrinks to a few instructions.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields
from typing import TypeVar

from hypothesis import strategies as st

from refwasm.binary.opcodes import FC_OPCODES, FD_OPCODES, OPCODES, Imm, Op
from refwasm.strategies.config import SwarmConfig
from refwasm.strategies.values import num_bits
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
    BrIf,
    BrOnCast,
    BrOnCastFail,
    BrOnNonNull,
    BrOnNull,
    BrTable,
    Call,
    CallIndirect,
    CallRef,
    Const,
    CvtOp,
    Cvtop,
    DataDrop,
    Drop,
    ElemDrop,
    ExternConvertAny,
    GlobalGet,
    GlobalSet,
    I31Get,
    If,
    Instr,
    Load,
    LoadPack,
    LocalGet,
    LocalSet,
    LocalTee,
    Loop,
    MemArg,
    MemoryCopy,
    MemoryFill,
    MemoryGrow,
    MemoryInit,
    MemorySize,
    Nop,
    RefAsNonNull,
    RefCast,
    RefFunc,
    RefI31,
    RefIsNull,
    RefNull,
    RefTest,
    RelOp,
    Relop,
    Return,
    ReturnCall,
    ReturnCallIndirect,
    ReturnCallRef,
    Select,
    Shape,
    Store,
    StructGet,
    StructNew,
    StructNewDefault,
    StructSet,
    TableCopy,
    TableFill,
    TableGet,
    TableGrow,
    TableInit,
    TableSet,
    TableSize,
    TestOp,
    Testop,
    Throw,
    TryTable,
    UnOp,
    Unop,
    Unreachable,
    VBinOp,
    VBinop,
    VBitmask,
    VConst,
    VCvtOp,
    VCvtop,
    VExtbinop,
    VExtractLane,
    VExtternop,
    VExtunop,
    VLoad,
    VLoadLane,
    VLoadOp,
    VLoadShape,
    VLoadSplat,
    VLoadZero,
    VNarrow,
    VRelOp,
    VRelop,
    VReplaceLane,
    VShiftop,
    VShuffle,
    VSplat,
    VStore,
    VStoreLane,
    VSwizzlop,
    VTernOp,
    VTernop,
    VTestop,
    VUnOp,
    VUnop,
    VVBinop,
    VVTernOp,
    VVTernop,
    VVTestop,
    VVUnop,
)
from refwasm.syntax.types import (
    EXTERNREF,
    FUNCREF,
    AbsHeapType,
    AddrType,
    ArrayType,
    FuncType,
    GlobalType,
    HeapType,
    MemType,
    Mut,
    NumType,
    PackType,
    RefType,
    StructType,
    TableType,
    TypeIdx,
    ValType,
    VecType,
)

I32, I64, F32, F64 = NumType.I32, NumType.I64, NumType.F32, NumType.F64
V128 = VecType.V128
PAGE = 65536
MAX_DEPTH = 8  # nesting of blocks; deeper bodies add little and cost Python recursion

Draw = st.DrawFn
T = TypeVar("T")
_MORE = st.integers(0, 31)  # 0 (where shrinking goes) ends a sequence
_INTEGERS: dict[tuple[int, int], st.SearchStrategy[int]] = {}


def _integers(lo: int, hi: int) -> st.SearchStrategy[int]:
    strategy = _INTEGERS.get((lo, hi))
    if strategy is None:
        strategy = _INTEGERS[(lo, hi)] = st.integers(lo, hi)
    return strategy


Sig = tuple[tuple[ValType, ...], tuple[ValType, ...]]


@dataclass(frozen=True, slots=True)
class Options:
    """The module-wide generation options of ``modules()`` (see its docstring)."""

    fuel: int | None = None
    canonicalize_nans: bool = False
    disallow_traps: bool = False
    max_table_size: int = 16
    max_memory_pages: int = 4


@dataclass(frozen=True, slots=True)
class SegmentInfo:
    """What a body needs to know of a data or element segment."""

    length: int
    passive: bool
    reftype: RefType | None = None  # element segments only


@dataclass(slots=True)
class ModuleContext:
    """The module's index spaces, fixed before any body is drawn."""

    config: SwarmConfig
    options: Options
    types: list[FuncType]
    funcs: list[FuncType]
    globals: list[GlobalType]
    tables: list[TableType]
    mems: list[MemType]
    datas: list[SegmentInfo]
    elems: list[SegmentInfo]
    declared: list[int]  # functions ``ref.func`` may name
    fuel_global: int | None = None
    # GC: the struct and array types (their type index and composite type), each one's
    # declared subtypes (``sub``), and the scratch local of each type's nullable reference.
    gc_types: list[tuple[int, StructType | ArrayType]] = field(default_factory=list)
    gc_subtypes: dict[int, list[int]] = field(default_factory=dict)
    # Exception handling: each tag's parameter types, and the type index of each block type
    # ``[] -> t*`` a ``try_table``'s handler block needs.
    tags: list[tuple[ValType, ...]] = field(default_factory=list)
    blocktypes: dict[tuple[ValType, ...], int] = field(default_factory=dict)


# -- Operand signatures of the plain (table-driven) instructions --------------------------------

_NAN_UNOPS = {UnOp.SQRT, UnOp.CEIL, UnOp.FLOOR, UnOp.TRUNC, UnOp.NEAREST}
_NAN_BINOPS = {BinOp.ADD, BinOp.SUB, BinOp.MUL, BinOp.DIV, BinOp.MIN, BinOp.MAX}
_NAN_VUNOPS = {VUnOp.SQRT, VUnOp.CEIL, VUnOp.FLOOR, VUnOp.TRUNC, VUnOp.NEAREST}
_NAN_VBINOPS = {VBinOp.ADD, VBinOp.SUB, VBinOp.MUL, VBinOp.DIV, VBinOp.MIN, VBinOp.MAX,
                VBinOp.RELAXED_MIN, VBinOp.RELAXED_MAX}  # fmt: skip
_NAN_VTERNOPS = {VTernOp.RELAXED_MADD, VTernOp.RELAXED_NMADD}


def unpacked(shape: Shape) -> NumType:
    """``$unpack(lanetype)``: the scalar type a lane is read as."""
    lt = shape.lanetype
    return I32 if isinstance(lt, PackType) else lt


def signature(i: Instr) -> Sig | None:
    """Operand and result types of a numeric, vector or plain parametric instruction (the
    instruction typing rules ``valid-unop`` .. ``valid-vec-replace_lane``); ``None`` for the
    rest, which the generator handles one by one."""
    match i:
        case Const(nt, _):
            return (), (nt,)
        case Unop(nt, _):
            return (nt,), (nt,)
        case Binop(nt, _):
            return (nt, nt), (nt,)
        case Testop(nt, _):
            return (nt,), (I32,)
        case Relop(nt, _):
            return (nt, nt), (I32,)
        case Cvtop(nt1, nt2, _):
            return (nt2,), (nt1,)
        case VVUnop() | VUnop() | VExtunop() | VCvtop():
            return (V128,), (V128,)
        case VVBinop() | VBinop() | VRelop() | VSwizzlop() | VShuffle() | VExtbinop() | VNarrow():
            return (V128, V128), (V128,)
        case VVTernop() | VTernop() | VExtternop():
            return (V128, V128, V128), (V128,)
        case VVTestop() | VTestop() | VBitmask():
            return (V128,), (I32,)
        case VShiftop():
            return (V128, I32), (V128,)
        case VSplat(shape):
            return (unpacked(shape),), (V128,)
        case VExtractLane(shape, _, _):
            return (V128,), (unpacked(shape),)
        case VReplaceLane(shape, _):
            return (V128, unpacked(shape)), (V128,)
        case Nop():
            return (), ()
    return None


def nan_result(i: Instr) -> ValType | None:
    """The float type whose NaN payload ``i`` may choose nondeterministically (``fN`` or the
    v128 of a float shape, returned as its shape's scalar), or ``None``."""
    match i:
        case Unop(nt, op) if not nt.is_int and op in _NAN_UNOPS:
            return nt
        case Binop(nt, op) if not nt.is_int and op in _NAN_BINOPS:
            return nt
        case Cvtop(nt1, _, CvtOp.PROMOTE | CvtOp.DEMOTE):
            return nt1
        case VUnop(shape, op) if op in _NAN_VUNOPS and shape in (Shape.F32X4, Shape.F64X2):
            return unpacked(shape)
        case VBinop(shape, op) if op in _NAN_VBINOPS and shape in (Shape.F32X4, Shape.F64X2):
            return unpacked(shape)
        case VCvtop(shape1, _, VCvtOp.DEMOTE_ZERO | VCvtOp.PROMOTE_LOW):
            return unpacked(shape1)
        case VTernop(shape, op) if op in _NAN_VTERNOPS:
            return unpacked(shape)
    return None


# -- Kinds: one entry per opcode of the binary tables -------------------------------------------


@dataclass(frozen=True, slots=True)
class Kind:
    """One opcode: its table entry and the feature/class flag of ``SwarmConfig`` gating it."""

    key: tuple[object, ...]
    op: Op
    flag: str


def kind_key(i: Instr) -> tuple[object, ...]:
    """The opcode-table key of an instruction: the instruction itself for opcodes without
    immediates, else ``(imm, *static)`` (the inverse tables' key, ``opcodes.ENCODINGS``)."""
    match i:
        case Select(types) if types is not None:
            return (Imm.SELECT_T,)
        case Load(nt, pack, _, _):
            return (Imm.LOAD, nt, pack)
        case Store(nt, sz, _, _):
            return (Imm.STORE, nt, sz)
        case Const(nt, _):
            return (Imm.CONST, nt)
        case VLoad(op, _, _):
            return (Imm.VLOAD, op)
        case VLoadLane(sz, _, _, _):
            return (Imm.VLOAD_LANE, sz)
        case VStoreLane(sz, _, _, _):
            return (Imm.VSTORE_LANE, sz)
        case VExtractLane(shape, sx, _):
            return (Imm.VEXTRACT_LANE, shape, sx)
        case VReplaceLane(shape, _):
            return (Imm.VREPLACE_LANE, shape)
    imm = _IMM_OF.get(type(i))
    if imm is None and type(i) in GC_PREFIXED:
        return (Imm.PREFIX_FB,)
    return (imm,) if imm is not None else (Imm.PLAIN, i)


_IMM_OF: dict[type, Imm] = {
    Block: Imm.BLOCK, Loop: Imm.LOOP, If: Imm.IF, Br: Imm.BR, BrIf: Imm.BR_IF,
    BrTable: Imm.BR_TABLE, Call: Imm.CALL, CallIndirect: Imm.CALL_INDIRECT,
    LocalGet: Imm.LOCAL_GET, LocalSet: Imm.LOCAL_SET, LocalTee: Imm.LOCAL_TEE,
    GlobalGet: Imm.GLOBAL_GET, GlobalSet: Imm.GLOBAL_SET, TableGet: Imm.TABLE_GET,
    TableSet: Imm.TABLE_SET, TableSize: Imm.TABLE_SIZE, TableGrow: Imm.TABLE_GROW,
    TableFill: Imm.TABLE_FILL, TableCopy: Imm.TABLE_COPY, TableInit: Imm.TABLE_INIT,
    ElemDrop: Imm.ELEM_DROP, MemorySize: Imm.MEMORY_SIZE, MemoryGrow: Imm.MEMORY_GROW,
    MemoryInit: Imm.MEMORY_INIT, DataDrop: Imm.DATA_DROP, MemoryCopy: Imm.MEMORY_COPY,
    MemoryFill: Imm.MEMORY_FILL, RefNull: Imm.REF_NULL, RefFunc: Imm.REF_FUNC,
    VStore: Imm.VSTORE, VConst: Imm.VCONST, VShuffle: Imm.VSHUFFLE,
    ReturnCall: Imm.RETURN_CALL, ReturnCallIndirect: Imm.RETURN_CALL_INDIRECT,
    CallRef: Imm.CALL_REF, ReturnCallRef: Imm.RETURN_CALL_REF, BrOnNull: Imm.BR_ON_NULL,
    BrOnNonNull: Imm.BR_ON_NON_NULL, Throw: Imm.THROW, TryTable: Imm.TRY_TABLE,
}  # fmt: skip

# The GC instructions (the 0xFB opcodes): one kind, ``Imm.PREFIX_FB``, whose handler draws one
# of them with the code around it (``refwasm.strategies.gc``).
GC_PREFIXED: frozenset[type] = frozenset({
    StructNew, StructNewDefault, StructGet, StructSet, ArrayNew, ArrayNewDefault, ArrayNewFixed,
    ArrayGet, ArraySet, ArrayLen, ArrayFill, ArrayCopy, RefI31, I31Get, RefTest, RefCast,
    BrOnCast, BrOnCastFail, AnyConvertExtern, ExternConvertAny,
})

_CLASS_OF_IMM: dict[Imm, str] = {
    Imm.BLOCK: "control", Imm.LOOP: "control", Imm.IF: "control", Imm.BR: "control",
    Imm.BR_IF: "control", Imm.BR_TABLE: "control", Imm.CALL: "calls",
    Imm.CALL_INDIRECT: "call_indirect", Imm.LOCAL_GET: "", Imm.LOCAL_SET: "",
    Imm.LOCAL_TEE: "", Imm.GLOBAL_GET: "globals", Imm.GLOBAL_SET: "globals",
    Imm.LOAD: "memory", Imm.STORE: "memory", Imm.MEMORY_SIZE: "memory",
    Imm.MEMORY_GROW: "memory",
}  # fmt: skip


def _class_of(op: Op) -> str:
    """The ``SwarmConfig`` flag gating an opcode: its proposal, else its instruction class."""
    if op.feature is not None:
        return op.feature
    if op.imm in _CLASS_OF_IMM:
        return _CLASS_OF_IMM[op.imm]
    if op.imm is Imm.CONST:
        return "int_numeric" if op.static[0].is_int else "float_numeric"
    instr = op.static[0] if op.static else None
    if isinstance(instr, Unop | Binop | Testop | Relop):
        return "int_numeric" if instr.nt.is_int else "float_numeric"
    if isinstance(instr, Cvtop):
        return "int_numeric" if instr.nt1.is_int and instr.nt2.is_int else "float_numeric"
    return "control"  # unreachable, nop, return, drop, select


def all_kinds() -> list[Kind]:
    """Every instruction kind of the binary opcode tables that the generator knows (the
    generator's and the coverage test's target set), in table order: the proposals a
    ``SwarmConfig`` can switch on (the GC opcodes behind the 0xFB prefix are one kind)."""
    known = {f.name for f in fields(SwarmConfig)}
    kinds = []
    for table in (OPCODES, FC_OPCODES, FD_OPCODES):
        for op in table.values():
            if op.imm in (Imm.PREFIX_FC, Imm.PREFIX_FD):
                continue
            if op.feature is not None and op.feature not in known:
                continue
            key = (Imm.PLAIN, op.static[0]) if op.imm is Imm.PLAIN else (op.imm, *op.static)
            kinds.append(Kind(key, op, _class_of(op)))
    return kinds


ALL_KINDS = all_kinds()


# -- The body generator -------------------------------------------------------------------------


@dataclass(slots=True)
class Label:
    """A control frame: the types a branch to it carries (``labeltype``)."""

    types: tuple[ValType, ...]


@dataclass(slots=True)
class BodyGen:
    """Draws one function body under a module context."""

    draw: Draw
    ctx: ModuleContext
    functype: FuncType
    locals: list[ValType]  # params then declared locals (scratch locals included)
    scratch: dict[ValType, int]
    budget: int
    labels: list[Label] = field(default_factory=list)
    kinds: list[Kind] = field(default_factory=list)
    current: tuple[list[Instr], list[ValType]] = field(default_factory=lambda: ([], []))
    steps: st.SearchStrategy[bool] = field(init=False)

    def __post_init__(self) -> None:
        self.steps = st.composite(lambda draw: self.one_step(draw))()

    # ---- draws (strategies are built once: building one per draw costs more than the draw)

    def choose(self, lo: int, hi: int) -> int:
        """An integer in ``[lo, hi]``, shrinking toward ``lo``."""
        return self.draw(_integers(lo, hi))

    def pick(self, items: Sequence[T]) -> T:
        """One of ``items``, shrinking toward the first."""
        return items[self.choose(0, len(items) - 1)]

    # ---- entry point

    def body(self) -> list[Instr]:
        """``valid-func``: the body is a block of the function's results."""
        self.labels = [Label(self.functype.results)]
        out = self.fuel_check()
        out += self.seq([], self.functype.results)
        return out

    def seq(self, stack: list[ValType], results: Sequence[ValType]) -> list[Instr]:
        """An instruction sequence turning ``stack`` into exactly ``results``."""
        out: list[Instr] = []
        # Like ``st.lists``: a "more?" draw before each step, and each step in its own span,
        # so that the shrinker can delete a step whole and keep the rest aligned.
        while self.budget > 0 and self.draw(_MORE) > 0:
            self.budget -= 1
            self.current = (out, stack)
            if self.draw(self.steps):
                return out  # stack-polymorphic: the frame needs no closing
        self.close(out, stack, results)
        return out

    def one_step(self, draw: Draw) -> bool:
        """The body of ``steps``: one instruction kind and its instruction."""
        out, stack = self.current
        # Hypothesis skews bounded integers toward the ends of small ranges; a wide draw
        # taken modulo the count spreads kinds evenly and still shrinks to the first one.
        kind = self.kinds[self.choose(0, 0xFFFF) % len(self.kinds)]
        return self.step(kind, out, stack)

    def close(self, out: list[Instr], stack: list[ValType], results: Sequence[ValType]) -> None:
        """Drop what does not fit the block's results, then push constants for the rest."""
        while not (len(stack) <= len(results) and stack == list(results[: len(stack)])):
            stack.pop()
            out.append(Drop())
        for t in results[len(stack) :]:
            self.produce_const(out, t)
            stack.append(t)

    # ---- operands

    def operands(
        self,
        out: list[Instr],
        stack: list[ValType],
        ins: Sequence[ValType],
        guards: dict[int, list[Instr]] | None = None,
    ) -> None:
        """Make ``ins`` the top of the stack and consume them; ``guards[k]`` is code applied to
        operand ``k`` right after it is produced (masks, divisor fixes, fuel charges)."""
        guards = guards or {}
        n = len(ins)
        reuse = n > 0 and stack[len(stack) - n :] == list(ins) and all(k == n - 1 for k in guards)
        if reuse and self.choose(0, 3) > 0:
            del stack[len(stack) - n :]
            out.extend(guards.get(n - 1, []))
            return
        for k, t in enumerate(ins):
            self.produce(out, t)
            out.extend(guards.get(k, []))

    def produce(self, out: list[Instr], t: ValType) -> None:
        """Push one value of type ``t``: a constant, a local or a global."""
        choice = self.choose(0, 2)
        if choice == 1:
            candidates = [i for i, lt in enumerate(self.locals) if lt == t]
            if candidates:
                out.append(LocalGet(self.pick(candidates)))
                return
        if choice == 2 and self.ctx.config.globals:
            candidates = [i for i, g in enumerate(self.ctx.globals) if g.valtype == t]
            if candidates:
                out.append(GlobalGet(self.pick(candidates)))
                return
        self.produce_const(out, t)

    def produce_const(self, out: list[Instr], t: ValType) -> None:
        """A constant of type ``t`` (``ref.null``, or ``ref.func`` of a declared function)."""
        if isinstance(t, RefType):
            declared = self.ctx.declared
            if t == FUNCREF and declared and self.choose(0, 1) == 1:
                out.append(RefFunc(self.pick(declared)))
            else:
                out.append(RefNull(_heap(t)))
        elif t is V128:
            out.append(VConst(self.draw(num_bits(V128))))
        else:
            out.append(Const(t, self.draw(num_bits(t))))

    def const_i32(self, value: int) -> Instr:
        return Const(I32, value & 0xFFFF_FFFF)

    def const(self, nt: NumType, value: int) -> Instr:
        """An integer constant of ``nt`` (the value wrapped to its width)."""
        return Const(nt, value & ((1 << nt.bits) - 1))

    # ---- one step

    def step(self, kind: Kind, out: list[Instr], stack: list[ValType]) -> bool:
        """Emit one instruction of ``kind`` (with its operands); True if the frame ended."""
        op = kind.op
        if op.imm is Imm.PLAIN:
            special = PLAIN_HANDLERS.get(type(op.static[0]))
            if special is not None:
                return special(self, op, out, stack)
            return self.plain(op.static[0], out, stack)
        handler = _HANDLERS.get(op.imm)
        if handler is None:
            return self.typed(self.static_instr(op), out, stack)
        return handler(self, op, out, stack)

    def emit(
        self, instr: Instr, out: list[Instr], stack: list[ValType], outs: Sequence[ValType]
    ) -> None:
        out.append(instr)
        stack.extend(outs)

    def plain(self, instr: Instr, out: list[Instr], stack: list[ValType]) -> bool:
        """An opcode without immediates."""
        opts = self.ctx.options
        match instr:
            case Unreachable():
                if opts.disallow_traps:
                    return False
                out.append(instr)
                return True
            case Return():
                self.operands(out, stack, self.functype.results)
                out.append(instr)
                return True
            case Drop():
                t = stack[-1] if stack else I32
                self.operands(out, stack, (t,))
                out.append(instr)
                return False
            case Select():
                t = stack[-1] if stack and not isinstance(stack[-1], RefType) else I32
                if self.ctx.config.float_numeric and self.choose(0, 1) == 1:
                    t = self.pick(self.numeric_types())
                self.operands(out, stack, (t, t, I32))
                self.emit(instr, out, stack, (t,))
                return False
            case RefIsNull():
                t = stack[-1] if stack and isinstance(stack[-1], RefType) else FUNCREF
                self.operands(out, stack, (t,))
                self.emit(instr, out, stack, (I32,))
                return False
            case RefAsNonNull():
                # Traps on null, which the generator produces: not under disallow_traps.
                if opts.disallow_traps:
                    return False
                t = _nullable_ref(self, out, stack)
                self.emit(instr, out, stack, (t,))
                return False
        return self.typed(instr, out, stack)

    def typed(self, instr: Instr | None, out: list[Instr], stack: list[ValType]) -> bool:
        """A numeric or vector instruction of known signature, with trap guards and NaN
        canonicalisation as the options ask."""
        if instr is None:
            return False
        sig = signature(instr)
        if sig is None:
            return False
        ins, outs = sig
        guards: dict[int, list[Instr]] = {}
        if self.ctx.options.disallow_traps:
            fix = self.trap_fix(instr)
            if fix is None:
                return False
            if fix:
                guards[len(ins) - 1] = fix
        self.operands(out, stack, ins, guards)
        self.emit(instr, out, stack, outs)
        if self.ctx.options.canonicalize_nans:
            nan = nan_result(instr)
            if nan is not None:
                out.extend(self.canonicalize(nan, vector=outs == (V128,)))
        return False

    def trap_fix(self, instr: Instr) -> list[Instr] | None:
        """Code making the top operand of ``instr`` safe, ``[]`` if none is needed, ``None``
        if the instruction cannot be made trap-free (a non-saturating truncation)."""
        match instr:
            case Binop(nt, BinOp.DIV_S) if nt.is_int:
                # Nonzero and positive: neither division by zero nor MIN / -1 overflow.
                high = (1 << (nt.bits - 1)) - 1
                return [Const(nt, high), Binop(nt, BinOp.AND), Const(nt, 1), Binop(nt, BinOp.OR)]
            case Binop(nt, BinOp.DIV_U | BinOp.REM_S | BinOp.REM_U) if nt.is_int:
                return [Const(nt, 1), Binop(nt, BinOp.OR)]
            case Cvtop(_, _, CvtOp.TRUNC_S | CvtOp.TRUNC_U):
                return None
        return []

    def canonicalize(self, t: ValType, *, vector: bool) -> list[Instr]:
        """``x != x ? canonical NaN : x`` for the value on top of the stack (lane-wise for a
        vector, with ``v128.bitselect`` on the lane-wise ``eq`` mask).  The scratch local is a
        local the body may read later, so it is left holding the canonical value, not the raw
        NaN."""
        nt = t if isinstance(t, NumType) else F32
        canon = 0x7FC0_0000 if nt is F32 else 0x7FF8_0000_0000_0000
        if not vector:
            tmp = self.scratch[nt]
            return [LocalSet(tmp), Const(nt, canon), LocalGet(tmp), LocalGet(tmp),
                    LocalGet(tmp), Relop(nt, RelOp.NE), Select(None), LocalTee(tmp)]  # fmt: skip
        tmp = self.scratch[V128]
        shape = Shape.F32X4 if nt is F32 else Shape.F64X2
        splat = sum(canon << (k * nt.bits) for k in range(128 // nt.bits))
        return [LocalSet(tmp), LocalGet(tmp), VConst(splat), LocalGet(tmp), LocalGet(tmp),
                VRelop(shape, _EQ), VVTernop(VVTernOp.BITSELECT), LocalTee(tmp)]  # fmt: skip

    def static_instr(self, op: Op) -> Instr | None:
        """Complete a table entry whose only immediates are constants or lane indices."""
        match op.imm:
            case Imm.CONST:
                nt = op.static[0]
                return Const(nt, self.draw(num_bits(nt)))
            case Imm.VCONST:
                return VConst(self.draw(num_bits(V128)))
            case Imm.VSHUFFLE:
                lanes = [self.choose(0, 31) for _ in range(16)]
                return VShuffle(tuple(lanes))
            case Imm.VEXTRACT_LANE:
                shape, sx = op.static
                return VExtractLane(shape, sx, self.choose(0, shape.dim - 1))
            case Imm.VREPLACE_LANE:
                (shape,) = op.static
                return VReplaceLane(shape, self.choose(0, shape.dim - 1))
        return None

    def numeric_types(self) -> list[ValType]:
        types: list[ValType] = [I32, I64, F32, F64]
        if self.ctx.config.simd:
            types.append(V128)
        return types

    # ---- termination

    def fuel_check(self) -> list[Instr]:
        """``unreachable`` when the fuel global is 0, else decrement it by one."""
        g = self.ctx.fuel_global
        if g is None:
            return []
        return [GlobalGet(g), Testop(I32, _EQZ), If(None, (Unreachable(),), ()),
                GlobalGet(g), Const(I32, 1), Binop(I32, BinOp.SUB), GlobalSet(g)]  # fmt: skip

    def fuel_charge(self) -> list[Instr]:
        """Charge the length on top of the stack (a bulk operation's ``n``) to the fuel,
        trapping when it exceeds what is left; the stack is unchanged."""
        g = self.ctx.fuel_global
        if g is None:
            return []
        n = self.scratch[I32]
        return [LocalTee(n), LocalGet(n), GlobalGet(g), Relop(I32, RelOp.GT_U),
                If(None, (Unreachable(),), ()),
                GlobalGet(g), LocalGet(n), Binop(I32, BinOp.SUB), GlobalSet(g)]  # fmt: skip


_EQZ = TestOp.EQZ
_EQ = VRelOp.EQ


def _heap(t: RefType) -> HeapType:
    """The heap type ``ref.null`` takes for a nullable reference type on the stack."""
    ht = t.heaptype
    return ht if isinstance(ht, AbsHeapType | TypeIdx) else AbsHeapType.FUNC


Handler = Callable[[BodyGen, Op, list[Instr], list[ValType]], bool]
_HANDLERS: dict[Imm, Handler] = {}
# Opcodes without immediates that need their own handler (``ref.eq``, ``throw_ref``).
PLAIN_HANDLERS: dict[type, Handler] = {}


def _handler(*imms: Imm) -> Callable[[Handler], Handler]:
    def register(f: Handler) -> Handler:
        for imm in imms:
            _HANDLERS[imm] = f
        return f

    return register


# ---- control (``valid-block``, ``valid-loop``, ``valid-if``, ``valid-br*``, ``valid-call*``)


def _valtypes(g: BodyGen) -> list[ValType]:
    types = g.numeric_types()
    if g.ctx.config.reference_types:
        types += [FUNCREF, EXTERNREF]
    return types


def _blocktype(g: BodyGen) -> tuple[TypeIdx | ValType | None, FuncType]:
    """``blocktype``: empty, one result, or (multi-value) any type of the module."""
    choice = g.choose(0, 2)
    if choice == 2 and g.ctx.config.multi_value and g.ctx.types:
        x = g.choose(0, len(g.ctx.types) - 1)
        return TypeIdx(x), g.ctx.types[x]
    if choice == 1:
        t = g.pick(_valtypes(g))
        return t, FuncType((), (t,))
    return None, FuncType((), ())


def _nested(
    g: BodyGen, label: tuple[ValType, ...], ft: FuncType, prefix: list[Instr]
) -> tuple[Instr, ...]:
    g.labels.append(Label(label))
    body = prefix + g.seq(list(ft.params), ft.results)
    g.labels.pop()
    return tuple(body)


@_handler(Imm.BLOCK, Imm.LOOP, Imm.IF)
def _structured(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """``valid-block``, ``valid-loop``, ``valid-if``: loops charge fuel at their header."""
    if len(g.labels) > MAX_DEPTH:
        return False
    bt, ft = _blocktype(g)
    ins = ft.params + ((I32,) if op.imm is Imm.IF else ())
    g.operands(out, stack, ins)
    instr: Instr
    if op.imm is Imm.BLOCK:
        instr = Block(bt, _nested(g, ft.results, ft, []))
    elif op.imm is Imm.LOOP:
        instr = Loop(bt, _nested(g, ft.params, ft, g.fuel_check()))
    else:
        then = _nested(g, ft.results, ft, [])
        instr = If(bt, then, _nested(g, ft.results, ft, []))
    g.emit(instr, out, stack, ft.results)
    return False


@_handler(Imm.BR, Imm.BR_IF, Imm.BR_TABLE)
def _branch(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """``valid-br``, ``valid-br_if``, ``valid-br_table``"""
    depth = len(g.labels)
    label = g.choose(0, depth - 1)
    types = g.labels[-1 - label].types
    if op.imm is Imm.BR:
        g.operands(out, stack, types)
        out.append(Br(label))
        return True
    g.operands(out, stack, (*types, I32))
    if op.imm is Imm.BR_IF:
        g.emit(BrIf(label), out, stack, types)
        return False
    same = [k for k in range(depth) if g.labels[-1 - k].types == types]
    targets = [g.pick(same) for _ in range(g.choose(0, 4))]
    out.append(BrTable(tuple(targets), label))
    return True


@_handler(Imm.CALL, Imm.CALL_INDIRECT)
def _call(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """``valid-call``, ``valid-call_indirect`` (never under ``disallow_traps``: a null or
    mismatched table entry traps)."""
    if op.imm is Imm.CALL:
        f = g.choose(0, len(g.ctx.funcs) - 1)
        ft = g.ctx.funcs[f]
        g.operands(out, stack, ft.params)
        g.emit(Call(f), out, stack, ft.results)
        return False
    tables = [k for k, t in enumerate(g.ctx.tables) if t.reftype == FUNCREF]
    if not tables or g.ctx.options.disallow_traps:
        return False
    x = g.choose(0, len(g.ctx.types) - 1)
    ft = g.ctx.types[x]
    table = g.pick(tables)
    g.operands(out, stack, (*ft.params, addr_numtype(g.ctx.tables[table].addrtype)))
    g.emit(CallIndirect(table, TypeIdx(x)), out, stack, ft.results)
    return False


@_handler(Imm.RETURN_CALL, Imm.RETURN_CALL_INDIRECT)
def _tail_call(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """``Instr_ok/return_call``, ``Instr_ok/return_call_indirect``: a callee whose results are
    the caller's (never ``return_call_indirect`` under ``disallow_traps``); the frame ends."""
    results = g.functype.results
    if op.imm is Imm.RETURN_CALL:
        fitting = [f for f, ft in enumerate(g.ctx.funcs) if ft.results == results]
        if not fitting:
            return False
        f = g.pick(fitting)
        g.operands(out, stack, g.ctx.funcs[f].params)
        out.append(ReturnCall(f))
        return True
    tables = [k for k, t in enumerate(g.ctx.tables) if t.reftype == FUNCREF]
    types = [x for x, ft in enumerate(g.ctx.types) if ft.results == results]
    if not tables or not types or g.ctx.options.disallow_traps:
        return False
    x, table = g.pick(types), g.pick(tables)
    index = addr_numtype(g.ctx.tables[table].addrtype)
    g.operands(out, stack, (*g.ctx.types[x].params, index))
    out.append(ReturnCallIndirect(table, TypeIdx(x)))
    return True


# ---- typed function references (``Instr_ok/call_ref``, ``Instr_ok/br_on_null``, ...).  The
# generator's stack keeps abstract reference types: a ``(ref func)`` that ``ref.as_non_null``
# or ``br_on_null`` leaves is recorded as its supertype ``funcref``, which every later use
# accepts by subsumption.


def _typed_callee(g: BodyGen, results: tuple[ValType, ...] | None) -> tuple[int, list[Instr]] | None:
    """A type index and the code pushing a reference of that type: ``ref.func`` of a declared
    function of the type, or (a ``null function reference`` trap) its ``ref.null``."""
    if not g.ctx.declared:
        return None
    f = g.pick(g.ctx.declared)
    ft = g.ctx.funcs[f]
    if results is not None and ft.results != results:
        fitting = [h for h in g.ctx.declared if g.ctx.funcs[h].results == results]
        if not fitting:
            return None
        f = g.pick(fitting)
        ft = g.ctx.funcs[f]
    x = g.ctx.types.index(ft)  # an equivalent type: a final function type of the same shape
    if not g.ctx.options.disallow_traps and g.choose(0, 7) == 7:
        return x, [RefNull(TypeIdx(x))]
    return x, [RefFunc(f)]


@_handler(Imm.CALL_REF, Imm.RETURN_CALL_REF)
def _call_ref(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """``Instr_ok/call_ref``, ``Instr_ok/return_call_ref`` (the latter needs both proposals)."""
    tail = op.imm is Imm.RETURN_CALL_REF
    if tail and not g.ctx.config.function_references:
        return False
    callee = _typed_callee(g, g.functype.results if tail else None)
    if callee is None:
        return False
    x, push = callee
    ft = g.ctx.types[x]
    g.operands(out, stack, ft.params)
    out.extend(push)
    if tail:
        out.append(ReturnCallRef(TypeIdx(x)))
        return True
    g.emit(CallRef(TypeIdx(x)), out, stack, ft.results)
    return False


def _nullable_ref(g: BodyGen, out: list[Instr], stack: list[ValType]) -> RefType:
    """Put a nullable abstract reference on top (the stack's, or a new one); its type."""
    top = stack[-1] if stack else None
    t = top if isinstance(top, RefType) and top.null else g.pick([FUNCREF, EXTERNREF])
    g.operands(out, stack, (t,))
    return t


@_handler(Imm.BR_ON_NULL, Imm.BR_ON_NON_NULL)
def _br_on_null(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """``Instr_ok/br_on_null`` (``[t* (ref null ht)] -> [t* (ref ht)]``, the label takes
    ``t*``) and ``Instr_ok/br_on_non_null`` (``[t* (ref null ht)] -> [t*]``, the label takes
    ``t* rt`` with ``(ref ht)`` matching ``rt``)."""
    depth = len(g.labels)
    if op.imm is Imm.BR_ON_NULL:
        label = g.choose(0, depth - 1)
        types = g.labels[-1 - label].types
        g.operands(out, stack, types)
        t = g.pick([FUNCREF, EXTERNREF])
        g.produce(out, t)
        g.emit(BrOnNull(label), out, stack, (*types, t))
        return False
    fitting = [k for k in range(depth) if g.labels[-1 - k].types
               and isinstance(g.labels[-1 - k].types[-1], RefType)]  # fmt: skip
    if not fitting:
        # Labels taking a reference are rare: make one, ``(block (result t) (ref null t)
        # br_on_non_null 0 t)``, so that ``br_on_non_null`` is drawn as often as its kin.
        t = g.pick([FUNCREF, EXTERNREF])
        body: list[Instr] = []
        g.produce(body, t)
        body.append(BrOnNonNull(0))
        g.produce(body, t)
        g.emit(Block(t, tuple(body)), out, stack, (t,))
        return False
    label = g.pick(fitting)
    *carried, rt = g.labels[-1 - label].types
    g.operands(out, stack, carried)
    g.produce(out, rt)
    g.emit(BrOnNonNull(label), out, stack, carried)
    return False


@_handler(Imm.SELECT_T)
def _select_t(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """``valid-select`` with a type annotation (any value type, references included)."""
    t = g.pick(_valtypes(g))
    g.operands(out, stack, (t, t, I32))
    g.emit(Select((t,)), out, stack, (t,))
    return False


# ---- variables


@_handler(Imm.LOCAL_GET, Imm.LOCAL_SET, Imm.LOCAL_TEE)
def _local(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """``valid-local.get``, ``valid-local.set``, ``valid-local.tee``"""
    if not g.locals:
        return False
    x = g.choose(0, len(g.locals) - 1)
    t = g.locals[x]
    if op.imm is Imm.LOCAL_GET:
        g.emit(LocalGet(x), out, stack, (t,))
        return False
    g.operands(out, stack, (t,))
    if op.imm is Imm.LOCAL_SET:
        out.append(LocalSet(x))
    else:
        g.emit(LocalTee(x), out, stack, (t,))
    return False


@_handler(Imm.GLOBAL_GET, Imm.GLOBAL_SET)
def _global(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """``valid-global.get``, ``valid-global.set`` (never the fuel global)."""
    gs = g.ctx.globals
    if op.imm is Imm.GLOBAL_GET:
        if not gs:
            return False
        x = g.choose(0, len(gs) - 1)
        g.emit(GlobalGet(x), out, stack, (gs[x].valtype,))
        return False
    mutable = [k for k, gt in enumerate(gs) if gt.mut is Mut.VAR and k != g.ctx.fuel_global]
    if not mutable:
        return False
    x = g.pick(mutable)
    g.operands(out, stack, (gs[x].valtype,))
    out.append(GlobalSet(x))
    return False


# ---- references


@_handler(Imm.REF_NULL, Imm.REF_FUNC)
def _ref(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """``valid-ref.null``, ``valid-ref.func`` (only functions in ``C.refs``)."""
    if op.imm is Imm.REF_NULL:
        t = g.pick([FUNCREF, EXTERNREF])
        g.emit(RefNull(_heap(t)), out, stack, (t,))
        return False
    if not g.ctx.declared:
        return False
    g.emit(RefFunc(g.pick(g.ctx.declared)), out, stack, (FUNCREF,))
    return False


# ---- bulk operands: an index/length triple kept in bounds when traps are disallowed


def addr_numtype(at: AddrType) -> NumType:
    """The number type of an address type (memory64/table64 indices are ``i64``)."""
    return I32 if at is AddrType.I32 else I64


def _min_at(a: AddrType, b: AddrType) -> AddrType:
    """``$minat``: the length of a copy between an i32 and an i64 space is an i32."""
    return a if a is AddrType.I32 else b


def _bounded(g: BodyGen, limit: int, length: int, at: AddrType = AddrType.I32) -> Instr:
    """A start index for ``length`` elements: in ``[0, limit - length]`` when possible, with
    a few just past the end and a few anywhere (unless traps are disallowed)."""
    room = limit - length
    choice = g.choose(0, 19)
    nt = addr_numtype(at)
    if g.ctx.options.disallow_traps or (choice < 16 and room >= 0):
        return g.const(nt, g.choose(0, max(room, 0)))
    if choice < 19:
        return g.const(nt, max(limit - length + g.choose(-4, 4), 0))
    return g.const(nt, g.choose(0, (1 << nt.bits) - 1))


def _length(g: BodyGen, limit: int) -> int:
    """A bulk operation's length: small and within ``limit`` when traps are disallowed."""
    if g.ctx.options.disallow_traps:
        return g.choose(0, max(min(limit, 64), 0))
    return g.choose(0, 64) if g.choose(0, 3) > 0 else g.choose(0, max(limit, 0) + 8)


def _bulk(
    g: BodyGen, out: list[Instr], dst: Instr, value: list[Instr], src: Instr | None, n: int,
    at: AddrType = AddrType.I32,
) -> None:
    """Push ``dst value|src n`` (``n`` of address type ``at``) and charge ``n`` to the fuel
    (an i64 length is charged as the i32 it equals: lengths are small)."""
    out.append(dst)
    out.extend(value)
    if src is not None:
        out.append(src)
    if at is AddrType.I32:
        out.append(g.const_i32(n))
        out.extend(g.fuel_charge())
        return
    charge = g.fuel_charge()
    if charge:
        out += [g.const_i32(n), *charge, Drop()]
    out.append(g.const(I64, n))


# ---- tables (``valid-table.*``, ``valid-elem.drop``)


@_handler(Imm.TABLE_GET, Imm.TABLE_SET, Imm.TABLE_SIZE, Imm.TABLE_GROW, Imm.TABLE_FILL)
def _table(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """``valid-table.get`` .. ``valid-table.fill``"""
    tables = g.ctx.tables
    if not tables:
        return False
    x = g.choose(0, len(tables) - 1)
    tt = tables[x]
    t, size, at = tt.reftype, tt.limits.min, tt.addrtype
    nt = addr_numtype(at)
    if op.imm is Imm.TABLE_SIZE:
        g.emit(TableSize(x), out, stack, (nt,))
    elif op.imm is Imm.TABLE_GROW:
        # The delta stays small so that growth is bounded by the fuel.
        g.operands(
            out,
            stack,
            (t, nt),
            {1: [g.const(nt, g.ctx.options.max_table_size + 1), Binop(nt, BinOp.REM_U)]},
        )
        g.emit(TableGrow(x), out, stack, (nt,))
    elif op.imm is Imm.TABLE_FILL:
        n = _length(g, size)
        value: list[Instr] = []
        g.produce(value, t)
        _bulk(g, out, _bounded(g, size, n, at), value, None, n, at)
        out.append(TableFill(x))
    else:
        if g.ctx.options.disallow_traps and size == 0:
            return False
        index = _bounded(g, size, 1, at)
        if op.imm is Imm.TABLE_GET:
            out.append(index)
            g.emit(TableGet(x), out, stack, (t,))
        else:
            out.append(index)
            g.produce(out, t)
            out.append(TableSet(x))
    return False


@_handler(Imm.TABLE_COPY, Imm.TABLE_INIT, Imm.ELEM_DROP)
def _table_bulk(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """``valid-table.copy``, ``valid-table.init``, ``valid-elem.drop``"""
    tables, elems = g.ctx.tables, g.ctx.elems
    if op.imm is Imm.ELEM_DROP:
        if not elems or g.ctx.options.disallow_traps:
            return False
        out.append(ElemDrop(g.choose(0, len(elems) - 1)))
        return False
    # refwasm's validator takes table.copy/table.init to need reference types as well.
    if not tables or not g.ctx.config.reference_types:
        return False
    x = g.choose(0, len(tables) - 1)
    tt = tables[x]
    if op.imm is Imm.TABLE_COPY:
        same = [k for k, t in enumerate(tables) if t.reftype == tt.reftype]
        y = g.pick(same)
        ty = tables[y]
        limit = min(tt.limits.min, ty.limits.min)
        n = _length(g, limit)
        dst, src = _bounded(g, tt.limits.min, n, tt.addrtype), _bounded(g, ty.limits.min, n, ty.addrtype)
        _bulk(g, out, dst, [], src, n, _min_at(tt.addrtype, ty.addrtype))
        out.append(TableCopy(x, y))
        return False
    fitting = [k for k, e in enumerate(elems) if e.reftype == tt.reftype]
    if not fitting:
        return False
    e = g.pick(fitting)
    _segment_init(g, out, tt.limits.min, elems[e], tt.addrtype)
    out.append(TableInit(x, e))
    return False


def _segment_init(
    g: BodyGen, out: list[Instr], limit: int, seg: SegmentInfo, at: AddrType
) -> None:
    """Operands of ``table.init``/``memory.init`` (destination of address type ``at``, source
    and length i32): an active or declared segment is dropped after instantiation, so only
    length 0 is safe for it."""
    usable = seg.length if seg.passive else 0
    n = _length(g, min(limit, usable)) if g.ctx.options.disallow_traps else _length(g, usable)
    _bulk(g, out, _bounded(g, limit, n, at), [], _bounded(g, usable, n), n)


# ---- memories (``valid-load``, ``valid-store``, ``valid-memory.*``, ``valid-vload*``)


def _access_size(op: Op) -> int:
    """Bytes touched by a load or store opcode."""
    imm, static = op.imm, op.static
    if imm is Imm.LOAD:
        nt: NumType = static[0]
        pack: LoadPack | None = static[1]
        return (pack.sz if pack is not None else nt.bits) // 8
    if imm is Imm.STORE:
        snt: NumType = static[0]
        sz: int | None = static[1]
        return (sz or snt.bits) // 8
    if imm is Imm.VLOAD:
        vop: VLoadOp | None = static[0]
        if isinstance(vop, VLoadShape):
            return 8
        if isinstance(vop, VLoadSplat | VLoadZero):
            return vop.sz // 8
        return 16
    if imm in (Imm.VLOAD_LANE, Imm.VSTORE_LANE):
        return int(static[0]) // 8
    return 16  # v128.store


def _memarg_and_address(g: BodyGen, size: int) -> tuple[int, MemArg, Instr] | None:
    """A memory, an alignment up to the natural one, an offset and an address constant:
    mostly in bounds, some near the end of the initial memory, a few anywhere."""
    if not g.ctx.mems:
        return None
    x = g.choose(0, len(g.ctx.mems) - 1)
    mem = g.ctx.mems[x]
    limit = mem.limits.min * PAGE
    if g.ctx.options.disallow_traps and limit < size:
        return None
    align = g.choose(0, size.bit_length() - 1)
    choice = g.choose(0, 19)
    if g.ctx.options.disallow_traps or choice < 17:
        offset = g.choose(0, max(min(limit - size, 64), 0))
    elif choice < 19:
        offset = max(limit - size + g.choose(-2, 2), 0)
    else:
        offset = g.choose(0, (1 << mem.addrtype.bits) - 1)
    return x, MemArg(align, offset), _bounded(g, limit - offset, size, mem.addrtype)


@_handler(Imm.LOAD, Imm.STORE, Imm.VLOAD, Imm.VSTORE, Imm.VLOAD_LANE, Imm.VSTORE_LANE)
def _access(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """A load or store with its address (and, for stores, its value)."""
    size = _access_size(op)
    placed = _memarg_and_address(g, size)
    if placed is None:
        return False
    x, memarg, address = placed
    imm, static = op.imm, op.static
    out.append(address)
    if imm is Imm.LOAD:
        g.emit(Load(static[0], static[1], x, memarg), out, stack, (static[0],))
    elif imm is Imm.VLOAD:
        g.emit(VLoad(static[0], x, memarg), out, stack, (V128,))
    elif imm is Imm.STORE:
        g.produce(out, static[0])
        out.append(Store(static[0], static[1], x, memarg))
    elif imm is Imm.VSTORE:
        g.produce(out, V128)
        out.append(VStore(x, memarg))
    else:
        lane = g.choose(0, 128 // (size * 8) - 1)
        g.produce(out, V128)
        if imm is Imm.VLOAD_LANE:
            g.emit(VLoadLane(size * 8, x, memarg, lane), out, stack, (V128,))
        else:
            out.append(VStoreLane(size * 8, x, memarg, lane))
    return False


@_handler(Imm.MEMORY_SIZE, Imm.MEMORY_GROW, Imm.MEMORY_FILL, Imm.MEMORY_COPY, Imm.MEMORY_INIT,
          Imm.DATA_DROP)  # fmt: skip
def _memory(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """``valid-memory.size`` .. ``valid-data.drop``"""
    mems = g.ctx.mems
    datas = g.ctx.datas
    if op.imm is Imm.DATA_DROP:
        if not datas or g.ctx.options.disallow_traps:
            return False
        out.append(DataDrop(g.choose(0, len(datas) - 1)))
        return False
    if not mems:
        return False
    x = g.choose(0, len(mems) - 1)
    mem = mems[x]
    at, limit = mem.addrtype, mem.limits.min * PAGE
    nt = addr_numtype(at)
    if op.imm is Imm.MEMORY_SIZE:
        g.emit(MemorySize(x), out, stack, (nt,))
    elif op.imm is Imm.MEMORY_GROW:
        # The delta stays small so that growth is bounded by the fuel.
        g.operands(
            out,
            stack,
            (nt,),
            {0: [g.const(nt, g.ctx.options.max_memory_pages + 1), Binop(nt, BinOp.REM_U)]},
        )
        g.emit(MemoryGrow(x), out, stack, (nt,))
    elif op.imm is Imm.MEMORY_FILL:
        n = _length(g, limit)
        value: list[Instr] = []
        g.produce(value, I32)
        _bulk(g, out, _bounded(g, limit, n, at), value, None, n, at)
        out.append(MemoryFill(x))
    elif op.imm is Imm.MEMORY_COPY:
        y = g.choose(0, len(mems) - 1)
        other = mems[y]
        src_limit = other.limits.min * PAGE
        n = _length(g, min(limit, src_limit))
        dst, src = _bounded(g, limit, n, at), _bounded(g, src_limit, n, other.addrtype)
        _bulk(g, out, dst, [], src, n, _min_at(at, other.addrtype))
        out.append(MemoryCopy(x, y))
    else:
        if not datas:
            return False
        d = g.choose(0, len(datas) - 1)
        _segment_init(g, out, limit, datas[d], at)
        out.append(MemoryInit(x, d))
    return False
