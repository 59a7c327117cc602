"""Grouping a sender's consecutive messages into reports.

People write "P", then "Assalamualaikum", then the complaint in three messages; judged one by
one, two would be rejected and the third would lack context. A report closes after a quiet
window with no message from that sender.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from triage.schema import RawMessage, Report
from triage.store.database import Database, dumps, now_iso, writing
from triage.store.reports import Store


def report_id_for(first: RawMessage) -> str:
    """Stable id from the first message, so re-delivery and re-runs find the same report."""
    digest = hashlib.sha256(f"{first.sender}\x1f{first.message_id}".encode()).hexdigest()
    return "R" + digest[:12].upper()


def group(
    messages: Iterable[RawMessage], window: timedelta, now: datetime | None = None
) -> tuple[list[list[RawMessage]], list[RawMessage]]:
    """Closed groups (quiet for `window`) and the messages still open; `now=None` closes all."""
    by_sender: dict[str, list[RawMessage]] = {}
    for msg in sorted(messages, key=lambda m: (m.sender, m.timestamp, m.message_id)):
        by_sender.setdefault(msg.sender, []).append(msg)
    closed: list[list[RawMessage]] = []
    still_open: list[RawMessage] = []
    for msgs in by_sender.values():
        current = [msgs[0]]
        for msg in msgs[1:]:
            if msg.timestamp - current[-1].timestamp > window:
                closed.append(current)
                current = [msg]
            else:
                current.append(msg)
        if now is None or now - current[-1].timestamp > window:
            closed.append(current)
        else:
            still_open.extend(current)
    return closed, still_open


def assemble(store: Store, window: timedelta, now: datetime | None = None) -> list[Report]:
    """Turn quiet runs of unassigned messages into new pending reports."""
    reports: list[Report] = []
    with one_assembler(store.db) as mine:
        if not mine:
            return reports
        rows = store.db.query("SELECT * FROM messages WHERE report_id IS NULL")
        closed, _ = group((store.message_from_row(r) for r in rows), window, now)
        for msgs in closed:
            report = Report(report_id=report_id_for(msgs[0]), sender=msgs[0].sender, messages=msgs)
            inserted = store.db.execute(
                "INSERT INTO reports (report_id, sender, text, message_ids, "
                "created_at, status, attempts, updated_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                [
                    report.report_id,
                    report.sender,
                    report.text,
                    dumps([m.message_id for m in msgs]),
                    now_iso(),
                    "pending",
                    0,
                    now_iso(),
                ],
            ).rowcount
            if inserted:  # a report made elsewhere already holds its own messages
                _attach(store, report.report_id, msgs)
                reports.append(report)
    return reports


def assemble_with_followups(
    store: Store, window: timedelta, now: datetime, followup_window: timedelta
) -> list[tuple[Report, str | None]]:
    """Like `assemble`, but an answer to a needs_info question joins the report that asked.

    The follow-up becomes a new report (results keep one row per report) that carries the
    asking report's messages as context copies (`<new id>~<message id>`, raw `context_of`),
    so it is judged on the whole conversation; `report_links` records which report it answers.
    Returns (report, parent report id or None).
    """
    out: list[tuple[Report, str | None]] = []
    with one_assembler(store.db) as mine:
        if mine:
            out = _assemble_followups(store, window, now, followup_window)
    return out


def assemble_senders(
    store: Store,
    partition: int,
    senders: Collection[str],
    window: timedelta,
    now: datetime,
    followup_window: timedelta,
) -> list[tuple[Report, str | None]] | None:
    """`assemble_with_followups` for some senders of one partition, under that partition's lock
    (`intake.partitions`); None when another assembler holds the partition now."""
    with one_assembler(store.db, partition) as mine:
        return _assemble_followups(store, window, now, followup_window, senders) if mine else None


def unassigned_senders(store: Store) -> set[str]:
    """Senders with messages in no report: what the partitioned intake's sweep looks at, so a
    stream entry Redis lost (or never got) does not leave a message waiting for ever."""
    rows = store.db.query("SELECT DISTINCT sender FROM messages WHERE report_id IS NULL")
    return {r["sender"] for r in rows}


def waiting_senders(store: Store, senders: Collection[str]) -> set[str]:
    """Those of `senders` with messages not yet in a report (still writing). Read after the
    partition's lock is let go: a message arriving meanwhile only keeps its sender waiting."""
    found: set[str] = set()
    for chunk in _chunks(sorted(senders)):
        sql = f"SELECT DISTINCT sender FROM messages {_UNASSIGNED_OF} ({_marks(chunk)})"
        rows = store.db.query(sql, chunk)
        found.update(r["sender"] for r in rows)
    return found


