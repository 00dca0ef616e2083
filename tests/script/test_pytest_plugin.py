"""The pytest plugin (issue 17, item 5), run as a user runs it: ``python -m pytest`` in a fresh
folder, the plugin found through its ``pytest11`` entry point."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from refwasm.testsuite import edition_folder

SUITE = edition_folder("2.0")
# A handful of official files: stateful scripts, registers, traps, malformed and invalid modules.
FILES = ("i32.wast", "linking.wast", "binary.wast")


def pytest_in(folder: Path, *argv: str, timeout: float = 600) -> tuple[int, str]:
    """``python -m pytest ARGV`` in ``folder`` (no project configuration there)."""
    done = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *argv],
                          cwd=folder, capture_output=True, text=True, timeout=timeout)
    return done.returncode, done.stdout + done.stderr


def summary(output: str) -> dict[str, int]:
    """``{"passed": N, "failed": N, ...}`` from pytest's last line."""
    last = output.strip().splitlines()[-1]
    return {word: int(n) for n, word in re.findall(r"(\d+) (passed|failed|skipped|selected|"
                                                   r"deselected|tests collected)", last)}


def refwasm_totals(paths: list[Path]) -> int:
    """Commands in the files, as ``refwasm wast --json`` counts them (the runner's view)."""
    done = subprocess.run([sys.executable, "-m", "refwasm", "wast", "--json", *map(str, paths)],
                          capture_output=True, text=True, timeout=600)
    data = json.loads(done.stdout)
    return int(data["passed"] + data["failed"] + data["skipped"])


@pytest.fixture
def copies(tmp_path: Path) -> Path:
    """The official files in a temporary ``wasm-2.0`` folder (the edition comes from it)."""
    folder = tmp_path / "wasm-2.0"
    folder.mkdir()
    for name in FILES:
        shutil.copy(SUITE / name, folder / name)
    return folder


def test_one_item_per_command(copies: Path) -> None:
    status, out = pytest_in(copies, "--collect-only", "-q", ".")
    assert status == 0, out
    items = [line for line in out.splitlines() if "::" in line]
    assert len(items) == refwasm_totals(sorted(copies.iterdir()))
    assert "i32.wast::line-37-assert_return" in items
    assert any(re.fullmatch(r"binary\.wast::line-\d+-assert_malformed", i) for i in items)
    status, out = pytest_in(copies, "-q", ".")
    assert status == 0, out
    assert summary(out)["passed"] == len(items)


def test_a_planted_wrong_expectation_fails_exactly_one_item(copies: Path) -> None:
    path = copies / "i32.wast"
    text = path.read_text()
    line = '(assert_return (invoke "add" (i32.const 1) (i32.const 1)) (i32.const 2))'
    assert text.count(line) == 1
    path.write_text(text.replace(line, line.replace("(i32.const 2))", "(i32.const 3))")))
    planted = text[: text.index(line)].count("\n") + 1
    junit = copies.parent / "junit.xml"
    status, out = pytest_in(copies, "-q", ".", f"--junitxml={junit}")
    assert status == 1
    assert summary(out)["failed"] == 1
    assert f"i32.wast:{planted}: assert_return invoke 'add': result 0: expected i32:0x3, " \
           "got i32:0x2" in out
    root = ET.parse(junit).getroot()
    cases = list(root.iter("testcase"))
    failed = [c for c in cases if c.find("failure") is not None]
    assert len(cases) == summary(out)["passed"] + 1
    assert [c.get("name") for c in failed] == [f"line-{planted}-assert_return"]
    # -k picks items by name; -x stops at the failure.
    status, out = pytest_in(copies, "-q", ".", "-k", f"i32.wast and line-{planted}-")
    assert (status, summary(out)["failed"]) == (1, 1) and "passed" not in summary(out)
    status, out = pytest_in(copies, "-q", "-x", str(path))
    assert status == 1 and summary(out)["failed"] == 1
    assert summary(out)["passed"] < len([c for c in cases if "i32" in (c.get("classname") or "")])


@pytest.mark.slow  # two worker processes: about 30-90 s on a shared machine
def test_xdist_keeps_a_file_in_one_worker(copies: Path) -> None:
    pytest.importorskip("xdist")
    small = [copies / "linking.wast", copies / "binary.wast"]
    status, out = pytest_in(copies, "-q", *map(str, small), "-n", "2", "--dist", "loadgroup")
    assert status == 0, out
    assert summary(out)["passed"] == refwasm_totals(small)


def test_engine_and_spec_options(copies: Path) -> None:
    status, out = pytest_in(copies, "-q", str(copies / "linking.wast"), "--wast-engine", "fast")
    assert status == 0 and summary(out)["passed"] == refwasm_totals([copies / "linking.wast"])
    # Under 1.0 rules the module using sign extension does not parse, and the assertions on it
    # fail with it.
    status, out = pytest_in(copies, "-q", str(copies / "i32.wast"), "--wast-spec", "1.0")
    assert status == 1 and summary(out)["failed"] > 0 and summary(out)["passed"] > 0
    assert "unknown operator i32.extend8_s" in out


