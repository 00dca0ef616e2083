"""Helpers of the text format tests: where the official suite is, and its modules by file."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from refwasm import testsuite
from refwasm.features import Features
from refwasm.text import parse_script
from refwasm.text.script_syntax import (
    AssertModule,
    AssertTrap,
    BinaryModule,
    ModuleCommand,
    ModuleSource,
    QuoteModule,
    Script,
    TextModule,
)


def suite_root() -> Path:
    """``$REFWASM_TESTSUITE``, else the bundled ``spec-tests/official``."""
    return testsuite.suite_root()


def suite_files(version: str) -> list[Path]:
    """The ``.wast`` files of one edition of the suite (SIMD and proposal folders included)."""
    folder = suite_root() / f"wasm-{version}"
    if not folder.is_dir():
        return []
    return sorted(folder.rglob("*.wast"))


def file_id(path: Path) -> str:
    return str(path.relative_to(suite_root()))


@functools.cache
def script_of(path: Path, version: str) -> Script:
    """The parsed script of a suite file (cached: several tests walk the same files)."""
    return parse_script(path.read_text(encoding="utf-8"), Features.for_version(version))


@dataclass(frozen=True)
class SuiteModule:
    """A text module of a script, with the command that holds it and what the command expects."""

    line: int
    source: ModuleSource
    malformed_message: str | None  # the expected message of an ``assert_malformed``


def text_modules(script: Script) -> Iterator[SuiteModule]:
    """Every module of a script given as text (parsed or quoted), in order."""
    for command in script.commands:
        source: ModuleSource | None = None
        expected: str | None = None
        if isinstance(command, ModuleCommand):
            source = command.source
        elif isinstance(command, AssertModule):
            source = command.source
            expected = command.message if command.kind == "malformed" else None
        elif isinstance(command, AssertTrap) and isinstance(
                command.target, TextModule | BinaryModule | QuoteModule):
            source = command.target
        if source is not None and not isinstance(source, BinaryModule):
            yield SuiteModule(command.line, source, expected)
