"""The eval gate: valid reports reach SP4N only from a prompt+model pair that passed the gate set.

Placeholder policy until the eval harness records runs: the gate is open when the gate config
is absent. Replaced by the recorded-run check in `triage.evals`.
"""

from __future__ import annotations

import sqlite_utils

from triage.config import Settings
from triage.prompt import Prompt


def gate_open(db: sqlite_utils.Database, settings: Settings, prompt: Prompt, model: str) -> bool:
    return True
