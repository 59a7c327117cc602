"""The one way into the database: `connect` opens (creating if needed) and migrates it.

Every process and thread gets its connection here, so the pragmas (WAL, busy timeout, foreign
keys) and the migrations are the same everywhere.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import sqlite3
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from triage.store.migrations import MIGRATIONS


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


@contextlib.contextmanager
def writing(db: sqlite_utils.Database) -> Iterator[sqlite_utils.Database]:
    """A transaction that reads and then writes, safe with several worker processes.

    A plain BEGIN takes its read snapshot at the first SELECT; if another process commits before
    this one's first write, SQLite refuses the upgrade at once ("database is locked", whatever the
    busy timeout). BEGIN IMMEDIATE takes the write lock up front, waiting the busy timeout for it.
    Nested use falls back to a savepoint.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.conn.rollback()
        raise
    else:
        db.conn.execute("COMMIT")


def migrate(db: sqlite_utils.Database) -> None:
    db.table("_migrations").create({"name": str, "applied_at": str}, pk="name", if_not_exists=True)
    done = {row["name"] for row in db.table("_migrations").rows}
    for fn in MIGRATIONS:
        if fn.__name__ in done:
            continue
        with db.atomic():
            fn(db)
            db.table("_migrations").insert({"name": fn.__name__, "applied_at": now_iso()})


def _is_current(db: sqlite_utils.Database) -> bool:
    """Every migration recorded: the common case, answered without taking the migration lock."""
    if "_migrations" not in db.table_names():
        return False
    done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
    return all(fn.__name__ in done for fn in MIGRATIONS)


def schema_status(path: Path | str) -> tuple[bool, str]:
    """Whether the database is reachable and every migration is applied, read-only: a readiness
    probe must not create or migrate the file it is asked about."""
    if str(path) != ":memory:" and not Path(path).exists():
        return False, f"no database at {path}"
    try:
        conn = sqlite3.connect(f"file:{Path(path).resolve()}?mode=ro", uri=True, timeout=2.0)
    except sqlite3.Error as exc:
        return False, f"cannot open: {exc}"
    try:
        db = sqlite_utils.Database(conn)
        if _is_current(db):
            return True, f"{len(MIGRATIONS)} migrations applied"
        return False, "migrations not applied"
    except sqlite3.Error as exc:
        return False, f"cannot read: {exc}"
    finally:
        conn.close()


def connect(path: Path | str, *, shared: bool = False) -> sqlite_utils.Database:
    """Open (creating if needed) and migrate; WAL so the web page reads while the worker writes.

    `shared=True` lets one connection move between threads (a web handler runs in a pool thread,
    a metrics gauge in the server's), which sqlite3 refuses by default.

    `triage serve` and `triage worker` often start together on a fresh file: a file lock (named
    after the database's absolute path, in the temp dir) makes the second wait for the first's
    migrations instead of failing on "table already exists".
    """
    if str(path) == ":memory:":
        db = sqlite_utils.Database(memory=True)
        migrate(db)
        return db
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    db = sqlite_utils.Database(sqlite3.connect(str(path), check_same_thread=not shared))
    db.execute("PRAGMA busy_timeout = 10000")
    if not _is_current(db):
        key = hashlib.sha256(str(Path(path).resolve()).encode()).hexdigest()[:16]
        with open(Path(tempfile.gettempdir()) / f"lapor-triage-migrate-{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                db.enable_wal()
                migrate(db)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    db.execute("PRAGMA foreign_keys = ON")
    return db
