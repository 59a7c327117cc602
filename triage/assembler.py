"""Grouping a sender's consecutive messages into reports.

People write "P", then "Assalamualaikum", then the complaint in three messages; judged one by
one, two would be rejected and the third would lack context. A report closes after a quiet
window with no message from that sender.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from triage.schema import RawMessage


def report_id_for(first: RawMessage) -> str:
    """Stable id from the first message, so re-delivery and re-runs find the same report."""
    digest = hashlib.sha256(f"{first.sender}\x1f{first.message_id}".encode()).hexdigest()
    return "R" + digest[:12].upper()


def group(
    messages: Iterable[RawMessage], window: timedelta, now: datetime | None = None
) -> tuple[list[list[RawMessage]], list[RawMessage]]:
    """Closed groups (quiet for `window`) and the messages still open; `now=None` closes all."""
    by_sender: dict[str, list[RawMessage]] = {}
    for msg in sorted(messages, key=lambda m: (m.sender, m.timestamp, m.message_id)):
        by_sender.setdefault(msg.sender, []).append(msg)
    closed: list[list[RawMessage]] = []
    still_open: list[RawMessage] = []
    for msgs in by_sender.values():
        current = [msgs[0]]
        for msg in msgs[1:]:
            if msg.timestamp - current[-1].timestamp > window:
                closed.append(current)
                current = [msg]
            else:
                current.append(msg)
        if now is None or now - current[-1].timestamp > window:
            closed.append(current)
        else:
            still_open.extend(current)
    return closed, still_open
