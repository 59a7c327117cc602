"""An S3-compatible object store on a local port: moto's server (no real S3-compatible server is
installable here: MinIO, Garage and SeaweedFS are packaged on none of PyPI, Debian or npm, and
Debian's radosgw needs a Ceph cluster). boto3 talks to it over real HTTP with SigV4-signed
requests, as it would to MinIO or AWS."""

from __future__ import annotations

from typing import Any

from stand_ins.ports import free_port

BUCKET = "lapor-media"
KEY_ID = "test-key-id"
SECRET = "test-secret"


class ObjectStoreStandIn:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: Any = None

    def __enter__(self) -> ObjectStoreStandIn:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=self.port, verbose=False)
        self._server.start()
        self.client().create_bucket(Bucket=BUCKET)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.stop()

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.url,
            region_name="us-east-1",
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
        )

    def settings(self, prefix: str = "media") -> dict[str, Any]:
        """The Settings fields that put a process's media here."""
        return {
            "media_store": f"s3://{BUCKET}/{prefix}",
            "media_s3_endpoint": self.url,
            "media_s3_access_key": KEY_ID,
            "media_s3_secret_key": SECRET,
        }

    def object_keys(self) -> list[str]:
        listed = self.client().list_objects_v2(Bucket=BUCKET)
        return sorted(o["Key"] for o in listed.get("Contents", []))
