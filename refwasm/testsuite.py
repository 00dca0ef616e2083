"""Where the official spec test suite is: one place for every tool and test that needs it.

The suites travel with the project in ``spec-tests/official`` (``wasm-1.0``, ``wasm-2.0``,
``wasm-3.0``, copied unmodified from the spec repository's tags; see its README).  The folder
used is ``$REFWASM_TESTSUITE`` when set, else the bundled copy of the checkout this package lives
in (an editable install), else the bundled copy under the working directory (a clone installed
with ``pip install .`` and run from its root).
"""

from __future__ import annotations

import os
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parents[1]
BUNDLED = Path("spec-tests") / "official"

# The editions ``refwasm wast --suite`` names, each a folder of the suite root.
EDITIONS = ("1.0", "2.0", "3.0")


def suite_root() -> Path:
    """The folder holding ``wasm-1.0``, ``wasm-2.0`` and ``wasm-3.0``."""
    configured = os.environ.get("REFWASM_TESTSUITE")
    if configured:
        return Path(configured)
    in_checkout = _CHECKOUT / BUNDLED
    if in_checkout.is_dir():
        return in_checkout
    return Path.cwd() / BUNDLED


def edition_folder(edition: str) -> Path:
    """The folder of one edition's suite (``wasm-2.0``)."""
    return suite_root() / f"wasm-{edition}"


def missing_reason() -> str:
    """Why a test that needs the suite is skipped."""
    return f"official test suite not found at {suite_root()} (set REFWASM_TESTSUITE)"
