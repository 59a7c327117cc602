"""Every data shape the system passes around, in one place.

The model-facing shapes (`ModelJudgement`, `ComplaintDraft`) are kept small because each output
token costs ~30 ms on the embedded CPU model; the stored shapes (`TriageResult`, `Complaint`) add
what the system derives itself (codes, routing, confidence). Validators that need the citizen's
text read it from the pydantic validation context (`{"text": report_text}`), which is how
instructor re-asks the model with the error when a quote is not in the message.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from triage import reference

SCHEMA_VERSION = "1"


def utcnow() -> datetime:
    return datetime.now(UTC)


class Verdict(StrEnum):
    valid = "valid"
    needs_info = "needs_info"
    invalid = "invalid"


class InvalidReason(StrEnum):
    prank = "prank"
    spam = "spam"
    abusive = "abusive"
    not_a_complaint = "not_a_complaint"
    out_of_scope = "out_of_scope"


class MissingField(StrEnum):
    location = "location"
    what_happened = "what_happened"
    institution = "institution"
    date = "date"


class MessageType(StrEnum):
    text = "text"
    image = "image"
    document = "document"
    audio = "audio"
    video = "video"
    location = "location"
    interactive = "interactive"
    button = "button"
    sticker = "sticker"
    other = "other"


# ---------------------------------------------------------------- intake


class GeoPoint(BaseModel):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    name: str | None = None
    address: str | None = None


MAX_MESSAGE_CHARS = 8000


class RawMessage(BaseModel):
    """One message as received from any channel (WhatsApp, JSONL file, stdin)."""

    model_config = ConfigDict(extra="ignore")

    message_id: str = Field(min_length=1, max_length=200)
    sender: str = Field(min_length=1, max_length=200)
    timestamp: datetime = Field(default_factory=utcnow)
    type: MessageType = MessageType.text
    text: str = Field(default="", max_length=MAX_MESSAGE_CHARS)
    media_id: str | None = None
    caption: str | None = None
    location: GeoPoint | None = None

    @field_validator("text", "caption")
    @classmethod
    def _no_control_chars(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if "\x00" in value:
            raise ValueError("text contains NUL bytes (binary data is not a message)")
        return value

    @property
    def content(self) -> str:
        """What the message says, for triage: its text, a media caption, or a shared place."""
        parts = [self.text.strip()]
        if self.caption:
            parts.append(self.caption.strip())
        if self.location is not None:
            loc = ", ".join(p for p in (self.location.name, self.location.address) if p)
            parts.append(f"[lokasi dibagikan: {loc or 'titik peta'}]")
        if self.type not in (MessageType.text, MessageType.location) and not self.caption:
            parts.append(f"[{self.type.value}]")
        return "\n".join(p for p in parts if p)


class Report(BaseModel):
    """A sender's consecutive messages, judged together ("P" then "Assalamualaikum" then the complaint)."""

    report_id: str
    sender: str
    messages: list[RawMessage] = Field(min_length=1)

    @property
    def text(self) -> str:
        return "\n".join(m.content for m in self.messages if m.content)

    @property
    def media_ids(self) -> list[str]:
        return [m.media_id for m in self.messages if m.media_id]


# ---------------------------------------------------------------- validated name types


def _suggest(value: str, choices: tuple[str, ...] | list[str]) -> str:
    from rapidfuzz import process

    best = process.extract(value, list(choices), limit=3)
    return ", ".join(f'"{name}"' for name, _, _ in best)


def _check_category(value: str) -> str:
    names = reference.category_names()
    if value in names:
        return value
    upper = value.strip().upper()
    if upper in names:
        return upper
    raise ValueError(
        f'"{value}" is not an SP4N-LAPOR! main category; use one of the exact names, e.g. '
        + _suggest(value, names)
    )


Category = Annotated[
    str,
    AfterValidator(_check_category),
    WithJsonSchema({"type": "string", "enum": list(reference.category_names())}),
]
# ---------------------------------------------------------------- evidence


