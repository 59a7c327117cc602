"""`triage signals build|score|check`: rebuild the learned signals, score a text, measure them."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.group("signals")
def signals() -> None:
    """The learned classifiers (spam, abuse, complaint, category, kind) the decision reads."""


@signals.command("build")
@click.option(
    "--data",
    "data_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="the shared corpora (default: ../shared/data beside the repository)",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(path_type=Path, file_okay=False),
    default=None,
    help="where the models go (default: the package's data/signals)",
)
def build(data_dir: Path | None, out_dir: Path | None) -> None:
    """Retrain every signal from the corpora (eval texts left out), and the kind of message from the
    labelled tuning cases (evals/tune.jsonl, evals/probe.jsonl) and the reviewers' decisions kept
    in evals/reviewed.jsonl when there are any; write the models and cv.json.

    Deterministic: the same corpora give byte-identical files.
    """
    from triage.signals.train import train

    train(data_dir, out_dir, log=click.echo)


@signals.command("score")
@click.argument("text")
def score(text: str) -> None:
    """Print the signals of one text."""
    from triage.signals.scores import score as score_text

    click.echo(score_text(text).model_dump_json(indent=1))


@signals.command("check")
@click.argument("dataset", type=click.Path(path_type=Path, dir_okay=False, exists=True))
def check(dataset: Path) -> None:
    """The shipped signals against labelled cases (the tuning split; frozen sets are refused)."""
    from triage.signals.train import evaluate_cases

    try:
        click.echo(json.dumps(evaluate_cases(dataset), indent=1))
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
