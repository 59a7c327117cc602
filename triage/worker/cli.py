"""`triage worker`: the long-lived worker, configured from TRIAGE_* with a few overrides."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import click

from triage.config import get_settings
from triage.worker.loop import Worker


@click.command("worker")
@click.option(
    "--queue", "queue_url", default=None, help="Override TRIAGE_QUEUE_URL (sqlite:// or redis://…)."
)
@click.option("--concurrency", type=int, default=None, help="Reports in flight (TRIAGE_WORKER_CONCURRENCY).")
@click.option("--metrics-port", type=int, default=None, help="/healthz and /metrics port; 0 = off.")
@click.option("--name", default=None, help="Consumer name (default host-pid).")
def worker_command(
    queue_url: str | None, concurrency: int | None, metrics_port: int | None, name: str | None
) -> None:
    """Run the long-lived triage worker until SIGTERM (then finish or release work, exit 0)."""
    from triage import logs
    from triage.model.embedded import llm_endpoint

    logs.setup(logging.INFO)
    settings = get_settings()
    updates: dict[str, Any] = {}
    if queue_url is not None:
        updates["queue_url"] = queue_url
    if concurrency is not None:
        updates["worker_concurrency"] = concurrency
    if metrics_port is not None:
        updates["worker_metrics_port"] = metrics_port
    settings = settings.model_copy(update=updates)
    with llm_endpoint(settings) as base_url:
        code = asyncio.run(Worker(settings, base_url, name=name, hard_exit=True).run())
    raise SystemExit(code)
