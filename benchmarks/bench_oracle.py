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
