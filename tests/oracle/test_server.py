"""``refwasm oracle``: the JSON-lines protocol, and that no request can kill it."""

from __future__ import annotations

import base64
import hashlib
import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from refwasm import errors
from refwasm.engines.base import text_to_bytes
from refwasm.features import Features
from refwasm.oracle.server import Oracle, handle_line

ROOT = Path(__file__).resolve().parents[2]

MODULE = """
(module
  (memory (export "mem") 1)
  (data (i32.const 0) "\\01\\02\\03\\04")
  (global (export "g") (mut i32) (i32.const 7))
  (global (export "nan") f32 (f32.const nan:0x200001))
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "fadd") (param f32 f32) (result f32) local.get 0 local.get 1 f32.add)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_u)
  (func (export "bump") global.get 0 i32.const 1 i32.add global.set 0)
  (func $loop (export "loop") (loop (br 0)))
  (func $rec (export "rec") call $rec)
  (func (export "ext") (param externref) (result externref) local.get 0)
)
"""
MODULE_B64 = base64.b64encode(text_to_bytes(MODULE, Features.for_version("2.0"))).decode()


def ask(oracle: Oracle, request: Any) -> dict[str, Any]:
    line = request if isinstance(request, str) else json.dumps(request)
    reply: dict[str, Any] = json.loads(handle_line(oracle, line))
    return reply


@pytest.fixture
def oracle() -> Oracle:
    o = Oracle()
    reply = ask(o, {"op": "instantiate", "module": MODULE_B64, "id": 1})
    assert reply["ok"] and reply["outcome"] == "instantiated" and reply["id"] == 1
    return o


def i32(n: int) -> dict[str, Any]:
    return {"type": "i32", "bits": n}


def test_instantiate_lists_typed_exports(oracle: Oracle) -> None:
    reply = ask(oracle, {"op": "instantiate", "module": MODULE_B64})
    add = next(e for e in reply["exports"] if e["name"] == "add")
    assert add == {"name": "add", "kind": "func", "params": ["i32", "i32"], "results": ["i32"]}


def test_invoke_returns_bits_and_allowed_sets(oracle: Oracle) -> None:
    reply = ask(oracle, {"op": "invoke", "name": "add", "args": [i32(0xFFFFFFFF), i32(2)]})
    assert reply["results"] == [{"type": "i32", "bits": "0x1", "allowed": "(i32.const 0x1)"}]
    nan = {"type": "f32", "bits": "0x7fa00000"}
    reply = ask(oracle, {"op": "invoke", "name": "fadd", "args": [nan, nan]})
    assert reply["results"][0]["allowed"] == "(f32.const nan:arithmetic)"
    assert int(reply["results"][0]["bits"], 16) & 0x7FC00000 == 0x7FC00000


def test_traps_and_exhaustion_are_outcomes(oracle: Oracle) -> None:
    reply = ask(oracle, {"op": "invoke", "name": "div", "args": [i32(1), i32(0)]})
    assert reply == {"ok": True, "outcome": "trap", "message": errors.INTEGER_DIVIDE_BY_ZERO}
    reply = ask(oracle, {"op": "invoke", "name": "loop", "fuel": 1000})
    assert reply["outcome"] == "exhaustion"
    reply = ask(oracle, {"op": "invoke", "name": "rec", "depth": 50})
    assert reply["outcome"] == "exhaustion"


def test_global_memory_and_reset(oracle: Oracle) -> None:
    ask(oracle, {"op": "invoke", "name": "bump"})
    assert ask(oracle, {"op": "global", "name": "g"})["value"] == {"type": "i32", "bits": "0x8"}
    assert ask(oracle, {"op": "global", "name": "nan"})["value"]["bits"] == "0x7fa00001"
    reply = ask(oracle, {"op": "memory", "name": "mem", "offset": 1, "length": 3})
    assert base64.b64decode(reply["base64"]) == bytes([2, 3, 4])
    expected = hashlib.sha256(bytes([1, 2, 3, 4]) + bytes(65532)).hexdigest()
    assert ask(oracle, {"op": "memory", "name": "mem", "hash": True})["sha256"] == expected
    assert ask(oracle, {"op": "reset"}) == {"ok": True}
    assert not ask(oracle, {"op": "global", "name": "g"})["ok"]


def test_references_cross(oracle: Oracle) -> None:
    arg = {"type": "externref", "host": 5}
    reply = ask(oracle, {"op": "invoke", "name": "ext", "args": [arg]})
    assert reply["results"][0]["host"] == 5


