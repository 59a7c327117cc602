"""A WhatsApp media id turned into bytes kept by sha256, at most once per id.

The Cloud API gives a media id; asking for it returns a download URL that lasts about five
minutes, and a report can be delivered to the worker several times, so the `media` row is the
memory: `fetched` is never asked for again (unless its file has gone), `refused` never again.

Two kinds of failure are kept apart, as in `triage.judge.llm`. A file too large, of a type we do
not keep, whose bytes are not what their type says, or whose id WhatsApp does not know, would be
refused the same way every time: it is `refused` and the caller goes on without it. An API that is
down, slow or rate-limiting says nothing about the file: it is retried with backoff and, if it
persists, `failed` and `MediaUnavailable`, so the report waits instead of being judged without it.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import tomllib
from importlib import resources
from typing import Any
from urllib.parse import quote

import httpx
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from triage.config import Settings
from triage.media import files
from triage.media.storage import store_for
from triage.schema.media import MediaFile, MediaStatus, base_type
from triage.store.database import Database, now_iso

log = logging.getLogger(__name__)

# Digits in practice; never a slash or a dot, since the id becomes part of a URL carrying our token.
_MEDIA_ID = re.compile(r"[0-9A-Za-z_-]{1,200}")
# a download URL's query string is its secret: kept out of logs and the store
_QUERY = re.compile(r"(https?://[^\s?'\"]*)\?[^\s'\"]*")
Signature = tuple[tuple[int, bytes, bytes | None], ...]


class MediaUnavailable(Exception):
    """The API could not give the file now (down, slow, no token): try the report again later."""


class _Refused(Exception):
    def __init__(self, why: str, mime: str | None = None, size: int | None = None) -> None:
        super().__init__(why)
        self.mime, self.size = mime, size


class _Corrupt(Exception):
    """Bytes or metadata not as WhatsApp described them: a broken transfer, worth another try."""


class _Expired(Exception):
    """The download URL ran out: a new one is asked for once, a second refusal is a failure."""


@functools.cache
def _types() -> dict[str, list[Signature]]:
    """The allowlist (triage/data/media_types.toml): base MIME type -> signatures its bytes match."""
    raw = tomllib.loads(resources.files("triage").joinpath("data", "media_types.toml").read_text("utf-8"))
    signatures = {
        name: tuple(
            (int(p["at"]), bytes.fromhex(p["hex"]), bytes.fromhex(p["mask"]) if "mask" in p else None)
            for p in sig["parts"]
        )
        for name, sig in raw["signatures"].items()
    }
    return {mime: [signatures[name] for name in names] for mime, names in raw["types"].items()}


def _matches(data: bytes, signature: Signature) -> bool:
    for at, want, mask in signature:
        got = data[at : at + len(want)]
        if mask is not None:
            got = bytes(g & m for g, m in zip(got, mask, strict=False))
            want = bytes(w & m for w, m in zip(want, mask, strict=True))
        if got != want:
            return False
    return True


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | str) and str(value).strip().isdigit() else None


def _describe(exc: BaseException | None) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        text = f"HTTP {exc.response.status_code} from {exc.request.url.copy_with(query=None)}"
    else:
        text = f"{type(exc).__name__}: {exc}"
    return _QUERY.sub(r"\1", text)[:500]


def _transient(exc: BaseException) -> bool:
    if isinstance(exc, httpx.HTTPStatusError):
        return exc.response.status_code == 429 or exc.response.status_code >= 500
    return isinstance(exc, httpx.TransportError | _Corrupt)


def fetch_media(
    db: Database,
    settings: Settings,
    media_id: str,
    client: httpx.Client | None = None,
    *,
    backoff_s: float = 0.5,
) -> MediaFile | None:
    """The file behind `media_id`, kept under its sha256; None if it is refused (now or before).

    Raises MediaUnavailable (the row is `failed`) when the API cannot give it now. `backoff_s` is
    the first wait between tries within this call.
    """
    row = next(db.query("SELECT * FROM media WHERE media_id = ?", [media_id]), None)
    if row and row["status"] == MediaStatus.refused:
        return None
    if row and row["status"] == MediaStatus.fetched:
        if _kept(settings, media_id, row["sha256"]):
            return MediaFile(
                media_id=media_id, sha256=row["sha256"], mime_type=row["mime_type"], size=row["size"]
            )
        log.warning("media %s: its file %s is gone, fetching it again", media_id, row["sha256"])
    if not _MEDIA_ID.fullmatch(media_id):
        _record(db, media_id, MediaStatus.refused, error="not a WhatsApp media id")
        return None
    if not settings.whatsapp_access_token:
        error = "no WhatsApp access token (TRIAGE_WHATSAPP_ACCESS_TOKEN): media cannot be fetched"
        _record(db, media_id, MediaStatus.failed, error=error)
        raise MediaUnavailable(error)
    retrying = Retrying(
        stop=stop_after_attempt(settings.media_fetch_attempts),
        wait=wait_exponential_jitter(multiplier=backoff_s, max=backoff_s * 16, jitter=backoff_s),
        retry=retry_if_exception(_transient),
        before_sleep=functools.partial(_log_retry, media_id),
        reraise=True,
    )
    http = client or httpx.Client(timeout=settings.media_fetch_timeout_s)
    try:
        mime, data = retrying(_fetch, http, settings, media_id)
    except _Refused as exc:
        _record(db, media_id, MediaStatus.refused, error=str(exc), mime=exc.mime, size=exc.size)
        log.warning("media %s refused: %s", media_id, exc)
        return None
    except (httpx.HTTPError, httpx.InvalidURL, _Corrupt, _Expired) as exc:
        error = _describe(exc)
        _record(db, media_id, MediaStatus.failed, error=error)
        log.warning("media %s not fetched: %s", media_id, error)
        raise MediaUnavailable(f"media {media_id}: {error}") from exc
    finally:
        if client is None:
            http.close()
    try:
        sha256 = store_for(settings).put(data)
    except files.MediaStoreUnavailable as exc:  # fetched but not kept: the report waits like for the API
        _record(db, media_id, MediaStatus.failed, error=str(exc)[:2000])
        raise MediaUnavailable(f"media {media_id}: {exc}") from exc
    _record(db, media_id, MediaStatus.fetched, sha256=sha256, mime=mime, size=len(data))
    log.info("media %s fetched: %s, %d bytes, sha256 %s", media_id, base_type(mime), len(data), sha256[:12])
    return MediaFile(media_id=media_id, sha256=sha256, mime_type=mime, size=len(data))


def _kept(settings: Settings, media_id: str, sha256: str) -> bool:
    try:
        return store_for(settings).has(sha256)
    except files.MediaStoreUnavailable as exc:
        raise MediaUnavailable(f"media {media_id}: {exc}") from exc


def _log_retry(media_id: str, state: RetryCallState) -> None:
    exc = state.outcome.exception() if state.outcome else None
    log.info("media %s: try %d failed (%s), trying again", media_id, state.attempt_number, _describe(exc))


def _fetch(client: httpx.Client, settings: Settings, media_id: str) -> tuple[str, bytes]:
    """One try: the metadata, then the bytes, checked against what the metadata declared."""
    meta = _metadata(client, settings, media_id)
    try:
        data = _download(client, settings, meta)
    except _Expired:
        log.info("media %s: download URL expired, asking for a new one", media_id)
        meta = _metadata(client, settings, media_id)
        data = _download(client, settings, meta)
    mime = str(meta["mime_type"])[:200]
    declared = str(meta.get("sha256") or "").lower()
    if declared and hashlib.sha256(data).hexdigest() != declared:
        raise _Corrupt(f"{len(data)} bytes that do not match WhatsApp's sha256")
    if not any(_matches(data, sig) for sig in _types()[base_type(mime)]):
        raise _Refused(f"the bytes are not {base_type(mime)}", mime, len(data))
    return mime, data


def _auth(settings: Settings) -> dict[str, str]:
    return {"Authorization": f"Bearer {settings.whatsapp_access_token}"}


def _metadata(client: httpx.Client, settings: Settings, media_id: str) -> dict[str, Any]:
    url = f"{settings.whatsapp_api_base.rstrip('/')}/{quote(media_id, safe='')}"
    r = client.get(url, headers=_auth(settings), timeout=settings.media_fetch_timeout_s)
    if r.status_code in (400, 404):
        raise _Refused(f"WhatsApp does not know this media id (HTTP {r.status_code})")
    r.raise_for_status()
    try:
        meta = dict(r.json())
        if not str(meta["url"]).startswith(("https://", "http://")):
            raise ValueError("not an http(s) URL")
    except (ValueError, KeyError, TypeError) as exc:
        raise _Corrupt(f"unreadable media metadata: {type(exc).__name__}") from exc
    mime = str(meta.get("mime_type") or "")
    size = _int(meta.get("file_size"))
    if base_type(mime) not in _types():
        raise _Refused(f"type {mime[:100]!r} is not one we keep", mime[:200] or None, size)
    if size is not None and size > settings.media_max_bytes:
        raise _Refused(f"declared {size} bytes, more than the {settings.media_max_bytes} we keep", mime, size)
    return meta


def _download(client: httpx.Client, settings: Settings, meta: dict[str, Any]) -> bytes:
    """The bytes, read no further than the cap (a lying file_size must not fill the memory)."""
    cap = settings.media_max_bytes
    # raw bytes as sent: a compressed body would be inflated past the cap a chunk at a time
    headers = {**_auth(settings), "Accept-Encoding": "identity"}
    timeout = settings.media_fetch_timeout_s
    with client.stream("GET", str(meta["url"]), headers=headers, timeout=timeout, follow_redirects=True) as r:
        if r.status_code in (401, 403, 404):
            raise _Expired(f"the download URL answered HTTP {r.status_code}")
        r.raise_for_status()
        length = _int(r.headers.get("content-length"))
        if length is not None and length > cap:
            raise _Refused(f"{length} bytes, more than the {cap} we keep", str(meta["mime_type"]), length)
        data = bytearray()
        for chunk in r.iter_raw():
            data += chunk
            if len(data) > cap:
                raise _Refused(f"more than the {cap} bytes we keep", str(meta["mime_type"]))
    return bytes(data)


def _record(
    db: Database,
    media_id: str,
    status: MediaStatus,
    *,
    error: str | None = None,
    sha256: str | None = None,
    mime: str | None = None,
    size: int | None = None,
) -> None:
    db.execute(
        "INSERT INTO media (media_id, sha256, mime_type, size, status, error, attempts, updated_at) "
        "VALUES (?,?,?,?,?,?,1,?) ON CONFLICT (media_id) DO UPDATE SET sha256 = excluded.sha256, "
        "mime_type = excluded.mime_type, size = excluded.size, status = excluded.status, "
        "error = excluded.error, attempts = media.attempts + 1, updated_at = excluded.updated_at",
        [media_id, sha256, mime, size, status.value, error, now_iso()],
    )
