"""The files on the review page (issue 24): served only to a signed-in reviewer, only for what the
store fetched, as the type recorded then; a file that is not there says why. Either store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from fastapi.testclient import TestClient
from review_store import photo_only_for_review, signed_in

from triage.app import create_app
from triage.config import Settings
from triage.intake import assembler
from triage.media import files
from triage.review.auth import add_user
from triage.schema import RawMessage
from triage.store.database import connect
from triage.store.reports import Store

PHOTO = (Path(__file__).parent / "fixtures" / "photo.png").read_bytes()
PASSWORD = "rahasia-123"


def test_a_reviewer_sees_the_photo_and_why_the_voice_note_is_missing(
    settings: Settings, tmp_path: Path
) -> None:
    s = settings.model_copy(update={"media_dir": tmp_path / "media"})
    db = connect(s.db)
    add_user(db, "ana", PASSWORD, "reviewer")
    store = Store(db)
    start = datetime.now(UTC) - timedelta(hours=1)
    store.add_message(RawMessage(message_id="a", sender="6281", timestamp=start, type="audio", media_id="A1"))
    store.add_message(
        RawMessage(
            message_id="p", sender="6281", timestamp=start, type="image", media_id="P1", caption="foto"
        )
    )
    assembler.assemble(store, timedelta(minutes=2), now=None)
    rid = db.execute("SELECT report_id FROM messages WHERE message_id = 'a'").fetchone()[0]
    sha = files.put(s.media_root, PHOTO)
    db.execute(
        "INSERT INTO media (media_id, sha256, mime_type, size, status, attempts) "
        "VALUES (?,?,?,?,'fetched',1)",
        ["P1", sha, "image/png", len(PHOTO)],
    )
    db.execute(
        "INSERT INTO media (media_id, status, error, attempts) VALUES (?,'refused',?,1)",
        ["A1", "declared 40000000 bytes, more than the 16000000 we keep"],
    )
    photo_only_for_review(store, rid)
    db.close()

    assert TestClient(create_app(s)).get(f"/review/media/{sha}", follow_redirects=False).status_code in (
        303,
        401,
    )
    client = signed_in(s, "ana", PASSWORD)
    detail = client.get(f"/review/r/{rid}").text
    assert f'<img class="thumb" src="/review/media/{sha}"' in detail
    assert "ditolak: declared 40000000 bytes" in detail  # the voice note: why it is not there
    served = client.get(f"/review/media/{sha}")
    assert served.status_code == 200 and served.content == PHOTO
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert "sandbox" in served.headers["content-security-policy"]
    # only a sha the store fetched, and only a sha: nothing else on the disk is reachable
    assert client.get(f"/review/media/{'f' * 64}").status_code == 404
    assert client.get("/review/media/..%2F..%2Fetc%2Fpasswd").status_code == 404
