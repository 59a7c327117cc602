"""How many messages one assembler round groups per second, on SQLite and PostgreSQL.

Assembly runs one at a time across every worker (`triage.intake.assembler.one_assembler`: the
store's lock), so this is the ceiling of the whole deployment's intake after the webhook: if it
is far above what the webhook takes in, one assembler at a time costs nothing. Each run seeds N
unassigned messages (three per sender, within the quiet window of each other, old enough to be
closed) into a fresh store and times one `assemble_with_followups` round.

    .venv/bin/python benchmarks/assembly.py --n 6000

With Redis on 127.0.0.1:6379 it also times the partitioned intake (`triage.intake.partitions`,
the Redis queue's way): every message announced on its sender's stream, then 1 and 2 workers
(threads, each with its own connections and its share of 8 partitions) assembling until the
streams are empty, on PostgreSQL.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

from triage.intake.assembler import assemble_with_followups
from triage.schema import RawMessage
from triage.store.database import connect
from triage.store.reports import Store

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)


def seed(store: Store, n: int) -> list[tuple[RawMessage, None]]:
    """n unassigned messages, three per sender within the quiet window, old enough to be closed."""
    items = [
        (
            RawMessage(
                message_id=f"m{i}",
                sender=f"62816{i // 3:08d}",
                timestamp=T0 + timedelta(seconds=i % 3 * 20),
                text=f"Jalan rusak di desa nomor {i}",
            ),
            None,
        )
        for i in range(n)
    ]
    with store.db.atomic():
        store.add_messages_batch(items)
    return items


def run(db_url: str, n: int) -> dict[str, float]:
    store = Store(connect(db_url))
    seed(store, n)
    started = time.perf_counter()
    made = assemble_with_followups(store, timedelta(minutes=2), T0 + timedelta(hours=1), timedelta(hours=72))
    seconds = time.perf_counter() - started
    assert len(made) == (n + 2) // 3
    return {
        "messages": n,
        "reports": len(made),
        "seconds": round(seconds, 3),
        "messages_per_s": round(n / seconds),
    }


def run_partitioned(db_url: str, n: int, workers: int) -> dict[str, float]:
    """Workers assembling their shares of the partitions at once (PostgreSQL)."""
    import threading

    from triage.intake.partitions import assemble_round, open_intake

    name = f"bench-intake-{uuid.uuid4().hex[:8]}"
    streams = open_intake(f"redis://127.0.0.1:6379/0?name={name}", 8)
    assert streams is not None
    store = Store(connect(db_url))
    items = seed(store, n)
    streams.announce((m.sender, m.message_id) for m, _ in items)
    for w in range(workers):  # every worker present before the clock starts: shares settle
        streams.claim_share(f"w{w}", 30)
    for w in range(workers):
        streams.claim_share(f"w{w}", 30)
    made: list[int] = []

    def worker(w: int) -> None:
        own = open_intake(f"redis://127.0.0.1:6379/0?name={name}", 8)
        assert own is not None
        st = Store(connect(db_url))
        while own.depth():
            got = assemble_round(
                own, st, f"w{w}", 30, timedelta(minutes=2), T0 + timedelta(hours=1), timedelta(hours=72)
            )
            made.append(len(got))

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(workers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seconds = time.perf_counter() - started
    streams.destroy()
    assert sum(made) == (n + 2) // 3
    return {
        "workers": workers,
        "messages": n,
        "reports": sum(made),
        "seconds": round(seconds, 3),
        "messages_per_s": round(n / seconds),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=6000)
    ap.add_argument(
        "--pg",
        default=os.environ.get("TRIAGE_TEST_PG", "postgresql://triage:triage@127.0.0.1:5432/triage_test"),
    )
    args = ap.parse_args()
    import psycopg

    out = {}
    with tempfile.TemporaryDirectory() as tmp:
        out["sqlite"] = run(str(Path(tmp) / "assembly.db"), args.n)
        schema = f"bench_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(args.pg, autocommit=True) as admin:
            admin.execute(f"CREATE SCHEMA {schema}")
            try:
                out["postgresql"] = run(f"{args.pg}?options=-csearch_path%3D{schema}", args.n)
            finally:
                admin.execute(f"DROP SCHEMA {schema} CASCADE")
        try:
            import redis

            redis.Redis(socket_connect_timeout=1).ping()
            have_redis = True
        except Exception:
            have_redis = False
        if have_redis:
            for workers in (1, 2):
                schema = f"bench_{uuid.uuid4().hex[:8]}"
                with psycopg.connect(args.pg, autocommit=True) as admin:
                    admin.execute(f"CREATE SCHEMA {schema}")
                    try:
                        url = f"{args.pg}?options=-csearch_path%3D{schema}"
                        out[f"postgresql_partitioned_{workers}"] = run_partitioned(url, args.n, workers)
                    finally:
                        admin.execute(f"DROP SCHEMA {schema} CASCADE")
    for store, fig in out.items():
        print(
            f"{store:10} {fig['messages']} messages -> {fig['reports']} reports "
            f"in {fig['seconds']} s: {fig['messages_per_s']} messages/s"
        )
    print(json.dumps({**out, "load_average_1m": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
