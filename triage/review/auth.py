"""Accounts, sessions, CSRF tokens and the login rate limit, all kept in the triage database.

Sessions live in the database (not in a signed cookie) so a logout or a disabled account takes
effect at once and no server secret has to be configured. Only a hash of the session token is
stored, so a copy of the database does not hand out live sessions.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from triage.store.database import Database, now_iso

Role = Literal["reviewer", "admin"]
ROLES: tuple[Role, ...] = ("reviewer", "admin")

SESSION_TTL = timedelta(hours=12)
RATE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_USER_IP = 5
MAX_FAILURES_PER_IP = 30

_hasher = PasswordHasher()
# Verified when the username does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


@dataclass(frozen=True)
class User:
    username: str
    role: Role

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


@dataclass(frozen=True)
class Session:
    user: User
    csrf: str
    token_hash: str


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _since(delta: timedelta) -> str:
    return (datetime.now(UTC) - delta).isoformat(timespec="milliseconds")


# ------------------------------------------------------------------ accounts


def add_user(db: Database, username: str, password: str, role: str) -> None:
    """Create or replace an account (replacing resets the password and role, ends its sessions)."""
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    username = username.strip()
    if not username or len(username) > 64:
        raise ValueError("username must be 1-64 characters")
    if len(password) < 8:
        raise ValueError("password must be at least 8 characters")
    with db.atomic():
        db.execute(
            "INSERT INTO users (username, password_hash, role, created_at, disabled) VALUES (?,?,?,?,0) "
            "ON CONFLICT(username) DO UPDATE SET password_hash = excluded.password_hash, "
            "role = excluded.role, disabled = 0",
            [username, _hasher.hash(password), role, now_iso()],
        )
        db.execute("DELETE FROM sessions WHERE username = ?", [username])


def list_users(db: Database) -> list[dict[str, object]]:
    """Every account with its role, state, creation and last successful login (no hashes)."""
    return list(
        db.query(
            "SELECT u.username, u.role, u.disabled, u.created_at, "
            "(SELECT max(ts) FROM login_attempts a WHERE a.username = u.username AND a.ok = 1) AS last_login "
            "FROM users u ORDER BY u.username"
        )
    )


def set_disabled(db: Database, username: str, disabled: bool) -> None:
    """Disable (its sessions end at once: they are checked against the account) or enable again."""
    with db.atomic():
        changed = db.execute(
            "UPDATE users SET disabled = ? WHERE username = ?", [int(disabled), username]
        ).rowcount
        if not changed:
            raise ValueError(f"no account named {username!r}")
        if disabled:
            db.execute("DELETE FROM sessions WHERE username = ?", [username])


def set_password(db: Database, username: str, password: str) -> None:
    """A new password for an existing account (its sessions end); the role stays."""
    if len(password) < 8:
        raise ValueError("password must be at least 8 characters")
    with db.atomic():
        changed = db.execute(
            "UPDATE users SET password_hash = ? WHERE username = ?", [_hasher.hash(password), username]
        ).rowcount
        if not changed:
            raise ValueError(f"no account named {username!r}")
        db.execute("DELETE FROM sessions WHERE username = ?", [username])


def authenticate(db: Database, username: str, password: str) -> User | None:
    rows = list(db.query("SELECT * FROM users WHERE username = ? AND disabled = 0", [username]))
    stored = rows[0]["password_hash"] if rows else _DUMMY_HASH
    try:
        _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if not rows:
        return None
    if _hasher.check_needs_rehash(stored):
        with db.atomic():
            db.execute(
                "UPDATE users SET password_hash = ? WHERE username = ?", [_hasher.hash(password), username]
            )
    return User(username=rows[0]["username"], role=rows[0]["role"])


# ------------------------------------------------------------------ rate limit


def too_many_failures(db: Database, username: str, ip: str) -> bool:
    """5 failures per username+IP (or 30 per IP) in 15 minutes lock further tries from there."""
    since = _since(RATE_WINDOW)
    per_user = db.execute(
        "SELECT COUNT(*) FROM login_attempts WHERE username = ? AND ip = ? AND ok = 0 AND ts >= ?",
        [username, ip, since],
    ).fetchone()[0]
    per_ip = db.execute(
        "SELECT COUNT(*) FROM login_attempts WHERE ip = ? AND ok = 0 AND ts >= ?", [ip, since]
    ).fetchone()[0]
    return per_user >= MAX_FAILURES_PER_USER_IP or per_ip >= MAX_FAILURES_PER_IP


def record_attempt(db: Database, username: str, ip: str, ok: bool) -> None:
    with db.atomic():
        db.execute(
            "INSERT INTO login_attempts (username, ip, ok, ts) VALUES (?,?,?,?)",
            [username[:64], ip, int(ok), now_iso()],
        )
        if ok:  # a successful login clears this user's earlier failures from this address
            db.execute("DELETE FROM login_attempts WHERE username = ? AND ip = ? AND ok = 0", [username, ip])
        # Keep the table small: nothing older than a day matters to the limit.
        db.execute("DELETE FROM login_attempts WHERE ts < ?", [_since(timedelta(days=1))])


# ------------------------------------------------------------------ sessions


def create_session(db: Database, user: User, ip: str) -> str:
    """A new random session token (returned once, for the cookie); its CSRF token is stored with it."""
    token = secrets.token_urlsafe(32)
    expires = (datetime.now(UTC) + SESSION_TTL).isoformat(timespec="milliseconds")
    with db.atomic():
        db.execute("DELETE FROM sessions WHERE expires_at < ?", [now_iso()])
        db.execute(
            "INSERT INTO sessions (token_hash, username, csrf, ip, created_at, expires_at) "
            "VALUES (?,?,?,?,?,?)",
            [_token_hash(token), user.username, secrets.token_urlsafe(32), ip, now_iso(), expires],
        )
    return token


def load_session(db: Database, token: str | None) -> Session | None:
    if not token:
        return None
    rows = list(
        db.query(
            "SELECT s.token_hash, s.csrf, u.username, u.role FROM sessions s "
            "JOIN users u ON u.username = s.username "
            "WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0",
            [_token_hash(token), now_iso()],
        )
    )
    if not rows:
        return None
    row = rows[0]
    return Session(User(row["username"], row["role"]), row["csrf"], row["token_hash"])


def end_session(db: Database, session: Session) -> None:
    with db.atomic():
        db.execute("DELETE FROM sessions WHERE token_hash = ?", [session.token_hash])


def csrf_ok(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(str(expected), str(given))
