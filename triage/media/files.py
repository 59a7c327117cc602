"""Media bytes kept by content: `root/ab/cd/<sha256>` on disk, or the same key in object storage.

Addressing by sha256 makes a file forwarded by ten citizens one file, makes a second fetch of
the same bytes a no-op, and lets the review page serve a file by a name that cannot be guessed
from a report. That page passes user-supplied names in, so every path or key is built by
`path_of`/`key_of`, which accept nothing but a sha256.

Where the files live is one setting (`media.storage.store_for`): a folder (the default, beside
the SQLite file) or, with `TRIAGE_MEDIA_STORE=s3://bucket/prefix`, an S3-compatible object store
that every machine reaches (`media.object_store`), so several workers and webhooks share no disk.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

_SHA256 = re.compile(r"[0-9a-f]{64}")


class MediaFileMissing(FileNotFoundError):
    """The store names a file the media folder does not hold (deleted, or another machine's disk)."""


class MediaStoreUnavailable(RuntimeError):
    """The object store could not be reached or refused us (credentials, bucket): retry later."""


class MediaFileCorrupt(ValueError):
    """The bytes kept under a sha256 do not hash to it (a damaged disk or object)."""


def key_of(sha256: str) -> str:
    """`ab/cd/<sha256>`; anything but 64 lowercase hex digits is refused, so no name
    ("../etc/passwd", an absolute path) can reach outside the media folder or prefix."""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a sha256: {str(sha256)[:80]!r}")
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def path_of(root: Path | str, sha256: str) -> Path:
    """The file's place under `root` (see `key_of`)."""
    return Path(root) / key_of(sha256)


class MediaStore(Protocol):
    """Where media bytes are kept, by sha256."""

    where: str  # for messages: the folder, or the bucket and prefix

    def put(self, data: bytes) -> str:
        """Keep `data` (once); returns its sha256."""
        ...

    def read(self, sha256: str) -> bytes:
        """The bytes; MediaFileMissing when not kept, MediaFileCorrupt when they do not hash."""
        ...

    def has(self, sha256: str) -> bool: ...

    def local_path(self, sha256: str) -> Path | None:
        """A file on this machine (served with range requests), or None (object storage)."""
        ...


class LocalFiles:
    """A folder on this machine (or a mount every machine shares)."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self.where = str(root)

    def put(self, data: bytes) -> str:
        return put(self.root, data)

    def read(self, sha256: str) -> bytes:
        return read(self.root, sha256)

    def has(self, sha256: str) -> bool:
        return path_of(self.root, sha256).is_file()

    def local_path(self, sha256: str) -> Path | None:
        return path_of(self.root, sha256)


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
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise MediaFileMissing(f"media file {sha256} is not in {root}") from exc
    return checked(data, sha256, str(root))


def checked(data: bytes, sha256: str, where: str) -> bytes:
    """`data` if it hashes to its name: a damaged file is never sent to SP4N or heard as a note."""
    if hashlib.sha256(data).hexdigest() != sha256:
        raise MediaFileCorrupt(f"media file {sha256} in {where} does not hash to its name")
    return data
