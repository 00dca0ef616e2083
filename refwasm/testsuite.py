"""Where the official spec test suite is: one place for every tool and test that needs it.

``$REFWASM_TESTSUITE`` when set, else ``../shared/testsuite`` beside the checkout (the source
tree this package lives in, for an editable install) or beside the working directory.
The suite is never copied into the project; it is pointed at.
"""

from __future__ import annotations

import os
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[1]


def suite_root() -> Path:
    """The folder holding ``wasm-1.0``, ``wasm-2.0`` and ``wasm-3.0``."""
    configured = os.environ.get("REFWASM_TESTSUITE")
    if configured:
        return Path(configured)
    beside_checkout = _CHECKOUT.parent / "shared" / "testsuite"
    if beside_checkout.is_dir():
        return beside_checkout
    return Path.cwd().parent / "shared" / "testsuite"


def missing_reason() -> str:
    """Why a test that needs the suite is skipped."""
    return f"official test suite not found at {suite_root()} (set REFWASM_TESTSUITE)"
