"""Issue 15, item 3: a reference to a function the store does not have is the embedder's error
at the boundary (the embedding appendix's "error"), on both engines and through the oracle;
no instruction ever meets such an address."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest

from refwasm import embedding
from refwasm.binary import encode_module
from refwasm.execution.runtime import value_in_store
from refwasm.execution.values import (
    ExternFuncAddr,
    ExternGlobalAddr,
    ExternTableAddr,
    RefExtern,
    RefFuncAddr,
    RefNullVal,
)
from refwasm.syntax.types import (
    EXTERNREF,
    FUNCREF,
    AbsHeapType,
    AddrType,
    FuncType,
    GlobalType,
    Limits,
    Mut,
    TableType,
)
from refwasm.text import parse_module

WAT = """(module (table $t (export "t") 2 funcref) (type $v (func (result i32)))
  (global (export "g") (mut funcref) (ref.null func))
  (func (export "set") (param funcref) (table.set (i32.const 0) (local.get 0)))
  (func (export "call") (result i32) (call_indirect (type $v) (i32.const 0)))
  (func (export "seven") (result i32) (i32.const 7)))"""
FORGED = RefFuncAddr(99_999)


def setup(engine: str) -> tuple[embedding.Store, dict[str, object]]:
    store = embedding.store_init(engine=engine)
    inst = embedding.module_instantiate(store, parse_module(WAT), [])
    return store, dict(inst.exports)


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_invoke_refuses_a_forged_reference(engine: str) -> None:
    store, ex = setup(engine)
    set_, call = ex["set"], ex["call"]
    assert isinstance(set_, ExternFuncAddr) and isinstance(call, ExternFuncAddr)
    with pytest.raises(embedding.EmbedderError):
        embedding.func_invoke(store, set_.addr, [FORGED])
    # nothing was written: the table still holds null
    with pytest.raises(Exception, match="uninitialized element 0"):
        embedding.func_invoke(store, call.addr, [])
    seven = ex["seven"]
    assert isinstance(seven, ExternFuncAddr)
    embedding.func_invoke(store, set_.addr, [RefFuncAddr(seven.addr)])
    assert embedding.func_invoke(store, call.addr, []) == [7]


def test_an_externref_holding_a_forged_reference_is_refused() -> None:
    store = embedding.store_init()
    assert not value_in_store(store, RefExtern(FORGED), EXTERNREF)
    assert value_in_store(store, RefExtern(RefNullVal(AbsHeapType.FUNC)), EXTERNREF)


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_tables_and_globals_refuse_forged_references(engine: str) -> None:
    store, ex = setup(engine)
    t, g = ex["t"], ex["g"]
    assert isinstance(t, ExternTableAddr) and isinstance(g, ExternGlobalAddr)
    for attempt in (
        lambda: embedding.table_write(store, t.addr, 0, FORGED),
        lambda: embedding.table_grow(store, t.addr, 1, FORGED),
        lambda: embedding.global_write(store, g.addr, FORGED),
        lambda: embedding.table_alloc(store, TableType(AddrType.I32, Limits(1), FUNCREF), FORGED),
        lambda: embedding.global_alloc(store, GlobalType(Mut.VAR, FUNCREF), FORGED),
    ):
        with pytest.raises(embedding.EmbedderError):
            attempt()


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_a_host_function_returning_a_forged_reference_is_refused(engine: str) -> None:
    store = embedding.store_init(engine=engine)
    h = embedding.func_alloc(store, FuncType((), (FUNCREF,)), lambda args: [FORGED])
    wat = """(module (import "env" "h" (func $h (result funcref)))
      (func (export "f") (result funcref) (call $h)))"""
    inst = embedding.module_instantiate(store, parse_module(wat), [ExternFuncAddr(h)])
    f = inst.exports["f"]
    assert isinstance(f, ExternFuncAddr)
    with pytest.raises(embedding.EmbedderError):
        embedding.func_invoke(store, f.addr, [])


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_the_oracle_answers_and_keeps_serving(engine: str) -> None:
    module = base64.b64encode(encode_module(parse_module(WAT))).decode()
    requests = [
        {"op": "instantiate", "module": module, "id": 1},
        {"op": "invoke", "name": "set", "args": [{"type": "funcref", "func": 99_999}], "id": 2},
        {"op": "invoke", "name": "call", "args": [], "id": 3},
    ]
    out = subprocess.run(
        [sys.executable, "-m", "refwasm.cli", "oracle", "--engine", engine],
        input="".join(json.dumps(r) + "\n" for r in requests), capture_output=True, text=True,
        timeout=120,
    )
    replies = [json.loads(line) for line in out.stdout.splitlines()]
    assert [r["ok"] for r in replies] == [True, False, True]
    assert replies[2]["outcome"] == "trap"
