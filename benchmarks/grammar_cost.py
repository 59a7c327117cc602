"""What the JSON-schema grammar costs per report on this machine, and whether answers need it.

The embedded server constrains every answer with a grammar built from `ModelJudgement`'s schema.
On a 150k-token vocabulary the grammar is checked at every generated token, and the answer is
~100 tokens, so if the grammar is a large share of the per-token time, dropping it (and letting
the validator re-ask on a malformed answer) is a latency lever. This measures it, side by side in
one run, on the same dev messages, alternating the two modes per message so the machine's drift
hits both equally:

  schema   json_object + the schema (what `triage` sends to llama.cpp)
  free     no response_format: the model writes what the examples taught it

Prints per mode: median latency, completion tokens/s, and how many answers parse and validate
against `ModelJudgement` (evidence check included). Talks to a running server (start it with
`triage model serve`); never starts a second model process.

Usage: python benchmarks/grammar_cost.py [--n 8] [BASE_URL]
"""

from __future__ import annotations

import argparse
import statistics
import time

import openai
from pydantic import ValidationError
from speculative import dev_texts  # type: ignore[import-not-found]

from triage.config import Settings
from triage.judge.prompt import load_prompt
from triage.schema import ModelJudgement


def ask(
    client: openai.OpenAI, model: str, messages: list[dict[str, str]], schema: bool
) -> tuple[float, int, str]:
    extra = {"response_format": {"type": "json_object", "schema": ModelJudgement.model_json_schema()}}
    started = time.perf_counter()
    r = client.chat.completions.create(
        model=model,
        messages=messages,  # type: ignore[arg-type]
        temperature=0,
        max_tokens=400,
        extra_body=extra if schema else None,
    )
    assert r.usage is not None
    return time.perf_counter() - started, r.usage.completion_tokens, r.choices[0].message.content or ""


def valid(text: str, answer: str) -> bool:
    try:
        ModelJudgement.model_validate_json(answer, context={"text": text})
    except ValidationError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url", nargs="?", default=None)
    parser.add_argument("--n", type=int, default=8)
    args = parser.parse_args()
    settings = Settings()
    base = args.base_url or f"http://{settings.embedded_host}:{settings.embedded_port}/v1"
    client = openai.OpenAI(base_url=base, api_key="none", timeout=600, max_retries=0)
    prompt = load_prompt(settings.prompt)
    ask(client, settings.llm_model, prompt.messages("tes"), True)  # warm the prompt prefix
    stats: dict[str, list[tuple[float, int, bool]]] = {"schema": [], "free": []}
    for i, text in enumerate(dev_texts(args.n)):
        order = ("schema", "free") if i % 2 == 0 else ("free", "schema")
        for mode in order:
            s, tok, answer = ask(client, settings.llm_model, prompt.messages(text), mode == "schema")
            stats[mode].append((s, tok, valid(text, answer)))
    print(f"{args.n} dev messages, modes alternated per message")
    print(f"{'mode':>6} {'p50 s':>7} {'tok/s':>6} {'tokens':>7} {'valid':>6}")
    for mode, rows in stats.items():
        secs = [r[0] for r in rows]
        toks = [r[1] for r in rows]
        print(
            f"{mode:>6} {statistics.median(secs):>7.2f} {sum(toks) / sum(secs):>6.1f} "
            f"{statistics.median(toks):>7.0f} {sum(r[2] for r in rows):>3}/{len(rows)}"
        )


if __name__ == "__main__":
    main()
