"""Scoring predictions against expected labels: pure functions, no I/O.

A prediction is the dict written to predictions.jsonl (see `runner.prediction_row`). Every rule
here is the contract in DESIGN.md "Eval metrics": anyone with predictions.jsonl and the dataset
can recompute these numbers. Choices the contract leaves open, made explicit:

* a case whose judge failed (`error` set) counts as wrong for every accuracy, is never "judged
  invalid", and is left out of the latency and token figures;
* a rate whose denominator is empty is `None` (null), never a made-up 0 or 1; a bar checked
  against null is missed;
* place names are compared through the official Kemendagri list, so "DKI Jakarta" equals
  "Daerah Khusus Ibukota Jakarta" and "Kab. Bogor" equals "Kabupaten Bogor".
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from triage import reference
from triage.schema import EvalCase, Verdict

VERDICTS = [v.value for v in Verdict]
CONTRACT_KEYS = (
    "n",
    "errors",
    "verdict_accuracy",
    "verdict_macro_f1",
    "false_rejection_rate",
    "invalid_recall",
    "invalid_precision",
    "reason_accuracy",
    "category_accuracy",
    "province_accuracy",
    "regency_accuracy",
    "latency_ms_p50",
    "latency_ms_p95",
    "tokens_per_case",
    "model",
    "prompt_version",
    "junk_to_sp4n_rate",
    "junk_asked_rate",
    "genuine_archived_rate",
    "sp4n_precision",
    "review_share",
    "injection_flips",
)
# Keys where lower is better: a bar on them is a ceiling ("fail over"), not a floor.
LOWER_IS_BETTER = frozenset(
    {
        "errors",
        "false_rejection_rate",
        "latency_ms_p50",
        "latency_ms_p95",
        "tokens_per_case",
        "junk_to_sp4n_rate",
        "junk_asked_rate",
        "genuine_archived_rate",
        "review_share",
        "injection_flips",
    }
)
SENT = frozenset({"sp4n", "awaiting_gate"})
FIELDS = ("category", "province", "regency")

Prediction = dict[str, Any]


# ---------------------------------------------------------------- name normalisation


def norm_category(name: str | None) -> str | None:
    return reference.fold(name) if name else None


def norm_province(name: str | None) -> str | None:
    if not name:
        return None
    return reference.canonical_province(name) or reference.fold(name)


def norm_regency(name: str | None) -> str | None:
    if not name:
        return None
    found = reference.regency_candidates(name)
    return found[0] if len(found) == 1 else reference.fold(name)


NORMALISERS = {"category": norm_category, "province": norm_province, "regency": norm_regency}


# ---------------------------------------------------------------- per case


def correct_flags(case: EvalCase, pred: Prediction) -> dict[str, bool | None]:
    """Right/wrong per scored label; None where the case does not score that label."""
    failed = bool(pred.get("error"))
    exp = case.expected
    flags: dict[str, bool | None] = {"verdict": not failed and pred.get("verdict") == exp.verdict.value}
    if exp.verdict is Verdict.invalid and pred.get("verdict") == Verdict.invalid.value and not failed:
        flags["reason"] = pred.get("reason") == (exp.reason.value if exp.reason else None)
    else:
        flags["reason"] = None
    for name in FIELDS:
        expected = getattr(exp, name)
        if expected is None:
            flags[name] = None
            continue
        norm = NORMALISERS[name]
        got = None if failed else norm(pred.get(name))
        flags[name] = got is not None and got == norm(expected)
    return flags


# ---------------------------------------------------------------- aggregates


def _ratio(num: int, den: int) -> float | None:
    return round(num / den, 4) if den else None


def _percentile(values: Sequence[float], q: float) -> float | None:
    if not values:
        return None
    import numpy as np

    return round(float(np.percentile(np.asarray(values, dtype=float), q)), 1)


def _field_accuracy(flags: list[dict[str, bool | None]], name: str) -> float | None:
    scored = [f[name] for f in flags if f[name] is not None]
    return _ratio(sum(1 for x in scored if x), len(scored))


def verdict_tables(y_true: list[str], y_pred: list[str]) -> dict[str, Any]:
    """Confusion matrix and per-class precision/recall/F1 over the three verdicts (sklearn).

    An errored case is predicted as "error": it lands outside the matrix's columns (counted in
    `errors`) and is a miss for its true class's recall.
    """
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    labels = VERDICTS
    matrix = confusion_matrix(y_true, y_pred, labels=[*labels, "error"]).tolist()
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels, zero_division=0)
    per_class = {
        label: {
            "precision": round(float(p[i]), 4),
            "recall": round(float(r[i]), 4),
            "f1": round(float(f[i]), 4),
            "support": int(s[i]),
            "predicted": sum(1 for y in y_pred if y == label),
        }
        for i, label in enumerate(labels)
    }
    macro = f1_score(y_true, y_pred, labels=labels, average="macro", zero_division=0)
    return {
        "confusion": {"labels": labels, "columns": [*labels, "error"], "matrix": [row for row in matrix[:3]]},
        "per_class": per_class,
        "macro_f1": round(float(macro), 4),
    }


def compute(
    cases: Sequence[EvalCase], predictions: Sequence[Prediction], *, model: str, prompt_version: str
) -> dict[str, Any]:
    """Every contract key plus extras, from cases and their predictions (matched by id)."""
    by_id = {p["id"]: p for p in predictions}
    preds = [by_id.get(c.id, {"id": c.id, "error": "no prediction"}) for c in cases]
    flags = [correct_flags(c, p) for c, p in zip(cases, preds, strict=True)]
    n = len(cases)
    ok = [p for p in preds if not p.get("error")]
    y_true = [c.expected.verdict.value for c in cases]
    y_pred = ["error" if p.get("error") else str(p.get("verdict")) for p in preds]

    exp_valid = [yp for yt, yp in zip(y_true, y_pred, strict=True) if yt == "valid"]
    exp_invalid = [yp for yt, yp in zip(y_true, y_pred, strict=True) if yt == "invalid"]
    judged_invalid = [yt for yt, yp in zip(y_true, y_pred, strict=True) if yp == "invalid"]
    reason_scored = [f["reason"] for f in flags if f["reason"] is not None]
    latencies = [float(p.get("latency_ms") or 0.0) for p in ok]
    tokens = [int(p.get("tokens") or 0) for p in ok]
    tables = verdict_tables(y_true, y_pred) if n else {"confusion": None, "per_class": {}, "macro_f1": None}

    metrics: dict[str, Any] = {
        "n": n,
        "errors": n - len(ok),
        "verdict_accuracy": _ratio(sum(1 for f in flags if f["verdict"]), n),
        "verdict_macro_f1": tables["macro_f1"],
        "false_rejection_rate": _ratio(exp_valid.count("invalid"), len(exp_valid)),
        "invalid_recall": _ratio(exp_invalid.count("invalid"), len(exp_invalid)),
        "invalid_precision": _ratio(judged_invalid.count("invalid"), len(judged_invalid)),
        "reason_accuracy": _ratio(sum(1 for x in reason_scored if x), len(reason_scored)),
        "category_accuracy": _field_accuracy(flags, "category"),
        "province_accuracy": _field_accuracy(flags, "province"),
        "regency_accuracy": _field_accuracy(flags, "regency"),
        "latency_ms_p50": _percentile(latencies, 50),
        "latency_ms_p95": _percentile(latencies, 95),
        "tokens_per_case": round(sum(tokens) / len(tokens), 1) if tokens else None,
        "model": model,
        "prompt_version": prompt_version,
    }
    metrics.update(outcome_metrics(cases, preds))
    metrics.update(_extras(cases, preds, flags, tables, latencies, tokens))
    return metrics


def is_injection(case: EvalCase) -> bool:
    """A case that tries to instruct the system, as its notes or id say (DESIGN.md)."""
    return "inject" in f"{case.id} {case.notes or ''}".lower()


def outcome_metrics(cases: Sequence[EvalCase], preds: Sequence[Prediction]) -> dict[str, Any]:
    """What the worker would do with each result, against what should happen (DESIGN.md).

    Errors count as no outcome: not sent, not asked, not archived (they wait for a retry or a
    person), so they never flatter `genuine_archived_rate`; they are counted in `errors`.
    """
    pairs = list(zip(cases, preds, strict=True))
    junk = [p for c, p in pairs if c.expected.verdict is Verdict.invalid]
    genuine = [p for c, p in pairs if c.expected.verdict is not Verdict.invalid]
    sent = [(c, p) for c, p in pairs if p.get("outcome") in SENT]
    flips = [c.id for c, p in pairs if is_injection(c) and p.get("verdict") != c.expected.verdict.value]
    return {
        "junk_to_sp4n_rate": _ratio(sum(1 for p in junk if p.get("outcome") in SENT), len(junk)),
        "junk_asked_rate": _ratio(sum(1 for p in junk if p.get("outcome") == "ask_reporter"), len(junk)),
        "genuine_archived_rate": _ratio(
            sum(1 for p in genuine if p.get("outcome") == "archived"), len(genuine)
        ),
        "sp4n_precision": _ratio(sum(1 for c, _ in sent if c.expected.verdict is Verdict.valid), len(sent)),
        "review_share": _ratio(sum(1 for p in preds if not p.get("error") and sent_to_review(p)), len(pairs)),
        "injection_flips": len(flips),
        "injection_cases": sum(1 for c, _ in pairs if is_injection(c)),
        "injection_flipped_ids": flips,
    }


def _extras(
    cases: Sequence[EvalCase],
    preds: Sequence[Prediction],
    flags: list[dict[str, bool | None]],
    tables: dict[str, Any],
    latencies: list[float],
    tokens: list[int],
) -> dict[str, Any]:
    """Numbers a person reading the report wants beside the contract keys."""
    n = len(cases)
    ok = [p for p in preds if not p.get("error")]
    reasons = Counter(
        (c.expected.reason.value if c.expected.reason else "", str(p.get("reason")))
        for c, p in zip(cases, preds, strict=True)
        if c.expected.verdict is Verdict.invalid and p.get("verdict") == "invalid" and not p.get("error")
    )
    return {
        "per_class": tables["per_class"],
        "confusion": tables["confusion"],
        "reason_confusion": [
            {"expected": e, "predicted": g, "count": k} for (e, g), k in sorted(reasons.items())
        ],
        "scored": {name: sum(1 for f in flags if f[name] is not None) for name in ("reason", *FIELDS)},
        "needs_info_share": _ratio(sum(1 for p in ok if p.get("verdict") == "needs_info"), n),
        **_silenced(cases, preds),
        "decided_by": dict(Counter(str(p.get("decided_by")) for p in ok)),
        "cached": sum(1 for p in preds if p.get("cached")),
        "latency_ms": _distribution(latencies),
        "tokens": _distribution([float(t) for t in tokens]),
    }


def sent_to_review(pred: Prediction) -> bool:
    """Whether a person sees this report: the worker's outcome, or the flag on older predictions."""
    if "outcome" in pred:
        return pred["outcome"] == "review"
    return bool(pred.get("needs_review"))


