"""``docs/rules.md`` is what ``refwasm rules --markdown`` generates now, and its numbers hold."""

from __future__ import annotations

from pathlib import Path

import pytest

from refwasm import rules
from refwasm.cli import main

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.skipif(
    not (rules.spec_root() / "wasm-3.0-spectec").is_dir(),
    reason=f"spec sources not found at {rules.spec_root()} (set REFWASM_SPEC)",
)


def test_docs_rules_md_is_current() -> None:
    committed = (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == rules.markdown(), (
        "docs/rules.md is stale: run `refwasm rules --markdown > docs/rules.md`"
    )


def test_the_map_names_the_implementing_functions() -> None:
    spec = rules.load_spec()
    by_name = rules.implementers(spec, rules.citations())
    where = {name: {c.where for c in cs} for name, cs in by_name.items()}
    assert "refwasm.execution.instructions:exec_binop" in where["Step_pure/binop-trap"]
    assert "refwasm.validation.instructions:valid_br_table" in where["Instr_ok/br_table"]
    assert "refwasm.numerics.integer:IntOps.iadd" in where["$iadd_"]


def test_coverage_counts_partition_each_chapter() -> None:
    spec = rules.load_spec()
    for cov in rules.code_coverage(spec, rules.citations()):
        assert len(cov.implemented) + len(cov.missing) == len(cov.rules)
        assert set(cov.implemented).isdisjoint(cov.missing)
    # Hand-checked: 4.3-execution.instructions.spectec declares these two cases of br_table.
    execution = next(
        c for c in rules.code_coverage(spec, rules.citations()) if c.chapter == "execution"
    )
    names = {n.name for n in execution.implemented}
    assert {"Step_pure/br_table-lt", "Step_pure/br_table-ge"} <= names


def test_refwasm_rules_prints_the_coverage(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["rules"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == list(rules.CHAPTER_KINDS)
