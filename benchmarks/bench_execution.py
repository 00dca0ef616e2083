"""Execution benchmarks: refwasm's fast engine, its reference interpreter, pywasm and (when the
``wasmtime`` package is installed) wasmtime on the same workloads, in one pytest-benchmark run.

Each workload in ``workloads/`` is a .wat program exporting ``run: [] -> [i32]``.  It is
compiled once (``wat2wasm`` when on PATH, else refwasm's own parser and encoder), instantiated
once per engine, and ``run`` is called for several rounds; every engine must return the same
value.  The time of a workload on an engine is its best round: the first call of a function
(where the fast engine translates and compiles it, and the reference prepares it) is in the
first round only, so the figure is execution time; ``bench_translation.py`` measures
translation.  pytest-benchmark reports each engine's times grouped by workload; the session
summary (``conftest.py``) prints each engine's time, the speedups of the fast engine over
pywasm and over the reference per workload, their geometric means, and the targets
(fast >= 100x pywasm and >= 10x the reference on the geometric mean).

Run with ``pytest benchmarks/bench_execution.py`` (``-k fast`` etc. selects engines; a summary
ratio needs both of its engines in the run).
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
ENGINES = ("fast", "reference", "pywasm", "wasmtime")
# Rounds per engine: pywasm takes seconds per workload, wasmtime microseconds (so each of its
# rounds repeats the call and pytest-benchmark reports the time per call).
ROUNDS = {"fast": 5, "reference": 3, "pywasm": 3, "wasmtime": 5}
ITERATIONS = {"wasmtime": 20}

# Best times per (workload, engine), read by conftest.py's terminal summary.
TIMES: dict[tuple[str, str], float] = {}
RESULTS: dict[tuple[str, str], int] = {}


def compile_wat(path: Path, tmp: Path) -> bytes:
    """The binary of a .wat workload."""
    if shutil.which("wat2wasm"):
        out = tmp / (path.stem + ".wasm")
        subprocess.run(["wat2wasm", str(path), "-o", str(out)], check=True)
        return out.read_bytes()
    from refwasm.binary import encode_module
    from refwasm.text import parse_module

    return encode_module(parse_module(path.read_text()))


def refwasm_runner(data: bytes, engine: str) -> Callable[[], int]:
    """Instantiate with refwasm on ``engine`` ("fast" or "reference"); a thunk invoking
    ``run``."""
    from refwasm import embedding
    from refwasm.execution.values import ExternFuncAddr

    store = embedding.store_init(engine=engine)
    inst = embedding.module_instantiate(store, embedding.module_decode(data), [])
    run = embedding.instance_export(inst, "run")
    assert isinstance(run, ExternFuncAddr)

    def call() -> int:
        (result,) = embedding.func_invoke(store, run.addr, [])
        assert isinstance(result, int)
        return result

    return call


def pywasm_runner(data: bytes, tmp: Path) -> Callable[[], int]:
    """Instantiate with pywasm; a thunk invoking ``run``."""
    pywasm = pytest.importorskip("pywasm")
    path = tmp / "pywasm.wasm"
    path.write_bytes(data)
    runtime = pywasm.core.Runtime()
    inst = runtime.instance_from_file(str(path))
    return lambda: int(runtime.invocate(inst, "run", [])[0]) & 0xFFFF_FFFF


def wasmtime_runner(data: bytes) -> Callable[[], int]:
    """Instantiate with wasmtime (compiled ahead of the rounds); a thunk invoking ``run``."""
    wasmtime = pytest.importorskip("wasmtime")
    engine = wasmtime.Engine()
    store = wasmtime.Store(engine)
    instance = wasmtime.Instance(store, wasmtime.Module(engine, data), [])
    run = instance.exports(store)["run"]
    return lambda: int(run(store)) & 0xFFFF_FFFF


def runner(engine: str, data: bytes, tmp: Path) -> Callable[[], int]:
    if engine in ("fast", "reference"):
        return refwasm_runner(data, engine)
    if engine == "pywasm":
        return pywasm_runner(data, tmp)
    return wasmtime_runner(data)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("workload", WORKLOADS, ids=lambda p: p.stem)
def test_workload(benchmark: Any, workload: Path, engine: str, tmp_path: Path) -> None:
    data = compile_wat(workload, tmp_path)
    thunk = runner(engine, data, tmp_path)
    benchmark.group = workload.stem
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    result = benchmark.pedantic(
        thunk, rounds=ROUNDS[engine], iterations=ITERATIONS.get(engine, 1), warmup_rounds=0
    )
    RESULTS[workload.stem, engine] = result
    agreed = {e: v for (w, e), v in RESULTS.items() if w == workload.stem}
    assert len(set(agreed.values())) == 1, f"{workload.stem}: engines disagree: {agreed}"
    if benchmark.stats is not None:  # None under --benchmark-disable
        TIMES[workload.stem, engine] = benchmark.stats.stats.min
