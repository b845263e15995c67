"""Fixtures and Hypothesis profiles shared by the project's own tests and benchmarks."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

# CI runs the same number of examples as a developer, without the deadline a busy
# 2-core machine would trip, and prints the blob that reproduces any failure.
settings.register_profile(
    "ci",
    deadline=None,
    print_blob=True,
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))
