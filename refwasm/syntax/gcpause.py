"""Building abstract syntax in bulk without Python's cycle collector (no spec counterpart).

The front ends (decoder, text parser, validator, the interpreter's preparation of bodies)
allocate one or more objects per instruction: a million-instruction module is millions of
objects, none of them in a reference cycle.  CPython's cyclic garbage collector still walks
all of them again and again as they pile up, which cost a third to a half of the time of
those phases.  ``gc_paused`` runs a function with the collector off (reference counting frees
memory as usual) and turns it back on after, if it was on.
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


def gc_paused(fn: Callable[P, R]) -> Callable[P, R]:
    """``fn`` run with the cyclic garbage collector paused (it must not build cycles in bulk)."""

    @functools.wraps(fn)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        if not gc.isenabled():
            return fn(*args, **kwargs)  # already off (or an enclosing call paused it)
        gc.disable()
        try:
            return fn(*args, **kwargs)
        finally:
            gc.enable()

    return paused
