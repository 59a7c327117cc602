"""Does a junk classifier learned from labelled cases of the contract separate junk where the rules fail?

The shipped signals learn from corpora that are not messages to a complaint line (SMS, tweets,
LaporGub complaints). The tuning split and the probe batches are: 838 labelled cases of the kinds
the issue names. This fits the kind model as `triage signals build` fits it (character 2-5-grams
and words, hashed; class-balanced multinomial logistic regression over "genuine" and the five
invalid reasons) on part of them, and scores P(junk) = 1 - P(genuine) on the rest where the head's
errors are: among the cases a replay sends to SP4N, asks about, sends to a person or archives.

Two splits, because the same author's next batch flatters a text classifier:
- across authors: learn on the probes (one writer) and score the tuning split (real SMS, tweets,
  complaints and other writers), and the other way round;
- across time, same writer: learn on the tuning split and every probe batch before one, score it.

    .venv/bin/python benchmarks/junk_in_domain.py --tune runs/tune/predictions.jsonl \
        --probe runs/probe/predictions.jsonl

Reads only evals/tune.jsonl and evals/probe.jsonl: no test or challenge case.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import numpy as np
from fresh_checks import auc, load_outcomes

from triage.judge import kind_corrections, overrides
from triage.judge.evidence import gather
from triage.rules import injection
from triage.signals import train
from triage.signals.corpora import normalise
from triage.signals.scores import GENUINE, transform, vectorizers
from triage.signals.train import FEATURES

OUTCOMES = ("sp4n", "ask_reporter", "review", "archived")
OPEN_NO_PUBLIC_MATTER = "open verdict, no public matter"  # where overrides.like_the_labelled_junk may act
CUTS = (0.5, kind_corrections.JUNK_LIKE_CASES, 0.9)  # the middle one is the shipped cut
# the probe batches as they were written, each before the next (evals/README.md)
BATCHES = ((338, 370), (371, 402), (403, 433), (434, 464), (465, 495), (496, 527))


def cases(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def scores(train_cases: list[dict[str, Any]], test: list[dict[str, Any]]) -> np.ndarray:
    """P(junk) = 1 - P(genuine) of the kind model fitted as `triage signals build` fits it."""
    parts = vectorizers(FEATURES)
    kinds = [
        r["expected"]["reason"] if r["expected"]["verdict"] == "invalid" else GENUINE for r in train_cases
    ]
    model = train.fit("kind", transform(parts, [normalise(r["text"]) for r in train_cases]), kinds)
    probs = model.probabilities(transform(parts, [normalise(r["text"]) for r in test]))
    return np.asarray(1.0 - probs[:, model.classes.index(GENUINE)])


def junk(rows: list[dict[str, Any]]) -> np.ndarray:
    return np.array([r["expected"]["verdict"] == "invalid" for r in rows], dtype=int)


def open_without_public_matter(case: dict[str, Any], outcomes: dict[str, str]) -> bool:
    """The head left the verdict open and the text shows no public matter (judge.overrides)."""
    if outcomes.get(f"{case['id']}:verdict") in (None, "invalid"):
        return False
    return overrides.no_public_matter(gather(injection.split(case["text"]).text))


def verdicts(predictions: Path) -> dict[str, str]:
    rows = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {f"{r['id']}:verdict": r.get("verdict") for r in rows}


def table(name: str, test: list[dict[str, Any]], p: np.ndarray, outcomes: dict[str, str]) -> None:
    y = junk(test)
    whole = auc(list(p[y == 1]), list(p[y == 0]))
    print(f"\n{name}: {len(test)} cases, {int(y.sum())} junk, ROC AUC {whole:.3f}")
    print(
        "| where the head sends it | n | junk | AUC | "
        + " | ".join(f"> {c}: junk / genuine" for c in CUTS)
        + " |"
    )
    for outcome in (*OUTCOMES, OPEN_NO_PUBLIC_MATTER):
        idx = np.array([i for i, r in enumerate(test) if outcomes.get(r["id"]) == outcome], dtype=int)
        if outcome == OPEN_NO_PUBLIC_MATTER:
            idx = np.array(
                [i for i, r in enumerate(test) if open_without_public_matter(r, outcomes)], dtype=int
            )
        if not len(idx):
            continue
        yi, pi = y[idx], p[idx]
        a = auc(list(pi[yi == 1]), list(pi[yi == 0]))
        cells = [f"{int(((pi > c) & (yi == 1)).sum())} / {int(((pi > c) & (yi == 0)).sum())}" for c in CUTS]
        print(f"| {outcome} | {len(idx)} | {int(yi.sum())} | {a:.2f} | " + " | ".join(cells) + " |")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--tune", type=Path, required=True, help="predictions.jsonl of a replay of evals/tune.jsonl"
    )
    ap.add_argument(
        "--probe", type=Path, required=True, help="predictions.jsonl of a replay of evals/probe.jsonl"
    )
    ap.add_argument(
        "--extra", type=Path, help="a later batch of cases, scored blind by a model learned from both"
    )
    ap.add_argument("--extra-predictions", type=Path, help="predictions.jsonl of a replay of --extra")
    args = ap.parse_args()
    tune, probe = cases(Path("evals/tune.jsonl")), cases(Path("evals/probe.jsonl"))
    outcomes = {
        **load_outcomes(args.tune),
        **load_outcomes(args.probe),
        **verdicts(args.tune),
        **verdicts(args.probe),
    }
    table("across authors: probes -> tuning split", tune, scores(probe, tune), outcomes)
    table("across authors: tuning split -> probes", probe, scores(tune, probe), outcomes)
    for lo, hi in BATCHES:
        before = tune + [r for r in probe if int(r["id"][3:]) < lo]
        batch = [r for r in probe if lo <= int(r["id"][3:]) <= hi]
        table(f"same writer, next batch: -> pr-{lo:04d}..{hi:04d}", batch, scores(before, batch), outcomes)
    if args.extra and args.extra_predictions:
        extra = cases(args.extra)
        outcomes.update(load_outcomes(args.extra_predictions) | verdicts(args.extra_predictions))
        table(
            f"blind: tuning split + probes -> {args.extra.name}", extra, scores(tune + probe, extra), outcomes
        )


if __name__ == "__main__":
    main()
