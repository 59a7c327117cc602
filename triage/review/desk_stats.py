"""How the desk keeps up: time from decision to a reviewer's verdict, reports past the SLA, and
decisions per reviewer, read from the results and the audit log.

LAPOR! promises a first answer within 3 working days; a report waiting for a reviewer longer than
that is past the SLA. Working days skip Saturday and Sunday (public holidays are not known here,
so on a holiday week the count is early, never late).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from triage.store.database import Database

SLA_WORKING_DAYS = 3


def sla_deadline(start: datetime, working_days: int = SLA_WORKING_DAYS) -> datetime:
    """`start` plus so many working days (a report decided on Friday is due on Wednesday)."""
    due, added = start, 0
    while added < working_days:
        due += timedelta(days=1)
        if due.weekday() < 5:
            added += 1
    return due


def percentile(values: list[float], q: float) -> float | None:
    """The nearest-rank percentile (no interpolation: a figure someone actually waited)."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))  # ceil(n * q / 100)
    return ordered[int(rank) - 1]


@dataclass
class DeskStats:
    reviewed: int  # reports with a reviewer's verdict (confirm or overturn)
    hours_to_review: dict[str, float | None]  # p50, p90, max: from the system's decision
    hours_to_first_look: dict[str, float | None]  # p50, p90, max: to the first take, reveal or verdict
    waiting: int  # reports in the review queue now
    past_sla: int  # of those, waiting longer than the SLA
    oldest_waiting_hours: float | None
    per_reviewer: list[tuple[str, int, int]] = field(default_factory=list)  # actor, confirms, overturns


def _at(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _spread(hours: list[float]) -> dict[str, float | None]:
    return {"p50": percentile(hours, 50), "p90": percentile(hours, 90), "max": max(hours, default=None)}


def desk_stats(db: Database, now: datetime | None = None) -> DeskStats:
    now = now or datetime.now(UTC)
    first = db.query(
        "SELECT r.report_id, r.created_at, MIN(a.created_at) AS reviewed_at FROM results r "
        "JOIN audit_log a ON a.report_id = r.report_id AND a.action IN ('confirm', 'overturn') "
        "WHERE r.created_at IS NOT NULL GROUP BY r.report_id, r.created_at"
    )
    hours = [(_at(r["reviewed_at"]) - _at(r["created_at"])).total_seconds() / 3600 for r in first]
    looked = db.query(
        "SELECT r.created_at, MIN(a.created_at) AS seen_at FROM results r JOIN audit_log a "
        "ON a.report_id = r.report_id AND a.action IN ('claim', 'assign', 'reveal', 'reveal_denied', "
        "'confirm', 'overturn') WHERE r.created_at IS NOT NULL GROUP BY r.report_id, r.created_at"
    )
    look_hours = [(_at(r["seen_at"]) - _at(r["created_at"])).total_seconds() / 3600 for r in looked]
    waiting = [
        _at(r["created_at"])
        for r in db.query(
            "SELECT created_at FROM results WHERE outcome = 'review' AND created_at IS NOT NULL"
        )
    ]
    per_reviewer = [
        (str(r["actor"]), int(r["confirms"]), int(r["overturns"]))
        for r in db.query(
            "SELECT actor, SUM(CASE WHEN action = 'confirm' THEN 1 ELSE 0 END) AS confirms, "
            "SUM(CASE WHEN action = 'overturn' THEN 1 ELSE 0 END) AS overturns FROM audit_log "
            "WHERE action IN ('confirm', 'overturn') GROUP BY actor ORDER BY COUNT(*) DESC, actor"
        )
    ]
    return DeskStats(
        reviewed=len(hours),
        hours_to_review=_spread(hours),
        hours_to_first_look=_spread(look_hours),
        waiting=len(waiting),
        past_sla=sum(1 for at in waiting if now > sla_deadline(at)),
        oldest_waiting_hours=(now - min(waiting)).total_seconds() / 3600 if waiting else None,
        per_reviewer=per_reviewer,
    )
