"""Shared test settings.

- matplotlib draws off-screen (Agg);
- ``fit`` and the notebooks print plain text, not live displays, so outputs are stable;
- Hypothesis runs derandomized (the same examples every run) in CI.
"""

import os

os.environ.setdefault("MPLBACKEND", "Agg")
os.environ.setdefault("LESSON_PKG_PLAIN_OUTPUT", "1")

from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    derandomize=True,
    database=None,
    deadline=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None, max_examples=60)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
