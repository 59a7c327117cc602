"""SP4N hand-off through a transactional outbox: rows are written with the decision, delivered later.

Each row is one (report, destination) and has its own state: `pending`, `sent` (with the tracking
id), `failed` (last error, attempt count, next attempt time) or `dead` (after the last allowed
attempt, or a refusal that no retry can fix). A row turns `sent` only after the destination
confirmed it with a tracking id: FixMyStreet #3168 marked reports sent when one destination
failed and never retried them. The report id is the idempotency key of every request, so a relay
killed between the HTTP call and the database update never files a second LAPOR! report: the
retry gets the same tracking id back.

Several relays may share one outbox (the worker's and `triage relay`): a claim sets a lease, and
a row whose relay died becomes due again when its lease runs out.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from tenacity import wait_exponential_jitter

from triage.config import Settings, Sp4nTuning, get_settings
from triage.identity import mask_text
from triage.schema import Report, TriageResult
from triage.sp4n.record import (
    DeliveryError,
    Destination,
    JsonlDestination,
    PermanentDeliveryError,
    build_record,
    destination_from_settings,
    lookup,
    upgrade,
)
from triage.store.database import Database, writing

__all__ = [
    "DeliveryError",
    "Destination",
    "JsonlDestination",
    "RelayStats",
    "notify_tracking",
    "relay_once",
    "retry_rows",
    "run_relay",
    "start_relay_thread",
    "sp4n_record",
]

log = logging.getLogger(__name__)
SP4N = "sp4n"
STATES = ("pending", "sent", "failed", "dead")


def sp4n_record(
    report: Report,
    result: TriageResult,
    *,
    model: str | None = None,
    prompt_version: str | None = None,
) -> dict[str, Any]:
    """The outbox payload for a valid report: `Sp4nRecord` as JSON-ready dict."""
    record = build_record(report, result, model=model, prompt_version=prompt_version)
    return record.model_dump(mode="json")


def _iso(dt: datetime) -> str:
    """One timestamp format everywhere, so SQL string comparison orders correctly."""
    return dt.astimezone(UTC).isoformat(timespec="milliseconds")


def _now() -> datetime:
    return datetime.now(UTC)


def next_delay(attempts: int, tuning: Sp4nTuning) -> float:
    """Seconds before the next try: tenacity's exponential backoff with jitter, per row."""
    wait = wait_exponential_jitter(
        multiplier=tuning.backoff_initial_s, max=tuning.backoff_max_s, jitter=tuning.backoff_initial_s
    )
    return float(wait(SimpleNamespace(attempt_number=max(1, attempts))))  # type: ignore[arg-type]


@dataclass
class RelayStats:
    claimed: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0
    notified: int = 0

    def add(self, other: RelayStats) -> None:
        for name in ("claimed", "sent", "failed", "dead", "notified"):
            setattr(self, name, getattr(self, name) + getattr(other, name))


def claim_due(
    db: Database, tuning: Sp4nTuning, destination: str = SP4N, limit: int | None = None
) -> list[dict[str, Any]]:
    """Lease due rows and log the attempt before any request leaves, so a crash still counts it."""
    now = _now()
    lease = _iso(now + timedelta(seconds=tuning.lease))
    claimed: list[dict[str, Any]] = []
    with writing(db):
        rows = list(
            db.query(
                "SELECT * FROM outbox WHERE destination = ? AND state IN ('pending', 'failed') "
                "AND (next_attempt_at IS NULL OR next_attempt_at <= ?) "
                "AND (lease_until IS NULL OR lease_until <= ?) ORDER BY id LIMIT ?" + db.for_update,
                [destination, _iso(now), _iso(now), limit or tuning.claim_size],
            )
        )
        for row in rows:
            attempt = (row["attempts"] or 0) + 1
            db.execute(
                "UPDATE outbox SET attempts = ?, lease_until = ?, updated_at = ? WHERE id = ?",
                [attempt, lease, _iso(now), row["id"]],
            )
            attempt_id = db.execute(
                "INSERT INTO outbox_attempts (outbox_id, attempt, started_at) VALUES (?, ?, ?) RETURNING id",
                [row["id"], attempt, _iso(now)],
            ).fetchone()[0]
            claimed.append({**row, "attempts": attempt, "attempt_id": attempt_id})
    return claimed


def _finish_sent(db: Database, row: dict[str, Any], transport: str, tracking: str, ms: float) -> None:
    now = _iso(_now())
    with db.atomic():
        db.execute(
            "UPDATE outbox SET state = 'sent', tracking_id = ?, transport = ?, last_error = NULL, "
            "lease_until = NULL, next_attempt_at = NULL, sent_at = COALESCE(sent_at, ?), updated_at = ? "
            "WHERE id = ?",
            [tracking, transport, now, now, row["id"]],
        )
        db.execute(
            "UPDATE outbox_attempts SET finished_at = ?, ok = 1, tracking_id = ?, transport = ?, "
            "latency_ms = ? WHERE id = ?",
            [now, tracking, transport, ms, row["attempt_id"]],
        )


