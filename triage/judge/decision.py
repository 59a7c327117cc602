"""The one decision: the model's answer and the report's evidence in, a `TriageResult` out.

Pure (no I/O, no model): the eval harness, the worker and the ablation benchmark all run exactly
this. Its corrections run in one fixed order (`STEPS`); `off` switches any of them off, which is
how the ablation benchmark measures what each one buys.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection

from triage import identity, reference
from triage.judge import category, overrides
from triage.judge.evidence import Evidence
from triage.rules import guards, routing
from triage.schema import (
    REASON_MAX_CHARS,
    Complaint,
    ComplaintDraft,
    InvalidReason,
    Judgement,
    LLMAttempt,
    MissingField,
    ModelJudgement,
    Reason,
    TriageResult,
    Verdict,
)

Step = Callable[[TriageResult, Evidence], TriageResult]

# In this order: rejections are reopened first, then the rules that need a place or an act, and
# last the shapes of non-complaints, which only look at what is still not a rejection.
STEPS: dict[str, Step] = {
    "second_look": overrides.second_look,
    "long_message": overrides.long_message_kept_open,
    "place_rule": overrides.needs_a_place,
    "nothing_to_act_on": overrides.nothing_to_act_on,
    "public_side": overrides.public_side_kept_open,
    "non_complaint_shapes": overrides.shaped_like_a_non_complaint,
    "junk_signals": overrides.junk_by_its_signals,
    "model_check": overrides.not_a_public_complaint,
    "model_check_keeps": overrides.a_public_complaint_is_not_archived,
    "public_service": overrides.a_public_service_is_not_archived_unseen,
    "no_public_matter": overrides.no_public_matter_goes_to_a_person,
    "laughter": overrides.laughter_goes_to_a_person,
    "followup": overrides.followup_asked_about,
    "identity": overrides.identity_never_archived,
    "impossible_identity": overrides.impossible_identity_goes_to_a_person,
    "unknown_address": overrides.unknown_address_goes_to_a_person,
    "threat": overrides.threat_goes_to_a_person,
    "self_harm": overrides.self_harm_goes_to_a_person,
    "distress": overrides.distress_never_archived,
}
# What also applies to a result the model could not back (the model's verdict is kept for review).
AFTER_UNSUPPORTED = ("threat", "self_harm", "distress")


def summarise(text: str, limit: int = 300) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def with_complaint(
    result: TriageResult,
    draft: ComplaintDraft | None,
    e: Evidence,
    about: str,
    off: Collection[str] = (),
) -> TriageResult:
    """Attach what SP4N needs to a result that is not a rejection.

    Built after the corrections, so a rejection the second look overturned, or a needs_info the
    model gave without a draft, still carries the resolver's place and a category: the reviewer
    and the reporter's follow-up start from them instead of from nothing. `about` becomes the
    title: the model's statement of the complaint it saw, else the text itself.
    """
    location = e.location
    if result.verdict is Verdict.invalid:
        # a rejection never gets a complaint, but keeps the place for the reviewer
        return result.model_copy(update={"location": location})
    choice = category.choose(draft.category if draft else None, e.text, e.signals, off)
    agency, level = routing.route(choice.category, location, e.text)
    complaint = Complaint(
        title=summarise(identity.mask_text(about), limit=80),
        summary=summarise(identity.mask_text(e.text)),
        category=choice.category,
        location=location,
        agency=agency,
        agency_level=level,
        urgent=bool(draft and draft.urgent) or e.threat or e.self_harm is not None,
        anonymous=identity.anonymity_requested(e.text),
        reporter=identity.extract_reporter(e.text),
    )
    update: dict[str, object] = {"complaint": complaint}
    if choice.note:
        update.update(rules=[*result.rules, "category_from_signals"], notes=[*result.notes, choice.note])
    return result.model_copy(update=update)


def goes_on(result: TriageResult) -> bool:
    """Whether the result would leave the system without a person: to SP4N or back to the citizen.
    There, and before an archive, a check of the model's answer is worth its cost."""
    return result.verdict is not Verdict.invalid and not result.needs_review


