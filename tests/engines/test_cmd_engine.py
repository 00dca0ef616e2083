"""``--engine cmd:'COMMAND'``: any process speaking the oracle protocol, refwasm itself included;
and engine processes that crash, hang or answer garbage."""

from __future__ import annotations

import io
import json
import shlex
import sys
import time
from pathlib import Path

import pytest

from refwasm import errors
from refwasm.engines import EngineError, cmd_engine, engine_named, is_engine
from refwasm.engines.base import Value, text_to_bytes
from refwasm.features import Features
from refwasm.oracle.modules import diff_modules
from refwasm.script.runner import run_file
from refwasm.syntax.types import NumType
from refwasm.testsuite import suite_root

FEATURES = Features.for_version("2.0")
# The process's edition is its own (its command line): the 2.0 suite's, as FEATURES.
ORACLE = f"cmd:{shlex.join([sys.executable, '-m', 'refwasm.cli', 'oracle', '--spec', '2.0'])}"
SUITE = suite_root() / "wasm-2.0"


def fake(tmp_path: Path, body: str) -> str:
    """A cmd: engine running a small Python script (which answers hello first)."""
    script = tmp_path / "engine.py"
    script.write_text(
        "import json, sys, time\n"
        "line = sys.stdin.readline()\n"
        "print(json.dumps({'ok': True, 'protocol': 1, 'id': json.loads(line)['id']}), "
        "flush=True)\n" + body)
    return f"cmd:{shlex.join([sys.executable, str(script)])}"


def test_cmd_names_are_engines() -> None:
    assert is_engine("cmd:anything at all") and not is_engine("cmd:  ")


def test_refwasm_over_the_pipe_runs_a_module() -> None:
    session = engine_named(ORACLE).session(FEATURES)
    module = session.load_binary(text_to_bytes(
        '(module (func (export "div") (param i32 i32) (result i32) '
        "local.get 0 local.get 1 i32.div_u))", FEATURES))
    instance = session.instantiate(module, [])
    assert session.invoke(instance, "div", [Value(NumType.I32, 7), Value(NumType.I32, 2)]) == [
        Value(NumType.I32, 3)]
    with pytest.raises(errors.TrapError, match="integer divide by zero"):
        session.invoke(instance, "div", [Value(NumType.I32, 7), Value(NumType.I32, 0)])
    with pytest.raises(errors.MalformedError):
        session.load_binary(b"\0asm\2\0\0\0")
    session.close()


# A few scripts covering linking (register), spectest, traps, NaNs, SIMD and malformed/invalid.
SUBSET = ["linking.wast", "imports.wast", "f32.wast", "binary.wast", "simd/simd_lane.wast",
          "call_indirect.wast", "memory_grow.wast", "ref_func.wast"]


@pytest.mark.parametrize("name", SUBSET)
def test_suite_subset_over_the_pipe(name: str) -> None:
    if not (SUITE / name).is_file():
        pytest.skip(f"official test suite not found at {SUITE}")
    report = run_file(str(SUITE / name), engine=ORACLE)
    assert not report.failures and not report.skips, report.failures[:3]
    assert report.passed > 0


@pytest.mark.slow
def test_whole_2_0_suite_over_the_pipe() -> None:
    from refwasm.script.runner import collect

    if not SUITE.is_dir():
        pytest.skip(f"official test suite not found at {SUITE}")
    for path in collect([str(SUITE)]):
        report = run_file(path, engine=ORACLE)
        assert not report.failures and not report.skips, (path, report.failures[:3])


# -- Misbehaving engine processes ------------------------------------------------------------


def test_a_command_that_does_not_exist() -> None:
    with pytest.raises(EngineError, match="cannot start"):
        engine_named("cmd:/nonexistent/engine --flag").session(FEATURES)


def test_a_process_that_speaks_another_protocol(tmp_path: Path) -> None:
    script = tmp_path / "old.py"
    script.write_text("import sys, json\nsys.stdin.readline()\n"
                      "print(json.dumps({'ok': True, 'protocol': 99}), flush=True)\n")
    with pytest.raises(EngineError, match="protocol 99"):
        engine_named(f"cmd:{sys.executable} {script}").session(FEATURES)


def test_a_crash_is_an_engine_error(tmp_path: Path) -> None:
    session = engine_named(fake(tmp_path, "sys.stderr.write('boom\\n'); sys.exit(3)\n")
                           ).session(FEATURES)
    with pytest.raises(EngineError, match=r"exit status 3\): boom"):
        session.load_binary(b"\0asm\1\0\0\0")


def test_garbage_is_an_engine_error(tmp_path: Path) -> None:
    session = engine_named(fake(tmp_path, "sys.stdin.readline(); print('<html>', flush=True)\n"
                                "time.sleep(60)\n")).session(FEATURES)
    with pytest.raises(EngineError, match="garbage"):
        session.load_binary(b"\0asm\1\0\0\0")
    assert session.process.process.poll() is not None  # killed, not left running


def test_a_hang_is_cut_at_the_time_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cmd_engine, "GRACE", 0.0)
    session = engine_named(fake(tmp_path, "time.sleep(60)\n"), timeout=1.0).session(FEATURES)
    started = time.monotonic()
    with pytest.raises(EngineError, match="did not answer within 1 s"):
        session.load_binary(b"\0asm\1\0\0\0")
    assert time.monotonic() - started < 10
    with pytest.raises(EngineError, match="not running"):
        session.load_binary(b"\0asm\1\0\0\0")


def test_an_error_reply_is_an_engine_error(tmp_path: Path) -> None:
    body = ("for line in sys.stdin:\n"
            "    print(json.dumps({'ok': False, 'error': 'no such op',"
            " 'id': json.loads(line)['id']}), flush=True)\n")
    session = engine_named(fake(tmp_path, body)).session(FEATURES)
    with pytest.raises(EngineError, match="no such op"):
        session.load_binary(b"\0asm\1\0\0\0")


@pytest.mark.parametrize("body", [
    "sys.exit(1)\n",
    "for line in sys.stdin: print('garbage', flush=True)\n",
    "time.sleep(60)\n",
    "for line in sys.stdin: print(json.dumps({'ok': True, 'outcome': 'instantiated',"
    " 'calls': 'nope', 'id': json.loads(line)['id']}), flush=True)\n",
])
def test_misbehaving_engines_are_inconclusive_in_diff(
        body: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cmd_engine, "GRACE", 0.0)
    path = tmp_path / "m.wasm"
    path.write_bytes(text_to_bytes('(module (func (export "f") (result i32) i32.const 1))',
                                   FEATURES))
    sink = io.StringIO()
    summary = diff_modules([str(path), str(path)], [fake(tmp_path, body)], FEATURES,
                           out=tmp_path / "out", sink=sink, timeout=1.0)
    lines = [json.loads(line) for line in sink.getvalue().splitlines()]
    assert summary.inconclusive == 2 and summary.disagree == 0, lines
    assert all("engine" in line["reason"] for line in lines[:-1])


def test_diff_against_refwasm_over_the_pipe_agrees(tmp_path: Path) -> None:
    path = tmp_path / "m.wasm"
    path.write_bytes(text_to_bytes(
        '(module (import "fuzzing-support" "log-f32" (func (param f32))) (memory (export "m") 1)'
        ' (func (export "f") (result f32) (call 0 (f32.const nan:0x1)) (f32.const -0)))',
        FEATURES))
    sink = io.StringIO()
    summary = diff_modules([str(path)], [ORACLE], FEATURES, out=tmp_path, sink=sink)
    assert (summary.agree, summary.disagree) == (1, 0), sink.getvalue()
