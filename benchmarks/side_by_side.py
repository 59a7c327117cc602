"""Latency of two versions of the judgement, side by side, on the same live model server.

Machines of this kind differ by 1.5x and drift within a session, so only a ratio measured in one
run means anything. Each version judges the same dev messages (the tuning split, messages the
prefilter does not answer), with no cache, in blocks that alternate A B, B A, so drift falls on
both; consecutive requests never repeat a text (the server would reuse its whole prompt), and
each block first judges one untimed message so that a version whose prompt differs does not pay
for reading it inside the timing. Prints each side's median and the median of the per-message
ratios B/A.

Usage (a model server running, `triage model serve`):
    python benchmarks/side_by_side.py --a /path/to/old/checkout --b . --n 16
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
from pathlib import Path

# Runs inside each checkout (its own `triage` on PYTHONPATH); copes with the flat layout of before
# the stage folders and with the current one.
DRIVER = r"""
import json, os, sys, time
if os.path.exists("triage/pipeline.py"):  # the flat layout (run from the checkout)
    from triage import pipeline
    from triage.llm import LLM
    from triage.prompt import load_prompt
else:
    from triage.judge import pipeline
    from triage.judge.llm import LLM
    from triage.judge.prompt import load_prompt
from triage.config import Settings
settings = Settings()
llm = LLM(settings, settings.llm_base_url)
prompt = load_prompt(None)
# untimed: the server keeps one prompt prefix, so when the two versions' prompts differ each
# block would otherwise pay for reading its whole prompt in its first message
pipeline.decide("warm", "Jalan desa Sukamaju Kab. Demak rusak parah, mohon diperbaiki", llm, prompt)
out = []
for text in json.loads(sys.stdin.read()):
    t = time.perf_counter()
    d = pipeline.decide("bench", text, llm, prompt)
    out.append({"ms": (time.perf_counter() - t) * 1000, "verdict": d.result.verdict.value})
print(json.dumps(out))
"""


def run(checkout: Path, texts: list[str], base_url: str) -> list[float]:
    # the embedded server, reached by URL: its grammar mode, as `triage` would pick for it
    env = {
        "PYTHONPATH": str(checkout),
        "TRIAGE_LLM_BASE_URL": base_url,
        "TRIAGE_LLM_JSON_SCHEMA_MODE": "llama_cpp",
        "PATH": "/usr/bin:/bin",
    }
    done = subprocess.run(
        [sys.executable, "-c", DRIVER],
        input=json.dumps(texts),
        capture_output=True,
        text=True,
        cwd=checkout,
        env=env,
        check=True,
    )
    return [row["ms"] for row in json.loads(done.stdout)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", type=Path, required=True, help="checkout A (e.g. main before the change)")
    ap.add_argument("--b", type=Path, required=True, help="checkout B")
    ap.add_argument("--n", type=int, default=16)
    ap.add_argument("--block", type=int, default=4)
    ap.add_argument("--base-url", default="http://127.0.0.1:8765/v1")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    sys.path.insert(0, str(args.b.resolve()))
    from triage.rules import prefilter

    cases = [json.loads(line) for line in (args.b / "evals" / "tune.jsonl").read_text().splitlines()]
    texts = [c["text"] for c in cases if prefilter.check(c["text"]) is None]
    texts = random.Random(args.seed).sample(texts, args.n)
    a_ms: list[float] = []
    b_ms: list[float] = []
    for i in range(0, len(texts), args.block):
        block = texts[i : i + args.block]
        order = [(args.a, a_ms), (args.b, b_ms)]
        for checkout, sink in order if (i // args.block) % 2 == 0 else order[::-1]:
            sink.extend(run(checkout.resolve(), block, args.base_url))
    ratios = [b / a for a, b in zip(a_ms, b_ms, strict=True)]
    print(f"messages: {len(texts)} (tuning split, seed {args.seed}), blocks of {args.block}, A/B alternating")
    print(
        f"A {args.a}: p50 {statistics.median(a_ms) / 1000:.2f} s, mean {statistics.mean(a_ms) / 1000:.2f} s"
    )
    print(
        f"B {args.b}: p50 {statistics.median(b_ms) / 1000:.2f} s, mean {statistics.mean(b_ms) / 1000:.2f} s"
    )
    print(
        f"B/A: p50 ratio {statistics.median(b_ms) / statistics.median(a_ms):.3f}, "
        f"median of per-message ratios {statistics.median(ratios):.3f}"
    )


if __name__ == "__main__":
    main()
