"""From a report's text to a `TriageResult`: prefilter, model, then the system's own checks.

I/O stays outside: the LLM is passed in, and nothing here touches the database, so the eval
harness and the worker run exactly the same judgement.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from triage import identity, reference
from triage.judge.llm import LLM, AttemptRecorder, LLMGaveUp
from triage.judge.llm_cache import CachedAnswer, JudgementCache, judgement_key
from triage.judge.prompt import Prompt
from triage.rules import categories, guards, non_complaints, places, prefilter, routing
from triage.schema import (
    Complaint,
    ComplaintDraft,
    Judgement,
    LLMAttempt,
    Location,
    MissingField,
    ModelJudgement,
    Reason,
    TriageResult,
    Verdict,
)

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


def summarise(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def _hint_confirmed(hint: str | None, location: Location) -> bool:
    regency = location.regency.name if location.regency else None
    return hint is not None and regency in reference.regency_candidates(hint)


def with_complaint(
    result: TriageResult, draft: ComplaintDraft | None, text: str, location: Location
) -> TriageResult:
    """Attach what SP4N needs to a result that is not a rejection.

    Built after the guards, so a rejection the second look overturned, or a needs_info the model
    gave without a draft, still carries the resolver's place and a category: the reviewer and
    the reporter's follow-up start from them instead of from nothing.
    """
    if result.verdict is Verdict.invalid:
        # a rejection never gets a complaint, but keeps the place for the reviewer
        return result.model_copy(update={"location": location})
    category, note = categories.check(draft.category if draft else None, text)
    agency, level = routing.route(category, location, text)
    complaint = Complaint(
        title=draft.title if draft else summarise(identity.mask_text(text), limit=80),
        summary=summarise(identity.mask_text(text)),
        category=category,
        location=location,
        agency=agency,
        agency_level=level,
        urgent=bool(draft and draft.urgent) or guards.threatens_safety(text),
        anonymous=identity.anonymity_requested(text),
        reporter=identity.extract_reporter(text),
    )
    update: dict[str, object] = {"complaint": complaint}
    if note:
        update["rules"] = [*result.rules, "category_from_keywords"]
        update["notes"] = [*result.notes, note]
    return result.model_copy(update=update)


def from_model(judgement: ModelJudgement, text: str, n_attempts: int) -> TriageResult:
    """The stored result: the model's verdict and words, the system's places, agency and identity."""
    draft = judgement.complaint
    location = places.resolve(text, hint=draft.regency if draft else None)
    hint = draft.regency if draft else None
    confidence = guards.model_confidence(
        judgement.verdict,
        judgement.reason,
        text,
        n_attempts,
        has_place=location.province is not None,
        hint_disagrees=bool(hint) and not _hint_confirmed(hint, location),
    )
    result = TriageResult(
        verdict=judgement.verdict,
        reason=judgement.reason,
        reasons=judgement.reasons,
        missing_fields=judgement.missing_fields,
        confidence=confidence,
        decided_by="model",
    )
    result = guards.second_look(result, text, has_place=location.regency is not None)
    result = guards.long_message_kept_open(result, text)
    named = location.province is not None and location.source != "addressee"
    result = guards.needs_a_place(result, text, has_place=named)
    result = guards.nothing_to_act_on(result, text, has_place=named)
    result = non_complaints.public_side_kept_open(result, text)
    result = non_complaints.reconsider(result, text)
    return with_complaint(result, draft, text, location)


def _unsupported(attempts: list[LLMAttempt], error: str, text: str) -> TriageResult:
    """The model never gave a judgement that passed validation: a person decides.

    The last answer's verdict is kept (parsed without the evidence check) so the reviewer sees
    what the model thought; the result is marked for review and never archived or sent.
    """
    verdict, reason, category = Verdict.needs_info, None, None
    for a in reversed(attempts):
        try:
            raw = json.loads(a.response_raw or "")
            j = Judgement.model_validate(
                {k: raw.get(k) for k in ("verdict", "reason", "reasons", "missing_fields")}
            )
            verdict, reason = j.verdict, j.reason
            category = _answered_category(raw)
            break
        except (ValueError, TypeError, AttributeError):
            continue
    notes = [f"validation failed: {error[:500]}"]
    if verdict is Verdict.invalid and len(text.split()) > guards.UNSPECIFIC_MAX_WORDS:
        # a rejection the model could not back with a quote does not stand on a message this long
        verdict, reason = Verdict.needs_info, None
        notes.append("model said invalid without a supported reason; kept open for the reviewer")
    result = TriageResult(
        verdict=verdict,
        reason=reason,
        reasons=[Reason(statement="Model tidak memberi alasan yang didukung kutipan", evidence="-")],
        missing_fields=[MissingField.what_happened] if verdict is Verdict.needs_info else [],
        confidence=0.0,
        decided_by="model",
        needs_review=True,
        notes=notes,
    )
    result = non_complaints.reconsider(result, text)
    # The reviewer starts from the places the text gives and the category the model chose (an
    # official name, still checked against the text's words). Its title and place are not kept:
    # they come from an answer that failed its evidence check, and may name what the text does not.
    draft = (
        ComplaintDraft(
            title=summarise(identity.mask_text(text), limit=80), category=category, regency=None, urgent=False
        )
        if category
        else None
    )
    return with_complaint(result, draft, text, places.resolve(text))


def _answered_category(raw: object) -> str | None:
    """The category of a rejected answer when it is an official name, else None."""
    complaint = raw.get("complaint") if isinstance(raw, dict) else None
    name = complaint.get("category") if isinstance(complaint, dict) else None
    return name if isinstance(name, str) and name in reference.category_names() else None


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
