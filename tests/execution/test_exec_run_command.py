"""``refwasm run``: instantiate, invoke, print results as the suite writes them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from refwasm.cli import main

pytest.importorskip("refwasm.text")

WAT = """
(module
  (import "spectest" "print_i32" (func $p (param i32)))
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "div") (param f32 f32) (result f32 f64) local.get 0 local.get 1 f32.div f64.const -0.5)
  (func (export "trap") unreachable)
  (func (export "spin") (loop br 0))
  (func (export "refs") (result funcref) ref.null func)
  (func (export "echo") (param externref) (result externref) local.get 0)
)
"""


@pytest.fixture
def wat(tmp_path: Path) -> Path:
    path = tmp_path / "m.wat"
    path.write_text(WAT)
    return path


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["run", *argv])
    out, err = capsys.readouterr()
    return status, out, err


def test_integers_print_unsigned(wat: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, str(wat), "--invoke", "add", "5", "-6") == (0, "i32:4294967295 (signed -1)\n", "")


def test_floats_print_shortest_exact_decimal(wat: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, str(wat), "--invoke", "div", "1", "3")
    assert (status, out) == (0, "f32:0.33333334\nf64:-0.5\n")


def test_nan_prints_payload(wat: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, str(wat), "--invoke", "div", "f32:-inf", "f32:inf")
    assert status == 0
    assert out.splitlines()[0] in ("f32:nan:0x400000", "f32:-nan:0x400000")


def test_json_output(wat: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = run(capsys, str(wat), "--json", "--invoke", "add", "0x10", "1")
    assert status == 0
    assert json.loads(out) == [{"type": "i32", "value": "17"}]


def test_references(wat: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, str(wat), "--invoke", "echo", "7")[1] == "ref.extern 7\n"
    assert run(capsys, str(wat), "--invoke", "echo", "null")[1] == "ref.null extern\n"


def test_trap_prints_message_and_fails(wat: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, err = run(capsys, str(wat), "--invoke", "trap")
    assert (status, out, err) == (4, "", "trap: unreachable\n")  # 4: a valid module failed


def test_fuel(wat: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, _, err = run(capsys, str(wat), "--fuel", "1000", "--invoke", "spin")
    assert (status, err) == (4, "exhaustion: fuel exhausted\n")


@pytest.mark.parametrize(
    "argv",
    [("--invoke", "nope"), ("--invoke", "add", "1"), ("--invoke", "add", "1", "x")],
)
def test_embedder_errors_fail(wat: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]) -> None:
    status, _, err = run(capsys, str(wat), *argv)
    assert status == 2  # the command was asked what it cannot do: a usage error
    assert err.startswith("error: ")


def test_binary_module(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from refwasm.binary import encode_module
    from refwasm.text import parse_module

    path = tmp_path / "m.wasm"
    path.write_bytes(encode_module(parse_module(WAT)))
    assert run(capsys, str(path), "--invoke", "add", "2", "3") == (0, "i32:5\n", "")


def test_unknown_import_is_unlinkable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "m.wat"
    path.write_text('(module (import "env" "f" (func)) (func (export "g")))')
    status, _, err = run(capsys, str(path), "--invoke", "g")
    assert (status, err) == (4, "unlinkable: unknown import 'env' 'f' (modules provided: "
                             "spectest; --preload NAME=FILE adds one)\n")


@pytest.mark.parametrize("engine", ["reference", "fast"])
def test_uncaught_exception_is_a_typed_outcome(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], engine: str
) -> None:
    path = tmp_path / "eh.wat"
    path.write_text('(module (tag $e (param i32)) (func (export "f") (param i32) local.get 0 throw $e))')
    argv = [str(path), "--spec", "3.0", "--engine", engine, "--invoke", "f", "3"]
    assert run(capsys, *argv) == (4, "", "exception: uncaught exception\n")
    status, out, _ = run(capsys, *argv, "--json")
    assert (status, json.loads(out)) == (4, {"error": "exception", "message": "uncaught exception"})
