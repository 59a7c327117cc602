"""From a report's text to a `TriageResult`: prefilter, model, then the system's own checks.

I/O stays outside: the LLM is passed in, and nothing here touches the database, so the eval
harness and the worker run exactly the same judgement.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from triage.judge import decision, evidence
from triage.judge.excerpt import excerpt
from triage.judge.llm import LLM, AttemptRecorder, LLMGaveUp
from triage.judge.llm_cache import CachedAnswer, JudgementCache, judgement_key
from triage.judge.prompt import Prompt
from triage.rules import injection, prefilter
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


def from_model(
    judgement: ModelJudgement, text: str, n_attempts: int, removed: tuple[str, ...] = ()
) -> TriageResult:
    """The model's answer judged against the evidence gathered from the text."""
    hint = judgement.complaint.regency if judgement.complaint else None
    return decision.decide(judgement, evidence.gather(text, hint=hint, removed=removed), n_attempts)


def _unsupported(
    attempts: list[LLMAttempt], error: str, text: str, removed: tuple[str, ...] = ()
) -> TriageResult:
    return decision.unsupported(attempts, error, evidence.gather(text, removed=removed))


def decide(
    report_id: str,
    text: str,
    llm: LLM,
    prompt: Prompt,
    has_media: bool = False,
    cache: JudgementCache | None = None,
    same_text_senders: int = 0,
) -> Decision:
    """Judge one report. Raises LLMUnavailable when the model cannot be reached (retry later).

    Sentences that address the system are taken out first (`rules.injection`): everything after
    - prefilter, model, evidence - sees only the rest of the message.
    """
    started = time.perf_counter()
    split = injection.split(text)
    text, removed = split.text, tuple(split.removed)
    if removed and not text.strip():
        return Decision(decision.only_instructions(removed), [], (time.perf_counter() - started) * 1000)
    hit = prefilter.check(text, has_media=has_media, same_text_senders=same_text_senders)
    if hit is not None:
        result = decision.note_removed(from_prefilter(hit), removed)
        return Decision(result, [], (time.perf_counter() - started) * 1000)
    read = excerpt(text, llm.settings.llm_max_text_chars)
    key = judgement_key(llm.model, prompt.hash, read)
    cached = cache.get(key) if cache is not None else None
    if cached is not None:
        return _from_cache(cached, report_id, text, removed, read)
    recorder = AttemptRecorder(report_id=report_id, model=llm.model, prompt_hash=prompt.hash)
    try:
        judgement = llm.judge(prompt, read, recorder)
    except LLMGaveUp as exc:
        if cache is not None:
            cache.put(key, None, recorder.attempts)
        result = _unsupported(recorder.attempts, exc.last_error, text, removed)
        return Decision(result, recorder.attempts, (time.perf_counter() - started) * 1000)
    if cache is not None:
        cache.put(key, judgement, recorder.attempts)
    result = _read_part(from_model(judgement, text, max(1, len(recorder.attempts)), removed), read, text)
    return Decision(result, recorder.attempts, (time.perf_counter() - started) * 1000)


def _read_part(result: TriageResult, read: str, text: str) -> TriageResult:
    """Say so when the model read only the opening of a long message."""
    if read == text:
        return result
    note = f"long message: the model read its first {len(read)} of {len(text)} characters; the rules read all"
    return result.model_copy(update={"notes": [*result.notes, note]})


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


def _from_cache(
    cached: CachedAnswer, report_id: str, text: str, removed: tuple[str, ...] = (), read: str | None = None
) -> Decision:
    """The model's earlier answer, with today's system logic; latency and tokens as first paid."""
    attempts = [a.model_copy(update={"report_id": report_id}) for a in cached.attempts]
    latency = sum(a.latency_ms for a in attempts)
    read = text if read is None else read
    judgement = (
        ModelJudgement.model_validate(cached.judgement, context={"text": read})
        if cached.judgement is not None
        else _revalidated(attempts, read)
    )
    if judgement is None:
        last = attempts[-1].error if attempts else "no valid answer"
        return Decision(_unsupported(attempts, last or "", text, removed), attempts, latency, cached=True)
    result = _read_part(from_model(judgement, text, max(1, len(attempts)), removed), read, text)
    return Decision(result, attempts, latency, cached=True)
