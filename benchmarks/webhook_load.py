"""Load test of the WhatsApp webhook: N signed posts from a local client against `triage serve`.

Starts `triage serve` (a real uvicorn process, fresh SQLite database) on a free localhost port,
posts N (default 10,000) signed single-message payloads with ~20 in flight, re-posts a sample to
check idempotency, then checks every message is stored exactly once and prints latency
percentiles and throughput (also as JSON with --json).

    .venv/bin/python benchmarks/webhook_load.py --n 10000 --concurrency 20
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from triage.store.database import connect

ROOT = Path(__file__).resolve().parent.parent
SECRET = "load-test-secret"
TEXTS = ["tes", "P", "Assalamualaikum", "Jalan rusak di depan SDN 2, mohon diperbaiki", "😂"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def payload(run: str, i: int) -> bytes:
    wa = f"62857{i % 5000:08d}"
    body = {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": "WABA",
                "changes": [
                    {
                        "field": "messages",
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {"display_phone_number": "62811", "phone_number_id": "1"},
                            "contacts": [{"profile": {"name": "Warga"}, "wa_id": wa}],
                            "messages": [
                                {
                                    "from": wa,
                                    "id": f"wamid.{run}.{i}",
                                    "timestamp": str(int(time.time())),
                                    "type": "text",
                                    "text": {"body": TEXTS[i % len(TEXTS)]},
                                }
                            ],
                        },
                    }
                ],
            }
        ],
    }
    return json.dumps(body, separators=(",", ":")).encode()


def signature(body: bytes) -> str:
    return "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def cpu_seconds(pid: int) -> float:
    """User+system CPU time of a process (Linux), to tell server cost from client and machine load."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return float("nan")


def server_histogram(port: int) -> dict[str, float]:
    """Server-side handling time (verify, parse, durable write) from its Prometheus histogram."""
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    buckets = []
    for line in text.splitlines():
        if line.startswith("triage_webhook_seconds_bucket"):
            le = line.split('le="', 1)[1].split('"', 1)[0]
            buckets.append((float("inf") if le == "+Inf" else float(le), float(line.rsplit(" ", 1)[1])))
    total = buckets[-1][1] if buckets else 0.0
    out = {}
    for q in (50, 99):
        bound = next((le for le, count in buckets if total and count >= total * q / 100), float("nan"))
        out[f"server_ms_p{q}_le"] = round(bound * 1000, 1)
    return out


def stored_count(conn: Any, run_id: str) -> int:
    """Messages of this run the store holds (each payload's id is `wamid.<run>.<i>`)."""
    return int(
        conn.execute(
            "SELECT count(*) FROM messages WHERE message_id LIKE ?", [f"wamid.{run_id}.%"]
        ).fetchone()[0]
    )


def start_server(db: str, port: int, logdir: Path, *, own_dirs: bool = False) -> subprocess.Popen[bytes]:
    """`triage serve` on a free port; `own_dirs`: working directory, TRIAGE_HOME and temp dir in
    `logdir` (a replica that shares nothing on disk with the others)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
    env.update(
        TRIAGE_DB=str(db),
        TRIAGE_WHATSAPP_APP_SECRET=SECRET,
        TRIAGE_WHATSAPP_VERIFY_TOKEN="x",
        TRIAGE_LLM_BASE_URL="http://127.0.0.1:9/v1",  # never used by the webhook
    )
    if own_dirs:
        (logdir / "tmp").mkdir(parents=True, exist_ok=True)
        env.update(TRIAGE_HOME=str(logdir), TMPDIR=str(logdir / "tmp"))
    exe = str(Path(sys.executable).parent / "triage")
    proc = subprocess.Popen(
        [exe, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        cwd=logdir if own_dirs else ROOT,
        stdout=subprocess.DEVNULL,
        stderr=(logdir / "serve.log").open("ab"),
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"triage serve exited with {proc.returncode}; see {db.parent / 'serve.log'}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("triage serve did not come up")


async def post_all(url: str, bodies: list[bytes], concurrency: int) -> tuple[list[float], list[int]]:
    latencies: list[float] = []
    statuses: list[int] = []
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for b in bodies:
        queue.put_nowait(b)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:

        async def worker() -> None:
            while True:
                try:
                    body = queue.get_nowait()
                except asyncio.QueueEmpty:
                    return
                headers = {"content-type": "application/json", "x-hub-signature-256": signature(body)}
                started = time.perf_counter()
                r = await client.post(url, content=body, headers=headers)
                latencies.append((time.perf_counter() - started) * 1000)
                statuses.append(r.status_code)

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, statuses


def run(
    n: int = 10_000, concurrency: int = 20, workdir: Path | None = None, db_url: str | None = None
) -> dict[str, Any]:
    """Run the load test; returns the figures (and raises AssertionError if anything was lost)."""
    tmp = Path(workdir or tempfile.mkdtemp(prefix="webhook-load-"))
    tmp.mkdir(parents=True, exist_ok=True)
    db = db_url or str(tmp / "load.db")
    port = free_port()
    run_id = uuid.uuid4().hex[:8]
    server = start_server(db, port, tmp)
    try:
        url = f"http://127.0.0.1:{port}/webhooks/whatsapp"
        bodies = [payload(run_id, i) for i in range(n)]
        cpu_at_start = cpu_seconds(server.pid)  # imports and startup are not per-request cost
        started = time.perf_counter()
        latencies, statuses = asyncio.run(post_all(url, bodies, concurrency))
        elapsed = time.perf_counter() - started
        # WhatsApp re-delivers: a sample posted again must not be stored twice.
        server_cpu = cpu_seconds(server.pid) - cpu_at_start
        server_side = server_histogram(port)
        _, replay_statuses = asyncio.run(post_all(url, bodies[: max(1, n // 20)], concurrency))
    finally:
        server.terminate()
        server.wait(timeout=15)
    conn = connect(db)
    stored = stored_count(conn, run_id)
    conn.close()
    figures = {
        "n": n,
        "concurrency": concurrency,
        "ok": sum(1 for s in statuses if s == 200),
        "replayed": len(replay_statuses),
        "replay_ok": sum(1 for s in replay_statuses if s == 200),
        "stored": stored,
        "seconds": round(elapsed, 2),
        "req_per_s": round(n / elapsed, 1),
        "latency_ms_p50": round(percentile(latencies, 50), 2),
        "latency_ms_p95": round(percentile(latencies, 95), 2),
        "latency_ms_p99": round(percentile(latencies, 99), 2),
        "latency_ms_max": round(max(latencies), 2),
        "latency_ms_mean": round(statistics.fmean(latencies), 2),
        "server_cpu_ms_per_request": round(server_cpu * 1000 / n, 2),
        "load_average_1m": os.getloadavg()[0],
        **server_side,
    }
    assert figures["ok"] == n, f"non-200 answers: {sorted(set(statuses))}"
    assert figures["stored"] == n, f"stored {stored} of {n}"
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    ap.add_argument(
        "--db", default=None, help="the store (default: a fresh SQLite file; or postgresql://...)"
    )
    args = ap.parse_args()
    figures = run(args.n, args.concurrency, args.workdir, args.db)
    print(
        f"{figures['n']} posts, {figures['concurrency']} in flight: stored {figures['stored']} once each; "
        f"p50 {figures['latency_ms_p50']} ms, p95 {figures['latency_ms_p95']} ms, "
        f"p99 {figures['latency_ms_p99']} ms, {figures['req_per_s']} req/s"
    )
    print(json.dumps(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