def test_instantiation_failures_are_outcomes() -> None:
    o = Oracle()
    bad = base64.b64encode(b"\0asm\x02\0\0\0").decode()
    assert ask(o, {"op": "instantiate", "module": bad})["outcome"] == "malformed"
    invalid = base64.b64encode(text_to_bytes("(module (func (result i32) i64.const 0))",
                                             Features.for_version("2.0"))).decode()
    assert ask(o, {"op": "instantiate", "module": invalid})["outcome"] == "invalid"
    imports = base64.b64encode(text_to_bytes('(module (import "x" "y" (func)))',
                                             Features.for_version("2.0"))).decode()
    assert ask(o, {"op": "instantiate", "module": imports})["outcome"] == "unlinkable"


BAD_REQUESTS: list[Any] = [
    "", "not json", "[]", "null", "42", '"op"', "{", "[" * 100_000, '{"op": 5}',
    {"op": "nope"}, {"op": "invoke"}, {"op": "invoke", "name": 3},
    {"op": "invoke", "name": "add", "args": "x"},
    {"op": "invoke", "name": "add", "args": [i32(1)]},
    {"op": "invoke", "name": "add", "args": [i32(1), {"type": "i32", "bits": 2**40}]},
    {"op": "invoke", "name": "add", "args": [i32(1), {"type": "f32", "bits": 0}]},
    {"op": "invoke", "name": "add", "args": [i32(1), {"type": "i32", "bits": "zz"}]},
    {"op": "invoke", "name": "add", "args": [i32(1), {"type": "i32", "bits": True}]},
    {"op": "invoke", "name": "add", "args": [1, 2]},
    {"op": "invoke", "name": "ext", "args": [{"type": "externref", "host": -1}]},
    {"op": "invoke", "name": "ext", "args": [{"type": "funcref", "func": 10**9}]},
    {"op": "invoke", "name": "missing", "args": []},
    {"op": "invoke", "name": "g", "args": []},
    {"op": "invoke", "name": "add", "args": [i32(1), i32(2)], "fuel": -1},
    {"op": "invoke", "name": "add", "args": [i32(1), i32(2)], "depth": "deep"},
    {"op": "invoke", "name": "rec", "depth": 10**12},
    {"op": "instantiate"}, {"op": "instantiate", "module": "!!!"},
    {"op": "instantiate", "module": base64.b64encode(b"garbage").decode()},
    {"op": "global", "name": "add"}, {"op": "global"},
    {"op": "memory", "name": "mem", "offset": 70000, "length": 10},
    {"op": "memory", "name": "mem", "length": 2**40}, {"op": "memory", "name": "g"},
]

GOOD_REQUESTS: list[Any] = [
    {"op": "invoke", "name": "add", "args": [i32(3), i32(4)]},
    {"op": "invoke", "name": "div", "args": [i32(3), i32(0)]},
    {"op": "invoke", "name": "bump"},
    {"op": "invoke", "name": "loop", "fuel": 200},
    {"op": "global", "name": "g"},
    {"op": "memory", "name": "mem", "offset": 0, "length": 16},
    {"op": "instantiate", "module": MODULE_B64},
]


def test_ten_thousand_mixed_requests_never_kill_it() -> None:
    rng = random.Random(8)
    o = Oracle()
    ask(o, {"op": "instantiate", "module": MODULE_B64})
    failures = 0
    for i in range(10_000):
        pool = BAD_REQUESTS if rng.random() < 0.5 else GOOD_REQUESTS
        request = rng.choice(pool)
        if rng.random() < 0.02:
            request = {"op": "reset"}
        elif rng.random() < 0.05:
            request = {"op": "instantiate", "module": MODULE_B64}
        reply = ask(o, request)
        assert isinstance(reply, dict) and isinstance(reply.get("ok"), bool), (i, request)
        failures += not reply["ok"]
        assert "internal error" not in reply.get("error", ""), (request, reply)
    assert failures > 1000
    ask(o, {"op": "instantiate", "module": MODULE_B64})
    assert ask(o, {"op": "invoke", "name": "add", "args": [i32(3), i32(4)]})["results"][0][
        "bits"] == "0x7"


def test_bad_requests_get_error_replies(oracle: Oracle) -> None:
    for request in BAD_REQUESTS:
        reply = ask(oracle, request)
        # A few bad requests are Wasm outcomes (an out-of-range memory read, an invalid
        # module); everything else is an error reply.
        assert reply["ok"] is False or reply.get("outcome") in ("trap", "malformed",
                                                                 "exhaustion"), request


