"""Two recorded eval runs for the viewer's tests (the page tests and the browser test)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from triage.cli import cli
from triage.evals import dataset, evaluate
from triage.evals.fakes import OracleJudge, result_for

REPO = Path(__file__).resolve().parent.parent


def make_two_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> OracleJudge:
    """Two recorded runs of the smoke set in tmp_path/triage.db: run 1 gets one valid case wrong,
    run 2 (another prompt text, one line more) another one."""
    monkeypatch.setenv("TRIAGE_DB", str(tmp_path / "triage.db"))
    monkeypatch.setenv("TRIAGE_GATE_CONFIG", str(tmp_path / "no-gate.toml"))
    monkeypatch.setenv("TRIAGE_LLM_MODEL", "test-model")
    data = tmp_path / "cases.jsonl"
    shutil.copy(REPO / "evals" / "smoke.jsonl", data)
    judge = OracleJudge(dataset.load([data]).cases)
    monkeypatch.setattr(evaluate, "judge_factory", judge.factory)
    valid = [c.id for c in judge.cases if c.expected.verdict.value == "valid"]
    judge.overrides[valid[0]] = result_for("invalid", "spam")  # wrong in run 1 only
    assert CliRunner().invoke(cli, ["eval", str(data), "--out", str(tmp_path / "r1")]).exit_code == 0
    prompt = tmp_path / "prompt.toml"
    prompt.write_text("# variant B: one line more\n" + (REPO / "prompts" / "triage.toml").read_text())
    judge.overrides = {valid[1]: result_for("needs_info")}  # wrong in run 2 only
    args = ["eval", str(data), "--out", str(tmp_path / "r2"), "--prompt", str(prompt), "--no-cache"]
    assert CliRunner().invoke(cli, args).exit_code == 0
    return judge
