"""A record's files go to SP4N before the record: uploaded by content, so a retry costs nothing.

`PUT {base}/api/lampiran/{sha256}` with the bytes is idempotent (the same content is the same
name), and the destination refuses a record naming a file it does not hold (409, retried), so an
officer never opens a report whose photo or voice note is missing.

The bytes come from this machine's media directory. Workers on several machines need one they
all reach (`TRIAGE_MEDIA_DIR` on shared storage); a relay that cannot find a file says so on the
outbox row and tries again, it never sends the record without it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import urlsplit

import httpx

from triage.media import files
from triage.schema import MessageType, Report, Sp4nLampiran
from triage.schema.media import base_type

UPLOAD_PATH = "/api/lampiran/"


class AttachmentMissing(RuntimeError):
    pass


Jenis = Literal["foto", "suara", "video", "dokumen"]
_JENIS: dict[MessageType, Jenis] = {
    MessageType.image: "foto",
    MessageType.audio: "suara",
    MessageType.video: "video",
}


def describe(report: Report, clean: Callable[[str], str]) -> list[Sp4nLampiran]:
    """Every file the citizen sent except stickers, described by what was fetched of it."""
    out = []
    for m in report.messages:
        if not m.media_id or m.type is MessageType.sticker:
            continue
        heard = m.transcript.text.strip() if m.transcript is not None else ""
        out.append(
            Sp4nLampiran(
                media_id=m.media_id,
                jenis=_JENIS.get(m.type, "dokumen"),
                mime_type=m.media.mime_type if m.media else None,
                sha256=m.media.sha256 if m.media else None,
                ukuran=m.media.size if m.media else None,
                transkrip=clean(heard) if heard else None,
            )
        )
    return out


def upload_url(endpoint: str, sha256: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}{UPLOAD_PATH}{sha256}"


def to_upload(payload: dict[str, Any]) -> list[tuple[str, str]]:
    """(sha256, mime type) of every fetched file the record names."""
    return [
        (str(item["sha256"]), str(item.get("mime_type") or "application/octet-stream"))
        for item in payload.get("lampiran") or []
        if isinstance(item, dict) and item.get("sha256")
    ]


def upload_all(
    client: httpx.Client,
    endpoint: str,
    token: str | None,
    payload: dict[str, Any],
    store: files.MediaStore,
) -> list[httpx.Response]:
    """Upload each file; returns the answers, the caller checks them like the record's own."""
    answers = []
    for sha256, mime in to_upload(payload):
        try:
            data = store.read(sha256)
        except (FileNotFoundError, files.MediaFileCorrupt) as exc:
            raise AttachmentMissing(
                f"attachment {sha256[:12]}… is not readable in {store.where} ({exc}): workers on several "
                "machines need a TRIAGE_MEDIA_DIR or TRIAGE_MEDIA_STORE they all reach"
            ) from exc
        headers = {"Content-Type": base_type(mime)}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        answers.append(client.put(upload_url(endpoint, sha256), content=data, headers=headers))
    return answers
