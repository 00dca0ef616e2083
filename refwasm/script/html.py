"""``refwasm wast --html FILE``: one self-contained page (inline CSS, no script, no external
resource) with the totals, a table of files with a passed/failed/skipped bar each, and each
failure listed in an expandable ``<details>`` row."""

from __future__ import annotations

import html
from collections.abc import Sequence

from refwasm.script.report import FileReport, totals

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
h1 { font-size: 1.4em; margin-bottom: .2em; }
.totals span { margin-right: 1.2em; font-weight: 600; }
.pass { color: #1a7f37; } .fail { color: #cf222e; } .skip { color: #9a6700; }
table { border-collapse: collapse; width: 100%; margin-top: 1em; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.bar { display: flex; width: 220px; height: 12px; background: #eee; border-radius: 3px;
       overflow: hidden; }
.bar i { display: block; height: 100%; }
.bar .f, .bar .s { min-width: 4px; }
th.num { text-align: right; }
.zero { color: #999; }
tr.failed { background: #fff5f5; }
.bar .p { background: #2da44e; } .bar .f { background: #cf222e; } .bar .s { background: #d4a72c; }
tr.failed td.name { font-weight: 600; }
details summary { cursor: pointer; color: #cf222e; }
details pre { white-space: pre-wrap; font-size: 12px; font-weight: normal; margin: .3em 0 .6em; }
"""


def html_report(reports: Sequence[FileReport], title: str = "refwasm wast") -> str:
    """The page, as text."""
    passed, failed, skipped = totals(reports)
    seconds = sum(r.seconds for r in reports)
    rows = "\n".join(_row(r) for r in reports)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>{_STYLE}</style></head>
<body>
<h1>{html.escape(title)}</h1>
<p class="totals"><span>{len(reports)} files</span><span class="pass">{passed} passed</span>
<span class="{'fail' if failed else 'zero'}">{failed} failed</span>
<span class="{'skip' if skipped else 'zero'}">{skipped} skipped</span>
<span>{seconds:.1f}s</span></p>
<table>
<thead><tr><th>file</th><th></th><th class="num">passed</th><th class="num">failed</th>
<th class="num">skipped</th><th class="num">time</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
"""


def _row(report: FileReport) -> str:
    status = "failed" if report.failed else "passed"
    cells = (
        f'<td class="name">{html.escape(report.path)}{_failures(report)}</td>'
        f"<td>{_bar(report)}</td>"
        f"{_count(report.passed, 'pass')}{_count(report.failed, 'fail')}"
        f"{_count(report.skipped, 'skip')}"
        f'<td class="num">{report.seconds:.2f}s</td>'
    )
    return f'<tr class="{status}">{cells}</tr>'


def _count(n: int, cls: str) -> str:
    """A count cell, coloured by what it counts, grey when zero."""
    return f'<td class="num {cls if n else "zero"}">{n}</td>'


def _bar(report: FileReport) -> str:
    total = max(1, report.passed + report.failed + report.skipped)
    parts = [("p", report.passed), ("f", report.failed), ("s", report.skipped)]
    return '<div class="bar">' + "".join(
        f'<i class="{cls}" style="width:{100 * n / total:.2f}%"></i>' for cls, n in parts if n
    ) + "</div>"


def _failures(report: FileReport) -> str:
    if not report.failures:
        return ""
    listed = "\n".join(f"line {f.line}: {f.command}: {f.reason}" for f in report.failures)
    count = report.failed
    return (f"<details><summary>{count} failure{'s' if count != 1 else ''}</summary>"
            f"<pre>{html.escape(listed)}</pre></details>")
