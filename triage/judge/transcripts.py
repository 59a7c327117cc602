"""What a voice note's transcript may decide on its own, and what must reach a person.

A recogniser's mistakes look like a citizen's: a misheard place or a garbled sentence reads as a
vague or pointless message. So the judgement of a transcript is only as sure as the transcript:
a result's confidence never exceeds the least sure note's, and a report whose transcript is
doubtful is heard by a person whatever the verdict (measured on espeak-ng notes of the tuning
split: judged alone, 5 of 22 genuine ones would have been archived; docs/voice_notes.md). A voice
note nobody could hear (not fetched, not transcribed, silent) is never judged on the words around
it alone.
"""

from __future__ import annotations

from triage.schema import MissingField, Reason, Report, TriageResult, Verdict

UNHEARD = "voice_note_unheard"
DOUBTFUL = "transcript_doubtful"


def unheard_result(report: Report) -> TriageResult:
    """For a report whose only words are in voice notes nobody could hear: a person listens."""
    return TriageResult(
        verdict=Verdict.needs_info,
        reason=None,
        reasons=[
            Reason(
                statement="Pesan suara belum dapat ditranskripsi; petugas perlu mendengarkannya",
                evidence=report.text.strip()[:160] or "[audio]",
            )
        ],
        missing_fields=[MissingField.what_happened],
        confidence=0.0,
        decided_by="prefilter",
        rules=[UNHEARD],
        needs_review=True,
        notes=[f"{len(report.unheard)} pesan suara tanpa transkrip"],
    )


def weigh(result: TriageResult, report: Report, min_confidence: float) -> TriageResult:
    """The result of a report with voice notes, as sure as its least sure transcript allows."""
    if not report.voice_notes:
        return result
    update: dict[str, object] = {}
    if report.unheard:
        # words were judged, but a note among them was not heard: its content may change all
        update = {"needs_review": True, "rules": [*result.rules, UNHEARD]}
    heard = report.transcript_confidence
    if heard is not None and heard < min_confidence:
        # whatever the verdict: a rejection must not archive a misheard complaint, a hand-off must
        # not carry misheard facts, and a question may ask for what the citizen already said
        update |= {
            "confidence": min(result.confidence, heard),
            "rules": [*update.get("rules", result.rules), DOUBTFUL],  # type: ignore[misc]
            "notes": [*result.notes, f"transkrip kurang yakin ({heard:.2f})"],
            "needs_review": True,
        }
    return result.model_copy(update=update) if update else result
