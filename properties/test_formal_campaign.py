"""The ``formal`` campaign: ``test_formal_properties.py`` under CrossHair, to completion.

A ``slow`` test (tens of minutes on one core): it runs the properties in a pytest subprocess
with ``--hypothesis-profile=formal`` (registered in ``conftest.py``), so that the backend is
chosen the one way a user chooses it, and prints the wall time.  ``REFWASM_FORMAL_EXAMPLES``
(CrossHair paths per test; ``PATHS`` by default) sets its depth; docs/fuzz-at-scale.md has the figures.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
PATHS = 20  # CrossHair paths per test, unless REFWASM_FORMAL_EXAMPLES says otherwise


@pytest.mark.slow
@pytest.mark.skipif(importlib.util.find_spec("hypothesis_crosshair_provider") is None,
                    reason="hypothesis-crosshair is not installed (pip install -e '.[formal]')")
def test_formal_profile_runs_the_properties_to_completion() -> None:
    started = time.monotonic()
    process = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:xdist", "-p", "no:cacheprovider",
         "--hypothesis-profile=formal", "--hypothesis-show-statistics",
         str(HERE / "test_formal_properties.py")],
        capture_output=True, text=True, cwd=HERE.parent,
        env={"REFWASM_FORMAL_EXAMPLES": str(PATHS), **os.environ},
    )
    elapsed = time.monotonic() - started
    tail = "\n".join(process.stdout.splitlines()[-40:])
    assert process.returncode == 0, tail
    print(f"formal campaign: {elapsed:.0f} s\n{process.stdout.splitlines()[-1]}")
