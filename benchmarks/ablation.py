"""What each part of the system around the model buys, measured from recorded model answers.

Uses the model's answers cached by a previous `triage eval` run (table llm_cache in TRIAGE_DB, or
an answers file with --answers), so it costs no model time: each configuration re-runs only the
deterministic logic. Each row switches one more part on, in the order `judge.decision` runs them:

  model            the model's verdict, category and its own regency hint (official list only)
  +places          places resolved from the text against the Kemendagri list (hint only tips ties)
  +<step>          each correction of `judge.decision.STEPS`, in its order
  +category_check  the category words in the text weighed with the model's pick (judge/category.py)
  +category_signal the classifier's probabilities weighed too
  +prefilter       deterministic rules answer first (the full system, as `triage eval` runs it)

A part is switched off in the evidence or in the decision's `off` set, never by patching code.

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
from triage.judge import category, decision
from triage.judge.evidence import Evidence, gather
from triage.judge.llm_cache import JudgementCache, judgement_key, load_answers
from triage.judge.pipeline import from_prefilter
from triage.judge.prompt import load_prompt
from triage.rules import prefilter
from triage.schema import Location, ModelJudgement, PlaceRef, TriageResult
from triage.store.database import connect

PARTS = ["places", *decision.STEPS, category.KEYWORDS, category.CLASSIFIER]
CONFIGS = ["model", *(f"+{p}" for p in PARTS), "+prefilter"]
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


def configured(n_on: int, j: ModelJudgement, e: Evidence) -> TriageResult:
    """The decision with the first `n_on` parts switched on and the rest off."""
    on = set(PARTS[:n_on])
    if "places" not in on:
        e = dataclasses.replace(e, location=hint_location(e.hint))
    return decision.decide(j, e, 1, off={p for p in PARTS if p not in on})


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
    print(f"{'config':22}" + "".join(f"{k[:12]:>13}" for k in KEYS))
    for n_on, name in enumerate(CONFIGS):
        scored = usable if name == "+prefilter" else answered  # prefilter cases never met the model
        preds = []
        for case in scored:
            hit = prefilter.check(case.text) if name == "+prefilter" else None
            result = from_prefilter(hit) if hit else configured(n_on, *answers[case.id])
            preds.append(prediction_row(case, result, review_threshold=settings.review_threshold))
        m = metrics.compute(scored, preds, model=settings.llm_model, prompt_version=prompt.version)
        cells = "".join(f"{m[k] if m[k] is not None else float('nan'):13.3f}" for k in KEYS)
        print(f"{name:22}{cells}")


if __name__ == "__main__":
    main()
