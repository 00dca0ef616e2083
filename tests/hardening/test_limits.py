"""``refwasm.script.limits``: the time limit and the command-line forms of both limits."""

from __future__ import annotations

import argparse
import signal
import threading
import time

import pytest

from refwasm.errors import ExhaustionError
from refwasm.script.limits import TIME_LIMIT_EXCEEDED, fuel_arg, time_limit, timeout_arg


def spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_the_time_limit_ends_a_block_as_exhaustion() -> None:
    started = time.monotonic()
    with pytest.raises(ExhaustionError) as raised, time_limit(0.2):
        spin(10)
    assert raised.value.message == TIME_LIMIT_EXCEEDED
    assert time.monotonic() - started < 5


def test_a_block_within_its_limit_is_left_alone_and_the_timer_disarmed() -> None:
    before = signal.getsignal(signal.SIGALRM)
    with time_limit(5):
        spin(0.05)
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    assert signal.getsignal(signal.SIGALRM) is before
    with time_limit(None):
        spin(0.05)


def test_limits_nest_and_the_earliest_deadline_wins() -> None:
    with pytest.raises(ExhaustionError), time_limit(0.2):
        with time_limit(30):
            spin(10)
    with time_limit(30):
        with pytest.raises(ExhaustionError), time_limit(0.2):
            spin(10)
        spin(0.3)  # the outer limit is still far and armed again
        assert 0 < signal.getitimer(signal.ITIMER_REAL)[0] <= 30


def test_outside_the_main_thread_there_is_no_limit() -> None:
    done: list[bool] = []

    def work() -> None:
        with time_limit(0.05):
            spin(0.2)
        done.append(True)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert done == [True]


@pytest.mark.parametrize(("text", "fuel"), [("none", None), ("NONE", None), ("0", 0),
                                             ("1_000", 1000), ("20000000", 20_000_000)])
def test_fuel_arguments(text: str, fuel: int | None) -> None:
    assert fuel_arg(text) == fuel


@pytest.mark.parametrize(("text", "seconds"), [("none", None), ("0.5", 0.5), ("60", 60.0)])
def test_timeout_arguments(text: str, seconds: float | None) -> None:
    assert timeout_arg(text) == seconds


@pytest.mark.parametrize("text", ["-1", "x", "1.5", "9" * 5000])
def test_bad_fuel(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        fuel_arg(text)


@pytest.mark.parametrize("text", ["0", "-1", "inf", "nan", "soon"])
def test_bad_timeout(text: str) -> None:
    with pytest.raises(argparse.ArgumentTypeError):
        timeout_arg(text)
