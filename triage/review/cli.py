"""`triage user add` and `triage review export|seed-sample`: accounts and the feedback loop."""

from __future__ import annotations

from pathlib import Path

import click

from triage.config import get_settings


@click.group("user")
def user_group() -> None:
    """Accounts for the review page (roles: reviewer, admin)."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", type=click.Choice(["reviewer", "admin"]), required=True)
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="Prompted (with confirmation) when omitted; at least 8 characters.",
)
def user_add(name: str, role: str, password: str) -> None:
    """Create an account, or reset its password and role (its sessions end)."""
    from triage.review.auth import add_user
    from triage.store.database import connect

    db = connect(get_settings().db)
    try:
        add_user(db, name, password, role)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    click.echo(f"user {name} ({role}) saved")


@click.group("review")
def review_group() -> None:
    """The reviewers' decisions: export them as eval cases."""


@review_group.command("export")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--since", default=None, help="Only reports reviewed since DATE (YYYY-MM-DD or e.g. 7d).")
def review_export(out: Path, since: str | None) -> None:
    """Write reviewed reports as eval cases (contract format, masked, with provenance).

    The file is for people to add to the dev set; the gate never changes by itself.
    """
    from triage.review.export import parse_since, write_eval_cases
    from triage.store.database import connect

    db = connect(get_settings().db)
    try:
        cutoff = parse_since(since)
    except ValueError:
        raise click.BadParameter(f"{since!r}: give a date (YYYY-MM-DD) or days back (e.g. 7d)") from None
    n = write_eval_cases(db, out, cutoff)
    click.echo(f"{n} reviewed cases written to {out}")


@review_group.command("seed-sample")
def review_seed_sample() -> None:
    """Fill the database with a few decided sample reports, to show the review page without a model."""
    from triage.review.sample import seed
    from triage.store.database import connect

    ids = seed(connect(get_settings().db))
    click.echo(f"{len(ids)} sample reports ready")
