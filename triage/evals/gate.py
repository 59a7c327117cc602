"""The eval gate: valid reports reach SP4N only from a prompt+model pair that passed the gate set.

The gate config (`evals/gate.toml`, `TRIAGE_GATE_CONFIG`) names the gate dataset and the bars.
A recorded run counts only when it was made on the gate dataset *as it is now* (same sha256),
judged every case (no --limit, no skipped lines) and had no errors; the newest counting run of
the pair decides, measured against the bars as they are now, so tuning a bar takes effect at
once. Anything missing - no config, no run, a failed bar - keeps the gate closed: a valid report
then waits in `awaiting_gate`, nothing is lost, and `release_awaiting` sends it on, exactly
once, when the pair passes.
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from triage.config import Settings
from triage.judge.prompt import Prompt
from triage.store.database import Database

log = logging.getLogger(__name__)

DEFAULT_BARS = {"false_rejection_rate": 0.10, "verdict_accuracy": 0.6, "invalid_recall": 0.6}

_warned: set[tuple[str, str]] = set()


class GateConfigError(ValueError):
    pass


@dataclass(frozen=True)
class GateConfig:
    path: Path
    dataset: Path
    bars: dict[str, float]


@dataclass
class GateStatus:
    open: bool
    prompt_version: str
    prompt_hash: str
    model: str
    config: GateConfig | None = None
    dataset_hash: str | None = None
    run: dict[str, Any] | None = None  # the run that decided, if any
    last_run: dict[str, Any] | None = None  # the newest run of the pair on any dataset
    missing: list[str] = field(default_factory=list)

    @property
    def pair(self) -> str:
        return f"prompt {self.prompt_version}@{self.prompt_hash[:12]} + model {self.model}"


# ---------------------------------------------------------------- config


def _first_existing(path: Path, bases: list[Path]) -> Path:
    if path.is_absolute():
        return path
    for base in bases:
        if (base / path).exists():
            return (base / path).resolve()
    return (bases[0] / path).resolve()


def config_path(settings: Settings) -> Path:
    """The configured file (`TRIAGE_GATE_CONFIG`), a relative path read from the working directory."""
    return _first_existing(Path(settings.gate_config), [Path.cwd()])


def load_config(settings: Settings) -> GateConfig:
    """Read and check the gate config; raises GateConfigError saying what is wrong."""
    from triage.evals.metrics import parse_bar

    path = config_path(settings)
    if not path.exists():
        raise GateConfigError(f"gate config {path} not found")
    try:
        raw = tomllib.loads(path.read_text("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise GateConfigError(f"gate config {path} is not valid TOML: {exc}") from None
    dataset = raw.get("dataset")
    if not isinstance(dataset, str) or not dataset:
        raise GateConfigError(f"gate config {path}: `dataset` (path of the gate JSONL) is required")
    bars_raw = raw.get("thresholds", DEFAULT_BARS)
    try:
        bars = dict(parse_bar(f"{k}={v}") for k, v in bars_raw.items())
    except (ValueError, AttributeError) as exc:
        raise GateConfigError(f"gate config {path}: [thresholds] {exc}") from None
    data_path = _first_existing(Path(dataset), [path.parent, path.parent.parent, Path.cwd()])
    return GateConfig(path=path, dataset=data_path, bars=bars)


# ---------------------------------------------------------------- status


def counts_for_gate(run: dict[str, Any], dataset_hash: str) -> str | None:
    """Why a recorded run cannot count for the gate, or None when it can."""
    from triage.evals.runs import is_complete

    m = run["metrics"]
    if run["dataset_hash"] != dataset_hash:
        return "made on another dataset (or an older version of the gate dataset)"
    if not is_complete(m):
        return "did not judge every case (--limit or skipped lines)"
    if m.get("errors", 1) != 0:
        return f"had {m.get('errors')} case(s) with errors"
    return None


def gate_status(db: Database, settings: Settings, prompt: Prompt, model: str) -> GateStatus:
    """Open or closed for this pair, the run that decided, and what is missing when closed."""
    from triage.evals import runs
    from triage.evals.dataset import dataset_hash
    from triage.evals.metrics import missed_bars

    status = GateStatus(False, prompt.version, prompt.hash, model)
    recent = runs.for_pair(db, prompt.hash, model, limit=50)
    status.last_run = recent[0] if recent else None
    try:
        cfg = status.config = load_config(settings)
        if not cfg.dataset.exists():
            raise GateConfigError(f"gate dataset {cfg.dataset} (from {cfg.path}) not found")
        status.dataset_hash = dataset_hash([cfg.dataset])
    except GateConfigError as exc:
        status.missing.append(str(exc))
        return status
    counting = [r for r in recent if counts_for_gate(r, status.dataset_hash) is None]
    if not counting:
        status.missing.append(
            f"no complete, error-free eval run of this pair on {cfg.dataset.name} "
            f"(sha256 {status.dataset_hash[:12]}): run `triage eval {cfg.dataset} --out DIR`"
        )
        return status
    status.run = counting[0]
    status.missing = missed_bars(status.run["metrics"], cfg.bars)
    status.open = not status.missing
    return status


def gate_open(db: Database, settings: Settings, prompt: Prompt, model: str) -> bool:
    """True when valid reports from this pair may go to SP4N; says why not, once per pair."""
    status = gate_status(db, settings, prompt, model)
    key = (prompt.hash, model)
    if not status.open and key not in _warned:
        _warned.add(key)
        log.warning(
            "eval gate closed for %s: %s. Valid reports wait in awaiting_gate and are sent when the "
            "pair passes (see `triage gate status`).",
            status.pair,
            "; ".join(status.missing),
        )
    elif status.open:
        _warned.discard(key)
    return status.open


# ---------------------------------------------------------------- release


def release_awaiting(db: Database, settings: Settings, prompt: Prompt, model: str) -> int:
    """Send this pair's awaiting_gate reports to SP4N once the gate is open; returns how many.

    Each report's outcome change and its outbox row commit together; the outcome is changed
    only from awaiting_gate, so a second call (or a second worker) finds nothing to move.
    """
    from triage.schema import Outcome, TriageResult
    from triage.sp4n.outbox import sp4n_record
    from triage.store.database import now_iso, writing
    from triage.store.reports import Store

    if not gate_status(db, settings, prompt, model).open:
        return 0
    store = Store(db)
    moved = 0
    with writing(db):  # take the write lock before reading what to move
        rows = list(
            db.query(
                "SELECT report_id, result FROM results WHERE outcome = ? AND prompt_hash = ? AND model = ? "
                "ORDER BY created_at, report_id",
                [Outcome.awaiting_gate.value, prompt.hash, model],
            )
        )
        for row in rows:
            cur = db.execute(
                "UPDATE results SET outcome = ? WHERE report_id = ? AND outcome = ?",
                [Outcome.sp4n.value, row["report_id"], Outcome.awaiting_gate.value],
            )
            if cur.rowcount != 1:
                continue
            db.execute(
                "UPDATE reports SET outcome = ?, updated_at = ? WHERE report_id = ?",
                [Outcome.sp4n.value, now_iso(), row["report_id"]],
            )
            result = TriageResult.model_validate_json(row["result"])
            report = store.report(row["report_id"])
            payload = sp4n_record(report, result, model=model, prompt_version=prompt.version)
            store.enqueue_outbox(row["report_id"], payload, "sp4n")
            moved += 1
    if moved:
        log.info("eval gate open for %s: released %d awaiting report(s) to SP4N", prompt.ident, moved)
    return moved


def awaiting_counts(db: Database) -> list[dict[str, Any]]:
    """Reports waiting for the gate, per prompt+model pair (for `triage gate status`)."""
    return list(
        db.query(
            "SELECT prompt_version, prompt_hash, model, count(*) AS n FROM results "
            "WHERE outcome = 'awaiting_gate' GROUP BY prompt_version, prompt_hash, model ORDER BY n DESC"
        )
    )
