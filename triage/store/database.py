"""The one way into the database: `connect` opens (creating if needed) and migrates it.

`TRIAGE_DB` is a file path or `sqlite:///path` (the embedded default, no server) or a
`postgresql://user:pass@host/db` URL (the shared store of several machines). Both are reached
through `Database`, which runs the same SQL text on either: `?` placeholders, `INSERT ... ON
CONFLICT`, `RETURNING`. Statements outside `atomic()` commit on their own, as sqlite-utils did;
`atomic()` is one transaction (a savepoint when nested), and `writing()` one that reads then
writes: SQLite takes its write lock up front (BEGIN IMMEDIATE), PostgreSQL locks the rows it
reads with `FOR UPDATE` where the query asks for `db.for_update`.

Migrations are Alembic revisions (`triage/store/alembic/versions`), one ordered list for both
stores. A SQLite file made before Alembic (it has `_migrations`) is finished with the old list
and then stamped at the first revision, which is the schema that list built.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import re
import secrets
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from triage.store.tables import primary_key

Dialect = Literal["sqlite", "postgresql"]
Params = Sequence[Any] | dict[str, Any] | None
BASELINE = "0001"  # the revision equal to the last migration of the old list (m009)
_SERVER_SCHEMES = ("postgresql://", "postgres://", "postgresql+psycopg://")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


class NotFoundError(KeyError):
    """`Table.get` of a key that is not there."""


def is_server(db: Path | str) -> bool:
    return str(db).startswith(_SERVER_SCHEMES)


def sqlite_path(db: Path | str) -> Path | None:
    """The file of an embedded database (None for a server URL or `:memory:`)."""
    text = str(db)
    if is_server(text) or text in (":memory:", "sqlite://", "sqlite:///:memory:"):
        return None
    if text.startswith("sqlite:///"):
        text = text.removeprefix("sqlite:///")
    return Path(text)


def local_dir(db: Path | str) -> Path:
    """Where files that belong beside the store go (eval runs, the demo's sandbox): the SQLite
    file's folder, or the working directory for a server."""
    path = sqlite_path(db)
    return path.resolve().parent if path else Path.cwd()


def describe(db: Path | str) -> str:
    """Where the store is, without a password, for logs and messages."""
    text = str(db)
    if is_server(text):
        return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", text)
    return text


@functools.lru_cache(maxsize=512)
def _pg_sql(sql: str) -> str:
    """`?` placeholders to psycopg's `%s` (and a literal `%` doubled), outside quoted text."""
    out: list[str] = []
    quote: str | None = None
    for ch in sql:
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


class Table:
    """The few table helpers the store uses (sqlite-utils' names), on either database."""

    def __init__(self, db: Database, name: str) -> None:
        self.db = db
        self.name = name

    def get(self, key: Any) -> dict[str, Any]:
        pk = primary_key(self.name)
        values = list(key) if isinstance(key, tuple | list) else [key]
        where = " AND ".join(f"{c} = ?" for c in pk)
        rows = list(self.db.query(f"SELECT * FROM {self.name} WHERE {where}", values))
        if not rows:
            raise NotFoundError(f"{self.name}: no row {key!r}")
        return rows[0]

    @property
    def count(self) -> int:
        return int(self.db.execute(f"SELECT count(*) FROM {self.name}").fetchone()[0])

    @property
    def rows(self) -> list[dict[str, Any]]:
        return list(self.db.query(f"SELECT * FROM {self.name}"))

    def update(self, key: Any, values: dict[str, Any]) -> None:
        pk = primary_key(self.name)
        keys = list(key) if isinstance(key, tuple | list) else [key]
        sets = ", ".join(f"{c} = ?" for c in values)
        where = " AND ".join(f"{c} = ?" for c in pk)
        self.db.execute(f"UPDATE {self.name} SET {sets} WHERE {where}", [*values.values(), *keys])

    def insert(self, row: dict[str, Any]) -> None:
        cols = list(row)
        self.db.execute(
            f"INSERT INTO {self.name} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
            [row[c] for c in cols],
        )

    def upsert(self, row: dict[str, Any], pk: str | Sequence[str] | None = None) -> None:
        self.upsert_all([row], pk)

    def upsert_all(self, rows: Iterable[dict[str, Any]], pk: str | Sequence[str] | None = None) -> None:
        keys = (pk,) if isinstance(pk, str) else tuple(pk or primary_key(self.name))
        with self.db.atomic():
            for row in rows:
                cols = list(row)
                update = [c for c in cols if c not in keys]
                action = (
                    "DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in update)
                    if update
                    else "DO NOTHING"
                )
                self.db.execute(
                    f"INSERT INTO {self.name} ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)}) "
                    f"ON CONFLICT ({', '.join(keys)}) {action}",
                    [row[c] for c in cols],
                )


class Database:
    """One connection to SQLite or PostgreSQL, in autocommit mode with explicit transactions."""

    def __init__(self, conn: Any, dialect: Dialect, location: str, url: str | None = None) -> None:
        self.conn = conn
        self.dialect: Dialect = dialect
        self.location = location
        self.url = url  # PostgreSQL: to connect again after the server restarted or the network broke

    @property
    def is_postgres(self) -> bool:
        return self.dialect == "postgresql"

    @property
    def for_update(self) -> str:
        """Appended to a claim's SELECT: rows another transaction holds are passed over on
        PostgreSQL; SQLite needs nothing (`writing()` already holds its only write lock)."""
        return " FOR UPDATE SKIP LOCKED" if self.is_postgres else ""

    @property
    def in_transaction(self) -> bool:
        if self.is_postgres:
            from psycopg.pq import TransactionStatus

            status = self.conn.info.transaction_status
            return status in (TransactionStatus.INTRANS, TransactionStatus.INERROR)
        return bool(self.conn.in_transaction)

    def _usable(self) -> None:
        """Connect again when the link is gone: the server restarted, the network broke, or a
        statement failed half-way and left the connection waiting for an answer that will never
        come (libpq then refuses every later statement with "another command is already in
        progress", which would look like an outage forever). Outside a transaction nothing is lost
        by starting afresh; inside one, the statement that found it broken already failed."""
        from psycopg.pq import TransactionStatus

        conn = self.conn
        if not self.url:
            return
        if not (conn.closed or conn.broken):
            if not conn.lock.acquire(blocking=False):
                return  # another thread is running a statement on it: busy, not stuck
            try:
                stuck = conn.pgconn.transaction_status == TransactionStatus.ACTIVE
            finally:
                conn.lock.release()
            if not stuck:
                return
            conn.close()
        self.conn = _pg_connect(self.url)

    def execute(self, sql: str, params: Params = None) -> Any:
        """Run one statement; returns the driver's cursor (rows as tuples, `rowcount`)."""
        if self.is_postgres:
            self._usable()
            cur = self.conn.cursor()
            cur.execute(_pg_sql(sql), params if params is not None else None)
            return cur
        return self.conn.execute(sql, params if params is not None else ())

    def query(self, sql: str, params: Params = None) -> Iterator[dict[str, Any]]:
        """Rows as dicts, read to the end at once: a half-read cursor would pin a snapshot."""
        cur = self.execute(sql, params)
        names = [d[0] for d in cur.description or ()]
        rows = cur.fetchall()
        cur.close()
        return iter([dict(zip(names, row, strict=True)) for row in rows])

    def table(self, name: str) -> Table:
        return Table(self, name)

    __getitem__ = table

    def table_names(self) -> list[str]:
        if self.is_postgres:
            sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
        return [r[0] for r in self.execute(sql).fetchall()]

    @contextlib.contextmanager
    def atomic(self, *, immediate: bool = False) -> Iterator[Database]:
        """One transaction, or a savepoint inside one already open."""
        if self.in_transaction:
            name = f"sp_{secrets.token_hex(8)}"
            self.execute(f"SAVEPOINT {name}")
            try:
                yield self
            except BaseException:
                if self.in_transaction:  # an error may already have ended the transaction
                    self.execute(f"ROLLBACK TO SAVEPOINT {name}")
                    self.execute(f"RELEASE SAVEPOINT {name}")
                raise
            self.execute(f"RELEASE SAVEPOINT {name}")
            return
        self.execute("BEGIN IMMEDIATE" if immediate and not self.is_postgres else "BEGIN")
        try:
            yield self
        except BaseException:
            self.rollback()
            raise
        try:
            self.execute("COMMIT")
        except BaseException:
            self.rollback()
            raise

    def rollback(self) -> None:
        if self.is_postgres and (self.conn.closed or self.conn.broken):
            return  # the server already ended the transaction with the connection
        if self.in_transaction:
            self.execute("ROLLBACK")

    def close(self) -> None:
        self.conn.close()


def unavailable(exc: BaseException) -> bool:
    """The store could not be reached (a server restarting, a broken link), as opposed to a fault
    of the statement or the data: worth waiting for, never a reason to give up on a report."""
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    if isinstance(exc, psycopg.errors.OperationalError | psycopg.errors.InterfaceError):
        return True
    return isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc)


