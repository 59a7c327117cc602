"""Several machines: webhook and worker replicas that share nothing but PostgreSQL and Redis.

Each process runs in a working directory and temp directory of its own; the SP4N sandbox is a
separate process with its own store; the model is a stand-in at a fixed latency (the model is not
under test). Every drill ends with the same check: each message in exactly one report, each
report with exactly one result, each valid report delivered to SP4N exactly once. The counts are
printed (-s) and written to artifacts/replica_drills.json for the note.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from stand_ins.gate import open_gate
from stand_ins.judging_model import MODEL, JudgingModel
from stand_ins.payloads import dumps, text_payload
from stand_ins.ports import free_port
from stand_ins.tcp_proxy import TcpProxy

from triage.intake.webhook import sign
from triage.sp4n.sandbox import SandboxProcess
from triage.store.database import connect

ROOT = Path(__file__).resolve().parent.parent
TRIAGE = str(Path(sys.executable).parent / "triage")
SECRET = "replica-secret"
pytestmark = [pytest.mark.slow]


def _record(name: str, data: dict[str, Any]) -> None:
    out = ROOT / "artifacts" / "replica_drills.json"
    out.parent.mkdir(exist_ok=True)
    current = json.loads(out.read_text()) if out.exists() else {}
    current[name] = data
    out.write_text(json.dumps(current, indent=2, sort_keys=True))
    print(f"\n{name}: {json.dumps(data, sort_keys=True)}")


def _text(i: int) -> str:
    if i % 5 == 0:
        return f"iseng aja {i}"  # the stand-in model calls it a prank
    if i % 7 == 0:
        return "tes"  # the prefilter decides it, no model
    return f"Jalan rusak parah di Desa Cibodas Kabupaten Bogor sudah {i} bulan tidak diperbaiki"


class Cluster:
    """PostgreSQL + Redis + SP4N sandbox + stand-in model, and the triage processes started on them."""

    def __init__(
        self, tmp: Path, db_url: str, model: JudgingModel, sandbox: SandboxProcess, queue_url: str
    ) -> None:
        self.tmp = tmp
        self.db_url = db_url
        self.procs: dict[str, subprocess.Popen[bytes]] = {}
        self.ports: dict[str, int] = {}
        self.base = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
        self.base.update(
            TRIAGE_DB=db_url,
            TRIAGE_QUEUE_URL=f"{queue_url}?name=replicas-{uuid.uuid4().hex[:8]}",
            TRIAGE_LLM_BASE_URL=model.url,
            TRIAGE_LLM_MODEL=MODEL,
            TRIAGE_LLM_JSON_SCHEMA_MODE="llama_cpp",
            TRIAGE_LLM_TIMEOUT_S="10",
            TRIAGE_LLM_TRANSIENT_RETRIES="1",
            TRIAGE_PROMPT=str(ROOT / "prompts" / "triage.toml"),
            TRIAGE_CHECKS=str(ROOT / "prompts" / "checks.toml"),
            # the gate: valid reports reach SP4N only from a prompt+model pair with a passing run
            TRIAGE_GATE_CONFIG=str(open_gate(db_url, tmp, MODEL)),
            TRIAGE_SP4N_URL=sandbox.url,
            TRIAGE_WHATSAPP_APP_SECRET=SECRET,
            TRIAGE_ASSEMBLE_WINDOW_S="1",
            TRIAGE_WORKER_POLL_S="0.1",
            TRIAGE_WORKER_LEASE_S="5",
            TRIAGE_WORKER_SWEEP_S="2",
            TRIAGE_WORKER_METRICS_PORT="0",
            TRIAGE_WORKER_BACKOFF_BASE_S="0.5",
            TRIAGE_WORKER_BACKOFF_MAX_S="4",
        )

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> None:
        home = self.tmp / name  # a working directory and temp dir of its own: nothing shared on disk
        (home / "tmp").mkdir(parents=True, exist_ok=True)
        log = (home / "out.log").open("ab")
        proc_env = {**self.base, "TMPDIR": str(home / "tmp"), **(env or {})}
        if args[0] == "serve":
            self.ports[name] = self.ports.get(name) or free_port()
            args = (*args, "--port", str(self.ports[name]))
        else:
            args = (*args, "--name", name)
        self.procs[name] = subprocess.Popen(
            [TRIAGE, *args], env=proc_env, cwd=home, stdout=log, stderr=subprocess.STDOUT
        )

    def wait_serving(self, name: str, timeout: float = 60) -> None:
        self.wait(lambda: self._healthy(name), timeout, f"{name} serving")

    def _healthy(self, name: str) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.ports[name]}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    def post(self, name: str, body: bytes) -> int:
        url = f"http://127.0.0.1:{self.ports[name]}/webhooks/whatsapp"
        return httpx.post(
            url, content=body, headers={"x-hub-signature-256": sign(SECRET, body)}, timeout=10
        ).status_code

    def count(self, sql: str) -> int:
        db = connect(self.db_url)
        try:
            return int(db.execute(sql).fetchone()[0])
        finally:
            db.close()

    def wait(self, cond: Callable[[], bool], timeout: float, what: str) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cond():
                return
            time.sleep(0.25)
        logs = {n: (self.tmp / n / "out.log").read_text("utf-8", "replace")[-1500:] for n in self.procs}
        raise AssertionError(
            f"timed out waiting for {what}; results={self.count('SELECT count(*) FROM results')}; {logs}"
        )

    def stop_all_but(self, *keep: str) -> dict[str, int | None]:
        codes: dict[str, int | None] = {}
        for name, proc in self.procs.items():
            if name not in keep and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                codes[name] = proc.wait(timeout=60)
        return codes

    def stop_all(self) -> dict[str, int | None]:
        codes: dict[str, int | None] = {}
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in self.procs.items():
            try:
                codes[name] = proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                codes[name] = None
        return codes


@pytest.fixture
def make_cluster(pg_url: str, tmp_path: Path) -> Iterator[Callable[..., Cluster]]:
    """Start the shared parts; `make_cluster(queue_url=...)` (default: the local Redis)."""
    from services import unavailable

    made: list[Cluster] = []
    with contextlib.ExitStack() as stack:

        def make(queue_url: str = "redis://127.0.0.1:6379/0", latency_s: float = 0.05) -> Cluster:
            try:
                redis.Redis.from_url(queue_url, socket_connect_timeout=2).ping()
            except Exception as exc:  # noqa: BLE001
                unavailable(f"Redis not reachable at {queue_url}: {exc}")
            sandbox = SandboxProcess(
                None, "--db", str(tmp_path / "sp4n.db"), "--jsonl", str(tmp_path / "sp4n.jsonl")
            )
            model = stack.enter_context(JudgingModel(latency_s=latency_s))
            stack.enter_context(sandbox)
            made.append(Cluster(tmp_path, pg_url, model, sandbox, queue_url))
            return made[-1]

        try:
            yield make
        finally:
            for c in made:
                c.stop_all()


def send_batch(c: Cluster, n: int, prefix: str) -> set[str]:
    """n senders, one message each, posted to webhook A and the same body again to webhook B (the
    retry WhatsApp makes when an answer is slow), from two threads at once. Returns the valid ids."""
    now = int(time.time())
    bodies = [dumps(text_payload(f"wamid.{prefix}{i}", f"62813{i:08d}", _text(i), ts=now)) for i in range(n)]
    statuses: list[int] = []

    def post_all(name: str) -> None:
        statuses.extend(c.post(name, b) for b in bodies)

    threads = [threading.Thread(target=post_all, args=(name,)) for name in ("web-a", "web-b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [200] * (2 * n)
    return {f"{prefix}{i}" for i in range(n) if i % 5 and i % 7}


def check_exactly_once(c: Cluster, n: int, n_valid: int) -> dict[str, Any]:
    db = connect(c.db_url)
    outcomes = dict(db.execute("SELECT outcome, count(*) FROM results GROUP BY outcome").fetchall())
    sandbox = json.loads(httpx.get(f"{c.base['TRIAGE_SP4N_URL']}/api/stats", timeout=5).text)
    figures = {
        "messages_in": c.count("SELECT count(*) FROM messages"),
        "reports": c.count("SELECT count(*) FROM reports"),
        "results": c.count("SELECT count(*) FROM results"),
        # one message per sender: a report holding two would be two reports merged
        "merged_reports": c.count(
            "SELECT count(*) FROM (SELECT report_id FROM messages GROUP BY report_id HAVING count(*) > 1) d"
        ),
        "unassigned": c.count("SELECT count(*) FROM messages WHERE report_id IS NULL"),
        "not_done": c.count("SELECT count(*) FROM reports WHERE status != 'done'"),
        "outbox_rows": c.count("SELECT count(*) FROM outbox"),
        "sp4n_sent": c.count("SELECT count(*) FROM outbox WHERE state = 'sent'"),
        "sp4n_records": sandbox["records"],
        "sp4n_requests": sandbox["by_outcome"],  # a repeat of a held key is answered, not recorded twice
        "outcomes": outcomes,
    }
    figures["lost"] = n - figures["results"]
    assert figures["messages_in"] == n  # the retry to the other replica stored nothing twice
    assert figures["reports"] == figures["results"] == n  # one sender per message, one result each
    assert figures["merged_reports"] == figures["unassigned"] == figures["not_done"] == 0
    assert outcomes.get("sp4n") == n_valid
    assert figures["outbox_rows"] == figures["sp4n_sent"] == figures["sp4n_records"] == n_valid
    return figures


def test_two_webhooks_and_two_workers_give_one_result_and_one_delivery_each(make_cluster: Any) -> None:
    c = make_cluster()
    for name in ("web-a", "web-b"):
        c.start(name, "serve")
    for name in ("work-1", "work-2"):
        c.start(name, "worker")
    for name in ("web-a", "web-b"):
        c.wait_serving(name)
    n = 60
    valid = send_batch(c, n, "a")
    c.wait(lambda: c.count("SELECT count(*) FROM outbox WHERE state = 'sent'") == len(valid), 120, "delivery")
    c.wait(lambda: c.count("SELECT count(*) FROM results") == n, 60, "every result")
    figures = check_exactly_once(c, n, len(valid))
    # a sweep may assemble a sender before the partition's owner reads the entry; the owner
    # acknowledges it on its next round
    c.wait(lambda: intake_streams(c)["waiting"] == 0, 30, "every intake entry acknowledged")
    figures["intake"] = intake_streams(c)
    # every message went through its sender's partition stream once (the retry to the other
    # replica was a duplicate, not announced), every entry is acknowledged, both workers assembled
    assert figures["intake"]["entries_read"] == n and figures["intake"]["waiting"] == 0
    assert figures["intake"]["consumers"] == ["work-1", "work-2"]
    assert c.stop_all() == {"web-a": 0, "web-b": 0, "work-1": 0, "work-2": 0}
    _record("two_webhooks_two_workers", figures)


def intake_streams(c: Cluster) -> dict[str, Any]:
    """What the partitioned intake's streams say: entries read by the assemblers, entries still
    waiting, which workers read them and how many each holds unacknowledged
    (`triage.intake.partitions`)."""
    url, prefix = c.base["TRIAGE_QUEUE_URL"].split("?name=")
    r = redis.Redis.from_url(url, decode_responses=True)
    read = waiting = 0
    pending: dict[str, int] = {}
    for p in range(8):
        key = f"{prefix}:intake:{p}"
        if not r.exists(key):
            continue
        waiting += int(r.xlen(key))
        for group in r.xinfo_groups(key):
            read += int(group.get("entries-read") or 0)
            for x in r.xinfo_consumers(key, group["name"]):
                pending[x["name"]] = pending.get(x["name"], 0) + int(x["pending"])
    return {"entries_read": read, "waiting": waiting, "consumers": sorted(pending), "pending": pending}


def test_a_worker_killed_mid_batch_loses_nothing(make_cluster: Any) -> None:
    c = make_cluster()
    c.start("web-a", "serve")
    c.start("web-b", "serve")
    c.start("work-1", "worker")
    c.start("work-2", "worker")
    c.wait_serving("web-a")
    c.wait_serving("web-b")
    n = 60
    valid = send_batch(c, n, "k")
    c.wait(lambda: c.count("SELECT count(*) FROM results") >= 10, 60, "a first share of results")
    c.procs["work-1"].send_signal(signal.SIGKILL)  # kill -9: no cleanup, leases held
    c.procs["work-1"].wait(timeout=10)
    at_kill = c.count("SELECT count(*) FROM results")
    c.wait(lambda: c.count("SELECT count(*) FROM outbox WHERE state = 'sent'") == len(valid), 120, "delivery")
    c.wait(lambda: c.count("SELECT count(*) FROM results") == n, 60, "every result")
    figures = check_exactly_once(c, n, len(valid))
    # the other worker's sweep can assemble the killed worker's senders from the store before
    # their partitions' lease (5 s) runs out; the entries are acknowledged when it takes those
    # partitions over, so the streams empty a few seconds after the last result, not with it
    c.wait(lambda: intake_streams(c)["waiting"] == 0, 30, "the killed worker's entries taken over")
    figures["intake"] = intake_streams(c)
    assert figures["intake"]["waiting"] == 0
    _record("kill_9_worker_mid_batch", {**figures, "results_at_kill": at_kill})


def test_a_worker_killed_holding_intake_entries_leaves_them_to_the_other(make_cluster: Any) -> None:
    """The partitioned intake: a worker has read its partitions' entries (the senders' runs still
    open) and is killed; the other takes its partitions when their lease runs out and claims the
    entries with XAUTOCLAIM. Every message still ends in exactly one report with one result."""
    c = make_cluster()
    slow_close = {"TRIAGE_ASSEMBLE_WINDOW_S": "6"}
    _start_two_and_two(c, worker_env={"work-1": slow_close, "work-2": slow_close})
    n = 40
    valid = send_batch(c, n, "h")

    def read_by_both() -> bool:
        seen = intake_streams(c)
        return seen["entries_read"] == n and seen["consumers"] == ["work-1", "work-2"]

    c.wait(read_by_both, 30, "every entry read, by both workers")
    held = intake_streams(c)["pending"]["work-1"]
    assert held > 0 and c.count("SELECT count(*) FROM reports") < n  # runs still open
    c.procs["work-1"].send_signal(signal.SIGKILL)
    c.procs["work-1"].wait(timeout=10)
    figures = _finish(c, n, valid)
    figures["intake"] = intake_streams(c)
    assert figures["intake"]["waiting"] == 0
    assert c.stop_all() == {"web-a": 0, "web-b": 0, "work-1": -9, "work-2": 0}
    _record("kill_9_worker_holding_intake_entries", {**figures, "entries_held_at_kill": held})


def _start_two_and_two(c: Cluster, *, worker_env: dict[str, dict[str, str]] | None = None) -> None:
    for name in ("web-a", "web-b"):
        c.start(name, "serve")
    for name in ("work-1", "work-2"):
        c.start(name, "worker", env=(worker_env or {}).get(name))
    for name in ("web-a", "web-b"):
        c.wait_serving(name)


def _finish(c: Cluster, n: int, valid: set[str]) -> dict[str, Any]:
    c.wait(lambda: c.count("SELECT count(*) FROM outbox WHERE state = 'sent'") == len(valid), 180, "delivery")
    c.wait(lambda: c.count("SELECT count(*) FROM results") == n, 60, "every result")
    return check_exactly_once(c, n, len(valid))


def test_postgres_restarted_mid_batch(make_cluster: Any) -> None:
    """The database every replica shares goes away and comes back: work waits, nothing is lost."""
    clusters = (
        sorted(p.name for p in Path("/etc/postgresql").glob("*")) if Path("/etc/postgresql").exists() else []
    )
    if not clusters or shutil.which("pg_ctlcluster") is None or os.geteuid() != 0:
        from services import unavailable

        unavailable("restarting the local PostgreSQL needs pg_ctlcluster and root")
    c = make_cluster(latency_s=0.15)
    _start_two_and_two(c)
    n = 80
    valid = send_batch(c, n, "p")
    c.wait(lambda: c.count("SELECT count(*) FROM results") >= 10, 60, "a first share of results")
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", clusters[-1], "main", "restart"],
        check=True,
        timeout=120,
    )
    at_restart = c.count("SELECT count(*) FROM results")
    assert at_restart < n, "the batch finished before the restart; make it bigger"
    figures = _finish(c, n, valid)
    assert all(p.poll() is None for p in c.procs.values())  # every replica rode it out
    assert c.stop_all() == {"web-a": 0, "web-b": 0, "work-1": 0, "work-2": 0}
    _record("postgres_restart_mid_batch", {**figures, "results_at_restart": at_restart})


def test_redis_restarted_without_persistence_mid_batch(make_cluster: Any, redis_server: Any) -> None:
    """The stream, its group and its pending entries vanish: the store is the source of truth and
    the sweepers put every undecided report back."""
    c = make_cluster(queue_url=redis_server.url, latency_s=0.15)
    _start_two_and_two(c)
    n = 80
    valid = send_batch(c, n, "r")
    c.wait(lambda: c.count("SELECT count(*) FROM results") >= 10, 60, "a first share of results")
    redis_server()
    at_restart = c.count("SELECT count(*) FROM results")
    assert at_restart < n, "the batch finished before the restart; make it bigger"
    figures = _finish(c, n, valid)
    figures["intake"] = intake_streams(c)  # entries announced after the restart; the rest swept
    assert figures["intake"]["waiting"] == 0
    assert c.stop_all() == {"web-a": 0, "web-b": 0, "work-1": 0, "work-2": 0}
    _record("redis_restart_without_persistence", {**figures, "results_at_restart": at_restart})


def test_a_worker_cut_off_from_postgres_for_60_s(make_cluster: Any) -> None:
    """One worker's link to the database fails for a minute (every connection reset, new ones
    refused); the other carries the batch, and the cut-off one comes back and works again."""
    c = make_cluster(latency_s=0.15)
    with TcpProxy(("127.0.0.1", 5432)) as proxy:
        via_proxy = re.sub(r"@127\.0\.0\.1:5432/", f"@127.0.0.1:{proxy.port}/", c.db_url)
        assert via_proxy != c.db_url
        _start_two_and_two(c, worker_env={"work-1": {"TRIAGE_DB": via_proxy}})
        n = 80
        valid = send_batch(c, n, "n")
        c.wait(lambda: c.count("SELECT count(*) FROM results") >= 10, 60, "a first share of results")
        proxy.partition()
        at_cut = c.count("SELECT count(*) FROM results")
        time.sleep(60)
        assert c.procs["work-1"].poll() is None  # waited, did not crash
        proxy.heal()
        first = _finish(c, n, valid)
        # the cut-off worker is the only one left: a second batch proves it works again
        assert c.stop_all_but("work-1", "web-a", "web-b")["work-2"] == 0
        more = send_batch(c, 20, "m")
        total = len(valid) + len(more)
        c.wait(lambda: c.count("SELECT count(*) FROM outbox WHERE state = 'sent'") == total, 120, "delivery")
        c.wait(lambda: c.count("SELECT count(*) FROM results") == n + 20, 60, "the second batch")
        second = check_exactly_once(c, n + 20, len(valid) + len(more))
    assert c.stop_all() == {"web-a": 0, "web-b": 0, "work-1": 0, "work-2": 0}
    _record(
        "worker_partitioned_from_postgres_60s", {**second, "results_at_cut": at_cut, "first_batch": first}
    )
