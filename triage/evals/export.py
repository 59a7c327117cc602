"""One recorded eval run's cases as CSV (a spreadsheet) or JSONL (a script).

The cases are read from the run's predictions.jsonl (its output directory, kept in `eval_runs`),
so an export is exactly what the run wrote; a run whose directory is gone says so.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

COLUMNS = (
    "id",
    "expected_verdict",
    "expected_reason",
    "expected_category",
    "expected_province",
    "expected_regency",
    "verdict",
    "reason",
    "category",
    "province",
    "regency",
    "outcome",
    "decided_by",
    "confidence",
    "verdict_correct",
    "error",
)


EXPECTED = ("verdict", "reason", "category", "province", "regency")


def _flat(pred: dict[str, Any]) -> dict[str, Any]:
    expected = pred.get("expected") or {}
    return {
        **{k: pred.get(k) for k in COLUMNS if not k.startswith("expected_")},
        **{
            f"expected_{k}": expected.get(k) for k in ("verdict", "reason", "category", "province", "regency")
        },
        "verdict_correct": (pred.get("correct") or {}).get("verdict"),
    }


def render(run: dict[str, Any], fmt: str) -> str:
    path = Path(run["out_dir"] or "") / "predictions.jsonl"
    if not path.is_file():
        raise FileNotFoundError(
            f"run {run['id']} wrote to {run['out_dir']!r}, which no longer holds predictions.jsonl"
        )
    preds = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    if fmt == "jsonl":
        return "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in preds)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, extrasaction="ignore")
    writer.writeheader()
    for p in preds:
        writer.writerow(_flat(p))
    return out.getvalue()
