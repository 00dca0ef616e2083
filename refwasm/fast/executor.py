"""Placeholder until the translator lands: runs everything on the reference."""

from __future__ import annotations

from refwasm.execution.instructions import invoke, run
from refwasm.execution.modules import new_machine
from refwasm.execution.runtime import Store
from refwasm.execution.values import Val


class FastExecutor:
    def invoke(self, store: Store, funcaddr: int, args: list[Val], fuel: int | None) -> list[Val]:
        m = new_machine(store, fuel)
        m.stack.extend(args)
        invoke(m, funcaddr)
        run(m)
        return m.stack
