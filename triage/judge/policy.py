"""Where a decided report goes. Pure: the same result and gate state always route the same way.

A rejection the system is not sure of goes to a person, never silently to the archive; a valid
report goes to SP4N only from a prompt+model pair that passed the eval gate.
"""

from __future__ import annotations

from triage.schema import Outcome, TriageResult, Verdict


def route(result: TriageResult, *, gate_open: bool, review_threshold: float) -> Outcome:
    if result.decided_by == "error" or result.needs_review:
        return Outcome.review
    if result.verdict is Verdict.invalid:
        return Outcome.archived if result.confidence >= review_threshold else Outcome.review
    if result.verdict is Verdict.needs_info:
        return Outcome.ask_reporter
    if result.confidence < review_threshold:
        return Outcome.review
    return Outcome.sp4n if gate_open else Outcome.awaiting_gate
