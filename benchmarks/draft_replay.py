"""How many forward passes would the drafter save on the model's real answers? (no model needed)

The model chooses every token; drafting only decides how many of them are checked in one pass. So
the passes a drafting policy needs can be counted offline, on recorded answers: walk each answer's
tokens, ask the drafter what it would propose at each step, accept the longest prefix the answer
really continues with, and count one pass per step. Only the tokenizer is loaded (vocab only, no
weights, no threads: not a second model process).

A pass that checks k tokens costs more than one that checks one: `--batch-costs` gives each pass
size's cost in one-token passes (the default was measured here with benchmarks/batch_cost.py).

    python benchmarks/draft_replay.py evals/answers/dev-triage-v3.jsonl
"""

from __future__ import annotations

import argparse
import json
import statistics
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from triage.config import Settings
from triage.judge.prompt import load_prompt
from triage.model import drafting
from triage.model.embedded import model_path
from triage.model.server import AnswerDrafter, schema_enums


def answers(path: Path) -> Iterator[tuple[str, str, list[str]]]:
    """(message, answer, earlier answers of the same request) for every recorded attempt."""
    for line in path.read_text("utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        attempts = json.loads(row["attempts"]) if isinstance(row["attempts"], str) else row["attempts"]
        earlier: list[str] = []
        for a in attempts:
            tail = a["request"]["messages_tail"]
            message = next(
                (m["content"] for m in reversed(tail) if m["role"] == "user" and "<pesan>" in m["content"]),
                "",
            )
            if a.get("response_raw"):
                yield message, a["response_raw"], list(earlier)
                earlier.append(a["response_raw"])


class _Context:
    """What AnswerDrafter needs of a model: its tokenizer and the answer's enum values."""

    def __init__(self, llama: Any) -> None:
        self.llama = llama
        self.enums = schema_enums()


def passes(
    answer_ids: list[int],
    detok: Callable[[list[int]], str],
    propose: Callable[[str], list[int]],
) -> tuple[int, list[int]]:
    """Forward passes to write `answer_ids` with the drafter, and the batch size of each pass."""
    # the prompt's pass samples the first token; each later pass checks the last token with a draft
    i, n, sizes = 1, 0, []
    while i < len(answer_ids):
        draft = propose(detok(answer_ids[:i]))
        accepted = 0
        while accepted < len(draft) and i + accepted < len(answer_ids):
            if draft[accepted] != answer_ids[i + accepted]:
                break
            accepted += 1
        n += 1
        sizes.append(1 + len(draft))
        i += accepted + 1
    return n, sizes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("answers", type=Path, nargs="+")
    parser.add_argument("--max-draft", type=int, default=12)
    parser.add_argument("--max-guess", type=int, default=None, help="default: the drafter's own")
    parser.add_argument(
        "--batch-costs",
        default="1,1.59,2.23,2.63,3.17,3.75,4.32,6.21,6.52,6.71,7.27,7.29,8.05",
        help="cost of a pass of k = 1, 2, ... tokens in one-token passes (benchmarks/batch_cost.py)",
    )
    args = parser.parse_args()

    import llama_cpp

    costs = [float(c) for c in args.batch_costs.split(",")]
    llama = llama_cpp.Llama(str(model_path(Settings())), vocab_only=True, verbose=False)
    context = _Context(llama)
    enums = context.enums
    examples = [ex.output for ex in load_prompt().spec.examples]
    drafter = AnswerDrafter(context, args.max_draft)  # type: ignore[arg-type]
    if args.max_guess is not None:
        drafter.max_guess_tokens = args.max_guess

    def detok(ids: list[int]) -> str:
        return llama.detokenize(ids).decode("utf-8", "replace")

    def proposer(message: str, shapes: drafting.Shapes) -> Callable[[str], list[int]]:
        def propose(so_far: str) -> list[int]:
            if "\ufffd" in so_far:  # inside a character: the server drafts nothing there either
                return []
            return drafter.propose(so_far, shapes, message)

        return propose

    n_tokens, n_passes, per_answer = 0, 0, []
    for path in args.answers:
        for message, answer, earlier in answers(path):
            ids = llama.tokenize(answer.encode(), add_bos=False)
            n, sizes = passes(ids, detok, proposer(message, drafting.Shapes.of([*examples, *earlier], enums)))
            n_tokens += len(ids)
            n_passes += n
            per_answer.append(sum(costs[min(k, len(costs)) - 1] for k in sizes))
    n_answers, cost = len(per_answer), sum(per_answer)
    print(f"{n_answers} answers, {n_tokens} tokens ({n_tokens / n_answers:.1f} an answer)")
    print(
        f"passes {n_passes} ({n_passes / n_answers:.1f} an answer, {n_tokens / n_passes:.2f} tokens a pass)"
    )
    print(
        f"cost in one-token passes: {cost / n_answers:.1f} an answer, median "
        f"{statistics.median(per_answer):.1f}; {cost / n_tokens:.3f} of writing every token alone"
    )


if __name__ == "__main__":
    main()
