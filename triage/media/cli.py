"""`triage media transcribe|prepare`: hear a voice note as the worker would; ready the model."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click


@click.group("media")
def media() -> None:
    """Voice notes and photos: the transcription engine (TRIAGE_ASR_*) and its model."""


@media.command("transcribe")
@click.argument("audio", type=click.Path(path_type=Path, dir_okay=False, exists=True))
def transcribe_command(audio: Path) -> None:
    """Print the transcript of a voice note (ogg/opus, mp3, m4a, aac, amr) as JSON.

    The same engine, language, budget and confidence the worker uses; exit 1 with the reason
    when the note cannot be heard.
    """
    from triage.config import get_settings
    from triage.media.transcribe import TranscriptionFailed, transcribe

    try:
        heard = transcribe(audio.read_bytes(), get_settings())
    except TranscriptionFailed as exc:
        click.echo(f"cannot transcribe {audio}: {exc}", err=True)
        sys.exit(1)
    click.echo(json.dumps(heard.model_dump(mode="json"), ensure_ascii=False, indent=2))


@media.command("prepare")
def prepare_command() -> None:
    """Assemble and check the embedded Whisper model now (otherwise done on first use)."""
    from triage.config import get_settings
    from triage.media.whisper_model import WhisperModelError, whisper_model_dir

    try:
        click.echo(whisper_model_dir(get_settings()))
    except WhisperModelError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
