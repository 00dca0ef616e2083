"""The text format against the official suite (2.0 and 1.0, each under its own features).

* every ``assert_malformed`` quote module fails to parse with the expected message (prefix);
* every other text module (commands, ``assert_invalid``/``unlinkable``/``trap`` modules)
  parses;
* every parsed module survives ``parse(print(m)) == m``.

Per-file counts are written to the test report (``-rA`` shows them, via ``record_property``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from text_helpers import file_id, script_of, suite_files, text_modules

from refwasm.errors import MalformedError, worded
from refwasm.features import Features
from refwasm.syntax.modules import Module
from refwasm.text import parse_module, print_module
from refwasm.text.script_syntax import QuoteModule, TextModule

FILES = [("2.0", p) for p in suite_files("2.0")] + [("1.0", p) for p in suite_files("1.0")]
IDS = [f"{version}:{file_id(path)}" for version, path in FILES]

if not FILES:
    pytest.skip("official test suite not found (set REFWASM_TESTSUITE)", allow_module_level=True)


def module_of(source: TextModule | QuoteModule, features: Features) -> Module:
    if isinstance(source, TextModule):
        return source.module
    return parse_module(source.text, features)


@pytest.mark.parametrize(("version", "path"), FILES, ids=IDS)
def test_suite_file_parses_as_expected(
    version: str, path: Path, record_property: Callable[[str, object], None]
) -> None:
    features = Features.for_version(version)
    script = script_of(path, version)
    wrong: list[str] = []
    malformed = wellformed = 0
    for mod in text_modules(script):
        assert isinstance(mod.source, TextModule | QuoteModule)
        if mod.malformed_message is None:
            try:
                module_of(mod.source, features)
            except MalformedError as e:
                wrong.append(f"line {mod.line}: expected well-formed, got {e.message!r}")
            wellformed += 1
            continue
        assert isinstance(mod.source, QuoteModule)
        try:
            parse_module(mod.source.text, features)
        except MalformedError as e:
            if not worded(e.message, version).startswith(mod.malformed_message):
                wrong.append(f"line {mod.line}: expected {mod.malformed_message!r}, "
                             f"got {e.message!r}")
        else:
            wrong.append(f"line {mod.line}: expected {mod.malformed_message!r}, parsed")
        malformed += 1
    record_property("wellformed", wellformed)
    record_property("malformed", malformed)
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(("version", "path"), FILES, ids=IDS)
def test_print_parse_round_trip(version: str, path: Path) -> None:
    features = Features.for_version(version)
    for mod in text_modules(script_of(path, version)):
        if mod.malformed_message is not None:
            continue
        assert isinstance(mod.source, TextModule | QuoteModule)
        try:
            module = module_of(mod.source, features)
        except MalformedError:
            continue  # reported by the test above
        text = print_module(module, features)
        assert parse_module(text, features) == module, f"line {mod.line}:\n{text}"
