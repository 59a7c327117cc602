"""Reports per second with 1, 2 and 4 `triage worker` processes, on SQLite and on PostgreSQL.

The model is a stand-in OpenAI-compatible endpoint with a fixed latency per request (tests/
stand_ins/judging_model.py), so what is measured is the worker, the queue and the store, not the
model: with a latency L and one report in hand per worker, k workers can reach at most k/L
reports/s, and the figure shows how close each store lets them come. Each run seeds N messages
from N senders (old timestamps, so they are assembled at once) into a fresh store, starts k
workers (one report in hand each, relay off) and times from the first result to the last.

    .venv/bin/python benchmarks/scaling.py --n 120 --latency 0.2
    .venv/bin/python benchmarks/scaling.py --pg postgresql://triage:triage@127.0.0.1:5432/triage_test

Prints one line per (store, workers) and the ratio to one worker on the same store.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from stand_ins.judging_model import MODEL, JudgingModel  # noqa: E402

from triage.schema import RawMessage, utcnow  # noqa: E402
from triage.store.database import connect  # noqa: E402
from triage.store.reports import Store  # noqa: E402

TRIAGE = str(Path(sys.executable).parent / "triage")
TEXT = "Jalan rusak parah di Desa Cibodas Kabupaten Bogor sudah {} bulan tidak diperbaiki"


def fresh_store(kind: str, pg: str, tmp: Path) -> tuple[str, Any]:
    if kind == "sqlite":
        return str(tmp / f"scale-{uuid.uuid4().hex[:6]}.db"), None
    import psycopg

    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(pg, autocommit=True)
    admin.execute(f"CREATE SCHEMA {schema}")
    return f"{pg}?options=-csearch_path%3D{schema}", (admin, schema)


def seed(db_url: str, n: int) -> None:
    store = Store(connect(db_url))
    old = utcnow() - timedelta(minutes=10)
    with store.db.atomic():
        for i in range(n):
            store.add_message(
                RawMessage(message_id=f"s{i}", sender=f"62814{i:08d}", timestamp=old, text=TEXT.format(i))
            )


def run_once(kind: str, workers: int, n: int, model_url: str, pg: str, tmp: Path) -> dict[str, Any]:
    db_url, cleanup = fresh_store(kind, pg, tmp)
    try:
        seed(db_url, n)
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
        env.update(
            TRIAGE_DB=db_url,
            TRIAGE_LLM_BASE_URL=model_url,
            TRIAGE_LLM_MODEL=MODEL,
            TRIAGE_LLM_JSON_SCHEMA_MODE="llama_cpp",
            TRIAGE_PROMPT=str(ROOT / "prompts" / "triage.toml"),
            TRIAGE_CHECKS=str(ROOT / "prompts" / "checks.toml"),
            TRIAGE_WORKER_CONCURRENCY="1",
            TRIAGE_WORKER_RELAY="false",
            TRIAGE_WORKER_POLL_S="0.05",
            TRIAGE_WORKER_METRICS_PORT="0",
            TRIAGE_ASSEMBLE_WINDOW_S="1",
        )
        procs = []
        for w in range(workers):
            home = tmp / f"{kind}-{workers}-{w}-{uuid.uuid4().hex[:4]}"
            (home / "tmp").mkdir(parents=True)
            procs.append(
                subprocess.Popen(
                    [TRIAGE, "worker", "--name", f"w{w}"],
                    env={**env, "TMPDIR": str(home / "tmp")},
                    cwd=home,
                    stdout=subprocess.DEVNULL,
                    stderr=(home / "log").open("wb"),
                )
            )
        db = connect(db_url)
        first = None
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            done = int(db.execute("SELECT count(*) FROM results").fetchone()[0])
            if done and first is None:
                first = (time.perf_counter(), done)
            if done >= n:
                break
            time.sleep(0.05)
        end = time.perf_counter()
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(timeout=60)
        assert first is not None and done == n, f"{kind} x{workers}: {done} of {n} results"
        per_s = (n - first[1]) / (end - first[0])
        return {"store": kind, "workers": workers, "n": n, "reports_per_s": round(per_s, 2)}
    finally:
        if cleanup:
            admin, schema = cleanup
            admin.execute(f"DROP SCHEMA {schema} CASCADE")
            admin.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=120, help="reports per run")
    ap.add_argument("--latency", type=float, default=0.2, help="stand-in model seconds per request")
    ap.add_argument("--workers", default="1,2,4")
    ap.add_argument("--stores", default="sqlite,postgresql")
    ap.add_argument(
        "--pg",
        default=os.environ.get("TRIAGE_TEST_PG", "postgresql://triage:triage@127.0.0.1:5432/triage_test"),
    )
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    rows = []
    with JudgingModel(latency_s=args.latency) as model, tempfile.TemporaryDirectory() as tmp:
        for kind in args.stores.split(","):
            base = None
            for k in (int(w) for w in args.workers.split(",")):
                row = run_once(kind, k, args.n, model.url, args.pg, Path(tmp))
                base = base or row["reports_per_s"]
                row["vs_one_worker"] = round(row["reports_per_s"] / base, 2)
                row["ceiling_per_s"] = round(k / args.latency, 1)
                rows.append(row)
                print(
                    f"{kind:10} {k} worker(s): {row['reports_per_s']:6.2f} reports/s "
                    f"(x{row['vs_one_worker']} of one worker; ceiling k/L = {row['ceiling_per_s']})",
                    flush=True,
                )
    print(json.dumps({"latency_s": args.latency, "load_average_1m": os.getloadavg()[0], "runs": rows}))
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
