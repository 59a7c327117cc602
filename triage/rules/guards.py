"""Second look at the model's rejections: a small model must not silence a genuine complaint.

A rejection stands only when nothing in the text looks like a grievance about a public service.
When the text names a public service (a road, a school, bansos, a village head, the police...)
*and* something wrong with it, the model's `invalid` is overturned to `valid`/`needs_info`,
marked for human review, and the note says what the model had said and why it was overturned.
Deterministic and explainable: every override lists the words that triggered it.
"""

from __future__ import annotations

import re

from triage.rules import lexicon
from triage.schema import InvalidReason, MissingField, Reason, TriageResult, Verdict

PUBLIC_SERVICE = re.compile(rf"\b({lexicon.alternation('public_service', 'public_service_en')})\w*", re.I)
# A service refused, unpaid or not working: "tidak dilayani", "belum cair", "gak pernah direspon".
_NOT_DONE = (
    r"(tidak|tdk|belum|blm|gak|ga|gk|nggak|ngga|ora|durung|dereng|teu|henteu)\s+"
    r"((di)?(layani|bayar|dibayar|cair|berfungsi|ada|diperbaiki|perbaiki|ditanggapi|tanggapi|diproses|"
    r"proses|keluar|terima|menerima|dapat|jadi|jalan|nyala|terdaftar|kedaftar)"
    # a service refused or ignored, also with an auxiliary: "tidak mau melayani", "gak pernah direspon"
    r"|((mau|bisa|bs|pernah|kunjung|juga|jg|segera)\s+)?(melayani|dilayani|menanggapi|ditanggapi|"
    r"merespon|direspon|respon|mengurus|diurus|ditangani|menangani|diproses|memproses))"
)
GRIEVANCE = re.compile(
    rf"\b({lexicon.alternation('grievance')}|{_NOT_DONE}|{lexicon.alternation('grievance_en')})\b", re.I
)
COURT = re.compile(rf"\b({lexicon.alternation('court')})\b", re.I)
NATIONAL = re.compile(rf"\b({lexicon.alternation('national_bodies')})\b", re.I)
# A spot a person can find, though it is not an official name: a street, an RT/RW, a house number,
# a named school, market, station or housing estate ("halte grogol", "Jl. Tambak Aji no. 1",
# "rw 02 dan 03"). evals/README.md: only a local problem "without any place" lacks its place.
_NOT_A_NAME = rf"(?!(?:{lexicon.alternation('not_a_place_name')})\b)"
SPOT = re.compile(
    r"\b(jl|jln)\b\.?\s*[a-z]\w{2,}"
    rf"|\bjalan\s+{_NOT_A_NAME}[a-z]\w{{2,}}\s+(raya|utara|selatan|barat|timur|no\b|nomor)"
    r"|\b(rt|rw)\s*\.?\s*\d{1,3}\b|\b(gg|gang)\b\.?\s+[a-z]\w{2,}|\bno\.?\s*\d{1,4}\b"
    r"|\b(pasar|terminal|stasiun|halte|bandara|pelabuhan|lanud|perum|perumahan|komplek|kompleks|masjid|"
    r"jembatan|alun-alun|bundaran|rsud|sdn|smpn|sman|smkn|sd negeri|smp negeri|sma negeri|smk negeri|"
    rf"sekolah dasar)\s+{_NOT_A_NAME}[a-z]\w{{2,}}",
    re.I,
)
# A threat to someone's life or safety, read from the text so urgency never hangs on the model.
THREAT = re.compile(rf"\b({lexicon.alternation('threat')})\b", re.I)
MIN_WORDS = 5
UNSPECIFIC_MAX_WORDS = 15
LONG_MESSAGE_WORDS = 60


def threatens_safety(text: str) -> bool:
    """Urgent: someone's life or safety is at stake (the reviewer sees it flagged first)."""
    return bool(THREAT.search(text))


def overrule(
    result: TriageResult,
    *,
    verdict: Verdict,
    reason: InvalidReason | None,
    rule: str,
    note: str,
    missing: list[MissingField] | None = None,
    reasons: list[Reason] | None = None,
) -> TriageResult:
    """A copy of the model's result with the system's verdict, marked for a reviewer.

    Every override is uncertain by construction (a word list disagreed with the model), so it never
    goes straight to the archive or to SP4N: it is capped at low confidence and names its rule.
    """
    update: dict[str, object] = {
        "verdict": verdict,
        "reason": reason,
        "missing_fields": missing or [],
        "needs_review": True,
        "confidence": min(result.confidence, 0.4),
        "rules": [*result.rules, rule],
        "notes": [*result.notes, note],
    }
    if reasons is not None:
        update["reasons"] = reasons
    return result.model_copy(update=update)


# informal writing splits the passive prefix from its verb: "di tutup", "di perbaiki", "di pungut"
_SPLIT_DI = re.compile(r"\b(di)\s+(?=[a-z]{3,})", re.I)


