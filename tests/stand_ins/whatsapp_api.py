"""A local stand-in of the WhatsApp Cloud API: the send endpoint (POST /{phone-number-id}/messages)
and the media endpoints (GET /{version}/{media-id} for the metadata, then its download URL).

Records every request (`requests`: POSTs, `gets`: GETs); `fail_next` makes the next N requests of
either kind answer 500 (or `fail_status`), so tests can see retries without touching Meta.

Media: `media[media_id] = (bytes, mime_type)`. The metadata can lie (`meta_override[media_id]`,
e.g. {"file_size": 10}), a download URL can run out once (`expire_once.add(media_id)`: 404),
`fail_downloads` fails only the next N downloads, and `send_length = False` sends bodies without
Content-Length (read until the connection closes).
"""

from __future__ import annotations

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from stand_ins.openai_chat import send_json

CHUNK = 64 * 1024


class WhatsAppStandIn:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.gets: list[dict[str, Any]] = []
        self.fail_next = 0
        self.fail_status = 500
        self.media: dict[str, tuple[bytes, str]] = {}
        self.meta_override: dict[str, dict[str, Any]] = {}
        self.expire_once: set[str] = set()
        self.fail_downloads = 0  # the next N downloads (only) answer `fail_status`
        self.send_length = True
        self.token: str | None = None  # GETs need "Bearer <token>"; None: any non-empty token
        self._lock = threading.Lock()
        stand_in = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                pass

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("content-length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                with stand_in._lock:
                    n = len(stand_in.requests)
                    stand_in.requests.append(
                        {"path": self.path, "auth": self.headers.get("authorization"), "body": body}
                    )
                    failing = stand_in._failing()
                if failing:
                    self._reply(stand_in.fail_status, {"error": {"message": "stand-in failure"}})
                    return
                to = body.get("to") or body.get("recipient")
                self._reply(
                    200,
                    {
                        "messaging_product": "whatsapp",
                        "contacts": [{"input": to, "wa_id": to}],
                        "messages": [{"id": f"wamid.standin{n}"}],
                    },
                )

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                parts = [p for p in urlsplit(self.path).path.split("/") if p]
                download = len(parts) == 2 and parts[0] == "download"
                media_id = parts[-1] if parts and len(parts) <= 2 else ""
                auth = self.headers.get("authorization") or ""
                with stand_in._lock:
                    stand_in.gets.append(
                        {
                            "kind": "download" if download else "meta",
                            "media_id": media_id,
                            "path": self.path,
                            "auth": auth or None,
                        }
                    )
                    failing = stand_in._failing()
                    if download and stand_in.fail_downloads > 0 and not failing:
                        stand_in.fail_downloads -= 1
                        failing = True
                    expired = download and media_id in stand_in.expire_once
                    if expired:
                        stand_in.expire_once.discard(media_id)
                    item = stand_in.media.get(media_id)
                    override = dict(stand_in.meta_override.get(media_id, {}))
                if failing:
                    self._reply(stand_in.fail_status, {"error": {"message": "stand-in failure"}})
                elif not stand_in._authorized(auth):
                    self._reply(401, {"error": {"message": "Invalid OAuth access token", "code": 190}})
                elif item is None or expired:
                    self._reply(404, {"error": {"message": "Unsupported get request", "code": 100}})
                elif not download:
                    data, mime = item
                    meta = {
                        "messaging_product": "whatsapp",
                        "url": f"http://127.0.0.1:{stand_in.port}/download/{media_id}?ext=1&hash=secret",
                        "mime_type": mime,
                        "sha256": hashlib.sha256(data).hexdigest(),
                        "file_size": len(data),
                        "id": media_id,
                    }
                    self._reply(200, {**meta, **override})
                else:
                    self._bytes(*item)

            def _bytes(self, data: bytes, mime: str) -> None:
                self.send_response(200)
                self.send_header("content-type", mime)
                if stand_in.send_length:
                    self.send_header("content-length", str(len(data)))
                self.end_headers()
                try:
                    for at in range(0, len(data), CHUNK):
                        self.wfile.write(data[at : at + CHUNK])
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading (a size cap): what we are testing
                self.close_connection = True

            def _reply(self, status: int, payload: dict[str, Any]) -> None:
                send_json(self, status, payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def _failing(self) -> bool:
        """Called with the lock held: whether this request is one of the `fail_next`."""
        if self.fail_next > 0:
            self.fail_next -= 1
            return True
        return False

    def _authorized(self, auth: str) -> bool:
        token = auth.removeprefix("Bearer ").strip() if auth.startswith("Bearer ") else ""
        return bool(token) and (self.token is None or token == self.token)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v21.0"

    def sent(self) -> list[dict[str, Any]]:
        """The POSTs (messages sent), in order."""
        with self._lock:
            return list(self.requests)

    def fetched(self, kind: str | None = None) -> list[dict[str, Any]]:
        """The GETs, in order; `kind` "meta" or "download" keeps only those."""
        with self._lock:
            return [g for g in self.gets if kind is None or g["kind"] == kind]

    def __enter__(self) -> WhatsAppStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
