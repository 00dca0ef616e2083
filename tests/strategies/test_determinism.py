"""A derandomized test draws the same examples in any run (the root ``conftest.py``): not
depending on which local modules happen to be imported before it, whose literals Hypothesis
would otherwise mix into what it draws."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st


def drawn() -> list[int]:
    seen: list[int] = []

    @settings(max_examples=300, derandomize=True, database=None)
    @given(st.integers(0, 1 << 40))
    def collect(n: int) -> None:
        seen.append(n)

    collect()
    return seen


def test_examples_do_not_depend_on_the_modules_imported(tmp_path: Path) -> None:
    before = drawn()
    constants = ", ".join(str(123_456_789 + i) for i in range(200))
    (tmp_path / "refwasm_local_constants.py").write_text(f"VALUES = [{constants}]\n")
    sys.path.insert(0, str(tmp_path))
    try:
        importlib.import_module("refwasm_local_constants")
        after = drawn()
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("refwasm_local_constants", None)
    assert after == before
    assert not {123_456_789 + i for i in range(200)} & set(after)
