"""Reading and writing the triage tables. Every write that decides something is one transaction.

A result, its attempts, the report's new status and (for a valid report) its outbox row commit
together or not at all, so a crash can never leave a report "done" without its SP4N row, or an
outbox row without the decision behind it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from triage.schema import LLMAttempt, MediaFile, Outcome, RawMessage, Report, Transcript, TriageResult
from triage.store.database import Database, connect, dumps, now_iso, writing


class Store:
    def __init__(self, db: Database) -> None:
        self.db = db

    # ------------------------------------------------------------ intake

    def add_message(self, msg: RawMessage, raw: dict[str, Any] | None = None) -> bool:
        """Keep a message once; a re-delivered message id is ignored. True when it was new."""
        with self.db.atomic():
            return self.add_messages_batch([(msg, raw)])[0]

    def message_from_row(self, row: dict[str, Any]) -> RawMessage:
        return RawMessage(
            message_id=row["message_id"],
            sender=row["sender"],
            timestamp=datetime.fromisoformat(row["ts"]),
            type=row["type"],
            text=row["text"] or "",
            media_id=row["media_id"],
            caption=row["caption"],
            location=json.loads(row["location"]) if row["location"] else None,
        )

    def report(self, report_id: str) -> Report:
        """A report's messages, each with the file fetched for it and what its voice note says."""
        rows = list(
            self.db.query(
                "SELECT g.*, m.sha256 AS m_sha256, m.mime_type AS m_mime, m.size AS m_size, "
                "t.transcript AS t_json FROM messages g "
                "LEFT JOIN media m ON m.media_id = g.media_id AND m.status = 'fetched' "
                "LEFT JOIN transcripts t ON t.sha256 = m.sha256 AND t.status = 'done' "
                "WHERE g.report_id = ? ORDER BY g.ts, g.message_id",
                [report_id],
            )
        )
        head = self.db.table("reports").get(report_id)
        messages = []
        for r in rows:
            msg = self.message_from_row(r)
            if r["m_sha256"]:
                msg.media = MediaFile(
                    media_id=r["media_id"], sha256=r["m_sha256"], mime_type=r["m_mime"], size=r["m_size"]
                )
            if r["t_json"]:
                msg.transcript = Transcript.model_validate_json(r["t_json"])
            messages.append(msg)
        return Report(report_id=report_id, sender=head["sender"], messages=messages)

    def senders_with_text(self, text: str, since: datetime) -> int:
        """Distinct senders whose report has exactly this text, assembled since `since`."""
        if not text.strip():
            return 0
        # fetch and close at once: a half-read cursor would pin an old snapshot on this connection
        # and make its next write fail with "database is locked"
        rows = list(
            self.db.query(
                "SELECT COUNT(DISTINCT sender) AS n FROM reports WHERE text = ? AND created_at >= ?",
                [text, since.astimezone(UTC).isoformat(timespec="milliseconds")],
            )
        )
        return int(rows[0]["n"])

    def pending_report_ids(self, limit: int | None = None) -> list[str]:
        sql = "SELECT report_id FROM reports WHERE status = 'pending' ORDER BY created_at, report_id"
        if limit:
            sql += f" LIMIT {int(limit)}"
        return [r["report_id"] for r in self.db.query(sql)]

    # ------------------------------------------------------------ decisions

    def has_result(self, report_id: str) -> bool:
        return bool(list(self.db.query("SELECT 1 FROM results WHERE report_id = ?", [report_id])))

    def record_attempts(self, attempts: list[LLMAttempt]) -> None:
        for a in attempts:
            self.db.table("llm_attempts").insert(
                {
                    "report_id": a.report_id,
                    "attempt": a.attempt,
                    "model": a.model,
                    "prompt_hash": a.prompt_hash,
                    "request": dumps(a.request),
                    "response_raw": a.response_raw,
                    "error": a.error,
                    "prompt_tokens": a.prompt_tokens,
                    "completion_tokens": a.completion_tokens,
                    "latency_ms": a.latency_ms,
                    "created_at": a.created_at.isoformat(),
                }
            )

    def save_decision(
        self,
        report_id: str,
        result: TriageResult,
        outcome: Outcome,
        attempts: list[LLMAttempt],
        *,
        model: str,
        prompt_version: str,
        prompt_hash: str,
        latency_ms: float,
        outbox: dict[str, Any] | None = None,
        destination: str = "sp4n",
    ) -> bool:
        """Write the one result of a report (and its outbox row). False if it already had one."""
        with writing(self.db):
            self.record_attempts(attempts)
            if self.has_result(report_id):
                return False
            complaint = result.complaint
            loc = complaint.location if complaint else None
            self.db.table("results").insert(
                {
                    "report_id": report_id,
                    "verdict": result.verdict.value,
                    "reason": result.reason.value if result.reason else None,
                    "category": complaint.category if complaint else None,
                    "province": loc.province.name if loc and loc.province else None,
                    "regency": loc.regency.name if loc and loc.regency else None,
                    "confidence": result.confidence,
                    "decided_by": result.decided_by,
                    "outcome": outcome.value,
                    "result": result.model_dump_json(),
                    "model": model,
                    "prompt_version": prompt_version,
                    "prompt_hash": prompt_hash,
                    "latency_ms": latency_ms,
                    "tokens": sum(a.prompt_tokens + a.completion_tokens for a in attempts),
                    "created_at": now_iso(),
                }
            )
            self.db.execute(
                "UPDATE reports SET status = 'done', outcome = ?, error = NULL, updated_at = ? "
                "WHERE report_id = ?",
                [outcome.value, now_iso(), report_id],
            )
            if outbox is not None:
                self.enqueue_outbox(report_id, outbox, destination)
        return True

    def enqueue_outbox(self, report_id: str, payload: dict[str, Any], destination: str) -> None:
        """One row per (report, destination); the report id is the idempotency key."""
        self.db.execute(
            "INSERT INTO outbox (report_id, destination, idempotency_key, payload, "
            "state, attempts, created_at, updated_at) VALUES (?,?,?,?,'pending',0,?,?) "
            "ON CONFLICT DO NOTHING",
            [report_id, destination, report_id, dumps(payload), now_iso(), now_iso()],
        )

    def record_failure(self, report_id: str, error: str, attempts: list[LLMAttempt]) -> None:
        """The model could not be used: keep the attempts, leave the report pending for a retry."""
        with self.db.atomic():
            self.record_attempts(attempts)
            self.db.execute(
                "UPDATE reports SET attempts = attempts + 1, error = ?, updated_at = ? WHERE report_id = ?",
                [error[:2000], now_iso(), report_id],
            )

    def result(self, report_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query("SELECT * FROM results WHERE report_id = ?", [report_id]))
        return rows[0] if rows else None

    # ------------------------------------------------------------ worker (intake and queue)

    def mark_dead(self, report_id: str, error: str) -> None:
        """The queue gave up on a report (dead letter): visible as status 'error', never judged."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE reports SET status = 'error', error = ?, updated_at = ? "
                "WHERE report_id = ? AND status = 'pending'",
                [error[:2000], now_iso(), report_id],
            )

    def dead(self) -> list[dict[str, Any]]:
        """Reports the queue gave up on: no result yet, waiting for a person to requeue them."""
        return list(
            self.db.query(
                "SELECT report_id, sender, error, updated_at FROM reports WHERE status = 'error' "
                "ORDER BY updated_at"
            )
        )

    def revive(self, report_id: str) -> bool:
        """A dead report pending again (its queue item is requeued by the caller)."""
        with self.db.atomic():
            cur = self.db.execute(
                "UPDATE reports SET status = 'pending', error = NULL, attempts = 0, updated_at = ? "
                "WHERE report_id = ? AND status = 'error'",
                [now_iso(), report_id],
            )
        return cur.rowcount > 0

    def open_question(self, sender: str, since: datetime) -> str | None:
        """The sender's latest report that asked them for more (needs_info) and got no answer yet."""
        row = self.db.execute(
            "SELECT r.report_id FROM reports r JOIN results res ON res.report_id = r.report_id "
            "WHERE r.sender = ? AND res.outcome = 'ask_reporter' AND res.created_at >= ? "
            "AND NOT EXISTS (SELECT 1 FROM report_links l WHERE l.parent_id = r.report_id) "
            "ORDER BY res.created_at DESC LIMIT 1",
            [sender, since.isoformat(timespec="milliseconds")],
        ).fetchone()
        return str(row[0]) if row else None

    def ticket(self, report_id: str) -> str:
        """The ticket the citizen knows: a follow-up keeps the ticket of the report that asked."""
        seen = {report_id}
        while True:
            row = self.db.execute(
                "SELECT parent_id FROM report_links WHERE report_id = ?", [report_id]
            ).fetchone()
            if row is None or row[0] in seen:
                return report_id
            report_id = str(row[0])
            seen.add(report_id)

    def add_messages_batch(self, items: Sequence[tuple[RawMessage, dict[str, Any] | None]]) -> list[bool]:
        """`add_message` for many messages in one transaction (one fsync): the webhook's group
        commit. Same SQL and idempotency; the caller owns the transaction (`with db.atomic()`)."""
        out = []
        for msg, raw in items:
            cur = self.db.execute(
                "INSERT INTO messages (message_id, sender, ts, type, text, media_id, "
                "caption, location, raw, received_at) VALUES (?,?,?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                [
                    msg.message_id,
                    msg.sender,
                    msg.timestamp.isoformat(),
                    msg.type.value,
                    msg.text,
                    msg.media_id,
                    msg.caption,
                    msg.location.model_dump_json() if msg.location else None,
                    dumps(raw) if raw is not None else None,
                    now_iso(),
                ],
            )
            out.append(cur.rowcount == 1)
        return out

    def settle_decided(self, report_id: str | None = None) -> int:
        """Mark 'done' any pending report that already has its result; returns how many.

        A crash between the result's commit and the status update leaves exactly that state
        (sqlite-utils commits `Table.insert` on its own, so `with db.atomic():` is not one
        transaction); the worker calls this on a re-delivery and on every sweep, so it heals.
        """
        where = "AND r.report_id = ?" if report_id else ""
        with self.db.atomic():
            cur = self.db.execute(
                "UPDATE reports AS r SET status = 'done', error = NULL, updated_at = ?, "
                "outcome = (SELECT outcome FROM results WHERE results.report_id = r.report_id) "
                f"WHERE r.status = 'pending' {where} "
                "AND EXISTS (SELECT 1 FROM results WHERE results.report_id = r.report_id)",
                [now_iso(), report_id] if report_id else [now_iso()],
            )
        return cur.rowcount


def backlogs(path: Path | str) -> dict[str, float]:
    """What waits on people and on SP4N, read from the store at scrape time: every replica reads
    the same rows, so every replica reports the same figures (aggregate with max, not sum). Its
    own connection: a metrics gauge runs in the metrics server's thread, whichever process asks."""
    db = connect(path)
    try:
        review, oldest = db.execute(
            "SELECT count(*), min(created_at) FROM results WHERE outcome = 'review'"
        ).fetchone()
        by_state = dict(
            db.execute(
                "SELECT state, count(*) FROM outbox WHERE state IN ('pending', 'failed', 'dead') "
                "GROUP BY state"
            ).fetchall()
        )
    finally:
        db.close()
    age = (datetime.now(UTC) - datetime.fromisoformat(oldest)).total_seconds() if oldest else 0.0
    return {
        "review": float(review),
        "review_oldest_s": max(0.0, age),
        "outbox_backlog": float(by_state.get("pending", 0) + by_state.get("failed", 0)),
        "outbox_dead": float(by_state.get("dead", 0)),
    }
