"""Exception handling in generated bodies (3.0): ``throw``, ``throw_ref``, ``try_table``.

A ``try_table`` is generated inside a handler block whose type is what its catch clauses
deliver (a tag's parameters, plus an ``exnref`` for ``catch_ref``/``catch_all_ref``): normal
completion drops the ``try_table``'s results and pushes constants of that type, so both ways
leave the same values, which later steps use (an ``exnref`` among them may feed ``throw_ref``).
Its body starts, half of the time, with a conditional ``throw`` so that handlers run often.
An exception nobody catches leaves the export: an outcome, compared like a trap.  Under
``disallow_traps`` nothing is thrown (``try_table`` is still generated).
"""

from __future__ import annotations

from refwasm.binary.opcodes import Imm, Op
from refwasm.strategies.body import I32, PLAIN_HANDLERS, BodyGen, Label, _blocktype, _handler
from refwasm.syntax.instructions import (
    Block,
    Catch,
    CatchAll,
    CatchAllRef,
    CatchClause,
    CatchRef,
    Drop,
    If,
    Instr,
    RefNull,
    Throw,
    ThrowRef,
    TryTable,
)
from refwasm.syntax.types import EXNREF, AbsHeapType, TypeIdx, ValType


def _throw_code(g: BodyGen, out: list[Instr]) -> None:
    """``Instr_ok/throw``: a tag's arguments, then ``throw``."""
    tag = g.choose(0, len(g.ctx.tags) - 1)
    for t in g.ctx.tags[tag]:
        g.produce(out, t)
    out.append(Throw(tag))


@_handler(Imm.THROW)
def _throw(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """``Instr_ok/throw``; the frame ends (the stack is polymorphic after it)."""
    if not g.ctx.tags or g.ctx.options.disallow_traps:
        return False
    _throw_code(g, out)
    return True


def _throw_ref(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """``Instr_ok/throw_ref``: the ``exnref`` on the stack (a caught exception, or null: a
    trap), else one caught right here by ``catch_all_ref``; the frame ends."""
    if not g.ctx.config.exceptions or not g.ctx.tags or g.ctx.options.disallow_traps:
        return False
    if not (stack and stack[-1] == EXNREF and g.choose(0, 1) == 1):
        body: list[Instr] = []
        _throw_code(g, body)
        caught = TryTable(None, (CatchAllRef(0),), tuple(body))
        # The handler block ends after a body that always throws: its end is unreachable.
        out.append(Block(EXNREF, (caught, RefNull(AbsHeapType.EXN))))
    else:
        stack.pop()
    out.append(ThrowRef())
    return True


@_handler(Imm.TRY_TABLE)
def _try_table(g: BodyGen, op: Op, out: list[Instr], stack: list[ValType]) -> bool:
    """``Instr_ok/try_table`` with its catch clauses (``Catch_ok``) inside a handler block."""
    if not g.ctx.tags or len(g.labels) > 8:
        return False
    tag = g.choose(0, len(g.ctx.tags) - 1)
    params = g.ctx.tags[tag]
    mode = g.choose(0, 3)  # catch, catch_ref, catch_all, catch_all_ref
    payload = (params if mode < 2 else ()) + ((EXNREF,) if mode % 2 else ())
    if len(payload) > 1 and not g.ctx.config.multi_value:
        mode, payload = 2, ()  # a handler block of several values needs multi-value
    kinds: list[CatchClause] = [Catch(tag, 0), CatchRef(tag, 0), CatchAll(0), CatchAllRef(0)]
    clauses = [kinds[mode]]
    # A catch-all after a tag's clause when it delivers the same values.
    if mode < 2 and not params and g.choose(0, 1) == 1:
        clauses.append(CatchAllRef(0) if mode else CatchAll(0))
    bt, ft = _blocktype(g)
    handler: list[Instr] = []
    g.labels.append(Label(payload))
    for t in ft.params:
        g.produce(handler, t)
    g.labels.append(Label(ft.results))
    prefix: list[Instr] = []
    if not g.ctx.options.disallow_traps and g.choose(0, 1) == 1:
        thrown: list[Instr] = []
        _throw_code(g, thrown)
        g.produce(prefix, I32)
        prefix.append(If(None, tuple(thrown), ()))
    body = prefix + g.seq(list(ft.params), ft.results)
    g.labels.pop()
    handler.append(TryTable(bt, tuple(clauses), tuple(body)))
    handler += [Drop() for _ in ft.results]
    for t in payload:
        g.produce_const(handler, t)
    g.labels.pop()
    g.emit(Block(_handler_type(g, payload), tuple(handler)), out, stack, payload)
    return False


def _handler_type(g: BodyGen, payload: tuple[ValType, ...]) -> TypeIdx | ValType | None:
    """The handler block's type ``[] -> payload``: none, a value type, or a type index."""
    if not payload:
        return None
    if len(payload) == 1:
        return payload[0]
    return TypeIdx(g.ctx.blocktypes[payload])


PLAIN_HANDLERS[ThrowRef] = _throw_ref
