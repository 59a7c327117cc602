"""Reads for the review page: queues, counts, one report's full record, chart series.

Plain SQL over the shared tables; nothing here writes. "Reviewed" means the audit log holds a
confirm or overturn for the report, so the audit log is the only record of review state.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from triage.schema import TriageResult
from triage.store.database import Database

DECISION_ACTIONS = ("confirm", "overturn")
PER_PAGE = 50
# decision actions so far (`Detail.version`): a form carries it so two reviewers cannot both act
VERSION = (
    "(SELECT COUNT(*) FROM audit_log v "
    "WHERE v.report_id = r.report_id AND v.action IN ('confirm', 'overturn'))"
)
NEIGHBOURHOOD = 1000  # how far along a queue next/previous look
REVIEWED = (
    "EXISTS (SELECT 1 FROM audit_log a WHERE a.report_id = r.report_id "
    "AND a.action IN ('confirm', 'overturn'))"
)

# Queue name -> (Indonesian label, WHERE clause over results r, default order)
QUEUES: dict[str, tuple[str, str, str]] = {
    "ditolak": ("Ditolak", "r.verdict = 'invalid'", "r.confidence ASC, r.created_at DESC"),
    "perlu_info": (
        "Menunggu info warga",
        "r.verdict = 'needs_info' AND r.outcome = 'ask_reporter'",
        "r.created_at DESC",
    ),
    "tinjau": (
        "Perlu ditinjau",
        f"r.outcome = 'review' AND NOT {REVIEWED}",
        "r.confidence ASC, r.created_at ASC",
    ),
    "gerbang": ("Menunggu gerbang evaluasi", "r.outcome = 'awaiting_gate'", "r.created_at ASC"),
    "valid": ("Valid terbaru (cek acak)", "r.verdict = 'valid'", "r.created_at DESC"),
}


@dataclass
class QueueFilter:
    reason: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    conf_min: float | None = None
    conf_max: float | None = None
    unreviewed: bool = False
    order: str = "conf"  # conf (lowest first) | new
    text: str = ""  # words the citizen's text must contain (full-text, accents and case folded)

    def where(self, dialect: str = "sqlite") -> tuple[list[str], list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        match = search_expression(self.text, dialect)
        if match and dialect == "postgresql":
            # the expression of the GIN index `reports_text_search`, so the index is used
            clauses.append(f"{PG_SEARCHED.format('p.text')} @@ to_tsquery('simple', ?)")
            params.append(match)
        elif match:
            clauses.append("p.rowid IN (SELECT rowid FROM reports_fts WHERE reports_fts MATCH ?)")
            params.append(match)
        if self.reason:
            clauses.append("r.reason = ?")
            params.append(self.reason)
        if self.date_from:
            clauses.append("r.created_at >= ?")
            params.append(self.date_from.isoformat())
        if self.date_to:
            clauses.append("r.created_at < ?")
            params.append((self.date_to + timedelta(days=1)).isoformat())
        if self.conf_min is not None:
            clauses.append("r.confidence >= ?")
            params.append(self.conf_min)
        if self.conf_max is not None:
            clauses.append("r.confidence <= ?")
            params.append(self.conf_max)
        if self.unreviewed:
            clauses.append(f"NOT {REVIEWED}")
        return clauses, params


# PostgreSQL: the indexed expression of revision 0001's `reports_text_search` (accents folded by
# translate(), which is immutable and needs no extension). The two must stay identical.
_FOLD_FROM = (
    "ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝàáâãäåçèéêëìíîïñòóôõöùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĒēĔĕĖėĘęĚěĜĝ"
    "ĞğĠġĢģĤĥĨĩĪīĬĭĮįİĴĵĶķĹĺĻļĽľŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽžſ"
)
_FOLD_TO = (
    "AAAAAACEEEEIIIINOOOOOUUUUYaaaaaaceeeeiiiinooooouuuuyyAaAaAaCcCcCcCcDdEeEeEeEeEeGg"
    "GgGgGgHhIiIiIiIiIJjKkLlLlLlNnNnNnOoOoOoRrRrRrSsSsSsSsTtTtUuUuUuUuUuUuWwYyYZzZzZzs"
)
PG_SEARCHED = "to_tsvector('simple', translate(coalesce({}, ''), '" + _FOLD_FROM + "', '" + _FOLD_TO + "'))"


def fold_accents(word: str) -> str:
    return word.translate(str.maketrans(_FOLD_FROM, _FOLD_TO))


def search_expression(text: str, dialect: str = "sqlite") -> str:
    """A full-text query from what a reviewer typed: every word must occur, the last as a prefix.

    Each word is quoted (FTS5 or tsquery syntax - AND, NEAR, column filters, stray quotes - is
    never interpreted), so any input is a valid query and none is an error.
    """
    words = re.findall(r"\w+", text, flags=re.UNICODE)[:12]
    if not words:
        return ""
    if dialect == "postgresql":  # accents folded as the index folds them
        terms = [f"'{fold_accents(w).lower()}'" for w in words]
        terms[-1] += ":*"
        return " & ".join(terms)
    quoted = [f'"{w}"' for w in words]
    quoted[-1] += "*"
    return " ".join(quoted)


def counts(db: Database) -> dict[str, int]:
    out = {}
    for name, (_, where, _) in QUEUES.items():
        out[name] = db.execute(f"SELECT COUNT(*) FROM results r WHERE {where}").fetchone()[0]
    return out


@dataclass
class Page:
    rows: list[dict[str, Any]]
    total: int  # every row the queue and filters match
    page: int  # 1-based
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def first(self) -> int:
        return (self.page - 1) * self.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return self.first + len(self.rows) - 1 if self.rows else 0


def queue(
    db: Database,
    name: str,
    filt: QueueFilter | None = None,
    page: int = 1,
    per_page: int | None = None,
) -> Page:
    """One page of a queue under the filters, with the total they match (PER_PAGE a page)."""
    per_page = per_page or PER_PAGE
    _, where, order = QUEUES[name]
    filt = filt or QueueFilter()
    clauses, params = filt.where(db.dialect)
    if filt.order == "new":
        order = "r.created_at DESC"
    joined = "FROM results r JOIN reports p ON p.report_id = r.report_id WHERE " + " AND ".join(
        [where, *clauses]
    )
    total = int(db.execute(f"SELECT COUNT(*) {joined}", params).fetchone()[0])
    page = max(1, page)
    sql = (
        "SELECT r.report_id, r.verdict, r.reason, r.category, r.province, r.regency, r.confidence, "
        "r.decided_by, r.outcome, r.created_at, p.text, "
        f"{REVIEWED} AS reviewed, {VERSION} AS version {joined} "
        f"ORDER BY {order}, r.report_id LIMIT ? OFFSET ?"
    )
    rows = list(db.query(sql, [*params, per_page, (page - 1) * per_page]))
    return Page(rows, total, page, per_page)


@dataclass
class Detail:
    report: dict[str, Any]
    row: dict[str, Any]
    result: TriageResult
    messages: list[dict[str, Any]]
    attempts: list[dict[str, Any]]
    audit: list[dict[str, Any]]
    outbox: list[dict[str, Any]] = field(default_factory=list)

    @property
    def version(self) -> int:
        """Decision actions so far; a form carries it so two reviewers cannot both act on one view."""
        return sum(1 for a in self.audit if a["action"] in DECISION_ACTIONS)


def known_queue(name: str | None) -> str | None:
    """The queue's name when it is one, else None (names come from URLs and forms)."""
    return name if name in QUEUES else None


