"""``refwasm parse`` and ``refwasm print``."""

from __future__ import annotations

from pathlib import Path

import pytest

from refwasm.cli import main
from refwasm.text import parse_module

pytest.importorskip("refwasm.binary", reason="the binary encoder (helper A) is missing")

SOURCE = '(module (func (export "f") (result f32) f32.const 0.1))'


def test_parse_then_print(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wat = tmp_path / "m.wat"
    wat.write_text(SOURCE)
    assert main(["parse", str(wat)]) == 0
    wasm = tmp_path / "m.wasm"
    assert wasm.read_bytes().startswith(b"\0asm\x01\0\0\0")
    assert main(["print", str(wasm)]) == 0
    printed = capsys.readouterr().out
    assert "f32.const 0x1.99999ap-4" in printed  # 0.1 rounded to f32, printed exactly
    assert parse_module(printed) == parse_module(SOURCE)


def test_errors_exit_with_status_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    wat = tmp_path / "bad.wat"
    wat.write_text("(module (func (i32.frob)))")
    assert main(["parse", str(wat), "-o", str(tmp_path / "x.wasm")]) == 1
    assert main(["print", str(wat)]) == 1
    assert "malformed: unknown operator" in capsys.readouterr().err
