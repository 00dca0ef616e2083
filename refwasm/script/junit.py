"""``refwasm wast --junit FILE``: the JUnit XML that CI systems read (Jenkins, GitLab, GitHub
test reporters): one ``<testsuite>`` per file, one ``<testcase>`` per command, named
``line N: COMMAND`` with the file as its ``classname``; a failed command holds a ``<failure>``
with the reason, a skipped one a ``<skipped>``.  Written with ``xml.etree`` (no dependency)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from refwasm.script.report import FileReport, totals


def junit_xml(reports: Sequence[FileReport]) -> bytes:
    """The whole report as UTF-8 XML, ``<testsuites>`` at the root."""
    passed, failed, skipped = totals(reports)
    root = ET.Element("testsuites", name="refwasm wast", tests=str(passed + failed + skipped),
                      failures=str(failed), errors="0", skipped=str(skipped),
                      time=_seconds(sum(r.seconds for r in reports)))
    for report in reports:
        root.append(_suite(report))
    ET.indent(root)
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def _suite(report: FileReport) -> ET.Element:
    outcomes = report.outcomes()
    suite = ET.Element("testsuite", name=report.path, tests=str(len(outcomes)),
                       failures=str(report.failed), errors="0", skipped=str(report.skipped),
                       time=_seconds(report.seconds))
    for status, outcome in outcomes:
        case = ET.SubElement(suite, "testcase", classname=report.path,
                             name=f"line {outcome.line}: {outcome.command}",
                             file=report.path, line=str(outcome.line), time="0")
        if status == "failed":
            ET.SubElement(case, "failure", message=_clean(outcome.reason),
                          type="assertion").text = _clean(outcome.reason)
        elif status == "skipped":
            ET.SubElement(case, "skipped", message=_clean(outcome.reason))
    return suite


def _seconds(value: float) -> str:
    return f"{value:.3f}"


def _clean(text: str) -> str:
    """XML 1.0 cannot hold most control characters; a reason may quote any bytes."""
    return "".join(c if c in "\t\n\r" or ord(c) >= 0x20 else f"\\x{ord(c):02x}" for c in text)
