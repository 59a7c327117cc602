"""Work queues behind one small interface, chosen by `TRIAGE_QUEUE_URL`.

What travels is a report id ready for triage; the report itself lives in the SQLite database,
which is the source of truth. Delivery is at-least-once: a crashed worker's item comes back
when its lease expires, and processing is idempotent because `results` has one row per report.

- `sqlite://` (default, embedded): a `queue` table in the triage database. Leases carry a
  visibility timeout (`lease_until`); one UPDATE ... RETURNING claims an item atomically, so
  several worker processes on one machine can share it.
- `redis://host:port/db`: a Redis stream with a consumer group. Entries idle past the lease
  timeout are taken over with XAUTOCLAIM; a nack with a delay parks the id in a sorted set that
  is moved back into the stream when due (one Lua script, so nothing is lost between the two).

Delivery counting: `deliveries` counts deliveries that ended without an answer (a crash, an
unexpected exception). After `max_deliveries` the worker moves the item to the dead letters with
its last error. A retry because the model is unavailable is *not* counted: an outage must never
turn into a dead or judged report, only into a later one.
"""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol
from urllib.parse import parse_qs, urlparse

from triage.store.database import Database, connect, now_iso

DEFAULT_QUEUE = "triage"


@dataclass
class Lease:
    """One delivery of one item; `token` tells this delivery apart from a later one."""

    item_id: str
    token: str
    deliveries: int  # counted deliveries including this one
    retries: int = 0  # uncounted retries so far (model unavailable, released at shutdown)
    last_error: str | None = None


@dataclass
class DeadLetter:
    item_id: str
    error: str | None
    deliveries: int


class Queue(Protocol):
    """The interface the worker uses; both implementations are safe across processes."""

    def put(self, item_id: str) -> bool:
        """Enqueue once: an item this queue has seen before (queued, leased, done or dead) is ignored."""
        ...

    def get(self, consumer: str, lease_s: float) -> Lease | None: ...

    def extend(self, lease: Lease, lease_s: float) -> bool:
        """Keep a lease while slow work is still going on (heartbeat); False if it was lost."""
        ...

    def ack(self, lease: Lease) -> None: ...

    def nack(self, lease: Lease, error: str, delay_s: float, *, count: bool = True) -> None:
        """Give the item back, visible again after `delay_s`; `count=False` for transient causes."""
        ...

    def dead(self, lease: Lease, error: str) -> None: ...

    def dead_letters(self) -> list[DeadLetter]: ...

    def requeue(self, item_id: str) -> bool:
        """A dead letter back in the queue, its delivery count reset (`triage reports retry`)."""
        ...

    def depth(self) -> int:
        """Items waiting or in flight (not done, not dead)."""
        ...

    def close(self) -> None: ...


# ---------------------------------------------------------------- SQLite


