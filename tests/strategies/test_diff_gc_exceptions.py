"""``refwasm diff --version 3.0 --engine wasmtime`` with GC and exception handling: generated
modules with struct/array types, casts, ``i31``, throws and catches agree between refwasm and
wasmtime (issue 13's check: 2,000 examples, 0 disagreements).  That the generator reaches
every GC and exception instruction under the diff's options is a property of
``properties/test_strategies_gc_exceptions.py``."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from refwasm.engines import EngineError, engine_named
from refwasm.features import Features

pytest.importorskip("hypothesis")
pytestmark = pytest.mark.peer

# SIMD left out: ``tests/oracle/test_diff_3_0.py`` covers it, and its 260 opcodes would
# otherwise outnumber the GC and exception code in every module.
FEATURES = Features.for_version("3.0").with_(simd=False, relaxed_simd=False)
def test_wasmtime_agrees_on_gc_and_exceptions(tmp_path: Path) -> None:
    from refwasm.oracle.diff import run_diff

    try:
        engine_named("wasmtime").session(FEATURES)
    except EngineError as error:
        pytest.skip(f"engine wasmtime unavailable: {error}")
    tally = run_diff(["wasmtime"], FEATURES, examples=2000, seconds=None, seed=13,
                     out=tmp_path, stream=io.StringIO())  # fmt: skip
    assert tally.examples >= 2000
    assert [d.reason for d in tally.disagreements] == []
