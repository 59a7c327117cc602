"""`triage user add|list|disable|enable|passwd` and `triage review export|seed-sample`: accounts
and the feedback loop."""

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


@user_group.command("list")
def user_list() -> None:
    """Accounts with role, state and last login."""
    from rich.console import Console
    from rich.table import Table

    from triage.review.auth import list_users
    from triage.store.database import connect

    table = Table(title="accounts")
    for col in ("user", "role", "state", "created", "last login"):
        table.add_column(col)
    for u in list_users(connect(get_settings().db)):
        state = "disabled" if u["disabled"] else "active"
        last = str(u["last_login"] or "-")
        table.add_row(str(u["username"]), str(u["role"]), state, str(u["created_at"]), last)
    Console().print(table)


def _set_disabled(name: str, disabled: bool) -> None:
    from triage.review.auth import set_disabled
    from triage.store.database import connect

    try:
        set_disabled(connect(get_settings().db), name, disabled)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="NAME") from exc
    click.echo(f"user {name} {'disabled (sessions ended)' if disabled else 'enabled'}")


@user_group.command("disable")
@click.argument("name")
def user_disable(name: str) -> None:
    """Refuse the account's logins and end its sessions now."""
    _set_disabled(name, True)


@user_group.command("enable")
@click.argument("name")
def user_enable(name: str) -> None:
    """Let a disabled account log in again."""
    _set_disabled(name, False)


@user_group.command("passwd")
@click.argument("name")
@click.option(
    "--password", prompt=True, hide_input=True, confirmation_prompt=True, help="At least 8 characters."
)
def user_passwd(name: str, password: str) -> None:
    """A new password for an existing account (its sessions end; the role stays)."""
    from triage.review.auth import set_password
    from triage.store.database import connect

    try:
        set_password(connect(get_settings().db), name, password)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    click.echo(f"user {name}: password changed, sessions ended")


@click.group("review")
def review_group() -> None:
    """The reviewers' decisions: export them as eval cases."""


@review_group.command("export")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), help="Write the cases here (replaced)."
)
@click.option(
    "--into",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Merge them into this kept file by case id, e.g. evals/reviewed.jsonl, which "
    "`triage signals build` learns from.",
)
@click.option("--since", default=None, help="Only reports reviewed since DATE (YYYY-MM-DD or e.g. 7d).")
def review_export(out: Path | None, into: Path | None, since: str | None) -> None:
    """Write reviewed reports as eval cases (contract format, masked, with provenance).

    `--out` is for people to read or add to the dev set; `--into evals/reviewed.jsonl` keeps every
    reviewer's decision for the kind signal to learn from at the next `triage signals build`. The
    gate never changes by itself.
    """
    from triage.review.export import merge_eval_cases, parse_since, write_eval_cases
    from triage.store.database import connect

    if (out is None) == (into is None):
        raise click.UsageError("give exactly one of --out FILE (write) or --into FILE (merge)")
    try:
        cutoff = parse_since(since)
    except ValueError:
        raise click.BadParameter(f"{since!r}: give a date (YYYY-MM-DD) or days back (e.g. 7d)") from None
    db = connect(get_settings().db)
    if out is not None:
        n = write_eval_cases(db, out, cutoff)
        click.echo(f"{n} reviewed cases written to {out}")
    elif into is not None:
        try:
            added, replaced = merge_eval_cases(db, into, cutoff)
        except ValueError as exc:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"{added} reviewed cases added to {into}, {replaced} replaced by a later decision")


@review_group.command("seed-sample")
def review_seed_sample() -> None:
    """Fill the database with a few decided sample reports, to show the review page without a model."""
    from triage.review.sample import seed
    from triage.store.database import connect

    ids = seed(connect(get_settings().db))
    click.echo(f"{len(ids)} sample reports ready")
