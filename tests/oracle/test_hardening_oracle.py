"""The oracle against hostile requests and endless programs (issue 15, items 4 and 8): every line
gets a reply, none an internal error, the process keeps serving, and every request is answered
in bounded time, the largest fuel included."""

from __future__ import annotations

import base64
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from refwasm.engines.base import text_to_bytes
from refwasm.features import Features
from refwasm.oracle.server import MAX_FUEL, Oracle, handle_line, request_lines, serve
from refwasm.script.limits import DEFAULT_FUEL, DEFAULT_TIMEOUT, default_fuel

ROOT = Path(__file__).resolve().parents[2]
MODULE = base64.b64encode(text_to_bytes(
    '(module (func (export "spin") (loop br 0))'
    ' (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))',
    Features.for_version("2.0"))).decode()
INSTANTIATE = {"op": "instantiate", "module": MODULE}
ADD = {"op": "invoke", "name": "add", "args": [{"type": "i32", "bits": 2},
                                                 {"type": "i32", "bits": 3}]}


def ask(oracle: Oracle, line: Any) -> dict[str, Any]:
    text = line if isinstance(line, str | bytes) else json.dumps(line)
    reply: dict[str, Any] = json.loads(handle_line(oracle, text))
    return reply


# The reproducers, and their relatives.
HOSTILE_LINES: list[str | bytes] = [
    '{"op": []}', '{"op": {}}', '{"op": null}', '{"op": 1.5}',
    '{"op": "reset", "id": ' + "1" * 4301 + "}",
    "[" + "9" * 5000 + "]",
    '{"op": "invoke", "name": "add", "args": [{"type": "i32", "bits": ' + "1" * 4400 + "}]}",
    '{"op": "invoke", "name": "add", "args": [{"type": "i32", "bits": "' + "1" * 4400 + '"}]}',
    '{"op": "memory", "name": "m", "offset": -' + "1" * 5000 + "}",
    b'{"op": "\xff"}', b"\xc3\x28", b"\x80" * 100, '{"op": "\udc80"}',
]


@pytest.mark.parametrize("line", HOSTILE_LINES)
def test_hostile_lines_get_an_error_reply(line: str | bytes) -> None:
    oracle = Oracle()
    reply = ask(oracle, line)
    assert reply["ok"] is False and "internal error" not in reply["error"], reply
    assert ask(oracle, {"op": "reset"}) == {"ok": True}


def test_an_invalid_utf8_line_does_not_end_the_process() -> None:
    lines = [json.dumps({"op": "reset", "id": 1}).encode(), b'{"op": "\xff\xfe"}', b"\xc3\x28",
             json.dumps(INSTANTIATE).encode(), json.dumps({**ADD, "id": 2}).encode()]
    process = subprocess.run(
        [sys.executable, "-m", "refwasm", "oracle"], input=b"\n".join(lines) + b"\n",
        capture_output=True, cwd=ROOT, timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert process.returncode == 0, process.stderr
    replies = [json.loads(line) for line in process.stdout.splitlines()]
    assert [r["ok"] for r in replies] == [True, False, False, True, True]
    assert replies[-1]["results"][0]["bits"] == "0x5" and replies[-1]["id"] == 2


def test_an_overlong_line_is_dropped_in_pieces() -> None:
    source = io.BytesIO(b'{"op": "reset"}\n' + b"x" * 1000 + b"\n" + b'{"op": "reset"}\n'
                        + b"y" * 100)
    assert list(request_lines(source, limit=64)) == [b'{"op": "reset"}\n', None,
                                                     b'{"op": "reset"}\n', None]
    sink = io.StringIO()
    serve(io.BytesIO(b'{"op": "reset", "id": 1}\n'), sink)
    assert json.loads(sink.getvalue()) == {"ok": True, "id": 1}


# -- Bounded time --------------------------------------------------------------------------------


def test_a_request_without_fuel_gets_the_default() -> None:
    assert (Oracle().fuel, Oracle().timeout) == (DEFAULT_FUEL, DEFAULT_TIMEOUT)
    assert Oracle(engine="fast").fuel == default_fuel("fast")
    oracle = Oracle(fuel=10_000)
    ask(oracle, INSTANTIATE)
    reply = ask(oracle, {"op": "invoke", "name": "spin"})
    assert reply == {"ok": True, "outcome": "exhaustion", "message": "fuel exhausted"}
    assert ask(oracle, ADD)["results"][0]["bits"] == "0x5"  # fuel: the instance lives on


def test_the_largest_fuel_is_answered_within_the_time_limit() -> None:
    oracle = Oracle(timeout=0.5)
    ask(oracle, INSTANTIATE)
    started = time.monotonic()
    reply = ask(oracle, {"op": "invoke", "name": "spin", "fuel": MAX_FUEL})
    assert time.monotonic() - started < 10
    assert reply == {"ok": True, "outcome": "exhaustion", "message": "time limit exceeded",
                     "reset": True}
    # The interrupted store was dropped: no instance until the next instantiate.
    assert "no instance" in ask(oracle, ADD)["error"]
    ask(oracle, INSTANTIATE)
    assert ask(oracle, ADD)["results"][0]["bits"] == "0x5"


def test_a_real_oracle_answers_a_looping_request_and_goes_on() -> None:
    lines = [INSTANTIATE, {"op": "invoke", "name": "spin", "fuel": MAX_FUEL, "id": 1},
             INSTANTIATE, {**ADD, "id": 2}]
    process = subprocess.run(
        [sys.executable, "-m", "refwasm", "oracle", "--timeout", "1"],
        input="\n".join(json.dumps(line) for line in lines) + "\n",
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    replies = [json.loads(line) for line in process.stdout.splitlines()]
    assert replies[1]["message"] == "time limit exceeded" and replies[1]["id"] == 1
    assert replies[3]["results"][0]["bits"] == "0x5"
