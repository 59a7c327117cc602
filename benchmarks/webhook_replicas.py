"""Webhook throughput with several replicas, driven by wrk (a C load generator).

`webhook_load.py` drives one replica from a Python client, which on this 2-core machine spends
as much CPU making requests as the server spends answering them. Here each replica (`triage
serve`, its own working directory and temp directory, sharing only the store) gets its own `wrk`
process posting distinct signed single-message payloads, as a balancer would spread WhatsApp's
posts; every message must be stored exactly once. Prints messages/s for 1 and for R replicas.

    .venv/bin/python benchmarks/webhook_replicas.py --n 20000 --replicas 2
    .venv/bin/python benchmarks/webhook_replicas.py --db postgresql://triage@127.0.0.1/triage_test

Needs Debian's `wrk` (`apt-get install wrk`).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from webhook_load import cpu_seconds, free_port, payload, signature, start_server, stored_count  # noqa: E402

from triage.store.database import connect  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# Each wrk thread reads its own list of signed bodies, posts each once, and stops when all are
# answered; a non-200 answer is counted and printed at the end.
LUA = r"""
local sigs, bodies, n, i, answered, bad = {}, {}, 0, 0, 0, 0
function init(args)
  for line in io.lines(args[1]) do
    local sig, body = line:match("^(%S+) (.*)$")
    n = n + 1
    sigs[n] = sig
    bodies[n] = body
  end
end
function request()
  i = i + 1
  if i > n then i = n end  -- only the last few in flight when the list runs out: duplicates
  return wrk.format("POST", "/webhooks/whatsapp",
    {["Content-Type"] = "application/json", ["X-Hub-Signature-256"] = sigs[i]}, bodies[i])
end
function response(status, headers, body)
  answered = answered + 1
  if status ~= 200 then bad = bad + 1 end
  if answered >= n then wrk.thread:stop() end
end
function done(summary, latency, requests)
  io.write(string.format("WRK %d %d %d %d %d\n", summary.requests, summary.errors.status,
    latency:percentile(50), latency:percentile(99), latency.max))
end
"""


def run(n: int, replicas: int, connections: int, db: str | None, workdir: Path) -> dict[str, Any]:
    """Post `n` messages spread over `replicas` webhooks; every message must be stored once."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    workdir.mkdir(parents=True, exist_ok=True)
    store = db or str(workdir / "replicas.db")
    connect(store).close()  # migrated once, before the replicas start
    run_id = uuid.uuid4().hex[:8]
    script = workdir / "post.lua"
    script.write_text(LUA)
    homes = [workdir / f"replica{r}" for r in range(replicas)]
    for home in homes:
        home.mkdir(parents=True, exist_ok=True)
    ports = [free_port() for _ in homes]
    procs = [start_server(store, port, home, own_dirs=True) for port, home in zip(ports, homes, strict=True)]
    try:
        lists = []
        for r in range(replicas):
            path = workdir / f"bodies{r}.txt"
            with path.open("w") as fh:
                mine = [payload(run_id, i) for i in range(r, n, replicas)]
                # wrk calls request() once before the run and throws that request away: the first
                # body is listed twice, so it is posted once (or twice: a re-delivery, stored once)
                for body in [mine[0], *mine]:
                    fh.write(f"{signature(body)} {body.decode()}\n")
            lists.append(path)
        cpu0 = [cpu_seconds(p.pid) for p in procs]
        started = time.perf_counter()
        clients = [
            subprocess.Popen(
                [
                    "wrk",
                    "-t1",
                    f"-c{connections}",
                    "-d120s",
                    "--timeout",
                    "30s",
                    "-s",
                    str(script),
                    f"http://127.0.0.1:{port}",
                    "--",
                    str(lst),
                ],
                stdout=subprocess.PIPE,
                text=True,
            )
            for port, lst in zip(ports, lists, strict=True)
        ]
        # wrk runs for its whole -d even after every thread stopped: the clock stops when the store
        # holds every message, then wrk is told to stop (SIGINT: it prints its summary)
        watcher = connect(store)
        stored = 0
        while stored < n and all(c.poll() is None for c in clients):
            time.sleep(0.05)
            stored = stored_count(watcher, run_id)
        elapsed = time.perf_counter() - started
        cpu = sum(cpu_seconds(p.pid) - c for p, c in zip(procs, cpu0, strict=True))
        watcher.close()
        time.sleep(0.5)  # the last answers reach wrk
        for c in clients:
            c.send_signal(signal.SIGINT)
        outputs = [c.communicate(timeout=30)[0] for c in clients]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=15)
    conn = connect(store)
    stored = stored_count(conn, run_id)
    conn.close()
    wrk = [line.split()[1:] for out in outputs for line in out.splitlines() if line.startswith("WRK ")]
    bad = sum(int(w[1]) for w in wrk)
    figures = {
        "store": "postgresql" if store.startswith("postgresql") else "sqlite",
        "replicas": replicas,
        "connections_per_replica": connections,
        "n": n,
        "stored": stored,
        "non_200": bad,
        "seconds": round(elapsed, 2),
        "messages_per_s": round(n / elapsed, 1),
        "latency_ms_p50": round(max(int(w[2]) for w in wrk) / 1000, 1),
        "latency_ms_p99": round(max(int(w[3]) for w in wrk) / 1000, 1),
        "server_cpu_ms_per_message": round(cpu * 1000 / n, 3),
        "load_average_1m": os.getloadavg()[0],
    }
    assert bad == 0, f"{bad} non-200 answers"
    assert stored == n, f"stored {stored} of {n}"
    return figures


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=20_000)
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--connections", type=int, default=16, help="in flight per replica")
    ap.add_argument(
        "--db", default=None, help="the store (default: a fresh SQLite file; or postgresql://...)"
    )
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()
    rows = []
    for r in sorted({1, args.replicas}):
        with tempfile.TemporaryDirectory(prefix="webhook-replicas-") as tmp:
            fig = run(args.n, r, args.connections, args.db, Path(tmp))
        rows.append(fig)
        print(
            f"{fig['store']}: {r} replica(s), {fig['n']} messages stored once each in {fig['seconds']} s: "
            f"{fig['messages_per_s']} messages/s (p50 {fig['latency_ms_p50']} ms, p99 "
            f"{fig['latency_ms_p99']} ms; server CPU {fig['server_cpu_ms_per_message']} ms a message)"
        )
    print(json.dumps(rows))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