def test_a_real_oracle_process_answers_every_line() -> None:
    rng = random.Random(3)
    requests = [{"op": "instantiate", "module": MODULE_B64}]
    requests += [rng.choice(BAD_REQUESTS[9:] + GOOD_REQUESTS) for _ in range(300)]
    lines = [json.dumps(r) for r in requests] + ["garbage", "{"]
    process = subprocess.run(
        [sys.executable, "-m", "refwasm", "oracle"], input="\n".join(lines) + "\n",
        capture_output=True, text=True, cwd=ROOT, timeout=300,
    )
    assert process.returncode == 0, process.stderr
    replies = [json.loads(line) for line in process.stdout.splitlines()]
    assert len(replies) == len(lines)
    assert replies[0]["outcome"] == "instantiated"
    assert replies[-1]["ok"] is False and replies[-2]["ok"] is False


# -- Protocol 1: hello, recording imports, run_exports, instance handles -------------------------

LOGGER = base64.b64encode(text_to_bytes(
    '(module (import "fuzzing-support" "log-f32" (func $log (param f32)))'
    ' (import "env" "t" (table 1 funcref)) (import "env" "g" (global f64))'
    ' (global (export "seen") (mut i32) (i32.const 0)) (memory (export "mem") 1)'
    ' (func (export "log") (param f32) (call $log (local.get 0))'
    '   (global.set 1 (i32.add (global.get 1) (i32.const 1))))'
    ' (func (export "boom") (result i32) unreachable))',
    Features.for_version("2.0"))).decode()


def test_hello_names_the_protocol() -> None:
    reply = ask(Oracle(), {"op": "hello", "id": "h"})
    assert (reply["ok"], reply["protocol"], reply["id"]) == (True, 1, "h")
    assert {"validate", "instantiate", "invoke", "run_exports"} <= set(reply["ops"])


def test_hello_with_features_sets_the_oracles_edition() -> None:
    """A 3.0 oracle told 2.0's features rejects what 2.0 rejects (a second memory), and echoes
    the features; a partial or ill-typed ``features`` is an error reply."""
    import dataclasses

    two_memories = base64.b64encode(text_to_bytes("(module (memory 1) (memory 1))",
                                                  Features.for_version("3.0"))).decode()
    o = Oracle(Features.for_version("3.0"))
    assert ask(o, {"op": "validate", "module": two_memories})["outcome"] == "valid"
    v2 = dataclasses.asdict(Features.for_version("2.0"))
    reply = ask(o, {"op": "hello", "features": v2})
    assert reply["ok"] and reply["features"] == v2
    reply = ask(o, {"op": "validate", "module": two_memories})
    assert (reply["outcome"], reply["message"]) == ("invalid", "multiple memories")
    for bad in ({**v2, "simd": 1}, {"simd": True}, ["simd"]):
        reply = ask(o, {"op": "hello", "features": bad})
        assert not reply["ok"] and "features must give each of" in reply["error"]
    assert "features" not in ask(o, {"op": "hello"})


def test_recording_imports_report_events_in_invoke_replies() -> None:
    o = Oracle()
    reply = ask(o, {"op": "instantiate", "module": LOGGER, "imports": "record"})
    assert reply["outcome"] == "instantiated" and reply["events"] == []
    reply = ask(o, {"op": "invoke", "name": "log", "args": [{"type": "f32", "bits": "0x7f800001"}]})
    assert reply["events"] == [{"module": "fuzzing-support", "name": "log-f32",
                                "args": [{"type": "f32", "bits": "0x7f800001"}]}]
    # The default spectest linking does not know these imports.
    assert ask(o, {"op": "instantiate", "module": LOGGER})["message"] == errors.UNKNOWN_IMPORT


def test_run_exports_is_one_request_per_test_case() -> None:
    reply = ask(Oracle(), {"op": "run_exports", "module": LOGGER})
    assert reply["ok"] and reply["outcome"] == "instantiated"
    log, boom = reply["calls"]
    assert log["name"] == "log" and log["outcome"] == "return"
    assert log["events"][0]["args"] == [{"type": "f32", "bits": "0x0"}]  # default arguments
    assert log["globals"]["seen"]["bits"] == "0x1"
    assert log["memories"]["mem"] == {"size": 65536,
                                      "sha256": hashlib.sha256(bytes(65536)).hexdigest()}
    assert (boom["outcome"], boom["message"]) == ("trap", errors.UNREACHABLE)


