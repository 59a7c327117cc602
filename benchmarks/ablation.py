"""What each part of the system around the model buys, measured on the dev set from cached answers.

Uses the model's answers cached by a previous `triage eval` run (table llm_cache in TRIAGE_DB), so
it costs no model time: each configuration re-runs only the deterministic logic. Configurations:

  model         the model's verdict, category and its own regency hint (official list only)
  +places       places resolved from the text against the Kemendagri list (hint only tips ties)
  +second_look  rejections of text naming a public service and a grievance overturned for review
  +place_rule   a local complaint with no place becomes needs_info; a short text naming no
                public service and no problem becomes an uncertain rejection (for review)
  +categories   the model's category checked against category words in the text
  +non_complaints  questions, invitations, personal requests, private disputes and court cases
                that carry no grievance become uncertain rejections (for review)
  +prefilter    deterministic rules answer first (the full system, as `triage eval` runs it)

Usage: TRIAGE_DB=runs/dev.db python benchmarks/ablation.py evals/dev.jsonl
"""

from __future__ import annotations

import sys
from pathlib import Path

from triage import reference
from triage.config import Settings
from triage.evals import dataset, metrics
from triage.evals.runner import prediction_row
from triage.judge.llm_cache import JudgementCache, judgement_key
from triage.judge.pipeline import from_model, from_prefilter
from triage.judge.prompt import load_prompt
from triage.rules import categories, guards, non_complaints, places, prefilter
from triage.schema import Complaint, Location, ModelJudgement, PlaceRef, TriageResult
from triage.store.database import connect

STEPS = ["model", "+places", "+second_look", "+place_rule", "+categories", "+non_complaints", "+prefilter"]


def hint_location(hint: str | None) -> Location:
    found = reference.regency_candidates(hint) if hint else ()
    if len(found) != 1:
        return Location()
    r = reference.regions().regencies[found[0]]
    p = reference.regions().provinces[r.province]
    return Location(regency=PlaceRef(name=r.name, code=r.code), province=PlaceRef(name=p.name, code=p.code))


def configured(step: int, j: ModelJudgement, text: str) -> TriageResult:
    if step >= STEPS.index("+non_complaints"):
        return from_model(j, text, 1)
    if step == STEPS.index("+categories"):
        keep_reconsider = non_complaints.reconsider
        non_complaints.reconsider = lambda result, text: result  # the shapes off
        try:
            return from_model(j, text, 1)
        finally:
            non_complaints.reconsider = keep_reconsider
    if step == STEPS.index("+place_rule"):
        keep = categories.check, non_complaints.reconsider
        categories.check = lambda model_category, text: (model_category, None)  # the check off
        non_complaints.reconsider = lambda result, text: result
        try:
            return from_model(j, text, 1)
        finally:
            categories.check, non_complaints.reconsider = keep
    d = j.complaint
    loc = (
        places.resolve(text, hint=d.regency if d else None)
        if step >= 1
        else hint_location(d.regency if d else None)
    )
    complaint = None
    if d is not None and j.verdict.value != "invalid":
        complaint = Complaint(title=d.title, summary=text[:200], category=d.category, location=loc)
    result = TriageResult(
        verdict=j.verdict,
        reason=j.reason,
        reasons=j.reasons,
        missing_fields=j.missing_fields,
        complaint=complaint,
        confidence=0.85,
        decided_by="model",
    )
    if step >= STEPS.index("+second_look"):
        result = guards.second_look(result, text, has_place=loc.regency is not None)
    return result


KEYS = [
    "verdict_accuracy",
    "false_rejection_rate",
    "invalid_recall",
    "invalid_precision",
    "reason_accuracy",
    "category_accuracy",
    "province_accuracy",
    "regency_accuracy",
]


def main(paths: list[str]) -> None:
    settings = Settings()
    prompt = load_prompt(settings.prompt)
    cache = JudgementCache(connect(settings.db))
    cases = dataset.load([Path(p) for p in paths]).cases
    answers = {}
    for case in cases:
        got = cache.get(judgement_key(settings.llm_model, prompt.hash, case.text))
        if got is not None and got.judgement is not None:
            answers[case.id] = ModelJudgement.model_validate(got.judgement)
    answered = [c for c in cases if c.id in answers]
    usable = [c for c in cases if c.id in answers or prefilter.check(c.text)]
    print(f"{len(cases)} cases: {len(answered)} with a cached model answer, {len(usable)} with prefilter")
    print(f"{'config':14}" + "".join(f"{k[:14]:>16}" for k in KEYS) + f"{'review':>8}")
    for step, name in enumerate(STEPS):
        scored = usable if name == "+prefilter" else answered  # prefilter cases never met the model
        preds = []
        for case in scored:
            hit = prefilter.check(case.text) if name == "+prefilter" else None
            result = from_prefilter(hit) if hit else configured(step, answers[case.id], case.text)
            preds.append(prediction_row(case, result))
        m = metrics.compute(scored, preds, model=settings.llm_model, prompt_version=prompt.version)
        review = sum(1 for p in preds if p.get("needs_review")) / max(1, len(scored))
        cells = "".join(f"{m[k] if m[k] is not None else float('nan'):16.3f}" for k in KEYS)
        print(f"{name:14}{cells}{review:8.2f}")


if __name__ == "__main__":
    main(sys.argv[1:] or ["evals/dev.jsonl"])
