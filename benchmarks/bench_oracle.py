"""Oracle throughput: requests per second for a small module and call.

``handle_line`` answers one JSON request, as ``refwasm oracle`` does for each line of stdin; the
benchmarks measure an ``invoke`` of a two-argument ``i32.add`` (the protocol's common case), a
``global`` read, a memory ``hash``, and an ``instantiate`` of the small module.  pytest-benchmark
reports the time per request; requests per second is its inverse (``ops`` column).  Run with
``pytest benchmarks/bench_oracle.py``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from refwasm.engines.base import text_to_bytes
from refwasm.features import Features
from refwasm.oracle.server import Oracle, handle_line

MODULE = """
(module
  (memory (export "mem") 1)
  (global (export "g") (mut i32) (i32.const 7))
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))
"""
MODULE_B64 = base64.b64encode(text_to_bytes(MODULE, Features.for_version("2.0"))).decode()

REQUESTS = {
    "invoke": {"op": "invoke", "name": "add",
               "args": [{"type": "i32", "bits": "0x7"}, {"type": "i32", "bits": "0x8"}]},
    "global": {"op": "global", "name": "g"},
    "memory-hash": {"op": "memory", "name": "mem", "hash": True},
    "instantiate": {"op": "instantiate", "module": MODULE_B64},
}


@pytest.mark.parametrize("kind", list(REQUESTS))
def test_requests_per_second(benchmark: Any, kind: str) -> None:
    oracle = Oracle()
    handle_line(oracle, json.dumps(REQUESTS["instantiate"]))
    line = json.dumps(REQUESTS[kind])
    reply = json.loads(benchmark(handle_line, oracle, line))
    assert reply["ok"] is True


# -- run_exports: modules per second ---------------------------------------------------------
#
# One test case of a fuzzer is one ``run_exports``: instantiate with recording imports, call
# every export with default arguments, hash the exported state.  The modules are binaryen's
# ``wasm-opt -ttf`` output from fixed seeds (tests/oracle/test_modules.py makes the same corpus).
# ``python benchmarks/bench_oracle.py`` prints modules/s for refwasm's reference and fast
# engines and for wasmtime (through the same recording imports), and the ratios.

CORPUS_SIZE = 12


def corpus(directory: Any) -> list[bytes]:
    """The ttf corpus as bytes (``pytest.skip`` without binaryen)."""
    import shutil
    from pathlib import Path

    from refwasm.oracle.modules import ttf_modules

    wasm_opt = shutil.which("wasm-opt")
    if wasm_opt is None:
        pytest.skip("binaryen's wasm-opt is not installed (apt-get install binaryen)")
    return [p.read_bytes() for p in ttf_modules(Path(directory), range(CORPUS_SIZE),
                                                wasm_opt=wasm_opt)]


def refwasm_rate(engine: str, modules: list[bytes]) -> float:
    """Modules per second of ``run_exports`` on a refwasm engine."""
    import time

    oracle = Oracle(engine=engine, fuel=2_000_000)
    started = time.perf_counter()
    for data in modules:
        oracle.run_exports(data)
    return len(modules) / (time.perf_counter() - started)


def peer_rate(engine: str, modules: list[bytes]) -> float:
    """Modules per second of the same run on a peer adapter (refwasm's decode of the module's
    imports and exports is done before the clock starts)."""
    import time

    from refwasm.oracle.modules import ModuleDiff

    differ = ModuleDiff([engine], Features.for_version("2.0"))
    prepared = [(data, differ._exports(data)) for data in modules]
    started = time.perf_counter()
    for data, (plan, funcs, globals_, memories) in prepared:
        differ._engine_run(engine, data, plan, funcs, globals_, memories, True)
    return len(modules) / (time.perf_counter() - started)


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_run_exports_modules_per_second(benchmark: Any, engine: str, tmp_path: Any) -> None:
    modules = corpus(tmp_path)
    oracle = Oracle(engine=engine, fuel=2_000_000)
    benchmark(lambda: [oracle.run_exports(data) for data in modules])


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as directory:
        modules = corpus(directory)
    rates = {"reference": refwasm_rate("reference", modules),
             "fast": refwasm_rate("fast", modules),
             "wasmtime": peer_rate("wasmtime", modules)}
    for name, rate in rates.items():
        print(f"{name:10} {rate:8.1f} modules/s  ({rate / rates['wasmtime']:.3f} x wasmtime)")


if __name__ == "__main__":
    main()
