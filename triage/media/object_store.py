"""Media in an S3-compatible object store (`TRIAGE_MEDIA_STORE=s3://bucket/prefix`).

Why: with several machines the workers that fetch a voice note, the webhook replicas whose
review page plays it and the relay that attaches it to the SP4N record need not share a disk.
Keys are the same content addresses as on disk (`<prefix>/ab/cd/<sha256>`), so a file is kept
once whoever fetches it, and bytes are checked against their name when read back. boto3 speaks
to AWS S3 and to the S3-compatible servers (MinIO, Ceph RGW, Garage, SeaweedFS) through
`TRIAGE_MEDIA_S3_ENDPOINT`; its standard retry mode retries throttling and 5xx answers.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from triage.media.files import MediaFileMissing, MediaStoreUnavailable, checked, key_of

if TYPE_CHECKING:
    from triage.config import Settings


class ObjectStore:
    def __init__(self, client: Any, bucket: str, prefix: str, endpoint: str | None = None) -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.where = f"s3://{bucket}/{self.prefix}" + (f" at {endpoint}" if endpoint else "")

    @classmethod
    def from_settings(cls, settings: Settings) -> ObjectStore:
        import boto3
        from botocore.config import Config

        url = urlparse(settings.media_store or "")
        if url.scheme != "s3" or not url.netloc:
            raise ValueError(f"TRIAGE_MEDIA_STORE must be s3://bucket/prefix, not {settings.media_store!r}")
        endpoint = settings.media_s3_endpoint or None  # empty (compose's default) is unset
        client = boto3.client(
            "s3",
            endpoint_url=endpoint,
            region_name=settings.media_s3_region,
            aws_access_key_id=settings.media_s3_access_key or None,
            aws_secret_access_key=settings.media_s3_secret_key or None,
            config=Config(
                retries={"max_attempts": 4, "mode": "standard"},
                connect_timeout=5,
                read_timeout=settings.media_fetch_timeout_s,
                s3={"addressing_style": "path"},  # what the S3-compatible servers all take
            ),
        )
        return cls(client, url.netloc, url.path, endpoint)

    def _key(self, sha256: str) -> str:
        return f"{self.prefix}/{key_of(sha256)}" if self.prefix else key_of(sha256)

    def put(self, data: bytes) -> str:
        sha256 = hashlib.sha256(data).hexdigest()
        if self.has(sha256):
            return sha256
        # the server checks the bytes against the digest: a broken upload is refused
        with self._asking(f"could not keep {sha256[:12]}… in {self.where}"):
            self.client.put_object(
                Bucket=self.bucket,
                Key=self._key(sha256),
                Body=data,
                ContentType="application/octet-stream",
                ChecksumSHA256=base64.b64encode(bytes.fromhex(sha256)).decode(),
            )
        return sha256

    def read(self, sha256: str) -> bytes:
        key = self._key(sha256)  # anything but a sha256 is refused before any request
        with self._asking(f"could not read {sha256[:12]}… from {self.where}"):
            try:
                data: bytes = self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
            except Exception as exc:
                if _missing(exc):
                    raise MediaFileMissing(f"media file {sha256} is not in {self.where}") from exc
                raise
        return checked(data, sha256, self.where)

    def has(self, sha256: str) -> bool:
        key = self._key(sha256)
        with self._asking(f"could not ask {self.where} for {sha256[:12]}…"):
            try:
                self.client.head_object(Bucket=self.bucket, Key=key)
            except Exception as exc:
                if _missing(exc):
                    return False
                raise
        return True

    @contextmanager
    def _asking(self, what: str) -> Iterator[None]:
        """Any failure to talk to the store, but a missing object, is the store being unavailable."""
        try:
            yield
        except MediaFileMissing:
            raise
        except Exception as exc:
            raise MediaStoreUnavailable(f"{what}: {exc}") from exc

    def local_path(self, sha256: str) -> Path | None:
        key_of(sha256)  # the same refusal of anything but a sha256
        return None


def _missing(exc: Exception) -> bool:
    """boto3's answer for an object that is not there (GET: NoSuchKey; HEAD: a bare 404)."""
    response = getattr(exc, "response", None)
    code = str((response or {}).get("Error", {}).get("Code", "")) if isinstance(response, dict) else ""
    return code in ("404", "NoSuchKey", "NotFound")