def fold_for_quote(text: str) -> str:
    """Quotes are compared ignoring case and spacing only: anything more would accept paraphrase."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip().casefold()


def _strip_quote_marks(text: str) -> str:
    return text.strip().strip("\"'“”‘’").strip()


_TOKEN = re.compile(r"\S+")


def _word(token: str) -> str:
    return token.strip(".,!?;:\"'()[]“”‘’").casefold()


def snap_quote(quote: str, text: str, min_words: int = 2, min_share: float = 0.5) -> str | None:
    """The longest run of the quote's words that occurs verbatim in the text, as the text has it.

    A small model often quotes "rusak banget di desa" where the message says "rusak banget, nek
    udan": the verbatim core of what it cited is kept (from the message itself, so the quote
    check holds) instead of paying for a full re-ask. Too little in common -> None (re-ask).
    """
    q = [_word(t) for t in quote.split()]
    spans = [(m.start(), m.end(), _word(m.group(0))) for m in _TOKEN.finditer(text)]
    best, best_end = 0, 0
    prev = [0] * (len(q) + 1)
    for i, (_, _, w) in enumerate(spans, start=1):
        cur = [0] * (len(q) + 1)
        for j, qw in enumerate(q, start=1):
            if w and w == qw:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best, best_end = cur[j], i
        prev = cur
    if best >= min_words and best >= min_share * len(q):
        first, last = best_end - best, best_end - 1
    else:
        window = _in_order_window(q, [w for _, _, w in spans])
        if window is None:
            return None
        first, last = window
    return text[spans[first][0] : spans[last][1]].strip(".,!?;:\"'()[]“”‘’ ")


def _in_order_window(
    q: list[str], words: list[str], extra: int = 3, min_share: float = 0.8
) -> tuple[int, int] | None:
    """The shortest stretch of the text holding most of the quote's words in the quote's order.

    The model drops or abbreviates a word while quoting: "gaji 275rb" for "gaji saya 275rb",
    "terlihat kumuh" for "TERLIHAT SANGAT KUMUH". The stretch (at most `extra` words longer than
    the quote, starting and ending on a quoted word) is what the message says, so it is stored as
    the evidence; a quote whose words are scattered further apart is not snapped (re-ask).
    """
    need = max(2, math.ceil(min_share * len(q)))
    best: tuple[int, int, int] | None = None  # (-matched, length, start)
    for start, word in enumerate(words):
        if word not in q[:2]:
            continue
        qi, matched, last = q.index(word) + 1, 1, start
        # the stretch ends within len(q) + extra words of its start
        for i in range(start + 1, min(len(words), start + len(q) + extra)):
            if words[i] in q[qi:]:
                qi = q.index(words[i], qi) + 1
                matched, last = matched + 1, i
        key = (-matched, last - start, start)
        if matched >= need and (best is None or key < best):
            best = key
    return None if best is None else (best[2], best[2] + best[1])


# Answer fields that must be a verbatim stretch of the message: the embedded server keeps them so
# while the model writes them (triage.model_server.QuoteGuard), the validator below checks them.
QUOTE_FIELDS = frozenset({"evidence"})


class Reason(BaseModel):
    """A short statement with a verbatim quote from the message as its evidence."""

    statement: str = Field(min_length=1, max_length=160)
    evidence: str = Field(min_length=1, max_length=160, description="verbatim quote from the message")

    @field_validator("evidence")
    @classmethod
    def _quote_is_in_message(cls, value: str, info: ValidationInfo) -> str:
        value = _strip_quote_marks(value).rstrip(".… ").lstrip(".… ")
        context = info.context or {}
        text = context.get("text")
        if text is None:
            return value
        if value and fold_for_quote(value) not in fold_for_quote(text):
            value = snap_quote(value, text) or value
        if not value or fold_for_quote(value) not in fold_for_quote(text):
            raise ValueError(
                f'evidence "{value[:80]}" does not occur in the message; copy a phrase from the '
                "message exactly as written"
            )
        return value


# ---------------------------------------------------------------- model output


class ComplaintDraft(BaseModel):
    """What the model extracts about a complaint: kept short, since every token costs ~60 ms.

    The model only hints at the kabupaten/kota; the system resolves places from the text against
    the official list (`triage.places`), so the province, codes and agency are never the model's.
    """

    title: str = Field(max_length=90, description="short neutral title in Indonesian")
    category: Category | None
    regency: str | None = Field(
        max_length=60, description="kabupaten/kota (or town) named in the message, else null"
    )
    urgent: bool = Field(description="threat to life or safety")


class Judgement(BaseModel):
    """The verdict and its reasons; shared by the model's answer and the stored result."""

    # Reasons come first: the model writes its evidence, then the verdict conditioned on it.
    reasons: list[Reason] = Field(min_length=1, max_length=3)
    verdict: Verdict
    reason: InvalidReason | None = Field(description="only when verdict is invalid")
    missing_fields: list[MissingField] = Field(
        max_length=4, description="what must be asked for when verdict is needs_info"
    )

    @model_validator(mode="after")
    def _verdict_consistent(self) -> Judgement:
        if self.verdict is Verdict.invalid and self.reason is None:
            raise ValueError("an invalid verdict needs a reason (prank, spam, abusive, ...)")
        if self.verdict is not Verdict.invalid and self.reason is not None:
            raise ValueError(f"reason must be null when verdict is {self.verdict.value}")
        if self.verdict is Verdict.needs_info and not self.missing_fields:
            raise ValueError("needs_info must name at least one missing field")
        return self


