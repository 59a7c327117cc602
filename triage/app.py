"""`triage serve`: one FastAPI app for the WhatsApp webhook, the review page, health and metrics."""

from __future__ import annotations

from fastapi import FastAPI

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

    # Routers from other modules are included here, one line each.
    from triage import metrics
    from triage.intake import webhook
    from triage.review import routes as review_routes

    app.include_router(webhook.router)  # /webhooks/whatsapp (intake)
    if settings.public_metrics:
        app.include_router(metrics.router)  # /metrics (Prometheus)
    review_routes.install(app)  # /review (reviewers' page)
    return app
