"""A process that lists a model like llama.cpp's server, then dies as a bad build does.

`python dying_model_server.py PORT ALIAS`: GET /v1/models answers with ALIAS; the first POST
(a completion) kills the process with SIGILL, as a llama.cpp build with AMX did on these VMs.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

PORT, ALIAS = int(sys.argv[1]), sys.argv[2]


class Handler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass

    def do_GET(self) -> None:  # noqa: N802
        body = json.dumps({"object": "list", "data": [{"id": ALIAS, "object": "model"}]}).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:  # noqa: N802
        signal.signal(signal.SIGILL, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGILL)


HTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
