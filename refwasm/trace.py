"""A step-by-step trace of the reference interpreter in spec terms (``refwasm run --trace``).

``Tracer`` wraps, while it is open, the ``(handler, immediate)`` pairs that
``refwasm.execution.prepare`` builds (as ``refwasm.rule_coverage`` does for counting), so each
executed instruction prints one line::

    3  i32.add  [1 1] -> [2]  Step_pure/binop

the step number, the instruction, the operand stack before and after (its top at the right;
values are the unsigned bit patterns refwasm keeps), and the execution rule its handler cites.
``block``, ``loop``, ``if`` and ``try_table`` print at their headers, a step that throws
(``throw``, ``throw_ref``) as ``-> throw``; the end of a block and the return at the end of a
function body are not steps of their own here.  After ``limit`` lines the trace
says so once and stays quiet; the run goes on.  Nothing is wrapped while no tracer is open.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TextIO

from refwasm.errors import ExceptionError, TrapError
from refwasm.execution import prepare
from refwasm.rule_coverage import STRUCTURED, execution_rules_for
from refwasm.rules import parse_citations
from refwasm.text.printer import plain
from refwasm.validation import instructions as vins

Handler = Callable[[Any, Any], None]

# How many of the topmost operands a line shows.
SHOWN_OPERANDS = 8


def show_stack(stack: list[Any]) -> str:
    """The operand stack, top at the right, its deeper part elided past ``SHOWN_OPERANDS``."""
    shown = [str(v) for v in stack[-SHOWN_OPERANDS:]]
    more = ["..."] if len(stack) > SHOWN_OPERANDS else []
    return "[" + " ".join(more + shown) + "]"


@dataclass
class Tracer:
    """Prints each step to ``out`` while open (``with Tracer(out, limit): ...``)."""

    out: TextIO
    limit: int
    steps: int = 0
    _restore: list[Callable[[], None]] = field(default_factory=list)

    def __enter__(self) -> Tracer:
        original = prepare.prepare_instr
        traced = self._traced

        def prepare_traced(instr: Any, ctx: Any) -> Any:
            handler, imm = original(instr, ctx)
            rule = execution_rules_for(vins._RULES.get(type(instr), handler), handler, instr)
            return traced(handler, _text(instr), rule or _labels(handler)), imm

        self._replace(prepare, "prepare_instr", prepare_traced)
        for module, name in STRUCTURED:
            handler = getattr(module, name)
            rule = execution_rules_for(handler, handler, None)
            self._replace(module, name, traced(handler, name.removeprefix("exec_"), rule))
        return self

    def __exit__(self, *exc: object) -> None:
        while self._restore:
            self._restore.pop()()

    def _replace(self, module: object, name: str, value: object) -> None:
        saved = getattr(module, name)
        setattr(module, name, value)
        self._restore.append(lambda: setattr(module, name, saved))

    def _traced(self, handler: Handler, text: str, rule: tuple[str, ...]) -> Handler:
        cited = " ".join(rule) or "-"

        def step(m: Any, imm: Any) -> None:
            self.steps += 1
            if self.steps > self.limit:
                if self.steps == self.limit + 1:
                    print(f"... trace limit of {self.limit} steps reached", file=self.out)
                handler(m, imm)
                return
            before = show_stack(m.stack)
            try:
                handler(m, imm)
            except TrapError as trap:
                print(
                    f"{self.steps}  {text}  {before} -> trap {trap.message!r}  {cited}",
                    file=self.out,
                )
                raise
            except ExceptionError:
                print(f"{self.steps}  {text}  {before} -> throw  {cited}", file=self.out)
                raise
            print(
                f"{self.steps}  {text}  {before} -> {show_stack(m.stack)}  {cited}", file=self.out
            )

        return step


def _labels(handler: Handler) -> tuple[str, ...]:
    """The 2.0 labels a handler cites (for a step with no SpecTec rule, like a constant)."""
    return tuple(parse_citations(handler.__doc__ or "")[1])


def _text(instr: Any) -> str:
    """The instruction in the text format (its class name if it has no plain form)."""
    try:
        return plain(instr)
    except Exception:  # noqa: BLE001 -- a trace line must not fail the run it describes
        return type(instr).__name__


@contextmanager
def tracing(on: bool, limit: int, out: TextIO) -> Iterator[Tracer | None]:
    """A ``Tracer`` while the block runs when ``on``; otherwise nothing is installed."""
    if not on:
        yield None
        return
    with Tracer(out, limit) as tracer:
        yield tracer