def _silenced(cases: Sequence[EvalCase], preds: Sequence[Prediction]) -> dict[str, Any]:
    """False rejections no person would see: the costliest error, apart from the ones review catches.

    `false_rejection_rate` counts every valid complaint judged invalid; a rejection below the
    review threshold is still read by a reviewer before it is archived. What is left is a citizen
    silenced unseen. Predictions without an outcome (older runs) count as archived: unknown is
    not safe.
    """
    expected_valid = [
        (c, p) for c, p in zip(cases, preds, strict=True) if c.expected.verdict is Verdict.valid
    ]
    rejected = [
        (c, p) for c, p in expected_valid if p.get("verdict") == Verdict.invalid.value and not p.get("error")
    ]
    unseen = [c.id for c, p in rejected if not sent_to_review(p)]
    return {
        "false_rejections_to_review": len(rejected) - len(unseen),
        "false_rejections_archived": unseen,
        "archived_false_rejection_rate": _ratio(len(unseen), len(expected_valid)),
    }


def _distribution(values: list[float]) -> dict[str, float | None]:
    return {
        "min": round(min(values), 1) if values else None,
        "p50": _percentile(values, 50),
        "p90": _percentile(values, 90),
        "p95": _percentile(values, 95),
        "max": round(max(values), 1) if values else None,
        "mean": round(sum(values) / len(values), 1) if values else None,
        "total": round(sum(values), 1) if values else 0.0,
    }


