"""Spec citations cannot rot: every rule, grammar and definition the code cites exists in the
SpecTec sources, and every 2.0 label in the 2.0 prose (``refwasm/rules.py``)."""

from __future__ import annotations

import pytest

from refwasm import rules
from refwasm.execution import instructions as ins
from refwasm.rules import Citation, SpecIndex, load_spec, parse_citations

pytestmark = pytest.mark.skipif(
    not (rules.spec_root() / "wasm-3.0-spectec").is_dir(),
    reason=f"spec sources not found at {rules.spec_root()} (set REFWASM_SPEC)",
)


@pytest.fixture(scope="module")
def spec() -> SpecIndex:
    return load_spec()


@pytest.fixture(scope="module")
def cited() -> list[Citation]:
    return rules.citations()


def test_every_cited_spectec_name_exists(spec: SpecIndex, cited: list[Citation]) -> None:
    missing = [f"{c.where}: {name}" for c in cited for name in c.spectec if not spec.resolve(name)]
    assert missing == []


def test_every_cited_label_exists_in_the_2_0_prose(spec: SpecIndex, cited: list[Citation]) -> None:
    missing = [
        f"{c.where}: {label}" for c in cited for label in c.labels if label not in spec.labels
    ]
    assert missing == []


def test_every_instruction_handler_and_typing_rule_cites_a_spectec_rule(
    cited: list[Citation],
) -> None:
    """The execution handlers (``exec_*``) and the registered typing rules name their rule;
    a constant and a host call have no SpecTec step and name their 2.0 label."""
    from refwasm.validation.instructions import _RULES

    by_function = {(c.module, c.qualname): c for c in cited}
    handlers = [(ins.__name__, name) for name in vars(ins) if name.startswith("exec_")] + [
        (fn.__module__, fn.__qualname__) for fn in _RULES.values()
    ]
    uncited = [h for h in handlers if h not in by_function]
    assert uncited == []
    no_spectec = sorted(name for module, name in handlers if not by_function[module, name].spectec)
    assert no_spectec == ["exec_const"]


def test_the_citation_format() -> None:
    doc = "``Step_read/block`` · ``exec-block``: enter a label of arity ``m`` (``F.module``)."
    assert parse_citations(doc) == (["Step_read/block"], ["exec-block"])
    # Bare labels count; a definition is matched without its trailing underscores.
    assert parse_citations("exec-invoke: pop, then exec-invoke-host.") == (
        [],
        ["exec-invoke", "exec-invoke-host"],
    )
    assert parse_citations("``$iadd`` · ``op-iadd``") == (["$iadd"], ["op-iadd"])
    # A bare grammar name is a citation only where grammars are implemented.
    assert parse_citations("``Blimits``") == ([], [])
    assert parse_citations("``Blimits``", grammars=True) == (["Blimits"], [])


def test_a_citation_names_its_family(spec: SpecIndex) -> None:
    """Hand-checked against ``4.3-execution.instructions.spectec``."""
    assert sorted(n.name for n in spec.resolve("Step_pure/binop")) == [
        "Step_pure/binop-trap",
        "Step_pure/binop-val",
    ]
    assert [n.name for n in spec.resolve("Step/vstore")] == ["Step/vstore-oob", "Step/vstore-val"]
    assert [n.name for n in spec.resolve("$iadd")] == ["$iadd_"]
    assert [n.name for n in spec.resolve("Tplaininstr_(I)/memory/abbrev")] != []
    assert spec.resolve("Step_pure/no-such-rule") == []
    assert spec.resolve("Instr_ok/br_tabl") == []
