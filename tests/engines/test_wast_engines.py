"""``refwasm wast --engine E``: the foreign adapters run official scripts through the same runner."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from refwasm.engines import EngineError, engine_named
from refwasm.features import Features
from refwasm.script.runner import run_file
from refwasm.testsuite import suite_root

pytestmark = pytest.mark.peer

ROOT = Path(__file__).resolve().parents[2]
SUITE = suite_root()


def script(name: str) -> Path:
    path = SUITE / "wasm-2.0" / name
    if not path.is_file():
        pytest.skip(f"official test suite not found at {SUITE} (set REFWASM_TESTSUITE)")
    return path


def require(name: str) -> None:
    try:
        engine_named(name).session(Features.for_version("2.0"))
    except EngineError as error:
        pytest.skip(f"engine {name} unavailable: {error}")


# Scripts each engine passes completely through its adapter (NaN patterns, traps, spectest).
@pytest.mark.parametrize(
    ("engine", "name"),
    [("wasmtime", "i32.wast"), ("wasmtime", "f32.wast"), ("wasmtime", "call_indirect.wast"),
     ("wasmtime", "simd/simd_f32x4_arith.wast"), ("node", "memory_trap.wast"),
     ("node", "float_exprs.wast"), ("pywasm", "int_literals.wast")],
)
def test_engine_passes_script(engine: str, name: str) -> None:
    require(engine)
    report = run_file(str(script(name)), engine=engine)
    assert report.passed > 0 and not report.failures, report.failures[:5]


def test_cli_runs_a_foreign_engine() -> None:
    require("wasmtime")
    process = subprocess.run(
        [sys.executable, "-m", "refwasm", "wast", "--engine", "wasmtime",
         str(script("f64_bitwise.wast"))],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert process.returncode == 0, process.stdout + process.stderr
    assert " 0 failed" in process.stdout


def test_an_unavailable_engine_fails_files_without_crashing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "wasmtime", None)
    report = run_file(str(script("i32.wast")), engine="wasmtime")
    assert report.passed == 0
    assert any("unavailable" in failure.reason for failure in report.failures)
