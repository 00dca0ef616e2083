"""Issue 17, item 3: a malformed text module's error names where it is.  Every quoted module the
official 2.0 and 3.0 suites expect to be malformed fails to parse with a ``MalformedError``
that carries a source position (``text_pos``), so ``refwasm`` prints ``file:line:col`` and the
line with a caret, whatever the message."""

from __future__ import annotations

from pathlib import Path

import pytest
from text_helpers import script_of, suite_files, text_modules

from refwasm.errors import MalformedError
from refwasm.features import Features
from refwasm.text import parse_module
from refwasm.text.script_syntax import QuoteModule

CASES = [(v, p) for v in ("2.0", "3.0") for p in suite_files(v)]


def malformed_quotes(version: str, path: Path) -> list[tuple[int, str]]:
    return [(m.line, m.source.text) for m in text_modules(script_of(path, version))
            if m.malformed_message is not None and isinstance(m.source, QuoteModule)]


@pytest.mark.parametrize(("version", "path"), CASES,
                         ids=[f"{v}:{p.parent.name}/{p.name}" for v, p in CASES])
def test_every_malformed_text_error_has_a_position(version: str, path: Path) -> None:
    features = Features.for_version(version)
    unlocated = []
    for line, text in malformed_quotes(version, path):
        try:
            parse_module(text, features)
        except MalformedError as error:
            if error.text_pos is None:
                unlocated.append(f"line {line}: {error.message}")
        else:
            pass  # malformed only in ways the parser leaves to later layers: not this test's
    assert unlocated == []


def test_the_suites_have_malformed_quotes() -> None:
    """So the test above cannot pass by finding nothing."""
    count = sum(len(malformed_quotes(v, p)) for v, p in CASES)
    assert count > 500
