"""How well the model's yes/no checks separate junk from complaints, and where to set their thresholds.

Reads the predictions of a `triage eval` run made with TRIAGE_LLM_CHECKS=true (each asked case has
a note "checks (complaint score): name score, ..."), and prints, among the cases that were asked:

- for each question and for their mean, the ROC AUC of the complaint score against the expected
  verdict (invalid vs the rest): 0.5 is a coin, 1.0 a perfect split;
- for the cases that would go on (to SP4N or back to the reporter): at each threshold, how much
  junk a "not a complaint below t" rule stops, and how many genuine reports it would reject;
- for the cases that would be archived: at each threshold, how many genuine reports a "a
  complaint from t" rule sends to a person instead, and how much junk it sends with them.

Calibrate on the tuning split only (evals/tune.jsonl); the frozen splits are for scoring.

Usage: python benchmarks/check_scores.py RUN_DIR/predictions.jsonl
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

NOTE = re.compile(r"^checks \(complaint score\): (.*)$")
THRESHOLDS = [round(0.05 * i, 2) for i in range(1, 20)]


def scores_of(row: dict) -> dict[str, float]:
    for note in row.get("notes") or []:
        m = NOTE.match(note)
        if m:
            pairs = (part.rsplit(" ", 1) for part in m.group(1).split(", "))
            return {name: float(value) for name, value in pairs}
    return {}


def auc(positives: list[float], negatives: list[float]) -> float:
    """P(a random positive scores above a random negative), ties counted half."""
    if not positives or not negatives:
        return float("nan")
    wins = sum((p > n) + 0.5 * (p == n) for p in positives for n in negatives)
    return wins / (len(positives) * len(negatives))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("predictions", type=Path)
    args = parser.parse_args()
    rows = [
        json.loads(line) for line in args.predictions.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    asked = [(r, scores_of(r)) for r in rows]
    asked = [(r, s) for r, s in asked if s]
    for _r, s in asked:
        s["mean"] = sum(s.values()) / len(s)
    print(f"{len(rows)} cases, {len(asked)} asked")
    names = list(asked[0][1]) if asked else []
    going = [(r, s) for r, s in asked if r["outcome"] in ("sp4n", "awaiting_gate", "ask_reporter")]
    archived = [(r, s) for r, s in asked if r["outcome"] == "archived"]
    for label, group in (("all asked", asked), ("would go on", going), ("would be archived", archived)):
        junk = [s for r, s in group if r["expected"]["verdict"] == "invalid"]
        genuine = [s for r, s in group if r["expected"]["verdict"] != "invalid"]
        figures = ", ".join(f"{n} {auc([g[n] for g in genuine], [j[n] for j in junk]):.3f}" for n in names)
        print(f"AUC, {label} ({len(junk)} junk, {len(genuine)} genuine): {figures}")
    for name in names:
        print(f"\n{name}: would go on -> stopped below t | would be archived -> to a person from t")
        print("   t   junk stopped  genuine rejected | genuine kept  junk kept")
        for t in THRESHOLDS:
            stop_j = sum(1 for r, s in going if s[name] < t and r["expected"]["verdict"] == "invalid")
            stop_g = sum(1 for r, s in going if s[name] < t and r["expected"]["verdict"] != "invalid")
            keep_g = sum(1 for r, s in archived if s[name] >= t and r["expected"]["verdict"] != "invalid")
            keep_j = sum(1 for r, s in archived if s[name] >= t and r["expected"]["verdict"] == "invalid")
            print(f"{t:5.2f} {stop_j:13d} {stop_g:17d} | {keep_g:12d} {keep_j:10d}")


if __name__ == "__main__":
    main()
