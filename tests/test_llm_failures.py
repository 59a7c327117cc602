"""An LLM that is down, slow or answers garbage: the report waits or goes to a person, never judged."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from stand_ins.openai_chat import reply
from stand_ins.ports import free_port

from triage.config import Settings
from triage.evals.fakes import model_answer
from triage.judge import pipeline
from triage.judge.llm import LLM, LLMUnavailable
from triage.judge.prompt import load_prompt
from triage.schema import Verdict

TEXT = "Jalan di desa Jragung Kec. Karangawen Kab. Demak rusak parah"


def fast_settings(**over) -> Settings:
    # the yes/no checks after an answer have tests of their own (test_checks.py)
    return Settings(**{"llm_transient_retries": 2, "llm_timeout_s": 2.0, "llm_checks": False, **over})


class _Garbage(BaseHTTPRequestHandler):
    """A broken OpenAI-compatible server: answers 200 with content that is not a judgement."""

    body = "this is not json at all"
    status = 200
    finish_reason = "stop"
    calls = 0
    last_request: dict | None = None

    def do_POST(self) -> None:  # noqa: N802 - http.server API
        type(self).calls += 1
        type(self).last_request = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))))
        reply(self, self.body, status=self.status, finish_reason=self.finish_reason)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def broken_server() -> Iterator[tuple[str, type[_Garbage]]]:
    handler = type("H", (_Garbage,), {"calls": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", handler
    server.shutdown()


def test_llm_down_raises_unavailable_after_bounded_retries():
    llm = LLM(fast_settings(), f"http://127.0.0.1:{free_port()}/v1")
    with pytest.raises(LLMUnavailable):
        pipeline.decide("r1", TEXT, llm, load_prompt())


def test_server_errors_are_retried_then_unavailable(broken_server):
    url, handler = broken_server
    handler.status = 503
    llm = LLM(fast_settings(), url)
    with pytest.raises(LLMUnavailable) as raised:
        pipeline.decide("r1", TEXT, llm, load_prompt())
    assert handler.calls == 2  # llm_transient_retries
    # the failed requests travel with the error, so the worker records them (issue 20)
    assert len(raised.value.attempts) == 2 and all("503" in (a.error or "") for a in raised.value.attempts)


def test_garbage_answers_go_to_review_with_every_attempt_recorded(broken_server):
    url, handler = broken_server
    llm = LLM(fast_settings(llm_max_attempts=2), url)
    decision = pipeline.decide("r1", TEXT, llm, load_prompt())
    assert decision.result.needs_review and decision.result.confidence == 0.0
    assert decision.result.verdict is not Verdict.invalid
    assert len(decision.attempts) == 2 == handler.calls
    assert all(a.response_raw == "this is not json at all" for a in decision.attempts)
    assert all(a.error and a.error.startswith("validation") for a in decision.attempts)
    assert decision.tokens == 30


def test_an_answer_cut_off_by_max_tokens_goes_to_review_with_the_attempt_recorded(broken_server):
    """Seen live: the model ran on in another script's digits inside a quote until max_tokens.
    instructor raises at once (no re-ask); the report must reach a person, not fail or wait."""
    url, handler = broken_server
    handler.finish_reason = "length"
    handler.body = '{"reasons":[{"statement":"Dana desa","evidence":"dana ۱۰۰۰۰۰۰۰'
    decision = pipeline.decide("r1", TEXT, LLM(fast_settings(llm_max_attempts=2), url), load_prompt())
    assert handler.calls == 1  # the same question would run away again
    assert decision.result.needs_review and decision.result.verdict is not Verdict.invalid
    (attempt,) = decision.attempts
    assert attempt.response_raw == handler.body and attempt.completion_tokens == 5
    assert attempt.error is not None and attempt.error.startswith("cut off")


def test_a_rejection_that_fails_validation_is_kept_for_review_not_archived(broken_server):
    url, handler = broken_server
    handler.body = json.dumps(
        {
            "verdict": "invalid",
            "reason": "prank",
            "reasons": [{"statement": "x", "evidence": "kalimat yang tidak ada"}],
            "missing_fields": [],
            "complaint": None,
        }
    )
    llm = LLM(fast_settings(llm_max_attempts=2), url)
    decision = pipeline.decide("r1", TEXT, llm, load_prompt())
    from triage.judge.policy import route
    from triage.schema import Outcome

    assert decision.result.verdict is Verdict.invalid and decision.result.needs_review
    assert route(decision.result, gate_open=True, review_threshold=0.6) is Outcome.review


def test_a_cached_answer_is_reused_without_calling_the_model(broken_server, db):
    from triage.judge.llm_cache import JudgementCache

    url, handler = broken_server
    handler.body = json.dumps(model_answer("rusak parah"))
    cache = JudgementCache(db)
    llm = LLM(fast_settings(), url)
    first = pipeline.decide("r1", TEXT, llm, load_prompt(), cache=cache)
    second = pipeline.decide("r2", TEXT, llm, load_prompt(), cache=cache)
    assert handler.calls == 1 and not first.cached and second.cached
    assert second.result == first.result and second.tokens == first.tokens
    assert first.result.complaint.location.regency.name == "Kabupaten Demak"
    other = pipeline.decide("r3", TEXT + " lagi", llm, load_prompt(), cache=cache)
    assert handler.calls == 2 and not other.cached


@pytest.mark.parametrize(("mode", "grammar"), [("none", False), ("llama_cpp", True)])
def test_the_schema_grammar_is_sent_only_when_configured(broken_server, mode, grammar):
    url, handler = broken_server
    handler.body = json.dumps(model_answer("rusak parah"))
    decision = pipeline.decide("r1", TEXT, LLM(fast_settings(llm_json_schema_mode=mode), url), load_prompt())
    assert decision.result.verdict is Verdict.valid
    sent = (handler.last_request or {}).get("response_format")
    assert (sent is not None and "schema" in sent) is grammar


def test_urgency_comes_from_the_text_too(broken_server):
    url, handler = broken_server
    handler.body = json.dumps(model_answer("rusak parah"))  # the model says urgent: false
    text = TEXT + ", kemarin ada kecelakaan motor jatuh"
    decision = pipeline.decide("r1", text, LLM(fast_settings(), url), load_prompt())
    c = decision.result.complaint
    assert c is not None and c.urgent  # "kecelakaan": a threat to safety, read from the text
    calm = pipeline.decide("r2", TEXT, LLM(fast_settings(), url), load_prompt()).result.complaint
    assert calm is not None and not calm.urgent


def test_a_recorded_answer_that_failed_an_older_check_is_checked_again(db):
    from triage.judge.llm_cache import JudgementCache, judgement_key
    from triage.schema import LLMAttempt

    text = "pak ganjar saya perawat puskesmas di kendal, gaji saya 275rb sebulan padahal UMK jauh di atas"
    raw = json.dumps(model_answer("gaji 275rb", category="KETENAGAKERJAAN", regency="Kendal"))
    cache = JudgementCache(db)
    prompt = load_prompt()
    llm = LLM(fast_settings(), f"http://127.0.0.1:{free_port()}/v1")  # never called: the answer is cached
    attempt = LLMAttempt(
        report_id="old", attempt=1, model=llm.model, prompt_hash=prompt.hash, response_raw=raw
    )
    cache.put(judgement_key(llm.model, prompt.hash, text), None, [attempt])  # failed when recorded
    decision = pipeline.decide("r1", text, llm, prompt, cache=cache)
    assert decision.cached and not decision.result.needs_review
    assert decision.result.reasons[0].evidence == "gaji saya 275rb"  # the message's words


def test_requests_that_never_reached_the_model_do_not_lower_its_confidence(broken_server):
    """Two 500s, then a good answer: the answer is judged as a first answer (issue 20: a valid
    report went to review because transport failures counted as re-asks)."""
    url, handler = broken_server
    handler.body = json.dumps(model_answer("rusak parah"))
    statuses = iter([500, 500])

    original = handler.do_POST

    def flaky(self) -> None:
        type(self).status = next(statuses, 200)
        original(self)

    handler.do_POST = flaky  # type: ignore[method-assign]
    decided = pipeline.decide("r1", TEXT, LLM(fast_settings(llm_transient_retries=3), url), load_prompt())
    assert handler.calls == 3
    assert decided.result.verdict is Verdict.valid and decided.result.confidence == 0.85
    assert [a.response_raw is not None for a in decided.attempts] == [False, False, True]


@pytest.mark.parametrize(
    ("status", "waits"), [(400, False), (422, False), (401, True), (404, True), (429, True)]
)
def test_a_refused_request_goes_to_a_person_unless_the_endpoint_is_at_fault(broken_server, status, waits):
    """A 400 ("exceeds the context window") fails every retry the same way: a person decides, with
    the error attached; a bad key or route would fail every report: they wait for the operator."""
    url, handler = broken_server
    handler.status = status
    llm = LLM(fast_settings(llm_transient_retries=1), url)
    if waits:
        with pytest.raises(LLMUnavailable):
            pipeline.decide("r1", TEXT, llm, load_prompt())
        return
    decided = pipeline.decide("r1", TEXT, llm, load_prompt())
    assert decided.result.needs_review and decided.result.verdict is not Verdict.invalid
    assert str(status) in decided.result.notes[0]