class ModelJudgement(Judgement):
    """The response model given to instructor: its JSON schema becomes the decoding grammar."""

    complaint: ComplaintDraft | None = Field(description="null unless verdict is valid or needs_info")

    @model_validator(mode="after")
    def _complaint_when_plausible(self) -> ModelJudgement:
        if self.verdict is not Verdict.invalid and self.complaint is None:
            raise ValueError("a valid or needs_info verdict needs the complaint filled in")
        return self


# ---------------------------------------------------------------- stored result


class PlaceRef(BaseModel):
    name: str
    code: str


class Location(BaseModel):
    """Where it happened, in official Kemendagri names and codes, consistent from top to bottom.

    Built by the system, never copied from the model: an invented or inconsistent place fails here.
    """

    province: PlaceRef | None = None
    regency: PlaceRef | None = None
    district: PlaceRef | None = None
    village: PlaceRef | None = None
    mention: str | None = None
    # "addressee": only the governor the message is addressed to gave the province (no place named)
    source: Literal["resolver", "model", "model+resolver", "addressee", "none"] = "none"

    @model_validator(mode="after")
    def _official_and_consistent(self) -> Location:
        by_code = reference.regions().by_code
        chain = [("province", self.province), ("regency", self.regency)]
        chain += [("district", self.district), ("village", self.village)]
        parent: PlaceRef | None = None
        for level, ref in chain:
            if ref is None:
                continue
            official = by_code.get(ref.code)
            if official is None or official.name != ref.name:
                raise ValueError(f'{level} "{ref.name}" ({ref.code}) is not an official Kemendagri region')
            if parent is not None and not ref.code.startswith(parent.code + "."):
                raise ValueError(f'{level} "{ref.name}" does not lie in "{parent.name}"')
            parent = ref
        return self


class Reporter(BaseModel):
    """Identity a citizen gave; only masked forms are stored in clear."""

    name_masked: str | None = None
    nik_masked: str | None = None
    nik_valid: bool | None = None
    nik_region: str | None = None
    phone_masked: str | None = None


AgencyLevel = Literal["pusat", "provinsi", "kabupaten-kota", "desa"]


class Complaint(BaseModel):
    title: str
    summary: str
    category: str | None = None
    subtopic: str | None = None
    location: Location = Field(default_factory=Location)
    incident_date: str | None = None
    agency: str | None = None
    agency_level: AgencyLevel | None = None
    urgent: bool = False
    anonymous: bool = False
    reporter: Reporter = Field(default_factory=Reporter)


DecidedBy = Literal["prefilter", "model", "reviewer", "error"]


class TriageResult(Judgement):
    """The system's decision on one report: everything a reviewer or SP4N needs, replayable."""

    complaint: Complaint | None = None
    # Where a *rejected* text places itself (a complaint carries its own `complaint.location`):
    # a reviewer who overturns the rejection routes it from here.
    location: Location | None = None
    confidence: float = Field(ge=0, le=1)
    decided_by: DecidedBy = "model"
    rules: list[str] = Field(default_factory=list, description="prefilter rules that fired")
    needs_review: bool = False
    notes: list[str] = Field(default_factory=list)


class Outcome(StrEnum):
    """Where a report ended up; exactly one per report."""

    sp4n = "sp4n"
    awaiting_gate = "awaiting_gate"
    ask_reporter = "ask_reporter"
    archived = "archived"
    review = "review"
    error = "error"


