"""Accuracy and speed of `triage.places.resolve` on the dev set's labelled places.

Run: .venv/bin/python benchmarks/places_accuracy.py [evals/dev.jsonl] [--show-errors]

Scored like `triage eval` (exact official names; a null prediction counts wrong), but the wrong
*non-null* answers are also counted on their own: those are the costly kind, because they route a
complaint to the wrong government, while a null only means a person or the reporter fills it in.
The texts are real complaints: --show-errors prints only case ids and place names, never text.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from triage.rules.places import resolve

DEFAULT = Path(__file__).resolve().parent.parent / "evals" / "dev.jsonl"


def main(argv: list[str]) -> int:
    show = "--show-errors" in argv
    paths = [Path(a) for a in argv if not a.startswith("--")] or [DEFAULT]
    cases = [json.loads(line) for p in paths for line in p.read_text("utf-8").splitlines() if line.strip()]
    resolve("warm up the indexes")  # built once per process; not part of the per-case time
    stats = {"province": [0, 0, 0, 0], "regency": [0, 0, 0, 0]}  # n, right, wrong non-null, null
    elapsed = 0.0
    timed = 0
    for case in cases:
        exp = case["expected"]
        if not exp.get("province") and not exp.get("regency"):
            continue
        start = time.perf_counter()
        loc = resolve(case["text"])
        elapsed += time.perf_counter() - start
        timed += 1
        got = {
            "province": loc.province.name if loc.province else None,
            "regency": loc.regency.name if loc.regency else None,
        }
        for key, row in stats.items():
            if not exp.get(key):
                continue
            row[0] += 1
            if got[key] == exp[key]:
                row[1] += 1
            elif got[key] is None:
                row[3] += 1
            else:
                row[2] += 1
            if show and got[key] != exp[key]:
                print(f"  {case['id']:8} {key:8} expected={exp[key]!r} got={got[key]!r}")
    for key, (n, right, wrong, null) in stats.items():
        print(f"{key}_accuracy {right / n:.3f}  ({right}/{n}; wrong non-null {wrong}; null {null})")
    print(f"mean_ms_per_case {1000 * elapsed / max(timed, 1):.2f}  ({timed} cases)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