def test_run_exports_of_an_invalid_module() -> None:
    data = base64.b64encode(text_to_bytes("(module (func (result i32)))",
                                          Features.for_version("2.0"))).decode()
    reply = ask(Oracle(), {"op": "run_exports", "module": data})
    assert (reply["outcome"], reply["calls"]) == ("invalid", [])


def test_instance_handles_and_extern_lists() -> None:
    o = Oracle()
    first = ask(o, {"op": "instantiate", "module": MODULE_B64})
    provider = base64.b64encode(text_to_bytes(
        '(module (import "m" "add" (func (param i32 i32) (result i32)))'
        ' (import "s" "g" (global i32)) (export "sum" (func 0))'
        ' (func (export "g") (result i32) global.get 0))', Features.for_version("2.0"))).decode()
    second = ask(o, {"op": "instantiate", "module": provider, "imports": [
        {"instance": first["instance"], "name": "add"}, {"spectest": "global_i32"}]})
    assert second["outcome"] == "instantiated" and second["instance"] != first["instance"]
    reply = ask(o, {"op": "invoke", "name": "sum", "args": [i32(2), i32(3)]})
    assert reply["results"][0]["bits"] == "0x5"
    reply = ask(o, {"op": "invoke", "instance": first["instance"], "name": "add",
                    "args": [i32(1), i32(1)]})
    assert reply["results"][0]["bits"] == "0x2"
    assert ask(o, {"op": "invoke", "name": "g"})["results"][0]["bits"] == "0x29a"


@pytest.mark.parametrize(("request_", "error"), [
    ({"op": "instantiate", "module": MODULE_B64, "imports": "everything"}, "imports must be"),
    ({"op": "instantiate", "module": MODULE_B64, "imports": [{"instance": True, "name": "x"}]},
     "not an extern"),
    ({"op": "instantiate", "module": MODULE_B64, "imports": [{"spectest": "print"}]},
     "imports lists 1 externs"),
    ({"op": "invoke", "instance": 99, "name": "add"}, "no instance 99"),
    ({"op": "run_exports", "module": "%%%"}, "base64"),
    ({"op": "validate"}, "module must be a string"),
])
def test_bad_protocol_1_requests(request_: dict[str, Any], error: str) -> None:
    o = Oracle()
    ask(o, {"op": "instantiate", "module": MODULE_B64})
    reply = ask(o, request_)
    assert reply["ok"] is False and error in reply["error"]


def test_validate_lists_imports() -> None:
    reply = ask(Oracle(), {"op": "validate", "module": LOGGER})
    assert reply["outcome"] == "valid"
    assert [i["kind"] for i in reply["imports"]] == ["func", "table", "global"]
    assert ask(Oracle(), {"op": "validate", "module": "AGFzbQ=="})["outcome"] == "malformed"


def test_run_exports_takes_a_depth() -> None:
    """``depth`` is one of the limits ``run_exports`` takes (docs/oracle.md), as on invoke."""
    nested = base64.b64encode(text_to_bytes(
        '(module (func $f (export "f") (call $g)) (func $g (call $h)) (func $h))',
        Features.for_version("2.0"))).decode()
    shallow = ask(Oracle(), {"op": "run_exports", "module": nested, "depth": 2})["calls"][0]
    assert (shallow["outcome"], shallow["message"]) == ("exhaustion", errors.CALL_STACK_EXHAUSTED)
    deep_enough = ask(Oracle(), {"op": "run_exports", "module": nested, "depth": 10})
    assert deep_enough["calls"][0]["outcome"] == "return"


def test_replies_are_strict_json() -> None:
    """An id too large for a double is not echoed as ``Infinity`` (not JSON)."""
    reply = handle_line(Oracle(), '{"op": "hello", "id": 1e400}')
    assert "Infinity" not in reply and json.loads(reply)["ok"] is False


def test_an_import_recording_cannot_express_is_an_error_reply(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/oracle.md: such a module is an error reply, not an outcome (it was "crash")."""
    from refwasm.engines.bitexact import UnsupportedType
    from refwasm.oracle import server

    def unsupported(*args: Any) -> None:
        raise UnsupportedType("import a.b: a typed reference")

    monkeypatch.setattr(server, "RecordingPlan", unsupported)
    for op in ("run_exports", "instantiate"):
        reply = ask(Oracle(), {"op": op, "module": LOGGER, "imports": "record"})
        assert reply["ok"] is False and "typed reference" in reply["error"], reply
