"""Intake over Redis streams, partitioned by sender (with `TRIAGE_QUEUE_URL=redis://…`).

Why partitions: a sender's consecutive messages must be grouped by one assembler, or two could
cut the same run differently. One lock over all assembly makes that true but serialises every
machine's assembler; a partition (a hash of the sender) is the unit that keeps it true while
several assemblers work at once. Each partition is a stream the webhook appends to after the
message is durable in the store; each worker owns a fair share of the partitions (a lease in
Redis, renewed every round), reads their new entries, assembles those senders from the store
under the partition's lock, and acknowledges an entry once its message belongs to a report.
A worker that dies stops renewing: another takes its partitions and XAUTOCLAIMs the entries it
had read but not acknowledged.

The store stays the record: Redis only says which senders to look at. What Redis loses (a
restart without persistence, an append that failed after the commit) the worker's sweep finds in
the store (`assembler.unassigned_senders`).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from triage.intake import assembler
from triage.intake.queue import redis_target
from triage.schema import Report
from triage.store.reports import Store

log = logging.getLogger(__name__)

GROUP = "assemblers"
_GIVE_BACK = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""


def partition_of(sender: str, partitions: int) -> int:
    """Stable across processes and machines (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.sha256(sender.encode()).digest()[:4], "big") % partitions


@dataclass(frozen=True)
class Entry:
    entry_id: str
    sender: str
    message_id: str


class IntakeStreams:
    """The Redis side: appends (webhook), partition leases, reads and acknowledgements (worker)."""

    def __init__(self, url: str, prefix: str, partitions: int) -> None:
        import redis

        self.r: Any = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=10, socket_connect_timeout=5
        )
        self.prefix = prefix
        self.partitions = partitions
        self._groups: set[int] = set()
        self._give_back = self.r.register_script(_GIVE_BACK)

    def stream(self, p: int) -> str:
        return f"{self.prefix}:intake:{p}"

    def _owner_key(self, p: int) -> str:
        return f"{self.prefix}:intake:{p}:owner"

    @property
    def _members(self) -> str:
        return f"{self.prefix}:intake:assemblers"

    # ------------------------------------------------------------ webhook

    def announce(self, messages: Iterable[tuple[str, str]]) -> int:
        """Append (sender, message_id) pairs to their partitions' streams, in one round trip."""
        pipe = self.r.pipeline(transaction=False)
        n = 0
        for sender, message_id in messages:
            pipe.xadd(self.stream(partition_of(sender, self.partitions)), {"s": sender, "m": message_id})
            n += 1
        if n:
            pipe.execute()
        return n

    # ------------------------------------------------------------ worker: which partitions are mine

    def claim_share(self, consumer: str, lease_s: float) -> list[int]:
        """Renew this consumer's partitions and take or give back some, towards an even share
        among the consumers seen within the lease. Returns the partitions it owns now."""
        now = time.time()
        lease_ms = max(1, int(lease_s * 1000))
        self.r.zadd(self._members, {consumer: now})
        self.r.zremrangebyscore(self._members, "-inf", now - lease_s)
        live = max(1, int(self.r.zcard(self._members)))
        share = math.ceil(self.partitions / live)
        owners = self.r.mget([self._owner_key(p) for p in range(self.partitions)])
        mine = [p for p, o in enumerate(owners) if o == consumer]
        for p in mine[share:]:  # more than a fair share: give back, highest partitions first
            self._release(p, consumer)
        mine = mine[:share]
        for p in mine:
            self.r.pexpire(self._owner_key(p), lease_ms)
        for p, owner in enumerate(owners):
            if len(mine) >= share:
                break
            if owner is None and self.r.set(self._owner_key(p), consumer, nx=True, px=lease_ms):
                mine.append(p)
        return sorted(mine)

    def _release(self, p: int, consumer: str) -> None:
        self._give_back(keys=[self._owner_key(p)], args=[consumer])  # only if still ours

    def leave(self, consumer: str) -> None:
        """A clean stop: give every partition back at once instead of at lease expiry."""
        for p in range(self.partitions):
            self._release(p, consumer)
        self.r.zrem(self._members, consumer)

    # ------------------------------------------------------------ worker: entries

    def _ensure_group(self, p: int) -> None:
        import redis

        if p in self._groups:
            return
        with contextlib.suppress(redis.ResponseError):  # BUSYGROUP: already there
            self.r.xgroup_create(self.stream(p), GROUP, id="0", mkstream=True)
        self._groups.add(p)

    def take(self, p: int, consumer: str, count: int = 1000) -> list[Entry]:
        """Every entry of the partition read before and not yet acknowledged (this consumer's
        senders still writing, or a dead consumer's, claimed with XAUTOCLAIM), then new ones.
        Only the partition's owner reads it, so every pending entry is its business. Redis
        restarted without persistence: the group is made again."""
        import redis

        self._ensure_group(p)
        try:
            _, claimed, _ = self.r.xautoclaim(
                self.stream(p), GROUP, consumer, min_idle_time=0, start_id="0-0", count=count
            )
            fresh = self.r.xreadgroup(GROUP, consumer, {self.stream(p): ">"}, count=count)
        except redis.ResponseError as exc:
            if "NOGROUP" in str(exc):
                self._groups.discard(p)
            raise
        out = [_entry(eid, f) for eid, f in claimed if f]
        for _, entries in fresh or []:
            out.extend(_entry(eid, f) for eid, f in entries if f)
        return out

    def ack(self, p: int, entry_ids: list[str]) -> None:
        if entry_ids:
            pipe = self.r.pipeline(transaction=True)
            pipe.xack(self.stream(p), GROUP, *entry_ids)
            pipe.xdel(self.stream(p), *entry_ids)
            pipe.execute()

    def depth(self) -> int:
        """Entries not yet acknowledged, over every partition (messages not yet in a report)."""
        pipe = self.r.pipeline(transaction=False)
        for p in range(self.partitions):
            pipe.xlen(self.stream(p))
        return sum(int(n) for n in pipe.execute())

    def destroy(self) -> None:
        """Delete every key of these streams (tests)."""
        keys = list(self.r.scan_iter(f"{self.prefix}:intake:*", count=1000))
        for i in range(0, len(keys), 500):
            self.r.delete(*keys[i : i + 500])

    def close(self) -> None:
        self.r.close()


