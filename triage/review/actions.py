"""What a reviewer can do to a decision: confirm it, overturn it, or (admin) reveal an identity.

Each action is one IMMEDIATE transaction: the results row, the report's outcome, the audit row
and (when the verdict ends up valid) the SP4N outbox row commit together or not at all. The
outbox's unique (report_id, destination) index makes the hand-off exactly once however often a
report is confirmed or overturned. The gate is never touched: a person's decision on one report
does not open the gate for the model.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import phonenumbers

from triage import reference
from triage.config import Settings, get_settings
from triage.identity import NIK, mask_text
from triage.judge import decision, evidence
from triage.review import claims, second_review
from triage.review.auth import User
from triage.review.errors import ActionError
from triage.rules import routing
from triage.schema import (
    Complaint,
    InvalidReason,
    Location,
    MissingField,
    Outcome,
    PlaceRef,
    Reason,
    TriageResult,
    Verdict,
)
from triage.sp4n.outbox import sp4n_record
from triage.store.database import Database, dumps, now_iso, writing
from triage.store.reports import Store

log = logging.getLogger(__name__)

OUTCOME_FOR = {Verdict.valid: Outcome.sp4n, Verdict.needs_info: Outcome.ask_reporter}


@dataclass(frozen=True)
class Overturn:
    verdict: Verdict
    note: str
    reason: InvalidReason | None = None
    missing: tuple[MissingField, ...] = ()
    category: str | None = None
    regency: str | None = None


@contextmanager
def immediate(db: Database) -> Iterator[None]:
    """Take the write lock before reading, so the check and the write agree (the result row is
    read `FOR UPDATE` on PostgreSQL, see `_load`)."""
    if db.in_transaction:
        db.execute("COMMIT")
    with writing(db):
        yield


def _outcome(verdict: Verdict) -> Outcome:
    return OUTCOME_FOR.get(verdict, Outcome.archived)


def _load(db: Database, report_id: str, version: int | None) -> tuple[dict[str, Any], int]:
    lock = " FOR UPDATE" if db.is_postgres else ""  # two reviewers of one report take turns
    rows = list(db.query("SELECT * FROM results WHERE report_id = ?" + lock, [report_id]))
    if not rows:
        raise ActionError("Laporan tidak ditemukan.", 404)
    done = db.execute(
        "SELECT COUNT(*) FROM audit_log WHERE report_id = ? AND action IN ('confirm', 'overturn')",
        [report_id],
    ).fetchone()[0]
    if version is not None and version != done:
        raise ActionError(
            "Laporan ini baru saja ditinjau orang lain. Muat ulang halaman lalu periksa lagi.", 409
        )
    return rows[0], done


def _write(
    db: Database,
    report_id: str,
    before_row: dict[str, Any],
    after: TriageResult,
    outcome: Outcome,
    user: User,
    action: str,
    note: str,
) -> None:
    claims.guard(db, report_id, user)  # inside the transaction: a claim taken meanwhile counts
    before = TriageResult.model_validate_json(before_row["result"])
    first = not db.execute(
        "SELECT 1 FROM audit_log WHERE report_id = ? AND action IN ('confirm', 'overturn')", [report_id]
    ).fetchone()
    if first:  # the system's decision meets its first reviewer: perhaps a second, blind, later
        second_review.on_first_decision(
            db,
            report_id,
            user,
            second_review.label(before.verdict.value, before.reason.value if before.reason else None),
            second_review.label(after.verdict.value, after.reason.value if after.reason else None),
            get_settings().review_second_share,
        )
    c = after.complaint
    loc = c.location if c else None
    db.execute(
        "UPDATE results SET verdict = ?, reason = ?, category = ?, province = ?, regency = ?, "
        "confidence = ?, decided_by = ?, outcome = ?, result = ? WHERE report_id = ?",
        [
            after.verdict.value,
            after.reason.value if after.reason else None,
            c.category if c else None,
            loc.province.name if loc and loc.province else None,
            loc.regency.name if loc and loc.regency else None,
            after.confidence,
            after.decided_by,
            outcome.value,
            after.model_dump_json(),
            report_id,
        ],
    )
    db.execute(
        "UPDATE reports SET outcome = ?, updated_at = ? WHERE report_id = ?",
        [outcome.value, now_iso(), report_id],
    )
    if after.verdict is Verdict.valid:
        store = Store(db)
        record = sp4n_record(
            store.report(report_id),
            after,
            model=before_row["model"],
            prompt_version=before_row["prompt_version"],
        )
        store.enqueue_outbox(report_id, record, "sp4n")
    db.execute(
        "INSERT INTO audit_log (report_id, actor, role, action, from_verdict, from_reason, from_outcome, "
        "to_verdict, to_reason, to_outcome, note, detail, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            report_id,
            user.username,
            user.role,
            action,
            before.verdict.value,
            before.reason.value if before.reason else None,
            before_row["outcome"],
            after.verdict.value,
            after.reason.value if after.reason else None,
            outcome.value,
            note,
            dumps(
                {
                    "result_before": before.model_dump(mode="json"),
                    "decided_by_before": before.decided_by,
                    "routing_changed": _routing_changes(before.complaint, after.complaint),
                }
            ),
            now_iso(),
        ],
    )
    claims.release(db, report_id)  # decided: nobody needs to hold it any more


def _routing_changes(before: Complaint | None, after: Complaint | None) -> dict[str, list[str | None]]:
    """What SP4N will be told differently: category, place and agency, as [before, after]."""

    def fields(c: Complaint | None) -> dict[str, str | None]:
        regency = c.location.regency.name if c and c.location.regency else None
        return {
            "category": c.category if c else None,
            "regency": regency,
            "agency": c.agency if c else None,
        }

    old, new = fields(before), fields(after)
    return {k: [old[k], new[k]] for k in old if old[k] != new[k]}


def confirm(db: Database, report_id: str, user: User, note: str = "", version: int | None = None) -> Outcome:
    """The decision stands; a confirmed result leaves the review queue and goes where it belongs."""
    with immediate(db):
        row, _ = _load(db, report_id, version)
        result = TriageResult.model_validate_json(row["result"])
        after = result.model_copy(
            update={
                "needs_review": False,
                "notes": [*result.notes, f"dikonfirmasi oleh {user.username}"],
            }
        )
        outcome = _outcome(after.verdict)
        _write(db, report_id, row, after, outcome, user, "confirm", note.strip()[:2000])
    return outcome


BULK_MAX = 100


def confirm_many(db: Database, items: list[tuple[str, int]], user: User, note: str = "") -> list[str]:
    """Confirm several rejections of one reason in one action, each with its own audit row.

    All are checked first (each still a rejection, all of one reason, none reviewed by someone
    else since the list was shown), so a refusal leaves every one of them as it was.
    """
    if not items:
        raise ActionError("Pilih laporan yang akan dikonfirmasi.")
    if len(items) > BULK_MAX:
        raise ActionError(f"Paling banyak {BULK_MAX} laporan sekaligus.")
    reasons = set()
    for report_id, version in items:
        row, _ = _load(db, report_id, version)
        claims.guard(db, report_id, user)
        result = TriageResult.model_validate_json(row["result"])
        if result.verdict is not Verdict.invalid:
            raise ActionError(f"Laporan {report_id} bukan penolakan; konfirmasi massal hanya untuk itu.")
        reasons.add(result.reason)
    if len(reasons) > 1:
        raise ActionError("Konfirmasi massal hanya untuk penolakan beralasan sama; saring per alasan.")
    for report_id, version in items:
        confirm(db, report_id, user, note, version)
    return [report_id for report_id, _ in items]


def _title(text: str, limit: int = 90) -> str:
    """The longest message line: "P", "tes" and greetings come first but say the least."""
    line = max((ln.strip() for ln in text.splitlines()), key=len, default="") or "Laporan warga"
    return line if len(line) <= limit else line[: limit - 1].rsplit(" ", 1)[0] + "…"


def proposed_complaint(before: TriageResult, text: str) -> Complaint:
    """What a decision would attach to this text: places, category (keywords, then the learned
    signal), agency and level, anonymity, the reporter. A rejection carries no complaint, and an
    overturn that started from nothing sent SP4N a record with no category and no agency."""
    e = evidence.gather(text)
    if before.location is not None and before.location.province is not None:
        e = dataclasses.replace(e, location=before.location)  # the place the reviewer was shown
    accepted = TriageResult(
        verdict=Verdict.valid,
        reason=None,
        reasons=[Reason(statement="Keputusan peninjau", evidence="-")],
        missing_fields=[],
        confidence=1.0,
    )
    complaint = decision.with_complaint(accepted, None, e, text).complaint
    assert complaint is not None  # a non-rejection always gets one
    return complaint.model_copy(update={"title": mask_text(_title(text))})


def _complaint(before: TriageResult, text: str, change: Overturn) -> Complaint | None:
    if change.verdict is Verdict.invalid:
        return None
    c = before.complaint or proposed_complaint(before, text)
    update: dict[str, Any] = {}
    if change.category:
        if change.category not in reference.category_names():
            raise ActionError(f'Kategori "{change.category}" tidak ada di daftar SP4N-LAPOR!.')
        update["category"] = change.category
    if change.regency:
        found = reference.regency_candidates(change.regency)
        if len(found) != 1:
            hint = ", ".join(found) if found else "tidak ada yang cocok"
            raise ActionError(f'Kabupaten/kota "{change.regency}" tidak jelas ({hint}); tulis nama resmi.')
        r = reference.regions().regencies[found[0]]
        p = reference.regions().provinces[r.province]
        update["location"] = Location(
            province=PlaceRef(name=p.name, code=p.code),
            regency=PlaceRef(name=r.name, code=r.code),
            mention=change.regency,
            source="resolver",
        )
    if update:  # a corrected category or place goes to the agency that category and place name
        moved = c.model_copy(update=update)
        update["agency"], update["agency_level"] = routing.route(moved.category, moved.location, text)
    return c.model_copy(update=update)


def _without_unchanged_fields(change: Overturn, complaint: Complaint | None) -> Overturn:
    """The form comes prefilled with the current category and place: sent back as they were,
    they are no correction (and an overturn that changes nothing else is refused as such)."""
    if complaint is None:
        return change
    regency = complaint.location.regency.name if complaint.location.regency else None
    return dataclasses.replace(
        change,
        category=None if change.category == complaint.category else change.category,
        regency=None if change.regency == regency else change.regency,
    )


def overturn(
    db: Database, report_id: str, user: User, change: Overturn, version: int | None = None
) -> Outcome:
    """Replace the verdict with the reviewer's; an overturn to valid is handed to SP4N at once."""
    note = change.note.strip()
    if not note:
        raise ActionError("Catatan wajib diisi saat membatalkan keputusan.")
    if change.verdict is Verdict.invalid and change.reason is None:
        raise ActionError("Pilih alasan penolakan.")
    if change.verdict is Verdict.needs_info and not change.missing:
        raise ActionError("Pilih data yang masih kurang (lokasi, kejadian, instansi, tanggal).")
    with immediate(db):
        row, _ = _load(db, report_id, version)
        before = TriageResult.model_validate_json(row["result"])
        change = _without_unchanged_fields(change, before.complaint)
        if (
            change.verdict is before.verdict
            and change.reason is before.reason
            and not (change.category or change.regency)
        ):
            raise ActionError("Keputusan baru sama dengan yang lama; gunakan Konfirmasi.")
        text = Store(db).report(report_id).text
        after = TriageResult(
            verdict=change.verdict,
            reason=change.reason if change.verdict is Verdict.invalid else None,
            reasons=[Reason(statement=f"Keputusan peninjau: {note}"[:160], evidence="-")],
            missing_fields=list(change.missing) if change.verdict is Verdict.needs_info else [],
            complaint=_complaint(before, text, change),
            confidence=1.0,
            decided_by="reviewer",
            rules=before.rules,
            needs_review=False,
            notes=[
                *before.notes,
                f"dibatalkan oleh {user.username}: {before.verdict.value}"
                f"{'/' + before.reason.value if before.reason else ''} -> {change.verdict.value}",
            ],
        )
        outcome = _outcome(after.verdict)
        _write(db, report_id, row, after, outcome, user, "overturn", note[:2000])
    return outcome


