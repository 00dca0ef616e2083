"""Running files: collection, version inference, per-file isolation, parallel jobs, the CLI."""

from __future__ import annotations

import argparse
import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from fake_engine import FakeEngine, FakeSpec, i32, text_module

import refwasm.text
from refwasm.commands import wast
from refwasm.engines import ENGINES
from refwasm.engines.base import Value
from refwasm.errors import MalformedError
from refwasm.features import Features, Version
from refwasm.script.report import FileReport
from refwasm.script.runner import collect, run_file, run_files, version_of
from refwasm.syntax.types import NumType
from refwasm.text.script_syntax import (
    AssertReturn,
    Invoke,
    ModuleCommand,
    NumConst,
    Script,
    TextModule,
)

ADD = Invoke(None, "add", (NumConst(NumType.I32, 1), NumConst(NumType.I32, 2)))
SCRIPTS = {
    "good": Script(
        (
            ModuleCommand(1, None, TextModule(text_module("calc"))),
            AssertReturn(2, ADD, (NumConst(NumType.I32, 3),)),
        )
    ),
    "bad": Script(
        (
            ModuleCommand(1, None, TextModule(text_module("calc"))),
            AssertReturn(2, ADD, (NumConst(NumType.I32, 4),)),
            AssertReturn(3, ADD, (NumConst(NumType.I32, 3),)),
        )
    ),
}
PARSED: list[Features] = []


def add(args: Sequence[Value]) -> list[Value]:
    return [i32(sum(a.val for a in args if isinstance(a.val, int)))]


def fake_parse_script(text: str, features: Features) -> Script:
    PARSED.append(features)
    key = text.strip()
    if key not in SCRIPTS:
        raise MalformedError("unexpected token")
    return SCRIPTS[key]


@pytest.fixture(autouse=True)
def fake_world(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(refwasm.text, "parse_script", fake_parse_script, raising=False)
    monkeypatch.setitem(ENGINES, "fake", "fake_engine:FakeEngine")
    FakeEngine.specs = {"calc": FakeSpec(exports={"add": add})}
    PARSED.clear()


def write(path: Path, text: str) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return str(path)


def test_version_of_path() -> None:
    assert version_of("/x/testsuite/wasm-1.0/i32.wast") is Version.WASM_1_0
    assert version_of("/x/wasm-3.0/gc/wasm-2.0/simd/a.wast") is Version.WASM_2_0
    assert version_of("/x/wasm-9.9/a.wast") is None
    assert version_of("/x/y/a.wast") is None


def test_run_file_infers_the_version(tmp_path: Path) -> None:
    path = write(tmp_path / "wasm-1.0" / "a.wast", "good")
    report = run_file(path, engine="fake")
    assert (report.passed, report.failed, report.skipped) == (2, 0, 0)
    assert PARSED[-1] == Features.for_version("1.0")
    assert FakeEngine.sessions[-1].features == Features.for_version("1.0")
    run_file(path, engine="fake", version=Version.WASM_3_0)
    assert FakeEngine.sessions[-1].features == Features.for_version("3.0")


def test_script_parse_error_is_one_failure(tmp_path: Path) -> None:
    report = run_file(write(tmp_path / "a.wast", "(((unbalanced"), engine="fake")
    assert (report.passed, report.failed, report.skipped) == (0, 1, 0)
    assert "unexpected token" in report.failures[0].reason


def test_unreadable_file_is_one_failure(tmp_path: Path) -> None:
    path = tmp_path / "a.wast"
    path.write_bytes(b"\xff\xfe")
    report = run_file(str(path), engine="fake")
    assert (report.passed, report.failed, report.skipped) == (0, 1, 0)


def test_collect_searches_directories_sorted(tmp_path: Path) -> None:
    write(tmp_path / "b.wast", "good")
    write(tmp_path / "a.wast", "good")
    write(tmp_path / "sub" / "c.wast", "good")
    write(tmp_path / "notes.txt", "good")
    single = write(tmp_path / "z.wat", "good")
    files = collect([str(tmp_path), single])
    names = [Path(f).relative_to(tmp_path).as_posix() for f in files]
    assert names == ["a.wast", "b.wast", "sub/c.wast", "z.wat"]


def test_parallel_jobs_match_serial(tmp_path: Path) -> None:
    files = [write(tmp_path / f"{i}.wast", "good" if i % 2 else "bad") for i in range(5)]
    files.append(write(tmp_path / "broken.wast", "???"))
    serial = run_files(files, engine="fake")
    parallel = run_files(files, engine="fake", jobs=2)
    assert [untimed(r) for r in serial] == [untimed(r) for r in parallel]
    assert [r.path for r in parallel] == files
    assert [r.failed for r in parallel] == [1, 0, 1, 0, 1, 1]


def untimed(report: FileReport) -> dict[str, object]:
    """A report's JSON without its time (which differs from run to run)."""
    return {k: v for k, v in report.to_json().items() if k != "seconds"}


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    parser = argparse.ArgumentParser()
    wast.add_arguments(parser)
    status = wast.run(parser.parse_args(["--engine", "fake", *argv]))
    return status, capsys.readouterr().out


def test_cli_text_output_and_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    good = write(tmp_path / "good.wast", "good")
    bad = write(tmp_path / "bad.wast", "bad")
    status, out = run_cli(capsys, good)
    assert status == 0
    assert [untime(line) for line in out.splitlines()] == [
        f"{good}: 2 passed, 0 failed, 0 skipped (T)",
        "2 passed, 0 failed, 0 skipped in T",
    ]
    status, out = run_cli(capsys, str(tmp_path))
    assert status == 1
    assert [untime(line) for line in out.splitlines()] == [
        f"{bad}: 2 passed, 1 failed, 0 skipped (T)",
        f"{bad}:2: assert_return invoke 'add': result 0: expected i32:0x4, got i32:0x3",
        f"{good}: 2 passed, 0 failed, 0 skipped (T)",
        "4 passed, 1 failed, 0 skipped in T",
    ]


def untime(line: str) -> str:
    """A report line with its times (``1.23s``) written ``T``."""
    return re.sub(r"\d+\.\d+s", "T", line)


def test_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = write(tmp_path / "bad.wast", "bad")
    status, out = run_cli(capsys, bad, "--json", "--jobs", "2")
    assert status == 1
    data = json.loads(out)
    assert (data["passed"], data["failed"], data["skipped"]) == (2, 1, 0)
    entry = data["files"][bad]
    assert (entry["passed"], entry["failed"], entry["skipped"]) == (2, 1, 0)
    assert entry["failures"] == [
        {
            "line": 2,
            "command": "assert_return invoke 'add'",
            "reason": "result 0: expected i32:0x4, got i32:0x3",
        }
    ]


def test_cli_missing_path(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _ = run_cli(capsys, str(tmp_path / "nope.wast"))
    assert status == 2


def test_missing_script_parser_skips_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delattr(refwasm.text, "parse_script")
    report = run_file(write(tmp_path / "a.wast", "good"), engine="fake")
    assert (report.passed, report.failed, report.skipped) == (0, 0, 1)
    assert "script parser not implemented yet" in report.skips[0].reason


def test_crash_while_parsing_is_one_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(text: str, features: Features) -> Script:
        raise RecursionError("too deep")

    monkeypatch.setattr(refwasm.text, "parse_script", explode)
    report = run_file(write(tmp_path / "a.wast", "good"), engine="fake")
    assert (report.passed, report.failed, report.skipped) == (0, 1, 0)
    assert "RecursionError" in report.failures[0].reason
