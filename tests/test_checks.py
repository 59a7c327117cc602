"""The model's yes/no checks after its answer: read from the first token's log-probabilities,
asked only where the report would go on or be archived, cached, recorded as attempts; a low
complaint score stops a report from going on, a high one keeps a rejection from the archive."""

from __future__ import annotations

import json
import math
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from pydantic import ValidationError
from stand_ins.openai_chat import reply

from triage.config import Settings
from triage.evals.fakes import model_answer
from triage.judge import checks, kind_corrections, pipeline
from triage.judge.evidence import gather
from triage.judge.llm import LLM
from triage.judge.llm_cache import JudgementCache
from triage.judge.policy import route
from triage.judge.prompt import load_prompt
from triage.model import first_logprobs
from triage.schema import Outcome, Verdict

TEXT = "Jalan di desa Jragung Kec. Karangawen Kab. Demak rusak parah sejak tahun lalu"
CHECKS = """
version = "test"
not_a_complaint_below = 0.3
a_complaint_from = 0.8
[questions.public_complaint]
yes_means = "complaint"
text = "Pertanyaan sistem: keluhan layanan publik? Jawab ya atau tidak."
[questions.junk]
yes_means = "junk"
text = "Pertanyaan sistem: iklan atau lelucon? Jawab ya atau tidak."
"""
REJECTED = {
    "verdict": "invalid",
    "reason": "not_a_complaint",
    "reasons": [{"statement": "bukan keluhan", "evidence": "rusak parah"}],
    "missing_fields": [],
    "complaint": None,
}


def lp(p: float) -> float:
    return math.log(p)


class _Model(BaseHTTPRequestHandler):
    """Answers a judgement with `answer`, and each check with P(ya) from `p_yes` by question."""

    answer = json.dumps(model_answer("rusak parah"))
    p_yes: dict[str, float] = {"keluhan": 0.1, "iklan": 0.9}  # says: junk
    requests: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        type(self).requests.append(body)
        last = body["messages"][-1]["content"]
        if not last.startswith("Pertanyaan sistem"):
            reply(self, self.answer)
            return
        p = next(v for k, v in self.p_yes.items() if k in last)
        top = sorted([("Ya", lp(p * 0.9)), ("ya", lp(p * 0.1)), ("T", lp(1 - p))], key=lambda t: -t[1])
        reply(self, top[0][0], top=top)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[LLM, type[_Model]]]:
    path = tmp_path / "checks.toml"
    path.write_text(CHECKS, encoding="utf-8")
    monkeypatch.setenv("TRIAGE_CHECKS", str(path))
    handler = type("M", (_Model,), {"requests": [], "p_yes": dict(_Model.p_yes)})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    yield LLM(Settings(llm_transient_retries=1, llm_timeout_s=2.0, llm_checks=True), url), handler
    server.shutdown()


@pytest.mark.parametrize(
    ("raw", "said"),
    [("ya", True), ("Ya.", True), ("tidak", False), (" Tidak, ini", False), ("mungkin", None), ("", None)],
)
def test_the_one_word_answer_is_read_strictly(raw, said):
    assert checks.read_yes_no(raw) is said


def test_the_share_of_ya_adds_up_every_token_that_begins_an_answer():
    top = [
        ("Ya", lp(0.6)),
        (" ya", lp(0.1)),
        ("T", lp(0.1)),
        ("tid", lp(0.1)),
        ("b", lp(0.05)),
        ("**", lp(0.05)),
    ]
    assert checks.yes_share(top) == pytest.approx(0.7 / 0.9)  # "b" begins benar and bukan: neither
    assert checks.yes_share([("**", lp(0.9))]) is None
    assert checks.p_yes("tidak", []) == 0.0 and checks.p_yes("ya", []) == 1.0  # no logprobs: the word
    assert checks.p_yes("hmm", []) is None