def neighbours(db: Database, queue_name: str, report_id: str) -> tuple[str | None, str | None]:
    """The reports before and after this one in a queue's order (None at either end, or when the
    report is not in the queue: then the first item is "after")."""
    ids = [r["report_id"] for r in queue(db, queue_name, per_page=NEIGHBOURHOOD).rows]
    if report_id not in ids:
        return None, ids[0] if ids else None
    at = ids.index(report_id)
    return (ids[at - 1] if at > 0 else None), (ids[at + 1] if at + 1 < len(ids) else None)


def system_decision(d: Detail) -> TriageResult:
    """The system's own decision, before any reviewer touched it (kept in the first reviewer's
    audit row); the current result when nobody has decided yet."""
    for a in d.audit:
        if a["action"] in DECISION_ACTIONS and a["detail_obj"].get("result_before"):
            return TriageResult.model_validate(a["detail_obj"]["result_before"])
    return d.result


def detail(db: Database, report_id: str) -> Detail | None:
    rows = list(db.query("SELECT * FROM results WHERE report_id = ?", [report_id]))
    reports = list(db.query("SELECT * FROM reports WHERE report_id = ?", [report_id]))
    if not rows or not reports:
        return None
    return Detail(
        report=reports[0],
        row=rows[0],
        result=TriageResult.model_validate_json(rows[0]["result"]),
        messages=list(
            db.query("SELECT * FROM messages WHERE report_id = ? ORDER BY ts, message_id", [report_id])
        ),
        attempts=list(db.query("SELECT * FROM llm_attempts WHERE report_id = ? ORDER BY id", [report_id])),
        audit=audit_rows(db, report_id),
        outbox=list(db.query("SELECT * FROM outbox WHERE report_id = ? ORDER BY id", [report_id])),
    )


