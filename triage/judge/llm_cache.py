"""The model's answers, cached by everything they depend on: model, prompt, answer schema, text.

Evals re-run the same cases after every change to the system around the model (places, guards,
routing); caching the model's answer - not the final result - keeps those re-runs free *and*
current. The worker does not use it: each report is new text.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from triage.schema import SCHEMA_VERSION, LLMAttempt, ModelJudgement
from triage.store.database import Database, dumps, now_iso


@cache
def answer_schema_hash() -> str:
    schema = json.dumps(ModelJudgement.model_json_schema(), sort_keys=True)
    return hashlib.sha256(schema.encode()).hexdigest()


def judgement_key(model: str, prompt_hash: str, text: str) -> str:
    parts = [model, prompt_hash, SCHEMA_VERSION, answer_schema_hash(), text]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class CachedAnswer:
    judgement: dict | None  # None: the model never gave a valid answer
    attempts: list[LLMAttempt]


class JudgementCache:
    def __init__(self, db: Database) -> None:
        self.db = db

    def get(self, key: str) -> CachedAnswer | None:
        rows = list(self.db.query("SELECT * FROM llm_cache WHERE key = ?", [key]))
        if not rows:
            return None
        row = rows[0]
        attempts = [LLMAttempt.model_validate(a) for a in json.loads(row["attempts"])]
        judgement = json.loads(row["judgement"]) if row["judgement"] else None
        return CachedAnswer(judgement, attempts)

    def put(self, key: str, judgement: ModelJudgement | None, attempts: list[LLMAttempt]) -> None:
        self.put_raw(key, judgement.model_dump(mode="json") if judgement else None, attempts)

    def put_raw(self, key: str, judgement: dict | None, attempts: list[LLMAttempt]) -> None:
        """Any answer as JSON (a judgement, or a check's {"check": ..., "answer": ...})."""
        with self.db.atomic():
            self.db.table("llm_cache").upsert(
                {
                    "key": key,
                    "judgement": dumps(judgement) if judgement is not None else None,
                    "attempts": dumps([a.model_dump(mode="json") for a in attempts]),
                    "created_at": now_iso(),
                },
                pk="key",
            )


def load_answers(db: Database, path: Path) -> int:
    """Add the answers recorded in a JSONL file (see `save_answers`) to the cache; returns how many.

    Keys hash the model, prompt, schema and text, so an answer recorded for another prompt or
    model simply never matches: a stale file cannot leak old answers into a new run.
    """
    if not path.exists():
        return 0
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    for row in rows:
        if set(row) != {"key", "judgement", "attempts", "created_at"}:
            raise ValueError(f"{path}: not an answers file (a row has keys {sorted(row)})")
    with db.atomic():
        db.table("llm_cache").upsert_all(rows, pk="key")
    return len(rows)


def keys_since(db: Database, since_iso: str) -> list[str]:
    """The answers cached since a moment: what a run asked the model, whatever the keys hash
    (the text the model read after injections were taken out, a check after an answer)."""
    return [r["key"] for r in db.query("SELECT key FROM llm_cache WHERE created_at >= ?", [since_iso])]


def save_answers(db: Database, path: Path, keys: list[str]) -> int:
    """Write the cached answers for `keys` into a JSONL file, keeping the file's other rows.

    A committed answers file lets anyone re-score the system logic on the full dev set without
    the hours of model time the answers cost on a 2-core machine (the same idea as cassettes).
    """
    rows: dict[str, dict] = {}
    if path.exists():
        rows = {r["key"]: r for r in map(json.loads, path.read_text("utf-8").splitlines()) if r}
    for i in range(0, len(keys), 500):
        chunk = keys[i : i + 500]
        marks = ",".join("?" * len(chunk))
        for row in db.query(f"SELECT * FROM llm_cache WHERE key IN ({marks})", chunk):
            rows[row["key"]] = dict(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(dumps(rows[k]) + "\n" for k in sorted(rows)), "utf-8")
    return len(rows)
