"""`triage eval` and `triage gate`: the commands around the eval harness.

The run itself is `triage.evals.evaluate.run_eval`; tests replace its `judge_factory` to run the
real command without a model.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.console import Console

from triage.config import get_settings
from triage.evals import dataset as dataset_mod
from triage.evals import metrics as metrics_mod
from triage.evals.evaluate import parse_bars, run_eval
from triage.judge.prompt import load_prompt


class _RunByDefault(click.Group):
    """`triage eval FILE...` runs an eval as it always did; `triage eval runs|export|run` are
    subcommands. Anything that is not a subcommand's name goes to `run`."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


@click.group("eval", cls=_RunByDefault)
def eval_group() -> None:
    """Score the judgement on labelled cases (`triage eval FILE... --out DIR`), list the recorded
    runs, export one."""


@eval_group.command("run")
@click.argument(
    "datasets", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Directory for metrics.json, predictions.jsonl, report.html and report.md.",
)
@click.option(
    "--no-cache", is_flag=True, help="Judge every case afresh (the fresh results refresh the cache)."
)
@click.option(
    "--repeat",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Run each case N times (runs 2..N bypass the cache) and report flaky cases.",
)
@click.option(
    "--compare",
    "previous",
    metavar="DIR|RUN_ID",
    help="An earlier run directory or recorded run id: print metric deltas and flipped cases.",
)
@click.option(
    "--fail-under",
    "fail_under",
    multiple=True,
    metavar="KEY=VALUE",
    help="Exit 1 when KEY misses VALUE; a ceiling for false_rejection_rate, latency and tokens. Repeatable.",
)
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    help="Only the first N cases (such a run never counts for the gate).",
)
@click.option(
    "--prompt",
    "prompt_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Prompt file (default: TRIAGE_PROMPT or prompts/triage.toml).",
)
@click.option("--allow-bad-lines", is_flag=True, help="Do not fail the run for malformed dataset lines.")
@click.option("--allow-errors", is_flag=True, help="Do not fail the run for cases that got no result.")
@click.option(
    "--answers",
    "answers_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSONL file of recorded model answers, read before the run (shareable); never written "
    "unless --record.",
)
@click.option(
    "--record",
    is_flag=True,
    help="With --answers: add this run's model answers to the file (a replay leaves it as it was).",
)
def eval_cmd(
    datasets: tuple[Path, ...],
    out_dir: Path,
    no_cache: bool,
    repeat: int,
    previous: str | None,
    fail_under: tuple[str, ...],
    limit: int | None,
    prompt_path: Path | None,
    allow_bad_lines: bool,
    allow_errors: bool,
    answers_path: Path | None,
    record: bool,
) -> None:
    """Judge labelled cases (JSONL) and score them: writes metrics.json, predictions.jsonl and a report.

    Results are cached by (model, prompt hash, schema version, text), so re-running an unchanged
    pair costs nothing. Every run is recorded in the database; a complete, error-free run on the
    gate dataset (evals/gate.toml) that meets its bars opens the eval gate for this prompt+model.
    """
    console, err = Console(soft_wrap=True), Console(stderr=True, soft_wrap=True)
    bars = parse_bars(fail_under)
    settings = get_settings()
    prompt = load_prompt(prompt_path or settings.prompt)
    metrics, ds = run_eval(
        settings,
        prompt,
        datasets,
        out_dir,
        console=console,
        err=err,
        bars=bars,
        no_cache=no_cache,
        repeat=repeat,
        previous=previous,
        limit=limit,
        answers_path=answers_path,
        record=record,
    )
    _exit(err, metrics, bars, ds, allow_bad_lines, allow_errors)


def _exit(
    err: Console,
    metrics: dict[str, Any],
    bars: dict[str, float],
    ds: dataset_mod.Dataset,
    allow: bool,
    allow_errors: bool = False,
) -> None:
    problems = metrics_mod.missed_bars(metrics, bars)
    for p in problems:
        err.print(f"[red]FAIL[/] {p}", highlight=False)
    if ds.bad_lines and not allow:
        err.print(
            f"[red]FAIL[/] {len(ds.bad_lines)} malformed dataset line(s) skipped "
            "(see above; --allow-bad-lines to accept)"
        )
        problems.append("bad lines")
    if metrics["errors"] and not allow_errors:
        # a case with no result was not judged: the figures describe fewer cases than they claim
        err.print(
            f"[red]FAIL[/] {metrics['errors']} case(s) had errors (see predictions.jsonl; --allow-errors)"
        )
        problems.append("errors")
    elif metrics["errors"]:
        err.print(f"[yellow]warning[/] {metrics['errors']} case(s) had errors (see predictions.jsonl)")
    if problems:
        sys.exit(1)


@eval_group.command("runs")
@click.option("--limit", type=click.IntRange(min=1), default=30, show_default=True)
def runs_cmd(limit: int) -> None:
    """Every recorded run, newest first: dataset, size, prompt, model, headline figures, complete."""
    from triage.evals import runs
    from triage.store.database import connect

    click.echo(
        f"{'id':>5}  {'when (UTC)':16}  {'dataset':24} {'n':>5}  {'prompt':22} {'model':36} "
        "  acc  invrec   FRR  review  complete"
    )
    for r in runs.latest(connect(get_settings().db), limit):
        m, info = r["metrics"], r["metrics"].get("run") or {}
        figures = "  ".join(f"{_figure(m.get(k)):>5}" for k in HEADLINE)
        prompt = f"{r['prompt_version']}@{str(r['prompt_hash'])[:8]}"
        names = ", ".join(Path(p).name for p in r["dataset"])
        click.echo(
            f"{r['id']:>5}  {str(r['created_at'])[:16]:16}  {names[:24]:24} {m.get('n')!s:>5}  "
            f"{prompt[:22]:22} {str(r['model'])[:36]:36} {figures}  {'yes' if info.get('complete') else 'no'}"
        )


