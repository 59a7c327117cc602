"""`triage demo`'s hand-off part, without the model: it starts the sandbox itself and shows tracking ids."""

from __future__ import annotations

import json
from datetime import timedelta

from rich.console import Console
from test_sp4n_record import make_result

from triage.config import Settings
from triage.demo import _print_table, deliver_sp4n
from triage.intake import assembler
from triage.schema import Outcome, RawMessage
from triage.sp4n.outbox import sp4n_record
from triage.store.database import connect
from triage.store.reports import Store


def test_demo_relays_to_its_own_sandbox_and_prints_tracking_ids(settings: Settings) -> None:
    db = connect(settings.db)
    store = Store(db)
    store.add_message(
        RawMessage(message_id="wamid.X1", sender="6281100000009", text="Jalan berlubang besar di Wonosari")
    )
    (report,) = assembler.assemble(store, timedelta(seconds=0), now=None) or [None]
    assert report is not None
    store.save_decision(
        report.report_id,
        make_result(),
        Outcome.sp4n,
        [],
        model="m",
        prompt_version="v",
        prompt_hash="h",
        latency_ms=1,
        outbox=sp4n_record(report, make_result()),
    )
    console = Console(record=True, width=250)
    stats, where = deliver_sp4n(db, settings, console)
    assert stats.sent == 1 and "sandbox" in where
    tracking = db.execute("SELECT tracking_id FROM outbox").fetchone()[0]
    assert tracking.startswith("SBX-")
    _print_table(console, db, {}, {})
    assert tracking in console.export_text()
    mirrored = [json.loads(line) for line in settings.outbox_jsonl.read_text().splitlines()]
    assert [m["tracking_id"] for m in mirrored] == [tracking]
    # a second run reuses the sandbox's stored tracking ids: nothing is filed twice
    stats, _ = deliver_sp4n(db, settings, console)
    assert stats.claimed == 0
