"""From a report's text to a `TriageResult`: prefilter, model, then the system's own checks.

I/O stays outside: the LLM is passed in, and nothing here touches the database, so the eval
harness and the worker run exactly the same judgement.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from triage.judge import decision, evidence
from triage.judge.llm import LLM, AttemptRecorder, LLMGaveUp
from triage.judge.llm_cache import CachedAnswer, JudgementCache, judgement_key
from triage.judge.prompt import Prompt
from triage.rules import prefilter
from triage.schema import LLMAttempt, ModelJudgement, Reason, TriageResult

PREFILTER_CONFIDENCE = 0.97


@dataclass
class Decision:
    result: TriageResult
    attempts: list[LLMAttempt] = field(default_factory=list)
    latency_ms: float = 0.0
    cached: bool = False  # the model's answer came from the cache; latency/tokens as first paid

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


def from_model(judgement: ModelJudgement, text: str, n_attempts: int) -> TriageResult:
    """The model's answer judged against the evidence gathered from the text."""
    draft = judgement.complaint
    return decision.decide(
        judgement, evidence.gather(text, hint=draft.regency if draft else None), n_attempts
    )


def _unsupported(attempts: list[LLMAttempt], error: str, text: str) -> TriageResult:
    return decision.unsupported(attempts, error, evidence.gather(text))


def decide(
    report_id: str,
    text: str,
    llm: LLM,
    prompt: Prompt,
    has_media: bool = False,
    cache: JudgementCache | None = None,
    same_text_senders: int = 0,
) -> Decision:
    """Judge one report. Raises LLMUnavailable when the model cannot be reached (retry later)."""
    started = time.perf_counter()
    hit = prefilter.check(text, has_media=has_media, same_text_senders=same_text_senders)
    if hit is not None:
        return Decision(from_prefilter(hit), [], (time.perf_counter() - started) * 1000)
    key = judgement_key(llm.model, prompt.hash, text)
    cached = cache.get(key) if cache is not None else None
    if cached is not None:
        return _from_cache(cached, report_id, text)
    recorder = AttemptRecorder(report_id=report_id, model=llm.model, prompt_hash=prompt.hash)
    try:
        judgement = llm.judge(prompt, text, recorder)
    except LLMGaveUp as exc:
        if cache is not None:
            cache.put(key, None, recorder.attempts)
        result = _unsupported(recorder.attempts, exc.last_error, text)
        return Decision(result, recorder.attempts, (time.perf_counter() - started) * 1000)
    if cache is not None:
        cache.put(key, judgement, recorder.attempts)
    result = from_model(judgement, text, max(1, len(recorder.attempts)))
    return Decision(result, recorder.attempts, (time.perf_counter() - started) * 1000)


def _revalidated(attempts: list[LLMAttempt], text: str) -> ModelJudgement | None:
    """An answer that failed an older validator, checked again by today's (e.g. a quote snapped).

    The answer is the model's, unchanged; only the system's check of it moved on.
    """
    for a in reversed(attempts):
        try:
            return ModelJudgement.model_validate_json(a.response_raw or "", context={"text": text})
        except ValueError:
            continue
    return None


def _from_cache(cached: CachedAnswer, report_id: str, text: str) -> Decision:
    """The model's earlier answer, with today's system logic; latency and tokens as first paid."""
    attempts = [a.model_copy(update={"report_id": report_id}) for a in cached.attempts]
    latency = sum(a.latency_ms for a in attempts)
    judgement = (
        ModelJudgement.model_validate(cached.judgement, context={"text": text})
        if cached.judgement is not None
        else _revalidated(attempts, text)
    )
    if judgement is None:
        last = attempts[-1].error if attempts else "no valid answer"
        return Decision(_unsupported(attempts, last or "", text), attempts, latency, cached=True)
    return Decision(from_model(judgement, text, max(1, len(attempts))), attempts, latency, cached=True)
