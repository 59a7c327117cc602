"""Decided sample reports for the review page: tests, screenshots and demos without a model.

Written through the same Store calls the worker uses (add_message, assemble, save_decision), so
the page is exercised on exactly the rows production writes. Idempotent: seeding twice adds
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from triage.intake import assembler
from triage.schema import (
    LLMAttempt,
    Location,
    Outcome,
    PlaceRef,
    RawMessage,
    TriageResult,
)
from triage.sp4n.outbox import sp4n_record
from triage.store.database import Database
from triage.store.reports import Store

MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"
PROMPT_VERSION = "triage-v3"
PROMPT_HASH = "5e1f0c0ffee0d15ea5e0123456789abcdef0123456789abcdef0123456789ab"


@dataclass
class Sample:
    key: str
    sender: str
    texts: list[str]
    days_ago: int
    result: dict[str, object]
    outcome: Outcome
    attempts: list[tuple[str | None, str | None]] = field(default_factory=list)  # (raw output, error)


def _place(regency: str, rcode: str, province: str, pcode: str) -> Location:
    return Location(
        province=PlaceRef(name=province, code=pcode),
        regency=PlaceRef(name=regency, code=rcode),
        mention=regency,
        source="model",
    )


SAMPLES: list[Sample] = [
    Sample(
        key="jalan_rusak",
        sender="6281299990001",
        texts=[
            "tes tes",
            "Jalan rusak parah di Desa Cibatok Kecamatan Cibungbulang Kabupaten Bogor sudah 3 bulan "
            "tidak diperbaiki, banyak motor jatuh",
            "NIK saya 3201011234567890 hp 081234567890",
        ],
        days_ago=1,
        result={
            "verdict": "invalid",
            "reason": "prank",
            "reasons": [{"statement": "Pesan diawali uji coba", "evidence": "tes tes"}],
            "missing_fields": [],
            "confidence": 0.41,
        },
        outcome=Outcome.review,
        attempts=[
            (
                '{"verdict": "invalid", "reason": "prank", "reasons": [{"statement": "uji coba", '
                '"evidence": "test test"}], "missing_fields": [], "complaint": null}',
                'reasons.0.evidence: evidence "test test" does not occur in the message',
            ),
            (
                '{"verdict": "invalid", "reason": "prank", "reasons": [{"statement": '
                '"Pesan diawali uji coba", "evidence": "tes tes"}], "missing_fields": [], "complaint": null}',
                None,
            ),
        ],
    ),
    Sample(
        key="pinjol",
        sender="6281299990002",
        texts=["Dapatkan PINJAMAN ONLINE cepat cair tanpa jaminan!! klik pinjol-kilat.example"],
        days_ago=2,
        result={
            "verdict": "invalid",
            "reason": "spam",
            "reasons": [{"statement": "Iklan pinjaman", "evidence": "pinjaman online cepat cair"}],
            "missing_fields": [],
            "confidence": 0.55,
        },
        outcome=Outcome.review,
        attempts=[
            (
                '{"verdict": "invalid", "reason": "spam", "reasons": [{"statement": "Iklan pinjaman", '
                '"evidence": "pinjaman online cepat cair"}], "missing_fields": [], "complaint": null}',
                None,
            )
        ],
    ),
    Sample(
        key="kasar",
        sender="6281299990003",
        texts=["dasar pejabat <script>alert('x')</script> bodoh semua"],
        days_ago=3,
        result={
            "verdict": "invalid",
            "reason": "abusive",
            "reasons": [{"statement": "Hinaan tanpa pengaduan", "evidence": "pejabat <script>"}],
            "missing_fields": [],
            "confidence": 0.62,
        },
        outcome=Outcome.archived,
        attempts=[('{"verdict": "invalid", "reason": "abusive"}', None)],
    ),
    Sample(
        key="salam",
        sender="6281299990004",
        texts=["Assalamualaikum pak wapres, semoga sehat selalu"],
        days_ago=4,
        result={
            "verdict": "invalid",
            "reason": "not_a_complaint",
            "reasons": [{"statement": "Salam saja", "evidence": "Assalamualaikum pak wapres"}],
            "missing_fields": [],
            "confidence": 0.97,
            "decided_by": "prefilter",
            "rules": ["greeting_only"],
        },
        outcome=Outcome.archived,
    ),
    Sample(
        key="utang",
        sender="6281299990005",
        texts=["Tetangga saya utang 5 juta tidak mau bayar, tolong pak"],
        days_ago=5,
        result={
            "verdict": "invalid",
            "reason": "out_of_scope",
            "reasons": [{"statement": "Sengketa pribadi", "evidence": "utang 5 juta tidak mau bayar"}],
            "missing_fields": [],
            "confidence": 0.78,
        },
        outcome=Outcome.archived,
        attempts=[('{"verdict": "invalid", "reason": "out_of_scope"}', None)],
    ),
    Sample(
        key="pungli",
        sender="6281299990006",
        texts=["pungli di kantor desa pak, tolong ditindak"],
        days_ago=2,
        result={
            "verdict": "needs_info",
            "reason": None,
            "reasons": [{"statement": "Tidak menyebut desa mana", "evidence": "pungli di kantor desa"}],
            "missing_fields": ["location"],
            "confidence": 0.85,
            "complaint": {"title": "Pungutan liar di kantor desa", "summary": "pungli di kantor desa"},
        },
        outcome=Outcome.ask_reporter,
        attempts=[('{"verdict": "needs_info"}', None)],
    ),
    Sample(
        key="pkh",
        sender="6281299990007",
        texts=["Bantuan PKH ibu saya tidak cair sejak Januari", "di Kota Surabaya"],
        days_ago=1,
        result={
            "verdict": "valid",
            "reason": None,
            "reasons": [{"statement": "Bansos tidak cair", "evidence": "PKH ibu saya tidak cair"}],
            "missing_fields": [],
            "confidence": 0.5,
            "complaint": {
                "title": "Bantuan PKH tidak cair",
                "summary": "Bantuan PKH tidak cair sejak Januari di Kota Surabaya",
                "category": "SOSIAL DAN KESEJAHTERAAN",
                "location": _place("Kota Surabaya", "35.78", "Jawa Timur", "35").model_dump(),
                "agency": "Dinas Sosial Kota Surabaya",
                "agency_level": "kabupaten-kota",
            },
        },
        outcome=Outcome.review,
        attempts=[('{"verdict": "valid"}', None)],
    ),
    Sample(
        key="lampu",
        sender="6281299990008",
        texts=["Lampu jalan di Jl. Merdeka Kota Bandung mati sudah dua minggu, rawan begal"],
        days_ago=0,
        result={
            "verdict": "valid",
            "reason": None,
            "reasons": [{"statement": "Lampu jalan mati", "evidence": "Lampu jalan di Jl. Merdeka"}],
            "missing_fields": [],
            "confidence": 0.85,
            "complaint": {
                "title": "Lampu jalan mati",
                "summary": "Lampu jalan di Jl. Merdeka mati dua minggu",
                "category": "PEKERJAAN UMUM DAN PENATAAN RUANG",
                "location": _place("Kota Bandung", "32.73", "Jawa Barat", "32").model_dump(),
                "urgent": True,
            },
        },
        outcome=Outcome.awaiting_gate,
        attempts=[('{"verdict": "valid"}', None)],
    ),
    Sample(
        key="sekolah",
        sender="6281299990009",
        texts=["Atap SDN 2 Bulakamba Kabupaten Brebes roboh, murid belajar di teras"],
        days_ago=3,
        result={
            "verdict": "valid",
            "reason": None,
            "reasons": [{"statement": "Sekolah rusak", "evidence": "Atap SDN 2 Bulakamba"}],
            "missing_fields": [],
            "confidence": 0.85,
            "complaint": {
                "title": "Atap sekolah roboh",
                "summary": "Atap SDN 2 Bulakamba roboh",
                "category": "PENDIDIKAN DAN KEBUDAYAAN",
                "location": _place("Kabupaten Brebes", "33.29", "Jawa Tengah", "33").model_dump(),
            },
        },
        outcome=Outcome.sp4n,
        attempts=[('{"verdict": "valid"}', None)],
    ),
]


def seed(db: Database, now: datetime | None = None) -> dict[str, str]:
    """Write the samples; returns sample key -> report id."""
    now = now or datetime.now(UTC)
    store = Store(db)
    ids: dict[str, str] = {}
    for s in SAMPLES:
        start = now - timedelta(days=s.days_ago, hours=1)
        for i, text in enumerate(s.texts):
            store.add_message(
                RawMessage(
                    message_id=f"sample-{s.key}-{i}",
                    sender=s.sender,
                    timestamp=start + timedelta(seconds=20 * i),
                    text=text,
                )
            )
    assembler.assemble(store, timedelta(minutes=2), now=None)
    for s in SAMPLES:
        rid = db.execute(
            "SELECT report_id FROM messages WHERE message_id = ?", [f"sample-{s.key}-0"]
        ).fetchone()[0]
        ids[s.key] = rid
        if store.has_result(rid):
            continue
        result = TriageResult.model_validate(s.result)
        attempts = [
            LLMAttempt(
                report_id=rid,
                attempt=i + 1,
                model=MODEL,
                prompt_hash=PROMPT_HASH,
                response_raw=raw,
                error=err,
                prompt_tokens=740 + 60 * i,
                completion_tokens=58,
                latency_ms=3900.0 + 250 * i,
            )
            for i, (raw, err) in enumerate(s.attempts)
        ]
        outbox = sp4n_record(store.report(rid), result) if s.outcome is Outcome.sp4n else None
        store.save_decision(
            rid,
            result,
            s.outcome,
            attempts,
            model=MODEL if s.attempts else "prefilter",
            prompt_version=PROMPT_VERSION,
            prompt_hash=PROMPT_HASH,
            latency_ms=sum(a.latency_ms for a in attempts),
            outbox=outbox,
        )
        created = (now - timedelta(days=s.days_ago)).isoformat(timespec="milliseconds")
        with db.atomic():
            db.execute("UPDATE results SET created_at = ? WHERE report_id = ?", [created, rid])
    return ids


def seed_rejections(db: Database, n: int, now: datetime | None = None) -> list[str]:
    """`n` more rejected adverts (spam, prefilter-decided), for a desk to clear: the keyboard test
    and the review-speed benchmark work through them. Returns their report ids, oldest first."""
    now = now or datetime.now(UTC)
    store = Store(db)
    for i in range(n):
        store.add_message(
            RawMessage(
                message_id=f"bulk-spam-{i}",
                sender=f"6281990{i:06d}",
                timestamp=now - timedelta(hours=2, minutes=i),
                text=f"PROMO pinjaman cair {i} juta tanpa agunan, hubungi admin sekarang",
            )
        )
    assembler.assemble(store, timedelta(minutes=2), now=None)
    ids = []
    for i in range(n):
        rid = db.execute(
            "SELECT report_id FROM messages WHERE message_id = ?", [f"bulk-spam-{i}"]
        ).fetchone()[0]
        ids.append(rid)
        if store.has_result(rid):
            continue
        result = TriageResult.model_validate(
            {
                "verdict": "invalid",
                "reason": "spam",
                "confidence": 0.5,
                "decided_by": "prefilter",
                "reasons": [{"statement": "Iklan pinjaman", "evidence": "PROMO pinjaman"}],
                "missing_fields": [],
                "complaint": None,
            }
        )
        store.save_decision(
            rid,
            result,
            Outcome.archived,
            [],
            model="prefilter",
            prompt_version=PROMPT_VERSION,
            prompt_hash=PROMPT_HASH,
            latency_ms=1.0,
        )
    return ids
