"""``refwasm diff --spec 3.0``: generated modules with the 3.0 proposals (multi-memory,
memory64, table64, extended constants, relaxed SIMD) agree between refwasm and wasmtime."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from refwasm.engines import EngineError, engine_named
from refwasm.features import Features

pytest.importorskip("hypothesis")
pytestmark = pytest.mark.peer

FEATURES = Features.for_version("3.0")


def test_wasmtime_agrees_under_3_0(tmp_path: Path) -> None:
    from refwasm.oracle.diff import run_diff

    try:
        engine_named("wasmtime").session(FEATURES)
    except EngineError as error:
        pytest.skip(f"engine wasmtime unavailable: {error}")
    # The 2,000 examples: about 2 minutes on the shared 2-core development machine.
    tally = run_diff(["wasmtime"], FEATURES, examples=2000, seconds=None, seed=0,
                     out=tmp_path, stream=io.StringIO())  # fmt: skip
    assert tally.examples >= 2000
    assert [d.reason for d in tally.disagreements] == []