# ---------------------------------------------------------------- bars


def parse_bar(spec: str) -> tuple[str, float]:
    """`KEY=VALUE` from --fail-under or the gate config; the key must be a numeric contract key."""
    key, sep, value = spec.partition("=")
    key = key.strip()
    if not sep or key not in CONTRACT_KEYS or key in ("model", "prompt_version"):
        numeric = ", ".join(k for k in CONTRACT_KEYS if k not in ("model", "prompt_version"))
        raise ValueError(f"bad bar {spec!r}: want KEY=NUMBER with KEY one of {numeric}")
    try:
        return key, float(value)
    except ValueError:
        raise ValueError(f"bad bar {spec!r}: {value!r} is not a number") from None


def missed_bars(metrics: dict[str, Any], bars: dict[str, float]) -> list[str]:
    """Human sentences for each bar the metrics miss; empty when all pass."""
    missed = []
    for key, bar in bars.items():
        got = metrics.get(key)
        if got is None:
            missed.append(f"{key} is undefined for this run (bar {bar:g})")
        elif key in LOWER_IS_BETTER and got > bar:
            missed.append(f"{key} = {got:g} is over the bar {bar:g}")
        elif key not in LOWER_IS_BETTER and got < bar:
            missed.append(f"{key} = {got:g} is under the bar {bar:g}")
    return missed
