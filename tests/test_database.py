"""The one way into the database: `connect` opens and migrates SQLite or PostgreSQL the same way."""

from __future__ import annotations

import re
import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
import sqlite_utils
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine

from triage.store import database, migrations
from triage.store.database import NotFoundError, connect, schema_status
from triage.store.tables import metadata

PKG = Path(__file__).resolve().parent.parent / "triage"


def test_a_fresh_store_is_at_the_head_revision_and_stays_there(store_url: str) -> None:
    db = connect(store_url)
    head = database.head_revision()
    assert db.execute("SELECT version_num FROM alembic_version").fetchall() == [(head,)]
    db.close()
    again = connect(store_url)  # a second open migrates nothing and changes nothing
    assert again.execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1
    assert schema_status(store_url) == (True, f"at revision {head}")
    if not again.is_postgres:
        assert again.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert again.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_the_migrations_build_exactly_the_tables_the_store_describes(store_url: str) -> None:
    connect(store_url).close()
    engine = create_engine(database._sqlalchemy_url(store_url))
    try:
        with engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), metadata)
    finally:
        engine.dispose()
    # the full-text machinery is outside the description on purpose (it differs by database)
    diff = [d for d in diff if not (d[0] == "remove_table" and d[1].name.startswith("reports_fts"))]
    diff = [d for d in diff if not (d[0] == "remove_index" and d[1].name == "reports_text_search")]
    assert diff == []


