"""SP4N hand-off through a transactional outbox: rows are written with the decision, delivered later.

A row is marked `sent` only after the destination confirmed it with a tracking id; a failed
delivery keeps its error and attempt count and is retried with backoff until it is `dead`.
The report id is the idempotency key, so a retry after a crash never files a second report.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import sqlite_utils

from triage.db import now_iso
from triage.schema import Report, TriageResult


class DeliveryError(RuntimeError):
    pass


class Destination(Protocol):
    name: str

    def deliver(self, idempotency_key: str, payload: dict[str, Any]) -> str:
        """Deliver once; return the tracking id. Must be idempotent on the key."""
        ...


class JsonlDestination:
    """The embedded default: append each record to a JSONL file, once per idempotency key."""

    name = "jsonl"

    def __init__(self, path: Path) -> None:
        self.path = path

    def _existing(self) -> dict[str, str]:
        if not self.path.exists():
            return {}
        seen = {}
        for line in self.path.read_text("utf-8").splitlines():
            try:
                row = json.loads(line)
            except json.JSONDecodeError:
                continue
            seen[row.get("idempotency_key")] = row.get("tracking_id")
        return seen

    def deliver(self, idempotency_key: str, payload: dict[str, Any]) -> str:
        existing = self._existing()
        if idempotency_key in existing:
            return existing[idempotency_key]
        tracking = "LOCAL-" + idempotency_key
        self.path.parent.mkdir(parents=True, exist_ok=True)
        line = {"idempotency_key": idempotency_key, "tracking_id": tracking, "record": payload}
        with self.path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(line, ensure_ascii=False) + "\n")
            fh.flush()
        return tracking


def sp4n_record(report: Report, result: TriageResult) -> dict[str, Any]:
    """The LAPOR!-shaped record for a valid report (field names follow LAPOR!'s form)."""
    c = result.complaint
    loc = c.location if c else None
    return {
        "id_laporan_asal": report.report_id,
        "judul": c.title if c else "",
        "isi": report.text,
        "kategori": c.category if c else None,
        "sub_kategori": c.subtopic if c else None,
        "lokasi": loc.model_dump(exclude_none=True) if loc else None,
        "instansi_tujuan": c.agency if c else None,
        "tingkat_instansi": c.agency_level if c else None,
        "lampiran": report.media_ids,
        "anonim": bool(c and c.anonymous),
        "rahasia": bool(c and c.anonymous),
        "mendesak": bool(c and c.urgent),
        "triase": {
            "verdict": result.verdict.value,
            "confidence": result.confidence,
            "alasan": [r.model_dump() for r in result.reasons],
        },
    }


@dataclass
class RelayStats:
    sent: int = 0
    failed: int = 0
    dead: int = 0


def _backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(600.0, 2.0**attempts) * (0.5 + random.random() / 2))


def relay_once(
    db: sqlite_utils.Database, dest: Destination, max_attempts: int = 8, limit: int = 100
) -> RelayStats:
    """Deliver due rows; each row's state changes only after the destination answered."""
    stats = RelayStats()
    now = datetime.now(UTC).isoformat()
    rows = list(
        db.query(
            "SELECT * FROM outbox WHERE state IN ('pending', 'failed') "
            "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) ORDER BY id LIMIT ?",
            [now, limit],
        )
    )
    for row in rows:
        try:
            tracking = dest.deliver(row["idempotency_key"], json.loads(row["payload"]))
        except Exception as exc:  # noqa: BLE001 - any failure is recorded on the row
            attempts = row["attempts"] + 1
            state = "dead" if attempts >= max_attempts else "failed"
            with db.conn:
                db.execute(
                    "UPDATE outbox SET state = ?, attempts = ?, last_error = ?, "
                    "next_attempt_at = ?, updated_at = ? WHERE id = ?",
                    [
                        state,
                        attempts,
                        f"{type(exc).__name__}: {exc}"[:2000],
                        (datetime.now(UTC) + _backoff(attempts)).isoformat(),
                        now_iso(),
                        row["id"],
                    ],
                )
            if state == "dead":
                stats.dead += 1
            else:
                stats.failed += 1
            continue
        with db.conn:
            db.execute(
                "UPDATE outbox SET state = 'sent', attempts = attempts + 1, tracking_id = ?, "
                "last_error = NULL, updated_at = ? WHERE id = ?",
                [tracking, now_iso(), row["id"]],
            )
        stats.sent += 1
    return stats