HEADLINE = ("verdict_accuracy", "invalid_recall", "false_rejection_rate", "review_share")


def _figure(value: Any) -> str:
    return f"{value:.3f}" if isinstance(value, int | float) else "-"


@eval_group.command("view")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", type=int, default=8780, show_default=True)
def view_cmd(host: str, port: int) -> None:
    """Browse every recorded run, a run's cases, one case's attempts, two runs side by side."""
    import uvicorn

    from triage.evals.viewer import create_viewer

    click.echo(f"eval viewer at http://{host}:{port}/ (Ctrl-C to stop)")
    uvicorn.run(create_viewer(get_settings().db), host=host, port=port, log_level="warning")


@eval_group.command("export")
@click.argument("run_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="csv", show_default=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), help="Default: stdout.")
def export_cmd(run_id: int, fmt: str, out_path: Path | None) -> None:
    """One run's cases and judgements, for a spreadsheet (csv) or a script (jsonl)."""
    from triage.evals import export, runs
    from triage.store.database import connect

    run = runs.get(connect(get_settings().db), run_id)
    if run is None:
        raise click.BadParameter(f"no recorded eval run with id {run_id}", param_hint="RUN_ID")
    try:
        text = export.render(run, fmt)
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    if out_path:
        out_path.write_text(text, "utf-8")
    else:
        click.echo(text, nl=False)


# ---------------------------------------------------------------- gate


@click.group("gate")
def gate_group() -> None:
    """The eval gate: which prompt+model pair may send valid reports to SP4N."""


def _prompt_option(fn: Any) -> Any:
    return click.option(
        "--prompt",
        "prompt_path",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Prompt file (default: TRIAGE_PROMPT or prompts/triage.toml).",
    )(fn)


@gate_group.command("status")
@_prompt_option
def gate_status_cmd(prompt_path: Path | None) -> None:
    """Show the current pair, its last runs and what is missing; exit 0 when open, 1 when closed."""
    from triage.evals import gate
    from triage.store.database import connect

    settings = get_settings()
    prompt = load_prompt(prompt_path or settings.prompt)
    db = connect(settings.db)
    st = gate.gate_status(db, settings, prompt, settings.llm_model)
    console = Console(soft_wrap=True)
    console.print(f"pair: {st.pair}", highlight=False)
    console.print(f"  prompt file {prompt.path}\n  prompt sha256 {prompt.hash}", highlight=False)
    if st.config:
        console.print(f"gate config: {st.config.path}", highlight=False)
        console.print(f"  dataset {st.config.dataset} (sha256 {st.dataset_hash})", highlight=False)
        console.print(
            "  bars: "
            + ", ".join(
                f"{k} {'≤' if k in metrics_mod.LOWER_IS_BETTER else '≥'} {v:g}"
                for k, v in st.config.bars.items()
            )
        )
    state = "[green]OPEN[/]" if st.open else "[red]CLOSED[/]"
    console.print(f"gate: {state}")
    if st.run:
        console.print(
            f"  deciding run #{st.run['id']} at {st.run['created_at']}: " + _run_line(st.run, st.config)
        )
    if st.last_run and (not st.run or st.last_run["id"] != st.run["id"]):
        why = gate.counts_for_gate(st.last_run, st.dataset_hash or "") if st.dataset_hash else None
        console.print(
            f"  last run of this pair #{st.last_run['id']} at {st.last_run['created_at']} on "
            f"{', '.join(st.last_run['dataset'])}" + (f" (does not count: {why})" if why else "")
        )
    for m in st.missing:
        console.print(f"  missing: {m}", highlight=False)
    for row in gate.awaiting_counts(db):
        mine = row["prompt_hash"] == prompt.hash and row["model"] == settings.llm_model
        console.print(
            f"  awaiting_gate: {row['n']} report(s) from {row['prompt_version']}@{row['prompt_hash'][:12]} + "
            f"{row['model']}" + (" (this pair)" if mine else " (another pair; re-judge to send)")
        )
    sys.exit(0 if st.open else 1)


def _run_line(run: dict[str, Any], cfg: Any) -> str:
    m = run["metrics"]
    keys = list(cfg.bars) if cfg else ["false_rejection_rate", "verdict_accuracy", "invalid_recall"]
    return ", ".join(f"{k}={m.get(k)}" for k in keys) + f", n={m.get('n')}, errors={m.get('errors')}"


@gate_group.command("release")
@_prompt_option
def gate_release_cmd(prompt_path: Path | None) -> None:
    """Send this pair's awaiting_gate reports to SP4N if its gate is open (each exactly once)."""
    from triage.evals import gate
    from triage.store.database import connect

    settings = get_settings()
    prompt = load_prompt(prompt_path or settings.prompt)
    db = connect(settings.db)
    if not gate.gate_open(db, settings, prompt, settings.llm_model):
        st = gate.gate_status(db, settings, prompt, settings.llm_model)
        raise click.ClickException("gate closed: " + "; ".join(st.missing))
    click.echo(f"released {gate.release_awaiting(db, settings, prompt, settings.llm_model)} report(s)")
