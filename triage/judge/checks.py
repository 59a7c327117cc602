"""Focused yes/no questions to the model about one report, asked after its answer.

A 1.5B model cannot be trusted with the whole decision in one answer, but it reads meaning far
better than a word list: asked directly whether a message reports a real problem with a public
service, it tells an absurd request, a campaign message or a private quarrel from a complaint
without a list of every such shape. The question continues the model's own conversation (its
answer is already in the server's context), so it costs a few dozen tokens, and it is asked only
where the answer would send the report on or archive it.

The answer is read from its first token's log-probabilities, not from the word written: the
embedded model writes "ya" to nearly every such question, while how sure it is of "ya" still ranks
junk below complaints. That share is a score, and the thresholds that turn it into a decision are
calibrated on the tuning split (`benchmarks/check_scores.py`) and kept with the questions.
"""

from __future__ import annotations

import hashlib
import json
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import BaseModel, Field, model_validator

from triage.config import get_settings
from triage.schema import SCHEMA_VERSION

YES_WORDS = ("ya", "yes", "iya", "benar")
NO_WORDS = ("tidak", "no", "bukan", "tdk")


class Question(BaseModel):
    text: str = Field(min_length=1)
    # what a "ya" says: that the message is a public complaint, or that it is not
    yes_means: str = Field(pattern="^(complaint|junk)$")


class ChecksFile(BaseModel):
    version: str = Field(min_length=1)
    questions: dict[str, Question]
    # the mean complaint score (0-1) below which a report that would go on is not sent on,
    # and at or above which a rejection is not archived unseen; None: the scores decide nothing
    not_a_complaint_below: float | None = Field(default=None, ge=0, le=1)
    a_complaint_from: float | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _ordered(self) -> ChecksFile:
        low, high = self.not_a_complaint_below, self.a_complaint_from
        if low is not None and high is not None and low > high:
            raise ValueError("not_a_complaint_below must not exceed a_complaint_from")
        return self


@dataclass(frozen=True)
class Checks:
    path: Path
    spec: ChecksFile
    hash: str

    def question(self, name: str) -> str:
        return self.spec.questions[name].text

    def complaint_score(self, name: str, p_yes: float) -> float:
        """How much the answer says "a public complaint", whichever way the question is put."""
        return p_yes if self.spec.questions[name].yes_means == "complaint" else 1.0 - p_yes

    def verdict(self, scores: Mapping[str, float]) -> bool | None:
        """True: the answers call it a public complaint; False: they call it junk; None: unsure
        (or not asked, or no threshold set)."""
        if not scores:
            return None
        mean = sum(scores.values()) / len(scores)
        low, high = self.spec.not_a_complaint_below, self.spec.a_complaint_from
        if low is not None and mean < low:
            return False
        if high is not None and mean >= high:
            return True
        return None


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
    if first in YES_WORDS:
        return True
    if first in NO_WORDS:
        return False
    return None


def _begins(piece: str, words: Sequence[str]) -> bool:
    return bool(piece) and any(w.startswith(piece) for w in words)


def yes_share(top: Sequence[tuple[str, float]]) -> float | None:
    """P(ya) / (P(ya) + P(tidak)) from the first token's top log-probabilities.

    A token counts for a side when it begins one of its words ("Ya", "y", "T", "tid"); a token
    that begins words of both sides ("b": benar, bukan) counts for neither. None when neither side
    is among the tokens given (the endpoint gave no log-probabilities, or the model wrote else).
    """
    yes = no = 0.0
    for token, logprob in top:
        piece = token.strip().lower()
        is_yes, is_no = _begins(piece, YES_WORDS), _begins(piece, NO_WORDS)
        if is_yes and not is_no:
            yes += math.exp(logprob)
        elif is_no and not is_yes:
            no += math.exp(logprob)
    if yes + no == 0.0:
        return None
    return yes / (yes + no)


def p_yes(raw: str | None, top: Sequence[tuple[str, float]]) -> float | None:
    """The answer's share of "ya": from log-probabilities when given, else from the word written."""
    share = yes_share(top)
    if share is not None:
        return share
    said = read_yes_no(raw)
    return None if said is None else float(said)
