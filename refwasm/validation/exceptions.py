"""Typing rules of the exception instructions (3.0; SpecTec ``2.3-validation.instructions``,
"Exception instructions"): ``throw``, ``throw_ref``, ``try_table`` and its catch clauses.

The rules register in ``instructions._RULES`` like every other instruction's; importing this
module (``refwasm.validation`` does) puts them there.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from refwasm.errors import TYPE_MISMATCH, InvalidError
from refwasm.syntax.instructions import (
    Catch,
    CatchAll,
    CatchAllRef,
    CatchClause,
    CatchRef,
    Throw,
    ThrowRef,
    TryTable,
)
from refwasm.syntax.types import EXNREF, AbsHeapType, RefType, ValType
from refwasm.validation.context import tag
from refwasm.validation.instructions import BLOCK, Validator, _need, rule
from refwasm.validation.types import Operand, resulttype_sub, valid_blocktype

# ``(REF EXN)``: what the ``_ref`` catch clauses pass on, never null.
REF_EXN = RefType(False, AbsHeapType.EXN)


@rule(Throw)
def valid_throw(v: Validator, instr: Throw) -> None:
    """``Instr_ok/throw``: ``t_1* t* -> t_2*`` where the tag's type is ``FUNC t* -> eps``."""
    _need(v.ctx.features.exceptions)
    params = tag(v.ctx, instr.tag).params
    # The suite words this mismatch as the reference interpreter does, with both sides.
    frame = v.ctrls[-1]
    available = v.vals[max(frame.height, len(v.vals) - len(params)) :]
    try:
        v.pop_vals(params)
    except InvalidError:
        raise InvalidError(
            f"{TYPE_MISMATCH}: instruction requires [{_types(params)}] "
            f"but stack has [{_types(available)}]"
        ) from None
    v.unreachable()


def _types(ts: Sequence[Operand]) -> str:
    """Operand types as the reference interpreter lists them (``i32 i64``)."""
    return " ".join(t.value if isinstance(t, Enum) else str(t) for t in ts)


@rule(ThrowRef)
def valid_throw_ref(v: Validator, instr: ThrowRef) -> None:
    """``Instr_ok/throw_ref``: ``t_1* (REF NULL EXN) -> t_2*``."""
    _need(v.ctx.features.exceptions)
    v.pop_expect(EXNREF)
    v.unreachable()


@rule(TryTable)
def valid_try_table(v: Validator, instr: TryTable) -> None:
    """``Instr_ok/try_table``: the body is a block of type ``bt``; each catch clause is checked
    in the context outside it (``Catch_ok``), so its label index does not count the
    ``try_table``'s own label."""
    _need(v.ctx.features.exceptions)
    ft = valid_blocktype(v.ctx, instr.blocktype)
    for c in instr.catches:
        valid_catch(v, c)
    v.pop_vals(ft.params)
    v.push_ctrl(BLOCK, ft, instr.body)


def valid_catch(v: Validator, c: CatchClause) -> None:
    """``Catch_ok/catch``, ``Catch_ok/catch_ref``, ``Catch_ok/catch_all``,
    ``Catch_ok/catch_all_ref``: what the clause passes must match its label's types."""
    passed: tuple[ValType, ...]
    match c:
        case Catch(x, _):
            passed = tag(v.ctx, x).params
        case CatchRef(x, _):
            passed = (*tag(v.ctx, x).params, REF_EXN)
        case CatchAll():
            passed = ()
        case CatchAllRef():
            passed = (REF_EXN,)
    if not resulttype_sub(v.ctx, passed, v.label_types(c.label)):
        raise InvalidError(TYPE_MISMATCH)