def _finish_failed(
    db: Database,
    row: dict[str, Any],
    transport: str,
    exc: BaseException,
    ms: float,
    tuning: Sp4nTuning,
) -> str:
    error = mask_text(f"{type(exc).__name__}: {exc}")[:2000]
    permanent = isinstance(exc, PermanentDeliveryError)
    state = "dead" if permanent or row["attempts"] >= tuning.max_attempts else "failed"
    now = _now()
    due = None if state == "dead" else _iso(now + timedelta(seconds=next_delay(row["attempts"], tuning)))
    with db.atomic():
        # never downgrade a row another relay already saw confirmed
        db.execute(
            "UPDATE outbox SET state = ?, last_error = ?, transport = ?, next_attempt_at = ?, "
            "lease_until = NULL, updated_at = ? WHERE id = ? AND state != 'sent'",
            [state, error, transport, due, _iso(now), row["id"]],
        )
        db.execute(
            "UPDATE outbox_attempts SET finished_at = ?, ok = 0, error = ?, transport = ?, latency_ms = ? "
            "WHERE id = ?",
            [_iso(now), error, transport, ms, row["attempt_id"]],
        )
    return state


def _held_before_giving_up(
    dest: Destination, row: dict[str, Any], exc: BaseException, tuning: Sp4nTuning
) -> str | None:
    """On the last allowed try of a failure that may have arrived (a timeout, a dropped line):
    the tracking id if the destination holds the record after all."""
    if isinstance(exc, PermanentDeliveryError) or row["attempts"] < tuning.max_attempts:
        return None
    return lookup(dest, row["idempotency_key"])


def _deliver(dest: Destination, row: dict[str, Any]) -> tuple[str | None, BaseException | None, float]:
    started = time.perf_counter()
    try:
        tracking = dest.deliver(row["idempotency_key"], upgrade(json.loads(row["payload"])))
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row
        return None, exc, (time.perf_counter() - started) * 1000
    return tracking, None, (time.perf_counter() - started) * 1000


def relay_once(
    db: Database,
    dest: Destination,
    max_attempts: int | None = None,
    limit: int | None = None,
    *,
    tuning: Sp4nTuning | None = None,
    destination: str = SP4N,
    on_sent: Callable[[str, str], None] | None = None,
) -> RelayStats:
    """Deliver the rows due now (concurrently), recording each answer; returns what happened."""
    tuning = tuning or get_settings().sp4n
    if max_attempts is not None:
        tuning = tuning.model_copy(update={"max_attempts": max_attempts})
    stats = RelayStats()
    rows = claim_due(db, tuning, destination, limit)
    stats.claimed = len(rows)
    if not rows:
        return stats
    transport = getattr(dest, "transport", type(dest).__name__)
    with ThreadPoolExecutor(max_workers=min(tuning.concurrency, len(rows))) as pool:
        futures = {pool.submit(_deliver, dest, row): row for row in rows}
        for fut in as_completed(futures):
            row = futures[fut]
            tracking, exc, ms = fut.result()
            if tracking is not None:
                _finish_sent(db, row, transport, tracking, ms)
                stats.sent += 1
                log.info("outbox %s sent: %s", row["report_id"], tracking)
                if on_sent is not None:
                    on_sent(row["report_id"], tracking)
                continue
            assert exc is not None
            held = _held_before_giving_up(dest, row, exc, tuning)
            if held is not None:
                _finish_sent(db, row, transport, held, ms)
                stats.sent += 1
                log.info(
                    "outbox %s sent (found held by the destination after: %s): %s",
                    row["report_id"],
                    exc,
                    held,
                )
                if on_sent is not None:
                    on_sent(row["report_id"], held)
                continue
            state = _finish_failed(db, row, transport, exc, ms, tuning)
            if state == "dead":
                stats.dead += 1
                log.warning("outbox %s dead after %d attempts: %s", row["report_id"], row["attempts"], exc)
            else:
                stats.failed += 1
    return stats


# ---------------------------------------------------------------- back to the citizen


def tracking_message(tracking_id: str) -> str:
    return (
        "Terima kasih. Laporan Anda sudah diteruskan ke SP4N-LAPOR! dengan nomor pelacakan "
        f"{tracking_id}. Simpan nomor ini untuk menanyakan tindak lanjutnya."
    )


