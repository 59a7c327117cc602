"""Focused yes/no questions to the model about one report, asked after its answer.

A 1.5B model cannot be trusted with the whole decision in one answer, but it reads meaning far
better than a word list: asked directly whether a message reports a real problem with a public
service, it tells an absurd request, a campaign message or a private quarrel from a complaint
without a list of every such shape. The question continues the model's own conversation (its
answer is already in the server's context), so it costs a few dozen tokens, and it is asked only
where the answer would send the report on.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import BaseModel, Field

from triage.config import get_settings
from triage.schema import SCHEMA_VERSION

PUBLIC_COMPLAINT = "public_complaint"


class ChecksFile(BaseModel):
    version: str = Field(min_length=1)
    questions: dict[str, str]


@dataclass(frozen=True)
class Checks:
    path: Path
    spec: ChecksFile
    hash: str

    def question(self, name: str) -> str:
        return self.spec.questions[name]


@cache
def _load(path: Path, mtime_ns: int) -> Checks:
    raw = path.read_bytes()
    spec = ChecksFile.model_validate(tomllib.loads(raw.decode("utf-8")))
    return Checks(path=path, spec=spec, hash=hashlib.sha256(raw).hexdigest())


def load_checks(path: Path | None = None) -> Checks:
    """The given file, else `TRIAGE_CHECKS` (default `prompts/checks.toml`, from the working directory)."""
    path = (path or get_settings().checks).resolve()
    return _load(path, path.stat().st_mtime_ns)


def check_key(model: str, prompt_hash: str, checks: Checks, name: str, text: str, answer: str) -> str:
    """Everything the check's answer depends on: the model, both prompts, the text, the first answer."""
    parts = ["check", model, prompt_hash, checks.hash, SCHEMA_VERSION, name, text, answer]
    return hashlib.sha256(json.dumps(parts, ensure_ascii=False).encode()).hexdigest()


def read_yes_no(raw: str | None) -> bool | None:
    """The model's one-word answer: True for ya, False for tidak, None when it said neither."""
    words = (raw or "").strip().lower().lstrip("\"'*").split()
    first = words[0].strip(".,!:;\"'*") if words else ""
    if first in ("ya", "yes", "iya", "benar"):
        return True
    if first in ("tidak", "no", "bukan", "tdk"):
        return False
    return None
