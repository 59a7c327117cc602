"""The model's yes/no check after its answer: asked only where the report would go on, cached,
recorded as an attempt, and a "tidak" stops a report from being sent on."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from stand_ins.openai_chat import reply

from triage.config import Settings
from triage.evals.fakes import model_answer
from triage.judge import checks, pipeline
from triage.judge.llm import LLM
from triage.judge.llm_cache import JudgementCache
from triage.judge.policy import route
from triage.judge.prompt import load_prompt
from triage.schema import Outcome, Verdict

TEXT = "Jalan di desa Jragung Kec. Karangawen Kab. Demak rusak parah sejak tahun lalu"


class _Model(BaseHTTPRequestHandler):
    """Answers a judgement with `answer`, and a check (the question's turn) with `says`."""

    answer = json.dumps(model_answer("rusak parah"))
    says = "tidak"
    requests: list[dict] = []

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        body = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        type(self).requests.append(body)
        asked = body["messages"][-1]["content"].startswith("Pertanyaan sistem")
        content = self.says if asked else self.answer
        reply(self, content)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def model() -> Iterator[tuple[LLM, type[_Model]]]:
    handler = type("M", (_Model,), {"requests": []})
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


def test_a_tidak_stops_a_report_going_on_and_sends_it_to_a_person(model):
    llm, handler = model
    decided = pipeline.decide("r1", TEXT, llm, load_prompt())
    assert len(handler.requests) == 2  # the answer, then the check after it
    question = handler.requests[1]["messages"]
    assert question[-2] == {"role": "assistant", "content": handler.answer}  # continues its own answer
    result = decided.result
    assert result.verdict is Verdict.invalid and "model_check_not_a_public_complaint" in result.rules
    assert route(result, gate_open=True, review_threshold=0.6) is Outcome.review
    assert [a.response_raw for a in decided.attempts] == [handler.answer, "tidak"]


def test_a_ya_leaves_the_answer_as_it_was(model):
    llm, handler = model
    handler.says = "ya"
    result = pipeline.decide("r1", TEXT, llm, load_prompt()).result
    assert result.verdict is Verdict.valid and "model_check_not_a_public_complaint" not in result.rules


def test_no_check_where_the_report_would_not_go_on(model):
    llm, handler = model
    handler.answer = json.dumps(
        {
            "verdict": "invalid",
            "reason": "prank",
            "reasons": [{"statement": "bercanda", "evidence": "rusak parah"}],
            "missing_fields": [],
            "complaint": None,
        }
    )
    pipeline.decide("r1", TEXT, llm, load_prompt())
    assert len(handler.requests) == 1


def test_the_check_is_cached_with_the_answer(model, db):
    llm, handler = model
    cache = JudgementCache(db)
    first = pipeline.decide("r1", TEXT, llm, load_prompt(), cache=cache)
    second = pipeline.decide("r2", TEXT, llm, load_prompt(), cache=cache)
    assert len(handler.requests) == 2 and second.cached and second.result == first.result


def test_before_an_archive_a_ya_sends_the_rejection_to_a_person(model):
    llm, handler = model
    handler.says = "ya"
    handler.answer = json.dumps(
        {
            "verdict": "invalid",
            "reason": "not_a_complaint",
            "reasons": [{"statement": "bukan keluhan", "evidence": "rusak parah"}],
            "missing_fields": [],
            "complaint": None,
        }
    )
    text = "rusak parah pak"  # short: nothing else keeps this rejection from the archive
    result = pipeline.decide("r1", text, llm, load_prompt()).result
    assert len(handler.requests) == 2
    assert result.verdict is Verdict.invalid and "model_check_public_complaint" in result.rules
    assert route(result, gate_open=True, review_threshold=0.6) is Outcome.review


def test_no_check_is_asked_unless_configured(model):
    llm, handler = model
    llm.settings = llm.settings.model_copy(update={"llm_checks": False})
    pipeline.decide("r1", TEXT, llm, load_prompt())
    assert len(handler.requests) == 1
