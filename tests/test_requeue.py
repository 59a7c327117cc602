"""`triage reports dead|retry`: a report the queue gave up on is visible and can be sent round again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner

from triage.cli import cli
from triage.intake import assembler
from triage.intake.queue import SqliteQueue
from triage.schema import RawMessage
from triage.store.database import connect
from triage.store.reports import Store


def test_a_dead_report_is_listed_and_requeued(tmp_path: Path, monkeypatch) -> None:
    db_path = tmp_path / "t.db"
    monkeypatch.setenv("TRIAGE_DB", str(db_path))
    store = Store(connect(db_path))
    store.add_message(
        RawMessage(
            message_id="m1", sender="628123", timestamp=datetime(2026, 1, 1, tzinfo=UTC), text="jalan rusak"
        )
    )
    (report,) = assembler.assemble(store, timedelta(seconds=0), now=None)
    queue = SqliteQueue(str(db_path))
    queue.put(report.report_id)
    lease = queue.get("w1", 30)
    assert lease is not None
    queue.dead(lease, "LLMUnavailable: model down")
    store.mark_dead(report.report_id, "LLMUnavailable: model down")

    runner = CliRunner()
    listed = runner.invoke(cli, ["reports", "dead"])
    assert listed.exit_code == 0 and report.report_id in listed.output and "1 dead report(s)" in listed.output
    assert runner.invoke(cli, ["reports", "retry"]).exit_code == 2  # ids or --all-dead
    retried = runner.invoke(cli, ["reports", "retry", "--all-dead"])
    assert retried.exit_code == 0 and "1 report(s) back in the queue" in retried.output
    assert connect(db_path)["reports"].get(report.report_id)["status"] == "pending"
    again = queue.get("w2", 30)
    assert again is not None and again.item_id == report.report_id and again.deliveries == 1
    assert "0 dead report(s)" in runner.invoke(cli, ["reports", "dead"]).output
