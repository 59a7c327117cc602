"""One report through the whole flow: judge it, route it, and record the outcome atomically.

Shared by `triage demo`, the worker and the review page, so every path records exactly the
same things: attempts, one result, the outcome, and an outbox row for SP4N when routed there.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from triage.config import Settings
from triage.evals.gate import gate_open
from triage.judge import pipeline, policy, transcripts
from triage.judge.llm import LLM, LLMUnavailable
from triage.judge.prompt import Prompt
from triage.media.prepare import prepare as prepare_media
from triage.schema import Outcome
from triage.sp4n.outbox import sp4n_record
from triage.store.database import Database
from triage.store.reports import Store

log = logging.getLogger(__name__)
FLOOD_WINDOW = timedelta(hours=24)


@dataclass
class Processed:
    report_id: str
    outcome: Outcome | None  # None: the model was unavailable, the report stays pending
    decision: pipeline.Decision | None
    new: bool = True
    error: str | None = None


def process_report(
    db: Database,
    settings: Settings,
    llm: LLM,
    prompt: Prompt,
    report_id: str,
    *,
    decide: Callable[..., pipeline.Decision] | None = None,
) -> Processed:
    """`decide` defaults to `pipeline.decide`; tests inject a deterministic judge (no model)."""
    store = Store(db)
    existing = store.result(report_id)
    if existing is not None:  # at-least-once delivery: a second delivery changes nothing
        return Processed(report_id, Outcome(existing["outcome"]), None, new=False)
    report = store.report(report_id)
    if report.media_ids:  # fetch files and hear voice notes first: a transcript is the text
        prepare_media(db, settings, report)
        report = store.report(report_id)
    if report.only_unheard:
        decision = pipeline.Decision(transcripts.unheard_result(report))
    else:
        senders = store.senders_with_text(report.text, since=datetime.now(UTC) - FLOOD_WINDOW)
        try:
            decision = (decide or pipeline.decide)(
                report_id,
                report.text,
                llm,
                prompt,
                has_media=bool(report.media_ids),
                same_text_senders=senders,
            )
        except LLMUnavailable as exc:
            store.record_failure(report_id, f"llm unavailable: {exc}", exc.attempts)
            return Processed(report_id, None, None, error=str(exc))
        decision.result = transcripts.weigh(decision.result, report, settings.asr_min_confidence)
    open_ = gate_open(db, settings, prompt, llm.model)
    outcome = policy.route(decision.result, gate_open=open_, review_threshold=settings.review_threshold)
    outbox = (
        sp4n_record(report, decision.result, model=llm.model, prompt_version=prompt.version)
        if outcome is Outcome.sp4n
        else None
    )
    new = store.save_decision(
        report_id,
        decision.result,
        outcome,
        decision.attempts,
        model=llm.model,
        prompt_version=prompt.version,
        prompt_hash=prompt.hash,
        latency_ms=decision.latency_ms,
        outbox=outbox,
    )
    return Processed(report_id, outcome, decision, new=new)
