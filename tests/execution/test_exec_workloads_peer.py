"""The benchmark workloads give the same results in refwasm as in wasmtime (a peer engine)."""

from __future__ import annotations

from pathlib import Path

import pytest

from refwasm import embedding
from refwasm.execution.values import ExternFuncAddr

WORKLOADS = sorted((Path(__file__).parents[2] / "benchmarks" / "workloads").glob("*.wat"))

pytestmark = pytest.mark.peer


@pytest.mark.parametrize("path", WORKLOADS, ids=lambda p: p.stem)
def test_workload_agrees_with_wasmtime(path: Path) -> None:
    wasmtime = pytest.importorskip("wasmtime")
    pytest.importorskip("refwasm.text")
    text = path.read_text()
    store = embedding.store_init()
    inst = embedding.module_instantiate(store, embedding.module_parse(text), [])
    run = embedding.instance_export(inst, "run")
    assert isinstance(run, ExternFuncAddr)
    (ours,) = embedding.func_invoke(store, run.addr, [])

    peer_store = wasmtime.Store()
    module = wasmtime.Module(peer_store.engine, wasmtime.wat2wasm(text))
    peer = wasmtime.Instance(peer_store, module, [])
    theirs = peer.exports(peer_store)["run"](peer_store)
    assert ours == theirs & 0xFFFFFFFF
