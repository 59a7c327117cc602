"""One eval run end to end: judge the cases, score them, write the outputs, record the run, gate.

`triage eval` and `triage demo` both run it. Tests replace `judge_factory` (a module attribute,
never a command-line option) to run the real code without a model; everything else - dataset,
cache, metrics, recording, report, gate release - is the code that runs in production.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from triage.config import Settings
from triage.evals import compare as compare_mod
from triage.evals import dataset as dataset_mod
from triage.evals import metrics as metrics_mod
from triage.evals import report as report_mod
from triage.evals import runner as runner_mod
from triage.evals import runs as runs_mod
from triage.judge import llm_cache
from triage.judge.prompt import Prompt
from triage.schema import SCHEMA_VERSION, EvalCase
from triage.store.database import now_iso

judge_factory: runner_mod.JudgeFactory = runner_mod.model_judge


def parse_bars(specs: tuple[str, ...]) -> dict[str, float]:
    bars = {}
    for spec in specs:
        try:
            key, value = metrics_mod.parse_bar(spec)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--fail-under") from None
        bars[key] = value
    return bars


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        console=console,
    )


def _judge_all(
    cases: list[EvalCase], runner: runner_mod.Runner, console: Console, *, repeat: int, no_cache: bool
) -> list[list[runner_mod.Prediction]]:
    """Run 1 reads the cache (unless --no-cache) and refreshes it; runs 2..N bypass it entirely."""
    runs: list[list[runner_mod.Prediction]] = []
    with _progress(console) as bar:
        for i in range(repeat):
            label = "eval" if repeat == 1 else f"eval {i + 1}/{repeat}"
            task = bar.add_task(label, total=len(cases), info="")
            errors = 0

            def tick(pred: runner_mod.Prediction, task: Any = task) -> None:
                nonlocal errors
                errors += bool(pred.get("error"))
                info = f"cached {runner.stats.cache_hits} · errors {errors}"
                bar.update(task, advance=1, info=info)

            runner.on_case = tick
            first = i == 0
            runs.append(runner.run(cases, read=first and not no_cache, write=first))
    return runs


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")


def _fmt_value(value: Any) -> str:
    if value is None:
        return "– (undefined)"
    if isinstance(value, float):
        return f"{value:.4g}" if abs(value) < 100 else f"{value:,.0f}"
    return str(value)


def _summary(console: Console, metrics: dict[str, Any], bars: dict[str, float]) -> None:
    table = Table(title="eval metrics", show_header=True)
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_column("bar", justify="right")
    for key in metrics_mod.CONTRACT_KEYS:
        value = metrics.get(key)
        shown = _fmt_value(value)
        bar = ""
        if key in bars:
            sign = "≤" if key in metrics_mod.LOWER_IS_BETTER else "≥"
            bar = f"{sign} {bars[key]:g}"
        table.add_row(key, shown, bar)
    console.print(table)


def _gate_after_run(
    console: Console, settings: Settings, db: Any, prompt: Prompt, ds_hash: str
) -> dict[str, Any]:
    """If this run was on the gate dataset, say where the gate stands and release waiting reports."""
    from triage.evals import gate

    status = gate.gate_status(db, settings, prompt, settings.llm_model)
    if status.config is None or status.dataset_hash != ds_hash:
        return {}
    info = {"dataset": str(status.config.dataset), "open": status.open, "missing": status.missing}
    if status.open:
        released = gate.release_awaiting(db, settings, prompt, settings.llm_model)
        info["released"] = released
        console.print(
            f"[green]eval gate open[/] for {status.pair}; released {released} waiting report(s) to SP4N"
        )
    else:
        console.print(f"[red]eval gate closed[/] for {status.pair}: " + "; ".join(status.missing))
    return info


def judgement_settings(settings: Settings) -> dict[str, Any]:
    """Every setting that changes a judgement, kept with the run so it can be repeated."""
    return {
        "llm_model": settings.llm_model,
        "llm_base_url": settings.llm_base_url or "embedded",
        "schema_mode": settings.schema_mode,
        "llm_max_attempts": settings.llm_max_attempts,
        "llm_temperature": settings.llm_temperature,
        "llm_max_tokens": settings.llm_max_tokens,
        "llm_checks": settings.llm_checks,
        "embedded_draft_tokens": settings.embedded_draft_tokens,
        "embedded_copy_quotes": settings.embedded_copy_quotes,
        "review_threshold": settings.review_threshold,
    }


def _run_info(
    ds: dataset_mod.Dataset,
    cases: list[EvalCase],
    prompt: Prompt,
    runner: runner_mod.Runner,
    repeat: int,
    limit: int | None,
    seconds: float,
) -> dict[str, Any]:
    """What was run, for metrics.json and the gate: a run counts only when `complete`."""
    from triage.store.database import now_iso

    return {
        "paths": ds.paths,
        "dataset_hash": ds.hash,
        "prompt_hash": prompt.hash,
        "prompt_path": str(prompt.path),
        "schema_version": SCHEMA_VERSION,
        "cases_in_dataset": len(ds.cases),
        "bad_lines": [str(b) for b in ds.bad_lines],
        "limit": limit,
        "repeat": repeat,
        "complete": len(cases) == len(ds.cases) and not ds.bad_lines,
        "judged": runner.stats.judged,
        "seconds": round(seconds, 2),
        "created_at": now_iso(),
    }


def _write_outputs(
    out_dir: Path,
    cases: list[EvalCase],
    all_runs: list[list[runner_mod.Prediction]],
    metrics: dict[str, Any],
    comparison: compare_mod.Comparison | None,
    stability: dict[str, Any] | None,
) -> Path:
    """predictions.jsonl, metrics.json, compare.json, the reports; returns report.html's path."""
    preds = all_runs[0]
    _write_jsonl(out_dir / "predictions.jsonl", preds)
    if len(all_runs) > 1:
        rows = [p | {"repeat": i + 1} for i, run in enumerate(all_runs) for p in run]
        _write_jsonl(out_dir / "predictions_repeats.jsonl", rows)
    cmp = comparison.to_dict() if comparison else None
    if cmp is not None:
        (out_dir / "compare.json").write_text(json.dumps(cmp, ensure_ascii=False, indent=2), "utf-8")
    (out_dir / "metrics.json").write_text(json.dumps(metrics, ensure_ascii=False, indent=2), "utf-8")
    ctx = report_mod.context(
        metrics=metrics, cases=cases, preds=preds, run=metrics["run"], comparison=cmp, stability=stability
    )
    ctx["comparison_text"] = compare_mod.render_text(comparison) if comparison else None
    html, _ = report_mod.write(out_dir, ctx)
    return html


