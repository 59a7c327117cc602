"""The one decision: the model's answer and the report's evidence in, a `TriageResult` out.

Pure (no I/O, no model): the eval harness, the worker and the ablation benchmark all run exactly
this. It decides in five stages, each reading the evidence record and the stage before it:

1. `REOPEN`: a rejection by the model reopened (second look, a long message, a public side).
2. `CLOSE`: a verdict still open closed as an uncertain rejection (nothing to act on, a
   non-complaint's shape, the learned signals, the model's own check).
3. `CONFIRM`: such a rejection of a verdict the model left open confirmed, no longer uncertain,
   where a second learned reading agrees with it; and a rejection by the model the first stage
   reopened sent on, where the learned reading finds a complaint too.
4. `ASK`: what the reporter is asked: a rejection about an earlier report is asked about; a
   complaint with no place asks where.
5. `TO_A_PERSON`: where the report must not go without a person reading it first (a threat or
   self-harm marked urgent). The verdict stands.

In the first four stages the first correction that changes the result is the stage's answer.
Each is given the same input, so no correction undoes or waits on another, and a stage's order is
only the precedence of its reasons when two apply. In the last, every one that applies is named,
none hiding another.

Each correction names the evidence signals it reads (`Correction.reads`); switching a signal off
(`off`, as the ablation benchmark does) switches off every correction that reads it, so what a
signal buys is measured without re-ordering or patching code.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass

from triage import identity, reference
from triage.judge import category, kind_corrections, overrides
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

# The evidence signals a correction can read (fields of `Evidence`, grouped by what computed them).
PLACES = "places"  # the resolver's place, a spot a person can find, a national body
PUBLIC_WORDS = "public_words"  # public-service, grievance, official/permit and court words
LENGTH = "length"  # the number of words
SHAPES = "shapes"  # shaped like a non-complaint (rules.non_complaints)
LEARNED = "learned"  # the classifiers' spam, abuse, complaint and category scores
MODEL_CHECK = "model_check"  # the model's yes/no answer after its verdict (judge.checks)
HARM = "harm"  # a threat, self-harm, distress
FOLLOWUP = "followup"  # about an earlier report
LAUGHTER = "laughter"
IDENTITY = "identity"  # an identity number given, or one no one can have
ADDRESS = "address"  # an address under its label that no official list knows
CATEGORY_WORDS = "category_words"  # the category words in the text (judge.category)
SIGNALS = (
    PLACES,
    PUBLIC_WORDS,
    LENGTH,
    SHAPES,
    LEARNED,
    MODEL_CHECK,
    HARM,
    FOLLOWUP,
    LAUGHTER,
    IDENTITY,
    ADDRESS,
    CATEGORY_WORDS,
)


@dataclass(frozen=True)
class Correction:
    step: Step
    reads: frozenset[str]  # the signals it reads: off when any of them is
    # what applies instead while a signal it reads is off: a correction that only narrows another
    # by a learned reading falls back to the one it narrows, so switching the learned signals off
    # measures what they buy, not the loss of the rule they narrow
    without: Correction | None = None

    def active(self, off: Collection[str]) -> Step | None:
        if self.reads.isdisjoint(off):
            return self.step
        return self.without.active(off) if self.without is not None else None


def known(signals: Collection[str]) -> frozenset[str]:
    """The names, each a signal of `SIGNALS`: a misspelt one is an error, never a silent no-op."""
    unknown = set(signals) - set(SIGNALS)
    if unknown:
        raise ValueError(f"unknown signals {sorted(unknown)}: known are {list(SIGNALS)}")
    return frozenset(signals)


def _c(step: Step, *reads: str, without: Correction | None = None) -> Correction:
    return Correction(step, known(reads), without)


REOPEN: dict[str, Correction] = {
    "second_look": _c(overrides.second_look, PUBLIC_WORDS, PLACES, LENGTH),
    "misconduct": _c(overrides.misconduct_kept_open, PUBLIC_WORDS, LEARNED),
    "long_message": _c(overrides.long_message_kept_open, LENGTH),
    "public_side": _c(overrides.public_side_kept_open, PUBLIC_WORDS),
    "plea_in_distress": _c(kind_corrections.distress_read_as_genuine, HARM, LEARNED),
}
CLOSE: dict[str, Correction] = {
    "nothing_to_act_on": _c(overrides.nothing_to_act_on, PUBLIC_WORDS, PLACES, LENGTH),
    "non_complaint_shapes": _c(overrides.shaped_like_a_non_complaint, SHAPES),
    "chain_without_a_place": _c(overrides.chain_without_a_place, SHAPES, PLACES),
    "junk_signals": _c(kind_corrections.junk_signals_unless_read_as_a_complaint, LEARNED, PUBLIC_WORDS),
    "labelled_junk": _c(kind_corrections.like_the_labelled_junk, LEARNED, PUBLIC_WORDS),
    "model_check": _c(overrides.not_a_public_complaint, MODEL_CHECK, LEARNED, SHAPES),
}
CONFIRM: dict[str, Correction] = {
    "labelled_cases_agree": _c(kind_corrections.rejection_confirmed, LEARNED),
    "labelled_cases_read_a_complaint": _c(kind_corrections.reopening_confirmed, LEARNED),
    "complaints_agree": _c(kind_corrections.labelled_junk_confirmed, LEARNED),
}
ASK: dict[str, Correction] = {
    "followup": _c(overrides.followup_asked_about, FOLLOWUP),
    "place_rule": _c(overrides.needs_a_place, PLACES),
}
TO_A_PERSON: dict[str, Correction] = {
    "model_check_keeps": _c(overrides.a_public_complaint_is_not_archived, MODEL_CHECK),
    "public_service": _c(kind_corrections.a_public_service_unless_confirmed, PUBLIC_WORDS, LEARNED),
    "read_as_genuine": _c(kind_corrections.read_as_genuine_not_archived, LEARNED),
    "read_as_junk": _c(kind_corrections.read_as_junk_not_asked, LEARNED),
    "read_as_junk_not_sent": _c(kind_corrections.read_as_junk_not_sent, LEARNED),
    "no_public_matter": _c(
        kind_corrections.no_public_matter_unless_read_as_a_complaint, PUBLIC_WORDS, LEARNED
    ),
    "laughter": _c(
        kind_corrections.laughter_unless_read_as_genuine,
        LAUGHTER,
        LEARNED,
        without=_c(overrides.laughter_goes_to_a_person, LAUGHTER),
    ),
    "identity": _c(overrides.identity_never_archived, IDENTITY),
    "impossible_identity": _c(overrides.impossible_identity_goes_to_a_person, IDENTITY),
    "unknown_address": _c(overrides.unknown_address_goes_to_a_person, ADDRESS),
    "threat": _c(overrides.threat_goes_to_a_person, HARM),
    "self_harm": _c(overrides.self_harm_goes_to_a_person, HARM),
    "distress": _c(overrides.distress_never_archived, HARM),
}
STAGES = (REOPEN, CLOSE, CONFIRM, ASK, TO_A_PERSON)
# What also applies to a result the model could not back (the model's verdict is kept for review).
UNSUPPORTED_CLOSE = ("non_complaint_shapes",)
UNSUPPORTED_TO_A_PERSON = ("threat", "self_harm", "distress")


def first_that_applies(
    result: TriageResult, e: Evidence, corrections: Mapping[str, Correction], off: Collection[str]
) -> TriageResult:
    """The result of the first correction that changes it; each is given the same input (a
    correction that does not apply returns that input itself)."""
    for c in corrections.values():
        if (step := c.active(off)) is not None:
            changed = step(result, e)
            if changed is not result:
                return changed
    return result


def every_one_that_applies(
    result: TriageResult, e: Evidence, corrections: Mapping[str, Correction], off: Collection[str]
) -> TriageResult:
    """The result sent to a person for every reason that applies, each judged on the same input:
    none of them hides another."""
    steps = [c.active(off) for c in corrections.values()]
    sent = [step(result, e) for step in steps if step is not None]
    sent = [s for s in sent if s is not result]
    if not sent:
        return result
    if any((s.verdict, s.reason) != (result.verdict, result.reason) for s in sent):
        raise ValueError("a correction that sends a report to a person must leave its verdict as it is")
    return result.model_copy(
        update={
            "needs_review": True,
            "urgent": result.urgent or any(s.urgent for s in sent),
            "confidence": min(s.confidence for s in sent),
            "rules": [*result.rules, *(r for s in sent for r in s.rules[len(result.rules) :])],
            "notes": [*result.notes, *(n for s in sent for n in s.notes[len(result.notes) :])],
        }
    )


def corrected(
    result: TriageResult,
    e: Evidence,
    off: Collection[str] = (),
    *,
    reopen: Mapping[str, Correction] = REOPEN,
    close: Mapping[str, Correction] = CLOSE,
    confirm: Mapping[str, Correction] = CONFIRM,
    ask: Mapping[str, Correction] = ASK,
    to_a_person: Mapping[str, Correction] = TO_A_PERSON,
) -> TriageResult:
    """The stages, in the flow's order (a stage may be narrowed, as `unsupported` does)."""
    off = known(off)
    if e.model_verdict is None:
        # the result the stages start from is the model's: every stage may read what it said
        e = dataclasses.replace(e, model_verdict=result.verdict, model_reason=result.reason)
    result = first_that_applies(result, e, reopen, off)
    result = first_that_applies(result, e, close, off)
    result = first_that_applies(result, e, confirm, off)
    result = first_that_applies(result, e, ask, off)
    return every_one_that_applies(result, e, to_a_person, off)


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
    parts_off = {category.KEYWORDS} if CATEGORY_WORDS in off else set()
    if LEARNED in off:
        parts_off.add(category.CLASSIFIER)
    choice = category.choose(draft.category if draft else None, e.text, e.signals, parts_off)
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
    result = corrected(result, e, off)
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
    result = corrected(
        result,
        e,
        reopen={},
        close={k: CLOSE[k] for k in UNSUPPORTED_CLOSE},
        confirm={},
        ask={},
        to_a_person={k: TO_A_PERSON[k] for k in UNSUPPORTED_TO_A_PERSON},
    )
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
