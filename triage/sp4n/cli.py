"""Operator commands for the SP4N hand-off: `triage relay`, `triage outbox …`, `triage sp4n-sandbox`.

Registered on the main CLI by `register(cli)`, so cli.py needs one line for all of them.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from triage.config import get_settings


@click.command("relay")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit.")
@click.option("--interval", "interval_s", type=float, default=2.0, show_default=True, help="Idle poll, s.")
def relay(once: bool, interval_s: float) -> None:
    """Deliver pending SP4N outbox rows (TRIAGE_SP4N_URL, or the JSONL file when unset).

    Safe to kill at any time and to run beside the worker: a row is marked sent only after the
    destination confirmed it, and the report id as idempotency key prevents a second LAPOR! report.
    """
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # SIGTERM stops it like Ctrl-C: exit 0
    from triage.sp4n.outbox import run_relay
    from triage.store.database import connect

    settings = get_settings()
    try:
        db = connect(settings.db)
        stats = run_relay(db, settings, once=once, interval_s=interval_s)
    except KeyboardInterrupt:
        return
    click.echo(f"sent {stats.sent}, failed {stats.failed}, dead {stats.dead}, notified {stats.notified}")


@click.group("outbox")
def outbox() -> None:
    """Inspect and retry the SP4N outbox."""


def _table(rows: list[dict], title: str) -> Table:
    from triage.identity import mask_text

    table = Table(title=title)
    for col in ("id", "report", "dest", "state", "attempts", "tracking id", "next attempt", "last error"):
        table.add_column(col, overflow="fold")
    for r in rows:
        table.add_row(
            str(r["id"]),
            mask_text(r["report_id"]),
            f"{r['destination']}/{r.get('transport') or '-'}",
            r["state"],
            str(r["attempts"]),
            r["tracking_id"] or "",
            (r["next_attempt_at"] or "")[:19],
            mask_text(r["last_error"] or "")[:120],
        )
    return table


@outbox.command("list")
@click.option("--state", type=click.Choice(["pending", "sent", "failed", "dead"]), default=None)
@click.option("--limit", type=int, default=200, show_default=True)
def outbox_list(state: str | None, limit: int) -> None:
    """Rows, newest first (personal data masked)."""
    from triage.sp4n.outbox import list_rows
    from triage.store.database import connect

    db = connect(get_settings().db)
    Console().print(_table(list_rows(db, state, limit), f"SP4N outbox{f' ({state})' if state else ''}"))


@outbox.command("dead")
def outbox_dead() -> None:
    """Rows that will not be retried on their own, with their last error."""
    from triage.sp4n.outbox import list_rows
    from triage.store.database import connect

    db = connect(get_settings().db)
    Console().print(_table(list_rows(db, "dead", 10_000), "SP4N outbox: dead"))


@outbox.command("retry")
@click.argument("ids", nargs=-1, type=int)
@click.option("--all-dead", is_flag=True, help="Every dead row.")
def outbox_retry(ids: tuple[int, ...], all_dead: bool) -> None:
    """Put rows back to pending (attempts reset). Sent rows are never re-sent."""
    from triage.sp4n.outbox import retry_rows
    from triage.store.database import connect

    if not ids and not all_dead:
        raise click.UsageError("give row ids or --all-dead")
    n = retry_rows(connect(get_settings().db), list(ids), all_dead=all_dead)
    click.echo(f"{n} row(s) back to pending")


@click.command("sp4n-sandbox")
@click.option("--port", type=int, required=True)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--fail-rate", type=click.FloatRange(0, 1), default=0.0, show_default=True)
@click.option("--latency-ms", type=float, default=0.0, show_default=True)
@click.option(
    "--hang-s", type=float, default=30.0, show_default=True, help="How long an injected timeout hangs."
)
@click.option("--token", default=None, help="Require this Bearer token / XML token.")
@click.option(
    "--db", "db_path", default=":memory:", show_default=True, help="SQLite file for what it received."
)
@click.option(
    "--jsonl", type=click.Path(path_type=Path), default=None, help="Also append accepted records here."
)
@click.option("--seed", type=int, default=None, help="Seed for the injected failures.")
def sp4n_sandbox(
    port: int,
    host: str,
    fail_rate: float,
    latency_ms: float,
    hang_s: float,
    token: str | None,
    db_path: str,
    jsonl: Path | None,
    seed: int | None,
) -> None:
    """A local stand-in of the LAPOR! intake: validates, hands out tracking ids, fails on request.

    POST /api/laporan (JSON, Idempotency-Key), POST /api/stream/addstream (legacy XML),
    GET /api/laporan (what it received), GET /api/stats.
    """
    from triage.sp4n.sandbox import serve

    click.echo(
        f"SP4N sandbox on http://{host}:{port} (fail rate {fail_rate}, latency {latency_ms} ms)", err=True
    )
    serve(
        port,
        host=host,
        fail_rate=fail_rate,
        latency_ms=latency_ms,
        hang_s=hang_s,
        token=token,
        db_path=db_path,
        jsonl=jsonl,
        seed=seed,
    )
    sys.exit(0)


def register(cli: click.Group) -> None:
    for command in (relay, outbox, sp4n_sandbox):
        cli.add_command(command)


if __name__ == "__main__":  # `python -m triage.sp4n.cli ...`: the sandbox as its own process
    sp4n_sandbox(standalone_mode=True)