def audit_rows(db: Database, report_id: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM audit_log"
    params: list[Any] = []
    if report_id is not None:
        sql += " WHERE report_id = ?"
        params.append(report_id)
    sql += " ORDER BY id DESC" if report_id is None else " ORDER BY id"
    if limit:
        sql += f" LIMIT {int(limit)}"
    rows = list(db.query(sql, params))
    for r in rows:
        r["detail_obj"] = json.loads(r["detail"]) if r["detail"] else {}
    return rows


# ------------------------------------------------------------------ chart series


def _days(n: int, today: date | None = None) -> list[str]:
    today = today or datetime.now(UTC).date()
    return [(today - timedelta(days=n - 1 - i)).isoformat() for i in range(n)]


def verdict_per_day(db: Database, days: int = 14) -> tuple[list[str], dict[str, list[int]]]:
    labels = _days(days)
    series: dict[str, list[int]] = {v: [0] * days for v in ("valid", "needs_info", "invalid")}
    index = {d: i for i, d in enumerate(labels)}
    for row in db.query(
        "SELECT substr(created_at, 1, 10) AS d, verdict, COUNT(*) AS n FROM results "
        "WHERE created_at >= ? GROUP BY d, verdict",
        [labels[0]],
    ):
        if row["d"] in index and row["verdict"] in series:
            series[row["verdict"]][index[row["d"]]] = row["n"]
    return labels, series


def overturn_rate(db: Database) -> list[tuple[str, int, int]]:
    """(model's reason or verdict, reviewed, overturned) from each report's first decision action."""
    sql = (
        "SELECT COALESCE(a.from_reason, a.from_verdict) AS k, COUNT(*) AS n, "
        "SUM(CASE WHEN a.action = 'overturn' THEN 1 ELSE 0 END) AS o FROM audit_log a "
        "WHERE a.id IN (SELECT MIN(id) FROM audit_log WHERE action IN ('confirm', 'overturn') "
        "GROUP BY report_id) GROUP BY k ORDER BY n DESC"
    )
    return [(r["k"] or "?", r["n"], r["o"] or 0) for r in db.query(sql)]


def review_queue_over_time(db: Database, days: int = 14) -> tuple[list[str], list[int]]:
    """Size of the review queue at the end of each day.

    A report enters when its result is written with outcome review and leaves with its first
    decision action (whose from_outcome remembers it was in review).
    """
    labels = _days(days)
    entered = [
        r["created_at"]
        for r in db.query(
            "SELECT r.created_at FROM results r WHERE r.outcome = 'review' UNION ALL "
            "SELECT r.created_at FROM results r JOIN audit_log a ON a.report_id = r.report_id "
            "WHERE a.id IN (SELECT MIN(id) FROM audit_log WHERE action IN ('confirm', 'overturn') "
            "GROUP BY report_id) AND a.from_outcome = 'review' AND r.outcome != 'review'"
        )
    ]
    left = [
        r["created_at"]
        for r in db.query(
            "SELECT a.created_at FROM audit_log a WHERE a.from_outcome = 'review' AND a.id IN "
            "(SELECT MIN(id) FROM audit_log WHERE action IN ('confirm', 'overturn') GROUP BY report_id)"
        )
    ]
    sizes = []
    for d in labels:
        end = (date.fromisoformat(d) + timedelta(days=1)).isoformat()
        sizes.append(sum(1 for t in entered if t < end) - sum(1 for t in left if t < end))
    return labels, sizes
