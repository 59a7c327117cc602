"""The tuning split as the frozen test split meets it: judged with a kind signal that never saw it.

The shipped kind signal (`triage signals build`) learns the tuning split itself, so a replay of
evals/tune.jsonl reads every case in sample and flatters every rule that reads the signal. The
frozen test split is drawn from the same sources but never learned; its figures were the only
honest ones, and they may be looked at only once per change. This puts the tuning split in the
test split's place: it is cut into five folds, and each fold is judged by the whole pipeline (as
`triage eval` judges it, from the recorded model answers) with a kind model learned as the build
learns it, on the probes and the other four folds. Beside it, the same cases in sample.

    .venv/bin/python benchmarks/tune_out_of_fold.py [--answers evals/answers/dev-triage-v3.jsonl]

Reads evals/tune.jsonl and evals/probe.jsonl only: no test or challenge case.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import random
import tempfile
from collections import Counter
from pathlib import Path

from triage.config import Settings
from triage.evals import dataset, metrics
from triage.evals.runner import Prediction, prediction_row
from triage.evals.viewer import HEADLINE
from triage.judge import pipeline
from triage.judge.llm import LLM
from triage.judge.llm_cache import JudgementCache, load_answers
from triage.judge.prompt import load_prompt
from triage.schema import EvalCase
from triage.signals import scores, train
from triage.store.database import connect

ROOT = Path(__file__).resolve().parent.parent
FOLDS = 5
SEED = 7
# a port nothing listens on: the recorded answers only, a case without one is an error
NOWHERE = "http://127.0.0.1:9/v1"
# the eval viewer's headline figures that a replay can move (not the counts, not latency)
KEYS = (*(k for k in HEADLINE if k not in ("n", "errors", "latency_ms_p50")), "injection_flips")


def folds(cases: list[EvalCase]) -> dict[str, int]:
    ids = sorted(c.id for c in cases)
    random.Random(SEED).shuffle(ids)
    return {case_id: i % FOLDS for i, case_id in enumerate(ids)}


def judged(cases: list[EvalCase], llm: LLM, cache: JudgementCache, settings: Settings) -> list[Prediction]:
    prompt = load_prompt(settings.prompt)
    out = []
    for case in cases:
        d = pipeline.decide(case.id, case.text, llm, prompt, cache=cache)
        out.append(prediction_row(case, d.result, review_threshold=settings.review_threshold))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--answers", type=Path, default=ROOT / "evals" / "answers" / "dev-triage-v3.jsonl")
    ap.add_argument("--out", type=Path, help="write the out-of-fold predictions.jsonl here")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    settings = Settings(db=str(tmp / "oof.db"), llm_base_url=NOWHERE, llm_checks=False)
    db = connect(settings.db)
    load_answers(db, args.answers)
    cache = JudgementCache(db)
    llm = LLM(settings, NOWHERE)
    tune = dataset.load([ROOT / "evals" / "tune.jsonl"]).cases
    probe = dataset.load([ROOT / "evals" / "probe.jsonl"]).cases
    fold_of = folds(tune)

    in_sample = judged(tune, llm, cache, settings)
    # each fold reads the kind model learned without it; the shipped loader is put back after
    loader, shipped = scores._bundle, scores._bundle()
    out_of_fold: list[Prediction] = []
    try:
        for k in range(FOLDS):
            learned = [*probe, *(c for c in tune if fold_of[c.id] != k)]
            bundle = dataclasses.replace(shipped, models={**shipped.models, "kind": train.fit_kind(learned)})
            scores._bundle = lambda bundle=bundle: bundle  # type: ignore[assignment,misc]
            out_of_fold += judged([c for c in tune if fold_of[c.id] == k], llm, cache, settings)
    finally:
        scores._bundle = loader  # type: ignore[method-assign]
    errors = Counter(bool(p.get("error")) for p in out_of_fold)
    print(f"{len(tune)} tuning cases in {FOLDS} folds (seed {SEED}); errors: {errors[True]}")
    inside, outside = (
        metrics.compute(tune, preds, model=settings.llm_model, prompt_version="replay")
        for preds in (in_sample, out_of_fold)
    )
    print(f"{'':24}{'in sample':>12}{'out of fold':>14}")
    for key in KEYS:
        print(f"{key:24}{inside[key]:>12.3f}{outside[key]:>14.3f}")
    if args.out:
        args.out.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in out_of_fold), "utf-8")


if __name__ == "__main__":
    main()
