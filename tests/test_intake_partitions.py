"""The partitioned intake (TRIAGE_QUEUE_URL=redis://…): the webhook appends each stored message to
its sender's partition stream; workers share the partitions out, assemble each sender in one
place, and take over the entries of a worker that died (XAUTOCLAIM). Redis on 127.0.0.1:6379."""

from __future__ import annotations

import hashlib
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from assembly_checks import check_each_message_once
from fastapi.testclient import TestClient
from services import unavailable
from stand_ins.payloads import dumps, text_payload

from triage.app import create_app
from triage.config import Settings
from triage.intake.partitions import IntakeStreams, assemble_round, open_intake, partition_of
from triage.intake.webhook import sign
from triage.schema import RawMessage
from triage.store.database import connect
from triage.store.reports import Store

pytestmark = pytest.mark.redis

REDIS = "redis://127.0.0.1:6379/0"
T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=2)
FOLLOWUP = timedelta(hours=72)
SECRET = "partition-secret"


@pytest.fixture
def prefix() -> Iterator[str]:
    name = f"test-intake-{uuid.uuid4().hex[:8]}"
    streams = open_intake(f"{REDIS}?name={name}", 8)
    assert streams is not None
    try:
        streams.r.ping()
    except Exception:
        unavailable("no Redis on 127.0.0.1:6379")
    yield name
    streams.destroy()
    streams.close()


def _streams(prefix: str, partitions: int = 8) -> IntakeStreams:
    s = open_intake(f"{REDIS}?name={prefix}", partitions)
    assert s is not None
    return s


def _msg(i: int, sender: str, seconds: float) -> RawMessage:
    return RawMessage(
        message_id=f"m{i}", sender=sender, timestamp=T0 + timedelta(seconds=seconds), text=f"pesan {i}"
    )


def _add(store_url: str, streams: IntakeStreams, msgs: list[RawMessage]) -> None:
    """What the webhook does: the message durable in the store first, then announced."""
    st = Store(connect(store_url))
    for m in msgs:
        st.add_message(m)
    streams.announce((m.sender, m.message_id) for m in msgs)


def test_a_sender_always_lands_in_the_same_partition() -> None:
    expected = int.from_bytes(hashlib.sha256(b"6281234567890").digest()[:4], "big") % 8
    assert partition_of("6281234567890", 8) == expected  # the same on every machine and process
    counts = Counter(partition_of(f"62812{i:08d}", 8) for i in range(4000))
    assert set(counts) == set(range(8)) and min(counts.values()) > 400  # ~500 each


def test_no_partitioned_intake_without_redis() -> None:
    assert open_intake("sqlite://", 8) is None


def test_the_webhook_appends_each_new_message_to_its_senders_partition(tmp_path: Path, prefix: str) -> None:
    settings = Settings(
        db=tmp_path / "hook.db", whatsapp_app_secret=SECRET, queue_url=f"{REDIS}?name={prefix}"
    )
    client = TestClient(create_app(settings))
    body = dumps(text_payload("wamid.P1", "6281234567890", "Lampu jalan mati"))
    headers = {"content-type": "application/json", "x-hub-signature-256": sign(SECRET, body)}
    assert client.post("/webhooks/whatsapp", content=body, headers=headers).json()["received"] == 1
    assert client.post("/webhooks/whatsapp", content=body, headers=headers).json()["duplicates"] == 1
    streams = _streams(prefix)
    p = partition_of("6281234567890", 8)
    entries = streams.r.xrange(streams.stream(p))
    assert [(f["s"], f["m"]) for _, f in entries] == [("6281234567890", "wamid.P1")]  # once: not the retry
    assert streams.depth() == 1


def test_the_webhook_answers_200_when_redis_is_down_and_the_sweep_assembles(tmp_path: Path) -> None:
    settings = Settings(
        db=tmp_path / "hook.db", whatsapp_app_secret=SECRET, queue_url="redis://127.0.0.1:9/0?name=x"
    )
    client = TestClient(create_app(settings))
    body = dumps(text_payload("wamid.D1", "6281234567891", "Jalan rusak", ts=int(T0.timestamp())))
    headers = {"content-type": "application/json", "x-hub-signature-256": sign(SECRET, body)}
    assert client.post("/webhooks/whatsapp", content=body, headers=headers).status_code == 200
    (row,) = connect(settings.db).query("SELECT message_id, report_id FROM messages")
    assert row == {"message_id": "wamid.D1", "report_id": None}  # durable, waiting for the sweep


