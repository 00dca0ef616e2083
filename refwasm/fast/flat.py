"""The flat form of a translated function, for bodies Python's compiler cannot take nested.

CPython refuses more than 20 statically nested loops and 100 indentation levels, but Wasm
nesting is unbounded.  When the structured form (``translate.Translator``) would exceed those,
the function is translated again in this flat form: its code is cut into *chunks* at every
point a branch can land (the start of a targeted ``loop``, the end of a targeted ``block``, the
arms and end of every ``if``), and one ``while True:`` dispatches on the chunk number ``pc``
through a binary tree of ``if pc < k:`` tests (depth log2 of the chunk count).  A branch is
``pc = <chunk>; continue``.  The operand stack is simulated exactly as in the structured form,
and at every chunk boundary each value is in its register.

With fuel, each chunk charges its own instruction count when it is entered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from refwasm.fast.translate import Slot, Translator
from refwasm.syntax.instructions import BlockType, Instr


class FlatTranslator(Translator):
    """``Translator`` with control flow as jumps between chunks."""

    def __init__(self, *args: object, **kw: object) -> None:
        super().__init__(*args, **kw)  # type: ignore[arg-type]
        self.chunks: dict[int, list[str]] = {}
        self.fuel_counts: dict[int, int] = {}
        self.targets: dict[int, int] = {}  # label id -> the chunk a branch to it goes to
        self.cur = self.new_chunk()
        self.ind = 0
        self.charge_on_return = False

    # -- Chunks ----------------------------------------------------------------------------

    def emit(self, text: str) -> None:
        self.chunks[self.cur].append("    " * self.ind + text)

    def new_chunk(self) -> int:
        n = len(self.chunks)
        self.chunks[n] = []
        self.fuel_counts[n] = 0
        return n

    def start(self, chunk: int) -> None:
        """Continue writing in ``chunk`` (a branch target: nothing is deferred across it)."""
        self.cur = chunk
        self.ind = 0

    def goto(self, chunk: int) -> None:
        self.emit(f"pc = {chunk}; continue")

    def count_fuel(self) -> None:
        self.fuel_counts[self.cur] += 1

    # -- The function ----------------------------------------------------------------------

    def body_source(self) -> list[str]:
        """The flat form: the chunks inside ``try: while True:``, dispatched on ``pc``."""
        lines = ["    pc = 0", "    try:", "        while True:"]
        self.dispatch(sorted(self.chunks), 3, lines)
        return lines

    def dispatch(self, ids: list[int], depth: int, out: list[str]) -> None:
        """A binary tree of tests on ``pc`` over the chunks ``ids`` (recursion depth log2)."""
        pad = "    " * depth
        if len(ids) <= 3:
            for n in ids:
                out.append(f"{pad}if pc == {n}:")
                if self.fueled:
                    out.append(f"{pad}    _fu[0] -= {self.fuel_counts[n] + 1}")
                    out.append(f"{pad}    if _fu[0] < 0: _fuel_exhausted()")
                body = self.chunks[n] or ["pass"]
                out.extend(f"{pad}    {line}" for line in body)
            return
        mid = len(ids) // 2
        out.append(f"{pad}if pc < {ids[mid]}:")
        self.dispatch(ids[:mid], depth + 1, out)
        out.append(f"{pad}else:")
        self.dispatch(ids[mid:], depth + 1, out)

    # -- Control ---------------------------------------------------------------------------

    def open_block(self, kind: str, bt: BlockType) -> Callable[[], None]:
        """exec-block / exec-loop: a targeted loop starts a chunk, a targeted block ends one."""
        label = self.new_label(kind, bt)
        base, nresults, targeted = label.base, label.results, label.pyloop
        if targeted and kind == "loop":
            head = self.new_chunk()
            self.goto(head)
            self.start(head)
            self.targets[label.id] = head
        elif targeted:
            self.targets[label.id] = self.new_chunk()
        self.labels.append(label)

        def finish() -> None:
            self.labels.pop()
            if targeted and kind == "block":
                if self.reachable:
                    self.to_registers(base, self.pops(nresults))
                    self.goto(self.targets[label.id])
                self.start(self.targets[label.id])
                self.reset_stack(base, nresults)
                self.reachable = True

        return finish

    def open_if(
        self,
        bt: BlockType,
        else_: tuple[Instr, ...],
        work: list[tuple[Iterator[Instr], Callable[[], None] | None]],
    ) -> Callable[[], None]:
        """exec-if: a jump to the ``else`` chunk unless the condition holds."""
        cond = self.condition(self.pop())
        label = self.new_label("if", bt)
        base, nresults, targeted = label.base, label.results, label.pyloop
        params: list[Slot] = self.stack[base:]
        else_chunk, end_chunk = self.new_chunk(), self.new_chunk()
        self.targets[label.id] = end_chunk
        self.emit(f"if not ({cond}): pc = {else_chunk}; continue")
        self.labels.append(label)

        def finish_then() -> None:
            then_reachable = self.reachable
            if then_reachable:
                self.to_registers(base, self.pops(nresults))
                self.goto(end_chunk)
            self.start(else_chunk)
            self.truncate(base)
            for slot in params:
                self.push(slot)
            self.reachable = True

            def finish_else() -> None:
                self.labels.pop()
                else_reachable = self.reachable
                if else_reachable:
                    self.to_registers(base, self.pops(nresults))
                    self.goto(end_chunk)
                self.start(end_chunk)
                self.reset_stack(base, nresults)
                self.reachable = then_reachable or else_reachable or targeted

            work.append((iter(else_), finish_else))

        return finish_then

    def jump(self, l: int, vals: list[Slot]) -> None:  # noqa: E741
        """exec-br: values to the label's registers, then to its chunk (or return)."""
        label = self.labels[-1 - l]
        if label.kind == "func":
            self.emit_return_of(vals)
            return
        self.to_registers(label.base, vals)
        self.goto(self.targets[label.id])
