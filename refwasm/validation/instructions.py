"""Validation of instructions and expressions (SpecTec ``2.3-validation.instructions``; 2.0
``valid-instr``), in the shape of the spec appendix's validation algorithm (``algo-valid``).

The validator keeps an operand stack and a control stack.  Nested blocks are not walked by
Python recursion: each control frame remembers its instruction sequence and position, so the
main loop in ``Validator.run`` handles any nesting depth with constant Python stack and linear
work.  Every instruction's typing rule is one small function registered for its syntax class.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from refwasm.errors import (
    ALIGNMENT_TOO_LARGE,
    CONSTANT_EXPRESSION_REQUIRED,
    GLOBAL_IS_IMMUTABLE,
    INVALID_LANE_INDEX,
    INVALID_RESULT_ARITY,
    TYPE_MISMATCH,
    UNDECLARED_FUNCTION_REFERENCE,
    UNINITIALIZED_LOCAL,
    UNSUPPORTED_INSTRUCTION,
    InvalidError,
    locate,
    unknown,
)
from refwasm.syntax.instructions import (
    AnyConvertExtern,
    ArrayNew,
    ArrayNewDefault,
    ArrayNewFixed,
    BinOp,
    Binop,
    Block,
    Br,
    BrIf,
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
    Expr,
    ExternConvertAny,
    GlobalGet,
    GlobalSet,
    If,
    Instr,
    Load,
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
    RefFunc,
    RefI31,
    RefIsNull,
    RefNull,
    RelOp,
    Relop,
    Return,
    ReturnCall,
    ReturnCallIndirect,
    ReturnCallRef,
    Select,
    Shape,
    Store,
    StructNew,
    StructNewDefault,
    TableCopy,
    TableFill,
    TableGet,
    TableGrow,
    TableInit,
    TableSet,
    TableSize,
    Testop,
    UnOp,
    Unop,
    Unreachable,
    VBinop,
    VBitmask,
    VConst,
    VCvtop,
    VExtbinop,
    VExtractLane,
    VExtternop,
    VExtunop,
    VLoad,
    VLoadLane,
    VLoadShape,
    VLoadSplat,
    VLoadZero,
    VNarrow,
    VRelop,
    VReplaceLane,
    VShiftop,
    VShuffle,
    VSplat,
    VStore,
    VStoreLane,
    VSwizzlop,
    VTernop,
    VTestop,
    VUnop,
    VVBinop,
    VVTernop,
    VVTestop,
    VVUnop,
)
from refwasm.syntax.types import (
    FUNCREF,
    AbsHeapType,
    AddrType,
    FuncType,
    Mut,
    NumType,
    PackType,
    RefType,
    ResultType,
    TableType,
    ValType,
    VecType,
)
from refwasm.validation.context import (
    Context,
    data,
    elem,
    func,
    functype,
    global_,
    local,
    mem,
    table,
)
from refwasm.validation.types import (
    BOT,
    Operand,
    reftype_sub,
    valid_blocktype,
    valid_heaptype,
    valid_offset,
    valid_valtype,
    valtype_sub,
)

I32 = NumType.I32
V128 = VecType.V128

# The kinds of control frames (the algorithm's ``opcode`` field).
FUNC, BLOCK, LOOP, IF, ELSE = "func", "block", "loop", "if", "else"


@dataclass(slots=True)
class CtrlFrame:
    """``ctrl_frame``: a block being validated, with the rest of its instruction sequence."""

    kind: str
    start_types: ResultType
    end_types: ResultType
    height: int
    unreachable: bool
    instrs: tuple[Instr, ...]
    pos: int = 0
    else_: tuple[Instr, ...] | None = None  # an ``if``'s else branch, not yet entered
    init_height: int = 0  # the size of ``Validator.inits`` when the frame was pushed


class Validator:
    """The algorithm's state: ``vals`` (operand stack) and ``ctrls`` (control stack)."""

    __slots__ = ("ctx", "vals", "ctrls", "unset", "inits")

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.vals: list[Operand] = []
        self.ctrls: list[CtrlFrame] = []
        # The local initialisation state (3.0): the locals unset here, and the locals set
        # since, in order, so that a frame's end can unset those set inside it.
        self.unset: set[int] = set(ctx.unset_locals)
        self.inits: list[int] = []

    # -- The operand and control stacks (``algo-valid``) ---------------------------------------

    def push_val(self, t: Operand) -> None:
        """``push_val``"""
        self.vals.append(t)

    def pop_val(self) -> Operand:
        """``pop_val``: below the current frame's height only an unreachable frame yields BOT."""
        frame = self.ctrls[-1]
        if len(self.vals) == frame.height:
            if frame.unreachable:
                return BOT
            raise locate(InvalidError(TYPE_MISMATCH), detail="expected a value but got []")
        return self.vals.pop()

    def pop_expect(self, expect: ValType) -> Operand:
        """``pop_val(expect)``: the popped operand must match ``expect``."""
        actual = self.pop_val()
        if actual != expect and not valtype_sub(self.ctx, actual, expect):
            raise locate(InvalidError(TYPE_MISMATCH), detail=f"expected {_types([expect])} "
                         f"but got {_types([actual])}")
        return actual

    def push_vals(self, types: ResultType) -> None:
        """``push_vals``"""
        self.vals.extend(types)

    def pop_vals(self, types: ResultType) -> list[Operand]:
        """``pop_vals``: pop ``types`` in reverse order, returning them in stack order."""
        if not types:
            return []
        popped = [self.pop_expect(t) for t in reversed(types)]
        popped.reverse()
        return popped

    def push_ctrl(
        self,
        kind: str,
        ft: FuncType,
        instrs: tuple[Instr, ...],
        else_: tuple[Instr, ...] | None = None,
    ) -> None:
        """``push_ctrl``: open a frame whose label has ``ft``'s results (params for a loop)."""
        frame = CtrlFrame(kind, ft.params, ft.results, len(self.vals), False, instrs, 0, else_,
                          len(self.inits))
        self.ctrls.append(frame)
        self.push_vals(ft.params)

    def pop_ctrl(self) -> CtrlFrame:
        """``pop_ctrl``: the frame's results must be exactly what remains above its height."""
        frame = self.ctrls[-1]
        try:
            self.pop_vals(frame.end_types)
            if len(self.vals) != frame.height:
                raise locate(InvalidError(TYPE_MISMATCH), detail=f"expected {_types(frame.end_types)}"
                             f" but got {_types(self.vals[frame.height :] + list(frame.end_types))}")
        except InvalidError as error:
            locate(error, instr=_position(self.ctrls, at_end=True))
            raise
        self.ctrls.pop()
        self.reset_locals(frame.init_height)
        return frame

    def set_local(self, x: int) -> None:
        """``set_local``: a local set here is initialised until the enclosing block ends."""
        if x in self.unset:
            self.unset.discard(x)
            self.inits.append(x)

    def reset_locals(self, height: int) -> None:
        """``reset_locals``: the locals set inside a block are unset again after it
        (``Instrs_ok/seq`` carries initialisation only along one instruction sequence)."""
        inits = self.inits
        while len(inits) > height:
            self.unset.add(inits.pop())

    def pop_ref(self) -> RefType:
        """``pop_ref``: a reference operand; unknown (``BOT``) is ``(ref bot)``."""
        t = self.pop_val()
        if t is BOT:
            return RefType(False, AbsHeapType.BOT)
        if not isinstance(t, RefType):
            raise InvalidError(TYPE_MISMATCH)
        return t

    def label_types(self, label: int) -> ResultType:
        """``label_types(ctrls[label])``: a loop's label takes its parameters."""
        if not 0 <= label < len(self.ctrls):
            raise unknown("label", label)
        frame = self.ctrls[-1 - label]
        return frame.start_types if frame.kind == LOOP else frame.end_types

    def unreachable(self) -> None:
        """``unreachable()``: drop the frame's operands; the stack becomes polymorphic."""
        frame = self.ctrls[-1]
        del self.vals[frame.height :]
        frame.unreachable = True

    # -- The main loop -------------------------------------------------------------------------

    def run(self, expr: Expr, results: ResultType) -> None:
        """``Expr_ok`` · ``valid-expr``: validate ``expr`` as a block producing ``results``."""
        self.push_ctrl(FUNC, FuncType((), results), expr)
        ctrls, rules = self.ctrls, self.rules()
        while ctrls:
            frame = ctrls[-1]
            pos = frame.pos
            if pos < len(frame.instrs):
                instr = frame.instrs[pos]
                frame.pos = pos + 1
                handler = rules.get(type(instr))
                if handler is None:
                    raise InvalidError(UNSUPPORTED_INSTRUCTION)
                handler(self, instr)
            else:
                self.end()

    def rules(self) -> dict[type, Callable[[Validator, Any], None]]:
        """The typing rule of each instruction class, as ``run`` dispatches them (looked up
        once a run; a subclass may wrap them, ``refwasm.validation.effects``)."""
        return _RULES

    def end(self) -> None:
        """The ``else`` and ``end`` steps of the algorithm: close the innermost frame."""
        frame = self.pop_ctrl()
        if frame.kind == IF and frame.else_ is not None:
            # An ``if`` without else has an empty else branch: it must map params to results.
            ft = FuncType(frame.start_types, frame.end_types)
            self.push_ctrl(ELSE, ft, frame.else_)
        else:
            self.push_vals(frame.end_types)


