"""Extraction replayed from exchanges recorded from the real embedded model (pytest-recording).

Fast and deterministic in CI (`--record-mode=none`); `make record` re-records them from the live
model after a prompt or schema change. What is asserted is what the pipeline does with real
model output: parsing through the grammar-shaped JSON, the evidence check against the text,
places resolved from the official list, and every attempt recorded.
"""

from __future__ import annotations

import pytest

from triage.config import Settings
from triage.judge import pipeline
from triage.judge.llm import LLM
from triage.judge.prompt import load_prompt
from triage.schema import Verdict, fold_for_quote

# Cassettes were recorded against the embedded server on its default address.
BASE_URL = "http://127.0.0.1:8765/v1"
PROMPT = load_prompt()


@pytest.fixture(scope="module")
def vcr_config():
    return {"filter_headers": ["authorization"], "match_on": ["method", "scheme", "host", "port", "path"]}


def llm() -> LLM:
    return LLM(Settings(llm_base_url=BASE_URL, llm_json_schema_mode="llama_cpp"), BASE_URL)


CASES = {
    "road": "Jalan penghubung desa Ngadirejo kec. Kartoharjo Kab. Magetan rusak parah, banyak lubang "
    "sedalam 30 cm, sudah 3 motor jatuh bulan ini. Mohon diperbaiki.",
    "bansos_vague": "pak bantuan sosial saya belum cair",
    "insult": "dasar pejabat tolol semua, makan gaji buta",
}


@pytest.mark.vcr
@pytest.mark.parametrize("name", list(CASES))
def test_recorded_extraction(name: str, monkeypatch):
    text = CASES[name]
    # The model's path for every case, as for any text the prefilter passes on (the insult was
    # recorded before the prefilter learnt to answer insults without any public matter itself).
    monkeypatch.setattr(pipeline.prefilter, "check", lambda *args, **kwargs: None)
    d = pipeline.decide(f"cassette-{name}", text, llm(), PROMPT)
    assert d.result.decided_by == "model"
    assert d.attempts and all(a.latency_ms > 0 for a in d.attempts)
    assert d.tokens == sum(a.prompt_tokens + a.completion_tokens for a in d.attempts) > 0
    if not d.result.needs_review:
        for reason in d.result.reasons:
            assert fold_for_quote(reason.evidence) in fold_for_quote(text)
    if name == "road":
        assert d.result.verdict is not Verdict.invalid
        loc = d.result.complaint.location if d.result.complaint else None
        assert loc is not None and loc.regency is not None and loc.regency.name == "Kabupaten Magetan"
        assert loc.province is not None and loc.province.name == "Jawa Timur"
    if name == "bansos_vague":
        assert d.result.verdict is not Verdict.invalid


def test_the_recorded_insult_is_now_answered_without_the_model():
    hit = pipeline.prefilter.check(CASES["insult"])
    assert hit is not None and hit.rule == "insult_without_complaint"
