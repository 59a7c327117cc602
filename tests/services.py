"""A test whose service is missing skips on a developer's machine and fails under CI.

CI (`CI=true`, set by the runner of .ci/run) must prove the real parts work: a missing Redis or
Chromium there is a broken setup, not a reason to report green.
"""

from __future__ import annotations

import os

import pytest


def unavailable(reason: str) -> None:
    """Stop this test because a service it needs is missing: fail under CI, skip elsewhere."""
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (CI must provide it)", pytrace=False)
    pytest.skip(reason)
