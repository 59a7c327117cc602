"""`triage eval view`: every recorded run browsable, any two side by side, down to one case.

A local web page over `eval_runs` and each run's predictions.jsonl, on the same FastAPI + Jinja
stack as the review page and with no outside assets. The case text comes from the run's dataset
files; the model's attempts from the answer cache (`llm_cache`), keyed like the run that made them.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

from triage.evals import compare as compare_mod
from triage.evals import runs as runs_mod
from triage.judge.llm_cache import JudgementCache, judgement_key
from triage.rules import injection
from triage.store.database import Database, connect

HEADLINE = (
    "n",
    "errors",
    "verdict_accuracy",
    "invalid_recall",
    "false_rejection_rate",
    "junk_to_sp4n_rate",
    "junk_asked_rate",
    "genuine_archived_rate",
    "review_share",
    "category_accuracy",
    "regency_accuracy",
    "latency_ms_p50",
)
VERDICTS = ("valid", "needs_info", "invalid")
FILTERS = ("expected", "judged", "reason", "right", "rule", "decided_by", "outcome", "q")

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


def _highlight(text: str, quotes: list[str]) -> Markup:
    """The case text with the model's quotes marked (escaped; quotes not found are left out)."""
    out = str(escape(text))
    for q in sorted({q for q in quotes if q and len(q) > 2}, key=len, reverse=True):
        safe = str(escape(q))
        if safe in out:
            out = out.replace(safe, f"<mark>{safe}</mark>")
    return Markup(out)


class RunData:
    """One run: its row, metrics, predictions and the texts of its cases."""

    def __init__(self, row: dict[str, Any]) -> None:
        self.row = row
        self.metrics = row["metrics"]
        path = Path(row["out_dir"] or "") / "predictions.jsonl"
        if not path.is_file():
            raise HTTPException(404, f"run {row['id']}: {path} is gone")
        self.preds = [json.loads(x) for x in path.read_text("utf-8").splitlines() if x.strip()]
        self.texts: dict[str, str] = {}
        for name in row["dataset"]:
            p = Path(name)
            if p.is_file():
                for line in p.read_text("utf-8").splitlines():
                    if line.strip():
                        case = json.loads(line)
                        self.texts[str(case.get("id"))] = str(case.get("text", ""))

    def by_id(self, case_id: str) -> dict[str, Any] | None:
        return next((p for p in self.preds if p["id"] == case_id), None)


def _load(db: Database, run_id: int) -> RunData:
    row = runs_mod.get(db, run_id)
    if row is None:
        raise HTTPException(404, f"no run {run_id}")
    return RunData(row)


def _matches(p: dict[str, Any], f: dict[str, str], text: str) -> bool:
    expected = (p.get("expected") or {}).get("verdict")
    judged = "error" if p.get("error") else p.get("verdict")
    right = (p.get("correct") or {}).get("verdict")
    checks = [
        not f["expected"] or expected == f["expected"],
        not f["judged"] or judged == f["judged"],
        not f["reason"] or p.get("reason") == f["reason"],
        not f["right"] or (f["right"] == "yes") == bool(right),
        not f["rule"] or f["rule"] in (p.get("rules") or []),
        not f["decided_by"] or p.get("decided_by") == f["decided_by"],
        not f["outcome"] or p.get("outcome") == f["outcome"],
        not f["q"] or f["q"].lower() in text.lower() or f["q"].lower() in p["id"].lower(),
    ]
    return all(checks)


def _confusion(preds: list[dict[str, Any]]) -> dict[str, dict[str, int]]:
    table = {e: dict.fromkeys((*VERDICTS, "error"), 0) for e in VERDICTS}
    for p in preds:
        e = (p.get("expected") or {}).get("verdict")
        j = "error" if p.get("error") else p.get("verdict")
        if e in table and j in table[e]:
            table[e][j] += 1
    return table


LATENCY_EDGES = (0, 100, 500, 1000, 2000, 4000, 8000, 16000, 32000)
TOKEN_EDGES = (0, 500, 1000, 2000, 3000, 4000, 6000, 8000)


def histogram(values: list[float], edges: tuple[int, ...]) -> list[tuple[str, int]]:
    """Counts per bin [edge, next edge), the last bin open-ended."""
    bins = [0] * len(edges)
    for v in values:
        i = max(j for j, e in enumerate(edges) if v >= e) if v >= edges[0] else 0
        bins[i] += 1
    names = [f"{a}–{b}" for a, b in zip(edges, edges[1:], strict=False)] + [f"≥ {edges[-1]}"]
    return list(zip(names, bins, strict=True))


def _attempts(db: Database, run: RunData, case_id: str) -> list[dict[str, Any]]:
    """The model's attempts for this case, from the answer cache the run used (if this database
    holds it): the request's tail, the raw output, the validation error, tokens and latency."""
    text = run.texts.get(case_id)
    if text is None:
        return []
    key = judgement_key(str(run.row["model"]), str(run.row["prompt_hash"]), injection.split(text).text)
    cached = JudgementCache(db).get(key)
    return [a.model_dump(mode="json") for a in cached.attempts] if cached else []


