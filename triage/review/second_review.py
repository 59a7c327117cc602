"""Blind second reviews and the agreement they measure.

A share of reports (`TRIAGE_REVIEW_SECOND_SHARE`, chosen by a hash of the report id, so the
choice is the same in every process and cannot be steered by the reviewer) is, once a first
reviewer has decided it, put to a second reviewer who sees the messages and the system's
decision but not the first reviewer's. The second verdict changes nothing that was sent or
archived; it is the measurement of how far two people agree, per reason the system gave (Cohen's
kappa), which is how a desk knows whether its overturns (and the eval cases made from them) can
be trusted.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass
from typing import Any

from triage.review.auth import User
from triage.review.errors import ActionError
from triage.store.database import Database, dumps, now_iso, writing


def selected(report_id: str, share: float) -> bool:
    digest = int(hashlib.sha256(report_id.encode()).hexdigest()[:8], 16)
    return digest / 0xFFFFFFFF < share


def label(verdict: str, reason: str | None) -> str:
    """A decision as one category: the verdict, and for a rejection its reason."""
    return f"{verdict}:{reason}" if verdict == "invalid" and reason else verdict


def on_first_decision(
    db: Database, report_id: str, user: User, system: str, first: str, share: float
) -> bool:
    """Called inside the first reviewer's transaction; True when a second review is now due."""
    if not selected(report_id, share):
        return False
    db.execute(
        "INSERT INTO second_reviews (report_id, system_label, first_actor, first_label, created_at) "
        "VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
        [report_id, system, user.username, first, now_iso()],
    )
    return True


def pending(db: Database, user: User) -> list[dict[str, Any]]:
    """Second reviews this reviewer may do (never of a decision of their own)."""
    return list(
        db.query(
            "SELECT s.report_id, s.created_at, p.text FROM second_reviews s "
            "JOIN reports p ON p.report_id = s.report_id "
            "WHERE s.second_actor IS NULL AND s.first_actor != ? ORDER BY s.created_at",
            [user.username],
        )
    )


def due(db: Database, report_id: str) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM second_reviews WHERE report_id = ?", [report_id]))
    return rows[0] if rows and rows[0]["second_actor"] is None else None


def record(db: Database, report_id: str, user: User, verdict: str, reason: str | None) -> bool:
    """The second verdict; returns whether it agrees with the first. Audited, changes nothing else."""
    if verdict not in ("valid", "needs_info", "invalid") or (verdict == "invalid" and not reason):
        raise ActionError("Pilih keputusan (dan alasan untuk penolakan).")
    with writing(db):
        row = due(db, report_id)
        if row is None:
            raise ActionError("Tidak ada tinjauan kedua yang menunggu untuk laporan ini.", 409)
        if row["first_actor"] == user.username:
            raise ActionError("Tinjauan kedua harus oleh peninjau lain.", 403)
        second = label(verdict, reason)
        db.execute(
            "UPDATE second_reviews SET second_actor = ?, second_label = ?, decided_at = ? "
            "WHERE report_id = ? AND second_actor IS NULL",
            [user.username, second, now_iso(), report_id],
        )
        agrees = second == row["first_label"]
        db.execute(
            "INSERT INTO audit_log (report_id, actor, role, action, to_verdict, to_reason, detail, "
            "created_at) VALUES (?,?,?,?,?,?,?,?)",
            [
                report_id,
                user.username,
                user.role,
                "second_review",
                verdict,
                reason if verdict == "invalid" else None,
                dumps({"agrees_with_first": agrees}),
                now_iso(),
            ],
        )
    return agrees


def cohen_kappa(pairs: list[tuple[str, str]]) -> float | None:
    """Agreement beyond chance between two raters' categories; None when undefined (no pairs, or
    both raters always gave one and the same category)."""
    if not pairs:
        return None
    n = len(pairs)
    observed = sum(a == b for a, b in pairs) / n
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[c] * second[c] for c in first) / (n * n)
    if expected == 1.0:
        return None
    return (observed - expected) / (1 - expected)


@dataclass
class Agreement:
    system_label: str  # what the system had decided ("all" for the total)
    pairs: int
    agreed: int
    kappa: float | None


def agreement(db: Database) -> list[Agreement]:
    """Per system decision, then all together: pairs of first and second review, and kappa."""
    rows = list(
        db.query(
            "SELECT system_label, first_label, second_label FROM second_reviews "
            "WHERE second_label IS NOT NULL ORDER BY system_label"
        )
    )
    groups: dict[str, list[tuple[str, str]]] = {}
    for r in rows:
        groups.setdefault(str(r["system_label"]), []).append((str(r["first_label"]), str(r["second_label"])))
    out = [
        Agreement(key, len(pairs), sum(a == b for a, b in pairs), cohen_kappa(pairs))
        for key, pairs in sorted(groups.items())
    ]
    every = [p for pairs in groups.values() for p in pairs]
    if every:
        out.append(Agreement("all", len(every), sum(a == b for a, b in every), cohen_kappa(every)))
    return out
