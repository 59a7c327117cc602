"""The reviewers' queues (/review/q/NAME): filters, full-text search, paging, bulk confirm.

A queue is where a reviewer starts: the report pages (`routes`) keep the queue it came from, so
an action can open the next report of the same queue.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from triage.review import actions, claims, queries
from triage.review.highlight import mask
from triage.review.per_request import as_date, as_float, open_db, require_post, require_session
from triage.review.rendering import FLASH, REASON_LABELS, error_page, render

router = APIRouter(prefix="/review", tags=["review"])


def _id_date(value: date | None) -> str:
    """Shown back as Indonesians write dates (the browser's date input follows its own locale)."""
    return value.strftime("%d/%m/%Y") if value else ""


@router.get("/", response_class=HTMLResponse)
def home(request: Request) -> Response:
    return queue_page(request, "ditolak")


@router.post("/q/{name}/confirm")
def confirm_selected(
    request: Request,
    name: str,
    csrf: Annotated[str, Form()] = "",
    ids: Annotated[list[str] | None, Form()] = None,
    note: Annotated[str, Form()] = "",
) -> Response:
    """Several rejections of one reason confirmed at once (each audited on its own)."""
    with open_db(request) as db:
        session = require_post(request, db, csrf)
        queue = queries.known_queue(name) or "ditolak"
        items: list[tuple[str, int]] = []
        for raw in ids or []:
            report_id, _, version = raw.rpartition(":")
            if report_id and version.isdigit():
                items.append((report_id, int(version)))
        try:
            done = actions.confirm_many(db, items, session.user, note.strip()[:2000])
        except actions.ActionError as exc:
            # shown on the queue itself: a message in the URL could be forged into a link
            return _queue_view(request, queue, error=exc)
        for report_id in done:
            actions.tell_citizen(db, request.app.state.settings, report_id)
    return RedirectResponse(f"/review/q/{queue}?ok=bulk&n={len(done)}", 303)


@router.get("/q/{name}", response_class=HTMLResponse)
def queue_page(
    request: Request,
    name: str,
    alasan: str | None = None,
    dari: str | None = None,
    sampai: str | None = None,
    conf_min: Annotated[str | None, Query(alias="min")] = None,
    conf_max: Annotated[str | None, Query(alias="max")] = None,
    belum: str | None = None,
    urut: str = "conf",
    q: Annotated[str, Query(max_length=200)] = "",
    hal: str | None = None,
    ok: str | None = None,
    selesai: str | None = None,
    n: str | None = None,
) -> Response:
    filters = (alasan, dari, sampai, conf_min, conf_max, belum, urut, q, hal)
    return _queue_view(request, name, *filters, ok, selesai, n)


def _queue_view(
    request: Request,
    name: str,
    alasan: str | None = None,
    dari: str | None = None,
    sampai: str | None = None,
    conf_min: str | None = None,
    conf_max: str | None = None,
    belum: str | None = None,
    urut: str = "conf",
    q: str = "",
    hal: str | None = None,
    ok: str | None = None,
    selesai: str | None = None,
    n: str | None = None,
    error: actions.ActionError | None = None,
) -> Response:
    with open_db(request) as db:
        session = require_session(request, db)
        if name not in queries.QUEUES:
            return error_page(request, session, 404, "Antrean tidak dikenal.")
        filt = queries.QueueFilter(
            reason=alasan if alasan in REASON_LABELS else None,
            date_from=as_date(dari),
            date_to=as_date(sampai),
            conf_min=as_float(conf_min),
            conf_max=as_float(conf_max),
            unreviewed=bool(belum),
            order="new" if urut == "new" else "conf",
            text=q,
        )
        found = queries.queue(db, name, filt, page=int(hal) if hal and hal.isdigit() else 1)
        rows = found.rows
        held = claims.current(db, [r["report_id"] for r in rows])
        for r in rows:
            r["preview"] = mask(" ".join((r["text"] or "").split())[:160])
            r["held_by"] = held[r["report_id"]].username if r["report_id"] in held else None
        return render(
            request,
            "queue.html",
            {
                "name": name,
                "title": queries.QUEUES[name][0],
                "rows": rows,
                "found": found,
                "counts": queries.counts(db),
                "flash": FLASH.get(ok or ""),
                "done_id": selesai,
                "done_n": int(n) if n and n.isdigit() else None,
                "error": error.message if error else None,
                "f": {
                    "alasan": filt.reason or "",
                    "dari": _id_date(filt.date_from),
                    "sampai": _id_date(filt.date_to),
                    "min": conf_min or "",
                    "max": conf_max or "",
                    "belum": bool(belum),
                    "urut": filt.order,
                    "q": q,
                },
                # the filters as a query string, for the pager's links (sort order kept)
                "kept": urlencode(
                    {
                        k: v
                        for k, v in {
                            "alasan": filt.reason or "",
                            "dari": dari or "",
                            "sampai": sampai or "",
                            "min": conf_min or "",
                            "max": conf_max or "",
                            "belum": "1" if belum else "",
                            "urut": filt.order,
                            "q": q,
                        }.items()
                        if v
                    }
                ),
            },
            error.status if error else 200,
            session=session,
        )