_UNASSIGNED_OF = "WHERE report_id IS NULL AND sender IN"


def _marks(items: list[str]) -> str:
    return ",".join("?" * len(items))


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _assemble_followups(
    store: Store,
    window: timedelta,
    now: datetime,
    followup_window: timedelta,
    senders: Collection[str] | None = None,
) -> list[tuple[Report, str | None]]:
    rows: list[dict[str, Any]] = []
    if senders is None:
        rows.extend(store.db.query("SELECT * FROM messages WHERE report_id IS NULL"))
    else:
        for chunk in _chunks(sorted(senders)):
            rows.extend(store.db.query(f"SELECT * FROM messages {_UNASSIGNED_OF} ({_marks(chunk)})", chunk))
    closed, _ = group((store.message_from_row(r) for r in rows), window, now)
    out: list[tuple[Report, str | None]] = []
    for msgs in closed:
        rid = report_id_for(msgs[0])
        parent = store.open_question(msgs[0].sender, now - followup_window)
        context = store.report(parent).messages if parent else []
        copies = [m.model_copy(update={"message_id": f"{rid}~{m.message_id}"}) for m in context]
        report = Report(report_id=rid, sender=msgs[0].sender, messages=[*copies, *msgs])
        inserted = store.db.execute(
            "INSERT INTO reports (report_id, sender, text, message_ids, "
            "created_at, status, attempts, updated_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
            [
                rid,
                report.sender,
                report.text,
                dumps([m.message_id for m in report.messages]),
                now_iso(),
                "pending",
                0,
                now_iso(),
            ],
        ).rowcount
        if not inserted:  # a report made elsewhere already holds its own messages
            continue
        if parent:
            for c in copies:
                store.db.execute(
                    "INSERT INTO messages (message_id, sender, ts, type, text, media_id, "
                    "caption, location, raw, received_at, report_id) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
                    "ON CONFLICT DO NOTHING",
                    [
                        c.message_id,
                        c.sender,
                        c.timestamp.isoformat(),
                        c.type.value,
                        c.text,
                        c.media_id,
                        c.caption,
                        c.location.model_dump_json() if c.location else None,
                        dumps({"context_of": parent}),
                        now_iso(),
                        rid,
                    ],
                )
            store.db.execute(
                "INSERT INTO report_links (report_id, parent_id, created_at) VALUES (?,?,?) "
                "ON CONFLICT DO NOTHING",
                [rid, parent, now_iso()],
            )
        _attach(store, rid, msgs)
        out.append((report, parent))
    return out


def _attach(store: Store, report_id: str, msgs: list[RawMessage]) -> None:
    store.db.execute(
        f"UPDATE messages SET report_id = ? WHERE report_id IS NULL "
        f"AND message_id IN ({','.join('?' * len(msgs))})",
        [report_id, *[m.message_id for m in msgs]],
    )


@contextmanager
def one_assembler(db: Database, partition: int | None = None) -> Iterator[bool]:
    """One assembler at a time across every worker and machine, so a sender's messages are
    grouped in one place: two assemblers reading the unassigned messages a moment apart could
    otherwise group them differently. SQLite: the transaction's write lock (BEGIN IMMEDIATE).
    PostgreSQL: a transaction-level advisory lock, tried and not waited for (the assembler that
    holds it is doing this round's work; the others skip it). Yields whether this one may.
    With `partition`, only that partition's senders are locked (the partitioned intake: all
    workers use partition locks then, never the whole-store one)."""
    with writing(db):
        if db.is_postgres:
            if partition is None:
                lock = "pg_try_advisory_xact_lock(hashtext('lapor-triage-assemble'))"
                row = db.execute(f"SELECT {lock}").fetchone()
            else:
                lock = "pg_try_advisory_xact_lock(hashtext('lapor-triage-assemble-partition'), ?)"
                row = db.execute(f"SELECT {lock}", [partition]).fetchone()
            yield bool(row[0])
        else:
            yield True
