"""Shared fixtures. The live model: one embedded server per test session, reused by every test.

Only one model process may run on these 2-core machines, so a server already answering on the
configured port (a developer's `triage model serve`) is reused, and one we start is stopped at
the end of the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from triage.config import Settings
from triage.store.database import connect


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
def settings(tmp_path: Path) -> Settings:
    return Settings(db=tmp_path / "triage.db", outbox_jsonl=tmp_path / "outbox.jsonl")


@pytest.fixture
def db(settings: Settings):
    return connect(settings.db)
