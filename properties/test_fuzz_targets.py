"""The Atheris targets of ``fuzz/`` start, run without a crash, and find a planted bug.

Default run: each target fuzzes for ``SMOKE`` seconds from an empty corpus (it starts, its
imports and instrumentation work).  ``slow``: each target runs ``CAMPAIGN`` seconds from seeds
extracted from the official suites, and prints its executions per second; the binary target
finds an untyped exception planted in a temporary copy of the decoder.  Targets run in a
subprocess, as libFuzzer does, so that a crash is its exit status.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("atheris") is None,
    reason="atheris is not installed (pip install -e '.[fuzz]')",
)

FUZZ = Path(__file__).resolve().parents[1] / "fuzz"
TARGETS = ["binary", "text", "wast", "oracle", "differential"]
SMOKE = 3
CAMPAIGN = 60
SEEDS_PER_TARGET = 300


def run_target(target: str, seconds: int, *args: str, env: dict[str, str] | None = None,
               cwd: Path | None = None) -> tuple[subprocess.CompletedProcess[str], float]:
    """libFuzzer's exit status and output, and the executions per second it reports."""
    process = subprocess.run(
        [sys.executable, str(FUZZ / f"fuzz_{target}.py"), f"-max_total_time={seconds}",
         "-print_final_stats=1", "-rss_limit_mb=4096", *args],
        capture_output=True, text=True, timeout=seconds * 4 + 120, env=env, cwd=cwd,
    )
    rate = re.search(r"stat::average_exec_per_sec:\s*(\d+)", process.stderr)
    return process, float(rate.group(1)) if rate else 0.0


def check(process: subprocess.CompletedProcess[str]) -> None:
    tail = "\n".join(process.stderr.splitlines()[-30:])
    assert process.returncode == 0, tail
    assert "stat::number_of_executed_units" in process.stderr, tail


@pytest.mark.parametrize("target", TARGETS)
def test_target_starts(target: str, tmp_path: Path) -> None:
    process, _ = run_target(target, SMOKE, str(tmp_path), cwd=tmp_path)
    check(process)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    subprocess.run([sys.executable, str(FUZZ / "build_corpus.py"), "--out", str(out),
                    "--limit", str(SEEDS_PER_TARGET)], check=True, capture_output=True)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("target", TARGETS)
def test_target_campaign(target: str, seeds: Path, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    inputs = [str(corpus)] + ([str(seeds / target)] if (seeds / target).is_dir() else [])
    process, rate = run_target(target, CAMPAIGN, *inputs, cwd=tmp_path)
    check(process)
    print(f"fuzz_{target}: {rate:.0f} executions/s over {CAMPAIGN} s")


# An untyped exception where the decoder meets a byte that is no value type (in a function
# type, a local, a global...): the suites' modules that seed the run are all well formed, so
# the fuzzer has to mutate one to get there.
PLANTED_IN = "binary/decode.py"
PLANTED_FROM = "raise MalformedError(INTEGER_TOO_LONG if b & 0x80 else MALFORMED_VALUE_TYPE)"
PLANTED_TO = 'raise ValueError("planted bug")'


@pytest.mark.slow
def test_binary_target_finds_a_planted_bug(seeds: Path, tmp_path: Path) -> None:
    import refwasm

    copy = tmp_path / "src" / "refwasm"
    shutil.copytree(Path(refwasm.__file__).parent, copy,
                    ignore=shutil.ignore_patterns("__pycache__"))
    source = (copy / PLANTED_IN).read_text()
    assert PLANTED_FROM in source, "the planted bug's site moved; update PLANTED_FROM"
    (copy / PLANTED_IN).write_text(source.replace(PLANTED_FROM, PLANTED_TO, 1))
    env = {**os.environ, "PYTHONPATH": str(copy.parent)}
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    started = time.monotonic()
    process, _ = run_target("binary", CAMPAIGN, str(corpus), str(seeds / "binary"), env=env,
                            cwd=tmp_path)
    elapsed = time.monotonic() - started
    output = process.stdout + process.stderr  # Atheris prints the Python traceback on stdout
    assert process.returncode != 0, "the planted bug was not found in time"
    assert "planted bug" in output, "\n".join(output.splitlines()[-30:])
    assert list(tmp_path.glob("crash-*")), "libFuzzer wrote no reproducer"
    print(f"planted bug found after {elapsed:.1f} s (including start-up and seed loading)")