def validate_expr(ctx: Context, expr: Expr, results: ResultType) -> None:
    """``valid-expr`` (``Expr_ok``): ``expr`` has type ``[] -> results`` under ``ctx``."""
    validator = Validator(ctx)
    try:
        validator.run(expr, results)
    except InvalidError as error:
        locate(error, instr=_position(validator.ctrls))
        raise


def _position(ctrls: list[CtrlFrame], at_end: bool = False) -> str:
    """Where validation stopped, for the error: the instruction's index (from 0) in each
    enclosing sequence, outermost first (``4.1``: the body's 5th instruction, the 2nd inside
    it; ``4.end``: the end of the block that is the body's 5th instruction)."""
    steps = [str(frame.pos - 1) for frame in ctrls]
    if at_end and steps:
        steps[-1] = "end"
    return ".".join(steps)


def _types(types: Sequence[Operand]) -> str:
    """``[i32 i64]`` as the error details write a stack or result type."""
    return "[" + " ".join(_type_text(t) for t in types) + "]"


def _type_text(t: Operand) -> str:
    if isinstance(t, NumType | VecType):
        return str(t.value)
    if isinstance(t, RefType):
        null = "null " if t.null else ""
        return f"(ref {null}{getattr(t.heaptype, 'value', t.heaptype)})"
    return "bot" if t is BOT else str(t)


def validate_const_expr(ctx: Context, expr: Expr, t: ValType) -> None:
    """``valid-constant`` (``Expr_const``, ``Instr_const``) then ``valid-expr``: constancy is
    checked first, as the suite expects "constant expression required" for ``(nop)``."""
    for instr in expr:
        valid_const_instr(ctx, instr)
    validate_expr(ctx, expr, (t,))


_EXTENDED_CONST_OPS = frozenset({BinOp.ADD, BinOp.SUB, BinOp.MUL})


