"""The schema the old migration list built (m001..m009 of triage/store/migrations.py).

A SQLite file migrated by that list is stamped here without change; a new store of either kind
is created here. What differs by database: full-text search over report text (FTS5 with its
triggers on SQLite, a GIN index over to_tsvector on PostgreSQL) and the guard that keeps the
audit log append-only (a trigger on each).

Revision ID: 0001
Revises:
Create Date: 2026-12-05 23:01:29.959976
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Text(), nullable=True),
        sa.Column("actor", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("action", sa.Text(), nullable=True),
        sa.Column("from_verdict", sa.Text(), nullable=True),
        sa.Column("from_reason", sa.Text(), nullable=True),
        sa.Column("from_outcome", sa.Text(), nullable=True),
        sa.Column("to_verdict", sa.Text(), nullable=True),
        sa.Column("to_reason", sa.Text(), nullable=True),
        sa.Column("to_outcome", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("idx_audit_log_action_created_at", ["action", "created_at"], unique=False)
        batch_op.create_index("idx_audit_log_report_id_id", ["report_id", "id"], unique=False)

    op.create_table(
        "eval_cache",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("tokens", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "eval_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset", sa.Text(), nullable=True),
        sa.Column("dataset_hash", sa.Text(), nullable=True),
        sa.Column("prompt_version", sa.Text(), nullable=True),
        sa.Column("prompt_hash", sa.Text(), nullable=True),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("metrics", sa.Text(), nullable=True),
        sa.Column("out_dir", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("eval_runs", schema=None) as batch_op:
        batch_op.create_index(
            "idx_eval_runs_dataset_hash_prompt_hash_model",
            ["dataset_hash", "prompt_hash", "model"],
            unique=False,
        )

    op.create_table(
        "llm_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Text(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=True),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("prompt_hash", sa.Text(), nullable=True),
        sa.Column("request", sa.Text(), nullable=True),
        sa.Column("response_raw", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("prompt_tokens", sa.Integer(), nullable=True),
        sa.Column("completion_tokens", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("llm_attempts", schema=None) as batch_op:
        batch_op.create_index("idx_llm_attempts_report_id", ["report_id"], unique=False)

    op.create_table(
        "llm_cache",
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("judgement", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.Text(), nullable=True),
        sa.Column("ip", sa.Text(), nullable=True),
        sa.Column("ok", sa.Integer(), nullable=True),
        sa.Column("ts", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("login_attempts", schema=None) as batch_op:
        batch_op.create_index("idx_login_attempts_ip_ts", ["ip", "ts"], unique=False)
        batch_op.create_index("idx_login_attempts_username_ip_ts", ["username", "ip", "ts"], unique=False)

    op.create_table(
        "messages",
        sa.Column("message_id", sa.Text(), nullable=False),
        sa.Column("sender", sa.Text(), nullable=True),
        sa.Column("ts", sa.Text(), nullable=True),
        sa.Column("type", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("media_id", sa.Text(), nullable=True),
        sa.Column("caption", sa.Text(), nullable=True),
        sa.Column("location", sa.Text(), nullable=True),
        sa.Column("raw", sa.Text(), nullable=True),
        sa.Column("received_at", sa.Text(), nullable=True),
        sa.Column("report_id", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("message_id"),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index("idx_messages_report_id", ["report_id"], unique=False)
        batch_op.create_index("idx_messages_sender_ts", ["sender", "ts"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Text(), nullable=True),
        sa.Column("destination", sa.Text(), nullable=True),
        sa.Column("idempotency_key", sa.Text(), nullable=True),
        sa.Column("payload", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), server_default="pending", nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("tracking_id", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.Text(), nullable=True),
        sa.Column("transport", sa.Text(), nullable=True),
        sa.Column("lease_until", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.Text(), nullable=True),
        sa.Column("notified_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("idx_outbox_report_id_destination", ["report_id", "destination"], unique=True)
        batch_op.create_index("idx_outbox_state", ["state"], unique=False)
        batch_op.create_index("idx_outbox_state_next_attempt_at", ["state", "next_attempt_at"], unique=False)

    op.create_table(
        "outbox_attempts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=True),
        sa.Column("transport", sa.Text(), nullable=True),
        sa.Column("started_at", sa.Text(), nullable=True),
        sa.Column("finished_at", sa.Text(), nullable=True),
        sa.Column("ok", sa.Integer(), nullable=True),
        sa.Column("tracking_id", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("outbox_attempts", schema=None) as batch_op:
        batch_op.create_index("idx_outbox_attempts_outbox_id", ["outbox_id"], unique=False)

    op.create_table(
        "queue",
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("item_id", sa.Text(), nullable=False),
        sa.Column("state", sa.Text(), server_default="ready", nullable=True),
        sa.Column("available_at", sa.Float(), server_default="0.0", nullable=True),
        sa.Column("lease_until", sa.Float(), nullable=True),
        sa.Column("consumer", sa.Text(), nullable=True),
        sa.Column("token", sa.Text(), nullable=True),
        sa.Column("deliveries", sa.Integer(), server_default="0", nullable=True),
        sa.Column("retries", sa.Integer(), server_default="0", nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("name", "item_id"),
    )
    with op.batch_alter_table("queue", schema=None) as batch_op:
        batch_op.create_index(
            "idx_queue_name_state_available_at", ["name", "state", "available_at"], unique=False
        )

    op.create_table(
        "report_links",
        sa.Column("report_id", sa.Text(), nullable=False),
        sa.Column("parent_id", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("report_id"),
    )
    with op.batch_alter_table("report_links", schema=None) as batch_op:
        batch_op.create_index("idx_report_links_parent_id", ["parent_id"], unique=False)

    op.create_table(
        "reports",
        sa.Column("report_id", sa.Text(), nullable=False),
        sa.Column("sender", sa.Text(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("message_ids", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=True),
        sa.Column("status", sa.Text(), server_default="pending", nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=True),
        sa.Column("updated_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("report_id"),
    )
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.create_index("idx_reports_status", ["status"], unique=False)
        batch_op.create_index("idx_reports_text_created_at", ["text", "created_at"], unique=False)

    op.create_table(
        "results",
        sa.Column("report_id", sa.Text(), nullable=False),
        sa.Column("verdict", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("category", sa.Text(), nullable=True),
        sa.Column("province", sa.Text(), nullable=True),
        sa.Column("regency", sa.Text(), nullable=True),
        sa.Column("confidence", sa.Float(), nullable=True),
        sa.Column("decided_by", sa.Text(), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("result", sa.Text(), nullable=True),
        sa.Column("model", sa.Text(), nullable=True),
        sa.Column("prompt_version", sa.Text(), nullable=True),
        sa.Column("prompt_hash", sa.Text(), nullable=True),
        sa.Column("latency_ms", sa.Float(), nullable=True),
        sa.Column("tokens", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("report_id"),
    )
    with op.batch_alter_table("results", schema=None) as batch_op:
        batch_op.create_index("idx_results_outcome", ["outcome"], unique=False)
        batch_op.create_index("idx_results_verdict_reason", ["verdict", "reason"], unique=False)

    op.create_table(
        "sessions",
        sa.Column("token_hash", sa.Text(), nullable=False),
        sa.Column("username", sa.Text(), nullable=True),
        sa.Column("csrf", sa.Text(), nullable=True),
        sa.Column("ip", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("token_hash"),
    )
    with op.batch_alter_table("sessions", schema=None) as batch_op:
        batch_op.create_index("idx_sessions_username", ["username"], unique=False)

    op.create_table(
        "users",
        sa.Column("username", sa.Text(), nullable=False),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("role", sa.Text(), nullable=True),
        sa.Column("created_at", sa.Text(), nullable=True),
        sa.Column("disabled", sa.Integer(), server_default="0", nullable=True),
        sa.PrimaryKeyConstraint("username"),
    )
    op.create_table(
        "wa_contacts",
        sa.Column("sender", sa.Text(), nullable=False),
        sa.Column("wa_id", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Text(), nullable=True),
        sa.Column("last_inbound_at", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("sender"),
    )
    with op.batch_alter_table("wa_contacts", schema=None) as batch_op:
        batch_op.create_index("idx_wa_contacts_user_id", ["user_id"], unique=False)

    op.create_table(
        "wa_outbound",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("report_id", sa.Text(), nullable=True),
        sa.Column("kind", sa.Text(), nullable=True),
        sa.Column("sender", sa.Text(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("state", sa.Text(), server_default="pending", nullable=True),
        sa.Column("attempts", sa.Integer(), server_default="0", nullable=True),
        sa.Column("wamid", sa.Text(), nullable=True),
        sa.Column("delivery_status", sa.Text(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.Float(), server_default="0.0", nullable=True),
        sa.Column("created_at", sa.Text(), nullable=True),
        sa.Column("updated_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("wa_outbound", schema=None) as batch_op:
        batch_op.create_index("idx_wa_outbound_report_id_kind", ["report_id", "kind"], unique=True)
        batch_op.create_index(
            "idx_wa_outbound_state_next_attempt_at", ["state", "next_attempt_at"], unique=False
        )

    op.create_table(
        "wa_statuses",
        sa.Column("wamid", sa.Text(), nullable=False),
        sa.Column("status", sa.Text(), nullable=False),
        sa.Column("recipient", sa.Text(), nullable=True),
        sa.Column("ts", sa.Text(), nullable=True),
        sa.Column("errors", sa.Text(), nullable=True),
        sa.Column("received_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("wamid", "status"),
    )
    op.create_table(
        "webhook_rejects",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("body_masked", sa.Text(), nullable=True),
        sa.Column("received_at", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql()
    else:
        _sqlite()


def downgrade() -> None:
    raise NotImplementedError("migrations only go forward; restore a backup to go back")


def _sqlite() -> None:
    for sql in (
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END",
        # external content: the text stays in `reports` alone; accents folded, case ignored
        "CREATE VIRTUAL TABLE reports_fts USING fts5(text, content='reports', content_rowid='rowid', "
        "tokenize='unicode61 remove_diacritics 2')",
        "CREATE TRIGGER reports_fts_insert AFTER INSERT ON reports BEGIN "
        "INSERT INTO reports_fts(rowid, text) VALUES (new.rowid, new.text); END",
        "CREATE TRIGGER reports_fts_delete AFTER DELETE ON reports BEGIN "
        "INSERT INTO reports_fts(reports_fts, rowid, text) VALUES ('delete', old.rowid, old.text); END",
        "CREATE TRIGGER reports_fts_update AFTER UPDATE OF text ON reports BEGIN "
        "INSERT INTO reports_fts(reports_fts, rowid, text) VALUES ('delete', old.rowid, old.text); "
        "INSERT INTO reports_fts(rowid, text) VALUES (new.rowid, new.text); END",
    ):
        op.execute(sql)


def _postgresql() -> None:
    op.execute(
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
    )
    # 'simple': no stemming or stop words (Indonesian has no built-in configuration); accents
    # folded with translate() (immutable, no extension needed), as FTS5's remove_diacritics does
    op.execute(
        "CREATE INDEX reports_text_search ON reports USING gin "
        f"(to_tsvector('simple', translate(coalesce(text, ''), '{_FOLD_FROM}', '{_FOLD_TO}')))"
    )


_FOLD_FROM = (
    "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝ"
    "ĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſ"
)
_FOLD_TO = (
    "AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGg"
    "GgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzs"
)
