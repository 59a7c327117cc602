"""The embedded server's command line: what the operator's settings turn into."""

from __future__ import annotations

from pathlib import Path

from triage.config import Settings
from triage.embedded import _command


def _flag(command: list[str], name: str) -> str | None:
    return command[command.index(name) + 1] if name in command else None


def test_default_server_runs_two_threads_without_drafting():
    command = _command(Settings(), Path("/m.gguf"))
    assert _flag(command, "--n_threads") == "2" and _flag(command, "--model") == "/m.gguf"
    assert "--draft_model" not in command  # measured slower on 2 cores: benchmarks/speculative.py


def test_prompt_lookup_drafting_is_an_operator_setting():
    command = _command(Settings(embedded_draft_tokens=6), Path("/m.gguf"))
    assert _flag(command, "--draft_model") == "prompt-lookup-decoding"
    assert _flag(command, "--draft_model_num_pred_tokens") == "6"
