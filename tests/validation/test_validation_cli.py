"""``refwasm validate``: prints ``valid`` and exits 0, or prints the located message on stderr
and exits 1."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from refwasm.cli import main

VALID_WAT = '(module (func (export "f") (result i32) (i32.const 1)))'
INVALID_WAT = '(module (func (result i32) (i64.const 1)))'


def _wasm(tmp_path: Path, text: str, name: str) -> Path:
    """Assemble with wabt's ``wat2wasm`` (without its own validation)."""
    if shutil.which("wat2wasm") is None:
        pytest.skip("wat2wasm (wabt) is not on PATH")
    wat = tmp_path / f"{name}.wat"
    wat.write_text(text)
    out = tmp_path / f"{name}.wasm"
    subprocess.run(["wat2wasm", "--no-check", str(wat), "-o", str(out)], check=True)
    return out


@pytest.mark.peer
def test_validate_binary(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("refwasm.binary", reason="the binary decoder is not written yet")
    assert main(["validate", str(_wasm(tmp_path, VALID_WAT, "good"))]) == 0
    assert capsys.readouterr().out.strip() == "valid"
    bad_wasm = _wasm(tmp_path, INVALID_WAT, "bad")
    assert main(["validate", str(bad_wasm)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"{bad_wasm}: func 0, instr end: invalid: type mismatch: expected [i32] but got [i64]")


def test_validate_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = pytest.importorskip("refwasm.text", reason="the text parser is not written yet")
    if not hasattr(text, "parse_module"):
        pytest.skip("refwasm.text.parse_module is not written yet")
    good, bad = tmp_path / "good.wat", tmp_path / "bad.wat"
    good.write_text(VALID_WAT)
    bad.write_text(INVALID_WAT)
    assert main(["validate", str(good)]) == 0
    assert capsys.readouterr().out.strip() == "valid"
    assert main(["validate", str(bad)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"{bad}: func 0, instr end: invalid: type mismatch: expected [i32] but got [i64]")
