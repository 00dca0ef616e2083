"""Every entry point takes ``engine="fast"`` (``store_init(engine="fast")``, refwasm's fast path)
and gives what the reference gives on a small module."""

from __future__ import annotations

import base64
import io
import json
from pathlib import Path
from typing import Any

import pytest

from refwasm.cli import main
from refwasm.engines import engine_named
from refwasm.engines.base import Value, text_to_bytes
from refwasm.features import Features
from refwasm.jsapi import WebAssembly
from refwasm.oracle.server import serve
from refwasm.script.runner import run_file
from refwasm.syntax.types import NumType

FEATURES = Features.for_version("2.0")
WAT = """(module
  (memory (export "mem") 1)
  (global (export "g") (mut i32) (i32.const 7))
  (func $fac (export "fac") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0)) (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1)))))))
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "store") (param i32) (i32.store (i32.const 8) (local.get 0)) (global.set 0 (local.get 0)))
  (func (export "spin") (loop br 0)))
"""
SCRIPT = WAT + """
(assert_return (invoke "fac" (i64.const 20)) (i64.const 2432902008176640000))
(assert_trap (invoke "div" (i32.const 1) (i32.const 0)) "integer divide by zero")
(invoke "store" (i32.const 42))
(assert_return (get "g") (i32.const 42))
(assert_return (invoke "spin"))
"""
ENGINES = ["reference", "fast"]


def test_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "m.wat").write_text(WAT)
    outputs = []
    for engine in ENGINES:
        for call in (["fac", "20"], ["div", "7", "0"], ["spin"]):
            status = main(["run", str(tmp_path / "m.wat"), "--engine", engine, "--fuel", "5000",
                           "--invoke", *call])
            outputs.append((status, *capsys.readouterr()))
    half = len(outputs) // 2
    assert outputs[:half] == outputs[half:]
    assert outputs[0] == (0, "i64:2432902008176640000\n", "")


def test_wast_and_its_adapter(tmp_path: Path) -> None:
    (tmp_path / "s.wast").write_text(SCRIPT)
    reports = [run_file(str(tmp_path / "s.wast"), engine=engine, fuel=5000) for engine in ENGINES]
    assert [(r.passed, r.failed, r.skipped) for r in reports] == [(5, 1, 0)] * 2
    assert reports[0].failures[0].reason == reports[1].failures[0].reason
    assert engine_named("fast", fuel=5000).name == "fast"
    session = engine_named("fast").session(FEATURES)
    instance = session.instantiate(session.load_text(WAT), [])
    assert session.invoke(instance, "fac", [Value(NumType.I64, 5)]) == [Value(NumType.I64, 120)]
    assert main(["wast", str(tmp_path / "s.wast"), "--engine", "fast", "--fuel", "5000"]) == 1


def test_oracle() -> None:
    module = base64.b64encode(text_to_bytes(WAT, FEATURES)).decode()
    requests = [
        {"op": "instantiate", "module": module},
        {"op": "invoke", "name": "fac", "args": [{"type": "i64", "bits": 20}]},
        {"op": "invoke", "name": "div", "args": [{"type": "i32", "bits": 1},
                                                 {"type": "i32", "bits": 0}]},
        {"op": "invoke", "name": "store", "args": [{"type": "i32", "bits": 42}]},
        {"op": "global", "name": "g"},
        {"op": "memory", "name": "mem", "offset": 8, "length": 4},
        {"op": "invoke", "name": "spin", "fuel": 1000},
    ]
    lines = "\n".join(json.dumps(r) for r in requests) + "\n"
    replies: list[list[Any]] = []
    for engine in ENGINES:
        sink = io.StringIO()
        serve(io.BytesIO(lines.encode()), sink, FEATURES, engine=engine)
        replies.append([json.loads(line) for line in sink.getvalue().splitlines()])
    assert replies[0] == replies[1]
    assert replies[0][1]["results"][0]["bits"] == hex(2432902008176640000)
    assert replies[0][-1]["message"] == "fuel exhausted"


def test_diff(tmp_path: Path) -> None:
    from refwasm.oracle.diff import run_diff

    for engines, subject in ((["fast"], "reference"), (["reference"], "fast")):
        tally = run_diff(engines, FEATURES, examples=8, seconds=None, seed=1, out=tmp_path,
                         stream=io.StringIO(), subject=subject)
        assert tally.examples >= 8 and not tally.disagreements
    assert main(["diff", "--engine", "fast", "--subject", "fast", "--examples", "1"]) == 2


def test_jsapi() -> None:
    from refwasm.binary import encode_module
    from refwasm.text import parse_module

    data = encode_module(parse_module(WAT))
    results = []
    for engine in ENGINES:
        wa = WebAssembly(engine=engine)
        exports = wa.Instance(wa.Module(data)).exports
        exports.store(42)
        results.append((exports.fac(20), exports.g.value, exports.mem.buffer.read(8, 4)))
        with pytest.raises(wa.RuntimeError):
            exports.div(1, 0)
    assert results[0] == results[1] == (2432902008176640000, 42, b"\x2a\0\0\0")
