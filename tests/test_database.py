"""The one way into the database: `connect` opens, migrates and sets the same pragmas everywhere."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import sqlite_utils

from triage.store import database, migrations
from triage.store.database import connect

PKG = Path(__file__).resolve().parent.parent / "triage"


def test_a_fresh_file_gets_every_migration_once(tmp_path: Path) -> None:
    db = connect(tmp_path / "a.db")
    names = [r["name"] for r in db.table("_migrations").rows]
    assert names == [fn.__name__ for fn in migrations.MIGRATIONS]
    db.close()
    again = connect(tmp_path / "a.db")
    assert again.table("_migrations").count == len(migrations.MIGRATIONS)
    assert again.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert again.execute("PRAGMA foreign_keys").fetchone()[0] == 1


def test_a_migration_appended_later_reaches_an_existing_database(tmp_path: Path, monkeypatch) -> None:
    connect(tmp_path / "b.db").close()

    def m999_test_column(db: sqlite_utils.Database) -> None:
        db.table("reports").add_column("m999", str)

    monkeypatch.setattr(migrations, "MIGRATIONS", [*migrations.MIGRATIONS, m999_test_column])
    monkeypatch.setattr(database, "MIGRATIONS", migrations.MIGRATIONS)
    db = connect(tmp_path / "b.db")
    assert "m999" in db.table("reports").columns_dict
    assert db.table("_migrations").get("m999_test_column")


def test_a_shared_connection_may_move_between_threads(tmp_path: Path) -> None:
    db = connect(tmp_path / "c.db", shared=True)
    seen: list[int] = []
    thread = threading.Thread(target=lambda: seen.append(db.execute("SELECT 1").fetchone()[0]))
    thread.start()
    thread.join()
    assert seen == [1]


def test_no_module_opens_sqlite_by_hand() -> None:
    # The SP4N sandbox is a stand-in for another system (LAPOR!'s intake) with a store of its own,
    # not a way into this project's database.
    allowed = {"store/database.py", "sp4n/sandbox.py"}
    by_hand = re.compile(r"sqlite3\.connect\(|sqlite_utils\.Database\(")
    offenders = [
        str(p.relative_to(PKG))
        for p in PKG.rglob("*.py")
        if str(p.relative_to(PKG)) not in allowed and by_hand.search(p.read_text())
    ]
    assert offenders == []