def tell_citizen(db: Database, settings: Settings, report_id: str) -> bool:
    """Queue the verdict reply a report waiting for a person never got (once per report).

    Runs after the action's transaction (the reply outbox commits on its own); a report that
    already had its reply is left alone by the outbox's unique (report, kind) row.
    """
    from triage.intake import whatsapp

    try:
        return whatsapp.queue_verdict_reply(db, settings, report_id)
    except Exception:  # noqa: BLE001 - the decision stands even if the reply cannot be queued
        log.exception("could not queue the verdict reply for %s", report_id)
        return False


# ------------------------------------------------------------------ reveal


_PHONE_START = re.compile(r"[+(0]|62")


def identities(text: str) -> dict[str, list[str]]:
    """The NIKs and phone numbers written in the citizen's messages, in clear.

    Found the way `identity.mask_text` finds them (its NIK pattern; phonenumbers' matcher for
    numbers written with +, 0 or 62), so what is revealed is what the page had masked.
    """
    phones = [
        m.raw_string
        for m in phonenumbers.PhoneNumberMatcher(text, "ID")
        if _PHONE_START.match(m.raw_string) and sum(ch.isdigit() for ch in m.raw_string) >= 8
    ]
    return {
        "nik": list(dict.fromkeys(m.group(0) for m in NIK.finditer(text))),
        "phone": list(dict.fromkeys(phones)),
    }


