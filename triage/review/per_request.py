"""What every review request goes through: its own SQLite connection, who is asking, the session
cookie and CSRF checks, and reading untrusted query and form values safely.

Split out of `routes` (grown past the module size limit): the handlers there call these first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from urllib.parse import quote

from fastapi import HTTPException, Request

from triage.review.auth import Session, csrf_ok, load_session
from triage.store.database import Database, connect

COOKIE = "triage_session"
LOGIN_CSRF_COOKIE = "triage_login_csrf"


@contextmanager
def open_db(request: Request) -> Iterator[Database]:
    """A connection per request; handlers run in a thread pool, so it must not be thread-bound."""
    db = connect(request.app.state.settings.db, shared=True)
    try:
        yield db
    finally:
        db.close()


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "?"


def secure_cookies(request: Request) -> bool:
    settings = request.app.state.settings
    return bool(settings.secure_cookies) or request.url.scheme == "https"


def login_redirect(request: Request) -> HTTPException:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return HTTPException(303, headers={"Location": "/review/login?next=" + quote(target, safe="")})


def require_session(request: Request, db: Database) -> Session:
    session = load_session(db, request.cookies.get(COOKIE))
    if session is None:
        raise login_redirect(request)
    return session


def require_post(request: Request, db: Database, csrf: str) -> Session:
    """Every POST: a live session and its CSRF token, or 403 (no redirect: a form post was forged)."""
    session = load_session(db, request.cookies.get(COOKIE))
    if session is None:
        raise HTTPException(403, "Sesi habis atau belum masuk.")
    if not csrf_ok(session.csrf, csrf):
        raise HTTPException(403, "Token CSRF tidak valid. Muat ulang halaman lalu coba lagi.")
    return session


def as_float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


def as_date(value: str | None) -> date | None:
    """A date as Indonesians write it (hh/bb/tttt: 05/12/2026, also 5-12-2026) or ISO (2026-12-05);
    anything else is no filter."""
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    parts = text.replace("-", "/").replace(".", "/").split("/")
    try:
        day, month, year = (int(p) for p in parts)
        return date(year, month, day)
    except ValueError:
        return None


def safe_next(value: str | None) -> str:
    if value and value.startswith("/review") and not value.startswith("//") and "\\" not in value:
        return value
    return "/review/"
