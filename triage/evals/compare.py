"""Comparing a run with an earlier one: metric deltas and the cases whose verdict flipped.

The earlier run is a directory (metrics.json + predictions.jsonl) or a recorded run id, whose
directory is read from `eval_runs.out_dir`. Only cases present in both runs are compared.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triage.evals.metrics import CONTRACT_KEYS, LOWER_IS_BETTER
from triage.store.database import Database

Prediction = dict[str, Any]


class CompareError(ValueError):
    pass


@dataclass
class Comparison:
    previous: str
    deltas: list[dict[str, Any]] = field(default_factory=list)
    fixed: list[dict[str, Any]] = field(default_factory=list)  # wrong before, right now
    broken: list[dict[str, Any]] = field(default_factory=list)  # right before, wrong now
    changed: list[dict[str, Any]] = field(default_factory=list)  # wrong both times, different verdict
    relabelled: list[dict[str, Any]] = field(default_factory=list)  # the expected label itself changed
    only_now: int = 0
    only_before: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "previous": self.previous,
            "deltas": self.deltas,
            "fixed": self.fixed,
            "broken": self.broken,
            "changed": self.changed,
            "relabelled": self.relabelled,
            "only_now": self.only_now,
            "only_before": self.only_before,
            "warnings": self.warnings,
        }


def resolve(previous: str, db: Database | None) -> Path:
    """A run directory from a path or a recorded run id."""
    path = Path(previous)
    if path.is_dir():
        return path
    if previous.isdigit() and db is not None:
        from triage.evals import runs

        run = runs.get(db, int(previous))
        if run is None:
            raise CompareError(f"no recorded eval run with id {previous}")
        if not run["out_dir"] or not Path(run["out_dir"]).is_dir():
            raise CompareError(f"run {previous} wrote to {run['out_dir']!r}, which no longer exists")
        return Path(run["out_dir"])
    raise CompareError(f"{previous!r} is neither a run directory nor a recorded run id")


def load_run(directory: Path) -> tuple[dict[str, Any], list[Prediction]]:
    metrics_file, preds_file = directory / "metrics.json", directory / "predictions.jsonl"
    if not metrics_file.exists() or not preds_file.exists():
        raise CompareError(f"{directory} has no metrics.json and predictions.jsonl")
    metrics = json.loads(metrics_file.read_text("utf-8"))
    preds = [json.loads(line) for line in preds_file.read_text("utf-8").splitlines() if line.strip()]
    return metrics, preds


def _verdict_right(pred: Prediction) -> bool:
    correct = pred.get("correct") or {}
    if "verdict" in correct:
        return bool(correct["verdict"])
    expected = (pred.get("expected") or {}).get("verdict")
    return not pred.get("error") and pred.get("verdict") == expected


def _shown(pred: Prediction) -> str:
    return "error" if pred.get("error") else str(pred.get("verdict"))


def compare(
    metrics: dict[str, Any],
    preds: list[Prediction],
    prev_metrics: dict[str, Any],
    prev_preds: list[Prediction],
    previous: str,
) -> Comparison:
    out = Comparison(previous=previous)
    for key in CONTRACT_KEYS:
        now, before = metrics.get(key), prev_metrics.get(key)
        row: dict[str, Any] = {"key": key, "now": now, "before": before, "delta": None, "better": None}
        if isinstance(now, int | float) and isinstance(before, int | float):
            delta = round(now - before, 4)
            row["delta"] = 0.0 if delta == 0 else delta  # never "-0"
            if key not in ("n", "errors") and row["delta"] != 0:
                row["better"] = (row["delta"] < 0) == (key in LOWER_IS_BETTER)
            elif key == "errors" and row["delta"] != 0:
                row["better"] = row["delta"] < 0
        out.deltas.append(row)
    before_by_id = {p["id"]: p for p in prev_preds}
    now_ids = {p["id"] for p in preds}
    out.only_before = sum(1 for i in before_by_id if i not in now_ids)
    for pred in preds:
        old = before_by_id.get(pred["id"])
        if old is None:
            out.only_now += 1
            continue
        item = {
            "id": pred["id"],
            "expected": (pred.get("expected") or {}).get("verdict"),
            "before": _shown(old),
            "now": _shown(pred),
        }
        expected_before = (old.get("expected") or {}).get("verdict")
        if expected_before != item["expected"]:  # the label moved, not the system
            out.relabelled.append({**item, "expected_before": expected_before})
            continue
        right_now, right_before = _verdict_right(pred), _verdict_right(old)
        if right_now and not right_before:
            out.fixed.append(item)
        elif right_before and not right_now:
            out.broken.append(item)
        elif item["before"] != item["now"]:
            out.changed.append(item)
    out.warnings = _differences(
        metrics, prev_metrics, len(preds), len(prev_preds), out.only_now, out.only_before
    )
    return out


def _differences(
    metrics: dict[str, Any], prev: dict[str, Any], n_now: int, n_before: int, only_now: int, only_before: int
) -> list[str]:
    """What makes the two runs' figures not like for like: said before any delta is read."""
    out = []
    run, run_before = metrics.get("run") or {}, prev.get("run") or {}
    if only_now or only_before:
        common = n_now - only_now
        out.append(
            f"the runs scored different cases ({n_before} before, {n_now} now, {common} in common): the "
            "metric deltas compare different sets; the case lists below use the cases in common"
        )
    elif (
        run.get("dataset_hash")
        and run_before.get("dataset_hash")
        and run["dataset_hash"] != run_before["dataset_hash"]
    ):
        out.append("the dataset files differ (same case ids): labels or texts changed between the runs")
    for key, what in (("prompt_hash", "prompt"), ("schema_version", "answer schema")):
        if run.get(key) and run_before.get(key) and run[key] != run_before[key]:
            out.append(f"the {what} differs ({str(run_before[key])[:12]} -> {str(run[key])[:12]})")
    if metrics.get("model") and prev.get("model") and metrics["model"] != prev["model"]:
        out.append(f"the model differs ({prev['model']} -> {metrics['model']})")
    return out


