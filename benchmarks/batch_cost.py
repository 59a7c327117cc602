"""What a forward pass costs by how many tokens it checks, after the triage prompt, on this machine.

Drafting pays off only while checking k drafted tokens costs less than writing them one by one;
where it stops paying decides how much to draft (benchmarks/draft_replay.py takes the figure as
`--batch-cost`). On a machine with little memory bandwidth a pass of a few tokens costs about one
token's; on one short of compute (2 cores) each token of a pass adds a large share.

Loads the model in this process with the embedded server's settings, so stop the server first
(`triage model serve` or an eval): one model process at a time on these machines. Reads the
triage prompt once (~1 min), then times passes of k = 1..N tokens at that context, each asking
for every position's logits as a draft check does, in rounds that interleave the sizes (so the
machine's drift spreads over all of them).

    python benchmarks/batch_cost.py --max-k 16 --rounds 5
"""

from __future__ import annotations

import argparse
import statistics
import time

from triage.config import Settings
from triage.judge.prompt import load_prompt
from triage.model.embedded import model_path
from triage.model.server import ASSISTANT, IM_END, IM_START

MESSAGE = "pak jalan di desa Jragung kec Karangawen kab Demak rusak parah sudah setahun, mohon diperbaiki"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-k", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    import llama_cpp

    settings = Settings()
    llama = llama_cpp.Llama(
        str(model_path(settings)),
        n_ctx=settings.embedded_ctx,
        n_threads=settings.embedded_threads,
        n_threads_batch=settings.embedded_threads,
        n_batch=512,
        logits_all=False,
        verbose=False,
    )
    chat = "".join(
        f"{IM_START}{m['role']}\n{m['content']}{IM_END}\n" for m in load_prompt().messages(MESSAGE)
    )
    prompt = llama.tokenize((chat + ASSISTANT).encode(), add_bos=False, special=True)
    started = time.perf_counter()
    llama.eval(prompt)
    read_s = time.perf_counter() - started
    print(f"prompt: {len(prompt)} tokens read in {read_s:.1f} s ({len(prompt) / read_s:.1f} tokens/s)")

    filler = llama.tokenize(
        b' {"reasons":[{"statement":"Jalan desa rusak parah sejak setahun di Jragung"', add_bos=False
    )
    n_past = len(prompt)
    times: dict[int, list[float]] = {k: [] for k in range(1, args.max_k + 1)}
    for _ in range(args.rounds):
        for k in times:
            batch = (filler * (k // len(filler) + 1))[:k]
            llama._ctx.kv_cache_seq_rm(-1, n_past, -1)
            llama._batch.set_batch(batch=batch, n_past=n_past, logits_all=True)
            started = time.perf_counter()
            llama._ctx.decode(llama._batch)
            times[k].append(time.perf_counter() - started)
    one = statistics.median(times[1])
    print(f"{'k':>3} {'ms a pass':>10} {'x one token':>12} {'ms a token':>11}")
    for k, values in times.items():
        ms = statistics.median(values) * 1000
        print(f"{k:>3} {ms:>10.1f} {ms / (one * 1000):>12.2f} {ms / k:>11.1f}")
    slope = (statistics.median(times[args.max_k]) - one) / (args.max_k - 1) / one
    print(f"each token beyond the first adds {slope:.2f} of a one-token pass (k=1..{args.max_k})")


if __name__ == "__main__":
    main()
