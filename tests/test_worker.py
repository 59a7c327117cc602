"""The worker in-process: assembles, decides each report once, waits out a dead model, dead-letters
poison items, stops cleanly. Prefilter-decided messages only, except where a model is the point."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from stand_ins.ports import free_port

from triage.config import Settings
from triage.intake import assembler
from triage.intake.queue import open_queue
from triage.schema import RawMessage, utcnow
from triage.store.database import connect
from triage.store.reports import Store
from triage.worker.loop import Worker, backoff

JUNK = ["tes", "P", "Assalamualaikum", "😂"]
# Prefilter-decided messages need no model: a call would fail fast against this closed port.
NO_MODEL = "http://127.0.0.1:9/v1"


def _settings(tmp_path: Path, store_path: str | Path, **kw: object) -> Settings:
    """`store_path`: a SQLite file, or a fresh PostgreSQL schema under `--store=postgresql`."""
    base: dict[str, object] = {
        "db": store_path,
        "outbox_jsonl": tmp_path / "outbox.jsonl",
        "assemble_window_s": 0.5,
        "worker_poll_s": 0.05,
        "worker_metrics_port": 0,
        "worker_backoff_base_s": 0.1,
        "worker_backoff_max_s": 0.5,
        "worker_sweep_s": 0.5,
        "llm_transient_retries": 1,
        "llm_timeout_s": 5,
    }
    base.update(kw)
    return Settings(**base)  # type: ignore[arg-type]


def _add(settings: Settings, n: int, prefix: str = "m") -> None:
    store = Store(connect(settings.db))
    old = utcnow() - timedelta(minutes=10)
    for i in range(n):
        store.add_message(
            RawMessage(
                message_id=f"{prefix}{i}",
                sender=f"62812000{i:05d}",
                timestamp=old,
                text=JUNK[i % len(JUNK)],
            )
        )


def _run_until(worker: Worker, done: Callable[[], bool], timeout: float) -> int:
    async def main() -> int:
        task = asyncio.create_task(worker.run())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and not done():
            await asyncio.sleep(0.1)
        worker.request_stop()
        return await task

    return asyncio.run(main())


def _count(settings: Settings, sql: str) -> int:
    db = connect(settings.db)  # polled: each connection closed, or a server runs out of them
    try:
        return int(db.execute(sql).fetchone()[0])
    finally:
        db.close()


def test_backoff_grows_and_is_capped() -> None:
    assert 0.5 <= backoff(0, 1, 60) <= 1
    assert 4 <= backoff(3, 1, 60) <= 8
    assert backoff(20, 1, 60) <= 60


def test_worker_decides_each_report_once(tmp_path: Path, store_path: str | Path) -> None:
    s = _settings(tmp_path, store_path, worker_concurrency=3)
    _add(s, 40)
    worker = Worker(s, NO_MODEL, name="t1")
    code = _run_until(worker, lambda: _count(s, "SELECT count(*) FROM results") >= 40, 30)
    assert code == 0
    assert _count(s, "SELECT count(*) FROM reports") == 40
    assert _count(s, "SELECT count(*) FROM results") == 40
    assert _count(s, "SELECT count(*) FROM reports WHERE status = 'done'") == 40
    assert _count(s, "SELECT count(*) FROM llm_attempts") == 0  # all decided by the prefilter
    # every new report got exactly one acknowledgement queued, with its ticket
    assert _count(s, "SELECT count(*) FROM wa_outbound WHERE kind = 'ack'") == 40
    # a second run (restart) finds nothing to do and changes nothing
    again = Worker(s, NO_MODEL, name="t2")
    _run_until(again, lambda: False, 1.5)
    assert _count(s, "SELECT count(*) FROM results") == 40
    assert again.processed == 0


def test_duplicate_deliveries_give_one_result(tmp_path: Path, store_path: str | Path) -> None:
    """Items enqueued twice under different queue names (as after a Redis data loss) stay single."""
    s = _settings(tmp_path, store_path)
    _add(s, 8)
    assembler.assemble(Store(connect(s.db)), timedelta(seconds=0.5), now=utcnow())
    other = open_queue("sqlite://?name=replay", str(s.db))
    for rid in Store(connect(s.db)).pending_report_ids():
        other.put(rid)
    first = Worker(s, NO_MODEL, name="a")
    _run_until(first, lambda: _count(s, "SELECT count(*) FROM results") >= 8, 20)
    replay = Worker(s.model_copy(update={"queue_url": "sqlite://?name=replay"}), NO_MODEL, name="b")
    _run_until(replay, lambda: other.depth() == 0, 20)
    assert _count(s, "SELECT count(*) FROM results") == 8
    assert replay.processed == 8  # delivered and acked, but nothing decided twice


def test_model_down_means_wait_not_judge(tmp_path: Path, store_path: str | Path) -> None:
    s = _settings(tmp_path, store_path)
    store = Store(connect(s.db))
    old = utcnow() - timedelta(minutes=10)
    store.add_message(
        RawMessage(
            message_id="x1",
            sender="6281200000001",
            timestamp=old,
            text="Jalan rusak parah di Desa Cibodas Kabupaten Bogor sudah 3 bulan tidak diperbaiki",
        )
    )
    dead_url = f"http://127.0.0.1:{free_port()}/v1"
    worker = Worker(s, dead_url, name="down")
    q = open_queue("sqlite://", str(s.db))

    def retried() -> bool:
        row = connect(s.db).execute("SELECT max(retries) FROM queue").fetchone()
        return bool(row and row[0] and row[0] >= 3)

    _run_until(worker, retried, 30)
    assert _count(s, "SELECT count(*) FROM results") == 0
    assert _count(s, "SELECT count(*) FROM reports WHERE status = 'pending'") == 1
    assert q.dead_letters() == []
    row = connect(s.db).execute("SELECT deliveries, retries, last_error FROM queue").fetchone()
    assert row[0] <= 1 and row[1] >= 3 and "llm unavailable" in row[2]


def test_poison_item_goes_to_dead_letters(tmp_path: Path, store_path: str | Path) -> None:
    s = _settings(tmp_path, store_path, worker_max_deliveries=2)
    q = open_queue("sqlite://", str(s.db))
    q.put("RNOSUCHREPORT")
    worker = Worker(s, NO_MODEL, name="poison")
    _run_until(worker, lambda: bool(q.dead_letters()), 20)
    dead = q.dead_letters()
    assert [d.item_id for d in dead] == ["RNOSUCHREPORT"]
    assert dead[0].error and "NotFound" in dead[0].error


def test_health_and_metrics_endpoints(tmp_path: Path, store_path: str | Path) -> None:
    import httpx

    port = free_port()
    s = _settings(tmp_path, store_path, worker_metrics_port=port)
    _add(s, 4)
    worker = Worker(s, NO_MODEL, name="m")
    seen: dict[str, object] = {}

    def probe() -> bool:
        # a result is committed just before its queue item is acknowledged: wait for both
        if _count(s, "SELECT count(*) FROM results") < 4:
            return False
        if _count(s, "SELECT count(*) FROM queue WHERE state = 'done'") < 4:
            return False
        seen["health"] = httpx.get(f"http://127.0.0.1:{port}/healthz").json()
        seen["metrics"] = httpx.get(f"http://127.0.0.1:{port}/metrics").text
        seen["ready"] = httpx.get(f"http://127.0.0.1:{port}/readyz")
        return True

    _run_until(worker, probe, 20)
    assert seen["health"]["status"] == "ok"  # type: ignore[index]
    text = str(seen["metrics"])
    assert 'triage_reports_total{outcome="archived",reason="not_a_complaint",verdict="invalid"}' in text
    assert "triage_queue_depth 0.0" in text
    assert "triage_review_queue_size" in text
    # the model endpoint is a closed port: alive, but not ready, and the gauge says the model is down
    ready = seen["ready"]
    assert ready.status_code == 503  # type: ignore[attr-defined]
    checks = ready.json()["checks"]  # type: ignore[attr-defined]
    assert not checks["model"]["ok"] and checks["database"]["ok"] and checks["queue"]["ok"]
    assert "triage_model_up 0.0" in text


def test_json_logs_are_masked(caplog: pytest.LogCaptureFixture) -> None:
    from triage.logs import JsonFormatter

    msg = "from 081234567890 nik %s"
    record = logging.LogRecord("t", logging.INFO, __file__, 1, msg, ("3201234567890001",), None)
    record.report_id = "R1"
    out = json.loads(JsonFormatter().format(record))
    assert "081234567890" not in out["msg"] and "3201234567890001" not in out["msg"]
    assert out["report_id"] == "R1" and out["level"] == "info"


def test_answer_to_needs_info_joins_the_report_that_asked(tmp_path: Path, store_path: str | Path) -> None:
    from triage.intake.whatsapp import queue_verdict_reply
    from triage.schema import Outcome, Reason, TriageResult, Verdict

    s = _settings(tmp_path, store_path)
    db = connect(s.db)
    store = Store(db)
    t0 = utcnow() - timedelta(minutes=30)
    sender = "6281255500001"
    store.add_message(RawMessage(message_id="q1", sender=sender, timestamp=t0, text="jalan rusak parah"))
    (asked,) = assembler.assemble_with_followups(store, timedelta(seconds=1), utcnow(), timedelta(hours=72))
    rid = asked[0].report_id
    assert asked[1] is None
    result = TriageResult(
        verdict=Verdict.needs_info,
        reason=None,
        reasons=[Reason(statement="lokasi tidak disebut", evidence="jalan rusak parah")],
        missing_fields=["location"],  # type: ignore[list-item]
        confidence=0.9,
    )
    store.save_decision(
        rid, result, Outcome.ask_reporter, [], model="m", prompt_version="v", prompt_hash="h", latency_ms=1
    )
    t1 = utcnow() - timedelta(minutes=5)
    store.add_message(RawMessage(message_id="a1", sender=sender, timestamp=t1, text="di Desa Cibodas, Bogor"))
    (follow,) = assembler.assemble_with_followups(store, timedelta(seconds=1), utcnow(), timedelta(hours=72))
    report, parent = follow
    assert parent == rid and report.report_id != rid
    again = store.report(report.report_id)
    assert again.text == "jalan rusak parah\ndi Desa Cibodas, Bogor"
    assert store.report(rid).text == "jalan rusak parah"  # the asking report is unchanged
    assert store.ticket(report.report_id) == rid
    # a second answer later does not join the same question again
    assert store.open_question(sender, utcnow() - timedelta(hours=1)) is None
    # the verdict reply for the follow-up carries the original ticket
    store.save_decision(
        report.report_id,
        result,
        Outcome.ask_reporter,
        [],
        model="m",
        prompt_version="v",
        prompt_hash="h",
        latency_ms=1,
    )
    assert queue_verdict_reply(db, s, report.report_id)
    (body,) = [
        r["body"] for r in db.query("SELECT body FROM wa_outbound WHERE report_id = ?", [report.report_id])
    ]
    assert rid in body and "lokasi" in body


def test_sigterm_releases_work_in_flight_and_exits_0(tmp_path: Path, store_path: str | Path) -> None:
    """A real `triage worker` stuck in a model call: SIGTERM, grace over, item released, exit 0."""
    import os
    import signal
    import subprocess
    import sys
    import threading

    hang = socket.socket()
    hang.bind(("127.0.0.1", 0))
    hang.listen(8)
    accepted: list[socket.socket] = []
    threading.Thread(target=lambda: accepted.append(hang.accept()[0]), daemon=True).start()
    s = _settings(tmp_path, store_path)
    Store(connect(s.db)).add_message(
        RawMessage(
            message_id="h1",
            sender="6281200000077",
            timestamp=utcnow() - timedelta(minutes=5),
            text="Jembatan di Desa Sukamaju putus sejak banjir minggu lalu",
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env.update(
        TRIAGE_DB=str(s.db),
        TRIAGE_LLM_BASE_URL=f"http://127.0.0.1:{hang.getsockname()[1]}/v1",
        TRIAGE_ASSEMBLE_WINDOW_S="0.5",
        TRIAGE_WORKER_METRICS_PORT="0",
        TRIAGE_WORKER_SHUTDOWN_GRACE_S="1",
        TRIAGE_WORKER_POLL_S="0.1",
    )
    exe = str(Path(sys.executable).parent / "triage")
    proc = subprocess.Popen([exe, "worker"], env=env, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and not accepted:
            time.sleep(0.1)
        assert accepted, "the worker never called the model"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        hang.close()
    row = connect(s.db).execute("SELECT state, deliveries, retries, last_error FROM queue").fetchone()
    assert row[0] == "ready" and row[2] == 1 and row[3] == "released at shutdown"
    assert _count(s, "SELECT count(*) FROM results") == 0
    assert b"released at shutdown" in proc.stderr.read()  # type: ignore[union-attr]


def test_worker_heals_a_result_without_status(tmp_path: Path, store_path: str | Path) -> None:
    """Killed between the result's commit and the status update: the next run repairs it."""
    from triage.schema import Outcome, Reason, TriageResult, Verdict

    s = _settings(tmp_path, store_path)
    _add(s, 2)
    db = connect(s.db)
    store = Store(db)
    reports = assembler.assemble(store, timedelta(seconds=0.5), now=utcnow())
    result = TriageResult(
        verdict=Verdict.invalid,
        reason="prank",  # type: ignore[arg-type]
        reasons=[Reason(statement="uji", evidence="tes")],
        missing_fields=[],
        confidence=0.97,
        decided_by="prefilter",
    )
    rid = reports[0].report_id
    store.save_decision(
        rid, result, Outcome.archived, [], model="m", prompt_version="v", prompt_hash="h", latency_ms=1
    )
    db.execute("UPDATE reports SET status = 'pending', outcome = NULL WHERE report_id = ?", [rid])
    worker = Worker(s, NO_MODEL, name="heal")
    _run_until(worker, lambda: _count(s, "SELECT count(*) FROM reports WHERE status = 'done'") == 2, 20)
    assert _count(s, "SELECT count(*) FROM results") == 2
    assert (
        connect(s.db).execute("SELECT outcome FROM reports WHERE report_id = ?", [rid]).fetchone()[0]
        == "archived"
    )


def test_a_report_held_long_is_visible_in_health_and_metrics(tmp_path: Path, store_path: str | Path) -> None:
    """A model call that hangs shows as the age of the oldest report in hand (issue 21, point 4)."""
    import time as clock

    from prometheus_client import generate_latest

    from triage import metrics

    worker = Worker(_settings(tmp_path, store_path), NO_MODEL, name="m")
    assert worker.health()[1]["oldest_in_flight_s"] == 0.0
    worker.slots[0].since = clock.monotonic() - 42
    assert worker.health()[1]["oldest_in_flight_s"] >= 42
    metrics.OLDEST_REPORT.set_function(worker.oldest_in_flight)
    line = next(x for x in generate_latest().decode().splitlines() if x.startswith("triage_worker_oldest"))
    assert float(line.split()[-1]) >= 42
