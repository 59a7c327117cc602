"""The transactional outbox and its relay: nothing is marked sent before the destination confirms."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_sp4n_record import make_report, make_result

from triage.cli import cli
from triage.config import Settings, Sp4nTuning
from triage.intake import assembler
from triage.schema import Outcome
from triage.sp4n.outbox import attempts_per_record, claim_due, relay_once, retry_rows, sp4n_record
from triage.sp4n.record import DeliveryError, JsonlDestination, PermanentDeliveryError
from triage.store.database import connect
from triage.store.reports import Store

FAST = Sp4nTuning(backoff_initial_s=0.001, backoff_max_s=0.002, max_attempts=3, lease_s=0.05)


def save_valid(db: Any, i: int) -> str:
    report = make_report(i)
    Store(db).save_decision(
        report.report_id,
        make_result(),
        Outcome.sp4n,
        [],
        model="m",
        prompt_version="v",
        prompt_hash="h",
        latency_ms=1.0,
        outbox=sp4n_record(report, make_result(), model="m", prompt_version="v"),
    )
    return report.report_id


class Failing:
    transport = "fake"

    def __init__(self, exc: Exception) -> None:
        self.exc = exc
        self.calls = 0

    def deliver(self, idempotency_key: str, payload: dict[str, Any]) -> str:
        self.calls += 1
        raise self.exc

    def close(self) -> None:
        pass


def row(db: Any, report_id: str, destination: str = "sp4n") -> dict[str, Any]:
    return next(
        db.query("SELECT * FROM outbox WHERE report_id = ? AND destination = ?", [report_id, destination])
    )


def test_decision_and_outbox_row_commit_together(db: Any) -> None:
    rid = save_valid(db, 1)
    r = row(db, rid)
    assert r["state"] == "pending" and r["idempotency_key"] == rid
    assert json.loads(r["payload"])["id_laporan_asal"] == rid


def test_failure_never_marks_sent(db: Any) -> None:
    rid = save_valid(db, 1)
    stats = relay_once(db, Failing(DeliveryError("HTTP 500: boom")), tuning=FAST)
    assert (stats.sent, stats.failed) == (0, 1)
    r = row(db, rid)
    assert r["state"] == "failed" and r["tracking_id"] is None and r["attempts"] == 1
    assert "HTTP 500" in r["last_error"] and r["next_attempt_at"]
    attempt = next(db.query("SELECT * FROM outbox_attempts"))
    assert attempt["ok"] == 0 and "boom" in attempt["error"]


def test_dead_after_max_attempts(db: Any) -> None:
    rid = save_valid(db, 1)
    dest = Failing(DeliveryError("timeout"))
    for _ in range(50):
        relay_once(db, dest, tuning=FAST)
        if row(db, rid)["state"] == "dead":
            break
        time.sleep(0.005)
    r = row(db, rid)
    assert r["state"] == "dead" and r["attempts"] == 3 and dest.calls == 3
    assert "timeout" in r["last_error"]
    relay_once(db, dest, tuning=FAST)
    assert dest.calls == 3  # dead rows are left alone


def test_refusal_is_dead_at_once(db: Any) -> None:
    rid = save_valid(db, 1)
    relay_once(db, Failing(PermanentDeliveryError("HTTP 422: judul")), tuning=FAST)
    assert row(db, rid)["state"] == "dead"


def test_one_failing_destination_does_not_touch_another(db: Any, tmp_path: Path) -> None:
    """FixMyStreet #3168: each destination has its own state."""
    rid = save_valid(db, 1)
    with db.atomic():
        Store(db).enqueue_outbox(rid, {"x": 1}, "other")
    relay_once(db, Failing(DeliveryError("down")), tuning=FAST, destination="other")
    assert row(db, rid, "other")["state"] == "failed"
    assert row(db, rid)["state"] == "pending"
    relay_once(db, JsonlDestination(tmp_path / "o.jsonl"), tuning=FAST)
    assert row(db, rid)["state"] == "sent" and row(db, rid, "other")["state"] == "failed"


def test_crash_after_claim_is_retried_once_delivered(db: Any, tmp_path: Path) -> None:
    """A relay killed mid-request leaves the row leased, then due again; the key prevents a duplicate."""
    rid = save_valid(db, 1)
    dest = JsonlDestination(tmp_path / "o.jsonl")
    (claimed,) = claim_due(db, FAST)
    dest.deliver(claimed["idempotency_key"], json.loads(claimed["payload"]))  # ... then "kill -9"
    assert row(db, rid)["state"] == "pending"
    assert relay_once(db, dest, tuning=FAST).claimed == 0  # leased
    time.sleep(0.06)
    assert relay_once(db, dest, tuning=FAST).sent == 1
    lines = (tmp_path / "o.jsonl").read_text().splitlines()
    assert len(lines) == 1
    assert row(db, rid)["tracking_id"] == json.loads(lines[0])["tracking_id"]
    assert attempts_per_record(db) == {2: 1}