class SqliteQueue:
    """The embedded queue: rows in the triage database, claimed with one atomic UPDATE.

    One connection per thread (sqlite3 connections must not be shared across threads), each in
    autocommit-per-statement mode so a claim never holds the write lock longer than one statement.
    """

    def __init__(self, path: str, name: str = DEFAULT_QUEUE) -> None:
        self.path = path
        self.name = name
        self._local = threading.local()
        self._conn()  # migrate now, not on the first get

    def _conn(self) -> Database:
        db: Database | None = getattr(self._local, "db", None)
        if db is None:
            db = connect(self.path)
            self._local.db = db
        return db

    def _exec(self, sql: str, params: list[Any]) -> Any:
        db = self._conn()
        with db.atomic():
            return db.execute(sql, params)

    def put(self, item_id: str) -> bool:
        cur = self._exec(
            "INSERT INTO queue (name, item_id, state, available_at, deliveries, retries, "
            "created_at, updated_at) VALUES (?, ?, 'ready', 0, 0, 0, ?, ?) ON CONFLICT DO NOTHING",
            [self.name, item_id, now_iso(), now_iso()],
        )
        return cur.rowcount == 1

    def get(self, consumer: str, lease_s: float) -> Lease | None:
        now = time.time()
        token = uuid.uuid4().hex
        db = self._conn()
        with db.atomic():
            row = db.execute(
                "UPDATE queue SET state = 'leased', consumer = ?, token = ?, lease_until = ?, "
                "deliveries = deliveries + 1, updated_at = ? "
                "WHERE name = ? AND item_id = ("
                "  SELECT item_id FROM queue WHERE name = ? AND ("
                "    (state = 'ready' AND available_at <= ?) OR (state = 'leased' AND lease_until <= ?))"
                f"  ORDER BY available_at, created_at LIMIT 1{db.for_update}) "
                "RETURNING item_id, deliveries, retries, last_error",
                [consumer, token, now + lease_s, now_iso(), self.name, self.name, now, now],
            ).fetchone()
        if row is None:
            return None
        return Lease(item_id=row[0], token=token, deliveries=row[1], retries=row[2], last_error=row[3])

    def extend(self, lease: Lease, lease_s: float) -> bool:
        cur = self._exec(
            "UPDATE queue SET lease_until = ? WHERE name = ? AND item_id = ? AND token = ? "
            "AND state = 'leased'",
            [time.time() + lease_s, self.name, lease.item_id, lease.token],
        )
        return cur.rowcount == 1

    def ack(self, lease: Lease) -> None:
        self._exec(
            "UPDATE queue SET state = 'done', token = NULL, updated_at = ? "
            "WHERE name = ? AND item_id = ? AND token = ?",
            [now_iso(), self.name, lease.item_id, lease.token],
        )

    def nack(self, lease: Lease, error: str, delay_s: float, *, count: bool = True) -> None:
        self._exec(
            "UPDATE queue SET state = 'ready', token = NULL, available_at = ?, last_error = ?, "
            "deliveries = deliveries - ?, retries = retries + ?, updated_at = ? "
            "WHERE name = ? AND item_id = ? AND token = ?",
            [
                time.time() + delay_s,
                error[:2000],
                0 if count else 1,
                0 if count else 1,
                now_iso(),
                self.name,
                lease.item_id,
                lease.token,
            ],
        )

    def dead(self, lease: Lease, error: str) -> None:
        self._exec(
            "UPDATE queue SET state = 'dead', token = NULL, last_error = ?, updated_at = ? "
            "WHERE name = ? AND item_id = ? AND token = ?",
            [error[:2000], now_iso(), self.name, lease.item_id, lease.token],
        )

    def requeue(self, item_id: str) -> bool:
        cur = self._exec(
            "UPDATE queue SET state = 'ready', token = NULL, available_at = ?, deliveries = 0, retries = 0, "
            "updated_at = ? WHERE name = ? AND item_id = ? AND state = 'dead'",
            [time.time(), now_iso(), self.name, item_id],
        )
        return cur.rowcount > 0

    def dead_letters(self) -> list[DeadLetter]:
        rows = self._conn().query(
            "SELECT item_id, last_error, deliveries FROM queue WHERE name = ? AND state = 'dead'",
            [self.name],
        )
        return [DeadLetter(r["item_id"], r["last_error"], r["deliveries"]) for r in rows]

    def depth(self) -> int:
        row = (
            self._conn()
            .execute(
                "SELECT count(*) FROM queue WHERE name = ? AND state IN ('ready', 'leased')", [self.name]
            )
            .fetchone()
        )
        return int(row[0])

    def close(self) -> None:
        db = getattr(self._local, "db", None)
        if db is not None:
            db.close()
            self._local.db = None


# ---------------------------------------------------------------- Redis Streams

# put: remember the id (so a re-put is a no-op) and add it to the stream, atomically.
_PUT = """
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[2]) then
  redis.call('XADD', KEYS[2], '*', 'id', ARGV[1])
  return 1
end
return 0
"""

# move due delayed ids back into the stream; ZREM and XADD happen together or not at all.
_PROMOTE = """
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100)
for _, id in ipairs(due) do
  redis.call('ZREM', KEYS[1], id)
  redis.call('XADD', KEYS[2], '*', 'id', id)
end
return #due
"""

# nack with delay: ack+delete this entry and park the id in the delayed set, atomically.
_NACK = """
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
if ARGV[5] == '1' then
  redis.call('HINCRBY', KEYS[3], ARGV[4], -1)
  redis.call('HINCRBY', KEYS[4], ARGV[4], 1)
end
redis.call('HSET', KEYS[5], ARGV[4], ARGV[6])
return 1
"""


