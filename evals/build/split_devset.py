"""Freeze a test split of the dev set: about a third, stratified by source and verdict/reason.

The rules and the prompt of this project were tuned on `dev.jsonl`; a figure measured on the
cases the tuning saw says little about the next message. From this split on, tuning happens on
`tune.jsonl` only and `test.jsonl` is scored, never read for failures. A rule written from a test
failure moves that case to the tuning set (and the note says so).

Deterministic: the same dev.jsonl and seed give the same split. Run from the repository root:
    python evals/build/split_devset.py            # writes evals/tune.jsonl and evals/test.jsonl
    python evals/build/split_devset.py --check    # exits 1 if the files differ from a fresh split
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from collections import defaultdict
from pathlib import Path

SEED = 20261204
TEST_SHARE = 1 / 3
HERE = Path(__file__).resolve().parent.parent


def stratum(case: dict) -> tuple[str, str, str]:
    exp = case["expected"]
    return (case["id"].split("-")[0], exp["verdict"], exp.get("reason") or "")


def split(lines: list[str]) -> tuple[list[str], list[str]]:
    groups: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for line in lines:
        groups[stratum(json.loads(line))].append(line)
    rng = random.Random(SEED)
    test_ids: set[str] = set()
    for key in sorted(groups):
        members = sorted(groups[key], key=lambda ln: json.loads(ln)["id"])
        rng.shuffle(members)
        # round half up, so a stratum of 2 gives 1 to test and a stratum of 1 stays in tuning
        k = int(len(members) * TEST_SHARE + 0.5)
        test_ids.update(json.loads(ln)["id"] for ln in members[:k])
    tune = [ln for ln in lines if json.loads(ln)["id"] not in test_ids]
    test = [ln for ln in lines if json.loads(ln)["id"] in test_ids]
    return tune, test


def main() -> int:
    lines = [ln for ln in (HERE / "dev.jsonl").read_text("utf-8").splitlines() if ln.strip()]
    tune, test = split(lines)
    outputs = {"tune.jsonl": tune, "test.jsonl": test}
    if "--check" in sys.argv:
        stale = [n for n, rows in outputs.items() if (HERE / n).read_text("utf-8") != "\n".join(rows) + "\n"]
        for name in stale:
            print(f"{name} differs from a fresh split", file=sys.stderr)
        return 1 if stale else 0
    for name, rows in outputs.items():
        text = "\n".join(rows) + "\n"
        (HERE / name).write_text(text, "utf-8")
        print(f"{name}: {len(rows)} cases, sha256 {hashlib.sha256(text.encode()).hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