def test_retry_rows_and_cli(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    db = connect(settings.db)
    rids = [save_valid(db, i) for i in range(3)]
    relay_once(db, Failing(PermanentDeliveryError("HTTP 401: token")), tuning=FAST)
    assert {row(db, r)["state"] for r in rids} == {"dead"}
    monkeypatch.setenv("TRIAGE_DB", str(settings.db))
    monkeypatch.setenv("COLUMNS", "200")
    runner = CliRunner()
    out = runner.invoke(cli, ["outbox", "dead"])
    assert out.exit_code == 0 and "HTTP 401" in out.output
    first = row(db, rids[0])["id"]
    out = runner.invoke(cli, ["outbox", "retry", str(first)])
    assert out.exit_code == 0 and "1 row(s)" in out.output
    assert row(db, rids[0])["state"] == "pending" and row(db, rids[0])["attempts"] == 0
    out = runner.invoke(cli, ["outbox", "retry", "--all-dead"])
    assert "2 row(s)" in out.output
    out = runner.invoke(cli, ["outbox", "list", "--state", "pending"])
    assert out.exit_code == 0 and out.output.count("pending") >= 3
    assert retry_rows(db, [first]) == 1
    relay_once(db, JsonlDestination(settings.outbox_jsonl), tuning=FAST)
    assert retry_rows(db, [first]) == 0  # sent rows are never re-sent


def test_tracking_id_goes_back_to_the_citizen_once(settings: Settings, tmp_path: Path) -> None:
    from datetime import timedelta

    from triage.schema import RawMessage
    from triage.sp4n.outbox import run_relay

    db = connect(settings.db)
    store = Store(db)
    store.add_message(RawMessage(message_id="wamid.N1", sender="6281100000042", text="Jalan berlubang besar"))
    (report,) = assembler.assemble(store, timedelta(seconds=0))
    store.save_decision(
        report.report_id,
        make_result(),
        Outcome.sp4n,
        [],
        model="m",
        prompt_version="v",
        prompt_hash="h",
        latency_ms=1.0,
        outbox=sp4n_record(report, make_result()),
    )
    quiet = settings.model_copy(update={"whatsapp_access_token": None})
    run_relay(db, quiet, once=True, tuning=FAST)
    assert row(db, report.report_id)["notified_at"] is None  # no WhatsApp configured: nothing queued
    assert db.execute("SELECT count(*) FROM wa_outbound WHERE kind = 'tracking'").fetchone()[0] == 0
    on = settings.model_copy(update={"whatsapp_access_token": "t"})
    stats = run_relay(db, on, once=True, tuning=FAST)
    run_relay(db, on, once=True, tuning=FAST)
    assert stats.notified == 1
    tracking = row(db, report.report_id)["tracking_id"]
    (reply,) = db.query("SELECT * FROM wa_outbound WHERE kind = 'tracking'")
    assert tracking in reply["body"] and reply["sender"] == "6281100000042" and reply["state"] == "pending"


def test_relay_command_defaults_to_the_jsonl_file(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = connect(settings.db)
    rids = [save_valid(db, i) for i in range(2)]
    monkeypatch.setenv("TRIAGE_DB", str(settings.db))
    monkeypatch.setenv("TRIAGE_OUTBOX_JSONL", str(settings.outbox_jsonl))
    monkeypatch.delenv("TRIAGE_SP4N_URL", raising=False)
    out = CliRunner().invoke(cli, ["relay", "--once"])
    assert out.exit_code == 0 and "sent 2" in out.output
    lines = [json.loads(line) for line in settings.outbox_jsonl.read_text().splitlines()]
    assert sorted(line["idempotency_key"] for line in lines) == rids
    assert CliRunner().invoke(cli, ["relay", "--once"]).output.startswith("sent 0")


class ArrivesButTimesOut(Failing):
    """Stores every record and then loses the answer, as a destination behind a slow line does."""

    def __init__(self, holds: bool = True) -> None:
        super().__init__(DeliveryError("ReadTimeout: timed out"))
        self.holds = holds
        self.held: dict[str, str] = {}

    def deliver(self, idempotency_key: str, payload: dict[str, Any]) -> str:
        if self.holds:
            self.held[idempotency_key] = "T-" + idempotency_key
        return super().deliver(idempotency_key, payload)

    def lookup(self, idempotency_key: str) -> str | None:
        return self.held.get(idempotency_key)


def _relay_until_settled(db: Any, dest: Any) -> dict[str, Any]:
    rid = save_valid(db, 1)
    for _ in range(50):
        relay_once(db, dest, tuning=FAST)
        if row(db, rid)["state"] in ("dead", "sent"):
            break
        time.sleep(0.005)
    return row(db, rid)


def test_a_record_the_destination_holds_is_not_dead_lettered_after_its_last_timeout(db: Any) -> None:
    dest = ArrivesButTimesOut()
    r = _relay_until_settled(db, dest)
    assert dest.calls == 3  # asked only after the last allowed try, not after each
    assert r["state"] == "sent" and r["tracking_id"] == "T-" + r["idempotency_key"]


def test_a_record_the_destination_does_not_hold_is_still_dead_lettered(db: Any) -> None:
    r = _relay_until_settled(db, ArrivesButTimesOut(holds=False))
    assert r["state"] == "dead" and r["tracking_id"] is None and "ReadTimeout" in r["last_error"]


def test_the_jsonl_destination_says_what_it_holds(tmp_path: Path) -> None:
    dest = JsonlDestination(tmp_path / "out.jsonl")
    tracking = dest.deliver("k1", {"judul": "x"})
    assert dest.lookup("k1") == tracking and dest.lookup("k2") is None