def archived(result: TriageResult, review_threshold: float) -> bool:
    """Whether the result would be archived without a person seeing it (`policy.route`)."""
    return (
        result.verdict is Verdict.invalid
        and not result.needs_review
        and result.decided_by != "error"
        and result.confidence >= review_threshold
    )


def note_removed(result: TriageResult, removed: tuple[str, ...]) -> TriageResult:
    """Say what was left out of the judgement because it addressed the system (masked)."""
    if not removed:
        return result
    shown = "; ".join(summarise(identity.mask_text(r), limit=120) for r in removed[:3])
    return result.model_copy(
        update={
            "rules": [*result.rules, "system_instructions_ignored"],
            "notes": [
                *result.notes,
                f"{len(removed)} sentence(s) addressed to the system were left out of the judgement: {shown}",
            ],
        }
    )


def only_instructions(removed: tuple[str, ...]) -> TriageResult:
    """A message that is nothing but instructions to the system: there is nothing to judge."""
    result = TriageResult(
        verdict=Verdict.invalid,
        reason=InvalidReason.prank,
        reasons=[
            Reason(
                statement="Pesan hanya berisi perintah untuk sistem, tanpa laporan",
                evidence=summarise(removed[0], limit=REASON_MAX_CHARS),
            )
        ],
        missing_fields=[],
        confidence=0.9,
        decided_by="prefilter",
        rules=["only_instructions_to_the_system"],
    )
    return note_removed(result, removed)


def decide(
    judgement: ModelJudgement, e: Evidence, n_attempts: int, off: Collection[str] = ()
) -> TriageResult:
    """The stored result: the model's verdict and words, the system's places, agency and identity."""
    result = TriageResult(
        verdict=judgement.verdict,
        reason=judgement.reason,
        reasons=judgement.reasons,
        missing_fields=judgement.missing_fields,
        confidence=overrides.model_confidence(judgement.verdict, judgement.reason, e, n_attempts),
        decided_by="model",
    )
    if e.check_scores:
        shown = ", ".join(f"{k} {v:.2f}" for k, v in e.check_scores.items())
        result = result.model_copy(update={"notes": [f"checks (complaint score): {shown}"]})
    for name, step in STEPS.items():
        if name not in off:
            result = step(result, e)
    # the statement describes a complaint only when the model saw one (a rejection's statement,
    # "a greeting", would be a poor title for a report a step kept open)
    about = judgement.reasons[0].statement if judgement.complaint else e.text
    return note_removed(with_complaint(result, judgement.complaint, e, about, off), e.removed)


def unsupported(attempts: list[LLMAttempt], error: str, e: Evidence) -> TriageResult:
    """The model never gave a judgement that passed validation: a person decides.

    The last answer's verdict is kept (parsed without the evidence check) so the reviewer sees
    what the model thought; the result is marked for review and never archived or sent.
    """
    verdict, reason, model_category = Verdict.needs_info, None, None
    for a in reversed(attempts):
        try:
            raw = json.loads(a.response_raw or "")
            j = Judgement.model_validate(
                {k: raw.get(k) for k in ("verdict", "reason", "reasons", "missing_fields")}
            )
            verdict, reason = j.verdict, j.reason
            model_category = answered_category(raw)
            break
        except (ValueError, TypeError, AttributeError):
            continue
    notes = [f"validation failed: {error[:500]}"]
    if verdict is Verdict.invalid and e.words > guards.UNSPECIFIC_MAX_WORDS:
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
    for name in ("non_complaint_shapes", *AFTER_UNSUPPORTED):
        result = STEPS[name](result, e)
    # The reviewer starts from the places the text gives and the category the model chose (an
    # official name, still weighed with the text's words and the classifier). Its statement and
    # place are not kept: they come from an answer that failed its evidence check, and may name
    # what the text does not.
    draft = ComplaintDraft(category=model_category, regency=None, urgent=False) if model_category else None
    return note_removed(with_complaint(result, draft, e, e.text), e.removed)


def answered_category(raw: object) -> str | None:
    """The category of a rejected answer when it is an official name, else None."""
    complaint = raw.get("complaint") if isinstance(raw, dict) else None
    name = complaint.get("category") if isinstance(complaint, dict) else None
    return name if isinstance(name, str) and name in reference.category_names() else None
