"""The blind second review (/review/kedua): the list of reports due one, and a page that shows
the messages and the system's decision but never the first reviewer's verdict."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from triage.review import actions, queries, second_review
from triage.review.auth import Session
from triage.review.highlight import highlight, mask, mask_sender
from triage.review.per_request import open_db, require_post, require_session
from triage.review.rendering import REASON_LABELS, VERDICT_LABELS, error_page, render
from triage.store.database import Database
from triage.store.reports import Store

router = APIRouter(prefix="/review", tags=["review"])


@router.get("/kedua", response_class=HTMLResponse)
def second_list(request: Request, ok: str | None = None) -> Response:
    with open_db(request) as db:
        session = require_session(request, db)
        rows = [
            {**r, "preview": mask(" ".join((r["text"] or "").split())[:160])}
            for r in second_review.pending(db, session.user)
        ]
        return render(
            request,
            "second_list.html",
            {"rows": rows, "counts": queries.counts(db), "done": ok == "kedua"},
            session=session,
        )


def _page(
    request: Request, db: Database, session: Session, report_id: str, error: str | None, status: int = 200
) -> HTMLResponse:
    due = second_review.due(db, report_id)
    d = queries.detail(db, report_id)
    if due is None or d is None:
        return error_page(request, session, 404, "Tidak ada tinjauan kedua yang menunggu untuk laporan ini.")
    system = queries.system_decision(d)  # never the first reviewer's verdict: the page is blind
    report = Store(db).report(report_id)
    evidences = [r.evidence for r in system.reasons if r.evidence not in ("-", "(kosong)")]
    messages = [
        {"ts": m.timestamp.isoformat(), "html": highlight(m.content, evidences)[0]} for m in report.messages
    ]
    return render(
        request,
        "second_review.html",
        {
            "report_id": report_id,
            "sender": mask_sender(report.sender or ""),
            "messages": messages,
            "system": system,
            "own": due["first_actor"] == session.user.username,
            "verdicts": VERDICT_LABELS,
            "reasons": REASON_LABELS,
            "error": error,
            "counts": queries.counts(db),
        },
        status,
        session=session,
    )


@router.get("/kedua/{report_id}", response_class=HTMLResponse)
def second_page(request: Request, report_id: str) -> Response:
    with open_db(request) as db:
        session = require_session(request, db)
        return _page(request, db, session, report_id, None)


@router.post("/kedua/{report_id}")
def second_submit(
    request: Request,
    report_id: str,
    csrf: Annotated[str, Form()] = "",
    verdict: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    with open_db(request) as db:
        session = require_post(request, db, csrf)
        try:
            second_review.record(db, report_id, session.user, verdict, reason or None)
        except actions.ActionError as exc:
            return _page(request, db, session, report_id, exc.message, exc.status)
    return RedirectResponse("/review/kedua?ok=kedua", 303)
