"""A stand-in OpenAI-compatible model that judges at a fixed latency, for the replica drills and
the scaling benchmark: the model is not what they measure, so it must never be the bottleneck
nor the source of nondeterminism.

A message containing "iseng" is judged a prank; anything else a valid road complaint quoting the
message. Answers are well-formed judgements, so the whole pipeline after the model runs for real.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from stand_ins.openai_chat import reply

MODEL = "stand-in-judge"


def judgement(text: str) -> dict[str, Any]:
    quote = text.strip()[:120]
    if "iseng" in text.lower():
        return {
            "reasons": [{"statement": "Pesan hanya iseng", "evidence": quote}],
            "verdict": "invalid",
            "reason": "prank",
            "missing_fields": [],
            "complaint": None,
        }
    return {
        "reasons": [{"statement": "Jalan rusak dilaporkan dengan tempatnya", "evidence": quote}],
        "verdict": "valid",
        "reason": None,
        "missing_fields": [],
        "complaint": {
            "category": "PEKERJAAN UMUM DAN PENATAAN RUANG",
            # the one city the voice-note flow's synthetic note is heard naming (test_voice_flow)
            "regency": "Kota Yogyakarta" if "yogyakarta" in text.lower() else "Kabupaten Bogor",
            "urgent": False,
        },
    }


class JudgingModel:
    """`with JudgingModel(latency_s=0.2) as m:` serves `m.url` until the block ends."""

    def __init__(self, latency_s: float = 0.0) -> None:
        self.latency_s = latency_s
        self.requests = 0
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # /v1/models: the readiness probe
                data = json.dumps({"object": "list", "data": [{"id": MODEL, "object": "model"}]}).encode()
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
                with outer._lock:
                    outer.requests += 1
                time.sleep(outer.latency_s)
                user = [m for m in body.get("messages", []) if m.get("role") == "user"][-1]["content"]
                found = re.search(r"<pesan>\n?(.*?)\n?</pesan>", user, flags=re.S)
                reply(self, json.dumps(judgement(found.group(1) if found else user)))

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> JudgingModel:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
