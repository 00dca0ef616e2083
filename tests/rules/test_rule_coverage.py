"""``refwasm wast --rule-coverage``: the rules one assertion exercises, counted exactly, and
nothing left installed afterwards."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from refwasm import rules
from refwasm.cli import main
from refwasm.execution import instructions as ins
from refwasm.execution import prepare
from refwasm.rule_coverage import RuleCounter
from refwasm.validation import instructions as vins

pytestmark = pytest.mark.skipif(
    not (rules.spec_root() / "wasm-3.0-spectec").is_dir(),
    reason=f"spec sources not found at {rules.spec_root()} (set REFWASM_SPEC)",
)

ADD_ONE = """
(module (func (export "f") (param i32) (result i32) (i32.add (local.get 0) (i32.const 1))))
(assert_return (invoke "f" (i32.const 1)) (i32.const 2))
"""

DIVIDE_BY_ZERO = """
(module (func (export "d") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1))))
(assert_trap (invoke "d" (i32.const 1) (i32.const 0)) "integer divide by zero")
"""


def run_counted(tmp_path: Path, script: str) -> dict[str, Any]:
    path = tmp_path / "one.wast"
    path.write_text(script)
    assert main(["wast", str(path), "--rule-coverage", str(tmp_path / "cov")]) == 0
    data: dict[str, Any] = json.loads((tmp_path / "cov.json").read_text())
    assert (tmp_path / "cov.html").read_text().count("<table>") == 2
    return data


def fired(table: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {rule: counts for rule, counts in table.items() if sum(counts.values())}


def test_one_assertion_fires_exactly_its_rules(tmp_path: Path) -> None:
    """Hand-checked: typing ``local.get``, ``i32.const``, ``i32.add``; executing
    ``local.get`` (``Step_read``) and ``i32.add`` (``Step_pure/binop-val``).  A constant is a
    value in 3.0, with no step of its own."""
    data = run_counted(tmp_path, ADD_ONE)
    assert fired(data["typing"]) == {
        "Instr_ok/binop": {"valid": 1, "invalid": 0},
        "Instr_ok/const": {"valid": 1, "invalid": 0},
        "Instr_ok/local.get": {"valid": 1, "invalid": 0},
    }
    assert fired(data["execution"]) == {
        "Step_pure/binop": {"ok": 1, "trap": 0},
        "Step_read/local.get": {"ok": 1, "trap": 0},
    }
    never = data["never"]
    assert "Step_pure/binop" in never["execution_trap_branch"]
    assert "Step_pure/binop" not in never["execution_success_branch"]
    assert "Step_pure/relop" in never["execution"]


def test_a_trapping_assertion_counts_the_trap_branch(tmp_path: Path) -> None:
    data = run_counted(tmp_path, DIVIDE_BY_ZERO)
    assert fired(data["execution"]) == {
        "Step_pure/binop": {"ok": 0, "trap": 1},
        "Step_read/local.get": {"ok": 2, "trap": 0},
    }
    assert "Step_pure/binop" not in data["never"]["execution_trap_branch"]
    assert "Step_pure/binop" in data["never"]["execution_success_branch"]


def test_nothing_stays_installed() -> None:
    """Off means the interpreter's own functions, not wrappers that do nothing."""
    before = (prepare.prepare_instr, dict(vins._RULES), ins.exec_block, ins.exec_loop, ins.exec_if)
    with RuleCounter():
        assert prepare.prepare_instr is not before[0]
        assert ins.exec_block is not before[2]
    after = (prepare.prepare_instr, dict(vins._RULES), ins.exec_block, ins.exec_loop, ins.exec_if)
    assert after == before


def test_rule_coverage_needs_the_reference(tmp_path: Path) -> None:
    path = tmp_path / "one.wast"
    path.write_text(ADD_ONE)
    assert (
        main(["wast", str(path), "--engine", "fast", "--rule-coverage", str(tmp_path / "c")]) == 2
    )


LOADS = """
(module (memory 1)
  (func (export "f") (result v128) (v128.load8x8_s (i32.const 0)))
  (func (export "g") (result i32) (i32.load8_u (i32.const 0)))
  (func (export "h") (result i32) (i32.load (i32.const 0))))
(assert_return (invoke "f") (v128.const i16x8 0 0 0 0 0 0 0 0))
(assert_return (invoke "g") (i32.const 0))
(assert_return (invoke "h") (i32.const 0))
"""


def test_a_shared_handler_counts_the_rule_of_its_instruction(tmp_path: Path) -> None:
    """``exec_load`` runs both ``i32.load`` and ``i32.load8_u``; each counts its own case."""
    data = run_counted(tmp_path, LOADS)
    assert fired(data["execution"]) == {
        "Step_read/load-num": {"ok": 1, "trap": 0},
        "Step_read/load-pack": {"ok": 1, "trap": 0},
        "Step_read/vload-pack": {"ok": 1, "trap": 0},
    }
