"""The review tests' seeded store, on SQLite or (with --store=postgresql) on PostgreSQL."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from fastapi.testclient import TestClient

from triage.app import create_app
from triage.config import Settings
from triage.review.auth import add_user
from triage.review.sample import seed
from triage.schema import Outcome, Reason, TriageResult
from triage.store.database import connect
from triage.store.reports import Store


def copy_of(
    template: tuple[Path, dict[str, str]], store_path: str | Path, password: str, *users: tuple[str, str]
) -> tuple[str | Path, dict[str, str]]:
    """SQLite: a copy of the module's template file (argon2 hashing is deliberately slow, so it is
    seeded once). PostgreSQL: the same samples and accounts seeded in this test's own schema."""
    if isinstance(store_path, Path):
        shutil.copy(template[0], store_path)
        return store_path, template[1]
    db = connect(store_path)
    ids = seed(db)
    for name, role in users:
        add_user(db, name, password, role)
    db.close()
    return store_path, ids


def signed_in(settings: Settings, user: str, password: str) -> TestClient:
    """A client of `triage serve`'s app, signed in to the review page as `user`."""
    client = TestClient(create_app(settings))
    page = client.get("/review/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token, "the login page carries a CSRF token"
    client.post("/review/login", data={"username": user, "password": password, "csrf": token.group(1)})
    return client


def photo_only_for_review(store: Store, report_id: str) -> None:
    """Decide a report the way the worker decides a report of nothing but a photo: a question
    for the reporter, read by a person first (the review tests of media files)."""
    result = TriageResult(
        verdict="needs_info",
        reason=None,
        reasons=[Reason(statement="Hanya foto", evidence="foto")],
        missing_fields=["what_happened"],
        confidence=0.0,
        needs_review=True,
    )
    store.save_decision(
        report_id, result, Outcome.review, [], model="m", prompt_version="v", prompt_hash="h", latency_ms=0
    )
