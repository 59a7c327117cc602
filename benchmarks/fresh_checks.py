"""Do yes/no questions asked in a fresh, short conversation separate junk from complaints?

The checks of prompts/checks.toml follow the model's own answer, and there the 1.5B model agrees
with itself (ROC AUC 0.43-0.71 on the tuning split, docs/evaluation.md). This asks each question
with nothing but the message before it, so the answer cannot lean on an earlier verdict, and reads
P(ya) from the first token's log-probabilities, as the checks do.

For every case of a labelled set it records the scores (JSONL, so the analysis re-runs without
the model), then prints per question and for their mean the ROC AUC of the complaint score
against the label (invalid vs the rest): over all cases, and over the cases the system would send
on or ask about (from a replay's predictions.jsonl, if given), with the share of junk and of
genuine reports a "below t" rule would stop there. Tune on evals/tune.jsonl only.

    .venv/bin/python benchmarks/fresh_checks.py evals/tune.jsonl --out runs/fresh-tune.jsonl \
        --predictions runs/tune-replay/predictions.jsonl
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from triage.config import Settings
from triage.judge.checks import p_yes
from triage.judge.llm import LLM, AttemptRecorder

SYSTEM = (
    "Anda membantu petugas kanal pengaduan pemerintah memilah pesan WhatsApp yang masuk. "
    "Jawab pertanyaan tentang pesan dengan satu kata: ya atau tidak."
)
QUESTIONS: dict[str, tuple[str, str]] = {
    # name: (yes_means, question)
    "grievance": (
        "complaint",
        "Apakah pengirim pesan ini mengeluhkan masalah nyata yang dialami warga dan menjadi urusan "
        "pemerintah atau layanan publik (jalan, air, listrik, sekolah, kesehatan, bantuan sosial, "
        "pungutan liar, pelayanan kantor, pejabat)?",
    ),
    "not_serious": (
        "junk",
        "Apakah pesan ini iseng, lelucon, permintaan yang mustahil atau tidak masuk akal, iklan, "
        "penipuan, pesan berantai, kampanye, ancaman, hinaan, atau urusan pribadi antarwarga?",
    ),
}


def ask(llm: LLM, text: str, question: str) -> float | None:
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"<pesan>\n{text}\n</pesan>\n\n{question} Jawab: ya atau tidak."},
    ]
    raw, top = llm.ask(messages, AttemptRecorder("fresh-check", llm.model, "fresh"))
    return p_yes(raw, top)


def auc(pos: list[float], neg: list[float]) -> float:
    if not pos or not neg:
        return float("nan")
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def load_outcomes(predictions: Path) -> dict[str, str]:
    """Where each case of a replay went (`outcome` of its predictions.jsonl), by id."""
    rows = [json.loads(line) for line in predictions.read_text(encoding="utf-8").splitlines() if line.strip()]
    return {r["id"]: r.get("outcome") for r in rows}


def complaint_scores(row: dict[str, Any]) -> dict[str, float]:
    out = {}
    for name, (means, _) in QUESTIONS.items():
        p = row["p_yes"].get(name)
        if p is not None:
            out[name] = p if means == "complaint" else 1.0 - p
    if out:
        out["mean"] = statistics.fmean(out.values())
    return out


def report(rows: list[dict[str, Any]], goes_on: set[str] | None) -> None:
    subsets = [("all cases", rows)]
    if goes_on is not None:
        subsets.append(("cases the system sends on or asks about", [r for r in rows if r["id"] in goes_on]))
    for title, subset in subsets:
        junk = [complaint_scores(r) for r in subset if r["expected"] == "invalid"]
        real = [complaint_scores(r) for r in subset if r["expected"] != "invalid"]
        print(f"\n{title}: {len(junk)} junk, {len(real)} genuine")
        for name in [*QUESTIONS, "mean"]:
            pos = [s[name] for s in real if name in s]
            neg = [s[name] for s in junk if name in s]
            print(f"  {name:12} AUC {auc(pos, neg):.3f}")
        if title != "all cases":
            print("  mean score below t -> stopped:   t   junk stopped   genuine stopped")
            for t in (0.2, 0.3, 0.4, 0.5, 0.6):
                j = sum(1 for s in junk if s.get("mean", 1.0) < t)
                g = sum(1 for s in real if s.get("mean", 1.0) < t)
                print(f"  {t:>38.1f}   {j:>3}/{len(junk):<3}        {g:>3}/{len(real)}")


def resume_scores(
    cases: list[dict[str, Any]], out_path: Path, score: Callable[[LLM, dict[str, Any]], dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Each case's scores from the live model, appended to `out_path` as they come (JSONL), so a
    stopped run resumes where it was and the analysis re-runs without the model."""
    done: dict[str, dict[str, Any]] = {}
    if out_path.exists():
        done = {r["id"]: r for r in map(json.loads, out_path.read_text().splitlines())}
    todo = [c for c in cases if c["id"] not in done]
    if not todo:
        return done
    settings = Settings()
    llm = LLM(
        settings, settings.llm_base_url or f"http://{settings.embedded_host}:{settings.embedded_port}/v1"
    )
    started = time.perf_counter()
    with out_path.open("a") as out:
        for i, case in enumerate(todo, 1):
            row = {"id": case["id"], "expected": case["expected"]["verdict"], **score(llm, case)}
            done[case["id"]] = row
            out.write(json.dumps(row) + "\n")
            out.flush()
            if i % 20 == 0:
                print(
                    f"{i}/{len(todo)} asked, {(time.perf_counter() - started) / i:.2f} s a case", flush=True
                )
    return done


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", type=Path)
    ap.add_argument("--out", type=Path, required=True, help="scores per case (JSONL; resumed if present)")
    ap.add_argument("--predictions", type=Path, help="a replay's predictions.jsonl of the same cases")
    ap.add_argument("--limit", type=int, default=0)
    args = ap.parse_args()
    cases = [json.loads(line) for line in args.cases.read_text().splitlines() if line.strip()]
    if args.limit:
        cases = cases[: args.limit]
    done = resume_scores(
        cases,
        args.out,
        lambda llm, case: {"p_yes": {n: ask(llm, case["text"], q) for n, (_, q) in QUESTIONS.items()}},
    )
    goes_on = None
    if args.predictions:
        outcomes = load_outcomes(args.predictions)
        goes_on = {i for i, o in outcomes.items() if o in ("sp4n", "awaiting_gate", "ask_reporter")}
    report([done[c["id"]] for c in cases if c["id"] in done], goes_on)


if __name__ == "__main__":
    main()
