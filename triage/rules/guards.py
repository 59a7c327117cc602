"""What makes a text read like a complaint, from its words: facts the decision weighs.

Public-service words and grievance words (`complaint_markers`), national bodies that need no
place, spots a person can find, court cases, threats to someone's safety. Each is computed once
per report into `judge.evidence.Evidence`; `judge.overrides` decides what they change. Every
override lists the words that triggered it, so a reviewer can see why.
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
# A place under its label, whether or not the lists can tell which one it is ("Desa Karanganyar" is
# a desa in dozens of regencies, "kec. Ngaliyan"): the sender says where. Not "desa saya", "kota
# ini" or "semua kota."
PLACE_LABEL = re.compile(
    r"\b((desa|kelurahan|kecamatan|kabupaten|kota|dusun|dukuh|kampung|nagari|gampong)\s+|(ds|kel|kec|kab)\b\.?\s*)"
    rf"{_NOT_A_NAME}(?!(saya|sy|aku|kalian|anda|setempat|lain|tetangga)\b)[a-z]\w{{2,}}",
    re.I,
)
# A threat to someone's life or safety, read from the text so urgency never hangs on the model.
THREAT = re.compile(rf"\b({lexicon.alternation('threat')})\b", re.I)
MIN_WORDS = 3
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
