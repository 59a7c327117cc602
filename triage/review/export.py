"""Reviewers' decisions back out: eval cases for the dev set, and the audit log as CSV.

Exported cases only become part of an eval set when someone adds them; nothing here touches the
gate, so a reviewer's overturn can never by itself let a prompt or model through.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from triage.identity import mask_text
from triage.schema import EvalCase, TriageResult
from triage.schema.eval_case import parse_line
from triage.store.database import Database

AUDIT_COLUMNS = [
    "id",
    "created_at",
    "report_id",
    "actor",
    "role",
    "action",
    "from_verdict",
    "from_reason",
    "from_outcome",
    "to_verdict",
    "to_reason",
    "to_outcome",
    "note",
]


def eval_cases(db: Database, since: date | None = None) -> Iterator[dict[str, Any]]:
    """One case per reviewed report: the latest decision is the label, the first one the original."""
    sql = (
        "SELECT a.report_id, MIN(a.id) AS first_id, MAX(a.id) AS last_id FROM audit_log a "
        "WHERE a.action IN ('confirm', 'overturn') GROUP BY a.report_id"
    )
    params: list[Any] = []
    if since is not None:
        sql += " HAVING MAX(a.created_at) >= ?"
        params.append(since.isoformat())
    sql += " ORDER BY last_id"
    for group in list(db.query(sql, params)):
        first = db.table("audit_log").get(group["first_id"])
        last = db.table("audit_log").get(group["last_id"])
        row = db.table("results").get(group["report_id"])
        report = db.table("reports").get(group["report_id"])
        result = TriageResult.model_validate_json(row["result"])
        c = result.complaint
        loc = c.location if c else None
        case = {
            "id": f"review-{group['report_id']}",
            "text": mask_text(report["text"] or ""),
            "expected": {
                "verdict": result.verdict.value,
                "reason": result.reason.value if result.reason else None,
                "category": c.category if c else None,
                "province": loc.province.name if loc and loc.province else None,
                "regency": loc.regency.name if loc and loc.regency else None,
            },
            "source": "review",
            "provenance": {
                "reviewer": last["actor"],
                "reviewed_at": last["created_at"],
                "action": last["action"],
                "original_verdict": first["from_verdict"],
                "original_reason": first["from_reason"],
                "note": mask_text(last["note"] or ""),
            },
        }
        EvalCase.model_validate(case)  # the contract: fail here, not in someone's eval run
        yield case


def _jsonl(cases: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases)


def write_eval_cases(db: Database, out: Path, since: date | None = None) -> int:
    out.parent.mkdir(parents=True, exist_ok=True)
    cases = list(eval_cases(db, since))
    out.write_text(_jsonl(cases), "utf-8")
    return len(cases)


def merge_eval_cases(db: Database, path: Path, since: date | None = None) -> tuple[int, int]:
    """Fold the reviewed cases into a kept file, e.g. evals/reviewed.jsonl, the kind signal learns
    from (`triage signals build`): a report reviewed again replaces its earlier case, the rest is
    appended, and cases from an earlier database stay. Returns (added, replaced).

    Written to a temporary file and renamed, so a failure leaves the kept file as it was.
    """
    kept: dict[str, dict[str, Any]] = {}
    if path.is_file():
        for n, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            if line.strip():
                try:
                    checked = parse_line(line)
                except ValueError as exc:
                    raise ValueError(
                        f"{path}:{n} is not an eval case ({exc}); fix or remove it first"
                    ) from exc
                kept[checked.id] = json.loads(line)
    added = replaced = 0
    for case in eval_cases(db, since):
        if case["id"] in kept:
            replaced += 1
        else:
            added += 1
        kept[case["id"]] = case
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(_jsonl(kept.values()), "utf-8")
    tmp.replace(path)
    return added, replaced


def eval_cases_jsonl(db: Database, since: date | None = None) -> str:
    return _jsonl(eval_cases(db, since))


def _csv_safe(value: Any) -> Any:
    """Cells starting with = + - @ would run as formulas in a spreadsheet; prefix them with '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def audit_csv(rows: Iterable[dict[str, Any]]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(AUDIT_COLUMNS)
    for r in rows:
        writer.writerow(
            [_csv_safe(mask_text(str(r[k])) if k == "note" and r[k] else r[k]) for k in AUDIT_COLUMNS]
        )
    return buf.getvalue()


def parse_since(value: str | None) -> date | None:
    if not value:
        return None
    if value.endswith("d") and value[:-1].isdigit():
        return date.today() - timedelta(days=int(value[:-1]))
    return date.fromisoformat(value)
