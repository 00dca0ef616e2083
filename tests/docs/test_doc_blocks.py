"""Every fenced block in ``docs/`` is run or checked by a test (issue #16).

The blocks and the check that claims each one are in ``doc_fences.py`` (by the fence's
language).  Here: the extraction, the final claim test, and the checks of

- ``python`` blocks: a page's blocks run in order in one namespace (a later block may use what
  an earlier one defined), in a fresh temporary directory;
- ``json`` blocks: one JSON document, or one per line; the placeholders ``{...}`` and
  ``[...]`` (an elided object or list) are read as empty through ``without_placeholders``,
  the only normalisation; every value shown (an object with a ``type``) is one the oracle's
  wire format reads;
- ``wasm`` blocks: parsed by refwasm's text parser, as a module (or its fields) when the block
  starts with ``(``, else as the instructions of a function body;
- ``text`` blocks: diagrams, nothing to run; the pages that have them are listed here, so
  the exclusion cannot grow silently;
- ``synopsis`` blocks: a ``refwasm COMMAND`` synopsis; every option shown exists in that
  command's parser, and a value shown for an option with choices is one of them.

``sh`` blocks run in ``test_doc_shell.py``, the oracle transcript is replayed in
``test_doc_oracle.py``.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

import pytest
from doc_fences import (
    CHECKS,
    DOCS,
    ROOT,
    UNLABELLED_ELSEWHERE,
    Block,
    FenceError,
    all_blocks,
    claimed,
    claims,
    fenced_blocks,
    page_blocks,
)

from refwasm.cli import parser_for
from refwasm.engines.jsonvalues import value_from_json
from refwasm.errors import WasmError
from refwasm.text import parse_module

# The pages that hold diagrams (``text`` blocks), which nothing runs.
TEXT_PAGES = {"architecture.md"}


def test_the_extraction_reads_every_kind_of_fence() -> None:
    text = ("intro\n```python\nx = 1\n```\n\n```\nplain\n```\n"
            "  ~~~~ sh extra words\n  echo ```\n  ~~~~\n````text\n```\n````\n")
    found = fenced_blocks(text)
    assert [(b.line, b.language, b.code) for b in found] == [
        (2, "python", "x = 1\n"), (6, "", "plain\n"), (9, "sh", "echo ```\n"), (12, "text", "```\n")
    ]


def test_an_unclosed_fence_is_an_error() -> None:
    with pytest.raises(FenceError, match="never closed"):
        fenced_blocks("```sh\necho\n")


def test_every_fence_of_every_page_is_extracted() -> None:
    """Each page's fence lines pair up into its blocks (none is lost to a bad opening)."""
    for page in DOCS:
        fence_lines = re.findall(r"^[ \t]*(?:`{3,}|~{3,})", page.read_text("utf-8"), re.M)
        assert len(fence_lines) == 2 * len(page_blocks(page)), page.name


def test_every_block_is_claimed_by_exactly_one_check() -> None:
    """The final test: no block is silently skipped, none is checked twice."""
    wrong = {str(block): claims(block) for block in all_blocks() if len(claims(block)) != 1}
    assert not wrong, f"blocks claimed by no check or by several: {wrong}"


@pytest.mark.parametrize("check", [name for name in CHECKS if name != "elsewhere"])
def test_every_check_has_blocks(check: str) -> None:
    """A check that claims nothing would pass by checking nothing."""
    assert claimed(check)


def test_the_blocks_left_to_another_branch_still_exist() -> None:
    if not claimed("elsewhere"):
        pytest.skip(f"no unlabelled block left on {sorted(UNLABELLED_ELSEWHERE)}: "
                    "empty doc_fences.UNLABELLED_ELSEWHERE")


def test_the_pages_with_diagrams_are_the_listed_ones() -> None:
    assert {block.page for block in claimed("text")} == TEXT_PAGES


# --- python -------------------------------------------------------------------------------


def pages_with_python() -> list[str]:
    return sorted({block.page for block in claimed("python")})


