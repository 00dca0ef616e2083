#!/usr/bin/env python3
"""Atheris target: the ``.wast`` script parser and runner, on the reference engine.

Input: a UTF-8 script.  Parsing may fail only with ``MalformedError``.  The runner never raises:
it records a command whose engine raised something untyped as a failure whose reason starts
with ``crash:``, and such a failure is turned into this target's crash.  Every instantiation
and call is bounded by ``FUEL`` steps and ``TIMEOUT`` seconds.  Seeds: the official suites'
scripts, cut into pieces of a few commands (``build_corpus.py``).
"""

from __future__ import annotations

from common import FEATURES, FUEL, TIMEOUT, instrument, main

instrument("refwasm.text", "refwasm.validation", "refwasm.binary", "refwasm.numerics",
           "refwasm.execution", "refwasm.engines.reference", "refwasm.script.runner")

from refwasm.engines import engine_named  # noqa: E402
from refwasm.errors import WasmError  # noqa: E402
from refwasm.script.report import FileReport  # noqa: E402
from refwasm.script.runner import run_script  # noqa: E402
from refwasm.text import parse_script  # noqa: E402

ENGINE = engine_named("reference", fuel=FUEL, timeout=TIMEOUT)


class RunnerCrash(Exception):
    """A command the runner reported as a crash of refwasm."""


def TestOneInput(data: bytes) -> None:  # noqa: N802 -- the name libFuzzer drivers look for
    try:
        script = parse_script(data.decode("utf-8", "replace"), FEATURES)
    except WasmError:
        return
    report = run_script(script, ENGINE.session(FEATURES), FileReport("<fuzz>"))
    crashes = [f for f in report.failures if f.reason.startswith("crash:")]
    if crashes:
        raise RunnerCrash("; ".join(f"line {f.line} {f.command}: {f.reason}" for f in crashes))


if __name__ == "__main__":
    main(TestOneInput)