def test_a_file_made_by_the_old_migration_list_keeps_its_rows(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    legacy = sqlite_utils.Database(sqlite3.connect(path))
    legacy.table("_migrations").create({"name": str, "applied_at": str}, pk="name")
    for fn in migrations.MIGRATIONS[:-1]:  # one migration short, as a file from before m009
        fn(legacy)
        legacy.table("_migrations").insert({"name": fn.__name__, "applied_at": "2026-11-01"})
    legacy.table("reports").insert({"report_id": "r1", "sender": "s", "text": "Jalan rusak di Bogor"})
    legacy.conn.close()

    db = connect(path)
    assert db.execute("SELECT version_num FROM alembic_version").fetchone()[0] == database.head_revision()
    assert db.table("reports").get("r1")["text"] == "Jalan rusak di Bogor"
    # the last old migration was finished before the stamp: search works on the old row
    assert db.execute("SELECT rowid FROM reports_fts WHERE reports_fts MATCH 'bogor'").fetchall() == [(1,)]


def test_a_revision_appended_later_reaches_an_existing_store(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    connect(store_url).close()
    scripts = tmp_path / "alembic"
    shutil.copytree(PKG / "store" / "alembic", scripts, ignore=shutil.ignore_patterns("__pycache__"))
    head = database.head_revision()
    (scripts / "versions" / "9999_test_column.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n"
        f"revision = '9999'\ndown_revision = {head!r}\nbranch_labels = None\ndepends_on = None\n"
        "def upgrade():\n    op.add_column('reports', sa.Column('m9999', sa.Text()))\n"
    )
    cfg = database._alembic_config()
    monkeypatch.setattr(database, "_alembic_config", lambda: cfg)
    monkeypatch.setattr(database, "head_revision", lambda: "9999")
    cfg.set_main_option("script_location", str(scripts))
    try:
        db = connect(store_url)
        assert db.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "9999"
        db.execute("INSERT INTO reports (report_id, m9999) VALUES ('x', 'kolom baru')")
        assert db.table("reports").get("x")["m9999"] == "kolom baru"
    finally:
        cfg.set_main_option("script_location", str(PKG / "store" / "alembic"))


def test_stores_opened_at_once_migrate_once(store_url: str) -> None:
    errors: list[BaseException] = []

    def open_it() -> None:
        try:
            connect(store_url).close()
        except BaseException as exc:  # noqa: BLE001 - collected and asserted below
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert connect(store_url).execute("SELECT count(*) FROM alembic_version").fetchone()[0] == 1


def test_a_transaction_is_all_or_nothing_and_a_savepoint_undoes_only_its_part(store_url: str) -> None:
    db = connect(store_url)
    with pytest.raises(RuntimeError), db.atomic():
        db.execute("INSERT INTO users (username, role) VALUES ('a', 'reviewer')")
        raise RuntimeError("crash mid-transaction")
    assert db.execute("SELECT count(*) FROM users").fetchone()[0] == 0
    with db.atomic():
        db.execute("INSERT INTO users (username, role) VALUES ('b', 'reviewer')")
        with pytest.raises(RuntimeError), db.atomic():
            db.execute("INSERT INTO users (username, role) VALUES ('c', 'reviewer')")
            raise RuntimeError("inner part fails")
    assert [r["username"] for r in db.query("SELECT username FROM users")] == ["b"]
    assert not db.in_transaction


def test_the_table_helpers_insert_upsert_and_get(store_url: str) -> None:
    db = connect(store_url)
    db.table("llm_cache").upsert({"key": "k", "judgement": "1", "created_at": "t1"}, pk="key")
    db.table("llm_cache").upsert({"key": "k", "judgement": "2", "created_at": "t2"}, pk="key")
    assert db.table("llm_cache").get("k")["judgement"] == "2"
    db.table("wa_statuses").insert({"wamid": "w", "status": "sent"})
    assert db.table("wa_statuses").get(("w", "sent"))["status"] == "sent"
    with pytest.raises(NotFoundError):
        db.table("llm_cache").get("missing")


def test_placeholders_and_percent_signs_mean_the_same_on_both(store_url: str) -> None:
    db = connect(store_url)
    db.execute("INSERT INTO reports (report_id, text) VALUES (?, ?)", ["r", "naik 100% dan 'mahal'?"])
    text = "naik 100% dan 'mahal'?"
    rows = db.query("SELECT report_id FROM reports WHERE text LIKE '%100%' AND text = ?", [text])
    assert [r["report_id"] for r in rows] == ["r"]
    assert db.execute("SELECT '?' || ?", ["x"]).fetchone()[0] == "?x"


def test_the_audit_log_refuses_change_on_both(store_url: str) -> None:
    db = connect(store_url)
    db.execute("INSERT INTO audit_log (report_id, action) VALUES ('r', 'confirm')")
    for sql in ("UPDATE audit_log SET note = 'rewritten'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            db.execute(sql)
        db.rollback()
    assert db.execute("SELECT count(*) FROM audit_log").fetchone()[0] == 1


def test_a_probe_does_not_create_what_it_is_asked_about(tmp_path: Path) -> None:
    ok, detail = schema_status(tmp_path / "none.db")
    assert (ok, detail) == (False, f"no database at {tmp_path / 'none.db'}")
    assert not (tmp_path / "none.db").exists()
    ok, detail = schema_status("postgresql://nobody:wrong@127.0.0.1:1/none")
    assert not ok and detail.startswith("cannot open")


def test_a_password_never_reaches_a_message() -> None:
    assert database.describe("postgresql://triage:s3cret@db:5432/x") == "postgresql://triage:***@db:5432/x"


def test_a_shared_connection_may_move_between_threads(tmp_path: Path) -> None:
    db = connect(tmp_path / "c.db", shared=True)
    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.append(db.execute("SELECT 1").fetchone()[0]))
    thread.start()
    thread.join()
    assert seen == [1]


def test_no_module_opens_a_database_by_hand() -> None:
    # The SP4N sandbox is a stand-in for another system (LAPOR!'s intake) with a store of its own,
    # not a way into this project's database.
    allowed = {"store/database.py", "sp4n/sandbox.py"}
    by_hand = re.compile(r"sqlite3\.connect\(|sqlite_utils\.Database\(|psycopg\.connect\(|create_engine\(")
    offenders = [
        str(p.relative_to(PKG))
        for p in PKG.rglob("*.py")
        if str(p.relative_to(PKG)) not in allowed and by_hand.search(p.read_text())
    ]
    assert offenders == []


def test_reviewer_search_on_postgresql_uses_its_index_and_folds_accents(pg_url: str) -> None:
    """The queue's search expression must be the indexed one, or every search reads every report."""
    from triage.review.queries import QueueFilter

    db = connect(pg_url)
    db.execute("INSERT INTO reports (report_id, text) VALUES ('r1', 'Jalan rusak di Bógor')")
    clauses, params = QueueFilter(text="bogor jal").where("postgresql")
    (clause,) = clauses
    sql = f"SELECT report_id FROM reports p WHERE {clause}"
    assert [r["report_id"] for r in db.query(sql, params)] == ["r1"]
    with db.atomic():
        db.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(r[0] for r in db.execute("EXPLAIN " + sql, params).fetchall())
    assert "reports_text_search" in plan


@pytest.mark.slow
def test_a_client_gone_quiet_mid_transaction_releases_its_locks(pg_url: str) -> None:
    """A worker cut off mid-claim keeps its row locks for as long as the server believes it is
    there (its TCP keepalive: two hours by default), and every other relay skips those rows. The
    store's connections end a transaction idle for 30 s, so the rows come back."""
    import time

    gone = connect(pg_url)
    gone.execute("INSERT INTO outbox (report_id, destination, state) VALUES ('r', 'sp4n', 'pending')")
    gone.execute("BEGIN")
    gone.execute("SELECT id FROM outbox FOR UPDATE")  # ... and then nothing: the client is gone
    other = connect(pg_url)
    assert other.execute("SELECT id FROM outbox FOR UPDATE SKIP LOCKED").fetchall() == []
    time.sleep(32)
    assert len(other.execute("SELECT id FROM outbox FOR UPDATE SKIP LOCKED").fetchall()) == 1
    with pytest.raises(Exception, match="idle-in-transaction|terminat|closed"):
        gone.execute("SELECT 1")
    assert gone.execute("SELECT 1").fetchone()[0] == 1  # the next statement connects afresh


def test_a_connection_left_mid_statement_is_replaced_not_retried_forever(pg_url: str) -> None:
    """A statement that failed half-way (its wait broken off, the answer never read) leaves libpq
    busy: every later statement fails with "another command is already in progress", which
    `unavailable()` rightly calls an outage, so a worker would wait on it forever (seen in the
    partition drill). The store notices the stuck connection and opens a new one."""
    db = connect(pg_url)
    db.execute("CREATE TABLE t (n integer)")
    db.conn.pgconn.send_query(b"SELECT pg_sleep(0.2)")  # sent, never read: what a broken wait leaves
    assert not db.in_transaction  # a stuck command is no transaction to roll back or save into
    db.execute("INSERT INTO t VALUES (1)")
    with db.atomic():
        db.execute("INSERT INTO t VALUES (2)")
    assert [r["n"] for r in db.query("SELECT n FROM t ORDER BY n")] == [1, 2]


def test_a_connection_busy_in_another_thread_is_waited_for_not_replaced(pg_url: str) -> None:
    import threading
    import time

    db = connect(pg_url)
    first = db.conn
    slow = threading.Thread(target=lambda: db.execute("SELECT pg_sleep(0.5)"))
    slow.start()
    time.sleep(0.1)
    assert db.execute("SELECT 1").fetchone()[0] == 1
    slow.join()
    assert db.conn is first
