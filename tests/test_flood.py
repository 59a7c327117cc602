"""Exact-duplicate floods: one chain message from many senders needs no model; a shared complaint does."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from triage.config import Settings
from triage.evals.fakes import result_for
from triage.intake import assembler
from triage.judge.pipeline import Decision
from triage.judge.prompt import load_prompt
from triage.rules import prefilter
from triage.schema import InvalidReason, RawMessage, Verdict
from triage.store.database import connect
from triage.store.reports import Store
from triage.worker.service import process_report

CHAIN = "Doa pagi: semoga hari ini penuh berkah dan rezeki untuk kita semua, aamiin yra"
SHARED_COMPLAINT = "Jalan di desa Jragung kec Karangawen kab Demak rusak parah sudah setahun"


def test_flood_rule_needs_enough_senders_and_no_complaint() -> None:
    assert prefilter.check(CHAIN, same_text_senders=prefilter.FLOOD_MIN_SENDERS - 1) is None
    hit = prefilter.check(CHAIN, same_text_senders=prefilter.FLOOD_MIN_SENDERS)
    assert hit is not None and hit.rule == "duplicate_flood"
    assert (hit.verdict, hit.reason) == (Verdict.invalid, InvalidReason.spam)
    assert hit.evidence in CHAIN
    # many neighbours reporting the same broken road is a complaint, not a flood
    assert prefilter.check(SHARED_COMPLAINT, same_text_senders=50) is None


@pytest.fixture
def flooded(tmp_path):
    settings = Settings(db=tmp_path / "t.db", outbox_jsonl=tmp_path / "o.jsonl")
    db = connect(settings.db)
    store = Store(db)
    t0 = datetime.now(UTC) - timedelta(minutes=30)
    n = 0
    for i in range(7):
        for prefix, text in (("62811", CHAIN), ("62813", SHARED_COMPLAINT)):
            n += 1
            sender = f"{prefix}000{i:04d}"
            store.add_message(RawMessage(message_id=f"m{n}", sender=sender, text=text, timestamp=t0))
    # one sender sending the chain again does not make it a flood on its own
    store.add_message(RawMessage(message_id="old", sender="628120009999", text=CHAIN + " !", timestamp=t0))
    reports = assembler.assemble(store, timedelta(seconds=120), now=None)
    return SimpleNamespace(settings=settings, db=db, store=store, reports=reports)


def test_service_counts_senders_and_skips_the_model_for_floods(flooded) -> None:
    asked: list[str] = []

    def judge(report_id, text, llm, prompt, has_media=False, same_text_senders=0):
        hit = prefilter.check(text, has_media=has_media, same_text_senders=same_text_senders)
        if hit is not None:
            from triage.judge.pipeline import from_prefilter

            return Decision(from_prefilter(hit))
        asked.append(text)
        return Decision(result_for("valid", category="PEKERJAAN UMUM DAN PENATAAN RUANG"))

    assert flooded.store.senders_with_text(CHAIN, since=datetime.now(UTC) - timedelta(hours=1)) == 7
    assert flooded.store.senders_with_text(CHAIN, since=datetime.now(UTC) + timedelta(hours=1)) == 0
    llm = SimpleNamespace(model="test-model")
    for r in flooded.reports:
        process_report(flooded.db, flooded.settings, llm, load_prompt(), r.report_id, decide=judge)
    rules = {
        row["report_id"]: json.loads(row["result"]).get("rules", [])
        for row in flooded.db.query("SELECT report_id, result FROM results")
    }
    chain_ids = [r.report_id for r in flooded.reports if r.text == CHAIN]
    assert len(chain_ids) == 7 and all(rules[i] == ["duplicate_flood"] for i in chain_ids)
    assert asked.count(SHARED_COMPLAINT) == 7  # every neighbour's complaint was read by the model
    assert asked.count(CHAIN + " !") == 1