def valid_const_instr(ctx: Context, instr: Instr) -> None:
    """``Instr_const``: constants, ``ref.null``, ``ref.func``, ``global.get`` of an immutable
    global, and (extended constants) integer ``add``/``sub``/``mul``."""
    match instr:
        case Const() | VConst() | RefNull() | RefFunc():
            return
        case GlobalGet(x):
            if global_(ctx, x).mut is Mut.CONST:
                return
        case Binop(nt, op):
            if ctx.features.extended_const and nt.is_int and op in _EXTENDED_CONST_OPS:
                return
    if ctx.features.gc and type(instr) in GC_CONST_INSTRS:
        return
    raise InvalidError(CONSTANT_EXPRESSION_REQUIRED)


# ``Instr_const`` of 3.0 GC: allocation, i31 and the conversions are constant.
GC_CONST_INSTRS: frozenset[type] = frozenset({
    RefI31, StructNew, StructNewDefault, ArrayNew, ArrayNewDefault, ArrayNewFixed,
    AnyConvertExtern, ExternConvertAny,
})


# -- The rule table ------------------------------------------------------------------------------

I = TypeVar("I")  # noqa: E741
_RULES: dict[type, Callable[[Validator, Any], None]] = {}


def rule(cls: type[I]) -> Callable[[Callable[[Validator, I], None]], Callable[[Validator, I], None]]:
    """Register the typing rule of one instruction class."""

    def register(fn: Callable[[Validator, I], None]) -> Callable[[Validator, I], None]:
        _RULES[cls] = fn
        return fn

    return register


def _need(condition: bool) -> None:
    """An instruction of a proposal the feature setting leaves out is not valid."""
    if not condition:
        raise InvalidError(UNSUPPORTED_INSTRUCTION)


# -- Parametric instructions ---------------------------------------------------------------------


@rule(Nop)
def valid_nop(v: Validator, instr: Nop) -> None:
    """``Instr_ok/nop`` · ``valid-nop``"""


@rule(Unreachable)
def valid_unreachable(v: Validator, instr: Unreachable) -> None:
    """``Instr_ok/unreachable`` · ``valid-unreachable``"""
    v.unreachable()


@rule(Drop)
def valid_drop(v: Validator, instr: Drop) -> None:
    """``Instr_ok/drop`` · ``valid-drop``"""
    v.pop_val()


@rule(Select)
def valid_select(v: Validator, instr: Select) -> None:
    """``Instr_ok/select-expl``, ``Instr_ok/select-impl`` · ``valid-select``"""
    if instr.types is not None:
        _need(v.ctx.features.reference_types)
        if len(instr.types) != 1:
            raise InvalidError(INVALID_RESULT_ARITY)
        t = instr.types[0]
        valid_valtype(v.ctx, t)
        v.pop_expect(I32)
        v.pop_expect(t)
        v.pop_expect(t)
        v.push_val(t)
        return
    v.pop_expect(I32)
    t1 = v.pop_val()
    t2 = v.pop_val()
    # The implicit form only selects numbers and vectors (reference types need annotation).
    if isinstance(t1, RefType) or isinstance(t2, RefType):
        raise InvalidError(TYPE_MISMATCH)
    if t1 != t2 and t1 is not BOT and t2 is not BOT:
        raise InvalidError(TYPE_MISMATCH)
    v.push_val(t2 if t1 is BOT else t1)


# -- Control instructions ------------------------------------------------------------------------


@rule(Block)
def valid_block(v: Validator, instr: Block) -> None:
    """``Instr_ok/block`` · ``valid-block``"""
    ft = valid_blocktype(v.ctx, instr.blocktype)
    v.pop_vals(ft.params)
    v.push_ctrl(BLOCK, ft, instr.body)


@rule(Loop)
def valid_loop(v: Validator, instr: Loop) -> None:
    """``Instr_ok/loop`` · ``valid-loop``"""
    ft = valid_blocktype(v.ctx, instr.blocktype)
    v.pop_vals(ft.params)
    v.push_ctrl(LOOP, ft, instr.body)


@rule(If)
def valid_if(v: Validator, instr: If) -> None:
    """``Instr_ok/if`` · ``valid-if``: the else branch is entered when the then branch ends
    (``Validator.end``)."""
    ft = valid_blocktype(v.ctx, instr.blocktype)
    v.pop_expect(I32)
    v.pop_vals(ft.params)
    v.push_ctrl(IF, ft, instr.then, instr.else_)


@rule(Br)
def valid_br(v: Validator, instr: Br) -> None:
    """``Instr_ok/br`` · ``valid-br``"""
    v.pop_vals(v.label_types(instr.label))
    v.unreachable()


@rule(BrIf)
def valid_br_if(v: Validator, instr: BrIf) -> None:
    """``Instr_ok/br_if`` · ``valid-br_if``"""
    types = v.label_types(instr.label)
    v.pop_expect(I32)
    v.pop_vals(types)
    v.push_vals(types)


@rule(BrTable)
def valid_br_table(v: Validator, instr: BrTable) -> None:
    """``Instr_ok/br_table``: every label has the default's arity and accepts the operands
    (1.0, ``valid-br_table``: every label has the default's types)."""
    v.pop_expect(I32)
    default = v.label_types(instr.default)
    for label in instr.labels:
        types = v.label_types(label)
        if len(types) != len(default):
            raise InvalidError(TYPE_MISMATCH)
        # 1.0 demanded identical label types; reference types relaxed it to matching.
        if types != default and not v.ctx.features.reference_types:
            raise InvalidError(TYPE_MISMATCH)
        # Re-push what was popped: under a polymorphic stack each label sees the same operands.
        for t in v.pop_vals(types):
            v.push_val(t)
    v.pop_vals(default)
    v.unreachable()


@rule(Return)
def valid_return(v: Validator, instr: Return) -> None:
    """``Instr_ok/return`` · ``valid-return``"""
    if v.ctx.return_ is None:
        raise InvalidError(TYPE_MISMATCH)
    v.pop_vals(v.ctx.return_)
    v.unreachable()