class LLMAttempt(BaseModel):
    report_id: str
    attempt: int
    model: str
    prompt_hash: str
    request: dict[str, Any] | None = None
    response_raw: str | None = None
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    created_at: datetime = Field(default_factory=utcnow)


# ---------------------------------------------------------------- eval contract


class ExpectedLabels(BaseModel):
    model_config = ConfigDict(extra="ignore")

    verdict: Verdict
    reason: InvalidReason | None = None
    category: str | None = None
    province: str | None = None
    regency: str | None = None

    @model_validator(mode="after")
    def _reason_iff_invalid(self) -> ExpectedLabels:
        if (self.verdict is Verdict.invalid) != (self.reason is not None):
            raise ValueError("expected.reason must be set exactly when expected.verdict is invalid")
        return self


class EvalCase(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    text: str
    expected: ExpectedLabels
    notes: str | None = None
    source: str | None = None


# ---------------------------------------------------------------- SP4N-LAPOR! hand-off

SP4N_RECORD_VERSION: Literal["1"] = "1"


class Sp4nTempat(BaseModel):
    """One administrative level: the official Kemendagri name and code, so the OPD can route it."""

    nama: str
    kode: str


class Sp4nLokasi(BaseModel):
    provinsi: Sp4nTempat | None
    kabupaten_kota: Sp4nTempat | None
    kecamatan: Sp4nTempat | None
    desa: Sp4nTempat | None
    sebutan: str | None = Field(description="the place as the citizen wrote it")
    koordinat: GeoPoint | None = Field(description="a map point the citizen shared")


class Sp4nPelapor(BaseModel):
    """The reporter's contact, masked as stored; replies reach the citizen through us."""

    nama: str | None
    telepon: str | None
    nik: str | None


class Sp4nAlasan(BaseModel):
    pernyataan: str
    kutipan: str = Field(description="verbatim quote from the citizen's message")


class Sp4nTriase(BaseModel):
    """Why we judged the report valid, so the LAPOR! admin can verify quickly."""

    verdict: Verdict
    confidence: float = Field(ge=0, le=1)
    alasan: list[Sp4nAlasan]
    prompt_version: str | None
    model: str | None
    decided_by: DecidedBy


class Sp4nRecord(BaseModel):
    """A valid report shaped like a LAPOR! submission (field names follow LAPOR!'s form).

    `id_laporan_asal` (our report id) is also the idempotency key of every delivery request.
    """

    model_config = ConfigDict(extra="forbid", title="Sp4nRecord")

    versi: Literal["1"] = SP4N_RECORD_VERSION
    id_laporan_asal: str = Field(min_length=1, max_length=200)
    judul: str = Field(min_length=1, max_length=200)
    isi: str = Field(min_length=1, description="the citizen's own words; identifiers masked if anonim")
    tanggal_kejadian: str | None
    diterima_pada: datetime = Field(description="when the first message arrived")
    lokasi: Sp4nLokasi
    kategori: str | None
    sub_kategori: str | None
    instansi_tujuan: str | None
    tingkat_instansi: AgencyLevel | None
    lampiran: list[str] = Field(description="WhatsApp media ids of photos and documents")
    anonim: bool = Field(description="identity hidden from the agency")
    rahasia: bool = Field(description="report not published")
    mendesak: bool = Field(description="threat to life or safety")
    pelapor: Sp4nPelapor | None = Field(description="null when anonim")
    triase: Sp4nTriase


# ---------------------------------------------------------------- identity (triage.identity)

from datetime import date  # noqa: E402 - kept with the shape that needs it, appended by triage.identity


class NikInfo(BaseModel):
    """What a NIK says about its holder, checked against the Kemendagri codes; never the clear number."""

    valid: bool
    masked: str = Field(description="first 6 and last 2 digits kept: 337401********03")
    province_code: str | None = None
    province: str | None = None
    regency_code: str | None = None
    regency: str | None = None
    district_code: str | None = None
    district: str | None = None
    birth_date: date | None = None
    sex: Literal["L", "P"] | None = Field(default=None, description="L laki-laki, P perempuan (day + 40)")
    errors: list[str] = Field(default_factory=list)
