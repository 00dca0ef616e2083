"""``refwasm run --trace``: each step in spec terms, bounded by ``--trace-limit``."""

from __future__ import annotations

from pathlib import Path

import pytest

from refwasm.cli import main
from refwasm.execution import prepare

FACTORIAL = """
(module
  (func $fac (export "fac") (param i64) (result i64)
    (if (result i64) (i64.eqz (local.get 0))
      (then (i64.const 1))
      (else (i64.mul (local.get 0) (call $fac (i64.sub (local.get 0) (i64.const 1))))))))
"""

DIVIDE = """
(module (func (export "d") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1))))
"""


def trace(tmp_path: Path, capsys: pytest.CaptureFixture[str], text: str, *argv: str) -> list[str]:
    path = tmp_path / "m.wat"
    path.write_text(text)
    main(["run", str(path), *argv])
    return capsys.readouterr().err.splitlines()


def test_each_step_with_its_stacks_and_rule(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Hand-checked: ``fac 0`` takes the ``then`` branch."""
    assert trace(tmp_path, capsys, FACTORIAL, "--invoke", "fac", "0", "--trace") == [
        "1  local.get 0  [] -> [0]  Step_read/local.get",
        "2  i64.eqz  [0] -> [1]  Step_pure/testop",
        "3  if  [1] -> []  Step_pure/if",
        "4  i64.const 0x1  [] -> [1]  exec-const",
    ]


def test_the_limit_bounds_the_lines_not_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = trace(
        tmp_path, capsys, FACTORIAL, "--invoke", "fac", "5", "--trace", "--trace-limit", "2"
    )
    assert lines == [
        "1  local.get 0  [] -> [5]  Step_read/local.get",
        "2  i64.eqz  [5] -> [0]  Step_pure/testop",
        "... trace limit of 2 steps reached",
    ]
    main(["run", str(tmp_path / "m.wat"), "--invoke", "fac", "5"])
    assert capsys.readouterr().out == "i64:120\n"


def test_a_trap_ends_the_trace(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    lines = trace(tmp_path, capsys, DIVIDE, "--invoke", "d", "7", "0", "--trace")
    assert lines[-2] == "3  i32.div_u  [7 0] -> trap 'integer divide by zero'  Step_pure/binop"
    assert lines[-1] == "trap: integer divide by zero"


def test_no_trace_installs_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    original = prepare.prepare_instr
    assert trace(tmp_path, capsys, FACTORIAL, "--invoke", "fac", "3") == []
    assert capsys.readouterr().out == "" and prepare.prepare_instr is original


CATCH = """
(module
  (tag $e (param i32))
  (func (export "c") (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (throw $e (i32.const 7)))
      (i32.const 0))))
"""


def test_a_throw_and_the_try_table_around_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Hand-checked: the ``try_table`` header is a step (``Step_read/try_table``), ``throw``
    throws its operand (``Step/throw``); the catch is the loop's, not a step."""
    lines = trace(tmp_path, capsys, CATCH, "--spec", "3.0", "--invoke", "c", "--trace")
    assert lines == [
        "1  block  [] -> []  Step_read/block",
        "2  try_table  [] -> []  Step_read/try_table",
        "3  i32.const 0x7  [] -> [7]  exec-const",
        "4  throw 0  [7] -> throw  Step/throw",
    ]
