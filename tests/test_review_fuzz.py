"""The review page under hostile query strings and form fields: never a 5xx, never a change
without a valid session and CSRF token, whatever the values (Hypothesis)."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.app import create_app
from triage.config import Settings
from triage.review.auth import add_user
from triage.review.sample import seed
from triage.store.database import connect

PASSWORD = "rahasia-123"
BUDGET = settings(
    max_examples=int(os.environ.get("TRIAGE_FUZZ_EXAMPLES", "25")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
value = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        ["-1", "1e309", "nan", "2026-13-45", "' OR 1=1 --", "<script>x</script>", "../../etc/passwd", "\x00"]
    ),
)
params = st.dictionaries(
    st.sampled_from(
        ["alasan", "dari", "sampai", "min", "max", "belum", "urut", "q", "page", "ok", "next", "report"]
    ),
    value,
    max_size=5,
)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> tuple[TestClient, Path, dict[str, str]]:
    path = tmp_path_factory.mktemp("rfuzz") / "r.db"
    db = connect(path)
    ids = seed(db)
    add_user(db, "ana", PASSWORD, "admin")
    db.close()
    client = TestClient(create_app(Settings(db=path)))
    page = client.get("/review/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    r = client.post(
        "/review/login", data={"username": "ana", "password": PASSWORD, "csrf": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    return client, path, ids


def _audit_rows(path: Path) -> int:
    return connect(path)["audit_log"].count


@BUDGET
@given(
    st.sampled_from(
        [
            "/review/",
            "/review/q/ditolak",
            "/review/q/semua",
            "/review/overview",
            "/review/audit",
            "/review/audit.csv",
            "/review/export.jsonl",
            "/review/login",
        ]
    ),
    params,
)
def test_any_query_string_gets_a_page_not_a_5xx(client, path, query):
    c, _, _ = client
    assert c.get(path, params=query).status_code < 500


@BUDGET
@given(
    st.sampled_from(["confirm", "overturn", "reveal"]),
    st.dictionaries(
        st.sampled_from(["verdict", "reason", "missing", "category", "regency", "note", "version", "fields"]),
        value,
        max_size=6,
    ),
)
def test_any_form_with_a_wrong_csrf_changes_nothing(client, action, form):
    c, path, ids = client
    report = next(iter(ids.values()))
    before = _audit_rows(path)
    r = c.post(f"/review/r/{report}/{action}", data={**form, "csrf": "not-the-token"}, follow_redirects=False)
    assert r.status_code < 500 and r.status_code != 303
    assert _audit_rows(path) == before


@BUDGET
@given(
    st.dictionaries(
        st.sampled_from(["verdict", "reason", "missing", "category", "regency", "note", "version"]),
        value,
        max_size=6,
    )
)
def test_any_overturn_form_with_a_valid_session_is_answered_not_crashed(client, form):
    c, _, ids = client
    report = next(iter(ids.values()))
    page = c.get(f"/review/r/{report}")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert token is not None
    r = c.post(f"/review/r/{report}/overturn", data={**form, "csrf": token.group(1)}, follow_redirects=False)
    assert r.status_code < 500
