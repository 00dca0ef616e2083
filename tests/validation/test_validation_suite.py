"""The official suite's validation verdicts: every ``assert_invalid`` module fails validation
with the expected message (prefix), and every module the suite defines validates.

wabt's ``wast2json`` turns each ``.wast`` into binary modules plus a JSON list of commands;
refwasm's decoder reads them.  The 1.0 suite runs under 1.0 rules, the 2.0 suite under 2.0.
Skips (with the reason) when the suite, ``wast2json`` or the decoder is missing, and per file
when ``wast2json`` cannot convert it (some 1.0 files use syntax wabt dropped).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from refwasm.errors import DATA_COUNT_REQUIRED, InvalidError, WasmError
from refwasm.features import Features
from refwasm.testsuite import suite_root

SUITE = suite_root()
VERSIONS = ("1.0", "2.0")

# Commands whose module must be valid (they are expected to fail later, at link or run time).
VALID_MODULE_COMMANDS = {"module", "assert_unlinkable", "assert_uninstantiable"}


def _wast_files() -> list[tuple[str, Path]]:
    files = []
    for version in VERSIONS:
        root = SUITE / f"wasm-{version}"
        files += [(version, path) for path in sorted(root.rglob("*.wast"))]
    return files


WAST_FILES = _wast_files()


def _convert(wast: Path, out: Path) -> list[dict[str, object]]:
    """Run ``wast2json``; skip the file when wabt cannot read it."""
    result = subprocess.run(
        ["wast2json", str(wast), "-o", str(out / "script.json")],
        capture_output=True, text=True, timeout=120,
    )
    if result.returncode != 0:
        pytest.skip(f"wast2json cannot convert {wast.name}: {result.stderr.splitlines()[0]}")
    commands: list[dict[str, object]] = json.loads((out / "script.json").read_text())["commands"]
    return commands


def check_file(version: str, wast: Path, out: Path) -> tuple[int, int, int, list[str]]:
    """Check every module of one script; returns the numbers of valid modules, of
    ``assert_invalid`` modules, of those wabt's binary cannot represent, and the failures."""
    from refwasm.binary import decode_module
    from refwasm.validation import validate_module

    features = Features.for_version(version)
    valid = invalid = unrepresentable = 0
    failures: list[str] = []
    for command in _convert(wast, out):
        kind, filename = command["type"], str(command.get("filename", ""))
        if not filename.endswith(".wasm"):
            continue
        if kind not in VALID_MODULE_COMMANDS and kind != "assert_invalid":
            continue
        where = f"{wast.name}:{command['line']}"
        try:
            module = decode_module((out / filename).read_bytes(), features)
        except WasmError as e:
            if kind == "assert_invalid" and e.message == DATA_COUNT_REQUIRED:
                # A binary-only rule: the text module (what the suite means) has no data
                # count requirement, but wabt's binary of it lacks the section.
                unrepresentable += 1
                continue
            failures.append(f"{where}: decode failed: {e.kind}: {e.message}")
            continue
        try:
            validate_module(module, features)
        except InvalidError as e:
            if kind == "assert_invalid":
                invalid += 1
                if not e.message.startswith(str(command["text"])):
                    failures.append(f"{where}: expected {command['text']!r}, got {e.message!r}")
            else:
                failures.append(f"{where}: valid module rejected: {e.message!r}")
            continue
        if kind == "assert_invalid":
            invalid += 1
            failures.append(f"{where}: expected {command['text']!r}, module validated")
        else:
            valid += 1
    return valid, invalid, unrepresentable, failures


@pytest.mark.peer
@pytest.mark.parametrize(
    ("version", "wast"), WAST_FILES,
    ids=[f"{v}/{p.relative_to(SUITE / f'wasm-{v}')}" for v, p in WAST_FILES],
)
def test_suite_validation(version: str, wast: Path, tmp_path: Path) -> None:
    if shutil.which("wast2json") is None:
        pytest.skip("wast2json (wabt) is not on PATH")
    binary = pytest.importorskip("refwasm.binary", reason="the binary decoder is not written yet")
    if not hasattr(binary, "decode_module"):
        pytest.skip("refwasm.binary.decode_module is not written yet")
    *_, failures = check_file(version, wast, tmp_path)
    assert not failures, "\n".join(failures[:30])


def test_suite_present() -> None:
    """Say clearly when the suite is missing instead of silently running nothing."""
    if not WAST_FILES:
        pytest.skip(f"official test suite not found at {SUITE} (set REFWASM_TESTSUITE)")
    assert any(v == "2.0" for v, _ in WAST_FILES)
