"""The eval gate: an unevaluated prompt holds valid reports; a passing run sends each exactly once."""

from __future__ import annotations

import json
import logging
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from click.testing import CliRunner

from triage.cli import cli
from triage.config import Settings
from triage.evals import dataset, evaluate, gate, runs
from triage.evals.fakes import OracleJudge, result_for
from triage.intake import assembler
from triage.judge.pipeline import Decision
from triage.judge.prompt import load_prompt
from triage.schema import Outcome, RawMessage
from triage.store.database import connect
from triage.store.reports import Store
from triage.worker.service import process_report

REPO = Path(__file__).resolve().parent.parent
MODEL = "test-model"
TEXTS = {
    "warga1": "Jalan di desa Jragung kec Karangawen kab Demak rusak parah sudah setahun",
    "warga2": "Lampu lalu lintas di simpang Bulak Kapal Kota Bekasi mati seminggu",
    "warga3": "tes",
}


@pytest.fixture
def gated(tmp_path, monkeypatch):
    """A temp DB, a gate config in the temp dir naming a copy of the smoke set, and three reports."""
    shutil.copy(REPO / "evals" / "smoke.jsonl", tmp_path / "smoke.jsonl")
    (tmp_path / "gate.toml").write_text(
        'dataset = "smoke.jsonl"\n[thresholds]\nfalse_rejection_rate = 0.10\nverdict_accuracy = 0.6\n'
        "invalid_recall = 0.6\n"
    )
    for key, value in {
        "TRIAGE_DB": tmp_path / "triage.db",
        "TRIAGE_GATE_CONFIG": tmp_path / "gate.toml",
        "TRIAGE_LLM_MODEL": MODEL,
    }.items():
        monkeypatch.setenv(key, str(value))
    monkeypatch.setattr(gate, "_warned", set())
    settings = Settings(outbox_jsonl=tmp_path / "outbox.jsonl")
    db = connect(settings.db)
    store = Store(db)
    t0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    for i, (sender, text) in enumerate(TEXTS.items()):
        store.add_message(RawMessage(message_id=f"m{i}", sender=sender, text=text, timestamp=t0))
    reports = assembler.assemble(store, timedelta(seconds=120), now=None)
    return SimpleNamespace(tmp=tmp_path, settings=settings, db=db, store=store, reports=reports)


def decide(report_id, text, llm, prompt, has_media=False, same_text_senders=0):
    """Deterministic judge: the two real complaints are valid and confident, "tes" is a prank."""
    if text == "tes":
        return Decision(result_for("invalid", "prank", confidence=0.97))
    return Decision(result_for("valid", category="PEKERJAAN UMUM DAN PENATAAN RUANG"))


def process_all(g):
    prompt = load_prompt()
    llm = SimpleNamespace(model=MODEL)
    return {
        r.report_id: process_report(g.db, g.settings, llm, prompt, r.report_id, decide=decide)
        for r in g.reports
    }


def outcomes(db):
    return {r["report_id"]: r["outcome"] for r in db.query("SELECT report_id, outcome FROM results")}


def record_run(g, metrics_over=None, *, complete=True, dataset_path=None):
    prompt = load_prompt()
    path = dataset_path or g.tmp / "smoke.jsonl"
    m = {"n": 30, "errors": 0, "false_rejection_rate": 0.0, "verdict_accuracy": 0.9, "invalid_recall": 0.9}
    m |= metrics_over or {}
    m["run"] = {"complete": complete}
    return runs.record(
        g.db,
        paths=[str(path)],
        dataset_hash=dataset.dataset_hash([path]),
        prompt_version=prompt.version,
        prompt_hash=prompt.hash,
        model=MODEL,
        metrics=m,
        out_dir=str(g.tmp),
    )


def test_unevaluated_prompt_holds_valid_reports_then_a_pass_routes_each_once(gated, caplog):
    g = gated
    with caplog.at_level(logging.WARNING, logger="triage.evals.gate"):
        done = process_all(g)
    valid_ids = [rid for rid, p in done.items() if p.outcome is not Outcome.archived]
    assert len(valid_ids) == 2
    assert all(done[rid].outcome is Outcome.awaiting_gate for rid in valid_ids)
    assert g.db["outbox"].count == 0
    warnings = [r for r in caplog.records if "eval gate closed" in r.getMessage()]
    assert len(warnings) == 1  # said once per process and pair, not once per report
    assert "no complete, error-free eval run" in warnings[0].getMessage()

    assert gate.release_awaiting(g.db, g.settings, load_prompt(), MODEL) == 0  # still closed: nothing moves
    record_run(g)
    assert gate.gate_open(g.db, g.settings, load_prompt(), MODEL)
    assert gate.release_awaiting(g.db, g.settings, load_prompt(), MODEL) == 2
    assert gate.release_awaiting(g.db, g.settings, load_prompt(), MODEL) == 0  # again: nothing added
    rows = list(g.db.query("SELECT report_id, destination, payload FROM outbox ORDER BY report_id"))
    assert sorted(r["report_id"] for r in rows) == sorted(valid_ids)
    assert {r["destination"] for r in rows} == {"sp4n"}
    now = outcomes(g.db)
    assert all(now[rid] == "sp4n" for rid in valid_ids)
    assert [now[rid] for rid in done if rid not in valid_ids] == ["archived"]
    report_outcomes = {
        r["report_id"]: r["outcome"] for r in g.db.query("SELECT report_id, outcome FROM reports")
    }
    assert all(report_outcomes[rid] == "sp4n" for rid in valid_ids)


