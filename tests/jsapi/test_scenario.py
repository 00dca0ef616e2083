"""The scenario format's refwasm driver: values, normal forms, outcomes, and the command line."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from refwasm.jsapi.errors import JSError, JSTypeError, LinkError
from refwasm.jsapi.scenario import error_outcome, normal_number, parse_number


def test_numbers() -> None:
    assert normal_number(-0.0) == "-0" and normal_number(0.0) == "0"
    assert normal_number(math.nan) == "NaN" and normal_number(-math.inf) == "-Infinity"
    assert normal_number(2.5e-7) == "2.5e-7" and normal_number(65536.0) == "65536"
    assert math.copysign(1, parse_number("-0")) == -1 and math.isnan(parse_number("NaN"))
    assert parse_number("1e400") == math.inf


def test_error_outcomes() -> None:
    assert error_outcome(LinkError("x")) == {"throws": "LinkError"}
    assert error_outcome(JSTypeError("x")) == {"throws": "TypeError"}
    assert error_outcome(JSError("boom")) == {"throws": "Error", "message": "boom"}


def test_driver_and_command_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("refwasm.embedding")
    pytest.importorskip("refwasm.binary")
    pytest.importorskip("refwasm.text")
    from refwasm.jsapi.scenario import main

    scenario = {
        "name": "text-module",
        "modules": {
            "m": {
                "text": '(module (import "e" "g" (global i64)) '
                '(func (export "f") (param f64) (result f64) local.get 0 f64.neg))'
            }
        },
        "steps": [
            {"op": "instantiate", "module": "m", "imports": {"object": {"e": {"object": {
                "g": {"number": "1"}}}}}, "as": "bad"},
            {"op": "call", "target": ["bad", "exports", "f"], "args": []},
            {"op": "instantiate", "module": "m", "imports": {"object": {"e": {"object": {
                "g": {"bigint": "1"}}}}}, "as": "i"},
            {"op": "call", "target": ["i", "exports", "f"], "args": [{"number": "0"}]},
            {"op": "call", "target": ["i", "exports", "f"], "args": [{"undefined": True}]},
            {"op": "get", "target": ["i", "exports", "f"]},
        ],
    }
    path = tmp_path / "s.json"
    path.write_text(json.dumps(scenario))
    assert main([str(path)]) == 0
    line = json.loads(capsys.readouterr().out)
    assert line == {
        "name": "text-module",
        "outcomes": [
            {"throws": "LinkError"},
            {"unavailable": "bad"},
            {"ok": {"Instance": {"exports": ["f"]}}},
            {"ok": {"number": "-0"}},
            {"ok": {"number": "NaN"}},
            {"ok": {"function": {"name": "0", "length": 1}}},
        ],
    }
