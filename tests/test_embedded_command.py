"""The embedded server's command line: what the operator's settings turn into."""

from __future__ import annotations

from pathlib import Path

from triage.config import Settings
from triage.model.embedded import _command


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


def test_default_server_is_ours_with_answer_drafting_and_the_fast_sampler():
    command = _command(Settings(), Path("/m.gguf"))
    assert command[1:3] == ["-m", "triage.model.server"]
    assert _flag(command, "--answer_draft") == "12" and _flag(command, "--fast_sampler") == "true"
    assert _flag(command, "--copy_quotes") == "true"
    # no logits for every prompt token: only a draft step needs more than the last one
    assert _flag(command, "--logits_all") == "false"


def test_prompt_lookup_replaces_answer_drafting_and_keeps_all_logits():
    command = _command(Settings(embedded_draft_tokens=6), Path("/m.gguf"))
    assert _flag(command, "--answer_draft") == "0"
    assert "--logits_all" not in command  # prompt lookup sizes its logits table by this flag


def test_both_speedups_are_operator_settings():
    command = _command(
        Settings(embedded_answer_draft=0, embedded_fast_sampler=False, embedded_copy_quotes=False),
        Path("/m.gguf"),
    )
    assert _flag(command, "--answer_draft") == "0" and _flag(command, "--fast_sampler") == "false"
    assert _flag(command, "--copy_quotes") == "false"


def test_flash_attention_is_off_unless_the_operator_asks():
    # measured 1.25-1.35x slower on 2 AVX2 cores (benchmarks/speculative.py answer12+fa)
    assert _flag(_command(Settings(), Path("/m.gguf")), "--flash_attn") == "false"
    assert _flag(_command(Settings(embedded_flash_attn=True), Path("/m.gguf")), "--flash_attn") == "true"
