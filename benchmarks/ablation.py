"""What each part of the system around the model buys, measured from recorded model answers.

Uses the model's answers cached by a previous `triage eval` run (table llm_cache in TRIAGE_DB, or
an answers file with --answers), so it costs no model time: each configuration re-runs only the
deterministic logic. Each row switches one more signal of the evidence record on:

  model            the model's verdict, category and its own regency hint (official list only)
  +places          places resolved from the text against the Kemendagri list (hint only tips ties)
  +<signal>        each signal of `judge.decision.SIGNALS`, in its order: every correction that
                   reads it (`Correction.reads`) runs once all its signals are on (one that only
                   narrows another by a learned reading runs as the one it narrows until then,
                   `Correction.without`)
  +prefilter       deterministic rules answer first (the full system, as `triage eval` runs it)

A signal is switched off in the decision's `off` set, never by patching or re-ordering code.

Usage: python benchmarks/ablation.py evals/tune.jsonl --answers evals/answers/dev-triage-v3.jsonl
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
from pathlib import Path

from triage import reference
from triage.config import Settings
from triage.evals import dataset, metrics
from triage.evals.runner import prediction_row
from triage.judge import decision
from triage.judge.evidence import Evidence, gather
from triage.judge.llm_cache import JudgementCache, judgement_key, load_answers
from triage.judge.pipeline import from_prefilter
from triage.judge.prompt import load_prompt
from triage.rules import prefilter
from triage.schema import EvalCase, Location, ModelJudgement, PlaceRef, TriageResult
from triage.store.database import connect

CONFIGS = ["model", *(f"+{p}" for p in decision.SIGNALS), "+prefilter"]
KEYS = [
    "verdict_accuracy",
    "false_rejection_rate",
    "invalid_recall",
    "invalid_precision",
    "category_accuracy",
    "province_accuracy",
    "regency_accuracy",
    "junk_to_sp4n_rate",
    "junk_asked_rate",
    "genuine_archived_rate",
    "review_share",
]


def hint_location(hint: str | None) -> Location:
    found = reference.regency_candidates(hint) if hint else ()
    if len(found) != 1:
        return Location()
    r = reference.regions().regencies[found[0]]
    p = reference.regions().provinces[r.province]
    return Location(regency=PlaceRef(name=r.name, code=r.code), province=PlaceRef(name=p.name, code=p.code))


def configured(off: set[str], j: ModelJudgement, e: Evidence) -> TriageResult:
    """The decision with the signals in `off` switched off."""
    if decision.PLACES in off:
        e = dataclasses.replace(e, location=hint_location(e.hint))
    return decision.decide(j, e, 1, off=off)


def row(
    name: str, scored: list[EvalCase], results: dict[str, TriageResult], settings: Settings, version: str
) -> str:
    preds = [prediction_row(c, results[c.id], review_threshold=settings.review_threshold) for c in scored]
    m = metrics.compute(scored, preds, model=settings.llm_model, prompt_version=version)
    return f"{name:22}" + "".join(f"{m[k] if m[k] is not None else float('nan'):13.3f}" for k in KEYS)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("datasets", nargs="+")
    parser.add_argument("--answers", type=Path, default=None, help="a recorded answers file")
    args = parser.parse_args()
    settings = Settings()
    prompt = load_prompt(settings.prompt)
    db = connect(Path(tempfile.mkdtemp()) / "ablation.db" if args.answers else settings.db)
    if args.answers:
        load_answers(db, args.answers)
    cache = JudgementCache(db)
    cases = dataset.load([Path(p) for p in args.datasets]).cases
    answers: dict[str, tuple[ModelJudgement, Evidence]] = {}
    for case in cases:
        got = cache.get(judgement_key(settings.llm_model, prompt.hash, case.text))
        if got is not None and got.judgement is not None:
            j = ModelJudgement.model_validate(got.judgement)
            answers[case.id] = (j, gather(case.text, hint=j.complaint.regency if j.complaint else None))
    answered = [c for c in cases if c.id in answers]
    usable = [c for c in cases if c.id in answers or prefilter.check(c.text)]
    print(f"{len(cases)} cases: {len(answered)} with a recorded model answer, {len(usable)} with prefilter")
    header = "".join(f"{k[:12]:>13}" for k in KEYS)
    signals = decision.SIGNALS

    def scored(name: str, off: set[str]) -> str:
        results = {c.id: configured(off, *answers[c.id]) for c in answered}
        return row(name, answered, results, settings, prompt.version)

    print(f"\nsignals switched on one by one (model-answered cases; +prefilter: all)\n{'config':22}{header}")
    for n_on, name in enumerate(CONFIGS[:-1]):
        print(scored(name, set(signals[n_on:])))
    full: dict[str, TriageResult] = {}
    for c in usable:  # prefilter cases never met the model
        hit = prefilter.check(c.text)
        full[c.id] = from_prefilter(hit) if hit else configured(set(), *answers[c.id])
    print(row("+prefilter", usable, full, settings, prompt.version))
    print(f"\neach signal switched off alone, all else on (model-answered cases)\n{'config':22}{header}")
    print(scored("all", set()))
    for name in signals:
        print(scored(f"-{name}", {name}))


if __name__ == "__main__":
    main()
