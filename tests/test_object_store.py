"""Media in an S3-compatible object store (`TRIAGE_MEDIA_STORE=s3://bucket/prefix`, issue 24): the
worker keeps what it fetches there and nothing on its disk, the review page and the SP4N relay read
it back on machines that never saw the file, and an unreachable store makes work wait, never lose
a file. Against a local S3-compatible server (tests/stand_ins/object_store.py)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from review_store import photo_only_for_review, signed_in
from stand_ins.object_store import BUCKET, ObjectStoreStandIn
from stand_ins.whatsapp_api import WhatsAppStandIn
from test_sandbox import _with_a_photo

from triage.config import Settings
from triage.intake import assembler
from triage.media import files
from triage.media.fetch import MediaUnavailable, fetch_media
from triage.media.object_store import ObjectStore
from triage.media.storage import store_for
from triage.review.auth import add_user
from triage.schema import RawMessage
from triage.sp4n.record import DeliveryError, HttpJsonDestination, PermanentDeliveryError
from triage.sp4n.sandbox import SandboxProcess
from triage.store.database import Database, connect
from triage.store.reports import Store

TOKEN = "media-test-token"
VOICE = b"OggS\x00\x02" + bytes(range(256)) * 40
PHOTO = (Path(__file__).parent / "fixtures" / "photo.png").read_bytes()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@pytest.fixture(scope="module")
def s3() -> Iterator[ObjectStoreStandIn]:
    with ObjectStoreStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def s(settings: Settings, s3: ObjectStoreStandIn, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    prefix = f"t{abs(hash(request.node.nodeid)) % 10**8}"  # each test its own prefix in the bucket
    return settings.model_copy(update={**s3.settings(prefix), "media_dir": tmp_path / "media"})


def unreachable(settings: Settings, **more: object) -> Settings:
    """Settings naming an object store nobody listens for."""
    return settings.model_copy(
        update={
            "media_store": "s3://lapor-media/x",
            "media_s3_endpoint": "http://127.0.0.1:9",
            "media_s3_access_key": "k",
            "media_s3_secret_key": "s",
            **more,
        }
    )


def test_bytes_are_kept_once_under_their_content_address(s: Settings, s3: ObjectStoreStandIn) -> None:
    store = store_for(s)
    assert isinstance(store, ObjectStore) and store_for(s) is store  # one client per process
    digest = store.put(VOICE)
    assert digest == sha(VOICE) and store.put(VOICE) == digest
    prefix = s.media_store.split("/", 3)[3]  # type: ignore[union-attr]
    assert [k for k in s3.object_keys() if k.startswith(prefix + "/")] == [
        f"{prefix}/{digest[:2]}/{digest[2:4]}/{digest}"
    ]
    assert store.has(digest) and store.read(digest) == VOICE and store.local_path(digest) is None
    assert not Path(s.media_root).exists()  # nothing on this machine's disk


def test_missing_damaged_and_unnamed_objects_are_refused(s: Settings, s3: ObjectStoreStandIn) -> None:
    store = store_for(s)
    with pytest.raises(files.MediaFileMissing):
        store.read("e" * 64)
    assert not store.has("e" * 64)
    damaged = sha(b"what it should be")
    prefix = s.media_store.split("/", 3)[3]  # type: ignore[union-attr]
    s3.client().put_object(
        Bucket=BUCKET, Key=f"{prefix}/{damaged[:2]}/{damaged[2:4]}/{damaged}", Body=b"other"
    )
    with pytest.raises(files.MediaFileCorrupt):
        store.read(damaged)
    with pytest.raises(ValueError, match="not a sha256"):
        store.read("../../etc/passwd")


def test_an_unreachable_store_is_unavailable_not_missing(settings: Settings) -> None:
    dead = unreachable(settings)
    store = store_for(dead)
    for call in (lambda: store.put(b"x"), lambda: store.read(sha(b"x")), lambda: store.has(sha(b"x"))):
        with pytest.raises(files.MediaStoreUnavailable, match="127.0.0.1:9"):
            call()


def test_a_bad_store_url_is_a_clear_error(settings: Settings) -> None:
    with pytest.raises(ValueError, match="s3://bucket/prefix"):
        store_for(settings.model_copy(update={"media_store": "minio://x"}))


def test_the_worker_keeps_a_fetched_voice_note_in_the_object_store(db: Database, s: Settings) -> None:
    with WhatsAppStandIn() as api:
        api.token = TOKEN
        api.media["2001"] = (VOICE, "audio/ogg; codecs=opus")
        worker = s.model_copy(update={"whatsapp_api_base": api.base_url, "whatsapp_access_token": TOKEN})
        got = fetch_media(db, worker, "2001", backoff_s=0.001)
        assert got is not None and got.sha256 == sha(VOICE)
        again = fetch_media(db, worker, "2001", backoff_s=0.001)  # known and kept: not fetched again
        assert again == got and len([g for g in api.fetched() if g["kind"] == "download"]) == 1
    assert store_for(s).read(got.sha256) == VOICE and not Path(s.media_root).exists()


def test_a_store_that_cannot_keep_the_file_makes_the_report_wait(db: Database, settings: Settings) -> None:
    with WhatsAppStandIn() as api:
        api.token = TOKEN
        api.media["2002"] = (VOICE, "audio/ogg")
        worker = unreachable(settings, whatsapp_api_base=api.base_url, whatsapp_access_token=TOKEN)
        with pytest.raises(MediaUnavailable, match="127.0.0.1:9"):
            fetch_media(db, worker, "2002", backoff_s=0.001)
    assert db["media"].get("2002")["status"] == "failed"  # retried on the report's next round


def test_a_reviewer_on_another_machine_sees_the_photo_from_the_object_store(
    s: Settings, tmp_path: Path
) -> None:
    sha_photo = store_for(s).put(PHOTO)  # kept by a worker elsewhere
    web = s.model_copy(update={"media_dir": tmp_path / "webhook-disk"})  # this machine's own disk
    db = connect(web.db)
    add_user(db, "ana", "rahasia-123", "reviewer")
    store = Store(db)
    start = datetime.now(UTC) - timedelta(hours=1)
    store.add_message(
        RawMessage(
            message_id="p", sender="6281", timestamp=start, type="image", media_id="P9", caption="foto"
        )
    )
    assembler.assemble(store, timedelta(minutes=2), now=None)
    rid = db.execute("SELECT report_id FROM messages WHERE message_id = 'p'").fetchone()[0]
    db.execute(
        "INSERT INTO media (media_id, sha256, mime_type, size, status, attempts) "
        "VALUES (?,?,?,?,'fetched',1)",
        ["P9", sha_photo, "image/png", len(PHOTO)],
    )
    photo_only_for_review(store, rid)
    db.close()
    client = signed_in(web, "ana", "rahasia-123")
    served = client.get(f"/review/media/{sha_photo}")
    assert served.status_code == 200 and served.content == PHOTO
    assert (
        served.headers["content-type"] == "image/png"
        and served.headers["x-content-type-options"] == "nosniff"
    )
    assert not (tmp_path / "webhook-disk").exists()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    with SandboxProcess(None, "--token", "s3cret", "--latency-ms", "5") as sb:
        yield sb


def test_the_relay_attaches_files_it_reads_from_the_object_store(
    sandbox: SandboxProcess, s: Settings, tmp_path: Path
) -> None:
    record, digest, data = _with_a_photo(300, tmp_path / "worker-disk")  # as on the worker's disk ...
    store = store_for(s)
    assert store.put(data) == digest  # ... and in the shared store
    tracking = HttpJsonDestination(sandbox.url, "s3cret", timeout_s=5, media=store).deliver("r-00300", record)
    assert tracking
    held = httpx.get(f"{sandbox.url}/api/lampiran/{digest}")
    assert held.status_code == 200 and held.content == data


def test_an_unreachable_store_is_a_retryable_delivery_failure(
    sandbox: SandboxProcess, settings: Settings, tmp_path: Path
) -> None:
    record, _, _ = _with_a_photo(301, tmp_path)
    dead = unreachable(settings)
    with pytest.raises(DeliveryError, match="127.0.0.1:9") as failed:
        HttpJsonDestination(sandbox.url, "s3cret", timeout_s=5, media=store_for(dead)).deliver(
            "r-00301", record
        )
    assert not isinstance(failed.value, PermanentDeliveryError)
    assert not [r for r in sandbox.records() if r["idempotency_key"] == "r-00301"]
