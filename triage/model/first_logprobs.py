"""Log-probabilities of a one-token answer, without paying for every prompt token's logits.

A yes/no check is read from how likely the model finds "ya" against "tidak" (a score that can be
calibrated), not from the word it happens to write: the embedded 1.5B model writes "ya" to nearly
every such question, while its probabilities still rank junk below complaints. llama-cpp-python
returns logprobs only for a model loaded with `logits_all`, which computes the 152k-word output
layer for every prompt token (~15% of each forward pass, for all ~2,800 prompt tokens). A one-token
answer needs only the last prompt token's logits, which the context holds after the answer is
sampled (it is never evaluated: generation stops at max_tokens=1). So: requests for logprobs with
max_tokens=1 are answered from those logits; any other logprobs request is refused clearly.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np


def top_logprobs(logits: np.ndarray, n: int) -> list[tuple[int, float]]:
    """The `n` likeliest token ids with their log-probabilities (log-softmax of the logits)."""
    logits = logits.astype(np.float64)
    shifted = logits - logits.max()
    logsum = np.log(np.exp(shifted).sum())
    n = max(1, min(n, len(logits)))
    top = np.argpartition(-shifted, n - 1)[:n]
    top = top[np.argsort(-shifted[top])]
    return [(int(i), float(shifted[i] - logsum)) for i in top]


def completion_logprobs(
    piece: Callable[[int], str], token: int, logits: np.ndarray, n: int
) -> dict[str, Any]:
    """The completion-format `logprobs` of one answer token (what the chat handler converts)."""
    ranked = top_logprobs(logits, n)
    shifted = logits.astype(np.float64) - float(logits.max())
    chosen = float(shifted[token] - np.log(np.exp(shifted).sum()))
    text = piece(token)
    top: dict[str, float] = {}
    for i, lp in ranked:
        top.setdefault(piece(i), lp)
    top.setdefault(text, chosen)
    return {"tokens": [text], "text_offset": [0], "token_logprobs": [chosen], "top_logprobs": [top]}


def attach(llama: Any) -> None:
    """Let `llama.create_completion` answer logprobs for one-token answers (see the module doc)."""
    stock = llama.create_completion

    def create_completion(*args: Any, **kw: Any) -> Any:
        n = kw.get("logprobs")
        if n is None or llama._logits_all:
            return stock(*args, **kw)
        if kw.get("max_tokens") != 1 or kw.get("stream"):
            raise ValueError("logprobs are given for a one-token answer only (max_tokens=1, no stream)")
        completion = stock(*args, **{**kw, "logprobs": None})
        logits = np.ctypeslib.as_array(llama._ctx.get_logits_ith(-1), shape=(llama.n_vocab(),)).copy()
        text = completion["choices"][0]["text"]
        tokens = llama.tokenize(text.encode("utf-8"), add_bos=False, special=True) if text else []

        def piece(token: int) -> str:
            return llama.detokenize([token]).decode("utf-8", errors="replace")

        token = tokens[0] if tokens else int(np.argmax(logits))
        completion["choices"][0]["logprobs"] = completion_logprobs(piece, token, logits, int(n))
        return completion

    llama.create_completion = create_completion
