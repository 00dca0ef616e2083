"""The command line's one place for trouble (issue 15, items 5 and 8): a missing or unreadable
input, an unwritable output, Ctrl-C and a refwasm bug each end in one line on stderr and their own
exit status; ``run`` and ``wast`` end an endless loop by default and go on."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from refwasm import cli
from refwasm.cli import EXIT_INTERNAL, EXIT_INTERRUPTED, EXIT_TRAP, EXIT_TROUBLE, main
from refwasm.script.limits import DEFAULT_FUEL, DEFAULT_TIMEOUT, resolve_fuel

SPIN = '(module (func (export "spin") (loop br 0)) (func (export "one") (result i32) i32.const 1))'
SCRIPT = SPIN + '\n(assert_return (invoke "spin"))\n(assert_return (invoke "one") (i32.const 1))\n'


def one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize("command", ["validate", "print", "inspect", "parse", "run"])
def test_a_missing_input_is_one_line_and_status_2(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    extra = ["--invoke", "f"] if command == "run" else []
    assert main([command, str(tmp_path / "nope.wasm"), *extra]) == EXIT_TROUBLE
    line = one_line(capsys.readouterr().err)
    assert line == f"refwasm {command}: {tmp_path / 'nope.wasm'}: no such file or directory"


@pytest.mark.parametrize("command", ["validate", "print", "inspect", "parse"])
def test_a_directory_is_one_line_and_status_2(
    command: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, str(tmp_path)]) == EXIT_TROUBLE
    assert one_line(capsys.readouterr().err).endswith(": is a directory")


def test_an_unwritable_output_is_one_line_and_status_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wat = tmp_path / "m.wat"
    wat.write_text("(module)")
    for output in (tmp_path / "no" / "such" / "dir.wasm", tmp_path):
        assert main(["parse", str(wat), "-o", str(output)]) == EXIT_TROUBLE
        assert one_line(capsys.readouterr().err).startswith(f"refwasm parse: {output}: ")


@pytest.mark.parametrize("argv", [["--fuel", "-1"], ["--fuel", "x"], ["--timeout", "0"],
                                  ["--timeout", "nan"]])
def test_bad_limits_are_usage_errors(argv: list[str], tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["run", str(tmp_path / "m.wat"), *argv, "--invoke", "f"])
    assert exited.value.code == EXIT_TROUBLE


def test_keyboard_interrupt_and_bugs_are_reported_once(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import refwasm.commands.validate as validate

    def interrupted(args: object) -> int:
        raise KeyboardInterrupt

    def buggy(args: object) -> int:
        raise IndexError("a refwasm bug")

    monkeypatch.setattr(validate, "run", interrupted)
    assert main(["validate", "x.wasm"]) == EXIT_INTERRUPTED
    assert one_line(capsys.readouterr().err) == "refwasm: interrupted"
    monkeypatch.setattr(validate, "run", buggy)
    assert main(["validate", "x.wasm"]) == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "IndexError: a refwasm bug" in err and err.strip().endswith("docs/security.md)")


def test_the_exit_statuses_are_documented() -> None:
    doc = cli.__doc__ or ""
    for status in ("0 ", "1 ", "2 ", "3 ", "4 ", "130 "):
        assert status in doc


# -- Ctrl-C in a real process --------------------------------------------------------------------


def _interrupt(argv: list[str], *, whole_group: bool) -> tuple[int, str, str]:
    """Start ``refwasm argv`` as a terminal would (SIGINT not ignored, its own process group),
    interrupt it once it runs, and return its status and output."""
    process = subprocess.Popen(
        [sys.executable, "-m", "refwasm", *argv], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        time.sleep(3)  # imports, parsing, and into the loop
        if whole_group:
            os.killpg(process.pid, signal.SIGINT)
        else:
            os.kill(process.pid, signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    return process.returncode, out, err


def test_ctrl_c_in_run(tmp_path: Path) -> None:
    (tmp_path / "spin.wat").write_text(SPIN)
    status, out, err = _interrupt(["run", str(tmp_path / "spin.wat"), "--invoke", "spin",
                                   "--fuel", "none", "--timeout", "none"], whole_group=True)
    assert (status, one_line(err)) == (EXIT_INTERRUPTED, "refwasm: interrupted")


@pytest.mark.parametrize("whole_group", [True, False])
def test_ctrl_c_in_wast_with_workers(tmp_path: Path, whole_group: bool) -> None:
    paths = []
    for name in ("a.wast", "b.wast", "c.wast"):
        (tmp_path / name).write_text(SCRIPT)
        paths.append(str(tmp_path / name))
    status, _, err = _interrupt(["wast", *paths, "--jobs", "2", "--fuel", "none",
                                 "--timeout", "none"], whole_group=whole_group)
    assert (status, one_line(err)) == (EXIT_INTERRUPTED, "refwasm: interrupted")


# -- Nothing hangs by default ------------------------------------------------------------------


@pytest.mark.parametrize("command", [["run", "m.wat", "--invoke", "f"], ["wast", "x.wast"],
                                     ["oracle"]])
def test_commands_have_default_limits(command: list[str]) -> None:
    args = cli.parser_for(command).parse_args(command)
    assert (resolve_fuel(args.fuel, "reference"), args.timeout) == (DEFAULT_FUEL, DEFAULT_TIMEOUT)
    assert resolve_fuel(args.fuel, "fast") == DEFAULT_FUEL  # one default serves both engines
    none = cli.parser_for(command).parse_args([*command, "--fuel", "none", "--timeout", "none"])
    assert (resolve_fuel(none.fuel, "fast"), none.timeout) == (None, None)
    given = cli.parser_for(command).parse_args([*command, "--fuel", "7"])
    assert resolve_fuel(given.fuel, "fast") == 7


def test_run_ends_an_endless_loop(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "spin.wat").write_text(SPIN)
    spin = [str(tmp_path / "spin.wat"), "--invoke", "spin"]
    assert main(["run", *spin, "--fuel", "10000"]) == EXIT_TRAP
    assert capsys.readouterr().err == "exhaustion: fuel exhausted\n"
    assert main(["run", *spin, "--fuel", "none", "--timeout", "0.5"]) == EXIT_TRAP
    assert capsys.readouterr().err == "exhaustion: time limit exceeded\n"


@pytest.mark.parametrize(("limits", "message"), [
    (["--fuel", "10000"], "fuel exhausted"),
    (["--fuel", "none", "--timeout", "0.5"], "time limit exceeded"),
])
def test_wast_ends_an_endless_loop_and_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], limits: list[str], message: str
) -> None:
    (tmp_path / "spin.wast").write_text(SCRIPT)
    assert main(["wast", str(tmp_path / "spin.wast"), "--json", *limits]) == 1
    report = json.loads(capsys.readouterr().out)
    assert (report["passed"], report["failed"]) == (2, 1)
    (failure,) = report["files"][str(tmp_path / "spin.wast")]["failures"]
    assert failure["line"] == 2 and failure["reason"].endswith(message)