def writing(db: Database) -> contextlib.AbstractContextManager[Database]:
    """A transaction that reads and then writes, safe with several worker processes.

    On SQLite a plain BEGIN takes its read snapshot at the first SELECT; if another process
    commits before this one's first write, SQLite refuses the upgrade at once ("database is
    locked", whatever the busy timeout). BEGIN IMMEDIATE takes the write lock up front, waiting
    the busy timeout for it. On PostgreSQL it is a plain transaction: what must not be read twice
    is locked by the query (`db.for_update`). Nested use falls back to a savepoint.
    """
    return db.atomic(immediate=True)


# ---------------------------------------------------------------- migrations


@functools.lru_cache(maxsize=1)
def _alembic_config() -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "alembic"))
    return cfg


@functools.lru_cache(maxsize=1)
def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def _revision(db: Database) -> str | None:
    if "alembic_version" not in db.table_names():
        return None
    row = db.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(row[0]) if row else None


def _is_current(db: Database) -> bool:
    """At the head revision: the common case, answered without taking the migration lock."""
    return _revision(db) == head_revision()


def _sqlalchemy_url(db: Path | str) -> str:
    text = str(db)
    if is_server(text):
        return re.sub(r"^(postgresql|postgres)(\+psycopg)?://", "postgresql+psycopg://", text)
    path = sqlite_path(text)
    return f"sqlite:///{path}" if path else "sqlite://"


