"""Execution benchmarks: refwasm's reference interpreter against pywasm on the same workloads.

Each workload in ``workloads/`` is a .wat program exporting ``run: [] -> [i32]``.  It is
compiled once (``wat2wasm`` when on PATH, else refwasm's own parser and encoder), then run
by both engines; both must return the same value.  pytest-benchmark reports each engine's
time per workload (grouped by workload); the session summary prints the ratio
refwasm / pywasm for each.  Run with ``pytest benchmarks/bench_execution.py``.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

WORKLOADS = sorted((Path(__file__).parent / "workloads").glob("*.wat"))

# Best times per (workload, engine), read by conftest.py's terminal summary.
TIMES: dict[tuple[str, str], float] = {}
RESULTS: dict[tuple[str, str], Any] = {}


def compile_wat(path: Path, tmp: Path) -> bytes:
    """The binary of a .wat workload."""
    if shutil.which("wat2wasm"):
        out = tmp / (path.stem + ".wasm")
        subprocess.run(["wat2wasm", str(path), "-o", str(out)], check=True)
        return out.read_bytes()
    from refwasm.binary import encode_module
    from refwasm.text import parse_module

    return encode_module(parse_module(path.read_text()))


def refwasm_runner(data: bytes) -> Callable[[], list[Any]]:
    """Instantiate with refwasm; return a thunk invoking ``run``."""
    from refwasm import embedding
    from refwasm.execution.values import ExternFuncAddr

    store = embedding.store_init()
    inst = embedding.module_instantiate(store, embedding.module_decode(data), [])
    run = embedding.instance_export(inst, "run")
    assert isinstance(run, ExternFuncAddr)
    return lambda: embedding.func_invoke(store, run.addr, [])


def pywasm_runner(data: bytes, tmp: Path) -> Callable[[], list[Any]]:
    """Instantiate with pywasm; return a thunk invoking ``run``."""
    pywasm = pytest.importorskip("pywasm")
    path = tmp / "pywasm.wasm"
    path.write_bytes(data)
    runtime = pywasm.core.Runtime()
    inst = runtime.instance_from_file(str(path))
    return lambda: runtime.invocate(inst, "run", [])


@pytest.mark.parametrize("engine", ["refwasm", "pywasm"])
@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda p: p.stem)
def test_workload(benchmark: Any, workload: Path, engine: str, tmp_path: Path) -> None:
    data = compile_wat(workload, tmp_path)
    thunk = refwasm_runner(data) if engine == "refwasm" else pywasm_runner(data, tmp_path)
    benchmark.group = workload.stem
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    result = benchmark.pedantic(thunk, rounds=3, iterations=1, warmup_rounds=0)
    value = result[0] & 0xFFFFFFFF if engine == "pywasm" else result[0]
    RESULTS[workload.stem, engine] = value
    other = RESULTS.get((workload.stem, "pywasm" if engine == "refwasm" else "refwasm"))
    if other is not None:
        assert value == other, f"{workload.stem}: refwasm and pywasm disagree"
    if benchmark.stats is not None:  # None under --benchmark-disable
        TIMES[workload.stem, engine] = benchmark.stats.stats.min
