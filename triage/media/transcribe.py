"""A voice note's bytes turned into a `Transcript`, by the embedded Whisper or an OpenAI-style endpoint.

Voice notes arrive as WhatsApp sends them (`audio/ogg; codecs=opus` mostly, also mp3, m4a, aac,
amr); PyAV, which faster-whisper bundles, decodes them all without a system ffmpeg.

Embedded (`TRIAGE_ASR_ENGINE=embedded`): OpenAI Whisper base (`whisper_model`) on CTranslate2,
int8 on 2 CPU threads, one instance per process (loading takes a second or two, and the worker
shares the machine's 2 cores with the LLM). Decoding settings, measured with benchmarks/asr.py on
40 espeak-ng notes from the tuning split (docs/voice_notes.md):
  beam_size=5     against greedy (1): CER 0.36 vs 0.45 and no empty transcripts (greedy: 5 of 40)
                  on clean notes, level on noisy ones, for 0.19 vs 0.13 wall s per audio second.
  vad_filter=True Silero VAD cuts silence before Whisper sees it: about even on speech (+0.02 s
                  per audio s), but on silence Whisper otherwise writes " ." segments (beam 5,
                  language auto) over a 30 s window; a silent note takes ~0.02 s, not ~0.8 s.
The time budget (`asr_budget_s`) is checked between Whisper's segments: once it has run out, the
segments heard so far are kept and the transcript is `truncated` (confidence 0, so a person
hears the note). The overshoot is the segment being decoded (at most one 30 s window).

OpenAI (`TRIAGE_ASR_ENGINE=openai`): POST {asr_base_url}/audio/transcriptions, verbose_json, so
the segments' avg_logprob / no_speech_prob give the same confidence as the embedded engine.
Connection errors, timeouts, 429 and 5xx are tried again a few times with a short backoff (the
worker is holding the report); a longer outage is `TranscriptionFailed`, for the caller to decide.

Anything that leaves the note unheard is `TranscriptionFailed` with a message an operator can act
on (a voice note nobody could hear goes to a person, never to an empty-text rejection).
"""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from pydantic import ValidationError
from tenacity import RetryError, Retrying, retry_if_exception, stop_after_attempt, stop_after_delay
from tenacity import wait_exponential as backoff

from triage.config import Settings
from triage.media.whisper_model import WhisperModelError, whisper_model_dir
from triage.schema.media import Segment, Transcript

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

BEAM_SIZE = 5  # faster-whisper's and OpenAI's default; measured above
VAD_FILTER = True
CPU_THREADS = 2
SAMPLE_RATE = 16_000
# A note heard this close to its end is complete, even when the budget ran out just after.
END_SLACK_S = 1.0
OPENAI_ATTEMPTS = 3
# verbose_json names the language ("indonesian"); the store keeps Whisper's codes.
_LANGUAGE_CODES = {"indonesian": "id", "malay": "ms", "javanese": "jw", "sundanese": "su", "english": "en"}
# What the bytes are, for the file name the OpenAI API reads the format from.
_SIGNATURES = [(0, b"OggS", "ogg"), (0, b"#!AMR", "amr"), (4, b"ftyp", "m4a"), (0, b"ID3", "mp3")]

_clock = time.monotonic  # the budget's clock (a test steps it by hand)
_models: dict[Path, WhisperModel] = {}
_models_lock = threading.Lock()


class TranscriptionFailed(Exception):
    """The note could not be heard: undecodable, engine off or missing, endpoint down."""


class TranscriptionUnavailable(TranscriptionFailed):
    """The engine, not the note, failed (endpoint down, model not installed): the same note may be
    heard later, so the failure is not remembered against the file."""


def transcribe(audio: bytes, settings: Settings) -> Transcript:
    """What the voice note says, by the configured engine."""
    if settings.asr_engine == "off":
        raise TranscriptionFailed("voice-note transcription is off (TRIAGE_ASR_ENGINE=off)")
    if not audio:
        raise TranscriptionFailed("the voice note is empty (0 bytes)")
    if settings.asr_engine == "openai":
        return transcribe_openai(audio, settings)
    return transcribe_embedded(audio, settings)


def whisper(settings: Settings) -> WhisperModel:
    """The process's Whisper model for this model directory, loaded on first use."""
    try:
        path = whisper_model_dir(settings)
    except WhisperModelError as exc:
        raise TranscriptionUnavailable(str(exc)) from exc
    with _models_lock:
        if path not in _models:
            from faster_whisper import WhisperModel

            _models[path] = WhisperModel(
                str(path), device="cpu", compute_type="int8", cpu_threads=CPU_THREADS
            )
        return _models[path]


def decode(audio: bytes) -> Any:
    """16 kHz mono float32 samples; TranscriptionFailed for bytes that are not audio."""
    import av
    from faster_whisper.audio import decode_audio

    try:
        samples = decode_audio(io.BytesIO(audio), sampling_rate=SAMPLE_RATE)
    except (av.error.FFmpegError, IndexError, ValueError, EOFError) as exc:
        raise TranscriptionFailed(
            f"the voice note ({len(audio)} bytes) is not audio PyAV can decode: {type(exc).__name__}: {exc}"
        ) from exc
    if samples.size == 0:
        raise TranscriptionFailed(f"the voice note ({len(audio)} bytes) holds no audio samples")
    return samples


