"""The ordered, append-only list of schema migrations (SQLite; the idea of simonw/llm).

Each migration is a function, applied once, in order, and its name recorded in `_migrations`.
Add a new one at the end; never edit one that has shipped: a database migrated with the old text
would never see the change.
"""

from __future__ import annotations

from collections.abc import Callable

import sqlite_utils

Migration = Callable[[sqlite_utils.Database], None]
MIGRATIONS: list[Migration] = []


def migration(fn: Migration) -> Migration:
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_initial(db: sqlite_utils.Database) -> None:
    db.table("messages").create(
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
    db.table("messages").create_index(["sender", "ts"])
    db.table("messages").create_index(["report_id"])
    db.table("reports").create(
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
    db.table("reports").create_index(["status"])
    db.table("llm_attempts").create(
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
    db.table("llm_attempts").create_index(["report_id"])
    db.table("results").create(
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
    db.table("results").create_index(["verdict", "reason"])
    db.table("results").create_index(["outcome"])
    db.table("outbox").create(
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
    db.table("outbox").create_index(["report_id", "destination"], unique=True)
    db.table("outbox").create_index(["state"])


@migration
def m002_evals(db: sqlite_utils.Database) -> None:
    db.table("eval_runs").create(
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
    db.table("eval_runs").create_index(["dataset_hash", "prompt_hash", "model"])
    db.table("eval_cache").create(
        {"key": str, "result": str, "latency_ms": float, "tokens": int, "created_at": str},
        pk="key",
    )


@migration
def m003_intake(db: sqlite_utils.Database) -> None:
    """Webhook delivery log, queue leases, outbound WhatsApp messages (intake and worker).

    `queue` is the embedded (SQLite) work queue: one row per item ever enqueued, so a re-put of a
    known item is a no-op and a crashed worker's lease simply expires (`lease_until`). `wa_*`
    tables keep what WhatsApp told us and what we sent, so acknowledgements go out exactly once.
    """
    db.table("queue").create(
        {
            "name": str,
            "item_id": str,
            "state": str,  # ready | leased | done | dead
            "available_at": float,  # epoch seconds; a nack with backoff moves it forward
            "lease_until": float,
            "consumer": str,
            "token": str,
            "deliveries": int,  # counted deliveries (crashes, unexpected errors); dead after N
            "retries": int,  # uncounted retries (LLM unavailable, shutdown releases)
            "last_error": str,
            "created_at": str,
            "updated_at": str,
        },
        pk=("name", "item_id"),
        defaults={"state": "ready", "deliveries": 0, "retries": 0, "available_at": 0.0},
    )
    db.table("queue").create_index(["name", "state", "available_at"])
    db.table("wa_contacts").create(
        {"sender": str, "wa_id": str, "user_id": str, "last_inbound_at": str, "updated_at": str},
        pk="sender",
    )
    db.table("wa_contacts").create_index(["user_id"])
    db.table("wa_statuses").create(
        {"wamid": str, "status": str, "recipient": str, "ts": str, "errors": str, "received_at": str},
        pk=("wamid", "status"),
    )
    db.table("wa_outbound").create(
        {
            "id": int,
            "report_id": str,
            "kind": str,  # ack | verdict
            "sender": str,
            "body": str,
            "state": str,  # pending | sent | skipped | dead
            "attempts": int,
            "wamid": str,
            "delivery_status": str,  # latest WhatsApp status callback: sent | delivered | read | failed
            "last_error": str,
            "next_attempt_at": float,
            "created_at": str,
            "updated_at": str,
        },
        pk="id",
        defaults={"state": "pending", "attempts": 0, "next_attempt_at": 0.0},
    )
    db.table("wa_outbound").create_index(["report_id", "kind"], unique=True)
    db.table("wa_outbound").create_index(["state", "next_attempt_at"])
    # A follow-up report (the answer to a needs_info question) and the report that asked.
    db.table("report_links").create({"report_id": str, "parent_id": str, "created_at": str}, pk="report_id")
    db.table("report_links").create_index(["parent_id"])
    db.table("webhook_rejects").create(
        {"id": int, "status": int, "reason": str, "body_masked": str, "received_at": str}, pk="id"
    )


@migration
def m004_outbox(db: sqlite_utils.Database) -> None:
    """Extra columns for SP4N destinations (hand-off).

    `lease_until` lets several relays (worker and `triage relay`) share the outbox: a claimed row
    is skipped until its lease runs out, so a relay killed mid-request leaves it due again.
    `outbox_attempts` keeps every delivery attempt, including ones a crash never finished.
    """
    outbox = db.table("outbox")
    outbox.add_column("transport", str)
    outbox.add_column("lease_until", str)
    outbox.add_column("sent_at", str)
    outbox.add_column("notified_at", str)
    outbox.create_index(["state", "next_attempt_at"])
    attempts = db.table("outbox_attempts")
    attempts.create(
        {
            "id": int,
            "outbox_id": int,
            "attempt": int,
            "transport": str,
            "started_at": str,
            "finished_at": str,
            "ok": int,
            "tracking_id": str,
            "error": str,
            "latency_ms": float,
        },
        pk="id",
    )
    attempts.create_index(["outbox_id"])


@migration
def m005_review(db: sqlite_utils.Database) -> None:
    """Users, sessions and the append-only audit log of reviewer actions (review page).

    The audit log is the record of who overturned what and why, so SQLite itself refuses to
    change or delete a row: a bug or a hand-run UPDATE cannot rewrite history.
    """
    db.table("users").create(
        {"username": str, "password_hash": str, "role": str, "created_at": str, "disabled": int},
        pk="username",
        defaults={"disabled": 0},
    )
    db.table("sessions").create(
        {
            "token_hash": str,
            "username": str,
            "csrf": str,
            "ip": str,
            "created_at": str,
            "expires_at": str,
        },
        pk="token_hash",
    )
    db.table("sessions").create_index(["username"])
    db.table("login_attempts").create({"id": int, "username": str, "ip": str, "ok": int, "ts": str}, pk="id")
    db.table("login_attempts").create_index(["username", "ip", "ts"])
    db.table("login_attempts").create_index(["ip", "ts"])
    db.table("audit_log").create(
        {
            "id": int,
            "report_id": str,
            "actor": str,
            "role": str,
            "action": str,  # confirm | overturn | reveal | reveal_denied
            "from_verdict": str,
            "from_reason": str,
            "from_outcome": str,
            "to_verdict": str,
            "to_reason": str,
            "to_outcome": str,
            "note": str,
            "detail": str,  # JSON: the result before, fields revealed, ...
            "created_at": str,
        },
        pk="id",
    )
    db.table("audit_log").create_index(["report_id", "id"])
    db.table("audit_log").create_index(["action", "created_at"])
    db.execute(
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
    )


@migration
def m007_llm_cache(db: sqlite_utils.Database) -> None:
    """The model's answers by (model, prompt, schema, text), so evals re-run logic for free."""
    db.table("llm_cache").create({"key": str, "judgement": str, "attempts": str, "created_at": str}, pk="key")


@migration
def m008_report_text_index(db: sqlite_utils.Database) -> None:
    """Counting how many senders sent the very same text (the flood rule of the prefilter)."""
    db.table("reports").create_index(["text", "created_at"], if_not_exists=True)


@migration
def m009_report_search(db: sqlite_utils.Database) -> None:
    """Full-text search over what citizens wrote, for the reviewers' queues (SQLite FTS5).

    External content (the text stays in `reports` alone), kept in step by triggers; accents folded
    so "Bogor" finds "bógor" and case does not matter. Reports are only ever inserted (INSERT OR
    IGNORE), but an update or delete is followed too so the index can never disagree.
    """
    db.execute(
        "CREATE VIRTUAL TABLE reports_fts USING fts5(text, content='reports', content_rowid='rowid', "
        "tokenize='unicode61 remove_diacritics 2')"
    )
    db.execute(
        "CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports BEGIN "
        "INSERT INTO reports_fts(rowid, text) VALUES (new.rowid, new.text); END"
    )
    db.execute(
        "CREATE TRIGGER reports_fts_delete AFTER DELETE ON reports BEGIN "
        "INSERT INTO reports_fts(reports_fts, rowid, text) VALUES ('delete', old.rowid, old.text); END"
    )
    db.execute(
        "CREATE TRIGGER reports_fts_update AFTER UPDATE OF text ON reports BEGIN "
        "INSERT INTO reports_fts(reports_fts, rowid, text) VALUES ('delete', old.rowid, old.text); "
        "INSERT INTO reports_fts(rowid, text) VALUES (new.rowid, new.text); END"
    )
    db.execute("INSERT INTO reports_fts(reports_fts) VALUES ('rebuild')")
