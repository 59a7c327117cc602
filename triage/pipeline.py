"""From a report's text to a `TriageResult`: prefilter, model, then the system's own checks.

I/O stays outside: the LLM is passed in, and nothing here touches the database, so the eval
harness and the worker run exactly the same judgement.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from triage import prefilter, reference
from triage.llm import LLM, AttemptRecorder, LLMGaveUp
from triage.prompt import Prompt
from triage.schema import (
    Complaint,
    ComplaintDraft,
    Judgement,
    LLMAttempt,
    Location,
    ModelJudgement,
    PlaceRef,
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


def location_from_draft(draft: ComplaintDraft) -> Location:
    """Official place from the model's regency hint, or nothing: a name not on the list is dropped."""
    loc = Location(mention=draft.regency, source="none")
    found = reference.regency_candidates(draft.regency) if draft.regency else ()
    if len(found) == 1:
        r = reference.regions().regencies[found[0]]
        p = reference.regions().provinces[r.province]
        loc.regency = PlaceRef(name=r.name, code=r.code)
        loc.province = PlaceRef(name=p.name, code=p.code)
        loc.source = "model"
    return loc


def summarise(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def from_model(judgement: ModelJudgement, text: str, n_attempts: int) -> TriageResult:
    complaint = None
    if judgement.complaint is not None and judgement.verdict is not Verdict.invalid:
        d = judgement.complaint
        complaint = Complaint(
            title=d.title,
            summary=summarise(text),
            category=d.category,
            location=location_from_draft(d),
            urgent=d.urgent,
        )
    confidence = max(0.0, MODEL_CONFIDENCE - REASK_PENALTY * (n_attempts - 1))
    return TriageResult(
        verdict=judgement.verdict,
        reason=judgement.reason,
        reasons=judgement.reasons,
        missing_fields=judgement.missing_fields,
        complaint=complaint,
        confidence=confidence,
        decided_by="model",
    )


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
