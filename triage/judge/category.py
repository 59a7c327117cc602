"""The category of a complaint: one scored choice over the model's pick, the classifier and words.

The category decides the agency. Three signals know something about it: the model's pick (right
about half the time on the tuning split, it favours a handful of categories), the classifier
trained on real portal complaints (`Scores.category_probabilities`), and the words of each category
in the text (triage/data/category_keywords.toml). Each candidate gets

    MODEL_WEIGHT if the model picked it + its classifier probability + KEYWORD_WEIGHT per word

and the highest wins (ties to the name first in order, so the choice is reproducible). This
replaced two corrections applied one after the other ("no word supports the model's pick" and
"the classifier disagrees strongly"), whose order mattered. The weights were chosen on the
tuning split by five-fold cross-validation: the two corrections got 125 of its 158 answered
categories right, the held-out folds of the scored choice 128 (docs/evaluation.md).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from triage.rules import categories
from triage.signals.scores import Scores

MODEL_WEIGHT = 0.2
KEYWORD_WEIGHT = 0.3
# Ablation switches (benchmarks/ablation.py): a switched-off signal weighs nothing.
KEYWORDS = "category_check"
CLASSIFIER = "category_signal"


@dataclass(frozen=True)
class Choice:
    category: str | None
    note: str | None  # why, when it is not the model's pick


def choose(model_category: str | None, text: str, signals: Scores, off: Collection[str] = ()) -> Choice:
    words = {} if KEYWORDS in off else categories.keyword_hits(text)
    probability = {} if CLASSIFIER in off else signals.category_probabilities
    candidates = sorted(set(words) | set(probability) | ({model_category} if model_category else set()))
    if not candidates:
        return Choice(model_category, None)

    def score(name: str) -> float:
        picked = MODEL_WEIGHT if name == model_category else 0.0
        return picked + probability.get(name, 0.0) + KEYWORD_WEIGHT * len(words.get(name, ()))

    best = max(candidates, key=score)  # max keeps the first of equals: the order is sorted
    if best == model_category:
        return Choice(best, None)
    found = sorted(words.get(best, ()))[:5]
    why = f"classifier {probability.get(best, 0.0):.2f}" + (f", words {found}" if found else "")
    against = f"{score(model_category):.2f}" if model_category else "no pick"
    note = f"category {model_category!r} -> {best!r}: {why} ({score(best):.2f} against {against})"
    return Choice(best, note)
