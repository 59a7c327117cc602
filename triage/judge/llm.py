"""Talking to the model: instructor over the openai client, with every attempt recorded.

Two kinds of failure are kept apart on purpose. A *validation* failure (a quote not in the
message, a made-up regency) is re-asked by instructor with the error, within the attempt and
token budget. A *transient* failure (connection refused, timeout, 429, 5xx) says nothing about
the citizen's message, so it is retried with backoff and, if it persists, raised as
`LLMUnavailable` - the report then waits; it is never judged because the model was down.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any

import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from tenacity import (
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    wait_exponential_jitter,
)

from triage.config import Settings
from triage.judge.prompt import Prompt
from triage.schema import LLMAttempt, ModelJudgement

TRANSIENT = (
    openai.APIConnectionError,  # includes APITimeoutError
    openai.RateLimitError,
    openai.InternalServerError,
)


class LLMUnavailable(RuntimeError):
    """The model could not be reached or kept failing: retry the report later, do not judge it.

    `attempts` carries the failed requests (set by the pipeline), so they are recorded too.
    """

    attempts: list[LLMAttempt] = []


class LLMGaveUp(RuntimeError):
    """The model answered, but never with a valid judgement within the attempt/token budget."""

    def __init__(self, message: str, last_error: str) -> None:
        super().__init__(message)
        self.last_error = last_error


def _is_transient(exc: BaseException) -> bool:
    if isinstance(exc, TRANSIENT):
        return True
    if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
        return True
    return isinstance(exc, InstructorRetryException) and _is_transient_cause(exc)


def _is_transient_cause(exc: BaseException) -> bool:
    cause = exc.__cause__
    return cause is not None and cause is not exc and _is_transient(cause)


# The endpoint itself is misconfigured (key, model name, route): every report would fail the same
# way, so they wait for the operator instead of flooding the reviewers.
ENDPOINT_FAULTS = frozenset({401, 403, 404})


def _refused(exc: openai.APIStatusError) -> LLMUnavailable | LLMGaveUp:
    """A 4xx/5xx answer, sorted: the endpoint's fault (the report waits) or this request's (a
    person decides: e.g. 400 "exceeds the context window" would fail every retry the same way)."""
    if exc.status_code >= 500 or exc.status_code in ENDPOINT_FAULTS or exc.status_code == 429:
        return LLMUnavailable(f"{exc.status_code}: {exc}")
    return LLMGaveUp(
        f"the model endpoint refused this report ({exc.status_code})", f"{exc.status_code}: {exc}"[:2000]
    )


def _content(response: Any) -> str | None:
    """What the model wrote, from an OpenAI chat completion (or whatever came back instead)."""
    if response is None:
        return None
    try:
        return response.choices[0].message.content
    except (AttributeError, IndexError):
        return str(response)[:4000]


def _first_logprobs(response: Any) -> list[tuple[str, float]]:
    """The first answer token's top log-probabilities, as (token, logprob); empty when absent."""
    try:
        first = response.choices[0].logprobs.content[0]
        return [(t.token, float(t.logprob)) for t in first.top_logprobs]
    except (AttributeError, IndexError, TypeError, ValueError):
        return []


@dataclass
class AttemptRecorder:
    """Collects one `LLMAttempt` per model call through instructor's hooks."""

    report_id: str
    model: str
    prompt_hash: str
    attempts: list[LLMAttempt] = field(default_factory=list)
    _started: float = 0.0
    _request: dict[str, Any] | None = None

    def on_kwargs(self, *args: Any, **kwargs: Any) -> None:
        self._started = time.perf_counter()
        messages = kwargs.get("messages") or []
        # The static prefix (system + examples) is identified by the prompt hash; keep only what
        # this attempt added, so months later a decision can be replayed without megabytes per row.
        tail = [m for m in messages[-3:] if m.get("role") != "system"]
        self._request = {"messages_tail": tail, "n_messages": len(messages)}

    def _new(self) -> LLMAttempt:
        return LLMAttempt(
            report_id=self.report_id,
            attempt=len(self.attempts) + 1,
            model=self.model,
            prompt_hash=self.prompt_hash,
            request=self._request,
            latency_ms=(time.perf_counter() - self._started) * 1000,
        )

    def on_response(self, response: Any) -> None:
        attempt = self._new()
        attempt.response_raw = _content(response)
        usage = getattr(response, "usage", None)
        if usage is not None:
            attempt.prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
            attempt.completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        self.attempts.append(attempt)

    def on_cut_off(self, error: IncompleteOutputException) -> None:
        """An answer stopped by max_tokens: marked on its attempt (recorded here if the response
        hook did not see it)."""
        seen = self.attempts[-1] if self.attempts and self.attempts[-1].error is None else None
        if seen is None or seen.response_raw != _content(error.last_completion):
            if error.last_completion is not None:
                self.on_response(error.last_completion)
            else:
                self.attempts.append(self._new())
        self.attempts[-1].error = f"cut off: {error}"[:2000]

    def on_error(self, error: Exception, *args: Any, **kwargs: Any) -> None:
        attempt = self._new()
        attempt.error = f"{type(error).__name__}: {error}"[:2000]
        self.attempts.append(attempt)

    def on_parse_error(self, error: Exception, *args: Any, **kwargs: Any) -> None:
        if self.attempts:
            self.attempts[-1].error = f"validation: {error}"[:4000]


