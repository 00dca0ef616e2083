"""Hypothesis profiles for the property tests.

``ci``: derandomized, so a CI failure reproduces locally with ``HYPOTHESIS_PROFILE=ci``.
Without ``HYPOTHESIS_PROFILE`` Hypothesis keeps its own default profile.  Example counts a
test needs (e.g. 2,000) are set on the test itself and hold under every profile.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci", deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
if "HYPOTHESIS_PROFILE" in os.environ:
    settings.load_profile(os.environ["HYPOTHESIS_PROFILE"])