class RedisQueue:
    """Redis Streams with one consumer group; keys share the prefix `{name}`.

    - `{name}:stream` entries `id=<item>`; group `workers`.
    - `{name}:seen:<item>` marks an item as known (queued, in flight, done or dead) for `seen_ttl_s`.
    - `{name}:delayed` sorted set of ids to re-add at a time (nack with backoff).
    - `{name}:deliveries`, `{name}:retries`, `{name}:errors` hashes per item.
    - `{name}:dead` stream of dead letters with their error.
    The lease token is the stream entry id: a later delivery of the same item is a new entry.
    """

    GROUP = "workers"

    def __init__(self, url: str, name: str = DEFAULT_QUEUE, seen_ttl_s: int = 30 * 86400) -> None:
        import redis

        self.url = url
        self.name = name
        self.seen_ttl_s = seen_ttl_s
        # Typed as Any: redis-py's stubs type replies as unions of bytes/str/awaitables.
        self.r: Any = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=10, socket_connect_timeout=5
        )
        self.stream = f"{name}:stream"
        self.delayed = f"{name}:delayed"
        self.dead_stream = f"{name}:dead"
        self.h_deliveries = f"{name}:deliveries"
        self.h_retries = f"{name}:retries"
        self.h_errors = f"{name}:errors"
        self._put = self.r.register_script(_PUT)
        self._promote = self.r.register_script(_PROMOTE)
        self._nack = self.r.register_script(_NACK)
        self._group_ready = False

    def _seen(self, item_id: str) -> str:
        return f"{self.name}:seen:{item_id}"

    def _ensure_group(self) -> None:
        """Create the group (and stream) if missing; also after a Redis restart lost them."""
        import redis

        if self._group_ready:
            return
        with contextlib.suppress(redis.ResponseError):  # BUSYGROUP: already there
            self.r.xgroup_create(self.stream, self.GROUP, id="0", mkstream=True)
        self._group_ready = True

    @contextlib.contextmanager
    def _group(self) -> Iterator[None]:
        import redis

        self._ensure_group()
        try:
            yield
        except redis.ResponseError as exc:
            if "NOGROUP" in str(exc):
                self._group_ready = False  # Redis lost its data (restart without persistence)
            raise
        except redis.ConnectionError:
            self._group_ready = False
            raise

    def put(self, item_id: str) -> bool:
        return bool(self._put(keys=[self._seen(item_id), self.stream], args=[item_id, self.seen_ttl_s]))

    def _lease(self, entry_id: str, fields: dict[str, str]) -> Lease:
        item = fields["id"]
        pipe = self.r.pipeline()
        pipe.hincrby(self.h_deliveries, item, 1)
        pipe.hget(self.h_retries, item)
        pipe.hget(self.h_errors, item)
        deliveries, retries, error = pipe.execute()
        return Lease(
            item_id=item,
            token=entry_id,
            deliveries=int(deliveries),
            retries=int(retries or 0),
            last_error=error,
        )

    def get(self, consumer: str, lease_s: float) -> Lease | None:
        with self._group():
            self._promote(keys=[self.delayed, self.stream], args=[time.time()])
            # Entries a crashed (or partitioned) worker held longer than the lease come back first.
            _, claimed, _ = self.r.xautoclaim(
                self.stream, self.GROUP, consumer, min_idle_time=int(lease_s * 1000), start_id="0-0", count=1
            )
            for entry_id, fields in claimed:
                if fields:  # a deleted entry comes back as (id, None)
                    return self._lease(entry_id, fields)
                self.r.xack(self.stream, self.GROUP, entry_id)
            got = self.r.xreadgroup(self.GROUP, consumer, {self.stream: ">"}, count=1)
            for _, entries in got or []:
                for entry_id, fields in entries:
                    return self._lease(entry_id, fields)
        return None

    def extend(self, lease: Lease, lease_s: float) -> bool:
        # XCLAIM by the same consumer resets the idle time: the heartbeat of a Redis lease.
        with self._group():
            info = self.r.xpending_range(self.stream, self.GROUP, lease.token, lease.token, 1)
            if not info:
                return False
            owner = info[0]["consumer"]
            self.r.xclaim(self.stream, self.GROUP, owner, 0, [lease.token], justid=True)
        return True

    def ack(self, lease: Lease) -> None:
        with self._group():
            pipe = self.r.pipeline(transaction=True)
            pipe.xack(self.stream, self.GROUP, lease.token)
            pipe.xdel(self.stream, lease.token)
            pipe.hdel(self.h_deliveries, lease.item_id)
            pipe.hdel(self.h_retries, lease.item_id)
            pipe.hdel(self.h_errors, lease.item_id)
            pipe.execute()

    def nack(self, lease: Lease, error: str, delay_s: float, *, count: bool = True) -> None:
        with self._group():
            self._nack(
                keys=[self.stream, self.delayed, self.h_deliveries, self.h_retries, self.h_errors],
                args=[
                    self.GROUP,
                    lease.token,
                    time.time() + delay_s,
                    lease.item_id,
                    "0" if count else "1",
                    error[:2000],
                ],
            )

    def dead(self, lease: Lease, error: str) -> None:
        with self._group():
            pipe = self.r.pipeline(transaction=True)
            pipe.xadd(
                self.dead_stream, {"id": lease.item_id, "error": error[:2000], "deliveries": lease.deliveries}
            )
            pipe.xack(self.stream, self.GROUP, lease.token)
            pipe.xdel(self.stream, lease.token)
            pipe.hdel(self.h_deliveries, lease.item_id)
            pipe.execute()

    def requeue(self, item_id: str) -> bool:
        entries = [eid for eid, f in self.r.xrange(self.dead_stream) if f.get("id") == item_id]
        if not entries:
            return False
        pipe = self.r.pipeline(transaction=True)
        pipe.xdel(self.dead_stream, *entries)
        pipe.delete(self._seen(item_id))  # else put() would ignore an item it has seen
        pipe.hdel(self.h_deliveries, item_id)
        pipe.hdel(self.h_retries, item_id)
        pipe.hdel(self.h_errors, item_id)
        pipe.execute()
        return self.put(item_id)

    def dead_letters(self) -> list[DeadLetter]:
        out = []
        for _, f in self.r.xrange(self.dead_stream):
            out.append(DeadLetter(f["id"], f.get("error"), int(f.get("deliveries", 0))))
        return out

    def depth(self) -> int:
        # Entries still in the stream are waiting or in flight (acked ones are deleted).
        return int(self.r.xlen(self.stream)) + int(self.r.zcard(self.delayed))

    def destroy(self) -> None:
        """Delete every key of this queue (tests)."""
        keys = list(self.r.scan_iter(f"{self.name}:*", count=1000))
        for i in range(0, len(keys), 500):
            self.r.delete(*keys[i : i + 500])

    def close(self) -> None:
        self.r.close()


