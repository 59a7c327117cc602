"""Do voice notes get the verdicts their written texts get? (issue 24, point 6)

`benchmarks/asr.py` speaks tuning cases with espeak-ng, transcribes them with the embedded
Whisper and writes them as eval sets (`artifacts/asr/transcribed-{clean,noisy}.jsonl`); `triage
eval` judges those like any set. This compares, case by case, the verdict of each transcript with
the verdict of the case's written text (a replay of the recorded answers on evals/tune.jsonl),
and shows where each would end up once the worker weighs the transcript's confidence
(`judge.transcripts.weigh`, then `judge.policy.route`), which the eval harness does not do.

    .venv/bin/python benchmarks/voice_verdicts.py --written runs/tune-replay/predictions.jsonl \
        --transcripts artifacts/asr/transcripts.jsonl \
        --heard clean=runs/asr-clean/predictions.jsonl --heard noisy=runs/asr-noisy/predictions.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
from collections import Counter
from pathlib import Path
from typing import Any

from triage.config import Settings
from triage.judge import policy, transcripts
from triage.schema import MediaFile, RawMessage, Report, Segment, Transcript, TriageResult

GENUINE = ("valid", "needs_info")


def _rows(path: Path) -> dict[str, dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {r["id"]: r for r in rows}


def weighed_outcome(pred: dict[str, Any], confidence: float, settings: Settings) -> str:
    """The outcome the worker would give this transcript's judgement."""
    if pred.get("error") or pred.get("verdict") is None:
        return "error"
    result = TriageResult(
        verdict=pred["verdict"],
        reason=pred.get("reason"),
        reasons=pred.get("reasons") or [{"statement": "-", "evidence": "-"}],
        missing_fields=pred.get("missing_fields") or [],
        confidence=pred.get("confidence") or 0.0,
        decided_by=pred.get("decided_by") or "model",
        needs_review=bool(pred.get("needs_review")),
    )
    note = RawMessage(message_id="v", sender="s", type="audio", media_id="A")
    note.media = MediaFile(media_id="A", sha256="0" * 64, mime_type="audio/ogg", size=1)
    logprob = math.log(max(confidence, 1e-6))
    note.transcript = Transcript(text="x", segments=[Segment(start=0, end=1, text="x", avg_logprob=logprob)])
    weighed = transcripts.weigh(
        result, Report(report_id="r", sender="s", messages=[note]), settings.asr_min_confidence
    )
    return policy.route(weighed, gate_open=True, review_threshold=settings.review_threshold).value


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--written", type=Path, required=True, help="predictions.jsonl of the written texts")
    ap.add_argument("--transcripts", type=Path, required=True, help="artifacts/asr/transcripts.jsonl")
    ap.add_argument("--heard", action="append", required=True, help="CONDITION=predictions.jsonl")
    ap.add_argument("--config", default="beam5:vad", help="the transcription setting the eval sets used")
    ap.add_argument("--cases", type=Path, default=Path("evals/tune.jsonl"))
    args = ap.parse_args()
    settings = Settings()
    written = _rows(args.written)
    expected = {c["id"]: c["expected"] for c in map(json.loads, args.cases.read_text().splitlines())}
    confidence = {
        (t["condition"], t["id"]): float(t["confidence"])
        for t in map(json.loads, args.transcripts.read_text().splitlines())
        if t.get("config", args.config) == args.config
    }
    print(f"review threshold {settings.review_threshold}, transcript bar {settings.asr_min_confidence}")
    for spec in args.heard:
        condition, path = spec.split("=", 1)
        heard = _rows(Path(path))
        ids = sorted(set(heard) & set(written))
        genuine = [i for i in ids if expected[i]["verdict"] in GENUINE]
        outcomes = {i: weighed_outcome(heard[i], confidence.get((condition, i), 0.0), settings) for i in ids}
        figures = {
            "n": len(ids),
            "same verdict as written": _share(
                sum(heard[i]["verdict"] == written[i]["verdict"] for i in ids), ids
            ),
            "verdict accuracy, written": _share(
                sum(written[i]["verdict"] == expected[i]["verdict"] for i in ids), ids
            ),
            "verdict accuracy, heard": _share(
                sum(heard[i]["verdict"] == expected[i]["verdict"] for i in ids), ids
            ),
            "genuine archived, judged alone": _share(
                sum(heard[i].get("outcome") == "archived" for i in genuine), genuine
            ),
            "genuine archived, weighed": _share(sum(outcomes[i] == "archived" for i in genuine), genuine),
            "outcomes, weighed": dict(sorted(Counter(outcomes.values()).items())),
        }
        print(f"\n{condition}")
        for name, value in figures.items():
            print(f"  {name:32} {value}")


def _share(k: int, ids: list[str]) -> str:
    return f"{k / len(ids):.2f} ({k}/{len(ids)})"


if __name__ == "__main__":
    main()
