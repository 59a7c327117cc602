"""From a report's text to a `TriageResult`: prefilter, model, then the system's own checks.

I/O stays outside: the LLM is passed in, and nothing here touches the database, so the eval
harness and the worker run exactly the same judgement.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from triage import guards, identity, places, prefilter, routing
from triage.llm import LLM, AttemptRecorder, LLMGaveUp
from triage.prompt import Prompt
from triage.schema import (
    Complaint,
    Judgement,
    LLMAttempt,
    ModelJudgement,
    Reason,
    TriageResult,
    Verdict,
)

PREFILTER_CONFIDENCE = 0.97
MODEL_CONFIDENCE = 0.85
REASK_PENALTY = 0.2


@dataclass
class Decision:
    result: TriageResult
    attempts: list[LLMAttempt] = field(default_factory=list)
    latency_ms: float = 0.0

    @property
    def tokens(self) -> int:
        return sum(a.prompt_tokens + a.completion_tokens for a in self.attempts)


def from_prefilter(hit: prefilter.PrefilterHit) -> TriageResult:
    reasons = [Reason(statement=hit.statement, evidence=hit.evidence or "(kosong)")]
    return TriageResult(
        verdict=hit.verdict,
        reason=hit.reason,
        reasons=reasons,
        missing_fields=list(hit.missing),
        confidence=PREFILTER_CONFIDENCE,
        decided_by="prefilter",
        rules=[hit.rule],
    )


def summarise(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def from_model(judgement: ModelJudgement, text: str, n_attempts: int) -> TriageResult:
    """The stored result: the model's verdict and words, the system's places, agency and identity."""
    complaint = None
    draft = judgement.complaint
    location = places.resolve(text, hint=draft.regency if draft else None)
    if draft is not None and judgement.verdict is not Verdict.invalid:
        agency, level = routing.route(draft.category, location, text)
        complaint = Complaint(
            title=draft.title,
            summary=summarise(identity.mask_text(text)),
            category=draft.category,
            location=location,
            agency=agency,
            agency_level=level,
            urgent=draft.urgent,
            anonymous=identity.anonymity_requested(text),
            reporter=identity.extract_reporter(text),
        )
    confidence = max(0.0, MODEL_CONFIDENCE - REASK_PENALTY * (n_attempts - 1))
    result = TriageResult(
        verdict=judgement.verdict,
        reason=judgement.reason,
        reasons=judgement.reasons,
        missing_fields=judgement.missing_fields,
        complaint=complaint,
        confidence=confidence,
        decided_by="model",
    )
    result = guards.second_look(result, text, has_place=location.regency is not None)
    return guards.needs_a_place(result, text, has_place=location.province is not None)


def _unsupported(attempts: list[LLMAttempt], error: str) -> TriageResult:
    """The model never gave a judgement that passed validation: a person decides.

    The last answer's verdict is kept (parsed without the evidence check) so the reviewer sees
    what the model thought; the result is marked for review and never archived or sent.
    """
    verdict, reason = Verdict.needs_info, None
    for a in reversed(attempts):
        try:
            raw = json.loads(a.response_raw or "")
            j = Judgement.model_validate(
                {k: raw.get(k) for k in ("verdict", "reason", "reasons", "missing_fields")}
            )
            verdict, reason = j.verdict, j.reason
            break
        except (ValueError, TypeError, AttributeError):
            continue
    return TriageResult(
        verdict=verdict,
        reason=reason,
        reasons=[Reason(statement="Model tidak memberi alasan yang didukung kutipan", evidence="-")],
        missing_fields=[] if verdict is not Verdict.needs_info else ["what_happened"],  # type: ignore[list-item]
        confidence=0.0,
        decided_by="model",
        needs_review=True,
        notes=[f"validation failed: {error[:500]}"],
    )


def decide(report_id: str, text: str, llm: LLM, prompt: Prompt, has_media: bool = False) -> Decision:
    """Judge one report. Raises LLMUnavailable when the model cannot be reached (retry later)."""
    started = time.perf_counter()
    hit = prefilter.check(text, has_media=has_media)
    if hit is not None:
        return Decision(from_prefilter(hit), [], (time.perf_counter() - started) * 1000)
    recorder = AttemptRecorder(report_id=report_id, model=llm.model, prompt_hash=prompt.hash)
    try:
        judgement = llm.judge(prompt, text, recorder)
    except LLMGaveUp as exc:
        result = _unsupported(recorder.attempts, exc.last_error)
        return Decision(result, recorder.attempts, (time.perf_counter() - started) * 1000)
    result = from_model(judgement, text, max(1, len(recorder.attempts)))
    return Decision(result, recorder.attempts, (time.perf_counter() - started) * 1000)
