"""The limits that keep a run of untrusted Wasm finite (docs/security.md): fuel, counted in
steps of the reference interpreter, and a wall-clock time limit for what fuel does not bound (a
bulk memory instruction is one step however many bytes it writes; another engine counts
differently).

``refwasm run``, ``refwasm wast`` and ``refwasm oracle`` take both, with the defaults below, on
the command line as ``--fuel N|none`` and ``--timeout SECONDS|none``.
"""

from __future__ import annotations

import argparse
import math
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

from refwasm.errors import TIME_LIMIT_EXCEEDED, ExhaustionError

# Steps per call or instantiation.  The most any command of the official suites (1.0, 2.0, 3.0)
# needs is between 1 and 1.5 million (measured); the default leaves a wide margin and still ends
# an endless loop within seconds (the reference interpreter runs roughly 3 million steps a
# second).
DEFAULT_FUEL = 20_000_000
# Seconds per call or instantiation (``run``: the whole command; ``oracle``: each request).
DEFAULT_TIMEOUT = 60.0



class EngineDefault:
    """A limit given no value: the chosen engine's default (``default_fuel``; the reply
    deadline of an engine process, ``cmd_engine.reply_timeout``)."""

    def __repr__(self) -> str:
        return "the engine's default"


ENGINE_DEFAULT = EngineDefault()


def default_fuel(engine: str) -> int:
    """The fuel an instantiation or call gets on ``engine`` unless told otherwise: the same on
    every engine that takes fuel (the fast engine's unit stays within a small factor of the
    reference's steps: docs/fast-path.md)."""
    return DEFAULT_FUEL


def resolve_fuel(fuel: int | None | EngineDefault, engine: str) -> int | None:
    """``--fuel``'s value for ``engine``: as given, or the engine's default."""
    return default_fuel(engine) if isinstance(fuel, EngineDefault) else fuel


def fuel_arg(text: str) -> int | None:
    """``--fuel``: a non-negative integer, or ``none`` for no fuel limit."""
    if text.lower() == "none":
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of steps or 'none': {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"fuel must not be negative: {text!r}")
    return value


def timeout_arg(text: str) -> float | None:
    """``--timeout``: positive seconds, or ``none`` for no time limit."""
    if text.lower() == "none":
        return None
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds or 'none': {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"the time limit must be positive: {text!r}")
    return value


def add_limit_arguments(parser: argparse.ArgumentParser, *, per: str) -> None:
    """``--fuel`` and ``--timeout`` with their defaults; ``per`` says what each one bounds.
    ``--fuel``'s default is the engine's (``resolve_fuel``)."""
    parser.add_argument(
        "--fuel", type=fuel_arg, default=ENGINE_DEFAULT, metavar="N|none",
        help=f"steps allowed per {per} (default {DEFAULT_FUEL:,}; 'none': no limit)",
    )
    parser.add_argument(
        "--timeout", type=timeout_arg, default=DEFAULT_TIMEOUT, metavar="SECONDS|none",
        help=f"seconds allowed per {per} (default {DEFAULT_TIMEOUT:g}; 'none': no limit)",
    )


# Deadlines (time.monotonic) of the time limits entered and not yet left, innermost last.
_deadlines: list[float] = []


def _expired(signum: int, frame: FrameType | None) -> None:
    raise ExhaustionError(TIME_LIMIT_EXCEEDED)


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Raise ``ExhaustionError("time limit exceeded")`` in the block once ``seconds`` passed.

    A ``SIGALRM`` timer interrupts the interpreter between two Python bytecodes, so the state
    the block leaves is whatever it was then; a caller that keeps the store afterwards takes
    that into account (the oracle drops it).  Limits nest (the earliest deadline wins).
    Outside the main thread, or where there is no ``setitimer``, the block runs unlimited.
    """
    if (seconds is None or not hasattr(signal, "setitimer")
            or threading.current_thread() is not threading.main_thread()):
        yield
        return
    outer = _deadlines[-1] if _deadlines else None
    deadline = time.monotonic() + seconds
    if outer is not None:
        deadline = min(deadline, outer)
    previous = signal.signal(signal.SIGALRM, _expired) if outer is None else None
    _deadlines.append(deadline)
    try:
        _arm(deadline)
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        _deadlines.pop()
        if outer is not None:
            _arm(outer)
        else:
            signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)


def _arm(deadline: float) -> None:
    # setitimer(0) would disarm the timer: a deadline already passed fires at once instead.
    signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), 1e-6))