# ---------------------------------------------------------------- factory


def redis_target(url: str) -> tuple[str, str] | None:
    """(server URL, key prefix) of a `redis://host:port/db?name=prefix` queue URL; None for
    another scheme. The work queue and the intake streams (`intake.partitions`) both read it."""
    parsed = urlparse(url or "sqlite://")
    if parsed.scheme not in ("redis", "rediss", "unix"):
        return None
    return url.split("?", 1)[0], _name(parsed.query)


def _name(query: str) -> str:
    return (parse_qs(query).get("name") or [DEFAULT_QUEUE])[0]


def open_queue(url: str, db_path: str, name: str | None = None) -> Queue:
    """`sqlite://` (default; the triage database) or `redis://host:port/db?name=stream-prefix`."""
    parsed = urlparse(url or "sqlite://")
    if parsed.scheme in ("", "sqlite"):
        path = parsed.path if parsed.path not in ("", "/") else db_path
        return SqliteQueue(str(path), name or _name(parsed.query))
    target = redis_target(url)
    if target is not None:
        return RedisQueue(target[0], name or target[1])
    raise ValueError(f"unknown queue URL {url!r}: use sqlite:// or redis://host:port")


def describe(url: str) -> dict[str, str | int | None]:
    """The queue URL without credentials, for logs (a dict: the JSON log writes it once)."""
    p = urlparse(url or "sqlite://")
    return {"scheme": p.scheme or "sqlite", "host": p.hostname, "port": p.port}
