"""Voice notes and photos (issue 24): what a transcript may decide alone, what reaches a person,
what SP4N receives. The pure parts here; the whole flow with real Whisper in test_voice_flow.py."""

from __future__ import annotations

from datetime import UTC, datetime

from triage.judge import policy, transcripts
from triage.schema import (
    MediaFile,
    Outcome,
    RawMessage,
    Reason,
    Report,
    Segment,
    Transcript,
    TriageResult,
    Verdict,
)
from triage.schema.messages import TRANSCRIPT_MARK
from triage.sp4n.attachments import describe as attachments

SHA = "a" * 64
TS = datetime(2026, 12, 6, 8, 0, tzinfo=UTC)


def heard(text: str, logprob: float) -> Transcript:
    return Transcript(
        text=text,
        language="id",
        duration_s=4.0,
        segments=[Segment(start=0, end=4, text=text, avg_logprob=logprob)],
    )


def voice(i: int, transcript: Transcript | None, **kw: object) -> RawMessage:
    msg = RawMessage(message_id=f"m{i}", sender="6281", timestamp=TS, type="audio", media_id=f"M{i}", **kw)
    msg.media = MediaFile(media_id=f"M{i}", sha256=SHA, mime_type="audio/ogg; codecs=opus", size=9000)
    msg.transcript = transcript
    return msg


def report(*messages: RawMessage) -> Report:
    return Report(report_id="r1", sender="6281", messages=list(messages))


def result(verdict: Verdict, confidence: float = 0.9) -> TriageResult:
    return TriageResult(
        verdict=verdict,
        reason="prank" if verdict is Verdict.invalid else None,
        reasons=[Reason(statement="s", evidence="jalan")],
        missing_fields=["location"] if verdict is Verdict.needs_info else [],
        confidence=confidence,
    )


def route(r: TriageResult) -> Outcome:
    return policy.route(r, gate_open=True, review_threshold=0.6)


def test_a_transcript_is_the_text_marked_as_heard_not_written() -> None:
    r = report(
        RawMessage(message_id="m0", sender="6281", timestamp=TS, text="P"),
        voice(1, heard("Jalan rusak", -0.2)),
    )
    assert r.text == f"P\n{TRANSCRIPT_MARK} Jalan rusak"
    assert "[audio]" not in r.text
    assert r.unheard == []
    assert r.transcript_confidence == heard("x", -0.2).confidence


def test_a_voice_note_nobody_heard_stays_a_marker_and_counts_as_unheard() -> None:
    r = report(voice(1, None))
    assert r.text == "[audio]"
    assert [m.message_id for m in r.unheard] == ["m1"]
    assert r.transcript_confidence is None


def test_transcript_confidence_follows_whispers_log_probabilities() -> None:
    sure, unsure = heard("jalan", -0.1).confidence, heard("jalan", -1.2).confidence
    assert 0.85 < sure <= 1.0
    assert unsure < 0.35
    assert Transcript(text="", segments=[]).confidence == 0.0
    assert heard("jalan", -0.1).model_copy(update={"truncated": True}).confidence == 0.0
    # segments the recogniser calls no-speech are guesses, however sure the words sound
    noisy = Transcript(
        text="x", segments=[Segment(start=0, end=2, text="x", avg_logprob=-1.1, no_speech_prob=0.9)]
    )
    assert noisy.confidence < 0.14


def test_the_least_sure_note_decides_how_sure_the_report_is() -> None:
    r = report(voice(1, heard("jalan rusak", -0.1)), voice(2, heard("di desa", -1.5)))
    assert r.transcript_confidence == heard("x", -1.5).confidence


def test_a_doubtful_transcript_sends_a_rejection_to_review_not_the_archive() -> None:
    r = report(voice(1, heard("halo halo", -1.2)))
    before = result(Verdict.invalid, 0.95)
    assert route(before) is Outcome.archived
    after = transcripts.weigh(before, r, min_confidence=0.55)
    assert route(after) is Outcome.review
    assert after.confidence <= r.transcript_confidence  # type: ignore[operator]
    assert transcripts.DOUBTFUL in after.rules


def test_a_doubtful_transcript_is_neither_handed_to_sp4n_nor_answered_with_a_question_unheard() -> None:
    doubtful = report(voice(1, heard("jalan rusak", -1.2)))
    for verdict in (Verdict.valid, Verdict.needs_info):
        before = result(verdict, 0.9)
        assert route(before) in (Outcome.sp4n, Outcome.ask_reporter)
        assert route(transcripts.weigh(before, doubtful, 0.55)) is Outcome.review


def test_a_clear_transcript_is_judged_like_typed_text() -> None:
    r = report(voice(1, heard("Jalan di desa Sukamaju rusak", -0.15)))
    for verdict in Verdict:
        before = result(verdict, 0.9)
        assert transcripts.weigh(before, r, 0.55) == before


def test_typed_reports_are_untouched() -> None:
    typed = report(RawMessage(message_id="m0", sender="6281", timestamp=TS, text="jalan rusak"))
    before = result(Verdict.invalid, 0.95)
    assert transcripts.weigh(before, typed, 0.55) is before


def test_an_unheard_note_beside_typed_words_sends_the_report_to_a_person() -> None:
    r = report(RawMessage(message_id="m0", sender="6281", timestamp=TS, text="halo"), voice(1, None))
    after = transcripts.weigh(result(Verdict.invalid, 0.99), r, 0.55)
    assert route(after) is Outcome.review
    assert transcripts.UNHEARD in after.rules


def test_a_voice_only_report_nobody_heard_goes_to_review_never_to_a_rejection() -> None:
    r = report(voice(1, None))
    assert r.only_unheard
    typed = RawMessage(message_id="m0", sender="6281", timestamp=TS, text="halo")
    photo = RawMessage(message_id="m2", sender="6281", timestamp=TS, type="image", media_id="P1")
    assert not report(typed, voice(1, None)).only_unheard  # words to judge beside it
    assert not report(voice(1, None), photo).only_unheard
    assert not report(voice(1, heard("jalan rusak", -0.2))).only_unheard
    unheard = transcripts.unheard_result(r)
    assert unheard.verdict is not Verdict.invalid
    assert route(unheard) is Outcome.review


def test_sp4n_gets_every_file_with_its_transcript_masked_when_anonymous() -> None:
    photo = RawMessage(
        message_id="m2", sender="6281", timestamp=TS, type="image", media_id="P1", caption="ini"
    )
    photo.media = MediaFile(media_id="P1", sha256="b" * 64, mime_type="image/jpeg", size=1234)
    sticker = RawMessage(message_id="m3", sender="6281", timestamp=TS, type="sticker", media_id="S1")
    missing = RawMessage(message_id="m4", sender="6281", timestamp=TS, type="image", media_id="P2")
    r = report(voice(1, heard("NIK saya 3403012345678901 jalan rusak", -0.1)), photo, sticker, missing)
    plain = attachments(r, lambda t: t)
    assert [(a.media_id, a.jenis) for a in plain] == [("M1", "suara"), ("P1", "foto"), ("P2", "foto")]
    assert plain[0].sha256 == SHA and plain[0].transkrip and "3403012345678901" in plain[0].transkrip
    assert plain[2].sha256 is None  # not fetched: named by its media id only
    masked = attachments(r, lambda t: t.replace("3403012345678901", "340301******8901"))
    assert masked[0].transkrip is not None and "3403012345678901" not in masked[0].transkrip