def test_open_runs_wait_and_are_acknowledged_once_assembled(store_url: str, prefix: str) -> None:
    streams = _streams(prefix)
    connect(store_url).close()
    _add(store_url, streams, [_msg(1, "a", 0), _msg(2, "a", 30), _msg(3, "b", 0)])
    store = Store(connect(store_url))
    made = assemble_round(streams, store, "w1", 30, WINDOW, T0 + timedelta(seconds=60), FOLLOWUP)
    assert made == [] and streams.depth() == 3  # every run still open: read, not acknowledged
    _add(store_url, streams, [_msg(4, "a", 100)])  # a keeps writing
    made = assemble_round(streams, store, "w1", 30, WINDOW, T0 + timedelta(seconds=200), FOLLOWUP)
    assert [[m.message_id for m in r.messages] for r, _ in made] == [["m3"]]
    assert streams.depth() == 3  # a's three entries wait with their open run
    made = assemble_round(streams, store, "w1", 30, WINDOW, T0 + timedelta(seconds=400), FOLLOWUP)
    assert [[m.message_id for m in r.messages] for r, _ in made] == [["m1", "m2", "m4"]]
    assert streams.depth() == 0
    check_each_message_once(store_url, 4)


def test_workers_share_the_partitions_out_and_give_them_back(prefix: str) -> None:
    streams = _streams(prefix)
    assert streams.claim_share("w1", 5) == list(range(8))  # alone: every partition
    assert streams.claim_share("w2", 5) == []  # all taken; w1 now sees two live workers
    first = streams.claim_share("w1", 5)
    assert len(first) == 4  # gives four back
    second = streams.claim_share("w2", 5)
    assert len(second) == 4 and not set(first) & set(second)
    streams.leave("w1")  # a clean stop gives its partitions back at once
    assert streams.claim_share("w2", 5) == list(range(8))


def test_a_dead_workers_entries_are_claimed_by_another(store_url: str, prefix: str) -> None:
    streams = _streams(prefix, partitions=2)
    connect(store_url).close()
    msgs = [_msg(i, f"62815{i % 6:07d}", i) for i in range(12)]
    _add(store_url, streams, msgs)
    # w1 takes every partition and reads its entries, then dies before assembling (kill -9)
    for p in streams.claim_share("w1", 0.5):
        assert streams.take(p, "w1")
    pending = sum(streams.r.xpending(streams.stream(p), "assemblers")["pending"] for p in range(2))
    assert pending == 12
    assert streams.claim_share("w2", 0.5) == []  # w1's leases still run
    time.sleep(0.7)
    store = Store(connect(store_url))
    made = assemble_round(streams, store, "w2", 0.5, WINDOW, T0 + timedelta(hours=1), FOLLOWUP)
    assert len(made) == 6 and streams.depth() == 0  # w1's entries claimed by w2 and done
    check_each_message_once(store_url, 12)


def test_the_sweep_assembles_what_redis_lost(store_url: str, prefix: str) -> None:
    streams = _streams(prefix)
    connect(store_url).close()
    _add(store_url, streams, [_msg(i, f"62816{i % 3:07d}", i) for i in range(9)])
    streams.destroy()  # Redis restarted without persistence: streams, groups and leases gone
    store = Store(connect(store_url))
    later = T0 + timedelta(hours=1)
    assert assemble_round(streams, store, "w1", 30, WINDOW, later, FOLLOWUP) == []  # nothing announced
    made = assemble_round(streams, store, "w1", 30, WINDOW, later, FOLLOWUP, sweep=True)
    assert len(made) == 3
    check_each_message_once(store_url, 9)


def test_workers_assembling_at_once_group_each_message_exactly_once(store_url: str, prefix: str) -> None:
    """Three workers, each with its own connections and its share of the partitions, assemble
    while messages keep arriving out of order (late WhatsApp deliveries); one of them sweeps."""
    connect(store_url).close()
    rng = random.Random(11)
    senders = [f"62817{i:07d}" for i in range(16)]
    stop = threading.Event()
    errors: list[BaseException] = []
    now = T0 + timedelta(hours=1)

    def worker(name: str) -> None:
        streams = _streams(prefix)
        store = Store(connect(store_url))
        try:
            while not stop.is_set():
                assemble_round(streams, store, name, 5, WINDOW, now, FOLLOWUP, sweep=name == "w3")
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(f"w{i}",)) for i in (1, 2, 3)]
    for t in threads:
        t.start()
    writer = _streams(prefix)
    for i in range(150):
        _add(store_url, writer, [_msg(i, rng.choice(senders), rng.uniform(0, 3000))])
    time.sleep(0.5)
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assemble_round(writer, Store(connect(store_url)), "w1", 5, WINDOW, now, FOLLOWUP, sweep=True)
    check_each_message_once(store_url, 150)


def test_with_redis_down_every_round_assembles_from_the_store(store_url: str) -> None:
    connect(store_url).close()
    streams = open_intake("redis://127.0.0.1:9/0?name=down", 8)  # nothing listens there
    assert streams is not None
    Store(connect(store_url)).add_message(_msg(1, "a", 0))
    store = Store(connect(store_url))
    made = assemble_round(streams, store, "w1", 30, WINDOW, T0 + timedelta(hours=1), FOLLOWUP)
    assert [[m.message_id for m in r.messages] for r, _ in made] == [["m1"]]
