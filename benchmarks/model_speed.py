"""Where a report's latency goes on this machine: prompt reading vs writing the answer.

Talks to the running embedded server (start it with `triage model serve`; this script never
starts a second model process). Prints, side by side in one run:

  * prompt evaluation speed (tokens/s) for new text the server has not cached,
  * generation speed (tokens/s) with a short context and after the triage prompt (~2.8k tokens),
  * one real triage request with the prompt prefix already cached, split into its parts.

The latency of a report is roughly  new_prompt_tokens / eval_speed + answer_tokens / gen_speed,
so the figures show what a latency target needs (fewer answer tokens, a shorter prompt, or a
faster machine) before anyone tunes a prompt for it.

Usage: python benchmarks/model_speed.py [BASE_URL]
"""

from __future__ import annotations

import sys
import time

import openai

from triage.config import Settings
from triage.judge.prompt import load_prompt

FILLER = "Jalan di desa kami rusak parah dan banyak lubang sejak tahun lalu. "


def timed(client: openai.OpenAI, model: str, messages: list[dict], max_tokens: int) -> tuple[float, int, int]:
    started = time.perf_counter()
    r = client.chat.completions.create(model=model, messages=messages, temperature=0, max_tokens=max_tokens)  # type: ignore[arg-type]
    elapsed = time.perf_counter() - started
    assert r.usage is not None
    return elapsed, r.usage.prompt_tokens, r.usage.completion_tokens


def main(base_url: str) -> None:
    settings = Settings()
    client = openai.OpenAI(base_url=base_url, api_key="none", timeout=600, max_retries=0)
    model = settings.llm_model
    prompt = load_prompt(settings.prompt)
    stamp = str(time.time_ns())  # a fresh first token defeats the server's prefix cache

    # a real triage request first (while the server may still hold the prompt prefix): warm it,
    # then time a new message read only, and another answered in full
    text = "pak jalan di desa Jragung kec Karangawen kab Demak rusak parah sudah setahun, mohon diperbaiki"
    timed(client, model, prompt.messages(text + " " + stamp), 1)  # warm-up: system prompt and examples
    head_s, p_tok, _ = timed(client, model, prompt.messages(text + " " + stamp + "a"), 1)
    full_s, _, c_tok = timed(
        client, model, prompt.messages(text + " " + stamp + "b"), settings.llm_max_tokens
    )
    long_gen = (c_tok - 1) / max(1e-9, full_s - head_s)

    # prompt evaluation: 1-token answers to prompts of two lengths; the difference is pure reading
    short_s, short_tok, _ = timed(client, model, [{"role": "user", "content": stamp + FILLER}], 1)
    long_s, long_tok, _ = timed(client, model, [{"role": "user", "content": stamp + "x" + FILLER * 12}], 1)
    eval_speed = (long_tok - short_tok) / max(1e-9, long_s - short_s)

    # generation with a short context: 65 tokens minus 1 token, same prompt (cached after the first)
    msg = [{"role": "user", "content": stamp + "Hitung dari 1 sampai 300, dipisah koma."}]
    one_s, _, _ = timed(client, model, msg, 1)
    gen_s, _, gen_tok = timed(client, model, msg, 65)
    short_gen = (gen_tok - 1) / max(1e-9, gen_s - one_s)

    print(f"model {model} at {base_url}")
    print(
        f"prompt evaluation          {eval_speed:8.1f} tokens/s"
        f"  ({long_tok - short_tok} tokens in {long_s - short_s:.1f} s)"
    )
    print(f"generation, short context  {short_gen:8.1f} tokens/s")
    print(f"generation, after prompt   {long_gen:8.1f} tokens/s  (context {p_tok} tokens)")
    print(
        f"triage request             {full_s:8.1f} s total: reading the message {head_s:.1f} s, "
        f"writing {c_tok} answer tokens {full_s - head_s:.1f} s"
    )
    print(
        f"generation after the prompt is {short_gen / max(1e-9, long_gen):.2f}x slower"
        " than with a short context"
    )
    print(f"an answer of {c_tok} tokens alone needs {c_tok / max(1e-9, long_gen):.1f} s at this speed")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8765/v1")