def _call(v: Validator, ft: FuncType) -> None:
    """The stack effect of calling a function of type ``ft``."""
    v.pop_vals(ft.params)
    v.push_vals(ft.results)


def _call_table(v: Validator, x: int) -> TableType:
    """The table of an indirect call: it must hold function references."""
    tt = table(v.ctx, x)
    if not reftype_sub(v.ctx, tt.reftype, FUNCREF):
        raise InvalidError(TYPE_MISMATCH)
    return tt


@rule(Call)
def valid_call(v: Validator, instr: Call) -> None:
    """``Instr_ok/call`` · ``valid-call``"""
    _call(v, func(v.ctx, instr.func))


@rule(CallIndirect)
def valid_call_indirect(v: Validator, instr: CallIndirect) -> None:
    """``Instr_ok/call_indirect`` · ``valid-call_indirect``"""
    tt = _call_table(v, instr.table)
    ft = functype(v.ctx, instr.typeuse)
    v.pop_expect(_addr(tt.addrtype))
    _call(v, ft)


def _return_call(v: Validator, ft: FuncType) -> None:
    """A tail call: the callee's results must match the caller's (``Instr_ok/return_call``)."""
    _need(v.ctx.features.tail_call)
    results = v.ctx.return_
    if results is None or len(results) != len(ft.results):
        raise InvalidError(TYPE_MISMATCH)
    if not all(valtype_sub(v.ctx, a, b) for a, b in zip(ft.results, results, strict=True)):
        raise InvalidError(TYPE_MISMATCH)
    v.pop_vals(ft.params)
    v.unreachable()


@rule(ReturnCall)
def valid_return_call(v: Validator, instr: ReturnCall) -> None:
    """``Instr_ok/return_call``"""
    _return_call(v, func(v.ctx, instr.func))


@rule(ReturnCallIndirect)
def valid_return_call_indirect(v: Validator, instr: ReturnCallIndirect) -> None:
    """``Instr_ok/return_call_indirect``"""
    _need(v.ctx.features.tail_call)
    tt = _call_table(v, instr.table)
    ft = functype(v.ctx, instr.typeuse)
    v.pop_expect(_addr(tt.addrtype))
    _return_call(v, ft)


@rule(CallRef)
def valid_call_ref(v: Validator, instr: CallRef) -> None:
    """``Instr_ok/call_ref``: ``t_1* (ref null $x) -> t_2*``."""
    _need(v.ctx.features.function_references)
    ft = functype(v.ctx, instr.typeuse)
    v.pop_expect(RefType(True, instr.typeuse))
    _call(v, ft)


@rule(ReturnCallRef)
def valid_return_call_ref(v: Validator, instr: ReturnCallRef) -> None:
    """``Instr_ok/return_call_ref``"""
    _need(v.ctx.features.function_references)
    ft = functype(v.ctx, instr.typeuse)
    v.pop_expect(RefType(True, instr.typeuse))
    _return_call(v, ft)


@rule(BrOnNull)
def valid_br_on_null(v: Validator, instr: BrOnNull) -> None:
    """``Instr_ok/br_on_null``: ``t* (ref null ht) -> t* (ref ht)`` with label ``t*``."""
    _need(v.ctx.features.function_references)
    rt = v.pop_ref()
    types = v.label_types(instr.label)
    v.pop_vals(types)
    v.push_vals(types)
    v.push_val(RefType(False, rt.heaptype))


@rule(BrOnNonNull)
def valid_br_on_non_null(v: Validator, instr: BrOnNonNull) -> None:
    """``Instr_ok/br_on_non_null``: ``t* (ref null ht) -> t*`` with label ``t* (ref ht)``
    (up to subsumption: the label's last type must take ``(ref ht)``)."""
    _need(v.ctx.features.function_references)
    rt = v.pop_ref()
    types = v.label_types(instr.label)
    if not types or not valtype_sub(v.ctx, RefType(False, rt.heaptype), types[-1]):
        raise InvalidError(TYPE_MISMATCH)
    v.pop_vals(types[:-1])
    v.push_vals(types[:-1])


# -- Variable instructions -----------------------------------------------------------------------


@rule(LocalGet)
def valid_local_get(v: Validator, instr: LocalGet) -> None:
    """``Instr_ok/local.get``: the local must be ``SET`` (3.0 local initialisation)."""
    t = local(v.ctx, instr.local)
    if instr.local in v.unset:
        raise InvalidError(UNINITIALIZED_LOCAL)
    v.push_val(t)


@rule(LocalSet)
def valid_local_set(v: Validator, instr: LocalSet) -> None:
    """``Instr_ok/local.set``: the local is ``SET`` from here on (``Instrs_ok/seq``)."""
    v.pop_expect(local(v.ctx, instr.local))
    v.set_local(instr.local)


@rule(LocalTee)
def valid_local_tee(v: Validator, instr: LocalTee) -> None:
    """``Instr_ok/local.tee``: the local is ``SET`` from here on (``Instrs_ok/seq``)."""
    t = local(v.ctx, instr.local)
    v.pop_expect(t)
    v.set_local(instr.local)
    v.push_val(t)


@rule(GlobalGet)
def valid_global_get(v: Validator, instr: GlobalGet) -> None:
    """``Instr_ok/global.get`` · ``valid-global.get``"""
    v.push_val(global_(v.ctx, instr.global_).valtype)


@rule(GlobalSet)
def valid_global_set(v: Validator, instr: GlobalSet) -> None:
    """``Instr_ok/global.set`` · ``valid-global.set``: only a mutable global."""
    gt = global_(v.ctx, instr.global_)
    if gt.mut is not Mut.VAR:
        raise InvalidError(GLOBAL_IS_IMMUTABLE)
    v.pop_expect(gt.valtype)


