"""What a run of ``.wast`` scripts reports: per file, each command passed, failed or skipped.

A ``FileReport`` is plain data (it crosses process boundaries under ``--jobs``).  The text form is
one line per file and a total line; the JSON form is documented in ``to_json``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Outcome:
    """One command that did not pass: where, which command, and why."""

    line: int
    command: str
    reason: str


@dataclass(slots=True)
class FileReport:
    """The tally of one script."""

    path: str
    passed: int = 0
    failures: list[Outcome] = field(default_factory=list)
    skips: list[Outcome] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def skipped(self) -> int:
        return len(self.skips)

    def summary(self) -> str:
        """``FILE: P passed, F failed, S skipped``"""
        return f"{self.path}: {_counts(self.passed, self.failed, self.skipped)}"

    def to_json(self) -> dict[str, Any]:
        """``{"passed", "failed", "skipped", "failures": [{"line", "command", "reason"}],
        "skip_reasons": {reason: count}}``"""
        return {
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "failures": [
                {"line": f.line, "command": f.command, "reason": f.reason} for f in self.failures
            ],
            "skip_reasons": dict(Counter(s.reason for s in self.skips)),
        }


def totals(reports: Sequence[FileReport]) -> tuple[int, int, int]:
    """(passed, failed, skipped) over all files."""
    return (
        sum(r.passed for r in reports),
        sum(r.failed for r in reports),
        sum(r.skipped for r in reports),
    )


def total_line(reports: Sequence[FileReport]) -> str:
    """``N passed, N failed, N skipped``"""
    return _counts(*totals(reports))


def to_json(reports: Sequence[FileReport]) -> dict[str, Any]:
    """``{"files": {PATH: file report}, "passed", "failed", "skipped"}``"""
    passed, failed, skipped = totals(reports)
    return {
        "files": {r.path: r.to_json() for r in reports},
        "passed": passed,
        "failed": failed,
        "skipped": skipped,
    }


def text_lines(reports: Sequence[FileReport], *, verbose: bool = False) -> list[str]:
    """One summary line per file (with ``verbose``, each failure below it), then the total."""
    lines: list[str] = []
    for report in reports:
        lines.append(report.summary())
        if verbose:
            lines.extend(f"  line {f.line}: {f.command}: {f.reason}" for f in report.failures)
    lines.append(total_line(reports))
    return lines


def _counts(passed: int, failed: int, skipped: int) -> str:
    return f"{passed} passed, {failed} failed, {skipped} skipped"
