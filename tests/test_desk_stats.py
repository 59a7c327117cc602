"""The desk's pace on the overview: time to a reviewer's verdict, reports past the SLA, per reviewer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from triage.review.desk_stats import desk_stats, percentile, sla_deadline
from triage.store.database import connect

FRIDAY = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


def test_the_sla_counts_working_days_only() -> None:
    assert sla_deadline(FRIDAY) == datetime(2026, 12, 9, 9, 0, tzinfo=UTC)  # Mon, Tue, Wed
    monday = FRIDAY + timedelta(days=3)
    assert sla_deadline(monday) == monday + timedelta(days=3)
    saturday = FRIDAY + timedelta(days=1)
    assert sla_deadline(saturday) == datetime(2026, 12, 9, 9, 0, tzinfo=UTC)  # Mon, Tue, Wed as well


def test_percentiles_are_figures_someone_waited() -> None:
    assert percentile([], 50) is None
    assert percentile([3.0, 1.0, 2.0], 50) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert percentile([float(i) for i in range(1, 11)], 90) == 9.0
    assert percentile([5.0], 90) == 5.0


def test_figures_from_the_results_and_the_audit_log(store_url: str) -> None:
    db = connect(store_url)
    now = FRIDAY + timedelta(days=7)  # the next Friday

    def result(rid: str, outcome: str, decided: datetime) -> None:
        db.table("results").insert({"report_id": rid, "outcome": outcome, "created_at": decided.isoformat()})

    def audit(rid: str, actor: str, action: str, at: datetime) -> None:
        db.execute(
            "INSERT INTO audit_log (report_id, actor, action, created_at) VALUES (?, ?, ?, ?)",
            [rid, actor, action, at.isoformat()],
        )

    result("a", "archived", FRIDAY)
    audit("a", "ana", "reveal", FRIDAY + timedelta(hours=1))  # looking is not deciding
    audit("a", "ana", "confirm", FRIDAY + timedelta(hours=2))
    audit("a", "budi", "overturn", FRIDAY + timedelta(hours=30))  # a second verdict: not the first
    result("b", "sp4n", FRIDAY)
    audit("b", "budi", "overturn", FRIDAY + timedelta(hours=10))
    result("c", "archived", FRIDAY)
    audit("c", "ana", "claim", FRIDAY + timedelta(minutes=30))
    audit("c", "ana", "confirm", FRIDAY + timedelta(hours=4))
    result("old", "review", FRIDAY)  # due Wednesday: past the SLA on Friday
    result("new", "review", now - timedelta(hours=5))
    stats = desk_stats(db, now=now)
    assert stats.reviewed == 3
    assert stats.hours_to_review == {"p50": 4.0, "p90": 10.0, "max": 10.0}
    # first looks: a revealed at 1 h, c taken at 0.5 h, b first seen at its overturn, 10 h
    assert stats.hours_to_first_look == {"p50": 1.0, "p90": 10.0, "max": 10.0}
    assert (stats.waiting, stats.past_sla) == (2, 1)
    assert stats.oldest_waiting_hours == 7 * 24
    assert stats.per_reviewer == [("ana", 2, 0), ("budi", 0, 2)]
