"""``refwasm wast --rule-coverage``: the rules one assertion exercises, counted exactly, and
nothing left installed afterwards."""

from __future__ import annotations

import inspect
import json
import re
from pathlib import Path
from typing import Any

import pytest

from refwasm import rules
from refwasm.cli import main
from refwasm.execution import exceptions as eh
from refwasm.execution import gc, prepare
from refwasm.execution import instructions as ins
from refwasm.rule_coverage import STRUCTURED, RuleCounter, execution_universe, handlers
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


def run_counted(tmp_path: Path, script: str, *options: str) -> dict[str, Any]:
    path = tmp_path / "one.wast"
    path.write_text(script)
    assert main(["wast", str(path), *options, "--rule-coverage", str(tmp_path / "cov")]) == 0
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

    def installed() -> tuple[object, ...]:
        return (
            prepare.prepare_instr,
            dict(vins._RULES),
            ins.exec_block,
            ins.exec_loop,
            ins.exec_if,
            eh.exec_try_table,
        )

    before = installed()
    with RuleCounter():
        assert prepare.prepare_instr is not before[0]
        assert ins.exec_block is not before[2]
        assert eh.exec_try_table is not before[5]
    assert installed() == before


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


THROW_AND_CATCH = """
(module
  (tag $e (param i32))
  (func (export "catch") (result i32)
    (block $h (result i32)
      (try_table (catch $e $h) (throw $e (i32.const 7)))
      (i32.const 0))))
(assert_return (invoke "catch") (i32.const 7))
"""


def test_a_throw_caught_fires_exactly_its_rules(tmp_path: Path) -> None:
    """Hand-checked against 4.3-execution.instructions.spectec: ``block`` and ``try_table``
    enter their label (``Step_read/block``, ``Step_read/try_table``: it wraps the label in a
    handler), ``throw`` allocates the exception and throws it (``Step/throw``: throwing is its
    success, not a trap); the constants are values.  The exception then leaves the
    ``try_table``'s label (``Step_read/throw_ref-label``) and its handler's first clause catches
    it (``Step_read/throw_ref-handler-catch``)."""
    data = run_counted(tmp_path, THROW_AND_CATCH, "--spec", "3.0")
    assert fired(data["typing"]) == {
        "Catch_ok": {"valid": 1, "invalid": 0},
        "Instr_ok/block": {"valid": 1, "invalid": 0},
        "Instr_ok/const": {"valid": 2, "invalid": 0},
        "Instr_ok/throw": {"valid": 1, "invalid": 0},
        "Instr_ok/try_table": {"valid": 1, "invalid": 0},
    }
    assert fired(data["execution"]) == {
        "Step/throw": {"ok": 1, "trap": 0},
        "Step_read/block": {"ok": 1, "trap": 0},
        "Step_read/throw_ref-handler-catch": {"ok": 1, "trap": 0},
        "Step_read/throw_ref-label": {"ok": 1, "trap": 0},
        "Step_read/try_table": {"ok": 1, "trap": 0},
    }
    assert "Step_read/try_table" not in data["never"]["execution_success_branch"]


RETHROW = """
(module
  (tag $e (param i32))
  (func (export "rethrow") (result i32)
    (block $outer (result i32)
      (try_table (catch $e $outer)
        (block $h (result exnref)
          (try_table (catch_all_ref $h) (throw $e (i32.const 5)))
          (unreachable))
        (throw_ref))
      (i32.const 0)))
  (func (export "null") (local exnref) (throw_ref (local.get 0))))
(assert_return (invoke "rethrow") (i32.const 5))
(assert_trap (invoke "null") "null exception reference")
"""


def test_throw_ref_counts_its_success_and_its_trap_apart(tmp_path: Path) -> None:
    """Hand-checked: ``rethrow`` enters two blocks and two ``try_table``s, throws once, and
    rethrows the caught reference (``Step_read/throw_ref-instrs``, a success);
    ``unreachable`` is never reached.  ``null`` rethrows a null reference
    (``Step_read/throw_ref-null``, whose only case is a trap).  ``exec_throw_ref`` cites both
    rules; each outcome counts under the rule that has it.  Each exception leaves one
    ``try_table`` label (``throw_ref-label`` twice); the inner handler's ``catch_all_ref`` and
    then the outer's ``catch`` accept it."""
    data = run_counted(tmp_path, RETHROW, "--spec", "3.0")
    assert fired(data["execution"]) == {
        "Step/throw": {"ok": 1, "trap": 0},
        "Step_read/block": {"ok": 2, "trap": 0},
        "Step_read/local.get": {"ok": 1, "trap": 0},
        "Step_read/throw_ref-handler-catch": {"ok": 1, "trap": 0},
        "Step_read/throw_ref-handler-catch_all_ref": {"ok": 1, "trap": 0},
        "Step_read/throw_ref-instrs": {"ok": 1, "trap": 0},
        "Step_read/throw_ref-label": {"ok": 2, "trap": 0},
        "Step_read/throw_ref-null": {"ok": 0, "trap": 1},
        "Step_read/try_table": {"ok": 2, "trap": 0},
    }
    never = data["never"]
    assert "Step_read/throw_ref-null" not in never["execution_trap_branch"]
    assert "Step_read/throw_ref-instrs" not in never["execution_success_branch"]