def complaint_markers(text: str) -> tuple[list[str], list[str]]:
    services = sorted({m.group(0).casefold() for m in PUBLIC_SERVICE.finditer(text)})
    joined = _SPLIT_DI.sub(r"\1", text)
    grievances = sorted(
        {m.group(0).casefold() for source in (text, joined) for m in GRIEVANCE.finditer(source)}
    )
    return services, grievances


def second_look(result: TriageResult, text: str, has_place: bool) -> TriageResult:
    """The result, or a copy with the rejection overturned and marked for review."""
    if result.verdict is not Verdict.invalid or result.decided_by != "model":
        return result
    services, grievances = complaint_markers(text)
    words = len(text.split())
    if not services or not grievances or words < MIN_WORDS:
        return result
    if result.reason is InvalidReason.out_of_scope and COURT.search(text):
        return result
    specific = (has_place or bool(NATIONAL.search(text)) or bool(SPOT.search(text))) and words >= 12
    verdict = Verdict.valid if specific else Verdict.needs_info
    missing = [] if specific else [MissingField.location if not has_place else MissingField.what_happened]
    note = (
        f"model said invalid/{result.reason.value if result.reason else '?'}; overturned for review: "
        f"public-service words {services[:5]} with grievance words {grievances[:5]}"
    )
    return overrule(
        result,
        verdict=verdict,
        reason=None,
        rule="second_look_overturned_rejection",
        note=note,
        missing=missing,
    )


def long_message_kept_open(result: TriageResult, text: str) -> TriageResult:
    """A message of 60+ words the model called chit-chat or a prank stays open, for a reviewer.

    People do not write paragraphs to say hello: on the dev set nine in ten such messages are
    complaints (59 valid, 7 needs_info, 6 invalid of 72). Spam and abuse keep their rejection.
    """
    if (
        result.verdict is not Verdict.invalid
        or result.decided_by != "model"
        or result.reason not in (InvalidReason.not_a_complaint, InvalidReason.prank)
        or len(text.split()) < LONG_MESSAGE_WORDS
    ):
        return result
    return overrule(
        result,
        verdict=Verdict.needs_info,
        reason=None,
        rule="long_message_kept_open",
        note=f"model said invalid/{result.reason.value}; a message of {len(text.split())} words is"
        " kept open for a reviewer",
        missing=[MissingField.what_happened],
    )


def needs_a_place(result: TriageResult, text: str, has_place: bool) -> TriageResult:
    """A complaint about a local problem with no place named cannot be routed: ask for it.

    Complaints about a national body (BPJS, PLN, a ministry) can be acted on without a place, and
    so can one that names a spot a person can find (a street, an RT/RW, a named school or halte)
    even when the official list has no such name.
    """
    if result.verdict is not Verdict.valid or has_place or NATIONAL.search(text) or SPOT.search(text):
        return result
    return result.model_copy(
        update={
            "verdict": Verdict.needs_info,
            "missing_fields": [MissingField.location],
            "rules": [*result.rules, "no_place_needs_info"],
            "notes": [*result.notes, "valid complaint without any place: asking the reporter where"],
        }
    )


def nothing_to_act_on(result: TriageResult, text: str, has_place: bool = False) -> TriageResult:
    """A very short message with no public-service word and no problem word, which the model did
    not reject: on the dev set nearly nine in ten such messages are chit-chat, questions, pranks or
    ads. It becomes an *uncertain* rejection: low confidence sends it to a reviewer, never straight
    to the archive, so a genuine complaint written in words the lists miss is still read by a person.
    A text that names a real place is left alone: people name places when they report something.
    """
    if result.verdict is Verdict.invalid or has_place or len(text.split()) > UNSPECIFIC_MAX_WORDS:
        return result
    services, grievances = complaint_markers(text)
    if services or grievances:
        return result
    return overrule(
        result,
        verdict=Verdict.invalid,
        reason=InvalidReason.not_a_complaint,
        rule="nothing_to_act_on",
        note=f"model said {result.verdict.value}; a short text naming no public service and no problem:"
        " an uncertain rejection, for a reviewer",
    )


def model_confidence(
    verdict: Verdict,
    reason: InvalidReason | None,
    text: str,
    n_attempts: int,
    has_place: bool,
    hint_disagrees: bool,
) -> float:
    """How far to trust the model's answer, from signals the system can see (not the model's say).

    Re-asks mean the model struggled; a rejection of a long text, of text naming a public service,
    or of text naming a real place is less likely to be right; a place hint the official list
    does not confirm means the model was guessing. Below the review threshold a rejection goes to
    a person instead of the archive.
    """
    score = 0.85 - 0.2 * max(0, n_attempts - 1)
    if verdict is Verdict.invalid and reason is not InvalidReason.spam:
        services, _ = complaint_markers(text)
        if len(text.split()) >= 40:
            score -= 0.2
        if services:
            score -= 0.15
        if has_place:
            score -= 0.15
    if hint_disagrees:
        score -= 0.1
    return round(max(0.0, min(1.0, score)), 3)
