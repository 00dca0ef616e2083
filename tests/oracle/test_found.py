"""The reproducers under spec-tests/found/: refwasm passes each (its side of the disagreement is
pinned), and the engine it was found in still fails it."""

from __future__ import annotations

from pathlib import Path

import pytest

from refwasm.engines import EngineError, engine_named
from refwasm.features import Features
from refwasm.script.runner import run_file

FOUND = Path(__file__).resolve().parents[2] / "spec-tests" / "found"
SCRIPTS = sorted(FOUND.glob("*/repro.wast"))


def test_there_are_reproducers() -> None:
    assert SCRIPTS, f"no reproducers under {FOUND}"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.parent.name)
def test_refwasm_passes_the_reproducer(script: Path) -> None:
    report = run_file(str(script), engine="reference", version=None)
    assert report.passed > 1 and not report.failures and not report.skips


@pytest.mark.peer
@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.parent.name)
def test_the_engine_still_disagrees(script: Path) -> None:
    engine = script.parent.name.split("-")[0]
    try:
        engine_named(engine).session(Features.for_version("2.0"))
    except EngineError as error:
        pytest.skip(f"engine {engine} unavailable: {error}")
    report = run_file(str(script), engine=engine, version=None)
    assert report.failures, f"{engine} no longer fails {script}: remove the reproducer?"