def notify_tracking(
    report_id: str,
    tracking_id: str,
    *,
    db: Database | None = None,
    settings: Settings | None = None,
) -> bool:
    """Queue the citizen's tracking number as a WhatsApp reply. True when it is queued (now or before).

    Goes through the intake's reply outbox (`triage.intake.whatsapp`, kind "tracking"), whose delivery
    loop retries, respects the 24-hour window and sends each kind once per report. Only when
    TRIAGE_WHATSAPP_ACCESS_TOKEN is set; otherwise False, and the row stays un-notified so the
    citizen is told once WhatsApp is configured.
    """
    settings = settings or Settings()
    if not settings.whatsapp_access_token or db is None:
        return False
    try:
        from triage.intake import whatsapp
    except ImportError:
        return False
    # whatsapp._queue: ON CONFLICT DO NOTHING on (report_id, kind); a report unknown here is a no-op
    whatsapp._queue(db, report_id, "tracking", tracking_message(tracking_id))
    return True


def notify_pending(db: Database, settings: Settings) -> int:
    """Send tracking ids not yet told to the citizen; each is marked once it went out."""
    if not settings.whatsapp_access_token:
        return 0
    done = 0
    rows = db.query(
        "SELECT id, report_id, tracking_id FROM outbox WHERE state = 'sent' AND notified_at IS NULL"
    )
    for row in list(rows):
        try:
            ok = notify_tracking(row["report_id"], row["tracking_id"], db=db, settings=settings)
        except Exception as exc:  # noqa: BLE001 - a failed notice must not stop delivery
            log.warning("tracking notice for %s failed: %s", row["report_id"], exc)
            continue
        if ok:
            with db.atomic():
                db.execute("UPDATE outbox SET notified_at = ? WHERE id = ?", [_iso(_now()), row["id"]])
            done += 1
    return done


# ---------------------------------------------------------------- the loop


def run_relay(
    db: Database,
    settings: Settings,
    *,
    once: bool = False,
    interval_s: float = 2.0,
    stop: threading.Event | None = None,
    dest: Destination | None = None,
    tuning: Sp4nTuning | None = None,
) -> RelayStats:
    """Relay until stopped (or, with `once`, until nothing is due now). Used by `triage relay`,
    the worker (in a thread, with `stop`) and the demo."""
    tuning = tuning or settings.sp4n
    own = dest is None
    dest = dest or destination_from_settings(settings, tuning)
    total = RelayStats()
    stop = stop or threading.Event()
    try:
        while not stop.is_set():
            stats = relay_once(db, dest, tuning=tuning)
            stats.notified = notify_pending(db, settings)
            total.add(stats)
            if stats.claimed:
                continue
            if once:
                break
            stop.wait(interval_s)
    finally:
        if own:
            dest.close()
    return total


def start_relay_thread(
    settings: Settings, stop: threading.Event, interval_s: float = 2.0
) -> threading.Thread:
    """The relay inside the worker: its own thread and its own SQLite connection (a connection
    may not cross threads). Set `stop` and join the thread to end it."""
    from triage.store.database import connect

    def loop() -> None:
        db = connect(settings.db)
        while not stop.is_set():
            try:
                run_relay(db, settings, interval_s=interval_s, stop=stop)
            except Exception:  # noqa: BLE001 - keep relaying; the error is logged, rows stay due
                log.exception("SP4N relay pass failed; retrying")
                stop.wait(interval_s)
        db.close()

    thread = threading.Thread(target=loop, name="sp4n-relay", daemon=True)
    thread.start()
    return thread


# ---------------------------------------------------------------- operators


def list_rows(db: Database, state: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
    sql = "SELECT * FROM outbox"
    params: list[Any] = []
    if state:
        sql += " WHERE state = ?"
        params.append(state)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return list(db.query(sql, params))


def retry_rows(db: Database, ids: list[int] | None = None, *, all_dead: bool = False) -> int:
    """Put dead or failed rows back to pending, due now; sent rows are never touched."""
    if not ids and not all_dead:
        return 0
    where = "state = 'dead'" if all_dead else f"id IN ({','.join('?' * len(ids or []))}) AND state != 'sent'"
    with db.atomic():
        cur = db.execute(
            "UPDATE outbox SET state = 'pending', attempts = 0, next_attempt_at = NULL, lease_until = NULL, "
            f"updated_at = ? WHERE {where}",
            [_iso(_now()), *([] if all_dead else list(ids or []))],
        )
    return cur.rowcount


def attempts_per_record(db: Database, destination: str = SP4N) -> dict[int, int]:
    """How many delivery attempts each record took: {attempts: number of records}."""
    rows = db.query(
        "SELECT o.id, count(a.id) AS n FROM outbox o LEFT JOIN outbox_attempts a ON a.outbox_id = o.id "
        "WHERE o.destination = ? GROUP BY o.id",
        [destination],
    )
    dist: dict[int, int] = {}
    for row in rows:
        dist[row["n"]] = dist.get(row["n"], 0) + 1
    return dict(sorted(dist.items()))
