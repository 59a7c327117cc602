"""`triage demo` twice: one result per sample report, one outbox line per valid report."""

from __future__ import annotations

import json

import pytest
from rich.console import Console

from triage import demo
from triage.config import Settings
from triage.store.database import connect

pytestmark = pytest.mark.live


def test_demo_records_each_outcome_exactly_once(tmp_path, llm_base_url):
    settings = Settings(
        db=tmp_path / "demo.db",
        outbox_jsonl=tmp_path / "outbox.jsonl",
        llm_base_url=llm_base_url,
        llm_json_schema_mode="llama_cpp",
    )
    console = Console(record=True, width=200)
    assert demo.run(settings, console) == 0
    first = console.export_text()
    assert demo.run(settings, Console(record=True, width=200)) == 0

    db = connect(settings.db)
    samples = demo.sample_messages()
    senders = {m["sender"] for m in samples}
    assert db["messages"].count == len(samples)
    assert db["reports"].count == len(senders)  # one report per sender in the samples
    assert db["results"].count == len(senders)
    rows = list(db.query("SELECT report_id, count(*) n FROM results GROUP BY report_id"))
    assert all(r["n"] == 1 for r in rows)
    assert {r["status"] for r in db["reports"].rows} == {"done"}
    sp4n = db.execute("SELECT count(*) FROM results WHERE outcome = 'sp4n'").fetchone()[0]
    lines = settings.outbox_jsonl.read_text().splitlines()
    assert len(lines) == sp4n == db["outbox"].count
    assert len({json.loads(x)["idempotency_key"] for x in lines}) == sp4n
    assert "lapor-triage demo" in first