def test_the_thresholds_read_the_mean_complaint_score(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(CHECKS, encoding="utf-8")
    c = checks.load_checks(path)
    assert c.complaint_score("junk", 0.9) == pytest.approx(0.1)  # a "ya" to "is it junk?"
    assert c.verdict({"public_complaint": 0.1, "junk": 0.3}) is False  # mean 0.2 < 0.3
    assert c.verdict({"public_complaint": 0.9, "junk": 0.8}) is True  # mean 0.85 >= 0.8
    assert c.verdict({"public_complaint": 0.5, "junk": 0.5}) is None
    assert c.verdict({}) is None


def test_a_checks_file_with_crossed_thresholds_is_refused(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text(CHECKS.replace("= 0.3", "= 0.9"), encoding="utf-8")
    with pytest.raises(ValidationError, match="must not exceed"):
        checks.load_checks(path)


def test_a_low_complaint_score_stops_a_report_going_on_and_sends_it_to_a_person(model):
    llm, handler = model
    decided = pipeline.decide("r1", TEXT, llm, load_prompt())
    assert len(handler.requests) == 3  # the answer, then each question after it
    for asked in handler.requests[1:]:
        assert asked["messages"][-2] == {"role": "assistant", "content": handler.answer}  # its own answer
        assert asked["max_tokens"] == 1 and asked["logprobs"] is True
    result = decided.result
    assert result.verdict is Verdict.invalid and "model_check_not_a_public_complaint" in result.rules
    assert "checks (complaint score): public_complaint 0.10, junk 0.10" in result.notes
    assert route(result, gate_open=True, review_threshold=0.6) is Outcome.review
    assert [a.response_raw for a in decided.attempts] == [handler.answer, "T", "Ya"]


def test_an_unsure_score_leaves_the_answer_as_it_was(model):
    llm, handler = model
    handler.p_yes = {"keluhan": 0.6, "iklan": 0.5}  # mean 0.55: between the thresholds
    result = pipeline.decide("r1", TEXT, llm, load_prompt()).result
    assert result.verdict is Verdict.valid and "model_check_not_a_public_complaint" not in result.rules


def test_no_check_where_the_report_would_not_go_on(model):
    llm, handler = model
    handler.answer = json.dumps({**REJECTED, "reason": "abusive"})
    # names a road and its fault: the abuse rejection is reopened for a reviewer, never sent on
    result = pipeline.decide("r1", TEXT, llm, load_prompt()).result
    assert result.needs_review and "second_look_overturned_rejection" in result.rules
    assert len(handler.requests) == 1


def test_a_reopened_rejection_that_would_go_on_is_checked_first(model):
    llm, handler = model
    handler.answer = json.dumps({**REJECTED, "reason": "prank"})
    # reopened, and read as genuine by the kind signal: it would go on, so the checks are asked,
    # and the model's "no, not a public complaint" keeps it from going on without a reviewer
    result = pipeline.decide("r1", TEXT, llm, load_prompt()).result
    assert len(handler.requests) == 3
    assert result.rules == ["second_look_overturned_rejection", "model_check_not_a_public_complaint"]
    assert result.needs_review


def test_the_checks_are_cached_with_the_answer(model, db):
    llm, handler = model
    cache = JudgementCache(db)
    first = pipeline.decide("r1", TEXT, llm, load_prompt(), cache=cache)
    second = pipeline.decide("r2", TEXT, llm, load_prompt(), cache=cache)
    assert len(handler.requests) == 3 and second.cached and second.result == first.result


def test_before_an_archive_a_high_complaint_score_sends_the_rejection_to_a_person(model):
    llm, handler = model
    handler.p_yes = {"keluhan": 0.95, "iklan": 0.1}  # mean 0.925
    handler.answer = json.dumps(REJECTED)
    # short, and junk to the kind signal (0.75): nothing else keeps it from the archive
    text = "hp saya rusak parah pak, minta dibelikan yang baru"
    assert gather(text).signals.junk >= kind_corrections.NOT_ARCHIVED_BELOW
    result = pipeline.decide("r1", text, llm, load_prompt()).result
    assert len(handler.requests) == 3
    assert result.verdict is Verdict.invalid and "model_check_public_complaint" in result.rules
    assert route(result, gate_open=True, review_threshold=0.6) is Outcome.review


def test_no_check_is_asked_unless_configured(model):
    llm, handler = model
    llm.settings = llm.settings.model_copy(update={"llm_checks": False})
    pipeline.decide("r1", TEXT, llm, load_prompt())
    assert len(handler.requests) == 1


def test_the_servers_logprobs_are_a_log_softmax_of_the_last_logits():
    logits = np.array([2.0, 0.0, 1.0, -1.0], dtype=np.float32)
    pieces = {0: "Ya", 1: "T", 2: "ya", 3: "x"}
    out = first_logprobs.completion_logprobs(pieces.__getitem__, 0, logits, n=3)
    expected = logits - np.log(np.exp(logits).sum())
    assert out["tokens"] == ["Ya"] and out["token_logprobs"][0] == pytest.approx(expected[0])
    assert list(out["top_logprobs"][0]) == ["Ya", "ya", "T"]  # likeliest first, three asked
    assert sum(math.exp(v) for v in out["top_logprobs"][0].values()) < 1.0
