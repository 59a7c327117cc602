"""Talking back to citizens over the WhatsApp Cloud API, and what WhatsApp tells us about senders.

Replies are an outbox (`wa_outbound`, one row per report and kind): the row is written in the
same step that creates the reason for it (a new report, a decision), and a delivery loop sends
due rows with retries. So a reply is never lost to a crash or an API outage, and never queued
twice. (A crash between the API's 200 and our update can resend one reply: at-least-once.)

The verdict reply is free-form text, which WhatsApp allows only within 24 hours of the citizen's
last message (the customer-service window); outside it the row is marked `skipped` rather than
sent, since a template message would be needed.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import timedelta

import httpx

from triage import metrics
from triage.config import Settings
from triage.schema import utcnow
from triage.store.database import Database, dumps, now_iso

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
BSUID_PREFIX = "u:"

ACK = (
    "Terima kasih, pesan Anda sudah kami terima dengan nomor tiket {ticket}. "
    "Kami akan memeriksanya dan memberi kabar melalui nomor ini."
)
VALID = "Laporan {ticket} sudah kami verifikasi dan akan diteruskan melalui SP4N-LAPOR! ke instansi terkait."
NEEDS_INFO = (
    "Laporan {ticket} belum dapat kami teruskan karena masih kurang: {missing}. "
    "Mohon balas pesan ini dengan keterangan tersebut."
)
INVALID = "Mohon maaf, pesan dengan tiket {ticket} tidak dapat kami proses sebagai pengaduan: {why}."
MISSING = {
    "location": "lokasi kejadian (desa/kelurahan, kecamatan, kabupaten/kota)",
    "what_happened": "apa yang terjadi",
    "institution": "instansi atau layanan yang dilaporkan",
    "date": "waktu kejadian",
}
WHY = {
    "prank": "pesan tidak berisi pengaduan yang sungguh-sungguh",
    "spam": "pesan berisi promosi atau pesan berantai",
    "abusive": "pesan tidak berisi pengaduan yang dapat ditindaklanjuti",
    "not_a_complaint": "pesan belum berisi pengaduan tentang layanan publik",
    "out_of_scope": "masalah ini bukan kewenangan layanan publik (misalnya sengketa pribadi)",
}


# ---------------------------------------------------------------- senders


def sender_key(db: Database, wa_id: str | None, user_id: str | None) -> str:
    """One key per citizen: the phone number (wa_id) when known, else the business-scoped user id.

    Seeing both together links them, so a later username-only message (no wa_id) from the same
    person lands in the same report stream as their earlier ones.
    """
    if wa_id:
        if user_id:
            db.execute(
                "INSERT INTO wa_contacts (sender, wa_id, user_id, updated_at) VALUES (?,?,?,?) "
                "ON CONFLICT(sender) DO UPDATE SET user_id = excluded.user_id, "
                "updated_at = excluded.updated_at "
                "WHERE wa_contacts.user_id IS NOT excluded.user_id",
                [wa_id, wa_id, user_id, now_iso()],
            )
        return wa_id
    if not user_id:
        raise ValueError("message has neither wa_id nor user_id")
    row = db.execute("SELECT sender FROM wa_contacts WHERE user_id = ? LIMIT 1", [user_id]).fetchone()
    if row:
        return str(row[0])
    key = BSUID_PREFIX + user_id
    db.execute(
        "INSERT INTO wa_contacts (sender, user_id, updated_at) VALUES (?,?,?) ON CONFLICT DO NOTHING",
        [key, user_id, now_iso()],
    )
    return key


def record_status(db: Database, status: dict[str, object]) -> None:
    """A delivery status (sent/delivered/read/failed) of one of our outbound messages."""
    wamid = str(status.get("id") or "")
    if not wamid:
        raise ValueError("status without id")
    db.execute(
        "INSERT INTO wa_statuses (wamid, status, recipient, ts, errors, received_at) "
        "VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
        [
            wamid,
            str(status.get("status") or "unknown"),
            str(status.get("recipient_id") or status.get("recipient_user_id") or ""),
            str(status.get("timestamp") or ""),
            dumps(status.get("errors")) if status.get("errors") else None,
            now_iso(),
        ],
    )
    # ...and against our outbound row, so "was the ticket delivered/read?" is one lookup.
    # Callbacks can arrive out of order: a later stage never goes back to an earlier one.
    stage = str(status.get("status") or "unknown")
    db.execute(
        "UPDATE wa_outbound SET delivery_status = ? WHERE wamid = ? AND ("
        "delivery_status IS NULL OR ? = 'failed' OR "
        f"{_STAGE.format('delivery_status')} < {_STAGE.format('?')})",
        [stage, wamid, stage, stage],
    )
    metrics.STATUSES_IN.labels(stage).inc()


# the order of delivery stages; anything else ranks below them
_STAGE = "(CASE {} WHEN 'sent' THEN 1 WHEN 'delivered' THEN 2 WHEN 'read' THEN 3 ELSE 0 END)"

# ---------------------------------------------------------------- outbox of replies


def _queue(db: Database, report_id: str, kind: str, body: str) -> bool:
    head = db.execute("SELECT sender FROM reports WHERE report_id = ?", [report_id]).fetchone()
    if head is None:
        return False
    with db.atomic():
        cur = db.execute(
            "INSERT INTO wa_outbound (report_id, kind, sender, body, state, attempts, "
            "next_attempt_at, created_at, updated_at) VALUES (?,?,?,?, 'pending', 0, 0, ?, ?) "
            "ON CONFLICT DO NOTHING",
            [report_id, kind, head[0], body, now_iso(), now_iso()],
        )
    return cur.rowcount == 1


def queue_ack(db: Database, settings: Settings, report_id: str) -> bool:
    """The one acknowledgement of a new report, carrying its ticket number."""
    return _queue(db, report_id, "ack", ACK.format(ticket=report_id))


def verdict_text(report_id: str, result: dict[str, object]) -> str | None:
    """What to tell the citizen about a decision; None when a person still has to decide."""
    outcome = result.get("outcome")
    if outcome == "review":
        return None
    verdict = result.get("verdict")
    if verdict == "valid":
        return VALID.format(ticket=report_id)
    if verdict == "needs_info":
        fields = json.loads(str(result.get("result") or "{}")).get("missing_fields") or ["what_happened"]
        return NEEDS_INFO.format(ticket=report_id, missing=", ".join(MISSING.get(f, f) for f in fields))
    return INVALID.format(
        ticket=report_id, why=WHY.get(str(result.get("reason")), "pesan tidak dapat diproses")
    )


def queue_verdict_reply(db: Database, settings: Settings, report_id: str) -> bool:
    row = db.execute(
        "SELECT verdict, reason, outcome, result FROM results WHERE report_id = ?", [report_id]
    ).fetchone()
    if row is None:
        return False
    from triage.store.reports import Store

    ticket = Store(db).ticket(report_id)
    text = verdict_text(ticket, dict(zip(("verdict", "reason", "outcome", "result"), row, strict=True)))
    return text is not None and _queue(db, report_id, "verdict", text)


def _in_window(db: Database, sender: str, hours: float) -> bool:
    row = db.execute("SELECT max(ts) FROM messages WHERE sender = ?", [sender]).fetchone()
    if not row or not row[0]:
        return False
    from datetime import datetime

    last = datetime.fromisoformat(row[0])
    return utcnow() - last <= timedelta(hours=hours)


class Sender:
    """A small client for POST {base}/{phone-number-id}/messages (text messages only)."""

    def __init__(self, settings: Settings, client: httpx.Client | None = None) -> None:
        self.settings = settings
        self.client = client or httpx.Client(timeout=10.0)

    def send_text(self, sender: str, body: str) -> str:
        """Send; returns WhatsApp's message id (wamid). Raises httpx errors on failure."""
        s = self.settings
        url = f"{s.whatsapp_api_base.rstrip('/')}/{s.whatsapp_phone_number_id}/messages"
        payload: dict[str, object] = {
            "messaging_product": "whatsapp",
            "recipient_type": "individual",
            "type": "text",
            "text": {"preview_url": False, "body": body},
        }
        if sender.startswith(BSUID_PREFIX):
            payload["recipient"] = sender[len(BSUID_PREFIX) :]
        else:
            payload["to"] = sender
        r = self.client.post(
            url, json=payload, headers={"Authorization": f"Bearer {s.whatsapp_access_token}"}
        )
        r.raise_for_status()
        return str(r.json()["messages"][0]["id"])


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    return isinstance(exc, httpx.TransportError)