@pytest.mark.parametrize("page", pages_with_python())
def test_python_blocks_run(page: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from refwasm import rules

    code = [block for block in claimed("python") if block.page == page]
    if any("rules.load_spec()" in block.code for block in code) and not rules.spec_root().is_dir():
        # The spec sources are pointed at, never copied into the project (../shared/README.md).
        pytest.skip(f"{page} reads the spec sources: not found at {rules.spec_root()} "
                    "(set REFWASM_SPEC)")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs.{Path(page).stem}"}
    for block in code:
        exec(compile(block.code, f"{block}", "exec"), namespace)


# --- json ---------------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"([{\[])\.\.\.([}\]])")


def without_placeholders(text: str) -> str:
    """``{...}`` and ``[...]``, an elided object or list, as an empty one (``{}``, ``[]``)."""
    return PLACEHOLDER.sub(r"\1\2", text)


def json_documents(code: str) -> list[object]:
    """The block as one JSON document, or else as one document per non-blank line."""
    text = without_placeholders(code)
    try:
        return [json.loads(text)]
    except json.JSONDecodeError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_the_placeholder_normalisation() -> None:
    assert json_documents('{"a": {...}, "b": [...], "c": "de2f25..."}\n') == [
        {"a": {}, "b": [], "c": "de2f25..."}
    ]
    assert json_documents('{"a": 1}\n\n{"b": [1]}\n') == [{"a": 1}, {"b": [1]}]
    for elided in ('{"a": ...}', '{"a": [1, ...]}', '{"a": {"b": 1, ...}}', '{"a": {..}}'):
        with pytest.raises(json.JSONDecodeError):
            json_documents(elided)


@pytest.mark.parametrize("block", claimed("json"), ids=str)
def test_json_blocks_parse(block: Block) -> None:
    documents = json_documents(block.code)
    assert documents and all(isinstance(document, dict) for document in documents)


def wire_values(document: object) -> list[dict[str, object]]:
    """The objects with a ``type`` field in a document: the oracle protocol's values."""
    if isinstance(document, list):
        return [value for item in document for value in wire_values(item)]
    if not isinstance(document, dict):
        return []
    inner = [value for item in document.values() for value in wire_values(item)]
    return [document, *inner] if "type" in document else inner


def test_the_values_shown_are_the_oracles_wire_values() -> None:
    """docs/oracle.md's values (and those inside its replies) are read by refwasm's wire
    reader, ``allowed`` aside (a reply's annotation, not part of the value)."""
    values = [value for block in claimed("json")
              for document in json_documents(block.code) for value in wire_values(document)]
    assert len(values) >= 6
    for value in values:
        value_from_json({k: v for k, v in value.items() if k != "allowed"})


# --- wasm ---------------------------------------------------------------------------------


def wasm_text(code: str) -> str:
    """A module's text, or instructions wrapped as the body of a function."""
    return code if code.lstrip().startswith("(") else f"(module (func\n{code}))"


@pytest.mark.parametrize("block", claimed("wasm"), ids=str)
def test_wasm_blocks_parse(block: Block) -> None:
    module = parse_module(wasm_text(block.code))
    assert module.funcs or module.types or module.imports


def test_a_wasm_block_that_does_not_parse_fails() -> None:
    with pytest.raises(WasmError):
        parse_module(wasm_text("local.get 0  i32.const 1  i32.plus  local.set 0\n"))


# --- synopsis -----------------------------------------------------------------------------


def command_parser(command: str) -> argparse.ArgumentParser:
    """The parser of ``refwasm COMMAND``, with that command's arguments."""
    for action in parser_for([command])._actions:
        if isinstance(action, argparse._SubParsersAction):
            parser: argparse.ArgumentParser = action.choices[command]
            return parser
    raise LookupError(command)


def synopsis_errors(code: str) -> list[str]:
    """What a ``refwasm COMMAND [options]`` synopsis shows that the parser does not have."""
    words = code.split()
    if words[:1] != ["refwasm"] or len(words) < 2:
        return [f"not a refwasm synopsis: {code[:40]!r}"]
    actions = {option: action for action in command_parser(words[1])._actions
               for option in action.option_strings}
    errors = []
    shown = re.findall(r"(?<![\w/.-])(--?[\w-]+)(?:[ =]([^\s\[\]|]+))?", code)
    for option, value in shown:
        action = actions.get(option)
        if action is None:
            errors.append(f"{option} is not an option of refwasm {words[1]}")
        elif action.choices is not None and value and not value.isupper() and \
                value not in action.choices:
            errors.append(f"{option} {value}: not one of {sorted(action.choices)}")
    return errors


def test_the_synopsis_check_finds_wrong_options() -> None:
    assert synopsis_errors(
        "refwasm diff --engine node [--spec 4.0] [--frobnicate] [--out spec-tests/wasm-2.0]") == [
        "--spec 4.0: not one of ['1.0', '2.0', '3.0']",
        "--frobnicate is not an option of refwasm diff",
    ]


@pytest.mark.parametrize("block", claimed("synopsis"), ids=str)
def test_synopsis_blocks_name_real_options(block: Block) -> None:
    assert synopsis_errors(block.code) == []


def test_the_documentation_root_is_the_checkout() -> None:
    assert (ROOT / "pyproject.toml").is_file() and DOCS
