"""Dead reports back to work: the queue item revived and the report pending again, together.

A report the queue gave up on (the model down past every retry) has no result and no outcome; a
person must be able to send it round again once the cause is fixed, without touching SQL.
"""

from __future__ import annotations

from triage.config import Settings
from triage.intake.queue import open_queue
from triage.store.database import connect
from triage.store.reports import Store


def requeue(settings: Settings, report_ids: list[str] | None = None) -> int:
    """Requeue the given dead reports (None: every one); returns how many went back."""
    store = Store(connect(settings.db))
    ids = report_ids if report_ids is not None else [r["report_id"] for r in store.dead()]
    queue = open_queue(settings.queue_url, str(settings.db))
    try:
        done = 0
        for rid in ids:
            if store.revive(rid):
                if not queue.requeue(rid):
                    queue.put(rid)  # a queue that lost the item (Redis without persistence)
                done += 1
        return done
    finally:
        queue.close()
