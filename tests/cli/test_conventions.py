"""The command line's conventions in process (issue 17, item 2; the fresh-clone subprocess
tests in test_fresh_clone.py are slow-marked): ``--version``, ``--spec`` and the proposal flags,
``-`` for stdin and stdout, magic bytes, scripts given to module commands, located errors on
stderr, exit statuses."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import pytest

from refwasm.cli import EXIT_INVALID, EXIT_TRAP, main, parser_for
from refwasm.commands.common import features_of
from refwasm.features import Features

WAT = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)\n' \
      '  (func (export "boom") unreachable))\n'
SIGN_EXT = '(module (func (param i32) (result i32) local.get 0 i32.extend8_s))'


class _Stdin:
    """A stand-in for ``sys.stdin`` with a binary buffer."""

    def __init__(self, data: bytes) -> None:
        self.buffer = io.BytesIO(data)


def run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], argv: list[str],
        stdin: bytes = b"") -> tuple[int, bytes, str]:
    monkeypatch.setattr(sys, "stdin", _Stdin(stdin))
    raw = io.BytesIO()
    monkeypatch.setattr(sys, "stdout", io.TextIOWrapper(raw, write_through=True))
    status = main(argv)
    sys.stdout.flush()
    return status, raw.getvalue(), capsys.readouterr().err


def test_version_is_the_program_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == "refwasm 0.1.0"


def test_spec_and_proposal_flags() -> None:
    args = parser_for(["validate"]).parse_args(["validate", "m.wat", "--spec", "1.0",
                                                "--enable-simd", "--disable-bulk-memory"])
    assert features_of(args) == Features.for_version("1.0").with_(simd=True, bulk_memory=False)
    old = parser_for(["validate"]).parse_args(["validate", "m.wat", "--version", "3.0"])
    assert features_of(old) == Features.for_version("3.0")  # the old name still works
    for command in ("validate", "parse", "print", "inspect", "run", "wast"):
        parser = parser_for([command])
        sub = parser._subparsers._group_actions[0].choices[command]  # type: ignore[union-attr]
        assert "default: 3.0" in " ".join(sub.format_help().split()), command


def test_stdin_stdout_round_trip(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, wasm, err = run(monkeypatch, capsys, ["parse", "-", "-o", "-"], WAT.encode())
    assert (status, err) == (0, "") and wasm.startswith(b"\0asm")
    status, text, _ = run(monkeypatch, capsys, ["print", "-"], wasm)
    assert status == 0 and b'(export "boom" (func 1))' in text
    status, out, _ = run(monkeypatch, capsys, ["run", "-", "--invoke", "add", "2", "3"], wasm)
    assert (status, out) == (0, b"i32:5\n")
    status, _, err = run(monkeypatch, capsys, ["run", "-", "--invoke", "boom"], wasm)
    assert (status, err) == (EXIT_TRAP, "trap: unreachable\n")


def test_magic_bytes_not_extensions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, wasm, _ = run(monkeypatch, capsys, ["parse", "-", "-o", "-"], WAT.encode())
    (tmp_path / "binary.wat").write_bytes(wasm)
    (tmp_path / "text.wasm").write_text(WAT)
    for name in ("binary.wat", "text.wasm"):
        assert run(monkeypatch, capsys, ["validate", str(tmp_path / name)])[:2] == (0, b"valid\n")


def test_scripts_are_sent_to_wast(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    script = WAT + '(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))\n'
    (tmp_path / "s.wast").write_text(script)
    for argv, stdin in ((["validate", str(tmp_path / "s.wast")], b""),
                        (["print", "-"], script.encode()),
                        (["run", str(tmp_path / "s.wast")], b"")):
        status, out, err = run(monkeypatch, capsys, argv, stdin)
        assert (status, out) == (EXIT_INVALID, b"")
        assert err.strip().endswith("this is a .wast script, not a module: use refwasm wast")


def test_located_errors_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "m.wat"
    path.write_text(SIGN_EXT)
    status, out, err = run(monkeypatch, capsys, ["validate", str(path), "--spec", "1.0"])
    assert (status, out) == (EXIT_INVALID, b"")
    column = SIGN_EXT.index("i32.extend8_s") + 1
    assert err.splitlines() == [f"{path}:1:{column}: malformed: unknown operator i32.extend8_s",
                                f"  {SIGN_EXT}", "  " + " " * (column - 1) + "^"]
    assert run(monkeypatch, capsys, ["validate", str(path), "--spec", "1.0",
                                     "--enable-sign-extension"])[0] == 0
    path.write_text('(module (func (export "f") (result i32) (block (result i32) i64.const 1)))')
    status, _, err = run(monkeypatch, capsys, ["parse", str(path), "-o", "-"])
    assert status == EXIT_INVALID
    assert err == (f'{path}: func 0 (export "f"), instr 0.end: invalid: type mismatch: '
                   "expected [i32] but got [i64]\n")
    assert run(monkeypatch, capsys, ["parse", str(path), "-o", "-", "--no-check"])[0] == 0
    status, _, err = run(monkeypatch, capsys, ["inspect", "-"], b"\0asm\x01\0\0\0\x0a\x05\x01")
    assert status == EXIT_INVALID
    assert err == "-:0xa (code section): malformed: length out of bounds\n"


def test_run_values_and_default_export(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "f.wat"
    path.write_text('(module (func (export "neg") (param f32) (result f32) local.get 0 f32.neg)'
                    ' (func (export "pair") (param f64 i64) (result f64 i64) local.get 0'
                    ' local.get 1))')
    assert run(monkeypatch, capsys, ["run", str(path), "--invoke", "neg", "-inf"])[1] == \
        b"f32:inf\n"
    assert run(monkeypatch, capsys, ["run", str(path), "--invoke", "neg", "-nan:0x200000"])[1] \
        == b"f32:nan:0x200000\n"
    assert run(monkeypatch, capsys, ["run", str(path), "--invoke", "pair", "-0x1p3", "-5"])[1] \
        == b"f64:-8\ni64:18446744073709551611 (signed -5)\n"
    status, _, err = run(monkeypatch, capsys, ["run", str(path)])
    assert (status, err) == (2, "error: no --invoke NAME given and no _start export "
                                "(exports: neg, pair)\n")
    path.write_text('(module (global (export "g") (mut i32) (i32.const 0))'
                    ' (func (export "_start") i32.const 7 global.set 0))')
    assert run(monkeypatch, capsys, ["run", str(path)])[:2] == (0, b"")


def test_inspect_types(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    wat = ('(module (import "spectest" "print_i32" (func (param i32)))'
           ' (type (func (param i64) (result i64))) (func (export "id") (type 0) local.get 0))')
    status, out, _ = run(monkeypatch, capsys, ["inspect", "-", "--types"], wat.encode())
    assert status == 0
    assert out.decode().splitlines()[:5] == [
        "types:", "  (type 0) (func (param i64) (result i64))", "  (type 1) (func (param i32))",
        "functions:", "  0: (type 1) (param i32) (import spectest.print_i32)"]
    assert out.decode().splitlines()[5] == '  1: (type 0) (param i64) (result i64) (export "id")'


def test_a_missing_extra_is_named(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import refwasm.commands.validate as validate

    def needs_hypothesis(args: object) -> int:
        raise ModuleNotFoundError("No module named 'hypothesis'", name="hypothesis")

    monkeypatch.setattr(validate, "run", needs_hypothesis)
    assert main(["validate", "x.wat"]) == 2
    assert capsys.readouterr().err == ("refwasm validate: this needs the hypothesis package: "
                                       "pip install 'refwasm[fuzz]'\n")


def test_dump_lists_sections(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    status, wasm, _ = run(monkeypatch, capsys, ["parse", "-", "-o", "-"], WAT.encode())
    status, out, err = run(monkeypatch, capsys, ["dump", "-"], wasm)
    assert (status, err) == (0, "")
    lines = out.decode().splitlines()
    assert lines[0] == f"-: {len(wasm)} bytes, version 1"
    assert [line.split()[0] for line in lines[1:]] == ["type", "function", "export", "code"]
    assert lines[2].endswith("count 2")  # two functions
    type_start = int(lines[1].split("start=")[1].split()[0], 16)
    assert (wasm[type_start - 2], type_start) == (1, 10)  # the type section's id, then its size
    status, out, err = run(monkeypatch, capsys, ["dump", "-"], wasm[:21])  # a header cut
    assert status == EXIT_INVALID and b"type" in out
    assert err.splitlines()[-1].startswith("-:0x15 (function section): malformed: ")


def test_run_preloads_modules(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "lib.wat").write_text('(module (func (export "seven") (result i32) i32.const 7))')
    app = tmp_path / "app.wat"
    app.write_text('(module (import "lib" "seven" (func $s (result i32)))'
                   ' (func (export "main") (result i32) call $s i32.const 1 i32.add))')
    preload = f"lib={tmp_path / 'lib.wat'}"
    assert run(monkeypatch, capsys, ["run", str(app), "--preload", preload, "--invoke",
                                     "main"])[:2] == (0, b"i32:8\n")
    status, _, err = run(monkeypatch, capsys, ["run", str(app), "--invoke", "main"])
    assert (status, err) == (EXIT_TRAP, "unlinkable: unknown import 'lib' 'seven' (modules "
                                        "provided: spectest; --preload NAME=FILE adds one)\n")