# -- Table instructions --------------------------------------------------------------------------


def _addr(at: AddrType) -> NumType:
    """The value type of an address of type ``at``."""
    return NumType.I32 if at is AddrType.I32 else NumType.I64


def _min_addr(at1: AddrType, at2: AddrType) -> NumType:
    """``$minat``: a length spanning two address spaces has the smaller address type."""
    return _addr(AddrType.I32 if AddrType.I32 in (at1, at2) else AddrType.I64)


def _table(v: Validator, x: int) -> TableType:
    """A table instruction's table (table instructions came with reference types)."""
    _need(v.ctx.features.reference_types)
    return table(v.ctx, x)


@rule(TableGet)
def valid_table_get(v: Validator, instr: TableGet) -> None:
    """``Instr_ok/table.get`` · ``valid-table.get``"""
    tt = _table(v, instr.table)
    v.pop_expect(_addr(tt.addrtype))
    v.push_val(tt.reftype)


@rule(TableSet)
def valid_table_set(v: Validator, instr: TableSet) -> None:
    """``Instr_ok/table.set`` · ``valid-table.set``"""
    tt = _table(v, instr.table)
    v.pop_expect(tt.reftype)
    v.pop_expect(_addr(tt.addrtype))


@rule(TableSize)
def valid_table_size(v: Validator, instr: TableSize) -> None:
    """``Instr_ok/table.size`` · ``valid-table.size``"""
    tt = _table(v, instr.table)
    v.push_val(_addr(tt.addrtype))


@rule(TableGrow)
def valid_table_grow(v: Validator, instr: TableGrow) -> None:
    """``Instr_ok/table.grow`` · ``valid-table.grow``"""
    tt = _table(v, instr.table)
    at = _addr(tt.addrtype)
    v.pop_expect(at)
    v.pop_expect(tt.reftype)
    v.push_val(at)


@rule(TableFill)
def valid_table_fill(v: Validator, instr: TableFill) -> None:
    """``Instr_ok/table.fill`` · ``valid-table.fill``"""
    tt = _table(v, instr.table)
    at = _addr(tt.addrtype)
    v.pop_expect(at)
    v.pop_expect(tt.reftype)
    v.pop_expect(at)


@rule(TableCopy)
def valid_table_copy(v: Validator, instr: TableCopy) -> None:
    """``Instr_ok/table.copy`` · ``valid-table.copy``: the source's elements must fit the
    destination. """
    _need(v.ctx.features.bulk_memory)
    dst = _table(v, instr.dst)
    src = _table(v, instr.src)
    if not reftype_sub(v.ctx, src.reftype, dst.reftype):
        raise InvalidError(TYPE_MISMATCH)
    v.pop_expect(_min_addr(dst.addrtype, src.addrtype))
    v.pop_expect(_addr(src.addrtype))
    v.pop_expect(_addr(dst.addrtype))


@rule(TableInit)
def valid_table_init(v: Validator, instr: TableInit) -> None:
    """``Instr_ok/table.init`` · ``valid-table.init``: the segment's elements must fit the table."""
    _need(v.ctx.features.bulk_memory)
    tt = _table(v, instr.table)
    rt = elem(v.ctx, instr.elem)
    if not reftype_sub(v.ctx, rt, tt.reftype):
        raise InvalidError(TYPE_MISMATCH)
    v.pop_expect(I32)
    v.pop_expect(I32)
    v.pop_expect(_addr(tt.addrtype))


@rule(ElemDrop)
def valid_elem_drop(v: Validator, instr: ElemDrop) -> None:
    """``Instr_ok/elem.drop`` · ``valid-elem.drop``"""
    _need(v.ctx.features.bulk_memory)
    elem(v.ctx, instr.elem)


# -- Memory instructions -------------------------------------------------------------------------