class LLM:
    """One OpenAI-compatible endpoint and the settings for asking it for a `ModelJudgement`."""

    def __init__(self, settings: Settings, base_url: str) -> None:
        self.settings = settings
        self.base_url = base_url
        self.model = settings.llm_model
        # openai's own retries are off: tenacity owns retrying, so every attempt is visible.
        self.client = openai.OpenAI(
            base_url=base_url,
            api_key=settings.llm_api_key,
            timeout=settings.llm_timeout_s,
            max_retries=0,
        )

    def _extra(self) -> dict[str, Any]:
        mode = self.settings.schema_mode
        if mode == "none":
            # no decoding grammar: instructor's response_format is removed from the request body
            return {"extra_body": {"response_format": None}}
        if mode != "llama_cpp":
            return {}
        # llama-cpp-python refuses OpenAI's json_schema type but builds a decoding grammar from
        # json_object + schema; extra_body overrides the response_format instructor sets.
        schema = ModelJudgement.model_json_schema()
        return {"extra_body": {"response_format": {"type": "json_object", "schema": schema}}}

    def ask(
        self, messages: list[dict[str, str]], recorder: AttemptRecorder, top_logprobs: int = 20
    ) -> tuple[str, list[tuple[str, float]]]:
        """A one-token answer (a yes/no check) and its likeliest first tokens with their
        log-probabilities (empty when the endpoint gives none): transient failures retried,
        then LLMUnavailable."""
        recorder.on_kwargs(messages=messages)

        def ask() -> tuple[str, list[tuple[str, float]]]:
            try:
                response = self._create(messages, top_logprobs)
            except openai.OpenAIError as exc:
                recorder.on_error(exc)
                raise
            recorder.on_response(response)
            return _content(response) or "", _first_logprobs(response)

        return self._retrying(ask)

    def _create(self, messages: list[dict[str, str]], top_logprobs: int) -> Any:
        return self.client.chat.completions.create(
            model=self.model,
            messages=messages,  # type: ignore[arg-type]
            temperature=0.0,
            max_tokens=1,
            logprobs=True,
            top_logprobs=top_logprobs,
            extra_body={"response_format": None} if self.settings.schema_mode == "llama_cpp" else {},
        )

    def _transient_retries(self) -> Retrying:
        """Connection errors, timeouts, 429 and 5xx are tried again with backoff; nothing else is."""
        return Retrying(
            stop=stop_after_attempt(self.settings.llm_transient_retries),
            wait=wait_exponential_jitter(initial=1, max=20),
            retry=retry_if_exception(_is_transient),
            reraise=True,
        )

    def _retrying(self, ask: Any) -> Any:
        try:
            return self._transient_retries()(ask)
        except TRANSIENT as exc:
            raise LLMUnavailable(str(exc)) from exc
        except openai.APIStatusError as exc:
            raise _refused(exc) from exc

    def judge(self, prompt: Prompt, text: str, recorder: AttemptRecorder) -> ModelJudgement:
        """Ask for a judgement of `text`; raises LLMUnavailable or LLMGaveUp, never guesses."""
        client = instructor.from_openai(self.client, mode=instructor.Mode.JSON_SCHEMA)
        client.on("completion:kwargs", recorder.on_kwargs)
        client.on("completion:response", recorder.on_response)
        client.on("completion:error", recorder.on_error)
        client.on("parse:error", recorder.on_parse_error)

        def ask() -> ModelJudgement:
            return client.chat.completions.create(
                model=self.model,
                messages=prompt.messages(text),  # type: ignore[arg-type]
                response_model=ModelJudgement,
                max_retries=self.settings.llm_max_attempts - 1,
                token_budget=self.settings.llm_token_budget,
                context={"text": text},
                temperature=self.settings.llm_temperature,
                max_tokens=self.settings.llm_max_tokens,
                strict=False,
                **self._extra(),
            )

        try:
            return self._transient_retries()(ask)
        except IncompleteOutputException as exc:
            # A runaway answer is a bad answer, not a fault to retry: instructor does not re-ask it,
            # and the same question at temperature 0 would run away again. A person decides.
            recorder.on_cut_off(exc)
            raise LLMGaveUp("the answer ran to the max_tokens limit", f"cut off: {exc}") from exc
        except InstructorRetryException as exc:
            if _is_transient_cause(exc):
                raise LLMUnavailable(str(exc.__cause__)) from exc
            if not exc.failed_attempts:
                cause = exc.__cause__ or exc
                if isinstance(cause, openai.APIStatusError):
                    raise _refused(cause) from exc
                raise cause from None  # neither the endpoint nor an answer: a bug, not ours to hide
            raise LLMGaveUp(f"no valid judgement after {exc.n_attempts} attempt(s)", str(exc)[:2000]) from exc
        except TRANSIENT as exc:
            raise LLMUnavailable(str(exc)) from exc
        except openai.APIStatusError as exc:
            raise _refused(exc) from exc
