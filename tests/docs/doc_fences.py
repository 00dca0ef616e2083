"""The fenced code blocks of ``docs/*.md`` and which check claims each one.

Shared by the tests of this folder: ``test_doc_blocks.py`` (extraction, claims, and the
checks of ``python``, ``json``, ``wasm``, ``text`` and ``synopsis`` blocks),
``test_doc_shell.py`` (``sh`` blocks) and ``test_doc_oracle.py`` (``transcript`` blocks).
A block is claimed by its language (the fence's first word), so every check selects its
blocks through ``claimed`` and the final test can tell that none is left out.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DOCS = sorted((ROOT / "docs").glob("*.md"))

# CommonMark's fences: three or more backticks or tildes, optionally indented; the info
# string's first word is the language.  A closing fence repeats the opening's character at
# least as many times and carries nothing else.
OPENING = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})[ \t]*(?P<info>[^`\n]*)$")


@dataclass(frozen=True)
class Block:
    page: str  # the file name under docs/
    line: int  # of the opening fence, from 1
    language: str  # "" for an unlabelled fence
    code: str

    def __str__(self) -> str:
        return f"{self.page}:{self.line} ({self.language or 'unlabelled'})"


class FenceError(Exception):
    """A fence that is opened and never closed."""


def fenced_blocks(text: str, page: str = "<text>") -> list[Block]:
    """The fenced blocks of a Markdown text, in order."""
    found: list[Block] = []
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        opening = OPENING.match(lines[index])
        index += 1
        if opening is None:
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        start = index
        while index < len(lines) and not closing.match(lines[index]):
            index += 1
        if index == len(lines):
            raise FenceError(f"{page}:{start}: the fence opened here is never closed")
        code = "".join(f"{line[indent:] if line[:indent].isspace() else line}\n"
                       for line in lines[start:index])
        info = opening["info"].split()
        found.append(Block(page, start, info[0] if info else "", code))
        index += 1
    return found


def page_blocks(page: Path) -> list[Block]:
    return fenced_blocks(page.read_text("utf-8"), page.name)


def all_blocks() -> list[Block]:
    return [block for page in DOCS for block in page_blocks(page)]


# Pages whose unlabelled blocks a test elsewhere runs: docs/suite-coverage.md's commands run in
# tests/rules/test_suite_coverage_doc.py (on one file by default, on both whole suites in its slow
# test, which compares the page's tables with what they print).  An unlabelled block anywhere
# else is unclaimed.
UNLABELLED_ELSEWHERE = {"suite-coverage.md"}

# Each check and the blocks it claims.  Every block must be claimed by exactly one.
CHECKS: dict[str, Callable[[Block], bool]] = {
    "python": lambda b: b.language == "python",  # run, page by page (test_doc_blocks.py)
    "sh": lambda b: b.language == "sh",  # run, block by block (test_doc_shell.py)
    "json": lambda b: b.language == "json",  # parsed
    "wasm": lambda b: b.language == "wasm",  # parsed by refwasm's text parser
    "text": lambda b: b.language == "text",  # diagrams: nothing to run (pages listed)
    "synopsis": lambda b: b.language == "synopsis",  # options checked against argparse
    "transcript": lambda b: b.language == "transcript",  # replayed (test_doc_oracle.py)
    "elsewhere": lambda b: b.language == "" and b.page in UNLABELLED_ELSEWHERE,
}


def claims(block: Block) -> list[str]:
    """The names of the checks that claim ``block``."""
    return [name for name, claimed in CHECKS.items() if claimed(block)]


def claimed(check: str) -> list[Block]:
    """The blocks of every page that the check ``check`` claims, in page order."""
    return [block for block in all_blocks() if CHECKS[check](block)]
