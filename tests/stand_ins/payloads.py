"""WhatsApp Cloud API webhook payloads as Meta sends them, for tests and the load benchmark."""

from __future__ import annotations

import json
import time
from typing import Any


def envelope(
    messages: list[dict[str, Any]],
    contacts: list[dict[str, Any]] | None = None,
    statuses: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    value: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "6281100000000", "phone_number_id": "1234567890"},
    }
    if contacts is not None:
        value["contacts"] = contacts
    if messages:
        value["messages"] = messages
    if statuses:
        value["statuses"] = statuses
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA1", "changes": [{"field": "messages", "value": value}]}],
    }


def text_message(
    msg_id: str, wa_id: str, body: str, ts: int | None = None, user_id: str | None = None
) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "from": wa_id,
        "id": msg_id,
        "timestamp": str(ts if ts is not None else int(time.time())),
        "type": "text",
        "text": {"body": body},
    }
    if user_id:
        msg["from_user_id"] = user_id
    return msg


def text_payload(msg_id: str, wa_id: str, body: str, ts: int | None = None) -> dict[str, Any]:
    return envelope(
        [text_message(msg_id, wa_id, body, ts)],
        contacts=[{"profile": {"name": "Warga"}, "wa_id": wa_id}],
    )


def dumps(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()
