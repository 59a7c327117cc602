"""Structured JSON logs with personal data masked.

Logs leave the machine (log shippers, support tickets), so NIK, phone numbers and names must
never be in them: the formatter masks every string it writes with `identity.mask_text`, and
callers log ids and counts, never a citizen's message text.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from triage.identity import mask_text

# Standard record attributes, and uvicorn's `color_message` (the message again, with ANSI colours).
_STD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


def _mask(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: _mask(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_mask(v) for v in value]
    return value


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, msg, plus any `extra=` fields, all masked."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": mask_text(record.getMessage()),
        }
        for key, value in record.__dict__.items():
            if key not in _STD and not key.startswith("_"):
                out[key] = _mask(value)
        if record.exc_info:
            out["exc"] = mask_text(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False, default=str)


def setup(level: int = logging.INFO, stream: Any = None) -> None:
    """Route the root logger to JSON on stderr; adds the identity module's filter when present."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter())
    try:  # the richer name-aware filter, when the identity work provides it
        from triage.identity import MaskingFilter  # type: ignore[attr-defined]

        handler.addFilter(MaskingFilter())
    except (ImportError, TypeError):
        pass
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in ("httpx", "httpx2", "httpcore", "httpcore2", "openai", "uvicorn.access"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))
    # instructor logs every failed attempt at ERROR, the model's answer in it; each attempt is
    # recorded in the database (and shown to reviewers), so the log keeps only our own lines
    logging.getLogger("instructor").setLevel(logging.CRITICAL)
