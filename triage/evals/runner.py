"""Running cases through a judge, with a result cache so an unchanged re-run costs nothing.

The judge is any callable `(case_id, text) -> pipeline.Decision`; for real runs it is
`pipeline.decide` on the configured model (`model_judge`), the very code the worker runs. The
model endpoint is opened lazily, on the first cache miss, so a fully cached re-run never starts
(or even needs) a model server.

A case whose judge raises is recorded with an `error` and the run goes on: one bad answer or
one timeout must not throw away an hour of CPU.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from triage.config import Settings
from triage.evals import metrics as metrics_mod
from triage.judge import policy
from triage.judge.pipeline import Decision
from triage.judge.prompt import Prompt
from triage.schema import SCHEMA_VERSION, EvalCase, TriageResult
from triage.store.database import Database, now_iso

Judge = Callable[[str, str], Decision]
JudgeFactory = Callable[[Settings, Prompt], contextlib.AbstractContextManager[Judge]]
Prediction = dict[str, Any]
DEFAULT_REVIEW_THRESHOLD: float = Settings.model_fields["review_threshold"].default


# ---------------------------------------------------------------- the real judge


@contextlib.contextmanager
def model_judge(settings: Settings, prompt: Prompt) -> Iterator[Judge]:
    """`pipeline.decide` on the configured model; the endpoint is started only when first needed."""
    from triage.judge import pipeline
    from triage.judge.llm import LLM
    from triage.judge.llm_cache import JudgementCache
    from triage.model.embedded import llm_endpoint
    from triage.store.database import connect

    answers = JudgementCache(connect(settings.db))  # the model's answers; logic re-runs each time
    with contextlib.ExitStack() as stack:
        state: dict[str, Any] = {}

        def judge(case_id: str, text: str) -> Decision:
            if "failed" in state:
                raise RuntimeError(f"model endpoint unavailable: {state['failed']}")
            if "llm" not in state:
                try:
                    base_url = stack.enter_context(llm_endpoint(settings))
                except Exception as exc:
                    state["failed"] = f"{type(exc).__name__}: {exc}"
                    raise
                state["llm"] = LLM(settings, base_url)
            return pipeline.decide(case_id, text, state["llm"], prompt, cache=answers)

        yield judge


# ---------------------------------------------------------------- cache


def cache_key(model: str, prompt_hash: str, text: str) -> str:
    """What a result depends on: the model, the exact prompt, the result schema and the text."""
    return hashlib.sha256(
        json.dumps([model, prompt_hash, SCHEMA_VERSION, code_version(), text], ensure_ascii=False).encode()
    ).hexdigest()


@functools.cache
def code_version() -> str:
    """The system logic around the model: a change to it must not be hidden by cached results.

    Every module of the package counts, not a list of the judging ones: a list goes stale the day
    a new rule module is added (it did), and a spurious miss only costs re-running the logic on
    cached model answers, which takes seconds. The same holds for data: every file under data/
    counts, the learned signals' weights (data/signals/) and the region codes as much as the word
    lists, since a retrained classifier changes results as surely as a changed rule.
    """
    return tree_digest(Path(str(resources.files("triage"))))


def tree_digest(root: Path) -> str:
    """Every module of a package and every file under its data/, names included."""
    digest = hashlib.sha256()
    for module in sorted(root.rglob("*.py")):
        digest.update(module.read_bytes())
    for data in sorted(p for p in (root / "data").rglob("*") if p.is_file()):
        digest.update(data.relative_to(root).as_posix().encode())
        digest.update(data.read_bytes())
    return digest.hexdigest()


@dataclass(frozen=True)
class Cached:
    result: TriageResult
    latency_ms: float
    tokens: int


class EvalCache:
    """Rows of table `eval_cache`: a result with the latency and tokens it originally cost."""

    def __init__(self, db: Database, model: str, prompt_hash: str) -> None:
        self.db = db
        self.model = model
        self.prompt_hash = prompt_hash

    def get(self, text: str) -> Cached | None:
        rows = list(
            self.db.query(
                "SELECT result, latency_ms, tokens FROM eval_cache WHERE key = ?",
                [cache_key(self.model, self.prompt_hash, text)],
            )
        )
        if not rows:
            return None
        try:
            result = TriageResult.model_validate_json(rows[0]["result"])
        except ValueError:  # written by an older schema: treat as a miss
            return None
        return Cached(result, float(rows[0]["latency_ms"] or 0.0), int(rows[0]["tokens"] or 0))

    def put(self, text: str, decision: Decision) -> None:
        with self.db.atomic():
            self.db.table("eval_cache").upsert(
                {
                    "key": cache_key(self.model, self.prompt_hash, text),
                    "result": decision.result.model_dump_json(),
                    "latency_ms": decision.latency_ms,
                    "tokens": decision.tokens,
                    "created_at": now_iso(),
                },
                pk="key",
            )


# ---------------------------------------------------------------- predictions


def prediction_row(
    case: EvalCase,
    result: TriageResult | None,
    *,
    latency_ms: float = 0.0,
    tokens: int = 0,
    cached: bool = False,
    error: str | None = None,
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD,
) -> Prediction:
    """One predictions.jsonl line: the contract fields first, then what explains them.

    `outcome` is where the worker would send this result (`policy.route`, with the gate open):
    a rejection below the review threshold goes to a person, so only an `archived` false
    rejection silences a citizen unseen.
    """
    complaint = result.complaint if result else None
    loc = complaint.location if complaint else (result.location if result else None)  # rejections
    row: Prediction = {
        "id": case.id,
        "verdict": result.verdict.value if result else None,
        "reason": result.reason.value if result and result.reason else None,
        "category": complaint.category if complaint else None,
        "province": loc.province.name if loc and loc.province else None,
        "regency": loc.regency.name if loc and loc.regency else None,
        "latency_ms": round(latency_ms, 1),
        "tokens": tokens,
        "cached": cached,
        "error": error,
        "decided_by": result.decided_by if result else None,
        "confidence": result.confidence if result else None,
        "needs_review": result.needs_review if result else None,
        "outcome": (
            policy.route(result, gate_open=True, review_threshold=review_threshold).value if result else None
        ),
        "missing_fields": [m.value for m in result.missing_fields] if result else [],
        "reasons": [r.model_dump() for r in result.reasons] if result else [],
        "rules": result.rules if result else [],
        "notes": result.notes if result else [],
        "expected": case.expected.model_dump(mode="json"),
    }
    row["correct"] = metrics_mod.correct_flags(case, row)
    return row


# ---------------------------------------------------------------- running


@dataclass
class RunStats:
    judged: int = 0
    cache_hits: int = 0  # whole results reused from the eval cache
    answers_replayed: int = 0  # judged afresh from the model's cached or recorded answer
    errors: int = 0
    seconds: float = 0.0


@dataclass
class Runner:
    judge: Judge
    cache: EvalCache | None = None
    on_case: Callable[[Prediction], None] | None = None
    review_threshold: float = DEFAULT_REVIEW_THRESHOLD
    stats: RunStats = field(default_factory=RunStats)

    def one(self, case: EvalCase, *, read: bool = True, write: bool = True) -> Prediction:
        """Judge one case (or take it from the cache); never raises for the judge's failures.

        `read=False, write=True` is --no-cache (judge afresh, refresh the cache); repeats 2..N
        use neither, so they measure the model and leave the first run's answers in place.
        """
        if read and self.cache is not None:
            hit = self.cache.get(case.text)
            if hit is not None:
                self.stats.cache_hits += 1
                return prediction_row(
                    case,
                    hit.result,
                    latency_ms=hit.latency_ms,
                    tokens=hit.tokens,
                    cached=True,
                    review_threshold=self.review_threshold,
                )
        self.stats.judged += 1
        started = time.perf_counter()
        try:
            decision = self.judge(case.id, case.text)
        except Exception as exc:  # noqa: BLE001 - recorded on the case, the run goes on
            self.stats.errors += 1
            elapsed = (time.perf_counter() - started) * 1000
            return prediction_row(case, None, latency_ms=elapsed, error=f"{type(exc).__name__}: {exc}"[:1000])
        if decision.cached:
            self.stats.answers_replayed += 1
        if write and self.cache is not None:
            self.cache.put(case.text, decision)
        return prediction_row(
            case,
            decision.result,
            latency_ms=decision.latency_ms,
            tokens=decision.tokens,
            review_threshold=self.review_threshold,
        )

    def run(self, cases: list[EvalCase], *, read: bool = True, write: bool = True) -> list[Prediction]:
        started = time.perf_counter()
        out = []
        for case in cases:
            pred = self.one(case, read=read, write=write)
            out.append(pred)
            if self.on_case is not None:
                self.on_case(pred)
        self.stats.seconds += time.perf_counter() - started
        return out


# ---------------------------------------------------------------- stability


def stability(cases: list[EvalCase], runs: list[list[Prediction]]) -> dict[str, Any]:
    """Across N runs of the same cases: verdict right every time, wrong every time, or flaky."""
    counts = {"stable_correct": 0, "flaky": 0, "stable_wrong": 0}
    flaky = []
    for i, case in enumerate(cases):
        rows = [run[i] for run in runs]
        right = [bool(r["correct"]["verdict"]) for r in rows]
        if all(right):
            counts["stable_correct"] += 1
        elif not any(right):
            counts["stable_wrong"] += 1
        else:
            counts["flaky"] += 1
            flaky.append(
                {
                    "id": case.id,
                    "expected": case.expected.verdict.value,
                    "verdicts": [r["verdict"] if not r["error"] else "error" for r in rows],
                }
            )
    return {"repeat": len(runs), **counts, "flaky_cases": flaky}
