"""Recorded model answers in a JSONL file: saved from one database, replayed in another."""

from __future__ import annotations

import json

import pytest

from triage.evals.fakes import model_answer
from triage.judge import llm_cache
from triage.judge.llm_cache import JudgementCache, judgement_key
from triage.schema import LLMAttempt, ModelJudgement
from triage.store.database import connect

TEXT = "Jalan di desa Jragung kec Karangawen kab Demak rusak parah sudah setahun"


def answer() -> ModelJudgement:
    return ModelJudgement.model_validate(model_answer("rusak parah sudah setahun"), context={"text": TEXT})


def test_answers_round_trip_between_databases(tmp_path) -> None:
    source = connect(tmp_path / "a.db")
    key = judgement_key("m", "p1", TEXT)
    attempt = LLMAttempt(report_id="r", attempt=1, model="m", prompt_hash="p1", latency_ms=1234.0)
    JudgementCache(source).put(key, answer(), [attempt])
    JudgementCache(source).put(judgement_key("m", "p1", "tes"), None, [attempt])
    path = tmp_path / "answers.jsonl"
    assert llm_cache.save_answers(source, path, [key, judgement_key("m", "p1", "not cached")]) == 1

    target = connect(tmp_path / "b.db")
    assert llm_cache.load_answers(target, path) == 1
    got = JudgementCache(target).get(key)
    assert got is not None and got.judgement == json.loads(answer().model_dump_json())
    assert got.attempts[0].latency_ms == 1234.0
    # another prompt's key never matches a recorded answer
    assert JudgementCache(target).get(judgement_key("m", "p2", TEXT)) is None

    # saving more keeps what the file already had
    assert llm_cache.save_answers(source, path, [judgement_key("m", "p1", "tes")]) == 2


def test_a_file_that_is_not_an_answers_file_is_refused(tmp_path) -> None:
    bad = tmp_path / "cases.jsonl"
    bad.write_text(json.dumps({"id": "x", "text": "t", "expected": {}}) + "\n")
    with pytest.raises(ValueError, match="not an answers file"):
        llm_cache.load_answers(connect(tmp_path / "c.db"), bad)
    assert llm_cache.load_answers(connect(tmp_path / "c.db"), tmp_path / "missing.jsonl") == 0
