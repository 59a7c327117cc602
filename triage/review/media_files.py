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
        return Response("Berkas tidak ditemukan.", status_code=404, media_type="text/plain; charset=utf-8")
    path = files.path_of(request.app.state.settings.media_root, sha256)
    if not path.exists():
        return Response(
            "Berkas tidak ada di mesin ini.", status_code=404, media_type="text/plain; charset=utf-8"
        )
    return FileResponse(path, media_type=base_type(str(row[0])), headers=HEADERS)
