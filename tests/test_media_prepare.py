"""Before judging, the worker fetches a report's files and hears its voice notes, once each
(issue 24): real Whisper, the WhatsApp stand-in, either store (`--store=postgresql`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from stand_ins.whatsapp_api import WhatsAppStandIn

from triage.config import Settings
from triage.intake import assembler
from triage.judge import policy, transcripts
from triage.media.fetch import MediaUnavailable
from triage.media.prepare import FETCH_ROUNDS, prepare
from triage.schema import Outcome, RawMessage, Report
from triage.schema.messages import TRANSCRIPT_MARK
from triage.store.database import Database
from triage.store.reports import Store

AUDIO = Path(__file__).resolve().parent / "fixtures" / "audio"
NOTE = (AUDIO / "complaint.ogg").read_bytes()
TOKEN = "prepare-token"


@pytest.fixture
def api() -> Iterator[WhatsAppStandIn]:
    with WhatsAppStandIn() as stand_in:
        yield stand_in


@pytest.fixture
def s(settings: Settings, api: WhatsAppStandIn, tmp_path: Path) -> Settings:
    return settings.model_copy(
        update={
            "whatsapp_api_base": api.base_url,
            "whatsapp_access_token": TOKEN,
            "media_dir": tmp_path / "media",
            "media_fetch_attempts": 1,
        }
    )


def voice_report(db: Database, media_id: str = "A1", text: str | None = None) -> Report:
    store = Store(db)
    start = datetime.now(UTC) - timedelta(hours=1)
    if text:
        store.add_message(RawMessage(message_id=f"t-{media_id}", sender="6281", timestamp=start, text=text))
    store.add_message(
        RawMessage(
            message_id=f"v-{media_id}",
            sender="6281",
            timestamp=start + timedelta(seconds=3),
            type="audio",
            media_id=media_id,
        )
    )
    assembler.assemble(store, timedelta(minutes=2), now=None)
    rid = db.execute("SELECT report_id FROM messages WHERE message_id = ?", [f"v-{media_id}"]).fetchone()[0]
    return store.report(rid)


@pytest.fixture
def heard_count(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many times Whisper ran: the real transcription, counted."""
    from triage.media import prepare as module

    calls: list[int] = []
    real = module.transcribe

    def counted(audio: bytes, settings: Settings):  # type: ignore[no-untyped-def]
        calls.append(len(audio))
        return real(audio, settings)

    monkeypatch.setattr(module, "transcribe", counted)
    return calls


def test_a_voice_note_becomes_the_reports_text_once(
    db: Database, s: Settings, api: WhatsAppStandIn, heard_count: list[int]
) -> None:
    api.media["A1"] = (NOTE, "audio/ogg; codecs=opus")
    report = voice_report(db)
    assert report.text == "[audio]"
    prepare(db, s, report)
    heard = Store(db).report(report.report_id)
    assert heard.text.startswith(TRANSCRIPT_MARK)
    assert "rusak" in heard.text.lower()
    assert heard.unheard == [] and heard.transcript_confidence is not None
    # delivered again (a worker crashed after transcribing): neither fetched nor heard again
    prepare(db, s, heard)
    assert len(api.fetched("download")) == 1
    assert heard_count == [len(NOTE)]


def test_the_same_note_forwarded_by_another_sender_is_heard_once(
    db: Database, s: Settings, api: WhatsAppStandIn, heard_count: list[int]
) -> None:
    api.media["A1"] = (NOTE, "audio/ogg")
    api.media["A2"] = (NOTE, "audio/ogg")  # another media id, the same bytes
    prepare(db, s, voice_report(db, "A1"))
    prepare(db, s, voice_report(db, "A2"))
    assert db.execute("SELECT count(*) FROM transcripts").fetchone()[0] == 1
    assert db.execute("SELECT count(DISTINCT sha256) FROM media").fetchone()[0] == 1
    assert len(heard_count) == 1


def test_a_note_whisper_cannot_decode_is_recorded_and_goes_to_a_person(
    db: Database, s: Settings, api: WhatsAppStandIn
) -> None:
    api.media["A1"] = (b"OggS" + b"\x00" * 4000, "audio/ogg")  # the right magic, no audio inside
    report = voice_report(db)
    prepare(db, s, report)
    status, error = db.execute("SELECT status, error FROM transcripts").fetchone()
    assert status == "failed" and error
    again = Store(db).report(report.report_id)
    assert [m.message_id for m in again.unheard] == ["v-A1"]
    assert (
        policy.route(transcripts.unheard_result(again), gate_open=True, review_threshold=0.6)
        is Outcome.review
    )


