"""Media bytes kept by content: `root/ab/cd/<sha256>`.

Addressing by sha256 makes a file forwarded by ten citizens one file, makes a second fetch of
the same bytes a no-op, and lets the review page serve a file by a name that cannot be guessed
from a report. That page passes user-supplied names in, so every path is built by `path_of`,
which accepts nothing but a sha256.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path

_SHA256 = re.compile(r"[0-9a-f]{64}")


class MediaFileMissing(FileNotFoundError):
    """The store names a file the media folder does not hold (deleted, or another machine's disk)."""


def path_of(root: Path | str, sha256: str) -> Path:
    """The file's place under `root`; anything but 64 lowercase hex digits is refused, so no
    name ("../etc/passwd", an absolute path) can reach outside the media folder."""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a sha256: {str(sha256)[:80]!r}")
    return Path(root) / sha256[:2] / sha256[2:4] / sha256


def put(root: Path | str, data: bytes) -> str:
    """Keep `data`; returns its sha256. A reader never sees a half-written file (temporary file,
    fsync, rename), and bytes already kept are not written again."""
    sha256 = hashlib.sha256(data).hexdigest()
    path = path_of(root, sha256)
    if path.is_file():
        return sha256
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    # the rename itself survives a power cut only once the folder is synced too
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)
    return sha256


def read(root: Path | str, sha256: str) -> bytes:
    path = path_of(root, sha256)
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise MediaFileMissing(f"media file {sha256} is not in {root}") from exc
