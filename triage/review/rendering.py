"""How a review page is drawn: the Jinja2 templates and their filters, the Indonesian labels,
and the strict security headers every page carries.

Split out of `routes` (grown past the module size limit) so the handlers there read as what each
page does; everything that shapes the HTML response lives here.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from triage.review import queries
from triage.review.auth import Session
from triage.review.highlight import mask

HERE = Path(__file__).parent

templates = Jinja2Templates(directory=HERE / "templates")
templates.env.filters["mask"] = mask
templates.env.filters["pct"] = lambda v: f"{v:.0%}" if v is not None else "-"
WIB = timezone(timedelta(hours=7), "WIB")


def wib(value: str | None) -> str:
    """Stored times are UTC; reviewers read Jakarta time (WIB)."""
    if not value:
        return ""
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return value
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(WIB).strftime("%Y-%m-%d %H:%M WIB")


templates.env.filters["ts"] = wib

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; media-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

VERDICT_LABELS = {"valid": "Valid", "needs_info": "Perlu info", "invalid": "Ditolak"}
REASON_LABELS = {
    "prank": "Iseng / lelucon",
    "spam": "Spam / promosi",
    "abusive": "Kasar / ancaman",
    "not_a_complaint": "Bukan pengaduan",
    "out_of_scope": "Di luar wewenang",
}
MISSING_LABELS = {
    "location": "Lokasi",
    "what_happened": "Kejadian",
    "institution": "Instansi",
    "date": "Tanggal",
}
OUTCOME_LABELS = {
    "sp4n": "Diteruskan ke SP4N-LAPOR!",
    "awaiting_gate": "Menunggu gerbang evaluasi",
    "ask_reporter": "Menunggu info warga",
    "archived": "Diarsipkan",
    "review": "Perlu ditinjau",
    "error": "Galat",
}
DECIDED_BY_LABELS = {
    "model": "model AI",
    "prefilter": "aturan otomatis",
    "reviewer": "peninjau",
    "error": "galat",
}
# what a page says after an action (its `ok` parameter)
FLASH = {
    "confirm": "Keputusan dikonfirmasi.",
    "bulk": "Penolakan yang dipilih dikonfirmasi (masing-masing tercatat di log audit).",
    "overturn": "Keputusan dibatalkan dan diganti.",
    "take": "Laporan ini Anda ambil selama 30 menit; peninjau lain tidak dapat memutuskannya.",
    "assign": "Laporan ditugaskan.",
    "sp4n": "Keputusan dibatalkan; laporan masuk antrean kirim SP4N-LAPOR!.",
}
ACTION_LABELS = {
    "confirm": "Konfirmasi",
    "overturn": "Pembatalan",
    "reveal": "Buka data pribadi",
    "claim": "Mengambil laporan",
    "assign": "Menugaskan laporan",
    "second_review": "Tinjauan kedua (buta)",
    "reveal_denied": "Buka data ditolak",
}


def render(
    request: Request, name: str, ctx: dict[str, Any], status: int = 200, session: Session | None = None
) -> HTMLResponse:
    base = {
        "user": session.user if session else None,
        "csrf": session.csrf if session else "",
        "verdict_labels": VERDICT_LABELS,
        "reason_labels": REASON_LABELS,
        "outcome_labels": OUTCOME_LABELS,
        "action_labels": ACTION_LABELS,
        "decided_by_labels": DECIDED_BY_LABELS,
        "missing_labels": MISSING_LABELS,
        "queues": {k: v[0] for k, v in queries.QUEUES.items()},
    }
    resp = templates.TemplateResponse(request, name, {**base, **ctx}, status_code=status)
    resp.headers.update(SECURITY_HEADERS)
    return resp


def error_page(request: Request, session: Session | None, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", {"status": status, "message": message}, status, session)
