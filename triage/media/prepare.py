"""Before a report is judged: fetch every file it carries and hear every voice note, once each.

Runs in the worker, never in the webhook (a download or a transcription can take seconds to
minutes). Everything is kept by sha256, so a report delivered again, or the same voice note
forwarded by a second sender, is neither fetched nor transcribed twice.

A file the API cannot give right now makes the report wait (the worker retries it later), but
only for a few rounds: after that the report is judged without it, and a voice note nobody could
hear goes to a person (`judge.transcripts`), never to an empty-text rejection.
"""

from __future__ import annotations

import json
import logging

from triage import metrics
from triage.config import Settings
from triage.media import files
from triage.media.fetch import MediaUnavailable, fetch_media
from triage.media.storage import store_for
from triage.media.transcribe import TranscriptionFailed, TranscriptionUnavailable, transcribe
from triage.schema import MediaFile, MessageType, Report
from triage.store.database import Database, now_iso

log = logging.getLogger(__name__)

# Rounds (worker deliveries) a report waits for a file the API keeps failing to give.
FETCH_ROUNDS = 3
# Stickers are decoration; everything else may be evidence for SP4N.
KEPT = {MessageType.audio, MessageType.image, MessageType.video, MessageType.document}


def prepare(db: Database, settings: Settings, report: Report) -> None:
    """Raises MediaUnavailable while a file is still worth waiting for.

    Without a WhatsApp access token there is nowhere to fetch from (messages read from a file or
    stdin): nothing waits, and a voice note goes to a person.
    """
    if not settings.whatsapp_access_token:
        return
    for msg in report.messages:
        if not msg.media_id or msg.type not in KEPT:
            continue
        try:
            media = fetch_media(db, settings, msg.media_id)
        except MediaUnavailable:
            metrics.MEDIA.labels("unavailable").inc()
            if _rounds(db, msg.media_id) < FETCH_ROUNDS:
                raise
            log.error(
                "media still unavailable; judging the report without it",
                extra={"report_id": report.report_id},
            )
            continue
        metrics.MEDIA.labels("refused" if media is None else "kept").inc()
        if media is not None and msg.type is MessageType.audio:
            hear(db, settings, media)


def _rounds(db: Database, media_id: str) -> int:
    row = db.execute("SELECT attempts FROM media WHERE media_id = ?", [media_id]).fetchone()
    return int(row[0]) if row else 0


def hear(db: Database, settings: Settings, media: MediaFile) -> None:
    """Transcribe a voice note unless its file was transcribed (or found untranscribable) before.

    With transcription off or its engine unavailable nothing is recorded, so the note is heard
    when it comes again; meanwhile the report goes to a person, who can listen to it.
    """
    if settings.asr_engine == "off":
        return
    if db.execute("SELECT 1 FROM transcripts WHERE sha256 = ?", [media.sha256]).fetchone():
        return
    try:
        data = store_for(settings).read(media.sha256)
    except (files.MediaStoreUnavailable, files.MediaFileMissing, files.MediaFileCorrupt) as exc:
        # nothing recorded: heard when it comes again; meanwhile unheard, so a person reads the report
        log.error("voice note not readable from the media store: %s", exc)
        return
    try:
        heard = transcribe(data, settings)
    except TranscriptionUnavailable as exc:  # the engine's fault: a person hears it now, nothing kept
        metrics.TRANSCRIPTIONS.labels("unavailable").inc()
        log.error("voice-note transcription unavailable: %s", exc)
        return
    except TranscriptionFailed as exc:
        metrics.TRANSCRIPTIONS.labels("failed").inc()
        log.warning("voice note could not be transcribed: %s", exc)
        _record(db, media.sha256, "failed", error=str(exc)[:2000])
        return
    metrics.TRANSCRIPTIONS.labels("done").inc()
    metrics.TRANSCRIPTION_SECONDS.observe(heard.seconds)
    _record(
        db,
        media.sha256,
        "done",
        text=heard.text,
        confidence=heard.confidence,
        transcript=json.dumps(heard.model_dump(mode="json"), ensure_ascii=False),
    )


def _record(db: Database, sha256: str, status: str, **values: object) -> None:
    db.execute(
        "INSERT INTO transcripts (sha256, status, text, confidence, transcript, error, created_at) "
        "VALUES (?,?,?,?,?,?,?) ON CONFLICT (sha256) DO NOTHING",
        [
            sha256,
            status,
            values.get("text"),
            values.get("confidence"),
            values.get("transcript"),
            values.get("error"),
            now_iso(),
        ],
    )
