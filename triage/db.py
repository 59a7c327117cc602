"""The SQLite database: one file, created on first use, upgraded by an ordered list of migrations.

Same idea as simonw/llm: each migration is a function, applied once, in order, and its name
recorded in `_migrations`. Add new ones at the end; never edit one that has shipped.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append(fn)
    return fn


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


@migration
def m001_initial(db: sqlite_utils.Database) -> None:
    db["messages"].create(
        {
            "message_id": str,
            "sender": str,
            "ts": str,
            "type": str,
            "text": str,
            "media_id": str,
            "caption": str,
            "location": str,
            "raw": str,
            "received_at": str,
            "report_id": str,
        },
        pk="message_id",
    )
    db["messages"].create_index(["sender", "ts"])
    db["messages"].create_index(["report_id"])
    db["reports"].create(
        {
            "report_id": str,
            "sender": str,
            "text": str,
            "message_ids": str,
            "created_at": str,
            "status": str,  # pending | done | error
            "outcome": str,  # Outcome value once done
            "error": str,
            "attempts": int,
            "updated_at": str,
        },
        pk="report_id",
        defaults={"status": "pending", "attempts": 0},
    )
    db["reports"].create_index(["status"])
    db["llm_attempts"].create(
        {
            "id": int,
            "report_id": str,
            "attempt": int,
            "model": str,
            "prompt_hash": str,
            "request": str,
            "response_raw": str,
            "error": str,
            "prompt_tokens": int,
            "completion_tokens": int,
            "latency_ms": float,
            "created_at": str,
        },
        pk="id",
    )
    db["llm_attempts"].create_index(["report_id"])
    db["results"].create(
        {
            "report_id": str,
            "verdict": str,
            "reason": str,
            "category": str,
            "province": str,
            "regency": str,
            "confidence": float,
            "decided_by": str,
            "outcome": str,
            "result": str,
            "model": str,
            "prompt_version": str,
            "prompt_hash": str,
            "latency_ms": float,
            "tokens": int,
            "created_at": str,
        },
        pk="report_id",
    )
    db["results"].create_index(["verdict", "reason"])
    db["results"].create_index(["outcome"])
    db["outbox"].create(
        {
            "id": int,
            "report_id": str,
            "destination": str,
            "idempotency_key": str,
            "payload": str,
            "state": str,  # pending | sent | failed | dead
            "attempts": int,
            "last_error": str,
            "tracking_id": str,
            "next_attempt_at": str,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        defaults={"state": "pending", "attempts": 0},
    )
    db["outbox"].create_index(["report_id", "destination"], unique=True)
    db["outbox"].create_index(["state"])


@migration
def m002_evals(db: sqlite_utils.Database) -> None:
    db["eval_runs"].create(
        {
            "id": int,
            "dataset": str,
            "dataset_hash": str,
            "prompt_version": str,
            "prompt_hash": str,
            "model": str,
            "metrics": str,
            "out_dir": str,
            "created_at": str,
        },
        pk="id",
    )
    db["eval_runs"].create_index(["dataset_hash", "prompt_hash", "model"])
    db["eval_cache"].create(
        {"key": str, "result": str, "latency_ms": float, "tokens": int, "created_at": str},
        pk="key",
    )


# Reserved places in the order, so work on intake, outbox and review can land in any order.
# Each is filled in by that work before it ships; an empty one changes nothing.


@migration
def m003_intake(db: sqlite_utils.Database) -> None:
    """Webhook delivery log, queue leases, outbound WhatsApp messages (intake and worker)."""


@migration
def m004_outbox(db: sqlite_utils.Database) -> None:
    """Extra columns for SP4N destinations (hand-off)."""


@migration
def m005_review(db: sqlite_utils.Database) -> None:
    """Users, sessions and the append-only audit log of reviewer actions (review page)."""


def migrate(db: sqlite_utils.Database) -> None:
    db["_migrations"].create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
    done = {row["name"] for row in db["_migrations"].rows}
    for fn in MIGRATIONS:
        if fn.__name__ in done:
            continue
        with db.conn:
            fn(db)
            db["_migrations"].insert({"name": fn.__name__, "applied_at": now_iso()})


def connect(path: Path | str) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate; WAL so the web page reads while the worker writes."""
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(path)
    db.execute("PRAGMA busy_timeout = 10000")
    if str(path) != ":memory:":
        db.enable_wal()
    db.execute("PRAGMA foreign_keys = ON")
    migrate(db)
    return db