ACROSS_A_FRAME = """
(module
  (tag $e) (tag $f)
  (func $thrower (throw $e))
  (func (export "cross") (result i32)
    (block $h
      (try_table (catch $f $h) (catch_all $h) (call $thrower)))
    (i32.const 1)))
(assert_return (invoke "cross") (i32.const 1))
"""


def test_an_exception_crossing_a_frame_and_passing_a_clause(tmp_path: Path) -> None:
    """Hand-checked: the exception leaves ``$thrower``'s body label and frame
    (``throw_ref-label``, ``throw_ref-frame``), then the ``try_table``'s label (a second
    ``throw_ref-label``); its handler passes over ``catch $f`` (``throw_ref-handler-next``) and
    ``catch_all`` takes it (``throw_ref-handler-catch_all``)."""
    data = run_counted(tmp_path, ACROSS_A_FRAME, "--spec", "3.0")
    assert fired(data["execution"]) == {
        "Step/throw": {"ok": 1, "trap": 0},
        "Step_read/block": {"ok": 1, "trap": 0},
        "Step_read/call": {"ok": 1, "trap": 0},  # entering the frame is the loop's: uncounted
        "Step_read/throw_ref-frame": {"ok": 1, "trap": 0},
        "Step_read/throw_ref-handler-catch_all": {"ok": 1, "trap": 0},
        "Step_read/throw_ref-handler-next": {"ok": 1, "trap": 0},
        "Step_read/throw_ref-label": {"ok": 2, "trap": 0},
        "Step_read/try_table": {"ok": 1, "trap": 0},
    }


UNCAUGHT = """
(module
  (tag $e) (tag $f)
  (func (export "uncaught") (try_table (catch $f 0) (throw $e))))
(assert_exception (invoke "uncaught"))
"""


def test_an_exception_no_clause_accepts(tmp_path: Path) -> None:
    """Hand-checked: ``catch $f`` is passed over (``throw_ref-handler-next``), the emptied
    handler lets the exception go (``throw_ref-handler-empty``), and it leaves the
    ``try_table``'s label, the function body's, and the frame."""
    data = run_counted(tmp_path, UNCAUGHT, "--spec", "3.0")
    assert fired(data["execution"]) == {
        "Step/throw": {"ok": 1, "trap": 0},
        "Step_read/throw_ref-frame": {"ok": 1, "trap": 0},
        "Step_read/throw_ref-handler-empty": {"ok": 1, "trap": 0},
        "Step_read/throw_ref-handler-next": {"ok": 1, "trap": 0},
        "Step_read/throw_ref-label": {"ok": 2, "trap": 0},
        "Step_read/try_table": {"ok": 1, "trap": 0},
    }


# The functions of ``prepare.py`` that lay out code themselves rather than through
# ``prepare_instr``, whose results the counter wraps; and the handlers they use for what is not
# an instruction's step: the return that ends every function body (``Step_pure/frame-vals``, no
# ``return`` instruction fired) and the placeholder a header replaces.
LAYOUT = (prepare.flatten, prepare.close_level, prepare.prepare_func)
NOT_STEPS = {"exec_return", "exec_nop"}
_HANDLER = re.compile(r"\bexec_\w+")


def test_every_execution_rule_of_a_handler_is_countable() -> None:
    """Each instruction handler, in any module of ``refwasm.execution``, is prepared (named in
    ``prepare.py`` or in ``gc.py``, which ``prepare_instr`` delegates to), and one that the
    layout functions place themselves is a structured header the counter wraps.  A handler
    added on a route of its own (as ``try_table``'s header was) fails here until it is."""
    found = handlers()
    assert {m.__name__ for m, _, _ in found} == {
        "refwasm.execution.instructions",
        "refwasm.execution.gc",
        "refwasm.execution.exceptions",
    }
    named = set(_HANDLER.findall(inspect.getsource(prepare) + inspect.getsource(gc)))
    assert {name for _, name, _ in found} - named == set()
    laid_out = {n for fn in LAYOUT for n in _HANDLER.findall(inspect.getsource(fn))}
    assert laid_out - {name for _, name in STRUCTURED} - NOT_STEPS == set()
    assert {"Step/throw", "Step_read/throw_ref-null", "Step_read/try_table"} <= set(
        execution_universe()
    )