def _gate_verdicts(rows: list[dict[str, Any]]) -> dict[int, str]:
    """Per run: "pass" or "fail" against the gate's bars when it is a run the gate counts (the gate
    dataset, every case, no errors), "-" otherwise or without a gate configuration."""
    from triage.config import get_settings
    from triage.evals import gate
    from triage.evals.dataset import dataset_hash
    from triage.evals.metrics import missed_bars

    try:
        cfg = gate.load_config(get_settings())
        gate_hash = dataset_hash([cfg.dataset])
    except (gate.GateConfigError, OSError):
        return {}
    out = {}
    for r in rows:
        if gate.counts_for_gate(r, gate_hash) is None:
            out[int(r["id"])] = "fail" if missed_bars(r["metrics"], cfg.bars) else "pass"
    return out


def create_viewer(db_path: str) -> FastAPI:
    app = FastAPI(title="lapor-triage eval viewer", docs_url=None, redoc_url=None, openapi_url=None)

    @contextmanager
    def opened() -> Iterator[Database]:
        """One connection per request, closed after it (a local tool left open for days)."""
        store = connect(db_path, shared=True)
        try:
            yield store
        finally:
            store.close()

    @app.get("/", response_class=HTMLResponse)
    def runs_page(request: Request) -> HTMLResponse:
        with opened() as store:
            rows = runs_mod.latest(store, 500)
        verdicts = _gate_verdicts(rows)
        return templates.TemplateResponse(
            request, "view_runs.html", {"runs": rows, "headline": HEADLINE[2:9], "gate": verdicts}
        )

    @app.get("/run/{run_id}", response_class=HTMLResponse)
    def run_page(request: Request, run_id: int) -> HTMLResponse:
        with opened() as store:
            run = _load(store, run_id)
        f = {k: str(request.query_params.get(k, "")).strip() for k in FILTERS}
        cases = [p for p in run.preds if _matches(p, f, run.texts.get(p["id"], ""))]
        rules = sorted({r for p in run.preds for r in (p.get("rules") or [])})
        return templates.TemplateResponse(
            request,
            "view_run.html",
            {
                "run": run,
                "headline": HEADLINE,
                "confusion": _confusion(run.preds),
                "verdicts": VERDICTS,
                "cases": cases,
                "f": f,
                "rules": rules,
                "per_class": run.metrics.get("per_class") or {},
                "latency": histogram([float(p.get("latency_ms") or 0) for p in run.preds], LATENCY_EDGES),
                "tokens": histogram([float(p.get("tokens") or 0) for p in run.preds], TOKEN_EDGES),
                "texts": run.texts,
            },
        )

    @app.get("/run/{run_id}/case/{case_id}", response_class=HTMLResponse)
    def case_page(request: Request, run_id: int, case_id: str) -> HTMLResponse:
        with opened() as store:
            run = _load(store, run_id)
            attempts = _attempts(store, run, case_id)
        pred = run.by_id(case_id)
        if pred is None:
            raise HTTPException(404, f"run {run_id} has no case {case_id}")
        quotes = [r.get("evidence", "") for r in pred.get("reasons") or []]
        return templates.TemplateResponse(
            request,
            "view_case.html",
            {
                "run": run,
                "p": pred,
                "text": _highlight(run.texts.get(case_id, "(teks kasus tidak ditemukan)"), quotes),
                "attempts": attempts,
            },
        )

    @app.get("/compare", response_class=HTMLResponse)
    def compare_page(request: Request, a: int, b: int) -> HTMLResponse:
        with opened() as store:
            before, now = _load(store, a), _load(store, b)
        c = compare_mod.compare(now.metrics, now.preds, before.metrics, before.preds, f"run {a}")
        diff = list(
            difflib.unified_diff(
                (before.row.get("prompt_text") or "").splitlines(),
                (now.row.get("prompt_text") or "").splitlines(),
                f"prompt of run {a}",
                f"prompt of run {b}",
                lineterm="",
            )
        )
        return templates.TemplateResponse(
            request,
            "view_compare.html",
            {"a": before, "b": now, "c": c, "diff": diff, "no_text": not before.row.get("prompt_text")},
        )

    @app.get("/compare/{case_id}", response_class=HTMLResponse)
    def compare_case(request: Request, case_id: str, a: int, b: int) -> HTMLResponse:
        sides = []
        with opened() as store:
            for run in (_load(store, a), _load(store, b)):
                pred = run.by_id(case_id)
                quotes = [r.get("evidence", "") for r in (pred or {}).get("reasons") or []]
                sides.append(
                    {
                        "run": run,
                        "p": pred,
                        "text": _highlight(run.texts.get(case_id, ""), quotes),
                        "attempts": _attempts(store, run, case_id),
                    }
                )
        return templates.TemplateResponse(
            request, "view_compare_case.html", {"case_id": case_id, "sides": sides}
        )

    return app
