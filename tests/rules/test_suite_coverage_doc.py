"""``docs/suite-coverage.md``: its command block runs, and its tables are what that block prints.

The block runs the whole 2.0 and 3.0 suites, which takes minutes, so the default run gives it
one file per suite (``SUITE_FILTER``) and checks what does not depend on the files run: the
number of rules counted.  The slow test runs it as written and compares the page from
*Summary* on with its output.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from refwasm import rules
from refwasm.testsuite import missing_reason, suite_root

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "docs" / "suite-coverage.md"
SUMMARY = "## Summary\n\n"

pytestmark = [
    pytest.mark.skipif(
        not (rules.spec_root() / "wasm-3.0-spectec").is_dir(),
        reason=f"spec sources not found at {rules.spec_root()} (set REFWASM_SPEC)",
    ),
    pytest.mark.skipif(not (suite_root() / "wasm-3.0").is_dir(), reason=missing_reason()),
]


def command_block() -> str:
    """The page's fenced block that measures the coverage."""
    blocks = re.findall(r"^```[^\n]*\n(.*?)^```", PAGE.read_text("utf-8"), re.M | re.S)
    return next(b for b in blocks if "--rule-coverage" in b)


def run_block(tmp_path: Path, **env: str) -> str:
    """Run the block in ``tmp_path`` (where its reports land) and return what it prints."""
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    result = subprocess.run(
        ["bash", "-e", "-c", command_block()],
        cwd=tmp_path,
        env={**os.environ, "PATH": path, **env},
        capture_output=True,
        text=True,
        timeout=3600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout[result.stdout.index("| suite |") :]


def rule_totals(summary: str) -> list[tuple[str, str, str]]:
    """Each suite row's name and its numbers of typing and execution rules counted."""
    return re.findall(r"^\| (wasm-\S+) \| \d+ / (\d+) \| \d+ / (\d+) \|", summary, re.M)


def test_the_block_runs_and_the_page_counts_the_rules_it_counts(tmp_path: Path) -> None:
    printed = run_block(tmp_path, SUITE_FILTER="nop.wast")
    assert {p.name for p in tmp_path.iterdir()} >= {"wasm-2.0.json", "wasm-3.0.html"}
    page = PAGE.read_text("utf-8").split(SUMMARY, 1)[1]
    assert rule_totals(page) == rule_totals(printed) != []


def test_each_list_has_as_many_rules_as_its_count_says() -> None:
    lists = re.findall(r"^\*\*[^*]+\*\* \((\d+)\): (.*)$", PAGE.read_text("utf-8"), re.M)
    assert len(lists) == 10
    for count, listed in lists:
        assert int(count) == (0 if listed == "none" else listed.count("`") // 2)


@pytest.mark.slow
def test_the_tables_are_what_the_whole_suites_give(tmp_path: Path) -> None:
    printed = run_block(tmp_path)
    assert PAGE.read_text("utf-8").split(SUMMARY, 1)[1] == printed