def deliver_due(db: Database, settings: Settings, sender: Sender | None = None, limit: int = 50) -> int:
    """Send the replies that are due; returns how many were sent. Safe with several workers:
    a row is claimed (its next attempt pushed forward) before it is sent."""
    if not settings.whatsapp_access_token:
        return 0
    now = time.time()
    rows = list(
        db.query(
            "SELECT id, report_id, kind, sender, body, attempts FROM wa_outbound "
            "WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?",
            [now, limit],
        )
    )
    sent = 0
    sender = sender or Sender(settings)
    for row in rows:
        with db.atomic():
            claimed = db.execute(
                "UPDATE wa_outbound SET attempts = attempts + 1, next_attempt_at = ?, updated_at = ? "
                "WHERE id = ? AND state = 'pending' AND next_attempt_at <= ?",
                [now + 60, now_iso(), row["id"], now],
            ).rowcount
        if not claimed:
            continue
        if not _in_window(db, row["sender"], settings.whatsapp_reply_window_h):
            _finish(db, row["id"], "skipped", error="outside the 24-hour customer-service window")
            metrics.OUTBOUND.labels(row["kind"], "skipped").inc()
            continue
        try:
            wamid = sender.send_text(row["sender"], row["body"])
        except Exception as exc:
            attempts = row["attempts"] + 1
            if _retryable(exc) and attempts < MAX_ATTEMPTS:
                delay = min(600.0, 2.0 * 2**attempts)
                with db.atomic():
                    db.execute(
                        "UPDATE wa_outbound SET next_attempt_at = ?, last_error = ?, updated_at = ? "
                        "WHERE id = ?",
                        [time.time() + delay, str(exc)[:500], now_iso(), row["id"]],
                    )
                metrics.OUTBOUND.labels(row["kind"], "retry").inc()
            else:
                _finish(db, row["id"], "dead", error=str(exc)[:500])
                metrics.OUTBOUND.labels(row["kind"], "dead").inc()
            log.warning("reply not sent: %s", exc, extra={"report_id": row["report_id"], "kind": row["kind"]})
            continue
        _finish(db, row["id"], "sent", wamid=wamid)
        metrics.OUTBOUND.labels(row["kind"], "sent").inc()
        sent += 1
    return sent


def _finish(
    db: Database, row_id: int, state: str, *, wamid: str | None = None, error: str | None = None
) -> None:
    with db.atomic():
        db.execute(
            "UPDATE wa_outbound SET state = ?, wamid = coalesce(?, wamid), "
            "last_error = coalesce(?, last_error), updated_at = ? WHERE id = ?",
            [state, wamid, error, now_iso(), row_id],
        )
