"""The tables as they stand after every migration: one description for SQLite and PostgreSQL.

The store's queries are plain SQL text written to run on both; this description is what the
migrations must produce (a test compares them) and where the store finds a table's primary key.
Timestamps stay ISO-8601 text on both, so ordering and comparison behave the same everywhere.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, MetaData, Table, Text

metadata = MetaData()


def _text(*names: str) -> list[Column[str]]:
    return [Column(n, Text) for n in names]


messages = Table(
    "messages",
    metadata,
    Column("message_id", Text, primary_key=True),
    *_text("sender", "ts", "type", "text", "media_id", "caption", "location", "raw", "received_at"),
    Column("report_id", Text),
    Index("idx_messages_sender_ts", "sender", "ts"),
    Index("idx_messages_report_id", "report_id"),
)

reports = Table(
    "reports",
    metadata,
    Column("report_id", Text, primary_key=True),
    *_text("sender", "text", "message_ids", "created_at"),
    Column("status", Text, server_default="pending"),  # pending | done | error
    Column("outcome", Text),
    Column("error", Text),
    Column("attempts", Integer, server_default="0"),
    Column("updated_at", Text),
    Index("idx_reports_status", "status"),
    Index("idx_reports_text_created_at", "text", "created_at"),
)

llm_attempts = Table(
    "llm_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("report_id", Text),
    Column("attempt", Integer),
    *_text("model", "prompt_hash", "request", "response_raw", "error"),
    Column("prompt_tokens", Integer),
    Column("completion_tokens", Integer),
    Column("latency_ms", Float),
    Column("created_at", Text),
    Index("idx_llm_attempts_report_id", "report_id"),
)

results = Table(
    "results",
    metadata,
    Column("report_id", Text, primary_key=True),
    *_text("verdict", "reason", "category", "province", "regency"),
    Column("confidence", Float),
    *_text("decided_by", "outcome", "result", "model", "prompt_version", "prompt_hash"),
    Column("latency_ms", Float),
    Column("tokens", Integer),
    Column("created_at", Text),
    Index("idx_results_verdict_reason", "verdict", "reason"),
    Index("idx_results_outcome", "outcome"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_text("report_id", "destination", "idempotency_key", "payload"),
    Column("state", Text, server_default="pending"),  # pending | sent | failed | dead
    Column("attempts", Integer, server_default="0"),
    *_text("last_error", "tracking_id", "next_attempt_at", "created_at", "updated_at"),
    *_text("transport", "lease_until", "sent_at", "notified_at"),
    Index("idx_outbox_report_id_destination", "report_id", "destination", unique=True),
    Index("idx_outbox_state", "state"),
    Index("idx_outbox_state_next_attempt_at", "state", "next_attempt_at"),
)

outbox_attempts = Table(
    "outbox_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("outbox_id", Integer),
    Column("attempt", Integer),
    *_text("transport", "started_at", "finished_at"),
    Column("ok", Integer),
    *_text("tracking_id", "error"),
    Column("latency_ms", Float),
    Index("idx_outbox_attempts_outbox_id", "outbox_id"),
)

eval_runs = Table(
    "eval_runs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_text("dataset", "dataset_hash", "prompt_version", "prompt_hash", "model", "metrics", "out_dir"),
    Column("created_at", Text),
    *_text("prompt_text", "settings", "code_version"),
    Index("idx_eval_runs_dataset_hash_prompt_hash_model", "dataset_hash", "prompt_hash", "model"),
)

eval_cache = Table(
    "eval_cache",
    metadata,
    Column("key", Text, primary_key=True),
    Column("result", Text),
    Column("latency_ms", Float),
    Column("tokens", Integer),
    Column("created_at", Text),
)

queue = Table(
    "queue",
    metadata,
    Column("name", Text, primary_key=True),
    Column("item_id", Text, primary_key=True),
    Column("state", Text, server_default="ready"),  # ready | leased | done | dead
    Column("available_at", Float, server_default="0.0"),  # epoch seconds
    Column("lease_until", Float),
    *_text("consumer", "token"),
    Column("deliveries", Integer, server_default="0"),
    Column("retries", Integer, server_default="0"),
    *_text("last_error", "created_at", "updated_at"),
    Index("idx_queue_name_state_available_at", "name", "state", "available_at"),
)

wa_contacts = Table(
    "wa_contacts",
    metadata,
    Column("sender", Text, primary_key=True),
    *_text("wa_id", "user_id", "last_inbound_at", "updated_at"),
    Index("idx_wa_contacts_user_id", "user_id"),
)

wa_statuses = Table(
    "wa_statuses",
    metadata,
    Column("wamid", Text, primary_key=True),
    Column("status", Text, primary_key=True),
    *_text("recipient", "ts", "errors", "received_at"),
)

wa_outbound = Table(
    "wa_outbound",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_text("report_id", "kind", "sender", "body"),
    Column("state", Text, server_default="pending"),  # pending | sent | skipped | dead
    Column("attempts", Integer, server_default="0"),
    *_text("wamid", "delivery_status", "last_error"),
    Column("next_attempt_at", Float, server_default="0.0"),
    *_text("created_at", "updated_at"),
    Index("idx_wa_outbound_report_id_kind", "report_id", "kind", unique=True),
    Index("idx_wa_outbound_state_next_attempt_at", "state", "next_attempt_at"),
)

report_links = Table(
    "report_links",
    metadata,
    Column("report_id", Text, primary_key=True),
    *_text("parent_id", "created_at"),
    Index("idx_report_links_parent_id", "parent_id"),
)

webhook_rejects = Table(
    "webhook_rejects",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("status", Integer),
    *_text("reason", "body_masked", "received_at"),
)

users = Table(
    "users",
    metadata,
    Column("username", Text, primary_key=True),
    *_text("password_hash", "role", "created_at"),
    Column("disabled", Integer, server_default="0"),
)

sessions = Table(
    "sessions",
    metadata,
    Column("token_hash", Text, primary_key=True),
    *_text("username", "csrf", "ip", "created_at", "expires_at"),
    Index("idx_sessions_username", "username"),
)

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_text("username", "ip"),
    Column("ok", Integer),
    Column("ts", Text),
    Index("idx_login_attempts_username_ip_ts", "username", "ip", "ts"),
    Index("idx_login_attempts_ip_ts", "ip", "ts"),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_text("report_id", "actor", "role", "action"),
    *_text("from_verdict", "from_reason", "from_outcome", "to_verdict", "to_reason", "to_outcome"),
    *_text("note", "detail", "created_at"),
    Index("idx_audit_log_report_id_id", "report_id", "id"),
    Index("idx_audit_log_action_created_at", "action", "created_at"),
)

llm_cache = Table(
    "llm_cache",
    metadata,
    Column("key", Text, primary_key=True),
    *_text("judgement", "attempts", "created_at"),
)


claims = Table(
    "claims",
    metadata,
    Column("report_id", Text, primary_key=True),
    *_text("username", "assigned_by", "claimed_at", "expires_at"),
    Index("idx_claims_username", "username"),
)


second_reviews = Table(
    "second_reviews",
    metadata,
    Column("report_id", Text, primary_key=True),
    *_text("system_label", "first_actor", "first_label", "created_at"),
    *_text("second_actor", "second_label", "decided_at"),
    Index("idx_second_reviews_second_actor", "second_actor"),
)


media = Table(
    "media",
    metadata,
    Column("media_id", Text, primary_key=True),
    *_text("sha256", "mime_type"),
    Column("size", Integer),
    Column("status", Text, nullable=False),
    Column("error", Text),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("updated_at", Text),
    Index("idx_media_sha256", "sha256"),
)

transcripts = Table(
    "transcripts",
    metadata,
    Column("sha256", Text, primary_key=True),
    Column("status", Text, nullable=False),
    Column("text", Text),
    Column("confidence", Float),
    *_text("transcript", "error", "created_at"),
)


def primary_key(table: str) -> tuple[str, ...]:
    return tuple(c.name for c in metadata.tables[table].primary_key.columns)
