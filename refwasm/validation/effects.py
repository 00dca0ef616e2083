"""The stack effect of each instruction of a module's function bodies, as validation finds it
(the typing rules run by the appendix's algorithm, ``algo-valid``): how many operands the
instruction pops and how many results it pushes.  The folded text layout (``refwasm print
--fold``) nests the instructions that produce an instruction's operands inside it, so it needs
these counts for every instruction, ``call_indirect``, ``br_table`` and blocks included.

A ``Validator`` subclass counts the pops and pushes of each typing rule as it runs, through
wrapped rules (``Validator.rules``); the validator itself does no extra work for it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

from refwasm.errors import InvalidError
from refwasm.features import DEFAULT_FEATURES, Features
from refwasm.syntax.modules import Func, Module
from refwasm.syntax.types import ResultType
from refwasm.validation.context import Context
from refwasm.validation.instructions import CtrlFrame, Validator
from refwasm.validation.modules import body_context, module_contexts, validate_module
from refwasm.validation.types import Operand


class StackEffect(NamedTuple):
    """An instruction's effect on the operand stack: ``pops`` operands (its parameters, and
    for a block its parameters and an ``if``'s condition), then ``pushes`` results (a block's
    results), or ``None`` when the instruction never completes normally (``br``, ``return``,
    ``unreachable``, ``throw``...: the stack is polymorphic after it)."""

    pops: int
    pushes: int | None


class _Recorder(Validator):
    """A validator that records the ``StackEffect`` of each instruction, in the order it meets
    them: a body's instructions in order, a block's own after the block (then before else).

    ``depth`` counts the pushes minus the pops of the current rule, including the pops an
    unreachable frame answers with an unknown type without popping anything, so that the count
    is the rule's, not the stack's; ``low`` is the lowest ``depth`` reached, minus the pops."""

    __slots__ = ("effects", "depth", "low", "diverges")

    def __init__(self, ctx: Context) -> None:
        super().__init__(ctx)
        self.effects: list[StackEffect] = []
        self.depth = self.low = 0
        self.diverges = False

    def pop_val(self) -> Operand:
        self.depth -= 1
        self.low = min(self.low, self.depth)
        return super().pop_val()

    def push_val(self, t: Operand) -> None:
        self.depth += 1
        super().push_val(t)

    def push_vals(self, types: ResultType) -> None:
        self.depth += len(types)
        super().push_vals(types)

    def unreachable(self) -> None:
        self.diverges = True
        super().unreachable()

    def rules(self) -> dict[type, Callable[[Validator, Any], None]]:
        """``Validator.rules``, each recording the effect of the instruction it checks."""
        return {cls: _recording(rule) for cls, rule in super().rules().items()}

    def _effect(self, frame: CtrlFrame) -> StackEffect:
        """The effect of the rule just run in ``frame``: a block opened a frame whose end
        pushes its results (its parameters, pushed again inside, are no result)."""
        if self.ctrls[-1] is not frame:
            return StackEffect(-self.low, len(self.ctrls[-1].end_types))
        if self.diverges:
            return StackEffect(-self.low, None)
        return StackEffect(-self.low, self.depth - self.low)


@functools.cache
def _recording(rule: Callable[[Validator, Any], None]) -> Callable[[Validator, Any], None]:
    """``rule``, recording the effect of the instruction it checks in the ``_Recorder`` that
    runs it (made once a rule, not once a function body)."""
    def record(v: Validator, instr: Any) -> None:
        if not isinstance(v, _Recorder):
            raise TypeError("a recording rule runs in a _Recorder")
        frame = v.ctrls[-1]
        v.depth = v.low = 0
        v.diverges = False
        rule(v, instr)
        v.effects.append(v._effect(frame))

    return record


def func_effects(ctx: Context, function: Func) -> list[StackEffect]:
    """The effects of a function body's instructions, in the order of a walk that visits a
    block after the instructions before it and before those in it (then before else)."""
    body_ctx, results = body_context(ctx, function)
    recorder = _Recorder(body_ctx)
    recorder.run(function.body, results)
    return recorder.effects


def stack_effects(module: Module, features: Features = DEFAULT_FEATURES
                  ) -> list[list[StackEffect]] | None:
    """The effects of the instructions of each function the module defines, or ``None`` when
    the module is not valid (its instructions have no types to count)."""
    try:
        validate_module(module, features)
        ctx, _ = module_contexts(module, features)
        return [func_effects(ctx, function) for function in module.funcs]
    except InvalidError:
        return None
