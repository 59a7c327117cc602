"""Does speculative decoding make a report faster, and does it change any answer?

The model's answer copies much of its text: the JSON keys and category names from the prompt's
examples, the evidence quote and the place from the citizen's message. llama-cpp-python can draft
N tokens by looking the last two tokens up in the prompt and check them in one forward pass, so a
copied stretch costs one pass instead of N. Whether that wins on 2 CPU cores (it also forces
logits for every prompt token) is a measurement, not an argument.

Two drafters: llama-cpp-python's prompt lookup (`lookupN`), and ours (`answerN`, triage.model.drafting:
only what the answer's JSON shape, an enum's first letters or a quote being copied make near
certain, and no logits for prompt tokens). `off` drafts nothing; `stock` is also without our
sampler (triage.model.server.GreedyGrammarSampler), i.e. llama-cpp-python's server as it comes.

The script starts the embedded server once per configuration, one after another (never two model
processes at once), warms its prompt prefix, then asks the same dev messages through the real
`LLM.judge` path. Repeat the first configuration at the end to see the drift of this shared
machine within the run (an A-B-A design):

    python benchmarks/speculative.py --n 16 off answer12 off

Prints per configuration: median and mean latency per report, completion tokens per second, and how
many answers are byte-identical to the first configuration's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import statistics
import time
from pathlib import Path

from triage.config import Settings
from triage.judge.llm import LLM, AttemptRecorder, LLMGaveUp
from triage.judge.prompt import load_prompt
from triage.model.embedded import EmbeddedServer, _port_open
from triage.rules import prefilter

DEV = Path(__file__).resolve().parent.parent / "evals" / "dev.jsonl"


def dev_texts(n: int) -> list[str]:
    """An evenly spaced sample of the dev messages that reach the model, in a fixed order."""
    texts = []
    for line in DEV.read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"] if line.strip() else None
        if text is not None and prefilter.check(text) is None:
            texts.append(text)
    texts.sort()
    step = max(1, len(texts) // n)
    return texts[::step][:n]


def settings_for(config: str) -> Settings:
    """`off`, `answerN` (our drafter, N tokens a step) or `lookupN` (prompt lookup); `+fa` adds
    llama.cpp's flash attention."""
    if config.endswith("+fa"):
        return settings_for(config.removesuffix("+fa")).model_copy(update={"embedded_flash_attn": True})
    if config == "stock":  # llama-cpp-python's server as it comes: no drafting, stock sampler
        return Settings(embedded_answer_draft=0, embedded_draft_tokens=0, embedded_fast_sampler=False)
    if config == "off":
        return Settings(embedded_answer_draft=0, embedded_draft_tokens=0)
    for prefix, field in (("answer", "embedded_answer_draft"), ("lookup", "embedded_draft_tokens")):
        if config.startswith(prefix) and config[len(prefix) :].isdigit():
            other = "embedded_draft_tokens" if prefix == "answer" else "embedded_answer_draft"
            return Settings(**{field: int(config[len(prefix) :]), other: 0})
    raise SystemExit(f"unknown configuration {config!r}: stock, off, answerN or lookupN, each +fa")


def run(draft: str, texts: list[str]) -> dict[str, object]:
    settings = settings_for(draft)
    prompt = load_prompt(settings.prompt)
    with EmbeddedServer(settings, ready_timeout_s=600) as server:
        llm = LLM(settings, server.url)
        warm = AttemptRecorder("warm", settings.llm_model, prompt.hash)
        with contextlib.suppress(LLMGaveUp):
            llm.judge(prompt, "tes", warm)  # reads the static prefix once
        latencies, tokens, answers = [], 0, []
        for i, text in enumerate(texts):
            rec = AttemptRecorder(f"b{i}", settings.llm_model, prompt.hash)
            started = time.perf_counter()
            with contextlib.suppress(LLMGaveUp):  # an unsupported answer still took its time
                llm.judge(prompt, text, rec)
            latencies.append(time.perf_counter() - started)
            tokens += sum(a.completion_tokens or 0 for a in rec.attempts)
            answers.append(rec.attempts[0].response_raw if rec.attempts else None)
    return {
        "draft": draft,
        "p50_s": statistics.median(latencies),
        "mean_s": statistics.fmean(latencies),
        "tok_per_s": tokens / sum(latencies),
        "answers": answers,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("drafts", nargs="+", help="configurations to compare: stock, off, answerN, lookupN")
    parser.add_argument("--n", type=int, default=16, help="dev messages per configuration")
    args = parser.parse_args()
    for config in args.drafts:
        settings_for(config)  # reject a typo before minutes of model time
    if _port_open(Settings()):
        raise SystemExit("a model server is running on the embedded port: stop it first")
    texts = dev_texts(args.n)
    results = [run(d, texts) for d in args.drafts]
    base = results[0]
    print(f"{len(texts)} dev messages per configuration, in the order given")
    print(f"{'draft':>9} {'p50 s':>7} {'mean s':>7} {'tok/s':>6} {'same answers':>13} {'mean vs first':>14}")
    for r in results:
        same = sum(a == b for a, b in zip(r["answers"], base["answers"], strict=True))  # type: ignore[arg-type]
        ratio = r["mean_s"] / base["mean_s"]  # type: ignore[operator]
        print(
            f"{r['draft']:>9} {r['p50_s']:>7.2f} {r['mean_s']:>7.2f} {r['tok_per_s']:>6.1f} "
            f"{same:>6}/{len(texts):<6} {ratio:>13.2f}x"
        )


if __name__ == "__main__":
    main()
