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
    # Each passed command (reason ""), for reports that list every assertion (JUnit, pytest).
    passes: list[Outcome] = field(default_factory=list)
    seconds: float = 0.0  # wall-clock time of the file

    def add_pass(self, line: int, command: str) -> None:
        """Count one passed command."""
        self.passed += 1
        self.passes.append(Outcome(line, command, ""))

    def outcomes(self) -> list[tuple[str, Outcome]]:
        """Every command's outcome (``"passed"``, ``"failed"``, ``"skipped"``) in line order."""
        tagged = [("passed", o) for o in self.passes]
        tagged += [("failed", o) for o in self.failures]
        tagged += [("skipped", o) for o in self.skips]
        return sorted(tagged, key=lambda t: t[1].line)

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
        """``{"passed", "failed", "skipped", "seconds", "failures": [{"line", "command",
        "reason"}], "skip_reasons": {reason: count}}``"""
        return {
            "passed": self.passed,
            "failed": self.failed,
            "skipped": self.skipped,
            "seconds": round(self.seconds, 3),
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
    """``{"files": {PATH: file report}, "passed", "failed", "skipped", "seconds"}`` (seconds:
    the sum of the files' times)."""
    passed, failed, skipped = totals(reports)
    return {
        "files": {r.path: r.to_json() for r in reports},
        "passed": passed,
        "failed": failed,
        "skipped": skipped,
        "seconds": round(sum(r.seconds for r in reports), 3),
    }


def text_lines(reports: Sequence[FileReport], *, verbose: bool = False) -> list[str]:
    """One summary line per file with its failures below it (with ``verbose``, its skips
    too), then the total."""
    lines: list[str] = []
    for report in reports:
        lines.extend(file_lines(report, verbose=verbose))
    lines.append(total_line(reports))
    return lines


def file_lines(report: FileReport, *, verbose: bool = False, color: bool = False) -> list[str]:
    """``FILE: P passed, F failed, S skipped (T s)``, then ``FILE:LINE: COMMAND: REASON`` for
    each failure (and, with ``verbose``, each skip); red and bold with ``color``."""
    head = f"{report.summary()} ({report.seconds:.2f}s)"
    if color:
        tint = _RED if report.failed else _GREEN
        head = f"{tint}{head}{_RESET}"
    lines = [head]
    lines.extend(failure_line(report.path, f, color=color) for f in report.failures)
    if verbose:
        lines.extend(f"{report.path}:{s.line}: {s.command}: skipped: {s.reason}"
                     for s in report.skips)
    return lines


def failure_line(path: str, failure: Outcome, *, color: bool = False) -> str:
    """``FILE:LINE: COMMAND: REASON`` (the location in bold, the reason in red)."""
    if not color:
        return f"{path}:{failure.line}: {failure.command}: {failure.reason}"
    return f"{_BOLD}{path}:{failure.line}:{_RESET} {failure.command}: {_RED}{failure.reason}{_RESET}"


_RED, _GREEN, _BOLD, _RESET = "\x1b[31m", "\x1b[32m", "\x1b[1m", "\x1b[0m"


def _counts(passed: int, failed: int, skipped: int) -> str:
    return f"{passed} passed, {failed} failed, {skipped} skipped"
