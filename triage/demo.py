"""`triage demo`: the bundled sample messages, end to end, on whatever model is configured."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from importlib import resources
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from triage.config import Settings
from triage.intake import assembler
from triage.judge.llm import LLM
from triage.judge.prompt import Prompt, load_prompt
from triage.model.embedded import llm_endpoint
from triage.schema import RawMessage
from triage.sp4n.outbox import RelayStats, run_relay
from triage.store.database import connect, local_dir, sqlite_path
from triage.store.reports import Store
from triage.worker.service import process_report


def sample_messages() -> list[dict[str, Any]]:
    text = resources.files("triage").joinpath("data", "demo_messages.jsonl").read_text("utf-8")
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def run(settings: Settings, console: Console) -> int:
    db = connect(settings.db)
    store = Store(db)
    samples = sample_messages()
    expected = {}
    new = 0
    for row in samples:
        msg = RawMessage.model_validate(row)
        new += store.add_message(msg)
        if "expected" in row:
            expected[msg.message_id] = row["expected"]
    assembler.assemble(store, timedelta(seconds=settings.assemble_window_s), now=None)
    console.print(
        f"{len(samples)} sample messages ({new} new) in {settings.db}; "
        f"{len(store.pending_report_ids())} report(s) to triage"
    )
    prompt = load_prompt(settings.prompt)
    rows = []
    with llm_endpoint(settings) as base_url:
        llm = LLM(settings, base_url)
        ensure_gate(db, settings, prompt, base_url, console)
        pending = store.pending_report_ids()
        with Progress(
            TextColumn("[bold]triage"),
            BarColumn(),
            TextColumn("{task.completed}/{task.total}"),
            TimeElapsedColumn(),
            console=console,
            transient=True,
        ) as bar:
            task = bar.add_task("reports", total=len(pending))
            for report_id in pending:
                started = time.perf_counter()
                done = process_report(db, settings, llm, prompt, report_id)
                rows.append((report_id, time.perf_counter() - started, done.error))
                bar.advance(task)
    stats, where = deliver_sp4n(db, settings, console)
    _print_table(console, db, expected, {r: (s, e) for r, s, e in rows})
    console.print(
        f"SP4N outbox: {stats.sent} delivered now to {where}; "
        f"{db.execute('SELECT count(*) FROM outbox').fetchone()[0]} row(s) in total"
    )
    errors = [r for r in rows if r[2]]
    return 1 if errors else 0


def ensure_gate(db: Any, settings: Settings, prompt: Prompt, base_url: str, console: Console) -> None:
    """Valid reports reach SP4N only from a pair that passed the gate set: run it first if needed.

    Results are cached, so this costs the gate set's model time once per prompt+model.
    """
    from triage.evals.evaluate import run_eval
    from triage.evals.gate import gate_status, load_config

    local = settings.model_copy(
        update={"llm_base_url": base_url, "llm_json_schema_mode": settings.schema_mode}
    )
    status = gate_status(db, local, prompt, local.llm_model)
    if status.open:
        return
    dataset = load_config(local).dataset
    console.print(
        f"The eval gate is closed for {status.pair}; running the gate set {dataset.name} first "
        "(once per prompt+model; valid reports wait in awaiting_gate unless it passes)."
    )
    out = local_dir(settings.db) / "runs" / f"gate-{prompt.hash[:12]}"
    run_eval(local, prompt, (dataset,), out, console=console, err=console)


def _print_table(
    console: Console, db: Any, expected: dict[str, str], timing: dict[str, tuple[float, Any]]
) -> None:
    table = Table(title="lapor-triage demo", show_lines=False)
    for col in ("message", "expected", "verdict", "reason", "category", "location", "outcome", "s"):
        table.add_column(col, overflow="fold")
    sql = (
        "SELECT r.report_id, r.text, r.message_ids, res.verdict, res.reason, res.category, "
        "res.province, res.regency, res.outcome, r.error, o.state AS sp4n_state, o.tracking_id "
        "FROM reports r LEFT JOIN results res ON res.report_id = r.report_id "
        "LEFT JOIN outbox o ON o.report_id = r.report_id AND o.destination = 'sp4n' "
        "ORDER BY r.created_at, r.report_id"
    )
    for row in db.query(sql):
        first = json.loads(row["message_ids"])[0]
        secs, err = timing.get(row["report_id"], (None, None))
        text = " / ".join(row["text"].splitlines())
        table.add_row(
            text[:70] + ("…" if len(text) > 70 else ""),
            expected.get(first, ""),
            row["verdict"] or "[red]pending",
            row["reason"] or "",
            (row["category"] or "")[:32],
            ", ".join(p for p in (row["regency"], row["province"]) if p),
            _outcome_cell(row, err),
            f"{secs:.1f}" if secs is not None else "(earlier)",
        )
    console.print(table)


# ---------------------------------------------------------------- SP4N hand-off (issue 6)


def _outcome_cell(row: dict[str, Any], err: str | None) -> str:
    """The outcome, and for SP4N the tracking id LAPOR! gave back (or why there is none yet)."""
    if not row["outcome"]:
        return f"[red]{err[:40]}" if err else ""
    if row["outcome"] == "sp4n" and row["tracking_id"]:
        return f"sp4n [green]{row['tracking_id']}"
    if row["outcome"] == "sp4n" and row["sp4n_state"]:
        return f"sp4n ({row['sp4n_state']})"
    return str(row["outcome"])


def deliver_sp4n(db: Any, settings: Settings, console: Console) -> tuple[RelayStats, str]:
    """Relay the outbox. Without TRIAGE_SP4N_URL the demo starts the LAPOR! sandbox itself, so
    tracking ids come back over real HTTP; the sandbox mirrors what it accepted to the JSONL file."""
    if settings.sp4n_url:
        return run_relay(db, settings, once=True), settings.sp4n_url
    from triage.sp4n.sandbox import SandboxProcess

    path = sqlite_path(settings.db)  # the sandbox's own store sits beside ours, or beside its JSONL
    store = (
        path.with_name(path.name + ".sp4n-sandbox.db")
        if path
        else settings.outbox_jsonl.with_name("sp4n-sandbox.db")
    )
    args = ("--db", str(store), "--jsonl", str(settings.outbox_jsonl))
    with SandboxProcess(None, *args) as sandbox:
        console.print(f"SP4N-LAPOR! sandbox started at {sandbox.url} (set TRIAGE_SP4N_URL for a real one)")
        local = settings.model_copy(update={"sp4n_url": sandbox.url, "sp4n_flavour": "json"})
        stats = run_relay(db, local, once=True)
    return stats, f"the SP4N-LAPOR! sandbox (records mirrored to {settings.outbox_jsonl})"