def transcribe_embedded(
    audio: bytes, settings: Settings, *, beam_size: int = BEAM_SIZE, vad_filter: bool = VAD_FILTER
) -> Transcript:
    """The embedded engine; `beam_size` and `vad_filter` are open to benchmarks/asr.py."""
    model = whisper(settings)
    started = _clock()  # the budget is this note's: loading the model (once a process) is not in it
    samples = decode(audio)
    language = None if settings.asr_language == "auto" else settings.asr_language
    generated, info = model.transcribe(samples, language=language, beam_size=beam_size, vad_filter=vad_filter)
    segments: list[Segment] = []
    heard_to: float | None = None
    truncated = False
    while True:
        if _clock() - started > settings.asr_budget_s:
            truncated = heard_to is None or heard_to < info.duration - END_SLACK_S
            generated.close()
            break
        s = next(generated, None)
        if s is None:
            break
        heard_to = s.end
        if any(ch.isalnum() for ch in s.text):  # a segment of bare punctuation holds no words
            segments.append(
                Segment(
                    start=max(s.start, 0.0),
                    end=max(s.end, s.start, 0.0),
                    text=s.text.strip(),
                    avg_logprob=s.avg_logprob,
                    no_speech_prob=min(max(s.no_speech_prob, 0.0), 1.0),
                )
            )
    return Transcript(
        text=" ".join(s.text for s in segments),
        language=info.language,
        language_probability=min(max(float(info.language_probability), 0.0), 1.0),
        duration_s=max(float(info.duration), 0.0),
        segments=segments,
        truncated=truncated,
        engine="embedded:whisper-base",
        seconds=round(max(_clock() - started, 0.0), 3),
    )


class _Transient(Exception):
    """A 429 or 5xx answer: worth another try."""


def _retryable(exc: BaseException) -> bool:
    return isinstance(exc, _Transient | httpx.TransportError)


def _filename(audio: bytes) -> str:
    for at, magic, ext in _SIGNATURES:
        if audio[at : at + len(magic)] == magic:
            return f"voice.{ext}"
    if audio[:2] in (b"\xff\xf1", b"\xff\xf9"):
        return "voice.aac"
    return "voice.mp3" if audio[:1] == b"\xff" else "voice.ogg"


def transcribe_openai(audio: bytes, settings: Settings, *, backoff_s: float = 0.5) -> Transcript:
    """An OpenAI-compatible /audio/transcriptions endpoint, tried again on transient failures."""
    if not settings.asr_base_url:
        raise TranscriptionFailed("TRIAGE_ASR_ENGINE=openai needs TRIAGE_ASR_BASE_URL")
    url = settings.asr_base_url.rstrip("/") + "/audio/transcriptions"
    form = {"model": settings.asr_model, "response_format": "verbose_json"}
    if settings.asr_language != "auto":
        form["language"] = settings.asr_language
    headers = {"Authorization": f"Bearer {settings.asr_api_key}"}
    files = {"file": (_filename(audio), audio, "application/octet-stream")}

    def post(client: httpx.Client) -> httpx.Response:
        r = client.post(url, data=form, files=files, headers=headers)
        if r.status_code == 429 or r.status_code >= 500:
            raise _Transient(f"HTTP {r.status_code}")
        return r

    started = time.monotonic()
    retrying = Retrying(
        stop=stop_after_attempt(OPENAI_ATTEMPTS) | stop_after_delay(settings.asr_budget_s),
        wait=backoff(multiplier=backoff_s, max=backoff_s * 8),
        retry=retry_if_exception(_retryable),
    )
    try:
        with httpx.Client(timeout=httpx.Timeout(settings.asr_budget_s, connect=10.0)) as client:
            r = retrying(post, client)
    except RetryError as exc:
        last = exc.last_attempt.exception()
        why = str(last) if isinstance(last, _Transient) else f"{type(last).__name__}: {last}"
        raise TranscriptionUnavailable(
            f"the transcription endpoint {url} is down: {exc.last_attempt.attempt_number} tries, last {why}"
        ) from last
    except (httpx.HTTPError, httpx.InvalidURL) as exc:
        raise TranscriptionUnavailable(
            f"the transcription endpoint {url}: {type(exc).__name__}: {exc}"
        ) from exc
    if r.status_code != 200:
        raise TranscriptionFailed(
            f"the transcription endpoint {url} refused the note: HTTP {r.status_code}: {r.text[:300]}"
        )
    try:
        return _from_verbose_json(r.json(), settings, time.monotonic() - started)
    except (ValueError, KeyError, TypeError, AttributeError, ValidationError) as exc:
        raise TranscriptionFailed(
            f"the transcription endpoint {url} gave an unreadable answer: {type(exc).__name__}: {exc}"[:600]
        ) from exc


def _from_verbose_json(body: dict[str, Any], settings: Settings, seconds: float) -> Transcript:
    language = body.get("language")
    if isinstance(language, str):
        language = _LANGUAGE_CODES.get(language.lower(), language.lower())
    segments = [
        Segment(
            start=s["start"],
            end=s["end"],
            text=str(s["text"]).strip(),
            avg_logprob=s.get("avg_logprob"),
            no_speech_prob=s.get("no_speech_prob"),
        )
        for s in body.get("segments") or []
    ]
    return Transcript(
        text=str(body["text"]).strip(),
        language=language,
        duration_s=float(body.get("duration") or 0.0),
        segments=segments,
        engine=f"openai:{settings.asr_model}",
        seconds=round(seconds, 3),
    )
