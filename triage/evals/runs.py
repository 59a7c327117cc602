"""Recorded eval runs (table `eval_runs`): what the gate and `--compare RUN_ID` read.

Kept free of heavy imports (no sklearn) because the worker's gate check reads it.
Facts the gate needs beyond the table's columns (was every case of the dataset judged, were
lines skipped, was it a --limit run) live inside the metrics JSON under "run".
"""

from __future__ import annotations

import json
from typing import Any

from triage.store.database import Database, dumps, now_iso


def record(
    db: Database,
    *,
    paths: list[str],
    dataset_hash: str,
    prompt_version: str,
    prompt_hash: str,
    model: str,
    metrics: dict[str, Any],
    out_dir: str,
    prompt_text: str | None = None,
    settings: dict[str, Any] | None = None,
    code_version: str | None = None,
) -> int:
    """Insert one run; returns its id."""
    row = {
        "dataset": dumps(paths),
        "dataset_hash": dataset_hash,
        "prompt_version": prompt_version,
        "prompt_hash": prompt_hash,
        "model": model,
        "metrics": dumps(metrics),
        "out_dir": out_dir,
        "created_at": now_iso(),
        "prompt_text": prompt_text,
        "settings": dumps(settings) if settings is not None else None,
        "code_version": code_version,
    }
    with db.atomic():
        cur = db.execute(
            f"INSERT INTO eval_runs ({', '.join(row)}) VALUES ({', '.join('?' * len(row))}) RETURNING id",
            list(row.values()),
        )
        return int(cur.fetchone()[0])


def _row(row: dict[str, Any]) -> dict[str, Any]:
    row = dict(row)
    row["metrics"] = json.loads(row["metrics"] or "{}")
    row["settings"] = json.loads(row.get("settings") or "{}")
    try:
        row["dataset"] = json.loads(row["dataset"] or "[]")
    except json.JSONDecodeError:
        row["dataset"] = [row["dataset"]]
    return row


def get(db: Database, run_id: int) -> dict[str, Any] | None:
    rows = list(db.query("SELECT * FROM eval_runs WHERE id = ?", [run_id]))
    return _row(rows[0]) if rows else None


def for_pair(
    db: Database, prompt_hash: str, model: str, dataset_hash: str | None = None, limit: int = 20
) -> list[dict[str, Any]]:
    """Runs of one prompt+model pair, newest first, optionally on one dataset."""
    sql = "SELECT * FROM eval_runs WHERE prompt_hash = ? AND model = ?"
    params: list[Any] = [prompt_hash, model]
    if dataset_hash is not None:
        sql += " AND dataset_hash = ?"
        params.append(dataset_hash)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return [_row(r) for r in db.query(sql, params)]


def is_complete(metrics: dict[str, Any]) -> bool:
    """Every case of the dataset was judged: no --limit, no skipped lines."""
    run = metrics.get("run") or {}
    return bool(run.get("complete"))


def latest(db: Database, limit: int = 30) -> list[dict[str, Any]]:
    """Every recorded run, newest first."""
    return [_row(r) for r in db.query("SELECT * FROM eval_runs ORDER BY id DESC LIMIT ?", [limit])]


def code_version() -> str:
    """The package version and, in a git checkout, the commit (with "+dirty" for local edits)."""
    import subprocess
    from importlib.metadata import version
    from pathlib import Path

    try:
        package = version("lapor-triage")
    except Exception:  # noqa: BLE001 - not installed as a package
        package = "unknown"
    root = Path(__file__).resolve().parents[2]
    try:
        commit = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty=+dirty"],
            capture_output=True,
            text=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return f"{package} {commit}".strip()