def test_after_a_pass_new_valid_reports_go_straight_to_sp4n(gated):
    record_run(gated)
    done = process_all(gated)
    assert sorted(p.outcome.value for p in done.values()) == ["archived", "sp4n", "sp4n"]
    assert gated.db["outbox"].count == 2


@pytest.mark.parametrize(
    ("over", "complete", "missing"),
    [
        ({"false_rejection_rate": 0.2}, True, "false_rejection_rate = 0.2 is over the bar 0.1"),
        ({"verdict_accuracy": 0.5}, True, "verdict_accuracy = 0.5 is under the bar 0.6"),
        ({"errors": 1}, True, "no complete, error-free eval run"),
        ({}, False, "no complete, error-free eval run"),
    ],
)
def test_runs_that_do_not_pass_or_do_not_count_keep_the_gate_closed(gated, over, complete, missing):
    process_all(gated)
    record_run(gated, over, complete=complete)
    status = gate.gate_status(gated.db, gated.settings, load_prompt(), MODEL)
    assert not status.open
    assert any(missing in m for m in status.missing), status.missing
    assert gate.release_awaiting(gated.db, gated.settings, load_prompt(), MODEL) == 0
    assert gated.db["outbox"].count == 0


def test_a_changed_gate_dataset_needs_a_new_run(gated):
    record_run(gated)
    assert gate.gate_open(gated.db, gated.settings, load_prompt(), MODEL)
    with (gated.tmp / "smoke.jsonl").open("a") as fh:
        fh.write(
            json.dumps(
                {"id": "new-1", "text": "tes 123", "expected": {"verdict": "invalid", "reason": "prank"}}
            )
        )
        fh.write("\n")
    assert not gate.gate_open(gated.db, gated.settings, load_prompt(), MODEL)


def test_newest_counting_run_decides_and_bars_are_read_at_check_time(gated):
    record_run(gated)
    record_run(gated, {"false_rejection_rate": 0.3})
    assert not gate.gate_open(gated.db, gated.settings, load_prompt(), MODEL)
    (gated.tmp / "gate.toml").write_text(
        'dataset = "smoke.jsonl"\n[thresholds]\nfalse_rejection_rate = 0.5\n'
    )
    assert gate.gate_open(gated.db, gated.settings, load_prompt(), MODEL)


def test_missing_or_broken_config_keeps_the_gate_closed(gated):
    record_run(gated)
    (gated.tmp / "gate.toml").write_text("dataset = [\n")
    status = gate.gate_status(gated.db, gated.settings, load_prompt(), MODEL)
    assert not status.open and "not valid TOML" in status.missing[0]
    (gated.tmp / "gate.toml").unlink()
    status = gate.gate_status(gated.db, gated.settings, load_prompt(), MODEL)
    assert not status.open and "not found" in status.missing[0]


def test_a_passing_eval_run_on_the_gate_dataset_releases_waiting_reports(gated, monkeypatch):
    process_all(gated)
    judge = OracleJudge(dataset.load([gated.tmp / "smoke.jsonl"]).cases)
    monkeypatch.setattr(evaluate, "judge_factory", judge.factory)
    runner = CliRunner()
    closed = runner.invoke(cli, ["gate", "status"])
    assert closed.exit_code == 1 and "CLOSED" in closed.output and "awaiting_gate: 2" in closed.output

    limited = runner.invoke(
        cli, ["eval", str(gated.tmp / "smoke.jsonl"), "--out", str(gated.tmp / "l"), "--limit", "5"]
    )
    assert limited.exit_code == 0 and gated.db["outbox"].count == 0  # a --limit run never counts

    result = runner.invoke(cli, ["eval", str(gated.tmp / "smoke.jsonl"), "--out", str(gated.tmp / "e")])
    assert result.exit_code == 0, result.output
    assert "released 2 waiting report(s)" in result.output
    assert gated.db["outbox"].count == 2
    opened = runner.invoke(cli, ["gate", "status"])
    assert opened.exit_code == 0 and "OPEN" in opened.output and "deciding run #2" in opened.output
    again = runner.invoke(cli, ["eval", str(gated.tmp / "smoke.jsonl"), "--out", str(gated.tmp / "e2")])
    assert "released 0 waiting report(s)" in again.output and gated.db["outbox"].count == 2
