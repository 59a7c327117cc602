"""Consecutive messages of one sender within the quiet window become one report."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from assembly_checks import check_each_message_once

from triage.intake.assembler import group, report_id_for
from triage.schema import RawMessage

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
WINDOW = timedelta(minutes=2)


def msg(i: int, sender: str, seconds: float, text: str = "x") -> RawMessage:
    return RawMessage(message_id=f"m{i}", sender=sender, timestamp=T0 + timedelta(seconds=seconds), text=text)


def test_messages_within_the_window_form_one_report_per_sender():
    msgs = [msg(1, "a", 0, "P"), msg(2, "b", 5), msg(3, "a", 60, "jalan rusak"), msg(4, "a", 500)]
    closed, still_open = group(msgs, WINDOW)
    texts = sorted([[m.message_id for m in g] for g in closed])
    assert texts == [["m1", "m3"], ["m2"], ["m4"]]
    assert still_open == []


def test_an_open_run_waits_for_the_quiet_window():
    msgs = [msg(1, "a", 0), msg(2, "a", 30)]
    closed, still_open = group(msgs, WINDOW, now=T0 + timedelta(seconds=60))
    assert closed == [] and [m.message_id for m in still_open] == ["m1", "m2"]
    closed, _ = group(msgs, WINDOW, now=T0 + timedelta(seconds=200))
    assert [[m.message_id for m in g] for g in closed] == [["m1", "m2"]]


def test_report_id_is_stable_and_sender_specific():
    assert report_id_for(msg(1, "a", 0)) == report_id_for(msg(1, "a", 99))
    assert report_id_for(msg(1, "a", 0)) != report_id_for(msg(1, "b", 0))


def test_assemblers_running_at_once_group_each_message_exactly_once(store_url: str) -> None:
    """Several workers (here threads with their own connections) assemble while messages keep
    arriving, some of them late (old WhatsApp timestamps): every message ends in exactly one
    report, and every report holds exactly the messages its text and message list name."""
    import random
    import threading

    from triage.intake.assembler import assemble_with_followups
    from triage.store.database import connect
    from triage.store.reports import Store

    connect(store_url).close()
    rng = random.Random(7)
    senders = [f"62815{i:07d}" for i in range(12)]
    stop = threading.Event()
    errors: list[BaseException] = []
    now = T0 + timedelta(hours=1)

    def assembler() -> None:
        store = Store(connect(store_url))
        try:
            while not stop.is_set():
                assemble_with_followups(store, WINDOW, now, timedelta(hours=72))
        except BaseException as exc:  # noqa: BLE001 - asserted below
            errors.append(exc)

    threads = [threading.Thread(target=assembler) for _ in range(3)]
    for t in threads:
        t.start()
    writer = Store(connect(store_url))
    for i in range(150):
        sender = rng.choice(senders)
        seconds = rng.uniform(0, 3000)  # timestamps out of order: late deliveries included
        writer.add_message(msg(i, sender, seconds, text=f"pesan {i}"))
    stop.set()
    for t in threads:
        t.join()
    assert errors == []
    assemble_with_followups(Store(connect(store_url)), WINDOW, now, timedelta(hours=72))
    check_each_message_once(store_url, 150)