def _entry(entry_id: str, fields: dict[str, str]) -> Entry:
    return Entry(entry_id, fields.get("s", ""), fields.get("m", ""))


def open_intake(queue_url: str, partitions: int) -> IntakeStreams | None:
    """The partitioned intake when the queue is Redis (same server, same key prefix); else None:
    the embedded SQLite setup has one machine, where the store alone is enough."""
    target = redis_target(queue_url)
    return IntakeStreams(*target, partitions) if target is not None else None


def assemble_round(
    streams: IntakeStreams,
    store: Store,
    consumer: str,
    lease_s: float,
    window: timedelta,
    now: datetime,
    followup_window: timedelta,
    *,
    sweep: bool = False,
) -> list[tuple[Report, str | None]]:
    """One assembler round of a worker: its partitions' senders from their streams (and, on a
    sweep, every sender with unassigned messages in the store, in the partitions whose lock it
    gets), grouped under each partition's lock; an entry is acknowledged once its sender has no
    message left outside a report. While Redis cannot be reached every round is a sweep: the
    store alone says which senders wait."""
    import redis

    made: list[tuple[Report, str | None]] = []
    try:
        for p in streams.claim_share(consumer, lease_s):
            entries = streams.take(p, consumer)
            if not entries:
                continue
            senders = {e.sender for e in entries}
            reports = assembler.assemble_senders(store, p, senders, window, now, followup_window)
            if reports is None:  # a sweep elsewhere holds the partition: this round's entries wait
                continue
            made.extend(reports)
            waiting = assembler.waiting_senders(store, senders)
            streams.ack(p, [e.entry_id for e in entries if e.sender not in waiting])
    except redis.RedisError as exc:
        log.warning("intake streams unavailable, assembling from the store: %s", exc)
        sweep = True
    if sweep:
        by_partition: dict[int, set[str]] = {}
        for sender in assembler.unassigned_senders(store):
            by_partition.setdefault(partition_of(sender, streams.partitions), set()).add(sender)
        for p, senders in sorted(by_partition.items()):
            made.extend(assembler.assemble_senders(store, p, senders, window, now, followup_window) or [])
    return made
