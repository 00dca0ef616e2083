"""Terminal summaries of the benchmarks: engine times and speedups after the execution
benchmarks, seconds per MB after the translation benchmarks."""

from __future__ import annotations

import math
from typing import Any

# Targets of the fast path (issue 11), on the geometric mean over the workloads.
TARGETS = {"pywasm": 100.0, "reference": 10.0}


def geometric_mean(xs: list[float]) -> float:
    return math.exp(sum(math.log(x) for x in xs) / len(xs))


def speedup_lines(times: dict[tuple[str, str], float]) -> list[str]:
    """The execution summary: one line per workload with each engine's best time and the fast
    engine's speedups (other engine's time / fast engine's time), then geometric means and the
    targets."""
    workloads = sorted({w for w, _ in times})
    engines = [e for e in ("fast", "reference", "pywasm", "wasmtime") if any(
        (w, e) in times for w in workloads)]  # fmt: skip
    header = f"{'workload':12}" + "".join(f"{e:>12}" for e in engines)
    header += "".join(f"{'vs ' + e:>15}" for e in TARGETS)
    lines = [header]
    speedups: dict[str, list[float]] = {e: [] for e in TARGETS}
    for w in workloads:
        line = f"{w:12}"
        for e in engines:
            t = times.get((w, e))
            line += f"{'-':>12}" if t is None else f"{_ms(t):>12}"
        fast = times.get((w, "fast"))
        for other in TARGETS:
            t = times.get((w, other))
            if fast is None or t is None:
                line += f"{'-':>15}"
                continue
            speedups[other].append(t / fast)
            line += f"{t / fast:14.1f}x"
        lines.append(line)
    complete = [w for w in workloads if all((w, e) in times for e in engines)]
    if len(complete) > 1 or len(engines) > 1:
        line = f"{'geomean':12}"
        for e in engines:
            ts = [times[w, e] for w in complete]
            line += f"{_ms(geometric_mean(ts)):>12}" if ts else f"{'-':>12}"
        for other in TARGETS:
            xs = speedups[other]
            line += f"{geometric_mean(xs):14.1f}x" if xs else f"{'-':>15}"
        lines.append(line)
    for other, target in TARGETS.items():
        xs = speedups[other]
        if not xs:
            continue
        mean = geometric_mean(xs)
        verdict = "met" if mean >= target else "NOT met"
        lines.append(f"target fast >= {target:g}x {other} (geometric mean over {len(xs)} "
                     f"workloads): {mean:.1f}x, {verdict}")  # fmt: skip
    return lines


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 10 else f"{seconds:.1f} s"


def pytest_terminal_summary(terminalreporter: Any) -> None:
    try:
        from bench_execution import TIMES
    except ImportError:
        TIMES = {}
    if TIMES:
        terminalreporter.section("execution: best time per engine, fast engine's speedups")
        for line in speedup_lines(TIMES):
            terminalreporter.write_line(line)
    try:
        from bench_translation import TRANSLATION
    except ImportError:
        return
    if TRANSLATION:
        terminalreporter.section("translation + compile time per MB of code (first calls)")
        for (engine, shape, megabytes), (size, seconds, largest) in sorted(TRANSLATION.items()):
            terminalreporter.write_line(
                f"{engine:10} {shape:16} {megabytes:5} MB target: {size / 2**20:6.3f} MB of "
                f"code in {seconds:8.3f} s = {seconds / (size / 2**20):7.3f} s/MB "
                f"(largest function: {largest:,} instructions)"
            )