def _fmt(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 100 else f"{value:.0f}"
    return str(value)


def render_text(c: Comparison) -> str:
    """Plain text for the terminal (and the Markdown report)."""
    lines = [f"Compared with {c.previous}:", ""]
    for w in c.warnings:
        lines.append(f"  WARNING: {w}")
    if c.warnings:
        lines.append("")
    for d in c.deltas:
        if d["delta"] is None and d["now"] == d["before"]:
            continue
        mark = {True: " (better)", False: " (worse)", None: ""}[d["better"]]
        delta = _fmt(d["delta"]) if d["delta"] is not None else "changed"
        delta = delta if delta.startswith("-") or delta == "changed" else "+" + delta
        lines.append(f"  {d['key']:<22} {_fmt(d['before']):>10} -> {_fmt(d['now']):<10} {delta}{mark}")
    lines.append("")
    for title, rows in (
        ("now right (were wrong)", c.fixed),
        ("now wrong (were right)", c.broken),
        ("still wrong, verdict changed", c.changed),
    ):
        lines.append(f"{title}: {len(rows)}")
        for r in rows:
            lines.append(f"  {r['id']}: expected {r['expected']}, {r['before']} -> {r['now']}")
    if c.relabelled:
        lines.append(f"expected label changed (not counted as fixed or broken): {len(c.relabelled)}")
        for r in c.relabelled:
            lines.append(
                f"  {r['id']}: expected {r['expected_before']} -> {r['expected']}, "
                f"judged {r['before']} -> {r['now']}"
            )
    if c.only_now or c.only_before:
        lines.append(f"cases only in this run: {c.only_now}; only in the earlier run: {c.only_before}")
    return "\n".join(lines)
