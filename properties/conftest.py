"""Hypothesis profiles and example database for the property tests (docs/fuzz-at-scale.md).

``ci``: derandomized, so a CI failure reproduces locally with ``HYPOTHESIS_PROFILE=ci``.  A
derandomized run uses no example database (Hypothesis forbids both), so nothing a campaign
stored can change what CI runs.

``campaign``: random examples for long runs (HypoFuzz, ``pytest`` in a loop), saving every
failing example and, under HypoFuzz, every covering one in the shared example database.

``formal``: the same tests through CrossHair's symbolic execution (``hypothesis-crosshair``):
an SMT solver searches each test's paths for a counterexample instead of drawing at random.
Chosen with ``--hypothesis-profile=formal``; the ``slow`` campaign in
``test_formal_campaign.py`` runs the tests that CrossHair can reason about under it.

The example database: ``REFWASM_HYPOTHESIS_DB`` names a directory, shared by every run on one
machine or by several machines mounting it, that ``campaign`` and ``formal`` (and Hypothesis'
default profile) read and write; unset, they keep Hypothesis' own ``.hypothesis/`` directory.

Without ``HYPOTHESIS_PROFILE`` (or ``--hypothesis-profile``) Hypothesis keeps its default
profile.  Example counts a test needs (e.g. 2,000) are set on the test itself and hold under
every profile.
"""

from __future__ import annotations

import importlib.util
import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

DATABASE_VARIABLE = "REFWASM_HYPOTHESIS_DB"


def _shared_database() -> dict[str, Any]:
    """``database=`` for the random and formal profiles: the shared directory, if named."""
    where = os.environ.get(DATABASE_VARIABLE)
    return {"database": DirectoryBasedExampleDatabase(where)} if where else {}


settings.register_profile(
    "ci", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
settings.register_profile(
    "campaign", deadline=None, suppress_health_check=[HealthCheck.too_slow], **_shared_database()
)
if importlib.util.find_spec("hypothesis_crosshair_provider") is not None:
    # Registered only where the backend is installed: Hypothesis rejects an unknown backend.
    settings.register_profile(
        "formal",
        backend="crosshair",
        deadline=None,
        suppress_health_check=list(HealthCheck),
        **_shared_database(),
    )
if os.environ.get(DATABASE_VARIABLE):
    settings.register_profile("default", parent=settings.get_profile("default"),
                              **_shared_database())
    settings.load_profile("default")
if "HYPOTHESIS_PROFILE" in os.environ:
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])

