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

import sqlite_utils

from triage.db import dumps, now_iso
from triage.schema import SCHEMA_VERSION, LLMAttempt, ModelJudgement


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
    def __init__(self, db: sqlite_utils.Database) -> None:
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
        with self.db.atomic():
            self.db.table("llm_cache").upsert(
                {
                    "key": key,
                    "judgement": judgement.model_dump_json() if judgement else None,
                    "attempts": dumps([a.model_dump(mode="json") for a in attempts]),
                    "created_at": now_iso(),
                },
                pk="key",
            )
