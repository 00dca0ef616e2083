"""Spec citations cannot rot: every rule, grammar and definition the code cites exists in the
SpecTec sources, and every label in the 2.0 prose (or, for a 3.0 feature, the 3.0 prose); no
docstring names a rule without citing it; an instruction's rules can be found (``refwasm/rules.py``)."""

from __future__ import annotations

import inspect
import re

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


def test_every_cited_label_exists_in_the_prose(spec: SpecIndex, cited: list[Citation]) -> None:
    missing = [
        f"{c.where}: {label}" for c in cited for label in c.labels if not spec.has_label(label)
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


# The functions that cite a 2.0 label and no SpecTec name, each with the reason SpecTec has no
# name for what they implement.  A function that implements a SpecTec rule, grammar or definition
# cites it; only a function SpecTec has nothing for joins this list, with its reason.
_EMBEDDING = "the embedding appendix is prose only: SpecTec has no embedder interface"
_NO_SPECTEC_NAME: dict[str, str] = {
    **dict.fromkeys(
        [
            f"refwasm.embedding:{name}"
            for name in (
                "store_init module_decode module_parse module_validate module_instantiate "
                "module_imports module_exports instance_export func_alloc func_type func_invoke "
                "table_alloc table_type table_read table_write table_size table_grow mem_alloc "
                "mem_type mem_read mem_write mem_size mem_grow global_alloc global_type "
                "global_read global_write tag_alloc tag_type exn_alloc exn_tag exn_read"
            ).split()
        ],
        _EMBEDDING,
    ),
    "refwasm.execution.instructions:exec_const": "3.0: a constant is a value, it takes no step",
    # SpecTec's ``hostfunc`` is an opaque syntax (``...``): no rule allocates or runs one.
    "refwasm.execution.instructions:call_host": "a host function's code is outside SpecTec",
    "refwasm.execution.runtime:alloc_hostfunc": "a host function's code is outside SpecTec",
    # ``NAN (m)`` is a case of the syntax ``fNmag``, and syntax is not cited (no rule, grammar
    # or definition); ``nans_N`` is prose only, SpecTec's float operators being builtins.
    "refwasm.numerics.floating:FloatOps.is_nan": "the syntax case NAN(m) is no rule",
    "refwasm.numerics.floating:FloatOps.nans": "nans_N is prose only",
    "refwasm.numerics.floating:nans": "nans_N is prose only",
    # The name section is a custom section of the appendix, without a SpecTec grammar.
    "refwasm.binary.names:read_name_section": "the name section is prose only (appendix)",
    "refwasm.binary.names:_name_map": "the name section is prose only (appendix)",
}


def test_a_citation_without_a_spectec_name_is_allowed_explicitly(cited: list[Citation]) -> None:
    """Every function citing only a 2.0 label is in ``_NO_SPECTEC_NAME`` (so the set cannot grow
    silently), and every function there still cites only a label (so the list cannot rot)."""
    label_only = {c.where for c in cited if not c.spectec}
    assert sorted(label_only - _NO_SPECTEC_NAME.keys()) == []
    assert sorted(_NO_SPECTEC_NAME.keys() - label_only) == []


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


# A rule written without backquotes: the citation scheme would not see it.
_UNQUOTED_RULE = re.compile(r"(?<![`\w/])(?:Step|Step_read|Step_pure|Instr_ok|Instrs_ok)/[a-z]")


def test_no_docstring_names_a_rule_without_citing_it() -> None:
    """A rule in a docstring is backquoted, so that it counts (and is checked) as a citation."""
    unquoted = [
        f"{module.__name__}:{qualname}"
        for module in rules.spec_modules()
        for qualname, fn in rules.functions_of(module)
        if _UNQUOTED_RULE.search(inspect.getdoc(fn) or "")
    ]
    assert unquoted == []


def test_where_an_instructions_rules_are(spec: SpecIndex) -> None:
    """Hand-checked against ``5.3-binary.instructions``, ``6.3-text.instructions``,
    ``2.3-validation.instructions``, ``4.3-execution.instructions`` and ``3.1-numerics.scalar``."""
    found = rules.instruction_rules("i32.trunc_f32_s", spec)
    assert found is not None
    assert found.term == "CVTOP I32 F32 TRUNC S"
    assert found.binary == ("Binstr/num-cvt",)
    assert found.text == ("Tplaininstr_(I)/num-cvt-i32",)
    assert found.validation == ("Instr_ok/cvtop",)
    assert found.execution == ("Step_pure/cvtop-val", "Step_pure/cvtop-trap")
    assert found.numerics == ("$trunc__",)
    new = rules.instruction_rules("struct.new", spec)
    assert new is not None and new.execution == ("Step/struct.new",)
    assert rules.instruction_rules("i32.no_such_op", spec) is None


def test_every_instruction_has_a_typing_rule_with_an_implementation(
    spec: SpecIndex, cited: list[Citation]
) -> None:
    by_name = rules.implementers(spec, cited)
    index = rules.instruction_index(spec)
    assert len(index) > 400
    untyped = [i.mnemonic for i in index if not any(r in by_name for r in i.validation)]
    assert untyped == []
