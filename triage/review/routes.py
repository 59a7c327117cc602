"""HTTP routes of the review page (/review): server-rendered, Indonesian, usable on a phone.

Every state change is a POST carrying the session's CSRF token; every page sends a strict
Content-Security-Policy (scripts and styles only from /review/static) and `no-store`, since
pages show citizens' messages. Handlers are sync and open their own SQLite connection.

This module holds the pages themselves (login, queues, a report's detail and the reviewer's
decisions on it, overview, audit); what every request goes through is in `per_request`, how a
page is drawn in `rendering`, and the CSV/JSONL downloads in `downloads`, each split out to keep
the handlers readable and this module under the size limit.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from triage import reference
from triage.config import Settings
from triage.review import actions, charts, claims, downloads, queries, second_review
from triage.review.auth import (
    Session,
    authenticate,
    create_session,
    csrf_ok,
    end_session,
    list_users,
    load_session,
    record_attempt,
    too_many_failures,
)
from triage.review.desk_stats import SLA_WORKING_DAYS, desk_stats
from triage.review.highlight import highlight, mask, mask_sender
from triage.review.per_request import (
    COOKIE,
    LOGIN_CSRF_COOKIE,
    client_ip,
    open_db,
    require_post,
    require_session,
    safe_next,
    secure_cookies,
)
from triage.review.rendering import (
    FLASH,
    MISSING_LABELS,
    REASON_LABELS,
    VERDICT_LABELS,
    error_page,
    render,
)
from triage.schema import InvalidReason, MissingField, Verdict
from triage.store.database import Database, connect
from triage.store.reports import Store

HERE = Path(__file__).parent

router = APIRouter(prefix="/review", tags=["review"])


def install(app: FastAPI) -> None:
    """Add the review page to an app (called from `triage.app.create_app`)."""
    connect(app.state.settings.db).close()  # create/migrate once, before the first request
    from triage.review import media_files, queue_pages, second_pages

    app.include_router(router)
    app.include_router(queue_pages.router)
    app.include_router(second_pages.router)
    app.include_router(downloads.router)
    app.include_router(media_files.router)
    app.mount("/review/static", StaticFiles(directory=HERE / "static"), name="review-static")


# ------------------------------------------------------------------ login


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/review/") -> Response:
    with open_db(request) as db:
        if load_session(db, request.cookies.get(COOKIE)):
            return RedirectResponse(safe_next(next), 303)
    token = secrets.token_urlsafe(24)
    resp = render(request, "login.html", {"login_csrf": token, "next": safe_next(next), "error": None})
    resp.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=secure_cookies(request),
        path="/review",
    )
    return resp


@router.post("/login")
def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/review/",
) -> Response:
    ip = client_ip(request)
    username = username.strip()[:64]

    def refuse(message: str, status: int) -> HTMLResponse:
        resp = render(
            request,
            "login.html",
            {
                "login_csrf": request.cookies.get(LOGIN_CSRF_COOKIE, ""),
                "next": safe_next(next),
                "error": message,
            },
            status,
        )
        return resp

    if not csrf_ok(request.cookies.get(LOGIN_CSRF_COOKIE), csrf):
        return error_page(request, None, 403, "Token CSRF tidak valid. Buka halaman masuk lagi.")
    with open_db(request) as db:
        if too_many_failures(db, username, ip):
            return refuse("Terlalu banyak percobaan gagal. Coba lagi dalam 15 menit.", 429)
        user = authenticate(db, username, password)
        record_attempt(db, username, ip, user is not None)
        if user is None:
            return refuse("Nama pengguna atau kata sandi salah.", 401)
        token = create_session(db, user, ip)
    resp = RedirectResponse(safe_next(next), 303)
    resp.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="lax",
        secure=secure_cookies(request),
        path="/review",
        max_age=12 * 3600,
    )
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/review")
    return resp


@router.post("/logout")
def logout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    with open_db(request) as db:
        session = require_post(request, db, csrf)
        end_session(db, session)
    resp = RedirectResponse("/review/login", 303)
    resp.delete_cookie(COOKIE, path="/review")
    return resp


# ------------------------------------------------------------------ queues


@router.get("", include_in_schema=False)
def root_noslash() -> Response:
    return RedirectResponse("/review/", 307)


# ------------------------------------------------------------------ detail


def detail_context(db: Database, d: queries.Detail, settings: Settings) -> dict[str, Any]:
    original = queries.system_decision(d)
    evidences: list[str] = []
    for r in [*original.reasons, *d.result.reasons]:
        if r.evidence not in ("-", "(kosong)") and r.evidence not in evidences:
            evidences.append(r.evidence)
    report = Store(db).report(d.row["report_id"])
    unfetched = _media_problems(db, [m.media_id for m in report.messages if m.media_id and m.media is None])
    found: set[int] = set()
    messages = []
    for m in report.messages:
        html, hit = highlight(m.content, evidences)
        found |= hit
        messages.append(
            {
                "ts": m.timestamp.isoformat(),
                "type": m.type.value,
                "html": html,
                "media": m.media,
                "heard": m.transcript.confidence if m.transcript is not None else None,
                "unfetched": unfetched.get(m.media_id or ""),
            }
        )
    attempts = [
        {
            **a,
            "response_masked": mask(a["response_raw"]),
            "error_masked": mask(a["error"]),
            "pretty": _pretty(mask(a["response_raw"])),
        }
        for a in d.attempts
    ]
    rid = d.row["report_id"]
    return {
        "claim": claims.current(db, [rid]).get(rid),
        "reviewers": [u["username"] for u in list_users(db) if not u["disabled"]],
        "d": d,
        "r": d.result,
        "row": d.row,
        "original": original,
        "overturned": original is not d.result,
        "sender": mask_sender(d.report["sender"] or ""),
        "messages": messages,
        "evidences": evidences,
        "found": found,
        "attempts": attempts,
        "categories": reference.category_names(),
        # what an overturn to valid would send: the current complaint, or the one a decision drafts
        "proposed": d.result.complaint or actions.proposed_complaint(d.result, report.text),
        "regencies": sorted(r.name for r in reference.regions().regencies.values()),
        "version": d.version,
        "low_transcript": settings.asr_min_confidence,
    }


def _media_problems(db: Database, media_ids: list[str]) -> dict[str, str]:
    """Why a file is not on the page: refused (too large, not its type) or not fetched (yet)."""
    if not media_ids:
        return {}
    rows = db.query(
        f"SELECT media_id, status, error FROM media WHERE media_id IN ({','.join('?' * len(media_ids))})",
        media_ids,
    )
    return {
        r["media_id"]: f"{'ditolak' if r['status'] == 'refused' else 'gagal diunduh'}: {r['error']}"
        for r in rows
    }


def _pretty(text: str) -> str:
    try:
        return json.dumps(json.loads(text), ensure_ascii=False, indent=2)
    except (ValueError, TypeError):
        return text


def _in_queue(db: Database, ctx: dict[str, Any], antrean: str | None, report_id: str) -> None:
    """The queue the reviewer came from, and the reports before and after this one in it."""
    queue = queries.known_queue(antrean)
    prev_id, next_id = queries.neighbours(db, queue, report_id) if queue else (None, None)
    ctx.update(antrean=queue, prev_id=prev_id, next_id=next_id)


@router.get("/r/{report_id}", response_class=HTMLResponse)
def detail_page(
    request: Request,
    report_id: str,
    ok: str | None = None,
    antrean: str | None = None,
    selesai: str | None = None,
) -> Response:
    with open_db(request) as db:
        session = require_session(request, db)
        d = queries.detail(db, report_id)
        if d is None:
            return error_page(request, session, 404, "Laporan tidak ditemukan.")
        ctx = detail_context(db, d, request.app.state.settings)
        ctx.update(counts=queries.counts(db), flash=FLASH.get(ok or ""), error=None, done_id=selesai)
        _in_queue(db, ctx, antrean, report_id)
        return render(request, "detail.html", ctx, session=session)


def _next_in(db: Database, antrean: str | None, report_id: str) -> str | None:
    """Looked up before the action: an action can move the report out of its queue."""
    queue = queries.known_queue(antrean)
    return queries.neighbours(db, queue, report_id)[1] if queue else None


def _onwards(antrean: str | None, report_id: str, next_id: str | None, flash: str) -> RedirectResponse:
    """After an action: the next report of the queue the reviewer came from, else the queue (at
    its end), else this report again (opened from elsewhere)."""
    queue = queries.known_queue(antrean)
    if queue:
        after = f"ok={flash}&selesai={quote(report_id)}"
        if next_id:
            return RedirectResponse(f"/review/r/{quote(next_id)}?antrean={queue}&{after}", 303)
        return RedirectResponse(f"/review/q/{queue}?{after}", 303)
    return RedirectResponse(f"/review/r/{quote(report_id)}?ok={flash}", 303)


def _stay(report_id: str, antrean: str, flash: str) -> RedirectResponse:
    """After an action that leaves the report to decide (take, assign): the same report again,
    still in the queue it was opened from."""
    back = f"?antrean={quote(antrean)}&ok={flash}" if queries.known_queue(antrean) else f"?ok={flash}"
    return RedirectResponse(f"/review/r/{quote(report_id)}{back}", 303)


def _after_action(
    request: Request,
    db: Database,
    session: Session,
    report_id: str,
    exc: actions.ActionError,
    antrean: str = "",
) -> HTMLResponse:
    d = queries.detail(db, report_id)
    if d is None:
        return error_page(request, session, exc.status, exc.message)
    ctx = detail_context(db, d, request.app.state.settings)
    ctx.update(counts=queries.counts(db), flash=None, error=exc.message)
    _in_queue(db, ctx, antrean, report_id)
    return render(request, "detail.html", ctx, exc.status, session)


@router.post("/r/{report_id}/confirm")
def confirm(
    request: Request,
    report_id: str,
    csrf: Annotated[str, Form()] = "",
    version: Annotated[int | None, Form()] = None,
    note: Annotated[str, Form()] = "",
    antrean: Annotated[str, Form()] = "",
) -> Response:
    with open_db(request) as db:
        session = require_post(request, db, csrf)
        next_id = _next_in(db, antrean, report_id)
        try:
            actions.confirm(db, report_id, session.user, note, version)
        except actions.ActionError as exc:
            return _after_action(request, db, session, report_id, exc, antrean)
        actions.tell_citizen(db, request.app.state.settings, report_id)
    return _onwards(antrean, report_id, next_id, "confirm")


@router.post("/r/{report_id}/overturn")
def overturn(
    request: Request,
    report_id: str,
    csrf: Annotated[str, Form()] = "",
    version: Annotated[int | None, Form()] = None,
    verdict: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    missing: Annotated[list[str] | None, Form()] = None,
    category: Annotated[str, Form()] = "",
    regency: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
    antrean: Annotated[str, Form()] = "",
) -> Response:
    with open_db(request) as db:
        session = require_post(request, db, csrf)
        next_id = _next_in(db, antrean, report_id)
        try:
            if verdict not in VERDICT_LABELS:
                raise actions.ActionError("Pilih keputusan baru.")
            change = actions.Overturn(
                verdict=Verdict(verdict),
                note=note,
                reason=InvalidReason(reason) if reason in REASON_LABELS else None,
                missing=tuple(MissingField(m) for m in (missing or []) if m in MISSING_LABELS),
                category=category.strip() or None,
                regency=regency.strip() or None,
            )
            outcome = actions.overturn(db, report_id, session.user, change, version)
        except actions.ActionError as exc:
            return _after_action(request, db, session, report_id, exc, antrean)
        actions.tell_citizen(db, request.app.state.settings, report_id)
    flash = "sp4n" if outcome.value == "sp4n" else "overturn"
    return _onwards(antrean, report_id, next_id, flash)


@router.post("/r/{report_id}/take")
def take(
    request: Request, report_id: str, csrf: Annotated[str, Form()] = "", antrean: Annotated[str, Form()] = ""
) -> Response:
    """Take the report for a while, so nobody else reviews it meanwhile."""
    with open_db(request) as db:
        session = require_post(request, db, csrf)
        try:
            claims.take(db, report_id, session.user)
        except actions.ActionError as exc:
            return _after_action(request, db, session, report_id, exc, antrean)
    return _stay(report_id, antrean, "take")


@router.post("/r/{report_id}/assign")
def assign(
    request: Request,
    report_id: str,
    csrf: Annotated[str, Form()] = "",
    to: Annotated[str, Form()] = "",
    antrean: Annotated[str, Form()] = "",
) -> Response:
    """An admin gives the report to a reviewer."""
    with open_db(request) as db:
        session = require_post(request, db, csrf)
        try:
            claims.assign(db, report_id, session.user, to.strip())
        except actions.ActionError as exc:
            return _after_action(request, db, session, report_id, exc, antrean)
    return _stay(report_id, antrean, "assign")


@router.post("/r/{report_id}/reveal", response_class=HTMLResponse)
def reveal(
    request: Request,
    report_id: str,
    csrf: Annotated[str, Form()] = "",
    kind: Annotated[str, Form()] = "nik",
    why: Annotated[str, Form()] = "",
) -> Response:
    with open_db(request) as db:
        session = require_post(request, db, csrf)
        try:
            values = actions.reveal(db, report_id, session.user, kind, why)
        except actions.ActionError as exc:
            return error_page(request, session, exc.status, exc.message)
        return render(
            request,
            "reveal.html",
            {"report_id": report_id, "kind": kind, "values": values, "counts": queries.counts(db)},
            session=session,
        )


# ------------------------------------------------------------------ overview, audit


@router.get("/overview", response_class=HTMLResponse)
def overview(request: Request) -> Response:
    with open_db(request) as db:
        session = require_session(request, db)
        labels, series = queries.verdict_per_day(db)
        rates = queries.overturn_rate(db)
        q_labels, q_sizes = queries.review_queue_over_time(db)
        named = [(REASON_LABELS.get(k, VERDICT_LABELS.get(k, k)), n, o) for k, n, o in rates]
        desk = desk_stats(db)
        agreement = [(_decision_label(a.system_label), a) for a in second_review.agreement(db)]
        return render(
            request,
            "overview.html",
            {
                "counts": queries.counts(db),
                "mix_chart": charts.stacked_bars(labels, series, "Campuran keputusan per hari"),
                "rate_chart": charts.rate_bars(named, "Tingkat pembatalan per alasan"),
                "queue_chart": charts.line(q_labels, q_sizes, "Ukuran antrean tinjauan"),
                "rates": named,
                "mix": list(zip(labels, *series.values(), strict=True)),
                "queue_series": list(zip(q_labels, q_sizes, strict=True)),
                "desk": desk,
                "agreement": agreement,
                "sla_days": SLA_WORKING_DAYS,
            },
            session=session,
        )


def _decision_label(code: str) -> str:
    """ "invalid:prank" as a reviewer reads it: "Ditolak (Iseng / lelucon)"; "all" as "Semua"."""
    if code == "all":
        return "Semua"
    verdict, _, reason = code.partition(":")
    name = VERDICT_LABELS.get(verdict, verdict)
    return f"{name} ({REASON_LABELS.get(reason, reason)})" if reason else name


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request) -> Response:
    with open_db(request) as db:
        session = require_session(request, db)
        return render(
            request,
            "audit.html",
            {"rows": queries.audit_rows(db, limit=500), "counts": queries.counts(db)},
            session=session,
        )
