"""Who is reviewing what: a reviewer takes a report for a while, an admin assigns one.

A desk clearing hundreds of reports a day loses time when two people open the same one. A claim
is visible to everyone (queue and detail page), refuses another reviewer's verdict while it lasts,
and expires on its own, so a reviewer who walks away blocks nothing for long. Admins may act on a
claimed report (they are the ones who reassign work) and may assign a report to a reviewer, for
longer. Every take and assignment is in the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from triage.review.auth import User
from triage.review.errors import ActionError
from triage.store.database import Database, dumps, writing

TAKE_FOR = timedelta(minutes=30)
ASSIGN_FOR = timedelta(hours=24)


@dataclass(frozen=True)
class Claim:
    report_id: str
    username: str
    assigned_by: str | None
    expires_at: datetime


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat(timespec="milliseconds")


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def current(db: Database, report_ids: Iterable[str], now: datetime | None = None) -> dict[str, Claim]:
    """The claims still running on these reports."""
    ids = list(report_ids)
    if not ids:
        return {}
    rows = db.query(
        f"SELECT * FROM claims WHERE expires_at > ? AND report_id IN ({','.join('?' * len(ids))})",
        [_iso(_now(now)), *ids],
    )
    return {
        r["report_id"]: Claim(
            r["report_id"], r["username"], r["assigned_by"], datetime.fromisoformat(r["expires_at"])
        )
        for r in rows
    }


def guard(db: Database, report_id: str, user: User, now: datetime | None = None) -> None:
    """Refuse a verdict on a report someone else holds (admins excepted)."""
    held = current(db, [report_id], now).get(report_id)
    if held and held.username != user.username and user.role != "admin":
        raise ActionError(f"Laporan ini sedang ditinjau oleh {held.username}. Pilih laporan lain.", 409)


def _hold(
    db: Database,
    report_id: str,
    username: str,
    actor: User,
    assigned_by: str | None,
    for_: timedelta,
    now: datetime,
    action: str,
) -> Claim:
    if not db.execute("SELECT 1 FROM results WHERE report_id = ?", [report_id]).fetchone():
        raise ActionError("Laporan tidak ditemukan.", 404)
    expires = now + for_
    db.table("claims").upsert(
        {
            "report_id": report_id,
            "username": username,
            "assigned_by": assigned_by,
            "claimed_at": _iso(now),
            "expires_at": _iso(expires),
        },
        pk="report_id",
    )
    db.execute(
        "INSERT INTO audit_log (report_id, actor, role, action, detail, created_at) VALUES (?,?,?,?,?,?)",
        [
            report_id,
            actor.username,
            actor.role,
            action,
            dumps({"to": username, "until": _iso(expires)}),
            _iso(now),
        ],
    )
    return Claim(report_id, username, assigned_by, expires)


def take(db: Database, report_id: str, user: User, now: datetime | None = None) -> Claim:
    """Take a report for `TAKE_FOR` (again: renewed). Refused while another reviewer holds it."""
    at = _now(now)
    with writing(db):
        held = current(db, [report_id], at).get(report_id)
        if held and held.username != user.username:
            raise ActionError(f"Laporan ini sedang ditinjau oleh {held.username}.", 409)
        assigned_by = held.assigned_by if held else None
        return _hold(db, report_id, user.username, user, assigned_by, TAKE_FOR, at, "claim")


def assign(db: Database, report_id: str, admin: User, to: str, now: datetime | None = None) -> Claim:
    """An admin gives a report to a reviewer for `ASSIGN_FOR`."""
    if admin.role != "admin":
        raise ActionError("Hanya admin yang dapat menugaskan laporan.", 403)
    at = _now(now)
    with writing(db):
        row = db.execute("SELECT disabled FROM users WHERE username = ?", [to]).fetchone()
        if row is None or row[0]:
            raise ActionError(f"Peninjau {to!r} tidak ada atau dinonaktifkan.", 400)
        return _hold(db, report_id, to, admin, admin.username, ASSIGN_FOR, at, "assign")


def release(db: Database, report_id: str) -> None:
    """A decided report needs no holder."""
    db.execute("DELETE FROM claims WHERE report_id = ?", [report_id])
