"""Review page access: login, session cookie, CSRF on every POST, rate limit, roles, NIK reveal."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from review_store import copy_of

from triage.app import create_app
from triage.config import Settings
from triage.review.auth import add_user
from triage.review.sample import seed
from triage.store.database import connect

PASSWORD = "rahasia-123"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Seeded once per module (argon2 hashing is deliberately slow), copied for each test."""
    path = tmp_path_factory.mktemp("review") / "template.db"
    db = connect(path)
    ids = seed(db)
    add_user(db, "ana", PASSWORD, "admin")
    add_user(db, "budi", PASSWORD, "reviewer")
    db.close()
    return path, ids


@pytest.fixture()
def env(template, store_path: str | Path) -> tuple[TestClient, str | Path, dict[str, str]]:
    path, ids = copy_of(template, store_path, PASSWORD, ("ana", "admin"), ("budi", "reviewer"))
    return TestClient(create_app(Settings(db=path))), path, ids


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([^"]+)"', html)
    assert m, "form without csrf field"
    return m.group(1)


def login(client: TestClient, user: str, password: str = PASSWORD) -> TestClient:
    page = client.get("/review/login")
    r = client.post(
        "/review/login",
        data={"username": user, "password": password, "csrf": csrf_of(page.text), "next": "/review/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    return client


def test_pages_need_login(env):
    client, _, ids = env
    for path in [
        "/review/",
        "/review/q/tinjau",
        f"/review/r/{ids['pinjol']}",
        "/review/overview",
        "/review/audit.csv",
    ]:
        r = client.get(path, follow_redirects=False)
        assert r.status_code == 303
        assert r.headers["location"].startswith("/review/login?next=")


def test_login_sets_httponly_samesite_cookie(env):
    client, _, _ = env
    page = client.get("/review/login")
    r = client.post(
        "/review/login",
        data={"username": "ana", "password": PASSWORD, "csrf": csrf_of(page.text)},
        follow_redirects=False,
    )
    cookie = r.headers["set-cookie"]
    assert "triage_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert client.get("/review/").status_code == 200


def test_session_token_is_stored_hashed(env):
    client, path, _ = env
    login(client, "ana")
    token = client.cookies.get("triage_session")
    rows = list(connect(path).query("SELECT token_hash FROM sessions"))
    assert rows and all(r["token_hash"] != token for r in rows)


def test_wrong_password_refused(env):
    client, _, _ = env
    page = client.get("/review/login")
    r = client.post(
        "/review/login", data={"username": "ana", "password": "salah-sekali", "csrf": csrf_of(page.text)}
    )
    assert r.status_code == 401
    assert "salah" in r.text
    assert client.get("/review/", follow_redirects=False).status_code == 303


def test_login_without_csrf_refused(env):
    client, _, _ = env
    client.get("/review/login")
    r = client.post("/review/login", data={"username": "ana", "password": PASSWORD})
    assert r.status_code == 403


def test_login_rate_limited_after_five_failures(env):
    client, _, _ = env
    token = csrf_of(client.get("/review/login").text)
    for _ in range(5):
        r = client.post("/review/login", data={"username": "ana", "password": "keliru-123", "csrf": token})
        assert r.status_code == 401
    # Even the right password is refused now, from this IP for this user.
    r = client.post("/review/login", data={"username": "ana", "password": PASSWORD, "csrf": token})
    assert r.status_code == 429
    assert "15 menit" in r.text
    # Another user from the same IP is not locked out by ana's failures.
    r = client.post(
        "/review/login",
        data={"username": "budi", "password": PASSWORD, "csrf": token},
        follow_redirects=False,
    )
    assert r.status_code == 303


@pytest.mark.parametrize("action", ["confirm", "overturn", "reveal"])
def test_post_without_csrf_refused(env, action):
    client, path, ids = env
    login(client, "ana")
    data = {"verdict": "valid", "note": "x", "kind": "nik"}
    r = client.post(f"/review/r/{ids['jalan_rusak']}/{action}", data=data)
    assert r.status_code == 403
    r = client.post(f"/review/r/{ids['jalan_rusak']}/{action}", data={**data, "csrf": "forged"})
    assert r.status_code == 403
    db = connect(path)
    assert db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == 0
    assert (
        db.execute("SELECT verdict FROM results WHERE report_id = ?", [ids["jalan_rusak"]]).fetchone()[0]
        == "invalid"
    )


def test_post_without_session_refused(env):
    client, _, ids = env
    r = client.post(f"/review/r/{ids['pinjol']}/confirm", data={"csrf": "x"})
    assert r.status_code == 403


def test_logout_needs_csrf_and_ends_session(env):
    client, _, _ = env
    login(client, "ana")
    assert client.post("/review/logout", data={}).status_code == 403
    token = csrf_of(client.get("/review/").text)
    r = client.post("/review/logout", data={"csrf": token}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/review/", follow_redirects=False).status_code == 303


def test_reviewer_sees_masked_and_cannot_reveal(env):
    client, path, ids = env
    login(client, "budi")
    page = client.get(f"/review/r/{ids['jalan_rusak']}")
    assert "3201011234567890" not in page.text and "081234567890" not in page.text
    assert "320101" in page.text  # masked form shown
    assert "Buka NIK" not in page.text
    r = client.post(
        f"/review/r/{ids['jalan_rusak']}/reveal", data={"csrf": csrf_of(page.text), "kind": "nik"}
    )
    assert r.status_code == 403
    assert "3201011234567890" not in r.text
    rows = list(connect(path).query("SELECT actor, action, detail FROM audit_log"))
    assert [(r["actor"], r["action"]) for r in rows] == [("budi", "reveal_denied")]


def test_admin_reveal_is_logged_without_clear_value(env):
    client, path, ids = env
    login(client, "ana")
    page = client.get(f"/review/r/{ids['jalan_rusak']}")
    assert "Buka NIK" in page.text
    r = client.post(
        f"/review/r/{ids['jalan_rusak']}/reveal",
        data={"csrf": csrf_of(page.text), "kind": "nik", "why": "verifikasi identitas"},
    )
    assert r.status_code == 200
    assert "3201011234567890" in r.text
    r = client.post(
        f"/review/r/{ids['jalan_rusak']}/reveal", data={"csrf": csrf_of(page.text), "kind": "phone"}
    )
    assert "081234567890" in r.text
    rows = list(connect(path).query("SELECT * FROM audit_log ORDER BY id"))
    assert [r["action"] for r in rows] == ["reveal", "reveal"]
    assert rows[0]["note"] == "verifikasi identitas"
    assert all("3201011234567890" not in (r["detail"] or "") for r in rows)
    assert all("081234567890" not in (r["detail"] or "") for r in rows)


def test_security_headers(env):
    client, _, _ = env
    r = client.get("/review/login")
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"


def test_open_redirect_refused(env):
    client, _, _ = env
    page = client.get("/review/login")
    r = client.post(
        "/review/login",
        data={
            "username": "ana",
            "password": PASSWORD,
            "csrf": csrf_of(page.text),
            "next": "https://evil.example/",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/review/"


def test_user_add_validates(tmp_path):
    db = connect(tmp_path / "u.db")
    with pytest.raises(ValueError):
        add_user(db, "x", "short", "reviewer")
    with pytest.raises(ValueError):
        add_user(db, "x", "long-enough", "superuser")
    add_user(db, "x", "long-enough", "reviewer")
    assert db["users"].get("x")["password_hash"].startswith("$argon2")


def _cli(path: Path, *args: str, input: str | None = None):
    from click.testing import CliRunner

    from triage.cli import cli

    return CliRunner().invoke(cli, ["user", *args], env={"TRIAGE_DB": str(path)}, input=input)


def test_a_disabled_account_is_logged_out_at_once_and_can_be_enabled_again(env):
    client, path, _ = env
    login(client, "budi")
    assert client.get("/review/", follow_redirects=False).status_code == 200
    result = _cli(path, "disable", "budi")
    assert result.exit_code == 0, result.output
    assert client.get("/review/", follow_redirects=False).status_code == 303  # its session ended
    page = client.get("/review/login")
    r = client.post(
        "/review/login",
        data={"username": "budi", "password": PASSWORD, "csrf": csrf_of(page.text), "next": "/review/"},
        follow_redirects=False,
    )
    assert r.status_code != 303  # refused
    assert _cli(path, "enable", "budi").exit_code == 0
    login(client, "budi")


def test_passwd_changes_the_password_keeps_the_role_and_ends_sessions(env):
    client, path, _ = env
    login(client, "budi")
    result = _cli(path, "passwd", "budi", input="baru-sekali-9\nbaru-sekali-9\n")
    assert result.exit_code == 0, result.output
    assert client.get("/review/", follow_redirects=False).status_code == 303
    login(client, "budi", "baru-sekali-9")
    assert connect(path)["users"].get("budi")["role"] == "reviewer"
    assert _cli(path, "passwd", "budi", "--password", "short").exit_code == 2


def test_user_list_shows_accounts_without_secrets_and_unknown_names_are_clear_errors(env):
    client, path, _ = env
    login(client, "ana")
    _cli(path, "disable", "budi")
    result = _cli(path, "list")
    assert result.exit_code == 0 and "ana" in result.output and "admin" in result.output
    assert "disabled" in result.output and "argon2" not in result.output
    missing = _cli(path, "disable", "siapa")
    assert missing.exit_code == 2 and "no account named 'siapa'" in missing.output