def test_a_report_waits_for_an_api_that_fails_then_is_judged_without_the_note(
    db: Database, s: Settings, api: WhatsAppStandIn
) -> None:
    api.media["A1"] = (NOTE, "audio/ogg")
    api.fail_next = 1000
    report = voice_report(db)
    for _ in range(FETCH_ROUNDS - 1):
        with pytest.raises(MediaUnavailable):
            prepare(db, s, report)
    prepare(db, s, report)  # the last round gives up waiting: the report goes on, unheard
    assert db.execute("SELECT status FROM media").fetchone()[0] == "failed"
    assert Store(db).report(report.report_id).unheard


def test_without_a_whatsapp_token_nothing_is_fetched_and_nothing_waits(
    db: Database, s: Settings, api: WhatsAppStandIn
) -> None:
    api.media["A1"] = (NOTE, "audio/ogg")
    prepare(db, s.model_copy(update={"whatsapp_access_token": None}), voice_report(db))
    assert api.fetched() == []


def test_with_transcription_off_the_note_waits_for_a_person_and_is_heard_once_it_is_on(
    db: Database, s: Settings, api: WhatsAppStandIn
) -> None:
    api.media["A1"] = (NOTE, "audio/ogg")
    report = voice_report(db, text="pak tolong dengar")
    prepare(db, s.model_copy(update={"asr_engine": "off"}), report)
    assert db.execute("SELECT count(*) FROM transcripts").fetchone()[0] == 0
    assert Store(db).report(report.report_id).unheard
    prepare(db, s, report)
    assert not Store(db).report(report.report_id).unheard


def test_an_engine_that_is_down_is_not_held_against_the_note(
    db: Database, s: Settings, api: WhatsAppStandIn
) -> None:
    api.media["A1"] = (NOTE, "audio/ogg")
    report = voice_report(db)
    down = s.model_copy(update={"asr_engine": "openai", "asr_base_url": "http://127.0.0.1:9/v1"})
    prepare(db, down, report)
    assert db.execute("SELECT count(*) FROM transcripts").fetchone()[0] == 0
    assert Store(db).report(report.report_id).unheard  # a person hears it meanwhile
    prepare(db, s, report)  # the engine is back: the same file is heard
    assert not Store(db).report(report.report_id).unheard


def test_the_media_command_hears_a_note_and_refuses_what_is_not_one() -> None:
    from click.testing import CliRunner

    from triage.cli import cli

    runner = CliRunner()
    ok = runner.invoke(cli, ["media", "transcribe", str(AUDIO / "greeting.ogg")])
    assert ok.exit_code == 0, ok.output
    assert "selamat pagi" in ok.output.lower() and '"confidence"' in ok.output
    bad = runner.invoke(cli, ["media", "transcribe", str(AUDIO.parent / "photo.png")])
    assert bad.exit_code == 1 and "not audio" in bad.output


def test_what_the_worker_fetched_and_heard_is_counted_for_the_operator(
    db: Database, s: Settings, api: WhatsAppStandIn
) -> None:
    from triage import metrics

    def count(metric, result: str) -> float:  # type: ignore[no-untyped-def]
        return float(metric.labels(result)._value.get())

    kept, done = count(metrics.MEDIA, "kept"), count(metrics.TRANSCRIPTIONS, "done")
    refused, failed = count(metrics.MEDIA, "refused"), count(metrics.TRANSCRIPTIONS, "failed")
    api.media["A1"] = (NOTE, "audio/ogg")
    api.media["A2"] = (b"OggS" + b"\x00" * 4000, "audio/ogg")
    api.media["A3"] = (b"<html>", "text/html")
    for media_id in ("A1", "A2", "A3"):
        prepare(db, s, voice_report(db, media_id))
    assert count(metrics.MEDIA, "kept") == kept + 2 and count(metrics.MEDIA, "refused") == refused + 1
    assert count(metrics.TRANSCRIPTIONS, "done") == done + 1
    assert count(metrics.TRANSCRIPTIONS, "failed") == failed + 1
