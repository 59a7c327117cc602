"""The `triage` command. Each subcommand documents itself: `triage --help`, `triage CMD --help`."""

from __future__ import annotations

import logging
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


@cli.group()
def model() -> None:
    """The embedded local model."""


@model.command("serve")
def model_serve() -> None:
    """Run the embedded model server in the foreground, for other commands to reuse."""
    import time

    from triage.embedded import EmbeddedServer

    settings = get_settings()
    with EmbeddedServer(settings) as server:
        click.echo(f"serving {settings.llm_model} at {server.url} (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


@model.command("path")
def model_path_cmd() -> None:
    """Assemble and verify the embedded model file; print its path."""
    from triage.embedded import model_path

    click.echo(str(model_path(get_settings())))


# Subcommands from other modules register here, one line each.
cli.add_command(__import__("triage.worker").worker.worker_command)  # triage worker (intake, queue)
cli.add_command(__import__("triage.webhook").webhook.serve_command)  # triage serve (webhook, pages)
cli.add_command(__import__("triage.review.cli").review.cli.user_group)  # triage user add (review page)
cli.add_command(__import__("triage.review.cli").review.cli.review_group)  # triage review export
__import__("triage.sp4n_cli").sp4n_cli.register(cli)  # relay, outbox, sp4n-sandbox
from triage.evals.cli import eval_cmd, gate_group  # noqa: E402
cli.add_command(eval_cmd)
cli.add_command(gate_group)


def main() -> None:
    cli()
