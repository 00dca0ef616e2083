"""``refwasm wast``'s reports and options (issue 17): JUnit XML whose counts equal ``--json``'s,
an HTML page listing every file, ``--filter``, ``--line``, ``--fail-fast``, ``--suite``, and the
partial summary on Ctrl-C."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from refwasm.cli import EXIT_INTERRUPTED, EXIT_TROUBLE, main
from refwasm.script import runner

ADD = '(module (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add))'
GOOD = f"""{ADD}
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 3))
(assert_return (invoke "add" (i32.const 2) (i32.const 2)) (i32.const 4))
"""
BAD = f"""{ADD}
(assert_return (invoke "add" (i32.const 1) (i32.const 2)) (i32.const 4))
(assert_trap (invoke "add" (i32.const 1) (i32.const 2)) "unreachable")
(output)
(assert_return (invoke "add" (i32.const 0) (i32.const 0)) (i32.const 0))
"""


@pytest.fixture
def scripts(tmp_path: Path) -> Path:
    (tmp_path / "good.wast").write_text(GOOD)
    (tmp_path / "bad.wast").write_text(BAD)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "more.wast").write_text(GOOD)
    return tmp_path


def wast(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    status = main(["wast", *argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_junit_counts_equal_json(scripts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junit = scripts / "report.xml"
    status, out, _ = wast(capsys, str(scripts), "--json", "--junit", str(junit))
    assert status == 1
    data = json.loads(out)
    assert (data["passed"], data["failed"], data["skipped"]) == (8, 2, 1)
    root = ET.parse(junit).getroot()
    assert root.tag == "testsuites"
    assert int(root.get("tests", "")) == 11
    assert (int(root.get("failures", "")), int(root.get("skipped", ""))) == (2, 1)
    suites = {s.get("name"): s for s in root.iter("testsuite")}
    assert set(suites) == set(data["files"])
    for path, entry in data["files"].items():
        cases = suites[path].findall("testcase")
        failed = [c for c in cases if c.find("failure") is not None]
        skipped = [c for c in cases if c.find("skipped") is not None]
        assert len(cases) == entry["passed"] + entry["failed"] + entry["skipped"]
        assert (len(failed), len(skipped)) == (entry["failed"], entry["skipped"])
        assert float(suites[path].get("time", "")) == pytest.approx(entry["seconds"], abs=1e-3)
        assert all(c.get("classname") == path for c in cases)
    bad = suites[str(scripts / "bad.wast")]
    names = [c.get("name") for c in bad.findall("testcase")]
    assert names == ["line 1: module", "line 2: assert_return invoke 'add'",
                     "line 3: assert_trap invoke 'add'", "line 4: output",
                     "line 5: assert_return invoke 'add'"]
    failure = bad.findall("testcase")[1].find("failure")
    assert failure is not None and "expected i32:0x4, got i32:0x3" in failure.get("message", "")


class _Cells(HTMLParser):
    """The text of the page's ``td.name`` cells and its ``<details>`` count."""

    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.details = 0
        self._in_name = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "td" and ("class", "name") in attrs:
            self._in_name = True
            self.names.append("")
        if tag == "details":
            self.details += 1
            self._in_name = False

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._in_name = False

    def handle_data(self, data: str) -> None:
        if self._in_name:
            self.names[-1] += data


def test_html_lists_every_file(scripts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = scripts / "report.html"
    assert wast(capsys, str(scripts), "--html", str(page))[0] == 1
    text = page.read_text()
    assert "<script" not in text and "http" not in text.split("</style>")[1]  # self-contained
    cells = _Cells()
    cells.feed(text)
    assert sorted(cells.names) == sorted(
        str(scripts / n) for n in ("good.wast", "bad.wast", "sub/more.wast"))
    assert cells.details == 1  # the one file with failures
    assert "expected i32:0x4, got i32:0x3" in text


def test_lines_per_file_and_failures_by_default(
    scripts: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, err = wast(capsys, str(scripts))
    assert (status, err) == (1, "")
    lines = out.splitlines()
    assert lines[0].startswith(f"{scripts / 'bad.wast'}: 2 passed, 2 failed, 1 skipped (")
    assert lines[1] == (f"{scripts / 'bad.wast'}:2: assert_return invoke 'add': "
                        "result 0: expected i32:0x4, got i32:0x3")
    assert lines[2].startswith(f"{scripts / 'bad.wast'}:3: assert_trap invoke 'add': ")
    assert lines[-1].startswith("8 passed, 2 failed, 1 skipped in ")
    assert "\x1b[" not in out  # no colour when stdout is not a terminal


def test_filter_line_and_fail_fast(scripts: Path, capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = wast(capsys, str(scripts), "--filter", "g*.wast")
    assert status == 0 and out.splitlines()[-1].startswith("3 passed, 0 failed, 0 skipped")
    status, out, _ = wast(capsys, str(scripts / "bad.wast"), "--line", "2")
    assert status == 1 and out.splitlines()[-1].startswith("0 passed, 1 failed, 0 skipped")
    status, out, _ = wast(capsys, str(scripts / "bad.wast"), "--line", "5")
    assert status == 0 and out.splitlines()[-1].startswith("1 passed, 0 failed, 0 skipped")
    status, out, _ = wast(capsys, str(scripts), "--fail-fast")
    assert status == 1 and out.splitlines()[-1].endswith("(1 of 3 files)")  # bad.wast is first
    status, _, err = wast(capsys, str(scripts), "--filter", "nothing*")
    assert (status, err) == (EXIT_TROUBLE, "refwasm wast: no .wast files match\n")


def test_suite_runs_the_bundled_copy(capsys: pytest.CaptureFixture[str]) -> None:
    status, out, _ = wast(capsys, "--suite", "2.0", "--filter", "i32.wast", "--filter", "nop.wast")
    assert status == 0
    files = [line.split(":")[0] for line in out.splitlines()[:-1]]
    assert [Path(f).name for f in files] == ["i32.wast", "nop.wast"]
    assert all(Path(f).parent.as_posix().endswith("spec-tests/official/wasm-2.0") for f in files)
    assert wast(capsys)[0] == EXIT_TROUBLE  # neither a path nor --suite


def test_ctrl_c_prints_the_partial_summary(
    scripts: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    real = runner.run_file
    calls: list[str] = []

    def interrupted_on_the_second(path: str, **options: object) -> object:
        calls.append(path)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(path, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(runner, "run_file", interrupted_on_the_second)
    status, out, err = wast(capsys, str(scripts))
    assert (status, err) == (EXIT_INTERRUPTED, "refwasm: interrupted\n")
    lines = out.splitlines()
    assert lines[-1].startswith("2 passed, 2 failed, 1 skipped in ")
    assert lines[-1].endswith("(1 of 3 files)")
