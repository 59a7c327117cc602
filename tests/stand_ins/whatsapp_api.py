"""A local stand-in of the WhatsApp Cloud API send endpoint (POST /{phone-number-id}/messages).

Records every request; `fail_next` makes the next N requests answer 500 (or `fail_status`), so
tests can see retries without touching Meta.
"""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class WhatsAppStandIn:
    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.fail_next = 0
        self.fail_status = 500
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
                    failing = stand_in.fail_next > 0
                    if failing:
                        stand_in.fail_next -= 1
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

            def _reply(self, status: int, payload: dict[str, Any]) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v21.0"

    def sent(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.requests)

    def __enter__(self) -> WhatsAppStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
