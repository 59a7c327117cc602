"""Fault tests with real processes: `triage worker` subprocesses, a real Redis server, the real model.

After each fault every message must have exactly one outcome: none lost, none decided twice.
Volume comes from prefilter-decided messages ("tes", "P", ...), which never reach the model; a
few short real complaints (<= 8 in the whole run) make sure model-judged reports survive too.
Outcome counts are printed (run with -s) and written to artifacts/fault_outcomes.json.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest
from stand_ins.tcp_proxy import TcpProxy

from triage.schema import RawMessage, utcnow
from triage.store.database import connect
from triage.store.reports import Store

ROOT = Path(__file__).resolve().parent.parent
TRIAGE = str(Path(sys.executable).parent / "triage")
JUNK = ["tes", "P", "Assalamualaikum", "😂", "tes tes", "p"]
COMPLAINTS = [
    "Jalan di Desa Cibodas Kabupaten Bogor rusak parah sudah 3 bulan",
    "Lampu jalan di Jl. Merdeka Kota Malang mati sebulan, rawan begal",
    "Puskesmas Cilandak tutup jam 10 padahal jadwal sampai jam 2",
    "Sampah menumpuk di pasar Kota Bekasi tidak diangkut dua minggu",
]
pytestmark = [pytest.mark.slow, pytest.mark.live]
# The one shared model server may be busy with other work (it serves one request at a time).
MODEL_WAIT_S = float(os.environ.get("TRIAGE_TEST_MODEL_WAIT_S", "600"))
# A model server nobody has asked yet reads the whole prompt prefix on its first answer (~1 min here).
FIRST_WAIT_S = 180


def _record(name: str, data: dict[str, Any]) -> None:
    out = ROOT / "artifacts" / "fault_outcomes.json"
    out.parent.mkdir(exist_ok=True)
    current = json.loads(out.read_text()) if out.exists() else {}
    current[name] = data
    out.write_text(json.dumps(current, indent=2, sort_keys=True))
    print(f"\n{name}: {json.dumps(data, sort_keys=True)}")


class Batch:
    """A database seeded with a batch of messages (old timestamps: ready to assemble at once)."""

    def __init__(self, tmp: Path, n_junk: int, n_model: int) -> None:
        self.db_path = tmp / "faults.db"
        self.tmp = tmp
        store = Store(connect(self.db_path))
        old = utcnow() - timedelta(minutes=5)
        self.n = n_junk + n_model
        for i in range(n_junk):
            store.add_message(
                RawMessage(message_id=f"j{i}", sender=f"6281{i:09d}", timestamp=old, text=JUNK[i % len(JUNK)])
            )
        for i in range(n_model):
            store.add_message(
                RawMessage(message_id=f"c{i}", sender=f"6280{i:09d}", timestamp=old, text=COMPLAINTS[i])
            )

    def count(self, sql: str) -> int:
        return int(connect(self.db_path).execute(sql).fetchone()[0])

    def results(self) -> int:
        return self.count("SELECT count(*) FROM results")

    def wait(self, cond: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cond():
                return
            time.sleep(0.2)
        raise AssertionError(f"timed out waiting for {what}; results={self.results()}/{self.n}")

    def env(self, llm_url: str, queue_url: str = "sqlite://", **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
        env.update(
            TRIAGE_DB=str(self.db_path),
            TRIAGE_QUEUE_URL=queue_url,
            TRIAGE_LLM_BASE_URL=llm_url,
            TRIAGE_OUTBOX_JSONL=str(self.tmp / "outbox.jsonl"),
            TRIAGE_ASSEMBLE_WINDOW_S="1",
            TRIAGE_WORKER_POLL_S="0.1",
            TRIAGE_WORKER_LEASE_S="6",
            TRIAGE_WORKER_SWEEP_S="2",
            TRIAGE_WORKER_METRICS_PORT="0",
            TRIAGE_WORKER_BACKOFF_BASE_S="1",
            TRIAGE_WORKER_BACKOFF_MAX_S="8",
            TRIAGE_WORKER_CONCURRENCY="2",
            TRIAGE_LLM_TRANSIENT_RETRIES="2",
            # a model server whose prompt prefix was evicted reads the whole prompt again: ~2.5 min
            # on a 2-core machine, so a shorter timeout would abandon the request and start over
            TRIAGE_LLM_TIMEOUT_S="300",
            # the shared test server is llama.cpp's, which refuses OpenAI's json_schema type
            TRIAGE_LLM_JSON_SCHEMA_MODE=os.environ.get("TRIAGE_LLM_JSON_SCHEMA_MODE", "llama_cpp"),
        )
        env.update(extra)
        return env

    def spawn(self, env: dict[str, str], name: str, *args: str) -> subprocess.Popen[bytes]:
        log = (self.tmp / f"{name}.log").open("ab")
        return subprocess.Popen(
            [TRIAGE, "worker", "--name", name, *args], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
        )

    def log_lines(self, name: str) -> list[dict[str, Any]]:
        out = []
        for line in (self.tmp / f"{name}.log").read_text("utf-8", "replace").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return out

    def check_exactly_once(self) -> dict[str, Any]:
        """Every message in a report, every report with one result, no report without one."""
        db = connect(self.db_path)
        originals = self.count("SELECT count(*) FROM messages WHERE message_id NOT LIKE '%~%'")
        assert originals == self.n
        assert self.count("SELECT count(*) FROM messages WHERE report_id IS NULL") == 0
        assert self.count("SELECT count(*) FROM reports") == self.n  # one sender per message
        assert self.count("SELECT count(*) FROM results") == self.n
        assert self.count("SELECT count(*) FROM reports WHERE status != 'done'") == 0
        assert self.count("SELECT count(*) FROM results WHERE decided_by = 'error'") == 0
        outcomes = dict(db.execute("SELECT outcome, count(*) FROM results GROUP BY outcome").fetchall())
        by = dict(db.execute("SELECT decided_by, count(*) FROM results GROUP BY decided_by").fetchall())
        return {"messages": originals, "results": self.results(), "outcomes": outcomes, "decided_by": by}


def _stop(proc: subprocess.Popen[bytes], timeout: float = 60) -> int:
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=timeout)


@pytest.fixture
def cleanup() -> Iterator[list[subprocess.Popen[bytes]]]:
    procs: list[subprocess.Popen[bytes]] = []
    yield procs
    for p in procs:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=10)


# ---------------------------------------------------------------- kill -9


def test_kill_9_mid_batch_then_restart(
    tmp_path: Path, llm_base_url: str, cleanup: list[subprocess.Popen[bytes]]
) -> None:
    batch = Batch(tmp_path, n_junk=300, n_model=1)
    env = batch.env(llm_base_url)
    first = batch.spawn(env, "w1")
    cleanup.append(first)
    model_leased = (
        "SELECT count(*) FROM queue q JOIN reports r ON r.report_id = q.item_id "
        "WHERE q.state = 'leased' AND r.sender LIKE '6280%'"
    )
    # Kill while the model-judged report is in the middle of its model call, if we can.
    batch.wait(lambda: batch.results() >= 30, FIRST_WAIT_S, "first results")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not batch.count(model_leased):
        time.sleep(0.05)
    in_flight = bool(batch.count(model_leased))
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    at_kill = batch.results()
    assert at_kill < batch.n, "the batch finished before the kill; make it bigger"
    second = batch.spawn(env, "w2")
    cleanup.append(second)
    batch.wait(lambda: batch.results() >= batch.n, MODEL_WAIT_S, "all results after restart")
    assert _stop(second) == 0  # SIGTERM: clean exit
    data = batch.check_exactly_once()
    data["results_at_kill"] = at_kill
    data["model_call_in_flight_at_kill"] = in_flight
    _record("kill_9_restart", data)


# ---------------------------------------------------------------- model outage


def test_model_outage_60s_mid_batch(
    tmp_path: Path, llm_base_url: str, cleanup: list[subprocess.Popen[bytes]]
) -> None:
    target = urlparse(llm_base_url)
    batch = Batch(tmp_path, n_junk=150, n_model=2)
    with TcpProxy((target.hostname or "127.0.0.1", target.port or 80)) as proxy:
        worker = batch.spawn(batch.env(f"http://127.0.0.1:{proxy.port}/v1"), "outage")
        cleanup.append(worker)
        batch.wait(lambda: batch.results() >= 10, FIRST_WAIT_S, "first results")
        proxy.partition()
        down_at = time.monotonic()
        batch.wait(lambda: batch.results() >= 150, 60, "prefilter reports during the outage")
        model_during = batch.count("SELECT count(*) FROM results WHERE decided_by = 'model'")
        time.sleep(max(0.0, 60 - (time.monotonic() - down_at)))
        during = batch.results()
        retries = batch.count("SELECT coalesce(sum(retries), 0) FROM queue")
        assert batch.count("SELECT count(*) FROM queue WHERE state = 'dead'") == 0
        proxy.heal()
        batch.wait(lambda: batch.results() >= batch.n, MODEL_WAIT_S, "all results after the outage")
    assert _stop(worker) == 0
    data = batch.check_exactly_once()
    data.update(
        results_after_60s_outage=during, llm_retries=retries, model_results_before_reopen=model_during
    )
    assert retries > 0
    _record("llm_outage_60s", data)


# ---------------------------------------------------------------- Redis restart and two workers


@pytest.mark.redis
def test_redis_restart_mid_batch(
    tmp_path: Path, llm_base_url: str, redis_server: Any, cleanup: list[subprocess.Popen[bytes]]
) -> None:
    batch = Batch(tmp_path, n_junk=400, n_model=0)
    env = batch.env(llm_base_url, queue_url=f"{redis_server.url}?name=fault-{uuid.uuid4().hex[:6]}")
    worker = batch.spawn(env, "redis")
    cleanup.append(worker)
    batch.wait(lambda: batch.results() >= 40, FIRST_WAIT_S, "first results")
    redis_server()  # restart: without persistence the stream, group and keys are gone
    at_restart = batch.results()
    assert at_restart < batch.n, "the batch finished before the restart; make it bigger"
    batch.wait(lambda: batch.results() >= batch.n, 120, "all results after the Redis restart")
    assert worker.poll() is None  # the worker rode it out
    assert _stop(worker) == 0
    data = batch.check_exactly_once()
    data["results_at_restart"] = at_restart
    _record("redis_restart", data)


@pytest.mark.redis
def test_two_workers_share_redis_queue_without_double_processing(
    tmp_path: Path, llm_base_url: str, redis_server: Any, cleanup: list[subprocess.Popen[bytes]]
) -> None:
    batch = Batch(tmp_path, n_junk=300, n_model=1)
    env = batch.env(llm_base_url)  # queue from the command line, as an operator would run it
    queue_url = f"{redis_server.url}?name=pair-{uuid.uuid4().hex[:6]}"
    workers = [batch.spawn(env, f"pair{i}", "--queue", queue_url) for i in (1, 2)]
    cleanup.extend(workers)
    batch.wait(lambda: batch.results() >= batch.n, MODEL_WAIT_S, "all results with two workers")
    assert [_stop(w) for w in workers] == [0, 0]
    data = batch.check_exactly_once()
    decided: Counter[str] = Counter()
    per_worker = {}
    for i in (1, 2):
        lines = [ln for ln in batch.log_lines(f"pair{i}") if ln.get("msg") == "report decided"]
        per_worker[f"pair{i}"] = len(lines)
        decided.update(ln["report_id"] for ln in lines)
    assert sum(decided.values()) == batch.n
    assert max(decided.values()) == 1, "a report was decided by both workers"
    assert all(n > 0 for n in per_worker.values()), per_worker
    attempts = batch.count("SELECT count(DISTINCT report_id) FROM llm_attempts")
    assert attempts == 1
    data["decided_per_worker"] = per_worker
    _record("two_workers_redis", data)