def valid_memarg(memarg: MemArg, width_bits: int) -> None:
    """``valid-memarg`` (3.0: a premise of ``Instr_ok/load``): ``2^align <= width/8``, i.e. at most
    natural."""
    natural = (width_bits // 8).bit_length() - 1  # log2 of the access width in bytes
    if not 0 <= memarg.align <= natural:
        raise InvalidError(ALIGNMENT_TOO_LARGE)


def _mem(v: Validator, x: int, memarg: MemArg, width_bits: int) -> NumType:
    """A memory access: the memory must exist and the alignment be natural at most.
    Returns the address type."""
    mt = mem(v.ctx, x)
    valid_memarg(memarg, width_bits)
    valid_offset(memarg.offset, mt.addrtype)
    return _addr(mt.addrtype)


@rule(Load)
def valid_load(v: Validator, instr: Load) -> None:
    """``Instr_ok/load-val``, ``Instr_ok/load-pack`` · ``valid-load``"""
    width = instr.nt.bits if instr.pack is None else instr.pack.sz
    if instr.pack is not None and not (instr.nt.is_int and instr.pack.sz < instr.nt.bits):
        raise InvalidError(TYPE_MISMATCH)
    v.pop_expect(_mem(v, instr.mem, instr.memarg, width))
    v.push_val(instr.nt)


@rule(Store)
def valid_store(v: Validator, instr: Store) -> None:
    """``Instr_ok/store-val``, ``Instr_ok/store-pack`` · ``valid-store``"""
    width = instr.nt.bits if instr.sz is None else instr.sz
    if instr.sz is not None and not (instr.nt.is_int and instr.sz < instr.nt.bits):
        raise InvalidError(TYPE_MISMATCH)
    at = _mem(v, instr.mem, instr.memarg, width)
    v.pop_expect(instr.nt)
    v.pop_expect(at)


def _vload_width(op: VLoadShape | VLoadSplat | VLoadZero | None) -> int:
    """The number of bits a vector load reads."""
    match op:
        case None:
            return 128
        case VLoadShape(sz, m, _):
            return sz * m
        case VLoadSplat(sz) | VLoadZero(sz):
            return sz


@rule(VLoad)
def valid_vload(v: Validator, instr: VLoad) -> None:
    """``Instr_ok/vload-val``, ``-pack``, ``-splat``, ``-zero``"""
    _need(v.ctx.features.simd)
    v.pop_expect(_mem(v, instr.mem, instr.memarg, _vload_width(instr.op)))
    v.push_val(V128)


def _lane(lane: int, count: int) -> None:
    """A lane index must be below the number of lanes."""
    if not 0 <= lane < count:
        raise InvalidError(INVALID_LANE_INDEX)


@rule(VLoadLane)
def valid_vload_lane(v: Validator, instr: VLoadLane) -> None:
    """``Instr_ok/vload_lane``"""
    _need(v.ctx.features.simd)
    at = _mem(v, instr.mem, instr.memarg, instr.sz)
    _lane(instr.lane, 128 // instr.sz if instr.sz > 0 else 0)
    v.pop_expect(V128)
    v.pop_expect(at)
    v.push_val(V128)


@rule(VStore)
def valid_vstore(v: Validator, instr: VStore) -> None:
    """``Instr_ok/vstore``"""
    _need(v.ctx.features.simd)
    at = _mem(v, instr.mem, instr.memarg, 128)
    v.pop_expect(V128)
    v.pop_expect(at)


@rule(VStoreLane)
def valid_vstore_lane(v: Validator, instr: VStoreLane) -> None:
    """``Instr_ok/vstore_lane``"""
    _need(v.ctx.features.simd)
    at = _mem(v, instr.mem, instr.memarg, instr.sz)
    _lane(instr.lane, 128 // instr.sz if instr.sz > 0 else 0)
    v.pop_expect(V128)
    v.pop_expect(at)


@rule(MemorySize)
def valid_memory_size(v: Validator, instr: MemorySize) -> None:
    """``Instr_ok/memory.size`` · ``valid-memory.size``"""
    v.push_val(_addr(mem(v.ctx, instr.mem).addrtype))


@rule(MemoryGrow)
def valid_memory_grow(v: Validator, instr: MemoryGrow) -> None:
    """``Instr_ok/memory.grow`` · ``valid-memory.grow``"""
    at = _addr(mem(v.ctx, instr.mem).addrtype)
    v.pop_expect(at)
    v.push_val(at)


@rule(MemoryFill)
def valid_memory_fill(v: Validator, instr: MemoryFill) -> None:
    """``Instr_ok/memory.fill`` · ``valid-memory.fill``"""
    _need(v.ctx.features.bulk_memory)
    at = _addr(mem(v.ctx, instr.mem).addrtype)
    v.pop_expect(at)
    v.pop_expect(I32)
    v.pop_expect(at)


@rule(MemoryCopy)
def valid_memory_copy(v: Validator, instr: MemoryCopy) -> None:
    """``Instr_ok/memory.copy`` · ``valid-memory.copy``"""
    _need(v.ctx.features.bulk_memory)
    dst = mem(v.ctx, instr.dst).addrtype
    src = mem(v.ctx, instr.src).addrtype
    v.pop_expect(_min_addr(dst, src))
    v.pop_expect(_addr(src))
    v.pop_expect(_addr(dst))


@rule(MemoryInit)
def valid_memory_init(v: Validator, instr: MemoryInit) -> None:
    """``Instr_ok/memory.init`` · ``valid-memory.init``.  The binary format's data count requirement
    is the decoder's business (it rejects the code); a text module always has its data segments'
    count. """
    _need(v.ctx.features.bulk_memory)
    at = _addr(mem(v.ctx, instr.mem).addrtype)
    data(v.ctx, instr.data)
    v.pop_expect(I32)
    v.pop_expect(I32)
    v.pop_expect(at)


@rule(DataDrop)
def valid_data_drop(v: Validator, instr: DataDrop) -> None:
    """``Instr_ok/data.drop`` · ``valid-data.drop``"""
    _need(v.ctx.features.bulk_memory)
    data(v.ctx, instr.data)


# -- Reference instructions ----------------------------------------------------------------------


@rule(RefNull)
def valid_ref_null(v: Validator, instr: RefNull) -> None:
    """``Instr_ok/ref.null`` · ``valid-ref.null``"""
    _need(v.ctx.features.reference_types)
    valid_heaptype(v.ctx, instr.heaptype)
    v.push_val(RefType(True, instr.heaptype))


@rule(RefIsNull)
def valid_ref_is_null(v: Validator, instr: RefIsNull) -> None:
    """``Instr_ok/ref.is_null`` · ``valid-ref.is_null``: any reference type."""
    _need(v.ctx.features.reference_types)
    t = v.pop_val()
    if not (t is BOT or isinstance(t, RefType)):
        raise InvalidError(TYPE_MISMATCH)
    v.push_val(I32)


@rule(RefAsNonNull)
def valid_ref_as_non_null(v: Validator, instr: RefAsNonNull) -> None:
    """``Instr_ok/ref.as_non_null``: ``(ref null ht) -> (ref ht)``."""
    _need(v.ctx.features.function_references)
    rt = v.pop_ref()
    v.push_val(RefType(False, rt.heaptype))


@rule(RefFunc)
def valid_ref_func(v: Validator, instr: RefFunc) -> None:
    """``Instr_ok/ref.func`` · ``valid-ref.func``: the function must be declared (``C.refs``).  Not
    gated on reference types: 1.0 element segments hold their function indices as ``ref.func``."""
    func(v.ctx, instr.func)
    if instr.func not in v.ctx.refs:
        raise InvalidError(UNDECLARED_FUNCTION_REFERENCE)
    typeuses = v.ctx.func_typeuses
    if v.ctx.features.function_references and instr.func < len(typeuses):
        v.push_val(RefType(False, typeuses[instr.func]))  # 3.0: the exact, non-null type
    else:
        v.push_val(FUNCREF)


# -- Numeric instructions ------------------------------------------------------------------------

_INT_UNOPS = frozenset({UnOp.CLZ, UnOp.CTZ, UnOp.POPCNT})
_SIGN_EXTENSION_UNOPS = frozenset({UnOp.EXTEND8_S, UnOp.EXTEND16_S, UnOp.EXTEND32_S})
_FLOAT_UNOPS = frozenset(UnOp) - _INT_UNOPS - _SIGN_EXTENSION_UNOPS
_FLOAT_BINOPS = frozenset(
    {BinOp.ADD, BinOp.SUB, BinOp.MUL, BinOp.DIV, BinOp.MIN, BinOp.MAX, BinOp.COPYSIGN}
)
_INT_BINOPS = frozenset(BinOp) - {BinOp.DIV, BinOp.MIN, BinOp.MAX, BinOp.COPYSIGN}
_FLOAT_RELOPS = frozenset({RelOp.EQ, RelOp.NE, RelOp.LT, RelOp.GT, RelOp.LE, RelOp.GE})
_INT_RELOPS = frozenset(RelOp) - {RelOp.LT, RelOp.GT, RelOp.LE, RelOp.GE}


def _operator(defined: bool) -> None:
    """An operator used at a number type it is not defined for (``unop_(numtype)``)."""
    if not defined:
        raise InvalidError(TYPE_MISMATCH)


@rule(Const)
def valid_const(v: Validator, instr: Const) -> None:
    """``Instr_ok/const`` · ``valid-const``"""
    v.push_val(instr.nt)


@rule(Unop)
def valid_unop(v: Validator, instr: Unop) -> None:
    """``Instr_ok/unop`` · ``valid-unop``"""
    nt, op = instr.nt, instr.op
    if op in _SIGN_EXTENSION_UNOPS:
        _need(v.ctx.features.sign_extension)
        _operator(nt.is_int and (op is not UnOp.EXTEND32_S or nt is NumType.I64))
    else:
        _operator(op in (_INT_UNOPS if nt.is_int else _FLOAT_UNOPS))
    v.pop_expect(nt)
    v.push_val(nt)


@rule(Binop)
def valid_binop(v: Validator, instr: Binop) -> None:
    """``Instr_ok/binop`` · ``valid-binop``"""
    nt = instr.nt
    _operator(instr.op in (_INT_BINOPS if nt.is_int else _FLOAT_BINOPS))
    v.pop_expect(nt)
    v.pop_expect(nt)
    v.push_val(nt)


@rule(Testop)
def valid_testop(v: Validator, instr: Testop) -> None:
    """``Instr_ok/testop`` · ``valid-testop``: integers only."""
    _operator(instr.nt.is_int)
    v.pop_expect(instr.nt)
    v.push_val(I32)


@rule(Relop)
def valid_relop(v: Validator, instr: Relop) -> None:
    """``Instr_ok/relop`` · ``valid-relop``"""
    nt = instr.nt
    _operator(instr.op in (_INT_RELOPS if nt.is_int else _FLOAT_RELOPS))
    v.pop_expect(nt)
    v.pop_expect(nt)
    v.push_val(I32)


_SATURATING = frozenset({CvtOp.TRUNC_SAT_S, CvtOp.TRUNC_SAT_U})


def _cvtop_defined(nt1: NumType, nt2: NumType, op: CvtOp) -> bool:
    """Whether ``nt1.op_nt2`` exists (``cvtop__(numtype_2, numtype_1)``)."""
    match op:
        case CvtOp.WRAP:
            return (nt1, nt2) == (NumType.I32, NumType.I64)
        case CvtOp.EXTEND_S | CvtOp.EXTEND_U:
            return (nt1, nt2) == (NumType.I64, NumType.I32)
        case CvtOp.TRUNC_S | CvtOp.TRUNC_U | CvtOp.TRUNC_SAT_S | CvtOp.TRUNC_SAT_U:
            return nt1.is_int and not nt2.is_int
        case CvtOp.CONVERT_S | CvtOp.CONVERT_U:
            return not nt1.is_int and nt2.is_int
        case CvtOp.DEMOTE:
            return (nt1, nt2) == (NumType.F32, NumType.F64)
        case CvtOp.PROMOTE:
            return (nt1, nt2) == (NumType.F64, NumType.F32)
        case CvtOp.REINTERPRET:
            return nt1.bits == nt2.bits and nt1.is_int != nt2.is_int


@rule(Cvtop)
def valid_cvtop(v: Validator, instr: Cvtop) -> None:
    """``Instr_ok/cvtop`` · ``valid-cvtop``: ``[nt2] -> [nt1]``."""
    if instr.op in _SATURATING:
        _need(v.ctx.features.saturating_conversions)
    _operator(_cvtop_defined(instr.nt1, instr.nt2, instr.op))
    v.pop_expect(instr.nt2)
    v.push_val(instr.nt1)


# -- Vector instructions -------------------------------------------------------------------------
# Each vector operator's shape is fixed by its opcode, so the typing is by arity alone.


def _vec(v: Validator, operands: int, result: ValType | None = V128) -> None:
    """A vector instruction popping ``operands`` v128 values and pushing ``result``."""
    _need(v.ctx.features.simd)
    for _ in range(operands):
        v.pop_expect(V128)
    if result is not None:
        v.push_val(result)


def _unpacked(shape: Shape) -> NumType:
    """``$unpack(lanetype)``: packed lanes are handled as i32."""
    lt = shape.lanetype
    return NumType.I32 if isinstance(lt, PackType) else lt


@rule(VConst)
def valid_vconst(v: Validator, instr: VConst) -> None:
    """``Instr_ok/vconst`` · ``valid-vconst``"""
    _vec(v, 0)


@rule(VVUnop)
def valid_vvunop(v: Validator, instr: VVUnop) -> None:
    """``Instr_ok/vvunop`` · ``valid-vvunop``"""
    _vec(v, 1)


@rule(VVBinop)
def valid_vvbinop(v: Validator, instr: VVBinop) -> None:
    """``Instr_ok/vvbinop`` · ``valid-vvbinop``"""
    _vec(v, 2)


@rule(VVTernop)
def valid_vvternop(v: Validator, instr: VVTernop) -> None:
    """``Instr_ok/vvternop`` · ``valid-vvternop``"""
    _vec(v, 3)


@rule(VVTestop)
def valid_vvtestop(v: Validator, instr: VVTestop) -> None:
    """``Instr_ok/vvtestop`` · ``valid-vvtestop``"""
    _vec(v, 1, I32)


@rule(VUnop)
def valid_vunop(v: Validator, instr: VUnop) -> None:
    """``Instr_ok/vunop`` · ``valid-vunop``"""
    _vec(v, 1)


def _need_relaxed(v: Validator, instr: VBinop | VSwizzlop | VExtbinop | VCvtop) -> None:
    """A relaxed operator sharing a 2.0 instruction shape needs ``relaxed_simd`` as well."""
    if instr.op.value.startswith("relaxed_"):
        _need(v.ctx.features.relaxed_simd)


@rule(VBinop)
def valid_vbinop(v: Validator, instr: VBinop) -> None:
    """``Instr_ok/vbinop`` · ``valid-vbinop``"""
    _need_relaxed(v, instr)
    _vec(v, 2)


@rule(VTernop)
def valid_vternop(v: Validator, instr: VTernop) -> None:
    """``Instr_ok/vternop`` (relaxed SIMD)"""
    _need(v.ctx.features.relaxed_simd)
    _vec(v, 3)


@rule(VTestop)
def valid_vtestop(v: Validator, instr: VTestop) -> None:
    """``Instr_ok/vtestop`` · ``valid-vtestop``"""
    _vec(v, 1, I32)


@rule(VRelop)
def valid_vrelop(v: Validator, instr: VRelop) -> None:
    """``Instr_ok/vrelop`` · ``valid-vrelop``"""
    _vec(v, 2)


@rule(VShiftop)
def valid_vshiftop(v: Validator, instr: VShiftop) -> None:
    """``Instr_ok/vshiftop``: ``[v128 i32] -> [v128]``."""
    _need(v.ctx.features.simd)
    v.pop_expect(I32)
    _vec(v, 1)


@rule(VBitmask)
def valid_vbitmask(v: Validator, instr: VBitmask) -> None:
    """``Instr_ok/vbitmask``"""
    _vec(v, 1, I32)


@rule(VSwizzlop)
def valid_vswizzlop(v: Validator, instr: VSwizzlop) -> None:
    """``Instr_ok/vswizzlop``"""
    _need_relaxed(v, instr)
    _vec(v, 2)


@rule(VShuffle)
def valid_vshuffle(v: Validator, instr: VShuffle) -> None:
    """``Instr_ok/vshuffle``: 16 lane indices, each below 32."""
    _need(v.ctx.features.simd)
    if len(instr.lanes) != 16:
        raise InvalidError(INVALID_LANE_INDEX)
    for lane in instr.lanes:
        _lane(lane, 32)
    _vec(v, 2)


@rule(VExtunop)
def valid_vextunop(v: Validator, instr: VExtunop) -> None:
    """``Instr_ok/vextunop``"""
    _vec(v, 1)


@rule(VExtbinop)
def valid_vextbinop(v: Validator, instr: VExtbinop) -> None:
    """``Instr_ok/vextbinop``"""
    _need_relaxed(v, instr)
    _vec(v, 2)


@rule(VExtternop)
def valid_vextternop(v: Validator, instr: VExtternop) -> None:
    """``Instr_ok/vextternop`` (relaxed SIMD)"""
    _need(v.ctx.features.relaxed_simd)
    _vec(v, 3)


@rule(VNarrow)
def valid_vnarrow(v: Validator, instr: VNarrow) -> None:
    """``Instr_ok/vnarrow``"""
    _vec(v, 2)


@rule(VCvtop)
def valid_vcvtop(v: Validator, instr: VCvtop) -> None:
    """``Instr_ok/vcvtop`` · ``valid-vcvtop``"""
    _need_relaxed(v, instr)
    _vec(v, 1)


@rule(VSplat)
def valid_vsplat(v: Validator, instr: VSplat) -> None:
    """``Instr_ok/vsplat``: ``[$unpack(shape)] -> [v128]``."""
    _need(v.ctx.features.simd)
    v.pop_expect(_unpacked(instr.shape))
    v.push_val(V128)


@rule(VExtractLane)
def valid_vextract_lane(v: Validator, instr: VExtractLane) -> None:
    """``Instr_ok/vextract_lane``: the lane index is below the shape's lane count."""
    _need(v.ctx.features.simd)
    _lane(instr.lane, instr.shape.dim)
    v.pop_expect(V128)
    v.push_val(_unpacked(instr.shape))


@rule(VReplaceLane)
def valid_vreplace_lane(v: Validator, instr: VReplaceLane) -> None:
    """``Instr_ok/vreplace_lane``"""
    _need(v.ctx.features.simd)
    _lane(instr.lane, instr.shape.dim)
    v.pop_expect(_unpacked(instr.shape))
    v.pop_expect(V128)
    v.push_val(V128)
