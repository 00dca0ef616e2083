"""``refwasm rules INSTR|RULE``: where one instruction's or one rule's spec rules and code are.

Expected values are read off the spec by hand: the opcodes from the binary format's opcode
table (``5.3-binary.instructions.spectec``), the rules from ``2.3-validation.instructions`` and
``4.3-execution.instructions`` (2.0's ``8-reduction`` for ``Step_read/call_indirect``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from refwasm import rules
from refwasm.cli import main

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not (rules.spec_root() / "wasm-3.0-spectec").is_dir(),
    reason=f"spec sources not found at {rules.spec_root()} (set REFWASM_SPEC)",
)


@pytest.fixture(scope="module")
def spec() -> rules.SpecIndex:
    return rules.load_spec()


def look_up(name: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["rules", name, "--json"]) == 0
    found: dict[str, Any] = json.loads(capsys.readouterr().out)
    return found


def defined_at(at: str, function: str) -> bool:
    """Whether ``file:line`` is where ``def function`` is (or its first decorator)."""
    file, line = at.rsplit(":", 1)
    lines = (ROOT / file).read_text("utf-8").splitlines()[int(line) - 1 :]
    header = next(text for text in lines if not text.startswith("@"))
    return header.startswith(f"def {function}(")


def test_an_instruction_with_its_opcode_rules_code_and_tests(
    capsys: pytest.CaptureFixture[str],
) -> None:
    found = look_up("i32.trunc_f32_s", capsys)
    assert found["opcodes"] == ["0xA8"]
    assert found["syntax"] == "CVTOP I32 F32 TRUNC S"
    assert found["validation"] == ["Instr_ok/cvtop"]
    assert found["execution"] == ["Step_pure/cvtop-val", "Step_pure/cvtop-trap"]
    assert found["numerics"] == ["$trunc__"]
    where = {(i["rule"], i["function"]): i["at"] for i in found["implemented_by"]}
    at = where[("Step_pure/cvtop-trap", "refwasm.execution.instructions:exec_unop")]
    assert at.startswith("refwasm/execution/instructions.py:") and defined_at(at, "exec_unop")
    at = where[("Instr_ok/cvtop", "refwasm.validation.instructions:valid_cvtop")]
    assert defined_at(at, "valid_cvtop")
    assert "spec-tests/official/wasm-2.0/conversions.wast" in found["tests"]


@pytest.mark.parametrize(
    ("mnemonic", "opcodes"),
    [
        ("br_table", ("0x0E",)),
        ("table.init", ("0xFC 12",)),  # a prefix and a u32 index
        ("i32.load8_s", ("0x2C",)),  # not i32.load16_s's 0x2E: the same syntax but for `8
        ("v128.load8_lane", ("0xFD 84",)),
        ("select", ("0x1B", "0x1C")),  # without and with its types
        ("ref.cast", ("0xFB 22", "0xFB 23")),  # to (ref ht) and (ref null ht)
        ("f64.promote_f32", ("0xBB",)),  # the binary grammar writes its types the other way
    ],
)
def test_opcodes(mnemonic: str, opcodes: tuple[str, ...], spec: rules.SpecIndex) -> None:
    found = rules.instruction_rules(mnemonic, spec)
    assert found is not None and found.opcodes == opcodes


def test_br_table_prints_its_rules(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "br_table"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["instruction", "br_table"]
    assert "opcodes      0x0E" in out
    assert "execution    Step_pure/br_table-lt, Step_pure/br_table-ge" in out
    assert "refwasm.execution.instructions:exec_br_table  refwasm/execution/instructions.py:" in out


def test_a_rule_family(capsys: pytest.CaptureFixture[str]) -> None:
    """``Step_read/call_indirect`` is a 2.0 family (3.0 reduces call_indirect purely)."""
    found = look_up("Step_read/call_indirect", capsys)
    assert [c["name"] for c in found["cases"]] == [
        "Step_read/call_indirect-call",
        "Step_read/call_indirect-trap",
    ]
    assert found["instructions"] == ["call_indirect"]
    functions = {i["function"] for i in found["implemented_by"]}
    assert "refwasm.execution.instructions:exec_call_indirect" in functions


def test_an_unknown_name_exits_1_with_close_matches(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules", "i32.trunc_f32"]) == 1
    err = capsys.readouterr().err
    assert "'i32.trunc_f32'" in err and "i32.trunc_f32_s" in err
    assert main(["rules", "Step_read/call_indirec"]) == 1
    assert "Step_read/call_indirect" in capsys.readouterr().err
    assert main(["rules", "i32.trunc_f32_s_s"]) == 1
    assert "i32.trunc_f32_s" in capsys.readouterr().err


def test_an_operator(capsys: pytest.CaptureFixture[str]) -> None:
    """``$iadd`` is the definition ``$iadd_`` (3.1-numerics.scalar), as in a citation."""
    found = look_up("$iadd", capsys)
    assert [c["name"] for c in found["cases"]] == ["$iadd_"]
    functions = {i["function"] for i in found["implemented_by"]}
    assert "refwasm.numerics.integer:IntOps.iadd" in functions


def test_the_narrowest_citations_implement_a_rule(capsys: pytest.CaptureFixture[str]) -> None:
    """A function citing a rule's sub-family (``Binstr/num``: the numeric opcode table) is
    shown for it, not one citing the whole grammar or another family (the 0xFB decoder)."""
    found = look_up("i32.trunc_f32_s", capsys)
    by_rule: dict[str, set[str]] = {}
    for entry in found["implemented_by"]:
        by_rule.setdefault(entry["rule"], set()).add(entry["function"])
    assert by_rule["Binstr/num-cvt"] == {"refwasm.binary.opcodes:_numeric"}
    assert by_rule["Tplaininstr_(I)/num-cvt-i32"] == {"refwasm.text.mnemonics:_cvt"}
    assert by_rule["Instr_ok/cvtop"] == {"refwasm.validation.instructions:valid_cvtop"}
