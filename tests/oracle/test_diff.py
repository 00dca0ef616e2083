"""``refwasm diff``: the driver finds, shrinks and reproduces a disagreement, and the real
engines agree with refwasm on generated modules."""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

import pytest

from refwasm.engines import ENGINES, EngineError, engine_named
from refwasm.features import Features
from refwasm.script.report import FileReport
from refwasm.script.runner import run_file

pytest.importorskip("hypothesis")
pytestmark = pytest.mark.peer

FEATURES = Features.for_version("2.0")
ROOT = Path(__file__).resolve().parents[2]


def require(name: str) -> None:
    try:
        engine_named(name).session(FEATURES)
    except EngineError as error:
        pytest.skip(f"engine {name} unavailable: {error}")


def diff(engine: str, examples: int, tmp_path: Path, seed: int = 0) -> list[object]:
    from refwasm.oracle.diff import run_diff

    require(engine)
    tally = run_diff([engine], FEATURES, examples=examples, seconds=None, seed=seed,
                     out=tmp_path, stream=io.StringIO())
    # Hypothesis stops a batch at its first disagreement; without one, every example ran.
    assert tally.disagreements or tally.examples >= examples
    return list(tally.disagreements)


def test_a_wrong_engine_is_caught_shrunk_and_reproduced(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from refwasm.oracle.diff import Disagreement

    monkeypatch.setitem(ENGINES, "flipped", "flipped_engine:FlippedEngine")
    require("wasmtime")
    found = diff("flipped", 60, tmp_path)
    assert found, "the flipped engine returns wrong i32 results"
    first = found[0]
    assert isinstance(first, Disagreement) and first.engine == "flipped"
    assert len(first.case.calls) <= 2  # shrunk
    (directory,) = [p for p in tmp_path.iterdir() if p.is_dir()][:1]
    assert {p.name for p in directory.iterdir()} == {
        "module.wasm", "module.wat", "case.json", "repro.wast"
    }
    script = str(directory / "repro.wast")
    reference = run_file(script, engine="reference", version=None)
    flipped = run_file(script, engine="flipped", version=None)
    assert isinstance(reference, FileReport) and not reference.failures
    assert flipped.failures


def test_a_state_disagreement_is_reproduced_with_a_checker_module(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(ENGINES, "corrupt-memory", "flipped_engine:CorruptMemoryEngine")
    require("wasmtime")
    found = diff("corrupt-memory", 100, tmp_path)
    assert found, "every memory of at least a byte is reported corrupted"
    (directory,) = [p for p in tmp_path.iterdir() if p.is_dir()][:1]
    script = (directory / "repro.wast").read_text()
    assert '(register "repro")' in script and '(invoke "load" (i32.const 0))' in script
    report = run_file(str(directory / "repro.wast"), engine="reference", version=None)
    assert report.passed > 2 and not report.failures


def test_wasmtime_agrees(tmp_path: Path) -> None:
    # The 2,000 examples: about 75 s on the 2-core development machine.
    assert diff("wasmtime", 2000, tmp_path) == []


def test_node_agrees(tmp_path: Path) -> None:
    assert diff("node", 150, tmp_path) == []


def test_pywasm_agrees(tmp_path: Path) -> None:
    assert diff("pywasm", 150, tmp_path) == []


@pytest.mark.slow
@pytest.mark.parametrize(("engine", "examples"), [("wasmtime", 10_000), ("node", 2000),
                                                  ("pywasm", 2000)])
def test_long_campaigns_agree(engine: str, examples: int, tmp_path: Path) -> None:
    assert diff(engine, examples, tmp_path, seed=101) == []


def test_cli_reports_progress_and_status(tmp_path: Path) -> None:
    require("wasmtime")
    process = subprocess.run(
        [sys.executable, "-m", "refwasm", "diff", "--engine", "wasmtime", "--examples", "20",
         "--seed", "5", "--out", str(tmp_path)],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert process.returncode == 0, process.stderr
    assert "examples 20," in process.stderr and "disagreements 0" in process.stderr


def test_cli_rejects_an_unknown_engine(tmp_path: Path) -> None:
    process = subprocess.run(
        [sys.executable, "-m", "refwasm", "diff", "--engine", "nosuch", "--examples", "1"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert process.returncode == 2 and "unknown engine" in process.stderr


def test_cli_reports_an_unavailable_engine(tmp_path: Path) -> None:
    process = subprocess.run(
        [sys.executable, "-c",
         "import sys; sys.modules['wasmtime'] = None; from refwasm.cli import main; "
         "sys.exit(main(['diff', '--engine', 'wasmtime', '--examples', '1', '--out', "
         f"{str(tmp_path)!r}]))"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert process.returncode == 2, process.stderr
    assert "unavailable" in process.stderr
