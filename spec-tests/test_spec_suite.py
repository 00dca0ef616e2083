"""The official spec test suites (and refwasm's own scripts) through ``refwasm wast``'s runner
on the reference engine and on the fast engine (``refwasm.fast``): one test per file, failing
with the list of failed commands.

A file whose commands were all skipped (refwasm lacks a layer they need) is skipped with the
reasons; a file with any failed command fails.

These stay one test per file rather than the pytest plugin's one item per command
(``pytest spec-tests/official/wasm-2.0``): 54,006 items cost about 3 times the time of the 148
per-file tests (docs/cli.md has the figures).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from refwasm.features import Version
from refwasm.script.report import FileReport
from refwasm.script.runner import run_file

OWN_SCRIPTS = Path(__file__).resolve().parent / "wast"
MAX_LISTED = 50


def check(report: FileReport) -> None:
    """Fail on any failed command; skip when nothing ran at all."""
    if report.failures:
        listed = [f"line {f.line}: {f.command}: {f.reason}" for f in report.failures[:MAX_LISTED]]
        more = report.failed - len(listed)
        tail = [f"... and {more} more"] if more > 0 else []
        pytest.fail("\n".join([report.summary(), *listed, *tail]), pytrace=False)
    if report.passed == 0 and report.skipped:
        reasons = Counter(s.reason for s in report.skips).most_common(3)
        pytest.skip(f"{report.summary()}; " + "; ".join(f"{n}x {r}" for r, n in reasons))


@pytest.mark.wast_files("wasm-2.0")
def test_wasm_2_0(wast_path: str) -> None:
    check(run_file(wast_path, version=Version.WASM_2_0))


@pytest.mark.wast_files("wasm-2.0")
def test_wasm_2_0_fast(wast_path: str) -> None:
    check(run_file(wast_path, engine="fast", version=Version.WASM_2_0))


@pytest.mark.wast_files("wasm-1.0")
def test_wasm_1_0(wast_path: str) -> None:
    check(run_file(wast_path, version=Version.WASM_1_0))


@pytest.mark.wast_files(str(OWN_SCRIPTS))
@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_own_scripts(wast_path: str, engine: str) -> None:
    check(run_file(wast_path, engine=engine, version=Version.WASM_2_0))
