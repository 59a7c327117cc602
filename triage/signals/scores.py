"""Learned signals for one message: spam, abuse, complaint, junk probabilities and a category guess.

Small linear models over hashed character and word n-grams, trained by triage/signals/train.py on
real Indonesian SMS, tweets and complaints, and (the kind of message: genuine, or which junk) on
the project's labelled tuning cases. They are signals for the triage decision, not the
decision: cheap (well under a millisecond a text), no model server, and they generalise past the
exact words a regex list would need. The models ship as JSON + .npz under triage/data/signals/
(no pickle: loading them runs no code) and are loaded once per process.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, ConfigDict, Field, computed_field
from sklearn.feature_extraction.text import HashingVectorizer

from triage.signals.corpora import normalise

BINARY = ("spam", "abuse", "complaint")
MODELS = (*BINARY, "category", "kind")
GENUINE = "genuine"  # the kind model's class for a genuine report; its other classes are invalid reasons


class CategoryGuess(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    probability: float


class Scores(BaseModel):
    """Probabilities in 0..1. `category` is the most likely SP4N main category, whatever the verdict."""

    model_config = ConfigDict(frozen=True)

    spam: float
    abuse: float
    complaint: float
    # learned from the labelled tuning cases, not from a corpus: how much the text reads like the
    # junk sent to this line (1 - P(genuine)), and the likeliest invalid reason if it is junk
    junk: float
    junk_reason: str
    # every category the classifier knows, in its class order, with its probability (the category
    # choice weighs them all; the likeliest ones below are read off it, never stored beside it)
    category_probabilities: dict[str, float] = Field(min_length=1)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def top3(self) -> tuple[CategoryGuess, ...]:
        ranked = sorted(
            self.category_probabilities.items(), key=lambda kv: -kv[1]
        )  # stable: ties keep class order
        return tuple(CategoryGuess(name=name, probability=p) for name, p in ranked[:3])

    @computed_field  # type: ignore[prop-decorator]
    @property
    def category(self) -> str:
        return self.top3[0].name

    @computed_field  # type: ignore[prop-decorator]
    @property
    def category_probability(self) -> float:
        return self.top3[0].probability


def vectorizers(features: dict[str, Any]) -> list[HashingVectorizer]:
    """The hashing vectorizers a model was trained with, rebuilt from its saved parameters."""
    out = []
    for part in features["parts"]:
        out.append(
            HashingVectorizer(
                analyzer=part["analyzer"],
                ngram_range=tuple(part["ngram_range"]),
                n_features=part["n_features"],
                token_pattern=part.get("token_pattern", r"(?u)\b\w\w+\b"),
                alternate_sign=False,
                lowercase=False,  # normalise() already did it, the same way for training and inference
                norm="l2",
                dtype=np.float32,
            )
        )
    return out


def transform(parts: Sequence[HashingVectorizer], normalised: list[str]) -> sp.csr_matrix:
    return sp.hstack([v.transform(normalised) for v in parts], format="csr", dtype=np.float32)


@dataclass(frozen=True)
class Linear:
    """One saved model: coef (classes x features, or 1 x features for a binary one) and intercept."""

    name: str
    classes: tuple[str, ...]
    features: dict[str, Any]
    coef: np.ndarray
    intercept: np.ndarray

    def probabilities(self, x: sp.csr_matrix) -> np.ndarray:
        z = np.asarray(x @ self.coef.T) + self.intercept
        if len(self.classes) == 2:  # logistic: probability of the positive class
            return np.asarray(1.0 / (1.0 + np.exp(-z[:, 0])))
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return np.asarray(e / e.sum(axis=1, keepdims=True))


def load_model(name: str, directory: Any = None) -> Linear:
    """Read <name>.json + <name>.npz from a directory (default: the package's data/signals)."""
    base = directory or resources.files("triage").joinpath("data", "signals")
    meta = json.loads(base.joinpath(f"{name}.json").read_text("utf-8"))
    with base.joinpath(f"{name}.npz").open("rb") as fh, np.load(fh, allow_pickle=False) as arrays:
        coef, intercept = arrays["coef"].astype(np.float32), arrays["intercept"].astype(np.float32)
    return Linear(name, tuple(meta["classes"]), meta["features"], coef, intercept)


@dataclass(frozen=True)
class _Bundle:
    models: dict[str, Linear]
    keys: dict[str, str]  # model name -> its features key
    parts: dict[str, list[HashingVectorizer]]  # features key -> vectorizers, shared by models


@cache
def _bundle() -> _Bundle:
    models = {name: load_model(name) for name in MODELS}
    keys = {name: json.dumps(m.features, sort_keys=True) for name, m in models.items()}
    parts = {keys[name]: vectorizers(m.features) for name, m in models.items()}
    return _Bundle(models, keys, parts)


def kind_readings(probs: np.ndarray, classes: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """What the kind model's probabilities (one row a text) say: P(junk) = 1 - P(genuine), and the
    likeliest invalid reason (the first in class order on a tie). Shipped inference, its
    cross-validation and the benchmark read them the same way."""
    genuine = list(classes).index(GENUINE)
    reasons = np.array(probs, dtype=np.float64, copy=True)
    reasons[:, genuine] = -1.0
    return 1.0 - probs[:, genuine], [classes[i] for i in np.argmax(reasons, axis=1)]


def score_many(texts: Sequence[str]) -> list[Scores]:
    """Scores for several texts at once (one vectorisation per distinct feature set)."""
    bundle = _bundle()
    normalised = [normalise(t) for t in texts]
    x = {key: transform(parts, normalised) for key, parts in bundle.parts.items()}
    probs = {name: m.probabilities(x[bundle.keys[name]]) for name, m in bundle.models.items()}
    cat = bundle.models["category"]
    junk, junk_reasons = kind_readings(probs["kind"], bundle.models["kind"].classes)
    out = []
    for i in range(len(normalised)):
        p = probs["category"][i]
        out.append(
            Scores(
                spam=float(probs["spam"][i]),
                abuse=float(probs["abuse"][i]),
                complaint=float(probs["complaint"][i]),
                junk=float(junk[i]),
                junk_reason=junk_reasons[i],
                category_probabilities={c: float(q) for c, q in zip(cat.classes, p, strict=True)},
            )
        )
    return out


def score(text: str) -> Scores:
    """Signals for one message. Loads the shipped models on first use."""
    return score_many([text])[0]