def reveal(db: Database, report_id: str, user: User, kind: str, why: str) -> list[str]:
    """Admin only: the clear values of one kind, with an audit row (which names only masked forms)."""
    if kind not in ("nik", "phone"):
        raise ActionError("Jenis data tidak dikenal.")
    if not db.execute("SELECT 1 FROM reports WHERE report_id = ?", [report_id]).fetchone():
        raise ActionError("Laporan tidak ditemukan.", 404)
    allowed = user.is_admin
    values: list[str] = []
    if allowed:
        report = Store(db).report(report_id)
        values = identities(report.text)[kind]
        if kind == "phone" and sum(ch.isdigit() for ch in report.sender) >= 8:
            values = [report.sender, *(v for v in values if v != report.sender)]  # the WhatsApp number
    with immediate(db):
        db.execute(
            "INSERT INTO audit_log (report_id, actor, role, action, note, detail, created_at) "
            "VALUES (?,?,?,?,?,?,?)",
            [
                report_id,
                user.username,
                user.role,
                "reveal" if allowed else "reveal_denied",
                why.strip()[:2000],
                dumps({"kind": kind, "masked": [mask_text(v) for v in values]}),
                now_iso(),
            ],
        )
    if not allowed:
        raise ActionError("Hanya admin yang boleh membuka NIK atau nomor telepon.", 403)
    return values
