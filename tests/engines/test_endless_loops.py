"""An endless loop never hangs refwasm on any adapter: node's process misses its reply
deadline and is killed (the session goes on in a fresh one), wasmtime is interrupted at the time
limit (its epochs) even without fuel, pywasm runs under the time limit of the reference.  Each
ends as an engine error or an exhaustion, in ``wast`` a failed command, in ``diff --modules``
an inconclusive module."""

from __future__ import annotations

import io
import json
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from refwasm import errors
from refwasm.engines import EngineError, cmd_engine, engine_named
from refwasm.engines.base import text_to_bytes
from refwasm.features import Features
from refwasm.oracle.modules import diff_modules

pytestmark = pytest.mark.peer

FEATURES = Features.for_version("2.0")

LOOP = """
(module
  (func (export "spin") (loop $l (br $l)))
  (func (export "one") (result i32) (i32.const 1)))
"""


def session_of(name: str, **limits: Any) -> Any:
    try:
        return engine_named(name, **limits).session(FEATURES)
    except EngineError as error:
        pytest.skip(f"engine {name} unavailable: {error}")


def instance_of(session: Any, text: str = LOOP) -> Any:
    module = session.load_binary(text_to_bytes(text, FEATURES))
    return session.instantiate(module, [])


@pytest.fixture
def no_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cmd_engine, "GRACE", 0.0)


@pytest.mark.usefixtures("no_grace")
def test_node_kills_a_process_past_its_deadline_and_goes_on() -> None:
    session = session_of("node", timeout=1.0)
    instance = instance_of(session)
    started = time.monotonic()
    with pytest.raises(EngineError, match=r"did not answer within 1 s \(op call\); killed"):
        session.invoke(instance, "spin", [])
    assert time.monotonic() - started < 10
    # What the killed process held is gone, with a message that says why ...
    with pytest.raises(EngineError, match="gone with its node process .*within 1 s"):
        session.invoke(instance, "one", [])
    # ... and the session goes on in a fresh process.
    fresh = instance_of(session)
    assert [v.val for v in session.invoke(fresh, "one", [])] == [1]


@pytest.mark.usefixtures("no_grace")
def test_node_replies_have_a_deadline_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """Given no time limit at all, a reply still has one (``DEFAULT_TIMEOUT``)."""
    monkeypatch.setattr(cmd_engine, "DEFAULT_TIMEOUT", 1.0)
    session = session_of("node")
    instance = instance_of(session)
    with pytest.raises(EngineError, match=r"did not answer within 1 s"):
        session.invoke(instance, "spin", [])


@pytest.mark.usefixtures("no_grace")
def test_node_waits_without_end_with_timeout_none(monkeypatch: pytest.MonkeyPatch) -> None:
    """``--timeout none``: a reply that takes longer than the default deadline (node stopped
    for 2.5 s) is waited for."""
    monkeypatch.setattr(cmd_engine, "DEFAULT_TIMEOUT", 1.0)
    session = session_of("node", timeout=None)
    instance = instance_of(session)
    pid = session.process.process.pid
    os.kill(pid, signal.SIGSTOP)
    resume = threading.Timer(2.5, os.kill, (pid, signal.SIGCONT))
    resume.start()
    started = time.monotonic()
    try:
        assert [v.val for v in session.invoke(instance, "one", [])] == [1]
    finally:
        resume.cancel()
        os.kill(pid, signal.SIGCONT)
    assert time.monotonic() - started >= 2.5


@pytest.mark.usefixtures("no_grace")
@pytest.mark.parametrize("engine", ["node", "wasmtime", "pywasm"])
def test_diff_modules_on_an_endless_loop_is_inconclusive(engine: str, tmp_path: Path) -> None:
    session_of(engine)
    path = tmp_path / "loop.wasm"
    path.write_bytes(text_to_bytes(LOOP, FEATURES))
    sink = io.StringIO()
    started = time.monotonic()
    # No fuel anywhere: only the time limit ends the loop, on refwasm and on the engine.
    summary = diff_modules([str(path)], [engine], FEATURES, out=tmp_path / "out", sink=sink,
                           fuel=None, timeout=1.0)
    assert time.monotonic() - started < 30
    line = json.loads(sink.getvalue().splitlines()[0])
    assert (summary.inconclusive, line["verdict"]) == (1, "inconclusive"), line
    assert line["engines"][engine]["verdict"] == "inconclusive", line


@pytest.mark.usefixtures("no_grace")
@pytest.mark.parametrize("engine", ["node", "wasmtime", "pywasm"])
def test_wast_fails_the_looping_command_and_goes_on(engine: str, tmp_path: Path) -> None:
    from refwasm.script.runner import run_file

    session_of(engine)
    script = tmp_path / "loop.wast"
    script.write_text(LOOP + '(assert_return (invoke "spin"))\n'
                      + '(module (func (export "two") (result i32) (i32.const 2)))\n'
                      + '(assert_return (invoke "two") (i32.const 2))\n')
    started = time.monotonic()
    report = run_file(str(script), engine=engine, fuel=None, timeout=1.0)
    assert time.monotonic() - started < 30
    assert report.passed == 3 and len(report.failures) == 1, report.failures
    reason = report.failures[0].reason
    assert "time limit exceeded" in reason or "did not answer within 1 s" in reason, reason


@pytest.mark.parametrize("engine", ["wasmtime", "pywasm"])
def test_in_process_adapters_end_a_loop_at_the_time_limit(engine: str) -> None:
    session = session_of(engine, fuel=None, timeout=1.0)
    instance = instance_of(session)
    started = time.monotonic()
    with pytest.raises(errors.ExhaustionError, match="time limit exceeded"):
        session.invoke(instance, "spin", [])
    assert time.monotonic() - started < 10
    assert [v.val for v in session.invoke(instance, "one", [])] == [1]


@pytest.mark.usefixtures("no_grace")
@pytest.mark.parametrize(("engine", "kind", "message"), [
    ("node", "engine", "did not answer within 1 s"),
    ("wasmtime", "exhaustion", "time limit exceeded"),
    ("pywasm", "exhaustion", "time limit exceeded"),
])
def test_an_engine_run_of_an_endless_loop_ends(engine: str, kind: str, message: str) -> None:
    """The engine's side of ``diff --modules`` alone (refwasm's run, which stops the engine's
    before the loop, left out): the loop ends at the time limit, and the next module runs."""
    from refwasm.oracle.modules import ModuleDiff

    session_of(engine)
    differ = ModuleDiff([engine], FEATURES, fuel=None, timeout=1.0)
    data = text_to_bytes(LOOP, FEATURES)
    started = time.monotonic()
    run = differ._engine_run(engine, data, *differ._exports(data), True)
    assert time.monotonic() - started < 15
    spin = run.calls[0].outcome
    assert (spin.kind, message in spin.message) == (kind, True), spin
    again = differ._engine_run(engine, data, *differ._exports(data), True, stop=0)
    assert again.instantiation.values == (), again
