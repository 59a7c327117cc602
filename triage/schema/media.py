"""Media shapes: a file a citizen sent (a voice note, a photo) and what was heard in a voice note.

Media arrive as WhatsApp media ids; the bytes are fetched once, kept under their sha256 (so the
same photo forwarded twice is stored once), and a voice note's transcript is kept per file. The
transcript keeps Whisper's own per-segment confidence, because a rejection of a text the
recogniser was unsure of must go to a person, not the archive.
"""

from __future__ import annotations

import math
from enum import StrEnum

from pydantic import BaseModel, Field, computed_field


class MediaStatus(StrEnum):
    fetched = "fetched"  # bytes stored under `sha256`
    failed = "failed"  # the API kept failing; a later delivery of the report tries again
    refused = "refused"  # too large or not a type we keep: never fetched again


def base_type(mime: str) -> str:
    """ "audio/ogg; codecs=opus" -> "audio/ogg": what allowlists and Content-Type headers compare."""
    return mime.split(";", 1)[0].strip().lower()


class MediaFile(BaseModel):
    """One fetched file, as the store keeps it."""

    media_id: str = Field(min_length=1, max_length=200)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    mime_type: str = Field(min_length=1, max_length=200)
    size: int = Field(ge=0)

    @property
    def base_type(self) -> str:
        return base_type(self.mime_type)

    @property
    def kind(self) -> str:
        """audio / image / video / document: what the review page and SP4N show it as."""
        top = base_type(self.mime_type).split("/", 1)[0]
        return top if top in ("audio", "image", "video") else "document"


class Segment(BaseModel):
    start: float = Field(ge=0)
    end: float = Field(ge=0)
    text: str
    avg_logprob: float | None = None  # Whisper's mean token log-probability over the segment
    no_speech_prob: float | None = Field(default=None, ge=0, le=1)


class Transcript(BaseModel):
    """What a voice note says, as the recogniser heard it."""

    text: str
    language: str | None = None
    language_probability: float | None = Field(default=None, ge=0, le=1)
    duration_s: float = Field(default=0.0, ge=0)
    segments: list[Segment] = Field(default_factory=list)
    truncated: bool = False  # the time budget ran out before the end of the note
    engine: str = "whisper"
    seconds: float = Field(default=0.0, ge=0, description="wall time the transcription took")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def confidence(self) -> float:
        """exp of the duration-weighted mean token log-probability: 1 sure, ~0.3 guessing.

        Segments the recogniser thinks hold no speech count as guesses; a truncated note or one
        with no words at all has no confidence (0), so it always reaches a person.
        """
        if self.truncated or not self.text.strip() or not self.segments:
            return 0.0
        total = weight = 0.0
        for s in self.segments:
            w = max(s.end - s.start, 0.1)
            lp = s.avg_logprob if s.avg_logprob is not None else -1.0
            if s.no_speech_prob is not None and s.no_speech_prob > 0.6 and lp < -1.0:
                lp = min(lp, -2.0)
            total += w * lp
            weight += w
        return round(math.exp(total / weight), 4) if weight else 0.0
