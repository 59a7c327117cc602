"""Both queue implementations keep the same promises: once-only put, leases that expire,
counted vs uncounted retries, dead letters, and exclusive claims under concurrency."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from services import unavailable

from triage.intake.queue import Queue, RedisQueue, SqliteQueue, open_queue

REDIS_URL = "redis://127.0.0.1:6379/0"


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture(params=["sqlite", pytest.param("redis", marks=pytest.mark.redis)])
def queue(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Queue]:
    if request.param == "sqlite":
        q: Queue = SqliteQueue(str(tmp_path / "q.db"))
        yield q
        q.close()
        return
    if not _redis_up():
        unavailable("no Redis on 127.0.0.1:6379")
    rq = RedisQueue(REDIS_URL, name=f"test-queue-{uuid.uuid4().hex[:8]}")
    yield rq
    rq.destroy()
    rq.close()


def test_put_is_once_only(queue: Queue) -> None:
    assert queue.put("R1") is True
    assert queue.put("R1") is False
    lease = queue.get("c1", 30)
    assert lease is not None and lease.item_id == "R1" and lease.deliveries == 1
    assert queue.get("c1", 30) is None
    queue.ack(lease)
    assert queue.put("R1") is False  # done items are not enqueued again
    assert queue.get("c1", 30) is None
    assert queue.depth() == 0


def test_expired_lease_returns_item(queue: Queue) -> None:
    queue.put("R2")
    first = queue.get("crashed", 0.3)
    assert first is not None
    assert queue.get("other", 0.3) is None  # leased: invisible
    time.sleep(0.5)
    second = queue.get("other", 0.3)  # all consumers share one lease timeout
    assert second is not None and second.item_id == "R2"
    assert second.deliveries == 2


def test_heartbeat_keeps_lease(queue: Queue) -> None:
    queue.put("R3")
    lease = queue.get("c1", 0.6)
    assert lease is not None
    for _ in range(3):
        time.sleep(0.3)
        assert queue.extend(lease, 0.6)
    assert queue.get("c2", 0.6) is None


def test_uncounted_nack_with_delay(queue: Queue) -> None:
    queue.put("R4")
    lease = queue.get("c1", 30)
    assert lease is not None
    queue.nack(lease, "llm unavailable", 0.4, count=False)
    assert queue.get("c1", 30) is None  # not visible before the delay
    time.sleep(0.6)
    again = queue.get("c1", 30)
    assert again is not None and again.item_id == "R4"
    assert again.deliveries == 1 and again.retries == 1
    assert again.last_error == "llm unavailable"


def test_counted_nack_and_dead_letter(queue: Queue) -> None:
    queue.put("R5")
    for n in (1, 2):
        lease = queue.get("c1", 30)
        assert lease is not None and lease.deliveries == n
        queue.nack(lease, f"boom {n}", 0.0)
    lease = queue.get("c1", 30)
    assert lease is not None and lease.deliveries == 3
    queue.dead(lease, "boom 3")
    assert queue.get("c1", 30) is None
    dead = queue.dead_letters()
    assert [(d.item_id, d.error) for d in dead] == [("R5", "boom 3")]
    assert queue.put("R5") is False


def test_a_dead_letter_can_be_requeued_with_its_count_reset(queue: Queue) -> None:
    queue.put("R6")
    lease = queue.get("c1", 30)
    assert lease is not None
    queue.dead(lease, "model down")
    assert queue.requeue("R6") is True
    assert queue.dead_letters() == []
    again = queue.get("c2", 30)
    assert again is not None and again.item_id == "R6" and again.deliveries == 1
    assert queue.requeue("R6") is False  # only a dead letter comes back


def test_concurrent_consumers_claim_each_item_once(queue: Queue, tmp_path: Path) -> None:
    n = 60
    for i in range(n):
        queue.put(f"C{i}")
    seen: list[str] = []
    lock = threading.Lock()

    def consume(name: str) -> None:
        while True:
            lease = queue.get(name, 30)
            if lease is None:
                return
            with lock:
                seen.append(lease.item_id)
            queue.ack(lease)

    threads = [threading.Thread(target=consume, args=(f"t{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(seen) == sorted(f"C{i}" for i in range(n))


def test_open_queue_by_url(tmp_path: Path) -> None:
    q = open_queue("sqlite://", str(tmp_path / "x.db"))
    assert isinstance(q, SqliteQueue)
    with pytest.raises(ValueError):
        open_queue("kafka://x", str(tmp_path / "x.db"))


@pytest.mark.redis
def test_redis_queue_recovers_after_data_loss() -> None:
    """A Redis restart without persistence loses the group; the queue recreates it."""
    if not _redis_up():
        unavailable("no Redis")
    q = RedisQueue(REDIS_URL, name=f"test-queue-{uuid.uuid4().hex[:8]}")
    try:
        q.put("A")
        assert q.get("c", 30) is not None
        q.destroy()  # as if Redis restarted empty
        with pytest.raises(Exception):  # noqa: B017 - NOGROUP surfaces once
            q.get("c", 30)
        assert q.get("c", 30) is None
        assert q.put("A") is True  # the sweeper's re-put works again
        lease = q.get("c", 30)
        assert lease is not None and lease.item_id == "A"
    finally:
        q.destroy()
        q.close()
