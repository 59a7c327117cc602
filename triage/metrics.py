"""Prometheus metrics for the webhook and the worker, and the `/metrics` route.

Each process exposes its own registry (the web app on its port, the worker on
`TRIAGE_WORKER_METRICS_PORT`); Prometheus sums across processes. Gauges that describe shared
state (queue depth, dead letters, review queue and its oldest item, SP4N outbox backlog) are
computed when scraped, so they are right
even after a restart and whichever process is asked.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

MESSAGES_IN = Counter(
    "triage_messages_in_total", "Messages received by the webhook", ["channel", "type", "new"]
)
WEBHOOK_REQUESTS = Counter("triage_webhook_requests_total", "Webhook POSTs by HTTP status", ["status"])
WEBHOOK_LATENCY = Histogram(
    "triage_webhook_seconds",
    "Webhook handling time (verify, parse, durable write)",
    buckets=(0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)
STATUSES_IN = Counter("triage_whatsapp_statuses_total", "Delivery statuses of outbound messages", ["status"])
REPORTS = Counter(
    "triage_reports_total",
    "Reports decided, by verdict, reason and outcome",
    ["verdict", "reason", "outcome"],
)
REPORTS_ASSEMBLED = Counter("triage_reports_assembled_total", "Reports formed from quiet runs of messages")
LLM_LATENCY = Histogram(
    "triage_llm_latency_seconds",
    "Model time per decided report (all attempts)",
    buckets=(0.5, 1, 2, 4, 8, 15, 30, 60, 120),
)
MEDIA = Counter(
    "triage_media_total", "WhatsApp media asked for by the worker, by result", ["result"]
)  # kept, refused, unavailable
TRANSCRIPTIONS = Counter(
    "triage_transcriptions_total", "Voice notes the worker tried to hear, by result", ["result"]
)  # done, failed, unavailable
TRANSCRIPTION_SECONDS = Histogram(
    "triage_transcription_seconds",
    "Wall time of one voice-note transcription",
    buckets=(0.5, 1, 2, 5, 10, 20, 45, 90, 180),
)
LLM_TOKENS = Counter("triage_llm_tokens_total", "Model tokens used", ["kind"])
RETRIES = Counter("triage_retries_total", "Items given back to the queue for a later try", ["reason"])
DEAD_LETTERS_TOTAL = Counter("triage_dead_letters_total", "Items moved to the dead letters by this process")
OUTBOUND = Counter(
    "triage_whatsapp_outbound_total", "Replies to citizens by kind and result", ["kind", "result"]
)
INTAKE_ANNOUNCED = Counter(
    "triage_intake_announced_total",
    "Messages the webhook appended to the partitioned intake streams, by result (failed: the sweep "
    "assembles them later)",
    ["result"],
)
IN_FLIGHT = Gauge("triage_worker_in_flight", "Reports being processed now")
OLDEST_REPORT = Gauge(
    "triage_worker_oldest_report_seconds", "How long the worker's longest-running report has been in hand"
)
QUEUE_DEPTH = Gauge("triage_queue_depth", "Items waiting or in flight in the work queue")
DEAD_LETTERS = Gauge("triage_dead_letter_queue_size", "Items in the dead letters")
REVIEW_QUEUE = Gauge("triage_review_queue_size", "Decided reports waiting for a human reviewer")
REVIEW_OLDEST = Gauge(
    "triage_review_oldest_seconds",
    "Age of the oldest report waiting for a reviewer (the SLA is 3 working days)",
)
OUTBOX_BACKLOG = Gauge(
    "triage_outbox_backlog", "SP4N records not yet delivered (pending or failed, retrying)"
)
OUTBOX_DEAD = Gauge("triage_outbox_dead", "SP4N records given up on, waiting for `triage outbox retry`")
MODEL_UP = Gauge("triage_model_up", "1 when the model endpoint answers, 0 when not (probed at scrape time)")


def bind_model_up(probe: Callable[[], bool]) -> None:
    """The model endpoint's state, asked when scraped (a down model must be visible as such)."""

    def up() -> float:
        try:
            return 1.0 if probe() else 0.0
        except Exception:  # noqa: BLE001 - a probe that fails means the model is not answering
            return 0.0

    MODEL_UP.set_function(up)


def bind_gauges(
    depth: Callable[[], float], dead: Callable[[], float], store: Callable[[], dict[str, float]]
) -> None:
    """Compute shared-state gauges at scrape time; a failing probe reports -1 rather than crash.
    `store` is read once per scrape for its four gauges (one query, not four)."""

    def safe(fn: Callable[[], float]) -> Callable[[], float]:
        def probe() -> float:
            try:
                return float(fn())
            except Exception:
                return -1.0

        return probe

    read: dict[str, Any] = {"at": -1.0, "values": {}}

    def from_store(key: str) -> Callable[[], float]:
        def value() -> float:
            if time.monotonic() - read["at"] > 1.0:  # one scrape reads the store once
                read["values"] = store()
                read["at"] = time.monotonic()
            return float(read["values"][key])

        return value

    QUEUE_DEPTH.set_function(safe(depth))
    DEAD_LETTERS.set_function(safe(dead))
    REVIEW_QUEUE.set_function(safe(from_store("review")))
    REVIEW_OLDEST.set_function(safe(from_store("review_oldest_s")))
    OUTBOX_BACKLOG.set_function(safe(from_store("outbox_backlog")))
    OUTBOX_DEAD.set_function(safe(from_store("outbox_dead")))


def exposition() -> bytes:
    return generate_latest()


router = APIRouter()


@router.get("/metrics", include_in_schema=False)
def metrics() -> Response:
    return Response(exposition(), media_type=CONTENT_TYPE_LATEST)


Check = Callable[[], tuple[bool, dict[str, object]]]


def serve(host: str, port: int, health: Check, ready: Check | None = None) -> object:
    """The worker's own small HTTP server for /healthz, /readyz and /metrics (a thread; no event loop).

    A WSGI server in a daemon thread rather than uvicorn: uvicorn would take over the worker's
    SIGTERM handling, which must stay with the worker so it can finish or release its leases.
    """
    import json
    import threading
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

    class _Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True

    class _Quiet(WSGIRequestHandler):
        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    def app(environ: dict[str, object], start_response: Callable[..., object]) -> list[bytes]:
        path = environ.get("PATH_INFO")
        probe = {"/healthz": health, "/readyz": ready}.get(str(path))
        if probe is not None:
            ok, body = probe()
            start_response(
                "200 OK" if ok else "503 Service Unavailable", [("Content-Type", "application/json")]
            )
            return [json.dumps(body).encode()]
        if path == "/metrics":
            start_response("200 OK", [("Content-Type", CONTENT_TYPE_LATEST)])
            return [exposition()]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]

    server = make_server(host, port, app, server_class=_Server, handler_class=_Quiet)  # type: ignore[arg-type]
    threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True).start()
    return server
