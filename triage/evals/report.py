"""The human report of a run: report.html for a browser and report.md for a terminal or a PR.

Both come from the same `context()`: metrics, the verdict confusion matrix, per-class scores,
distributions, and every wrong case with the model's reasons and quotes, because the first
thing anyone does after reading a number is look at the cases behind it. Case texts are eval
data (see evals/README.md): the report stays on the machine that ran it.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from jinja2 import Environment, select_autoescape

from triage.evals.metrics import CONTRACT_KEYS, FIELDS, LOWER_IS_BETTER, VERDICTS, sent_to_review
from triage.schema import EvalCase

Prediction = dict[str, Any]
TEXT_LIMIT = 600


def histogram(values: list[float], bins: int = 10) -> list[dict[str, Any]]:
    """Equal-width bins with a bar length in percent of the fullest bin (drawn with CSS)."""
    if not values:
        return []
    lo, hi = min(values), max(values)
    width = (hi - lo) / bins or 1.0
    counts = [0] * bins
    for v in values:
        counts[min(bins - 1, int((v - lo) / width))] += 1
    top = max(counts)
    return [
        {"lo": lo + i * width, "hi": lo + (i + 1) * width, "count": c, "pct": round(100 * c / top)}
        for i, c in enumerate(counts)
    ]


def wrong_cases(cases: list[EvalCase], preds: list[Prediction]) -> list[dict[str, Any]]:
    """Cases with an error or any wrong scored label; false rejections first, then other verdicts."""
    text_by_id = {c.id: c.text for c in cases}
    out = []
    for p in preds:
        correct = p.get("correct") or {}
        wrong = [k for k, v in correct.items() if v is False]
        if not wrong and not p.get("error"):
            continue
        exp = p.get("expected") or {}
        false_rejection = exp.get("verdict") == "valid" and p.get("verdict") == "invalid"
        text = text_by_id.get(p["id"], "")
        out.append(
            {
                **p,
                "wrong": wrong,
                "false_rejection": false_rejection,
                "to_review": sent_to_review(p),
                "text": text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + "…",
                "order": (0 if false_rejection else 1 if "verdict" in wrong or p.get("error") else 2),
            }
        )
    out.sort(key=lambda r: (r["order"], r["id"]))
    return out


def context(
    *,
    metrics: dict[str, Any],
    cases: list[EvalCase],
    preds: list[Prediction],
    run: dict[str, Any],
    comparison: dict[str, Any] | None = None,
    stability: dict[str, Any] | None = None,
) -> dict[str, Any]:
    ok = [p for p in preds if not p.get("error")]
    headline = [
        {
            "key": k,
            "value": metrics.get(k),
            "direction": "" if k == "n" else "at most" if k in LOWER_IS_BETTER else "at least",
        }
        for k in CONTRACT_KEYS
        if k not in ("model", "prompt_version")
    ]
    return {
        "metrics": metrics,
        "headline": headline,
        "run": run,
        "verdicts": VERDICTS,
        "fields": FIELDS,
        "wrong": wrong_cases(cases, preds),
        "latency_hist": histogram([float(p.get("latency_ms") or 0) for p in ok]),
        "token_hist": histogram([float(p.get("tokens") or 0) for p in ok]),
        "comparison": comparison,
        "stability": stability,
    }


def _fmt(value: Any) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".") if abs(value) < 10 else f"{value:,.0f}"
    return str(value)


def render_html(ctx: dict[str, Any]) -> str:
    env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
    env.filters["fmt"] = _fmt
    source = resources.files("triage.evals").joinpath("templates", "eval_report.html").read_text("utf-8")
    return env.from_string(source).render(**ctx)


def render_markdown(ctx: dict[str, Any]) -> str:
    m, run = ctx["metrics"], ctx["run"]
    out = [
        f"# Eval report: {', '.join(run['paths'])}",
        "",
        f"model `{m['model']}`, prompt `{m['prompt_version']}@{run['prompt_hash'][:12]}`, "
        f"dataset sha256 `{run['dataset_hash'][:12]}`, run id {run.get('run_id')}, {run['created_at']}",
        "",
        "| metric | value |",
        "|---|---|",
    ]
    for h in ctx["headline"]:
        label = f"{h['key']} ({h['direction']})" if h["direction"] else h["key"]
        out.append(f"| {label} | {_fmt(h['value'])} |")
    out += ["", "## Verdict confusion (rows: expected, columns: judged)", ""]
    conf = m.get("confusion")
    if conf:
        out.append("| expected \\ judged | " + " | ".join(conf["columns"]) + " |")
        out.append("|---" * (len(conf["columns"]) + 1) + "|")
        for label, row in zip(conf["labels"], conf["matrix"], strict=True):
            out.append(f"| {label} | " + " | ".join(str(x) for x in row) + " |")
    out += [
        "",
        "## Per class",
        "",
        "| verdict | precision | recall | F1 | support | predicted |",
        "|---|---|---|---|---|---|",
    ]
    for label, s in (m.get("per_class") or {}).items():
        out.append(
            f"| {label} | {_fmt(s['precision'])} | {_fmt(s['recall'])} | {_fmt(s['f1'])} | "
            f"{s['support']} | {s['predicted']} |"
        )
    out += [
        "",
        f"needs_info share {_fmt(m.get('needs_info_share'))}, review share {_fmt(m.get('review_share'))}, "
        f"cached {m.get('cached')}, decided by {m.get('decided_by')}",
        "",
        _false_rejections_line(m),
        "",
        "## Distributions",
        "",
        "| | min | p50 | p90 | p95 | max | mean |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in ("latency_ms", "tokens"):
        d = m.get(name) or {}
        out.append(
            f"| {name} | "
            + " | ".join(_fmt(d.get(k)) for k in ("min", "p50", "p90", "p95", "max", "mean"))
            + " |"
        )
    if ctx["stability"]:
        s = ctx["stability"]
        out += [
            "",
            f"## Stability over {s['repeat']} runs",
            "",
            f"stable correct {s['stable_correct']}, flaky {s['flaky']}, stable wrong {s['stable_wrong']}",
        ]
        out += [
            f"- {f['id']} (expected {f['expected']}): {', '.join(f['verdicts'])}" for f in s["flaky_cases"]
        ]
    if ctx["comparison"]:
        out += (
            ["", "## Comparison", "", "```", ctx["comparison_text"], "```"]
            if ctx.get("comparison_text")
            else []
        )
    out += ["", f"## Wrong cases ({len(ctx['wrong'])})", ""]
    for w in ctx["wrong"]:
        exp = w["expected"]
        head = f"### {w['id']}" + (" — FALSE REJECTION" if w["false_rejection"] else "")
        out += [head, ""]
        if w.get("error"):
            out.append(f"- error: `{w['error']}`")
        out.append(f"- wrong: {', '.join(w['wrong']) or '-'}")
        for key in ("verdict", "reason", *FIELDS):
            if exp.get(key) is not None or w.get(key) is not None:
                out.append(f"- {key}: expected `{exp.get(key)}`, got `{w.get(key)}`")
        out.append(
            f"- decided by {w.get('decided_by')}, confidence {_fmt(w.get('confidence'))}, "
            f"outcome {w.get('outcome') or '-'}, seen by a reviewer {w['to_review']}"
        )
        out += [f"- reason: {r['statement']} — “{r['evidence']}”" for r in w.get("reasons") or []]
        out += ["", "> " + w["text"].replace("\n", "\n> "), ""]
    return "\n".join(out) + "\n"


def _false_rejections_line(m: dict[str, Any]) -> str:
    unseen = m.get("false_rejections_archived") or []
    return (
        f"false rejections sent to a reviewer {m.get('false_rejections_to_review')}, archived unseen "
        f"{len(unseen)} (rate {_fmt(m.get('archived_false_rejection_rate'))})"
        + (f": {', '.join(unseen)}" if unseen else "")
    )


def write(out_dir: Path, ctx: dict[str, Any]) -> tuple[Path, Path]:
    html, md = out_dir / "report.html", out_dir / "report.md"
    html.write_text(render_html(ctx), "utf-8")
    md.write_text(render_markdown(ctx), "utf-8")
    return html, md
