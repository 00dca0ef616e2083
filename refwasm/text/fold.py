"""Folding a function body into S-expressions (``text-foldedinstr``, ``Tfoldedinstr_(I)/plain``):
``(i32.add (local.get 0) (i32.const 2))`` stands for ``local.get 0 i32.const 2 i32.add``, so
an instruction may hold the instructions that produce its operands.  This module decides which
instructions nest, as ``wasm2wat --fold-exprs`` does; ``refwasm.text.printer`` lays them out.

The rule, from each instruction's stack effect (``refwasm.validation.effects`` counts them):
the expressions before an instruction in its sequence, taken back to front, become its operands
when together they produce exactly the values it pops, each producing one value or, a
multi-value one, several; an expression producing nothing (``nop``, ``drop``, ``local.set``)
ends the search.  Otherwise the instruction stays flat and the expressions before it stand on
their own; if it would take only part of a multi-value expression's results, it is no operand
of a later instruction either (``(call $two) (i32.eqz) (drop)``).  An instruction that never completes (``br``, ``unreachable``...) counts as one
value, as in ``wasm2wat``: ``(i32.add (unreachable) (i32.const 1))``.  Blocks keep their
parameters outside (the folded ``(block ...)`` has no place for operands); an ``if`` holds its
condition.  Nothing is reordered: the unfolded text is the original sequence.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from refwasm.syntax.instructions import Block, If, Instr, Loop, TryTable

# An instruction's (pops, pushes); pushes ``None`` for one that never completes.
Effect = tuple[int, int | None]
_UNKNOWN: Effect = (0, 0)  # no effects known: the instruction stays flat, holding nothing


@dataclass(slots=True)
class Node:
    """A folded instruction: the expressions producing its operands, the values it leaves for
    the folding of later ones, and a block's bodies (an ``if``'s then and else)."""

    instr: Instr
    operands: list[Node]
    values: int
    bodies: list[list[Node]] = field(default_factory=list)


def fold_body(body: Sequence[Instr], effects: Sequence[Effect] | None) -> list[Node]:
    """The folded expressions of a function body, whose instructions have ``effects`` in the
    order of ``refwasm.validation.effects`` (a block's own before its body's, then before
    else); without effects every instruction stays flat.  An explicit stack of sequences still
    to fold, so nesting costs no recursion."""
    pending: Iterator[Effect] = iter(effects or ())
    top: list[Node] = []
    todo: list[tuple[Sequence[Instr], int, list[Node]]] = [(body, 0, top)]
    while todo:
        seq, pos, nodes = todo.pop()
        if pos == len(seq):
            continue
        todo.append((seq, pos + 1, nodes))
        instr = seq[pos]
        pops, pushes = next(pending, _UNKNOWN)
        operands = _operands(nodes, _folded_pops(instr, pops))
        # Taking part of a multi-value expression's results, the instruction stays flat and
        # is no operand of a later one either (as in wasm2wat).
        values = 0 if operands is None else 1 if pushes is None else pushes
        node = Node(instr, operands or [], values)
        nodes.append(node)
        bodies = _bodies(instr)
        node.bodies = [[] for _ in bodies]
        # The then branch's effects come before the else branch's: fold it first.
        todo += reversed([(b, 0, out) for b, out in zip(bodies, node.bodies, strict=True)])
    return top


def _folded_pops(instr: Instr, pops: int) -> int:
    """The operands an instruction may hold: a block none, an ``if`` its condition."""
    match instr:
        case If():
            return 1 if pops else 0
        case Block() | Loop() | TryTable():
            return 0
    return pops


def _operands(nodes: list[Node], pops: int) -> list[Node] | None:
    """Take the last expressions of ``nodes`` when they produce exactly ``pops`` values: none
    when they produce fewer, ``None`` when the last would have to be split."""
    if pops == 0:
        return []
    values = 0
    start = len(nodes)
    while values < pops and start > 0 and nodes[start - 1].values > 0:
        start -= 1
        values += nodes[start].values
    if values > pops:
        return None
    if values < pops:
        return []
    operands = nodes[start:]
    del nodes[start:]
    return operands


def _bodies(instr: Instr) -> list[tuple[Instr, ...]]:
    """A block's instruction sequences, in text order (an ``if``'s then, then else)."""
    match instr:
        case Block(_, body) | Loop(_, body) | TryTable(_, _, body):
            return [body]
        case If(_, then, else_):
            return [then, else_]
    return []
