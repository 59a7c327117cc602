"""`triage serve`: one FastAPI app for the WhatsApp webhook, the review page, health and metrics."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from triage.config import Settings, get_settings


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    # The public port exposes only what it must: API docs and metrics by setting.
    docs = settings.api_docs
    app = FastAPI(
        title="lapor-triage",
        version="0.1.0",
        docs_url="/docs" if docs else None,
        redoc_url=None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.settings = settings

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz")
    def readyz() -> JSONResponse:
        """Database with every migration, queue and model endpoint answering; 503 naming what is not."""
        from triage.worker import readiness

        found = readiness.check(settings)
        return JSONResponse(found.body(), status_code=200 if found.ready else 503)

    # Routers from other modules are included here, one line each.
    from triage import metrics
    from triage.intake import webhook
    from triage.review import routes as review_routes

    app.include_router(webhook.router)  # /webhooks/whatsapp (intake)
    if settings.public_metrics:
        app.include_router(metrics.router)  # /metrics (Prometheus)
        _bind_shared_gauges(settings)
    review_routes.install(app)  # /review (reviewers' page)
    return app


def _bind_shared_gauges(settings: Settings) -> None:
    """Queue depth, dead letters and review backlog read from the shared state at scrape time, as
    the worker reports them: a serving process that showed 0 misled whoever watched it."""
    from triage import metrics
    from triage.intake.queue import open_queue
    from triage.store.reports import backlogs

    def depth() -> int:
        queue = open_queue(settings.queue_url, str(settings.db))
        try:
            return queue.depth()
        finally:
            queue.close()

    def dead() -> int:
        queue = open_queue(settings.queue_url, str(settings.db))
        try:
            return len(queue.dead_letters())
        finally:
            queue.close()

    metrics.bind_gauges(depth, dead, lambda: backlogs(settings.db))

    from triage.worker import readiness

    metrics.bind_model_up(lambda: readiness.probe_model(settings).ok)
