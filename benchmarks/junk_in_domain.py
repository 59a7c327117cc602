"""Does a junk classifier learned from labelled cases of the contract separate junk where the rules fail?

The shipped signals learn from corpora that are not messages to a complaint line (SMS, tweets,
LaporGub complaints). The tuning split and the probe batches are: 951 labelled cases of the kinds
the issue names. This fits the kind model as `triage signals build` fits it (character 2-5-grams
and words, hashed; class-balanced multinomial logistic regression over "genuine" and the five
invalid reasons) on part of them, and scores P(junk) = 1 - P(genuine) on the rest where the head's
errors are: among the cases a replay sends to SP4N, asks about, sends to a person or archives.

Two splits, because the same author's next batch flatters a text classifier:
- across authors: learn on the probes (one writer) and score the tuning split (real SMS, tweets,
  complaints and other writers), and the other way round;
- across time, same writer: learn on the tuning split and every probe batch before one, score it;
- other writers' batches (`pr-0609`-`pr-0658`, `pr-0659`-`pr-0708`, each by a helper who read
  only the verdict table), each learned on everything before it.

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
from fresh_checks import auc

from triage.judge import kind_corrections, overrides
from triage.judge.evidence import gather
from triage.rules import injection
from triage.schema import EvalCase
from triage.signals import train
from triage.signals.scores import kind_readings, transform, vectorizers
from triage.signals.train import FEATURES

OUTCOMES = ("sp4n", "ask_reporter", "review", "archived")
# where kind_corrections.like_the_labelled_junk may act (a verdict left open, or its own rejection):
# at JUNK_LIKE_CASES on a text that shows no public matter, at JUNK_DESPITE_A_PUBLIC_MATTER on one
# that names one
OPEN_NO_PUBLIC_MATTER = "open verdict, no public matter"
OPEN_PUBLIC_MATTER = "open verdict, a public matter"
# where kind_corrections.rejection_confirmed may act: a rejection for a reviewer (or one it
# confirmed), not made by the kind signal itself, whatever reason the signal reads
FOR_A_REVIEWER = "rejection for a reviewer"
# 0.5 and 0.9 beside the shipped cuts
CUTS = tuple(
    sorted(
        {
            0.5,
            0.9,
            kind_corrections.JUNK_LIKE_CASES,
            kind_corrections.JUNK_NOT_ASKED,
            kind_corrections.JUNK_DESPITE_A_PUBLIC_MATTER,
            kind_corrections.CONFIRMS,
        }
    )
)
# the probe batches as they were written, each before the next (evals/README.md)
BATCHES = ((338, 370), (371, 402), (403, 433), (434, 464), (465, 495), (496, 527), (528, 567), (568, 608))
# batches by other writers, each of whom read only the design's verdict table (evals/README.md)
OTHER_WRITERS = (
    (609, 658),
    (659, 708),
    (709, 758),
    (759, 808),
    (809, 858),
    (859, 908),
    (909, 958),
    (959, 1008),
    (1009, 1058),
    (1059, 1108),
    (1109, 1158),
)


def cases(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


Readings = tuple[np.ndarray, list[str]]


def scores(train_cases: list[dict[str, Any]], test: list[dict[str, Any]]) -> Readings:
    """P(junk) = 1 - P(genuine) and the likeliest invalid reason, of the kind model fitted as
    `triage signals build` fits it."""
    model = train.fit_kind(EvalCase.model_validate(r) for r in train_cases)
    x = transform(vectorizers(FEATURES), [train.as_judged(r["text"]) for r in test])
    p_junk, reasons = kind_readings(model.probabilities(x), model.classes)
    return np.asarray(p_junk), list(reasons)


def junk(rows: list[dict[str, Any]]) -> np.ndarray:
    return np.array([r["expected"]["verdict"] == "invalid" for r in rows], dtype=int)


def replayed(predictions: Path) -> dict[str, dict[str, Any]]:
    """Each case's row of a replay's predictions.jsonl (outcome, verdict), by id."""
    rows = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["id"]: r for r in rows}


def groups(case: dict[str, Any], row: dict[str, Any]) -> list[str]:
    """The table rows a case counts in: where the head sent it, whether the head left its verdict
    open on a text that shows a public matter or none, and whether it rejected it for a reviewer
    (where the kind corrections may act)."""
    out = [row["outcome"]]
    rules = row.get("rules") or []
    if row["verdict"] != "invalid" or kind_corrections.LIKE_THE_LABELLED_JUNK in rules:
        public = not overrides.no_public_matter(gather(injection.split(case["text"]).text))
        out.append(OPEN_PUBLIC_MATTER if public else OPEN_NO_PUBLIC_MATTER)
    for_a_reviewer = row["outcome"] == "review" or kind_corrections.CONFIRMED in rules
    not_its_own = kind_corrections.LIKE_THE_LABELLED_JUNK not in rules
    if row["verdict"] == "invalid" and for_a_reviewer and not_its_own:
        out.append(FOR_A_REVIEWER)
    return out


def table(name: str, test: list[dict[str, Any]], read: Readings, rows: dict[str, dict[str, Any]]) -> None:
    p, _ = read
    y = junk(test)
    whole = auc(list(p[y == 1]), list(p[y == 0]))
    print(f"\n{name}: {len(test)} cases, {int(y.sum())} junk, ROC AUC {whole:.3f}")
    print(
        "| where the head sends it | n | junk | AUC | "
        + " | ".join(f"> {c}: junk / genuine" for c in CUTS)
        + " |"
    )
    member = [groups(r, rows[r["id"]]) for r in test]
    for group in (*OUTCOMES, OPEN_NO_PUBLIC_MATTER, OPEN_PUBLIC_MATTER, FOR_A_REVIEWER):
        idx = np.array([i for i, g in enumerate(member) if group in g], dtype=int)
        if not len(idx):
            continue
        yi, pi = y[idx], p[idx]
        a = auc(list(pi[yi == 1]), list(pi[yi == 0]))
        cells = [f"{int(((pi > c) & (yi == 1)).sum())} / {int(((pi > c) & (yi == 0)).sum())}" for c in CUTS]
        print(f"| {group} | {len(idx)} | {int(yi.sum())} | {a:.2f} | " + " | ".join(cells) + " |")


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
    rows = replayed(args.tune) | replayed(args.probe)
    table("across authors: probes -> tuning split", tune, scores(probe, tune), rows)
    table("across authors: tuning split -> probes", probe, scores(tune, probe), rows)
    for lo, hi in BATCHES:
        before = tune + [r for r in probe if int(r["id"][3:]) < lo]
        batch = [r for r in probe if lo <= int(r["id"][3:]) <= hi]
        table(f"same writer, next batch: -> pr-{lo:04d}..{hi:04d}", batch, scores(before, batch), rows)
    for lo, hi in OTHER_WRITERS:
        before = tune + [r for r in probe if int(r["id"][3:]) < lo]
        batch = [r for r in probe if lo <= int(r["id"][3:]) <= hi]
        name = f"another writer, after all before it: -> pr-{lo:04d}..{hi:04d}"
        table(name, batch, scores(before, batch), rows)
    if args.extra and args.extra_predictions:
        extra = cases(args.extra)
        rows |= replayed(args.extra_predictions)
        table(f"blind: tuning split + probes -> {args.extra.name}", extra, scores(tune + probe, extra), rows)


if __name__ == "__main__":
    main()
