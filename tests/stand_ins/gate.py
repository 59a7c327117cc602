"""An open eval gate for tests whose valid reports must reach SP4N: a passing run recorded for the
project's prompt and the given model on the gate dataset, and a gate file with a low bar."""

from __future__ import annotations

from pathlib import Path

from triage.evals import dataset, runs
from triage.judge.prompt import load_prompt
from triage.store.database import connect

ROOT = Path(__file__).resolve().parents[2]


def open_gate(db_url: str, tmp: Path, model: str) -> Path:
    """Returns the gate file for TRIAGE_GATE_CONFIG."""
    gate_set = ROOT / "evals" / "smoke.jsonl"
    gate = tmp / "gate.toml"
    gate.write_text(f'dataset = "{gate_set}"\n[thresholds]\nverdict_accuracy = 0.5\n')
    prompt = load_prompt(ROOT / "prompts" / "triage.toml")
    db = connect(db_url)
    try:
        runs.record(
            db,
            paths=[str(gate_set)],
            dataset_hash=dataset.dataset_hash([gate_set]),
            prompt_version=prompt.version,
            prompt_hash=prompt.hash,
            model=model,
            metrics={"n": 30, "errors": 0, "verdict_accuracy": 0.9, "run": {"complete": True}},
            out_dir=str(tmp),
        )
    finally:
        db.close()
    return gate
