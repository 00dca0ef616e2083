#!/usr/bin/env python3
"""Atheris target: the differential oracle on fuzzer-chosen valid modules.

libFuzzer's bytes drive Hypothesis (``fuzz_one_input``) through ``refwasm.oracle.diff.cases``:
a valid module from ``refwasm.strategies`` (bounded by a fuel counter, NaNs canonicalised) and
calls to its exports with edge-biased arguments.  ``refwasm.oracle.diff.Runner`` runs each case
on the reference (the subject) and on the fast engine and wasmtime (when installed), and judges
them by the comparison rules (docs/comparison-rules.md); a disagreement is a crash, reported
with the module's text.  Hypothesis' own example database is off: libFuzzer keeps the corpus.
No seed corpus: the input is Hypothesis' choice sequence, not a module.
"""

from __future__ import annotations

import importlib.util

from common import instrument, main
from hypothesis import HealthCheck, given, settings

instrument("refwasm.numerics", "refwasm.execution", "refwasm.fast", "refwasm.oracle.diff")

from refwasm.features import Features  # noqa: E402
from refwasm.oracle.diff import Case, Runner, cases  # noqa: E402
from refwasm.text.printer import print_module  # noqa: E402

FEATURES = Features.for_version("2.0")  # what refwasm.strategies generates (refwasm diff's default)
PEERS = ["fast"] + (["wasmtime"] if importlib.util.find_spec("wasmtime") else [])
RUNNER = Runner(PEERS, FEATURES)


class Disagreement(Exception):
    """The engines disagree on a case."""


@settings(database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(cases(FEATURES))
def differential(case: Case) -> None:
    found = RUNNER.run(case)
    if found is not None:
        raise Disagreement(f"{found.engine}: {found.reason}\n{print_module(case.module)}")


TestOneInput = differential.hypothesis.fuzz_one_input

if __name__ == "__main__":
    # Hypothesis needs a few KB of choices for a module with calls; libFuzzer starts tiny.
    main(TestOneInput, "-max_len=8192", "-len_control=0")
