"""The `triage` command. Each subcommand documents itself: `triage --help`, `triage CMD --help`."""

from __future__ import annotations

import logging
import signal
import sys

import click
from rich.console import Console

from triage.config import get_settings


@click.group()
@click.option("-v", "--verbose", is_flag=True, help="Log progress (personal data is masked).")
def cli(verbose: bool) -> None:
    """lapor-triage: sort citizen complaints; valid ones go to SP4N-LAPOR!.

    Configuration comes from TRIAGE_* environment variables (see README).
    """
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    # instructor logs every failed validation at ERROR; each attempt is recorded in the database
    # (and shown on the review page), so the terminal keeps only our own messages.
    logging.getLogger("instructor").setLevel(logging.INFO if verbose else logging.CRITICAL)


@cli.command()
def demo() -> None:
    """Triage the bundled sample messages end to end and print what happened to each.

    Uses the embedded local model unless TRIAGE_LLM_BASE_URL is set. Safe to re-run: nothing is
    triaged or sent twice.
    """
    from triage import demo as demo_mod

    console = Console() if sys.stdout.isatty() else Console(width=160)
    sys.exit(demo_mod.run(get_settings(), console))


@cli.command("serve")
@click.option("--host", default=None, help="Bind address (TRIAGE_HOST, default 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (TRIAGE_PORT, default 8080).")
def serve_command(host: str | None, port: int | None) -> None:
    """Run the web app: WhatsApp webhook, review page, /healthz and /metrics."""
    import uvicorn

    from triage import logs
    from triage.app import create_app
    from triage.store.database import connect

    logs.setup(logging.INFO)
    settings = get_settings()
    connect(settings.db)  # create/migrate before the first request
    # uvicorn shuts down gracefully on SIGTERM, then raises the signal again for the previous handler:
    # with this one the process ends with 0 (a clean stop) rather than "killed by SIGTERM"
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    proxies = [p.strip() for p in settings.trusted_proxies.split(",") if p.strip()]
    uvicorn.run(
        create_app(settings),
        host=host or settings.host,
        port=port or settings.port,
        log_config=None,
        access_log=False,
        # X-Forwarded-For only from the proxies named: uvicorn trusts 127.0.0.1's by default
        proxy_headers=bool(proxies),
        forwarded_allow_ips=",".join(proxies) if proxies else "",
    )


def _register_subcommands() -> None:
    """Commands that live beside the parts they drive; listed here so `triage --help` shows all."""
    from triage.evals.cli import eval_group, gate_group
    from triage.media.cli import media
    from triage.model.cli import model
    from triage.review.cli import review_group, user_group
    from triage.signals.cli import signals
    from triage.sp4n.cli import register as register_sp4n
    from triage.worker.cli import reports_group, worker_command

    for command in (
        worker_command,
        serve_command,
        eval_group,
        gate_group,
        user_group,
        review_group,
        model,
        media,
        signals,
        reports_group,
    ):
        cli.add_command(command)
    register_sp4n(cli)  # relay, outbox list|retry|dead, sp4n-sandbox


_register_subcommands()


def main() -> None:
    from pydantic import ValidationError

    try:
        cli()
    except ValidationError as exc:  # a bad TRIAGE_* value: name it and what it accepts
        if exc.title != "Settings":
            raise
        for err in exc.errors():
            name = "TRIAGE_" + "_".join(str(p) for p in err["loc"]).upper()
            click.echo(f"error: {name}={err.get('input')!r}: {err['msg']}", err=True)
        sys.exit(2)