def migrate(db: Database, url: Path | str) -> None:
    """Bring the database to the head revision (the caller holds the migration lock)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import NullPool

    stamp = None
    if not db.is_postgres and "_migrations" in db.table_names() and _revision(db) is None:
        _finish_legacy(db)
        stamp = BASELINE
    if db.is_postgres:
        engine = create_engine(_sqlalchemy_url(url), poolclass=NullPool)
    else:
        engine = _sqlite_engine(url=_sqlalchemy_url(url))
    try:
        _run_alembic(engine, stamp)
    finally:
        engine.dispose()


def _sqlite_engine(*, url: str = "sqlite://", creator: Any = None) -> Any:
    """pysqlite leaves DDL outside any transaction; the driver put in autocommit and an explicit
    BEGIN make a migration all or nothing (SQLAlchemy's recipe for SQLite)."""
    from sqlalchemy import create_engine, event
    from sqlalchemy.pool import NullPool, StaticPool

    if creator is not None:
        engine = create_engine(url, creator=creator, poolclass=StaticPool)
    else:
        engine = create_engine(url, poolclass=NullPool)

    @event.listens_for(engine, "connect")
    def _autocommit(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN")

    return engine


def _run_alembic(engine: Any, stamp: str | None) -> None:
    from alembic import command

    with engine.begin() as conn:
        cfg = _alembic_config()
        cfg.attributes["connection"] = conn
        if stamp:
            command.stamp(cfg, stamp)
        command.upgrade(cfg, "head")


def _finish_legacy(db: Database) -> None:
    """A file migrated by the old list: apply what it lacks, so the baseline's stamp is true."""
    import sqlite_utils

    from triage.store.migrations import MIGRATIONS

    legacy = sqlite_utils.Database(db.conn)
    done = {row["name"] for row in legacy.table("_migrations").rows}
    for fn in MIGRATIONS:
        if fn.__name__ not in done:
            with legacy.atomic():
                fn(legacy)
                legacy.table("_migrations").insert({"name": fn.__name__, "applied_at": now_iso()})


def schema_status(db: Path | str) -> tuple[bool, str]:
    """Whether the database is reachable and every migration is applied, read-only: a readiness
    probe must not create or migrate the store it is asked about."""
    path = sqlite_path(db)
    try:
        if path is None and is_server(db):
            conn = _pg_connect(str(db), connect_timeout=2)
            handle = Database(conn, "postgresql", describe(db))
        elif path is not None:
            if not path.exists():
                return False, f"no database at {path}"
            conn = sqlite3.connect(f"file:{path.resolve()}?mode=ro", uri=True, timeout=2.0)
            handle = Database(conn, "sqlite", str(path))
        else:
            return True, "in memory"
    except Exception as exc:  # noqa: BLE001 - a probe reports any failure to reach the store
        return False, f"cannot open: {type(exc).__name__}: {exc}"
    try:
        revision = _revision(handle)
        if revision == head_revision():
            return True, f"at revision {revision}"
        return False, f"migrations not applied (at {revision or 'none'}, head {head_revision()})"
    except Exception as exc:  # noqa: BLE001
        return False, f"cannot read: {type(exc).__name__}: {exc}"
    finally:
        handle.close()


# ---------------------------------------------------------------- connecting


def _pg_connect(url: str, **kwargs: Any) -> Any:
    import psycopg
    from psycopg.types.numeric import FloatLoader

    options: dict[str, Any] = {
        "connect_timeout": 10,
        # a peer that vanished (a partition, a dead host) is noticed in ~30 s, not hours
        "keepalives": 1,
        "keepalives_idle": 10,
        "keepalives_interval": 5,
        "keepalives_count": 3,
        **kwargs,
    }
    conn = psycopg.connect(
        re.sub(r"^postgresql\+psycopg://", "postgresql://", url),
        autocommit=True,
        cursor_factory=psycopg.ClientCursor,
        **options,
    )
    conn.adapters.register_loader("numeric", FloatLoader)  # sums and averages as floats, as SQLite
    # A client that vanishes mid-transaction (a partition, a killed host) would keep its row locks
    # until the server's own keepalive gave up on it, two hours by default: every claim of those
    # rows skipped meanwhile. No transaction here waits on anything but the database, so one idle
    # for 30 s is one whose client is gone.
    conn.execute("SET idle_in_transaction_session_timeout = '30s'")
    return conn


def _connect_sqlite(path: Path | None, shared: bool) -> Database:
    if path is None:
        conn = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=not shared)
        db = Database(conn, "sqlite", ":memory:")
        _run_alembic(_sqlite_engine(creator=lambda: conn), None)
        return db
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=not shared)
    db = Database(conn, "sqlite", str(path))
    db.execute("PRAGMA busy_timeout = 10000")
    if not _is_current(db):
        key = hashlib.sha256(str(path.resolve()).encode()).hexdigest()[:16]
        with open(Path(tempfile.gettempdir()) / f"lapor-triage-migrate-{key}.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                db.execute("PRAGMA journal_mode = wal")
                if not _is_current(db):
                    migrate(db, path)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
    db.execute("PRAGMA foreign_keys = ON")
    return db


def _connect_postgres(url: str) -> Database:
    db = Database(_pg_connect(url), "postgresql", describe(url), url)
    if not _is_current(db):
        # one migrator at a time across every machine: a session-level advisory lock
        db.execute("SELECT pg_advisory_lock(hashtext('lapor-triage-migrate'))")
        try:
            if not _is_current(db):
                migrate(db, url)
        finally:
            db.execute("SELECT pg_advisory_unlock(hashtext('lapor-triage-migrate'))")
    return db


def connect(db: Path | str, *, shared: bool = False) -> Database:
    """Open (creating if needed) and migrate; WAL on SQLite so the web page reads while the
    worker writes.

    `shared=True` lets one SQLite connection move between threads (a web handler runs in a pool
    thread, a metrics gauge in the server's), which sqlite3 refuses by default.

    `triage serve` and `triage worker` often start together on a fresh store: a lock (a file lock
    named after the SQLite file, or a PostgreSQL advisory lock) makes the second wait for the
    first's migrations instead of failing on "table already exists".
    """
    if is_server(db):
        return _connect_postgres(str(db))
    return _connect_sqlite(sqlite_path(db), shared)
