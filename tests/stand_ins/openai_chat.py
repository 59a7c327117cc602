"""Writing JSON answers from the stand-in servers (http.server handlers): a chat completion, or any."""

from __future__ import annotations

import json
from http.server import BaseHTTPRequestHandler
from typing import Any


def send_json(handler: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
    data = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("content-type", "application/json")
    handler.send_header("content-length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def reply(
    handler: BaseHTTPRequestHandler,
    content: str,
    *,
    status: int = 200,
    finish_reason: str = "stop",
    top: list[tuple[str, float]] | None = None,
) -> None:
    """`top`: the first token's top log-probabilities, as a server that gives them writes them."""
    choice: dict = {
        "index": 0,
        "finish_reason": finish_reason,
        "message": {"role": "assistant", "content": content},
    }
    if top is not None:
        entries = [{"token": t, "logprob": lp, "bytes": None} for t, lp in top]
        choice["logprobs"] = {"content": [{**entries[0], "top_logprobs": entries}]}
    payload = {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "m",
        "choices": [choice],
        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
    }
    send_json(handler, status, payload if status == 200 else {"error": "boom"})