def test_a_bare_run_does_not_collect_wast_files(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["t"]\n')
    (tmp_path / "t").mkdir()
    (tmp_path / "t" / "test_x.py").write_text("def test_x():\n    pass\n")
    shutil.copy(SUITE / "nop.wast", tmp_path / "t" / "nop.wast")
    assert summary(pytest_in(tmp_path, "-q")[1]) == {"passed": 1}
    assert summary(pytest_in(tmp_path, "-q", "--wast-collect")[1])["passed"] > 1


@pytest.mark.slow
def test_the_official_2_0_suite_item_count() -> None:
    status, out = pytest_in(SUITE.parent, "--collect-only", "-q", "wasm-2.0", timeout=1800)
    assert status == 0
    assert summary(out)["tests collected"] == refwasm_totals([SUITE])


def test_one_item_per_file(copies: Path) -> None:
    status, out = pytest_in(copies, "--collect-only", "-q", ".", "--wast-items", "file")
    assert status == 0, out
    assert [line for line in out.splitlines() if "::" in line] == [
        "binary.wast::reference", "i32.wast::reference", "linking.wast::reference"]
    path = copies / "i32.wast"
    line = '(assert_return (invoke "add" (i32.const 1) (i32.const 1)) (i32.const 2))'
    text = path.read_text()
    path.write_text(text.replace(line, line.replace("(i32.const 2))", "(i32.const 3))")))
    planted = text[: text.index(line)].count("\n") + 1
    status, out = pytest_in(copies, "-q", ".", "--wast-items", "file")
    assert status == 1 and summary(out) == {"passed": 2, "failed": 1}
    assert f"i32.wast:{planted}: assert_return invoke 'add': result 0: expected i32:0x3, " \
           "got i32:0x2" in out
    assert "i32.wast: " in out and " 1 failed" in out  # the file's summary heads the listing


CONFTEST = '''
from refwasm.features import Version
from refwasm.script.pytest_plugin import WastRun

def pytest_wast_runs(file_path, config):
    if file_path.name == "nop.wast":
        return None
    return [WastRun("reference", Version.WASM_2_0, "command"), WastRun("fast", None, "file")]
'''


def test_a_conftest_chooses_the_runs(tmp_path: Path) -> None:
    """``pytest_wast_runs`` in a conftest: its files are collected by a bare ``pytest`` too,
    under one node per run; a file it leaves (``None``) follows the command line."""
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\ntestpaths = ["t"]\n')
    folder = tmp_path / "t"
    folder.mkdir()
    (folder / "conftest.py").write_text(CONFTEST)
    for name in ("i32.wast", "nop.wast"):
        shutil.copy(SUITE / name, folder / name)
    status, out = pytest_in(tmp_path, "--collect-only", "-q")
    assert status == 0, out
    items = [line for line in out.splitlines() if "::" in line]
    commands = refwasm_totals([folder / "i32.wast"])
    assert len(items) == commands + 1
    assert "t/i32.wast::reference-2.0::line-37-assert_return" in items
    assert "t/i32.wast::fast" in items and not any("nop.wast" in i for i in items)
    status, out = pytest_in(tmp_path, "-q")
    assert status == 0 and summary(out)["passed"] == commands + 1, out


def test_the_projects_suite_runs(tmp_path: Path) -> None:
    """spec-tests/conftest.py: a bare ``pytest`` gets one item per bundled file and engine
    (1.0 on the reference, 2.0 and 3.0 on both engines); naming a suite folder gets the
    plugin's items per command."""
    root = Path(__file__).resolve().parents[2]
    official = root / "spec-tests" / "official"
    if not (official / "wasm-3.0").is_dir():
        pytest.skip(f"no bundled suite at {official}")
    status, out = pytest_in(root, "--collect-only", "-q", "spec-tests", "-p", "no:xdist")
    assert status == 0, out
    items = [line for line in out.splitlines() if "::" in line]
    expected = {"wasm-1.0": ["reference"], "wasm-2.0": ["reference", "fast"],
                "wasm-3.0": ["reference", "fast"]}
    for edition, engines in expected.items():
        files = sorted(p.relative_to(root).as_posix() for p in (official / edition).rglob("*.wast"))
        spec = edition.removeprefix("wasm-")
        want = {f"{f}::{engine}-{spec}" for f in files for engine in engines}
        assert want <= set(items), sorted(want - set(items))[:5]
        assert len([i for i in items if f"/{edition}/" in i]) == len(want)
    status, out = pytest_in(root, "--collect-only", "-q", "spec-tests/official/wasm-1.0/nop.wast")
    assert status == 0 and "spec-tests/official/wasm-1.0/nop.wast::line-" in out, out
