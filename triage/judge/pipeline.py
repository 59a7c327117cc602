"""From a report's text to a `TriageResult`: prefilter, model, then the system's own checks.

I/O stays outside: the LLM is passed in, and nothing here touches the database, so the eval
harness and the worker run exactly the same judgement.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field

from triage.judge import checks, decision, evidence
from triage.judge.excerpt import excerpt
from triage.judge.llm import LLM, AttemptRecorder, LLMGaveUp, LLMUnavailable
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
    error = ""
    if cached is not None:
        attempts = [a.model_copy(update={"report_id": report_id}) for a in cached.attempts]
        judgement = _cached_judgement(cached, attempts, read)
        error = (attempts[-1].error if attempts else "no valid answer") or ""
    else:
        recorder = AttemptRecorder(report_id=report_id, model=llm.model, prompt_hash=prompt.hash)
        try:
            judgement = llm.judge(prompt, read, recorder)
        except LLMGaveUp as exc:
            judgement, error = None, exc.last_error
        except LLMUnavailable as exc:  # the report waits; its failed requests are still recorded
            exc.attempts = recorder.attempts
            raise
        attempts = recorder.attempts
        if cache is not None:
            cache.put(key, judgement, attempts)
    if judgement is None:
        result = _unsupported(attempts, error, text, removed)
    else:
        hint = judgement.complaint.regency if judgement.complaint else None
        e = evidence.gather(text, hint=hint, removed=removed)
        # answers the model gave (a re-ask after a bad one lowers trust); a request that never
        # reached it (connection refused, 5xx) says nothing about the message
        n = max(1, sum(1 for a in attempts if a.response_raw is not None))
        result = decision.decide(judgement, e, n)
        leaves = decision.goes_on(result) or decision.archived(result, llm.settings.review_threshold)
        if llm.settings.llm_checks and leaves and attempts:
            scores, asked = _ask_checks(llm, prompt, read, attempts[-1], cache, report_id)
            attempts = [*attempts, *asked]
            if scores:
                said = checks.load_checks().verdict(scores)
                e = dataclasses.replace(e, public_complaint=said, check_scores=scores)
                result = decision.decide(judgement, e, n)
        result = _read_part(result, read, text)
    if cached is not None:
        return Decision(result, attempts, sum(a.latency_ms for a in attempts), cached=True)
    return Decision(result, attempts, (time.perf_counter() - started) * 1000)


def _ask_checks(
    llm: LLM,
    prompt: Prompt,
    read: str,
    answered: LLMAttempt,
    cache: JudgementCache | None,
    report_id: str,
) -> tuple[dict[str, float], list[LLMAttempt]]:
    """Ask the model each check question after its own answer: each question's complaint score."""
    check_set = checks.load_checks()
    answer = answered.response_raw or ""
    scores: dict[str, float] = {}
    asked: list[LLMAttempt] = []
    for name in check_set.spec.questions:
        key = checks.check_key(llm.model, prompt.hash, check_set, name, read, answer)
        cached = cache.get(key) if cache is not None else None
        if cached is not None:
            asked += [a.model_copy(update={"report_id": report_id}) for a in cached.attempts]
            said = cached.judgement or {}
            p = checks.p_yes(said.get("answer"), [tuple(t) for t in said.get("top", [])])
        else:
            messages = [
                *prompt.messages(read),
                {"role": "assistant", "content": answer},
                {"role": "user", "content": check_set.question(name)},
            ]
            recorder = AttemptRecorder(report_id=report_id, model=llm.model, prompt_hash=check_set.hash)
            try:
                raw, top = llm.ask(messages, recorder)
            except LLMGaveUp:  # the endpoint refused the question: this one goes unasked
                asked += recorder.attempts
                continue
            asked += recorder.attempts
            if cache is not None:
                cache.put_raw(key, {"check": name, "answer": raw, "top": top}, recorder.attempts)
            p = checks.p_yes(raw, top)
        if p is not None:
            scores[name] = round(check_set.complaint_score(name, p), 4)
    return scores, asked


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


def _cached_judgement(cached: CachedAnswer, attempts: list[LLMAttempt], read: str) -> ModelJudgement | None:
    """The model's earlier answer, checked by today's validator; None if it never passed."""
    if cached.judgement is not None:
        return ModelJudgement.model_validate(cached.judgement, context={"text": read})
    return _revalidated(attempts, read)
