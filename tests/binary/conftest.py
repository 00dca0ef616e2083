"""Fixtures for the binary format tests."""

from __future__ import annotations

import shutil

import pytest
from binary_helpers import SuiteModule, convert, suite_root


@pytest.fixture(scope="session")
def suite_modules(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[SuiteModule]]:
    """Every binary module of the 1.0 and 2.0 suites, by version; skips without the suite or
    without ``wast2json``."""
    if shutil.which("wast2json") is None:
        pytest.skip("wast2json (wabt) is not on PATH")
    root = suite_root()
    if not (root / "wasm-2.0").is_dir():
        pytest.skip(f"official test suite not found at {root} (set REFWASM_TESTSUITE)")
    out = tmp_path_factory.mktemp("wast2json")
    return {
        version: list(convert(root / f"wasm-{version}", out / version))
        for version in ("1.0", "2.0")
    }
