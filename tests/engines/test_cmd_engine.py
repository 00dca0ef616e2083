"""``--engine cmd:'COMMAND'``: any process speaking the oracle protocol, refwasm itself included;
and engine processes that crash, hang or answer garbage."""

from __future__ import annotations

import io
import json
import re
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
# Started at its default edition (3.0): the driver's ``hello`` gives it the runner's features.
ORACLE = f"cmd:{shlex.join([sys.executable, '-m', 'refwasm.cli', 'oracle'])}"
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
    killed = session.process
    assert not killed.running
    # The next request goes to a fresh process (which hangs in its turn).
    with pytest.raises(EngineError, match="did not answer within 1 s"):
        session.load_binary(b"\0asm\1\0\0\0")
    assert session.process is not killed


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


# -- Time limits: a finite default, and none with ``--timeout none`` -----------------------------

# Answers every request after sleeping 2.5 s: a module is valid, has no imports, and instantiates.
SLOW = ("for line in sys.stdin:\n"
        "    request = json.loads(line)\n"
        "    time.sleep(2.5)\n"
        "    reply = {'ok': True, 'outcome': 'valid', 'imports': [], 'id': request['id']}\n"
        "    if request['op'] == 'instantiate':\n"
        "        reply.update(outcome='instantiated', instance=1, exports=[])\n"
        "    print(json.dumps(reply), flush=True)\n")
EMPTY = b"\0asm\1\0\0\0"


@pytest.fixture
def short_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    """No grace, and a default time limit of 1 s (below the slow engine's 2.5 s)."""
    monkeypatch.setattr(cmd_engine, "GRACE", 0.0)
    monkeypatch.setattr(cmd_engine, "DEFAULT_TIMEOUT", 1.0)


@pytest.mark.usefixtures("short_limits")
@pytest.mark.parametrize(("limits", "deadline"), [({"timeout": 1.5}, "1.5"), ({}, "1")])
def test_a_slow_reply_past_the_time_limit_is_an_engine_error(
        limits: dict[str, float], deadline: str, tmp_path: Path) -> None:
    """An explicit time limit, and the default one (finite) when none is given."""
    session = engine_named(fake(tmp_path, SLOW), **limits).session(FEATURES)
    with pytest.raises(EngineError, match=f"did not answer within {deadline} s"):
        session.load_binary(EMPTY)


@pytest.mark.usefixtures("short_limits")
def test_no_time_limit_waits_for_a_slow_reply(tmp_path: Path) -> None:
    session = engine_named(fake(tmp_path, SLOW), timeout=None).session(FEATURES)
    started = time.monotonic()
    session.instantiate(session.load_binary(EMPTY), [])
    assert time.monotonic() - started >= 5


@pytest.mark.usefixtures("short_limits")
@pytest.mark.parametrize(("timeout", "failures"), [(1.5, 1), (None, 0)])
def test_wast_timeout_none_waits_for_a_cmd_engine(
        timeout: float | None, failures: int, tmp_path: Path) -> None:
    """``refwasm wast --timeout 1.5`` fails the slow command; ``--timeout none`` waits."""
    script = tmp_path / "slow.wast"
    script.write_text("(module)\n")
    report = run_file(str(script), engine=fake(tmp_path, SLOW), timeout=timeout)
    assert (report.passed, len(report.failures)) == (1 - failures, failures), report.failures
    if failures:
        assert "did not answer within 1.5 s" in report.failures[0].reason


# -- A killed or crashed engine process is restarted for the next module ------------------------

# refwasm's oracle in-process, misbehaving when asked to invoke "bad": it crashes, answers
# garbage or never answers.
WRAPPER = """
import json, sys, time
from refwasm.features import Features
from refwasm.oracle.server import Oracle, handle_line
oracle = Oracle(Features.for_version("2.0"))
for line in sys.stdin:
    if json.loads(line).get("name") == "bad":
        if sys.argv[1] == "crash":
            sys.stderr.write("crashed on purpose\\n")
            sys.exit(3)
        if sys.argv[1] == "garbage":
            print("<html>", flush=True)
            continue
        time.sleep(60)
    print(handle_line(oracle, line), flush=True)
"""

# Line -> whether the command passes (None: an engine error whose reason names ``gone``).
RESTART = [
    ('(module $A (func (export "one") (result i32) (i32.const 1))'
     ' (func (export "bad") (result i32) (i32.const 0)))', True),
    ('(register "a" $A)', True),
    ('(assert_return (invoke "one") (i32.const 1))', True),
    ('(assert_return (invoke "bad") (i32.const 0))', False),
    ('(assert_return (invoke "one") (i32.const 1))', None),
    ('(module (import "a" "one" (func (result i32))))', None),
    ('(module $B (func (export "two") (result i32) (i32.const 2)))', True),
    ('(assert_return (invoke "two") (i32.const 2))', True),
    ('(assert_return (invoke $A "one") (i32.const 1))', None),
    ('(module (import "spectest" "print_i32" (func (param i32))))', True),
    ('(assert_return (invoke $B "two") (i32.const 2))', True),
]


@pytest.mark.parametrize(("how", "why"), [
    ("crash", r"exit status 3\): crashed on purpose"),
    ("garbage", "answered invoke with garbage"),
    ("hang", "did not answer.* within 5 s"),
])
def test_a_killed_engine_process_is_restarted_for_the_next_module(
        how: str, why: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cmd_engine, "GRACE", 0.0)
    wrapper = tmp_path / "wrapper.py"
    wrapper.write_text(WRAPPER)
    script = tmp_path / "restart.wast"
    script.write_text("\n".join(line for line, _ in RESTART) + "\n")
    engine = f"cmd:{shlex.join([sys.executable, str(wrapper), how])}"
    report = run_file(str(script), engine=engine, timeout=5.0)  # importing refwasm: < 5 s
    failed = {outcome.line: outcome.reason for outcome in report.failures}
    assert report.passed == sum(passes is True for _, passes in RESTART), report.failures
    for number, (_, passes) in enumerate(RESTART, 1):
        if passes is None:
            assert "engine error: the" in failed[number], failed
            assert "gone with its engine process" in failed[number], failed
        if passes is not True:
            assert re.search(why, failed[number]), failed
