"""Acknowledgements and verdict replies through the WhatsApp sender, against a local stand-in of
the Cloud API: one ack per new report with its ticket, retries on 5xx, the 24-hour window kept."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
from pathlib import Path

from stand_ins.whatsapp_api import WhatsAppStandIn

from triage.config import Settings
from triage.intake import assembler
from triage.intake.whatsapp import deliver_due, queue_ack, queue_verdict_reply
from triage.schema import RawMessage, utcnow
from triage.store.database import connect
from triage.store.reports import Store
from triage.worker.loop import Worker

# Only prefilter-decided messages here: a model call would fail fast against a closed port.
NO_MODEL = "http://127.0.0.1:9/v1"


def _settings(tmp_path: Path, api: WhatsAppStandIn, **kw: object) -> Settings:
    base: dict[str, object] = {
        "db": tmp_path / "r.db",
        "outbox_jsonl": tmp_path / "o.jsonl",
        "whatsapp_api_base": api.base_url,
        "whatsapp_access_token": "test-token",
        "whatsapp_phone_number_id": "555",
        "assemble_window_s": 0.5,
        "worker_poll_s": 0.05,
        "worker_metrics_port": 0,
    }
    base.update(kw)
    return Settings(**base)  # type: ignore[arg-type]


def _report(s: Settings, sender: str, text: str, age: timedelta) -> str:
    store = Store(connect(s.db))
    store.add_message(
        RawMessage(message_id=f"{sender}-1", sender=sender, timestamp=utcnow() - age, text=text)
    )
    (report,) = assembler.assemble(store, timedelta(seconds=0.5), now=utcnow())
    return report.report_id


def test_worker_acks_and_answers_each_report_once(tmp_path: Path) -> None:
    with WhatsAppStandIn() as api:
        s = _settings(tmp_path, api)
        store = Store(connect(s.db))
        for i, text in enumerate(["tes", "P", "😂"]):
            store.add_message(
                RawMessage(
                    message_id=f"w{i}",
                    sender=f"62813{i:07d}",
                    timestamp=utcnow() - timedelta(minutes=1),
                    text=text,
                )
            )
        worker = Worker(s, NO_MODEL, name="replies")

        async def main() -> int:
            task = asyncio.create_task(worker.run())
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and len(api.sent()) < 6:
                await asyncio.sleep(0.1)
            await asyncio.sleep(1.5)  # a few more loops: nothing may be sent twice
            worker.request_stop()
            return await task

        assert asyncio.run(main()) == 0
        sent = api.sent()
    assert len(sent) == 6  # 3 acks + 3 verdict replies
    assert {r["path"] for r in sent} == {"/v21.0/555/messages"}
    assert {r["auth"] for r in sent} == {"Bearer test-token"}
    rows = list(connect(s.db).query("SELECT report_id, kind, state, wamid FROM wa_outbound ORDER BY id"))
    assert [r["state"] for r in rows] == ["sent"] * 6 and all(r["wamid"] for r in rows)
    acks = [r for r in sent if "nomor tiket" in r["body"]["text"]["body"]]
    assert len(acks) == 3
    tickets = {r["report_id"] for r in rows}
    assert all(any(t in a["body"]["text"]["body"] for t in tickets) for a in acks)


def test_retries_on_server_errors(tmp_path: Path) -> None:
    with WhatsAppStandIn() as api:
        s = _settings(tmp_path, api)
        rid = _report(s, "6281399990000", "tes", timedelta(minutes=1))
        db = connect(s.db)
        assert queue_ack(db, s, rid) and not queue_ack(db, s, rid)  # one ack per report
        api.fail_next = 2
        assert deliver_due(db, s) == 0
        db.execute("UPDATE wa_outbound SET next_attempt_at = 0")  # skip the backoff wait
        assert deliver_due(db, s) == 0
        db.execute("UPDATE wa_outbound SET next_attempt_at = 0")
        assert deliver_due(db, s) == 1
        assert deliver_due(db, s) == 0
        (row,) = db.query("SELECT state, attempts, wamid FROM wa_outbound")
    assert row["state"] == "sent" and row["attempts"] == 3 and row["wamid"] == "wamid.standin2"
    assert len(api.sent()) == 3 and api.sent()[0]["body"]["to"] == "6281399990000"


def test_client_errors_are_not_retried(tmp_path: Path) -> None:
    with WhatsAppStandIn() as api:
        s = _settings(tmp_path, api)
        rid = _report(s, "6281399990001", "tes", timedelta(minutes=1))
        db = connect(s.db)
        queue_ack(db, s, rid)
        api.fail_next, api.fail_status = 1, 400
        deliver_due(db, s)
        (row,) = db.query("SELECT state, last_error FROM wa_outbound")
    assert row["state"] == "dead" and "400" in row["last_error"]


def test_verdict_reply_outside_24h_window_is_skipped(tmp_path: Path) -> None:
    from triage.schema import Outcome, Reason, TriageResult, Verdict

    with WhatsAppStandIn() as api:
        s = _settings(tmp_path, api)
        rid = _report(s, "6281399990002", "tes", timedelta(hours=30))
        db = connect(s.db)
        result = TriageResult(
            verdict=Verdict.invalid,
            reason="prank",  # type: ignore[arg-type]
            reasons=[Reason(statement="uji coba", evidence="tes")],
            missing_fields=[],
            confidence=0.97,
            decided_by="prefilter",
        )
        Store(db).save_decision(
            rid, result, Outcome.archived, [], model="m", prompt_version="v", prompt_hash="h", latency_ms=1
        )
        assert queue_verdict_reply(db, s, rid)
        assert deliver_due(db, s) == 0
        (row,) = db.query("SELECT state, last_error FROM wa_outbound")
    assert row["state"] == "skipped" and "24-hour" in row["last_error"]
    assert api.sent() == []


def test_bsuid_only_sender_is_addressed_by_recipient(tmp_path: Path) -> None:
    with WhatsAppStandIn() as api:
        s = _settings(tmp_path, api)
        rid = _report(s, "u:ID.4242", "tes", timedelta(minutes=1))
        db = connect(s.db)
        queue_ack(db, s, rid)
        assert deliver_due(db, s) == 1
    body = api.sent()[0]["body"]
    assert body["recipient"] == "ID.4242" and "to" not in body
