"""Shared fixtures. The live model: one embedded server per test session, reused by every test.

Only one model process may run on these 2-core machines, so a server already answering on the
configured port (a developer's `triage model serve`) is reused, and one we start is stopped at
the end of the session.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from services import unavailable

from triage.config import Settings
from triage.store.database import connect

# The PostgreSQL tests' database (scripts/test-deps.sh creates role and database). Each test gets
# a schema of its own, so tests never see each other's rows and nothing needs cleaning by hand.
PG_URL = os.environ.get("TRIAGE_TEST_PG", "postgresql://triage:triage@127.0.0.1:5432/triage_test")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--store",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help="the store behind the `settings` and `db` fixtures (postgresql: a fresh schema per test)",
    )


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A URL whose search_path is a new, empty schema of the PostgreSQL test database."""
    import psycopg

    try:
        admin = psycopg.connect(PG_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        unavailable(f"PostgreSQL test database not reachable at {PG_URL}: {exc}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        # a new connection: a drill may have restarted the server in between
        with psycopg.connect(PG_URL, autocommit=True, connect_timeout=10) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Both stores, for the tests of the store itself."""
    if request.param == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "triage.db")


@pytest.fixture(scope="session")
def llm_base_url() -> Iterator[str]:
    settings = Settings()
    if settings.llm_base_url:
        yield settings.llm_base_url
        return
    from triage.model.embedded import EmbeddedServer

    server = EmbeddedServer(settings).start()
    try:
        yield server.url
    finally:
        server.stop()


@pytest.fixture(scope="session")
def live_llm(llm_base_url: str):
    from triage.judge.llm import LLM

    return LLM(Settings(), llm_base_url)


@pytest.fixture
def store_path(request: pytest.FixtureRequest, tmp_path: Path) -> str | Path:
    """The store of one test: a SQLite file, or with --store=postgresql a fresh schema."""
    if request.config.getoption("--store") == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return tmp_path / "triage.db"


@pytest.fixture
def settings(store_path: str | Path, tmp_path: Path) -> Settings:
    return Settings(db=store_path, outbox_jsonl=tmp_path / "outbox.jsonl")


@pytest.fixture
def db(settings: Settings):
    return connect(settings.db)


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[Callable[[], None]]:
    """A Redis of our own (restarting the shared one would hit other tests); yields restart()."""
    exe = shutil.which("redis-server")
    if exe is None:
        unavailable("redis-server not installed")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    cmd = [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    state: dict[str, subprocess.Popen[bytes]] = {}

    def start() -> None:
        state["p"] = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=tmp_path)
        import redis

        for _ in range(50):
            try:
                if redis.Redis(port=port).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def restart() -> None:
        state["p"].terminate()
        state["p"].wait(timeout=10)
        time.sleep(2)
        start()

    start()
    restart.url = f"redis://127.0.0.1:{port}/0"  # type: ignore[attr-defined]
    yield restart
    state["p"].terminate()
    state["p"].wait(timeout=10)


STORE_FIXTURES = {"store_path", "pg_url", "store_url"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """`--store=postgresql` runs the tests that reach the store through a fixture (the rest would
    only repeat their SQLite run)."""
    if config.getoption("--store") != "postgresql":
        return
    keep = [i for i in items if STORE_FIXTURES & set(getattr(i, "fixturenames", ()))]
    dropped = [i for i in items if i not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
