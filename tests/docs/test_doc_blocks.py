"""Every fenced ``python`` and ``sh`` block in ``docs/`` runs, from the root of the checkout.

A page's Python blocks run in order in one namespace (a later block may use what an earlier one
defined); its shell blocks run in order as one ``bash -e`` script.  A block fails its page's
test when it raises or exits non-zero.  Blocks of other languages (``wasm``, ``json``, plain
``````) are illustrations and do not run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from refwasm.testsuite import missing_reason, suite_root

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted((ROOT / "docs").glob("*.md"))
FENCE = re.compile(r"^```(\w+)[^\n]*\n(.*?)^```\s*$", re.M | re.S)


def blocks(page: Path, language: str) -> list[str]:
    """The code of the page's blocks fenced as ``language``, in order."""
    return [code for lang, code in FENCE.findall(page.read_text("utf-8")) if lang == language]


# Pages whose shell blocks are not run, and why: each is a campaign or needs a peer tool that
# a test run does not install.  (``oracle.md`` and ``cli.md`` hold no runnable block.)
NOT_RUN = {
    "fuzz-at-scale.md": "fuzzing campaigns of 10 minutes each (libFuzzer, HypoFuzz installed by pip)",
    "fuzzing.md": "needs binaryen's wasm-opt or wasm-tools (pip) and the wasmtime and node peers",
}


def pages_with(language: str) -> list[Path]:
    return [page for page in DOCS if blocks(page, language)]


def test_the_pages_not_run_exist_and_have_shell_blocks() -> None:
    """An exclusion names a page that has something to exclude (so exclusions cannot rot)."""
    assert all(blocks(ROOT / "docs" / name, "sh") for name in NOT_RUN)


def test_the_extraction_finds_the_blocks() -> None:
    """The quickstart has both kinds (so the tests below cannot pass by running nothing)."""
    quickstart = ROOT / "docs" / "quickstart.md"
    assert len(blocks(quickstart, "python")) >= 3 and len(blocks(quickstart, "sh")) >= 3


@pytest.mark.parametrize("page", pages_with("python"), ids=lambda p: p.name)
def test_python_blocks_run(page: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from refwasm import rules

    if "rules.load_spec()" in page.read_text("utf-8") and not rules.spec_root().is_dir():
        # The spec sources are pointed at, never copied into the project (../shared/README.md).
        pytest.skip(f"{page.name} reads the spec sources: not found at {rules.spec_root()} "
                    "(set REFWASM_SPEC)")
    monkeypatch.chdir(ROOT)
    namespace: dict[str, object] = {"__name__": f"docs.{page.stem}"}
    for number, code in enumerate(blocks(page, "python"), 1):
        exec(compile(code, f"{page.name}, python block {number}", "exec"), namespace)


@pytest.mark.parametrize("page", pages_with("sh"), ids=lambda p: p.name)
def test_shell_blocks_run(page: Path) -> None:
    if page.name in NOT_RUN:
        pytest.skip(f"{page.name}: {NOT_RUN[page.name]}")
    if not (suite_root() / "wasm-2.0").is_dir():
        pytest.skip(missing_reason())
    script = "\n".join(blocks(page, "sh"))
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        ["bash", "-e", "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
