"""Prints refwasm/pywasm time ratios after the execution benchmarks."""

from __future__ import annotations

from typing import Any


def pytest_terminal_summary(terminalreporter: Any) -> None:
    try:
        from bench_execution import TIMES
    except ImportError:
        return
    workloads = sorted({w for w, _ in TIMES})
    if not workloads:
        return
    terminalreporter.section("refwasm / pywasm time ratio (lower is faster for refwasm)")
    for w in workloads:
        ours, theirs = TIMES.get((w, "refwasm")), TIMES.get((w, "pywasm"))
        if ours is None or theirs is None:
            terminalreporter.write_line(f"{w:12} incomplete")
            continue
        terminalreporter.write_line(
            f"{w:12} refwasm {ours:8.3f} s   pywasm {theirs:8.3f} s   ratio {ours / theirs:5.2f}"
        )
