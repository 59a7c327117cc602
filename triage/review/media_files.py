"""The files citizens sent, for a signed-in reviewer: voice notes to hear, photos to see.

Split out of `routes` like the downloads. A file is served only by the sha256 the store recorded
for a fetched WhatsApp media (a name nobody can choose), with the type recorded at fetch time
(whose bytes were checked against it then), never sniffed, never cached, and never able to run
anything in the page's origin.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from triage.media import files
from triage.media.storage import store_for
from triage.review.per_request import open_db, require_session
from triage.schema.media import base_type

router = APIRouter(prefix="/review", tags=["review"])

HEADERS = {
    "Cache-Control": "private, no-store",
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Content-Disposition": "inline",
}


@router.get("/media/{sha256}")
def media_file(request: Request, sha256: str) -> Response:
    with open_db(request) as db:
        require_session(request, db)
        row = db.execute(
            "SELECT mime_type FROM media WHERE sha256 = ? AND status = 'fetched' LIMIT 1", [sha256]
        ).fetchone()
    if row is None:
        return _missing("Berkas tidak ditemukan.")
    store = store_for(request.app.state.settings)
    mime = base_type(str(row[0]))
    path = store.local_path(sha256)
    if path is not None:  # on disk: served with range requests, so a long voice note can be skipped through
        if not path.exists():
            return _missing("Berkas tidak ada di mesin ini.")
        return FileResponse(path, media_type=mime, headers=HEADERS)
    try:
        data = store.read(sha256)
    except files.MediaFileMissing:
        return _missing("Berkas tidak ada di penyimpanan.")
    except (files.MediaStoreUnavailable, files.MediaFileCorrupt):
        return Response(
            "Penyimpanan berkas tidak dapat dibaca sekarang; coba lagi nanti.",
            status_code=503,
            media_type="text/plain; charset=utf-8",
        )
    return Response(data, media_type=mime, headers=HEADERS)


def _missing(text: str) -> Response:
    return Response(text, status_code=404, media_type="text/plain; charset=utf-8")
