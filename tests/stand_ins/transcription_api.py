"""A local stand-in of an OpenAI-compatible transcription endpoint (POST /v1/audio/transcriptions).

It answers by running the REAL embedded Whisper (`triage.media.transcribe.transcribe_embedded`),
so the openai engine is tested against real recognition, not canned text. Answers OpenAI's
verbose_json (language as a name, "indonesian"; segments with avg_logprob and no_speech_prob).
Records every request; `fail_next` makes the next N requests answer 500 (or `fail_status`).
"""

from __future__ import annotations

import threading
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from stand_ins.openai_chat import send_json
from triage.config import Settings
from triage.media.transcribe import TranscriptionFailed, transcribe_embedded

LANGUAGE_NAMES = {"id": "indonesian", "ms": "malay", "jw": "javanese", "su": "sundanese", "en": "english"}


def parse_form(content_type: str, body: bytes) -> dict[str, tuple[str | None, bytes]]:
    """multipart/form-data -> {field: (filename, bytes)}."""
    message = BytesParser(policy=HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    if not message.is_multipart():
        return {}
    form: dict[str, tuple[str | None, bytes]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            payload = part.get_payload(decode=True)
            form[name] = (part.get_filename(), payload if isinstance(payload, bytes) else b"")
    return form


class TranscriptionStandIn:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
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
                form = parse_form(self.headers.get("content-type") or "", self.rfile.read(length))
                fields = {k: v.decode(errors="replace") for k, (filename, v) in form.items() if k != "file"}
                filename, audio = form.get("file", (None, b""))
                with stand_in._lock:
                    stand_in.requests.append(
                        {
                            "path": self.path,
                            "auth": self.headers.get("authorization"),
                            "fields": fields,
                            "filename": filename,
                            "size": len(audio),
                        }
                    )
                    failing = stand_in.fail_next > 0
                    if failing:
                        stand_in.fail_next -= 1
                if failing:
                    self._reply(stand_in.fail_status, {"error": {"message": "stand-in failure"}})
                elif self.path != "/v1/audio/transcriptions":
                    self._reply(404, {"error": {"message": f"no route {self.path}"}})
                elif "file" not in form or "model" not in fields:
                    self._reply(400, {"error": {"message": "file and model are required"}})
                else:
                    self._transcribe(audio, fields)

            def _transcribe(self, audio: bytes, fields: dict[str, str]) -> None:
                settings = stand_in.settings.model_copy(
                    update={"asr_language": fields.get("language") or "auto", "asr_engine": "embedded"}
                )
                try:
                    heard = transcribe_embedded(audio, settings)
                except TranscriptionFailed as exc:
                    self._reply(400, {"error": {"message": str(exc), "type": "invalid_request_error"}})
                    return
                if fields.get("response_format", "json") != "verbose_json":
                    self._reply(200, {"text": heard.text})
                    return
                code = heard.language or ""
                self._reply(
                    200,
                    {
                        "task": "transcribe",
                        "language": LANGUAGE_NAMES.get(code, code),
                        "duration": heard.duration_s,
                        "text": heard.text,
                        "segments": [
                            {
                                "id": i,
                                "seek": 0,
                                "temperature": 0.0,
                                "compression_ratio": 1.0,
                                **s.model_dump(),
                            }
                            for i, s in enumerate(heard.segments)
                        ],
                    },
                )

            def _reply(self, status: int, payload: dict[str, Any]) -> None:
                send_json(self, status, payload)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def received(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.requests)

    def __enter__(self) -> TranscriptionStandIn:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