def _print_stability(console: Console, stability: dict[str, Any]) -> None:
    console.print(
        f"stability over {stability['repeat']} runs: stable correct {stability['stable_correct']}, "
        f"flaky {stability['flaky']}, stable wrong {stability['stable_wrong']}"
    )
    for f in stability["flaky_cases"]:
        console.print(
            f"  flaky {f['id']} (expected {f['expected']}): {', '.join(f['verdicts'])}", highlight=False
        )


def run_eval(
    settings: Settings,
    prompt: Prompt,
    datasets: tuple[Path, ...],
    out_dir: Path,
    *,
    console: Console,
    err: Console,
    bars: dict[str, float] | None = None,
    no_cache: bool = False,
    repeat: int = 1,
    previous: str | None = None,
    limit: int | None = None,
    answers_path: Path | None = None,
    record: bool = False,
) -> tuple[dict[str, Any], dataset_mod.Dataset]:
    """One eval run, recorded; `triage eval` and `triage demo` (for the gate) both call it."""
    from triage.store.database import connect

    bars = bars or {}
    db = connect(settings.db)
    prev = None
    if previous:
        try:
            prev_dir = compare_mod.resolve(previous, db)
            prev = (str(prev_dir), *compare_mod.load_run(prev_dir))
        except compare_mod.CompareError as exc:
            raise click.BadParameter(str(exc), param_hint="--compare") from None

    ds = dataset_mod.load(datasets)
    for bad in ds.bad_lines:
        err.print(f"[red]bad dataset line[/] {bad}", highlight=False)
    cases = ds.cases[:limit] if limit else ds.cases
    if not cases:
        raise click.ClickException("no valid cases to evaluate")
    started = time.perf_counter()
    started_iso = now_iso()
    if answers_path is not None:
        try:
            loaded = llm_cache.load_answers(db, answers_path)
        except (ValueError, KeyError) as exc:
            raise click.BadParameter(str(exc), param_hint="--answers") from None
        err.print(f"{loaded} recorded model answers read from {answers_path}", highlight=False)
    cache = runner_mod.EvalCache(db, settings.llm_model, prompt.hash)
    with judge_factory(settings, prompt) as judge:
        runner = runner_mod.Runner(judge=judge, cache=cache, review_threshold=settings.review_threshold)
        all_runs = _judge_all(cases, runner, err, repeat=repeat, no_cache=no_cache)
    if answers_path is not None and record:
        keys = [llm_cache.judgement_key(settings.llm_model, prompt.hash, c.text) for c in cases]
        keys += llm_cache.keys_since(db, started_iso)
        total = llm_cache.save_answers(db, answers_path, keys)
        err.print(f"{answers_path}: {total} recorded model answers", highlight=False)
    preds = all_runs[0]
    metrics = metrics_mod.compute(cases, preds, model=settings.llm_model, prompt_version=prompt.version)
    metrics["run"] = run_info = _run_info(
        ds, cases, prompt, runner, repeat, limit, time.perf_counter() - started
    )
    stability = runner_mod.stability(cases, all_runs) if repeat > 1 else None
    if stability:
        metrics["stability"] = stability

    out_dir.mkdir(parents=True, exist_ok=True)
    run_info["run_id"] = runs_mod.record(
        db,
        paths=run_info["paths"],
        dataset_hash=ds.hash,
        prompt_version=prompt.version,
        prompt_hash=prompt.hash,
        model=settings.llm_model,
        metrics=metrics,
        out_dir=str(out_dir.resolve()),
        prompt_text=prompt.path.read_text("utf-8"),
        settings=judgement_settings(settings),
        code_version=runs_mod.code_version(),
    )
    run_info["gate"] = _gate_after_run(console, settings, db, prompt, ds.hash)
    comparison = compare_mod.compare(metrics, preds, prev[1], prev[2], prev[0]) if prev else None
    html = _write_outputs(out_dir, cases, all_runs, metrics, comparison, stability)
    _summary(console, metrics, bars)
    if stability:
        _print_stability(console, stability)
    if comparison is not None:
        console.print(compare_mod.render_text(comparison), highlight=False)
    console.print(
        f"run {run_info['run_id']}: {len(cases)} case(s), {runner.stats.cache_hits} results from cache, "
        f"{runner.stats.answers_replayed} judged from cached or recorded model answers, "
        f"{run_info['seconds']:.1f} s; report {html}"
    )
    return metrics, ds
