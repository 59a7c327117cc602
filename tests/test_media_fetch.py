"""Fetching WhatsApp media once, against a local stand-in of the Cloud API: kept by sha256, never
asked for twice, refused when too large or not what it claims to be, waited for when the API fails.

Runs on either store (`--store=postgresql`): the `media` rows are the memory of what was fetched.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from stand_ins.whatsapp_api import WhatsAppStandIn

from triage.config import Settings
from triage.media import files
from triage.media.fetch import MediaUnavailable, fetch_media
from triage.schema.media import MediaFile
from triage.store.database import Database

TOKEN = "media-test-token"
VOICE = b"OggS\x00\x02" + bytes(range(256)) * 40
PHOTO = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 20
HTML = b"<!DOCTYPE html><html><body>hadiah menanti, klik di sini</body></html>"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture
def api() -> Iterator[WhatsAppStandIn]:
    with WhatsAppStandIn() as stand_in:
        stand_in.token = TOKEN
        yield stand_in


@pytest.fixture
def s(settings: Settings, api: WhatsAppStandIn, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={
            "whatsapp_api_base": api.base_url,
            "whatsapp_access_token": TOKEN,
            "media_dir": tmp_path / "media",
            "media_fetch_attempts": 3,
        }
    )


def fetch(db: Database, s: Settings, media_id: str, client: httpx.Client | None = None) -> MediaFile | None:
    return fetch_media(db, s, media_id, client, backoff_s=0.001)


def row(db: Database, media_id: str) -> dict[str, Any]:
    return db["media"].get(media_id)


def kinds(api: WhatsAppStandIn) -> list[str]:
    return [g["kind"] for g in api.fetched()]


def stored(s: Settings) -> list[Path]:
    return [p for p in Path(s.media_root).rglob("*") if p.is_file()] if Path(s.media_root).exists() else []


class CountingTransport(httpx.HTTPTransport):
    """Counts the body bytes the client actually took off the wire from download URLs."""

    def __init__(self) -> None:
        super().__init__()
        self.downloaded = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = super().handle_request(request)
        if "/download/" not in request.url.path:
            return response
        outer, inner = self, response.stream
        assert isinstance(inner, httpx.SyncByteStream)

        class Counted(httpx.SyncByteStream):
            def __iter__(self) -> Iterator[bytes]:
                for chunk in inner:
                    outer.downloaded += len(chunk)
                    yield chunk

            def close(self) -> None:
                inner.close()

        return httpx.Response(
            response.status_code, headers=response.headers, stream=Counted(), extensions=response.extensions
        )


# ---------------------------------------------------------------- fetched, once


def test_voice_note_is_fetched_and_kept_under_its_sha256(
    db: Database, s: Settings, api: WhatsAppStandIn
) -> None:
    api.media["1001"] = (VOICE, "audio/ogg; codecs=opus")
    got = fetch(db, s, "1001")
    assert got == MediaFile(
        media_id="1001", sha256=sha(VOICE), mime_type="audio/ogg; codecs=opus", size=len(VOICE)
    )
    assert got.kind == "audio"
    path = Path(s.media_root) / sha(VOICE)[:2] / sha(VOICE)[2:4] / sha(VOICE)
    assert files.path_of(s.media_root, got.sha256) == path and path.read_bytes() == VOICE
    r = row(db, "1001")
    assert (r["status"], r["sha256"], r["mime_type"], r["size"], r["attempts"], r["error"]) == (
        "fetched",
        sha(VOICE),
        "audio/ogg; codecs=opus",
        len(VOICE),
        1,
        None,
    )
    assert kinds(api) == ["meta", "download"]
    assert [g["auth"] for g in api.fetched()] == [f"Bearer {TOKEN}"] * 2
    assert api.fetched("meta")[0]["path"] == "/v21.0/1001"

    # a second call (the report delivered again) asks nothing
    assert fetch(db, s, "1001") == got
    assert kinds(api) == ["meta", "download"]
    assert row(db, "1001")["attempts"] == 1


def test_a_fetched_file_that_is_gone_is_fetched_again(
    db: Database, s: Settings, api: WhatsAppStandIn
) -> None:
    api.media["1002"] = (VOICE, "audio/ogg")
    first = fetch(db, s, "1002")
    assert first is not None
    files.path_of(s.media_root, first.sha256).unlink()
    assert fetch(db, s, "1002") == first
    assert kinds(api) == ["meta", "download"] * 2
    assert files.read(s.media_root, first.sha256) == VOICE


def test_photo(db: Database, s: Settings, api: WhatsAppStandIn) -> None:
    api.media["2001"] = (PHOTO, "image/jpeg")
    got = fetch(db, s, "2001")
    assert got is not None and got.kind == "image" and got.mime_type == "image/jpeg"
    assert files.read(s.media_root, got.sha256) == PHOTO


@pytest.mark.parametrize(
    ("mime", "data"),
    [
        ("audio/mpeg", b"ID3\x04\x00\x00" + bytes(64)),
        ("audio/mpeg", b"\xff\xfb\x90\x64" + bytes(64)),
        ("audio/aac", b"\xff\xf1\x50\x80" + bytes(64)),
        ("audio/mp4", b"\x00\x00\x00\x18ftypM4A " + bytes(64)),
        ("audio/amr", b"#!AMR\n" + bytes(64)),
        ("image/png", b"\x89PNG\r\n\x1a\n" + bytes(64)),
        ("image/webp", b"RIFF\x24\x00\x00\x00WEBPVP8 " + bytes(64)),
        ("video/mp4", b"\x00\x00\x00\x20ftypisom" + bytes(64)),
        ("video/3gpp", b"\x00\x00\x00\x14ftyp3gp4" + bytes(64)),
        ("application/pdf", b"%PDF-1.7\n" + bytes(64)),
    ],
)
def test_each_kept_type_is_recognised_by_its_bytes(
    db: Database, s: Settings, api: WhatsAppStandIn, mime: str, data: bytes
) -> None:
    api.media["3001"] = (data, mime)
    got = fetch(db, s, "3001")
    assert got is not None and got.sha256 == sha(data) and row(db, "3001")["status"] == "fetched"


# ---------------------------------------------------------------- refused, for good


def test_declared_too_large_is_refused_without_downloading(
    db: Database, s: Settings, api: WhatsAppStandIn
) -> None:
    s = s.model_copy(update={"media_max_bytes": 1000})
    api.media["4001"] = (PHOTO, "image/jpeg")
    assert fetch(db, s, "4001") is None
    assert kinds(api) == ["meta"]
    r = row(db, "4001")
    assert (
        r["status"] == "refused" and f"declared {len(PHOTO)} bytes" in r["error"] and r["size"] == len(PHOTO)
    )
    assert stored(s) == []
    # never asked for again
    assert fetch(db, s, "4001") is None
    assert kinds(api) == ["meta"]


@pytest.mark.parametrize("send_length", [True, False], ids=["content-length", "no-length"])
def test_bytes_larger_than_declared_are_refused_and_reading_stops_at_the_cap(
    db: Database, s: Settings, api: WhatsAppStandIn, send_length: bool
) -> None:
    cap = 100_000
    s = s.model_copy(update={"media_max_bytes": cap})
    big = b"\xff\xd8\xff\xe0" + bytes(4_000_000)
    api.media["4002"] = (big, "image/jpeg")
    api.meta_override["4002"] = {"file_size": 5000}
    api.send_length = send_length
    transport = CountingTransport()
    with httpx.Client(transport=transport) as client:
        assert fetch(db, s, "4002", client) is None
    r = row(db, "4002")
    assert r["status"] == "refused" and "we keep" in r["error"]
    assert kinds(api) == ["meta", "download"]
    if send_length:
        assert transport.downloaded == 0  # refused on the Content-Length, before any byte
    else:
        assert cap < transport.downloaded < cap + 256 * 1024  # stopped at the cap, not 4 MB later
    assert stored(s) == []


def test_a_type_we_do_not_keep_is_refused_without_downloading(
    db: Database, s: Settings, api: WhatsAppStandIn
) -> None:
    api.media["4003"] = (HTML, "text/html")
    assert fetch(db, s, "4003") is None
    r = row(db, "4003")
    assert r["status"] == "refused" and "text/html" in r["error"] and r["mime_type"] == "text/html"
    assert kinds(api) == ["meta"]


def test_bytes_that_are_not_their_declared_type_are_refused(
    db: Database, s: Settings, api: WhatsAppStandIn
) -> None:
    api.media["4004"] = (HTML, "image/jpeg")
    api.media["4005"] = (b"\x89PNG\r\n\x1a\n" + bytes(64), "image/jpeg")
    for media_id in ("4004", "4005"):
        assert fetch(db, s, media_id) is None
        r = row(db, media_id)
        assert r["status"] == "refused" and r["error"] == "the bytes are not image/jpeg"
    assert kinds(api) == ["meta", "download"] * 2
    assert stored(s) == []
    assert fetch(db, s, "4004") is None and len(api.fetched()) == 4


def test_an_unknown_media_id_is_refused(db: Database, s: Settings, api: WhatsAppStandIn) -> None:
    assert fetch(db, s, "9999") is None
    r = row(db, "9999")
    assert r["status"] == "refused" and "does not know" in r["error"]
    assert fetch(db, s, "9999") is None
    assert kinds(api) == ["meta"]


def test_a_media_id_that_is_not_one_is_refused_without_a_request(
    db: Database, s: Settings, api: WhatsAppStandIn
) -> None:
    assert fetch(db, s, "../555/messages") is None
    assert row(db, "../555/messages")["status"] == "refused"
    assert api.fetched() == [] and api.sent() == []


# ---------------------------------------------------------------- the API failing


def test_two_server_errors_then_success(db: Database, s: Settings, api: WhatsAppStandIn) -> None:
    api.media["5001"] = (VOICE, "audio/ogg")
    api.fail_next = 2
    got = fetch(db, s, "5001")
    assert got is not None and got.sha256 == sha(VOICE)
    assert kinds(api) == ["meta", "meta", "meta", "download"]
    r = row(db, "5001")
    assert r["status"] == "fetched" and r["attempts"] == 1


def test_a_rate_limit_is_waited_out(db: Database, s: Settings, api: WhatsAppStandIn) -> None:
    api.media["5002"] = (VOICE, "audio/ogg")
    api.fail_next, api.fail_status = 1, 429
    assert fetch(db, s, "5002") is not None
    assert kinds(api) == ["meta", "meta", "download"]


def test_a_persistent_failure_waits_and_a_later_call_succeeds(
    db: Database, s: Settings, api: WhatsAppStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    api.media["5003"] = (VOICE, "audio/ogg")
    api.fail_downloads = 1000
    caplog.set_level(logging.DEBUG, logger="triage.media")
    with pytest.raises(MediaUnavailable):
        fetch(db, s, "5003")
    assert kinds(api) == ["meta", "download"] * 3  # media_fetch_attempts tries
    r = row(db, "5003")
    assert r["status"] == "failed" and r["attempts"] == 1 and "HTTP 500" in r["error"]
    # neither the token nor the download URL's query string is written anywhere
    for text in (r["error"], caplog.text):
        assert "secret" not in text and TOKEN not in text
    assert "not fetched" in caplog.text
    assert stored(s) == []

    api.fail_downloads = 0
    got = fetch(db, s, "5003")
    assert got is not None and files.read(s.media_root, got.sha256) == VOICE
    r = row(db, "5003")
    assert r["status"] == "fetched" and r["attempts"] == 2 and r["error"] is None


def test_an_unreachable_api_is_unavailable(db: Database, s: Settings) -> None:
    with pytest.raises(MediaUnavailable):
        fetch(db, s.model_copy(update={"whatsapp_api_base": "http://127.0.0.1:9/v21.0"}), "5004")
    r = row(db, "5004")
    assert r["status"] == "failed" and "ConnectError" in r["error"]


def test_a_sha256_mismatch_is_a_failure_to_try_again(db: Database, s: Settings, api: WhatsAppStandIn) -> None:
    api.media["6001"] = (VOICE, "audio/ogg")
    api.meta_override["6001"] = {"sha256": "0" * 64}
    with pytest.raises(MediaUnavailable, match="sha256"):
        fetch(db, s, "6001")
    r = row(db, "6001")
    assert r["status"] == "failed" and "sha256" in r["error"]
    assert kinds(api) == ["meta", "download"] * 3
    assert stored(s) == []
    del api.meta_override["6001"]
    assert fetch(db, s, "6001") is not None


def test_an_expired_download_url_is_asked_for_again(db: Database, s: Settings, api: WhatsAppStandIn) -> None:
    api.media["7001"] = (PHOTO, "image/jpeg")
    api.expire_once.add("7001")
    got = fetch(db, s, "7001")
    assert got is not None and files.read(s.media_root, got.sha256) == PHOTO
    assert kinds(api) == ["meta", "download", "meta", "download"]


def test_no_access_token_is_unavailable_without_a_request(
    db: Database, s: Settings, api: WhatsAppStandIn
) -> None:
    api.media["8001"] = (VOICE, "audio/ogg")
    with pytest.raises(MediaUnavailable, match="access token"):
        fetch(db, s.model_copy(update={"whatsapp_access_token": None}), "8001")
    assert api.fetched() == []
    assert row(db, "8001")["status"] == "failed"


def test_a_wrong_token_is_unavailable_not_refused(db: Database, s: Settings, api: WhatsAppStandIn) -> None:
    api.media["8002"] = (VOICE, "audio/ogg")
    with pytest.raises(MediaUnavailable, match="401"):
        fetch(db, s.model_copy(update={"whatsapp_access_token": "wrong"}), "8002")
    assert kinds(api) == ["meta"]  # a 401 is not retried within the call
    assert row(db, "8002")["status"] == "failed"
    assert fetch(db, s, "8002") is not None


# ---------------------------------------------------------------- the file store


@pytest.mark.parametrize(
    "name",
    [
        "../etc/passwd",
        "/etc/passwd",
        "",
        "g" * 64,
        "A" * 64,
        "0" * 63,
        "0" * 65,
        "0" * 64 + "/../x",
        "0" * 62 + "..",
    ],
)
def test_path_of_accepts_only_a_sha256(tmp_path: Path, name: str) -> None:
    with pytest.raises(ValueError, match="not a sha256"):
        files.path_of(tmp_path, name)


def test_put_writes_once_and_returns_the_sha256(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    renames: list[tuple[str, str]] = []
    real = os.replace

    def counting(src: Any, dst: Any) -> None:
        renames.append((str(src), str(dst)))
        real(src, dst)

    monkeypatch.setattr(os, "replace", counting)
    first = files.put(tmp_path, PHOTO)
    second = files.put(tmp_path, PHOTO)
    assert first == second == sha(PHOTO)
    assert len(renames) == 1 and renames[0][1] == str(files.path_of(tmp_path, first))
    assert files.read(tmp_path, first) == PHOTO
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == [first]  # no temporary file left


def test_read_of_a_missing_file_says_so(tmp_path: Path) -> None:
    with pytest.raises(files.MediaFileMissing, match="0" * 64) as caught:
        files.read(tmp_path, "0" * 64)
    assert isinstance(caught.value, FileNotFoundError)
