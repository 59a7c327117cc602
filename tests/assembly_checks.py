"""What every assembler must leave behind, whichever way it ran (one lock, or partitions)."""

from __future__ import annotations

import json

from triage.store.database import connect


def check_each_message_once(store_url: str, n: int) -> None:
    """No message outside a report; every report holds exactly the messages it lists; the n
    messages are listed once each over all reports."""
    db = connect(store_url)
    assert db.execute("SELECT count(*) FROM messages WHERE report_id IS NULL").fetchone()[0] == 0
    for report in db.query("SELECT report_id, message_ids FROM reports"):
        held = {
            r["message_id"]
            for r in db.query("SELECT message_id FROM messages WHERE report_id = ?", [report["report_id"]])
        }
        assert held == set(json.loads(report["message_ids"])), report["report_id"]
    listed = [m for r in db.query("SELECT message_ids FROM reports") for m in json.loads(r["message_ids"])]
    assert len(listed) == len(set(listed)) == n
