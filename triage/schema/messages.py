"""Intake shapes: one message as a channel delivers it, and a sender's messages judged together.

Split out of the one-file `triage.schema` (grown past the module size limit): these are the shapes
the intake stage builds before anything is judged.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from triage.schema.media import MediaFile, Transcript


def utcnow() -> datetime:
    return datetime.now(UTC)


class MessageType(StrEnum):
    text = "text"
    image = "image"
    document = "document"
    audio = "audio"
    video = "video"
    location = "location"
    interactive = "interactive"
    button = "button"
    sticker = "sticker"
    other = "other"


class GeoPoint(BaseModel):
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    name: str | None = None
    address: str | None = None


MAX_MESSAGE_CHARS = 8000
TRANSCRIPT_MARK = "[pesan suara, transkrip otomatis]"


class RawMessage(BaseModel):
    """One message as received from any channel (WhatsApp, JSONL file, stdin)."""

    model_config = ConfigDict(extra="ignore")

    message_id: str = Field(min_length=1, max_length=200)
    sender: str = Field(min_length=1, max_length=200)
    timestamp: datetime = Field(default_factory=utcnow)
    type: MessageType = MessageType.text
    text: str = Field(default="", max_length=MAX_MESSAGE_CHARS)
    media_id: str | None = None
    caption: str | None = None
    location: GeoPoint | None = None
    # Filled by the store from what the worker fetched and heard, never taken from a channel.
    media: MediaFile | None = Field(default=None, exclude=True)
    transcript: Transcript | None = Field(default=None, exclude=True)

    @field_validator("text", "caption")
    @classmethod
    def _no_control_chars(cls, value: str | None) -> str | None:
        if value is None:
            return value
        if "\x00" in value:
            raise ValueError("text contains NUL bytes (binary data is not a message)")
        return value

    @property
    def content(self) -> str:
        """What the message says, for triage: its text, a media caption, a voice note's transcript
        (marked as one, so the model and SP4N know the words were heard, not written), or a
        shared place."""
        parts = [self.text.strip()]
        heard = self.transcript.text.strip() if self.transcript is not None else ""
        if heard:
            parts.append(f"{TRANSCRIPT_MARK} {heard}")
        if self.caption:
            parts.append(self.caption.strip())
        if self.location is not None:
            loc = ", ".join(p for p in (self.location.name, self.location.address) if p)
            parts.append(f"[lokasi dibagikan: {loc or 'titik peta'}]")
        if self.type not in (MessageType.text, MessageType.location) and not self.caption and not heard:
            parts.append(f"[{self.type.value}]")
        return "\n".join(p for p in parts if p)


class Report(BaseModel):
    """A sender's consecutive messages, judged together ("P" then "Assalamualaikum" then the complaint)."""

    report_id: str
    sender: str
    messages: list[RawMessage] = Field(min_length=1)

    @property
    def text(self) -> str:
        return "\n".join(m.content for m in self.messages if m.content)

    @property
    def media_ids(self) -> list[str]:
        return [m.media_id for m in self.messages if m.media_id]

    @property
    def voice_notes(self) -> list[RawMessage]:
        return [m for m in self.messages if m.type is MessageType.audio and m.media_id]

    @property
    def unheard(self) -> list[RawMessage]:
        """Voice notes with no words to judge: not fetched, not transcribed, or silent."""
        return [m for m in self.voice_notes if m.transcript is None or not m.transcript.text.strip()]

    @property
    def only_unheard(self) -> bool:
        """Nothing to read: every message is a voice note nobody heard, with no words beside it."""
        unheard = {m.message_id for m in self.unheard}
        return bool(unheard) and all(
            m.message_id in unheard and not m.text.strip() and not m.caption for m in self.messages
        )

    @property
    def transcript_confidence(self) -> float | None:
        """The least sure transcript's confidence: one misheard note can change the meaning."""
        heard = [m.transcript.confidence for m in self.voice_notes if m.transcript is not None]
        return min(heard) if heard else None
