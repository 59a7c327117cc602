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


@click.group("reports")
def reports_group() -> None:
    """Reports the worker gave up on (dead letters): list them, put them back in the queue."""


@reports_group.command("dead")
def reports_dead() -> None:
    """List the reports with no result because the queue gave up on them."""
    from triage.identity import mask_text
    from triage.store.database import connect
    from triage.store.reports import Store

    rows = Store(connect(get_settings().db)).dead()
    for r in rows:
        click.echo(f"{r['report_id']}  {r['updated_at']}  {mask_text(r['error'] or '')[:120]}")
    click.echo(f"{len(rows)} dead report(s)")


@reports_group.command("retry")
@click.argument("report_ids", nargs=-1)
@click.option("--all-dead", is_flag=True, help="Every dead report.")
def reports_retry(report_ids: tuple[str, ...], all_dead: bool) -> None:
    """Put dead reports back in the queue (their delivery count reset) for the worker to judge."""
    from triage.worker.requeue import requeue

    if not report_ids and not all_dead:
        raise click.UsageError("give report ids or --all-dead")
    n = requeue(get_settings(), list(report_ids) or None)
    click.echo(f"{n} report(s) back in the queue")
