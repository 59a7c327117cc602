"""How much latency a shorter answer would buy, before anyone rewrites the prompt for it.

The model writes ~100 tokens per report at ~83 ms a token on this machine, so the answer's length,
not the prompt, sets the latency. Much of it repeats what the system computes anyway: the title
(the reason's statement says the same), the regency (the resolver reads places from the text),
"urgent": false (urgency words are also matched), "reason": null and "missing_fields": [] on a
valid answer. This builds a *compact* variant of the current prompt in memory - the same system
text and examples with those fields dropped from the example answers - and asks both variants the
same dev messages, in blocks A-B-A (each block re-reads its prompt prefix once; A twice to show
the machine's drift):

  current   the prompt file as it is, with the JSON-schema grammar (what `triage` runs)
  compact   the compact variant, without a grammar (the examples alone teach the format)

Prints per block: median latency, median answer tokens, answers that parse as JSON with a verdict,
and verdicts that agree with the first block's. Needs a running server (`triage model serve`).

Usage: python benchmarks/answer_length.py [--n 12] [BASE_URL]
"""

from __future__ import annotations

import argparse
import json
import re
import statistics

import openai
from grammar_cost import ask as timed_answer  # type: ignore[import-not-found]
from speculative import dev_texts  # type: ignore[import-not-found]

from triage.config import Settings
from triage.judge.prompt import Prompt, load_prompt

DROPPED = ("title", "regency", "urgent")
FORMAT = re.compile(r"- complaint: null when invalid\..*?safety\.\n", re.S)
COMPACT_FORMAT = (
    "- complaint: omitted when invalid. Otherwise only the category (one of the SP4N-LAPOR! main\n"
    "  categories). Leave out reason unless invalid, and missing_fields unless needs_info.\n"
)


def compact_messages(prompt: Prompt, text: str) -> list[dict[str, str]]:
    messages = prompt.messages(text)
    messages[0]["content"] = FORMAT.sub(COMPACT_FORMAT, messages[0]["content"])
    for m in messages[1:-1]:
        if m["role"] == "assistant":
            answer = json.loads(m["content"])
            if answer.get("reason") is None:
                answer.pop("reason")
            if not answer.get("missing_fields"):
                answer.pop("missing_fields")
            if answer.get("complaint") is None:
                answer.pop("complaint")
            else:
                answer["complaint"] = {k: v for k, v in answer["complaint"].items() if k not in DROPPED}
            m["content"] = json.dumps(answer, ensure_ascii=False, separators=(",", ":"))
    return messages


def ask(
    client: openai.OpenAI, model: str, messages: list[dict[str, str]], grammar: bool
) -> tuple[float, int, str | None]:
    """Seconds, answer tokens and the verdict the answer names (None: not JSON with a verdict)."""
    seconds, tokens, content = timed_answer(client, model, messages, grammar)
    try:
        verdict = json.loads(content).get("verdict")
    except (ValueError, AttributeError):
        verdict = None
    return seconds, tokens, verdict


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url", nargs="?", default=None)
    parser.add_argument("--n", type=int, default=12)
    args = parser.parse_args()
    settings = Settings()
    base = args.base_url or f"http://{settings.embedded_host}:{settings.embedded_port}/v1"
    client = openai.OpenAI(base_url=base, api_key="none", timeout=600, max_retries=0)
    prompt = load_prompt(settings.prompt)
    texts = dev_texts(args.n)
    blocks = [("current", True), ("compact", False), ("current", True)]
    results = []
    for name, grammar in blocks:
        build = prompt.messages if grammar else (lambda t: compact_messages(prompt, t))
        ask(client, settings.llm_model, build("tes"), grammar)  # read this block's prefix once
        results.append((name, [ask(client, settings.llm_model, build(t), grammar) for t in texts]))
    first = [r[2] for r in results[0][1]]
    print(f"{len(texts)} dev messages per block, blocks in this order")
    print(f"{'block':>8} {'p50 s':>7} {'tokens':>7} {'parsed':>7} {'same verdict':>13}")
    for name, rows in results:
        parsed = sum(r[2] is not None for r in rows)
        same = sum(r[2] == f for r, f in zip(rows, first, strict=True))
        p50 = statistics.median(r[0] for r in rows)
        tokens = statistics.median(r[1] for r in rows)
        print(f"{name:>8} {p50:>7.2f} {tokens:>7.0f} {parsed:>4}/{len(rows)} {same:>9}/{len(rows)}")


if __name__ == "__main__":
    main()
