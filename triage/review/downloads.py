"""The review page's downloads: the audit log as CSV and reviewed reports as eval cases (JSONL).

Split out of `routes` (grown past the module size limit); `export` builds the bodies, this serves
them to a signed-in reviewer. `routes.install` adds this router next to the pages' one.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from triage.review import export, queries
from triage.review.per_request import as_date, open_db, require_session

router = APIRouter(prefix="/review", tags=["review"])


@router.get("/audit.csv")
def audit_csv(request: Request, report: str | None = None) -> Response:
    with open_db(request) as db:
        require_session(request, db)
        body = export.audit_csv(
            reversed(queries.audit_rows(db, report)) if report is None else queries.audit_rows(db, report)
        )
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="audit-log.csv"', "Cache-Control": "no-store"},
    )


@router.get("/export.jsonl")
def export_cases(request: Request, since: str | None = None) -> Response:
    with open_db(request) as db:
        require_session(request, db)
        body = export.eval_cases_jsonl(db, as_date(since))
    return Response(
        body,
        media_type="application/x-ndjson; charset=utf-8",
        headers={
            "Content-Disposition": 'attachment; filename="review-cases.jsonl"',
            "Cache-Control": "no-store",
        },
    )
