"""The embedded model server: llama-cpp-python's OpenAI server, with answer-shape drafting.

`python -m triage.model.server --answer_draft N <llama_cpp.server arguments>` runs the stock
server; with N > 0 the loaded model drafts up to N tokens a step with `triage.model.drafting`.

Two things the stock server cannot be told, hence this launcher (llama-cpp-python is pinned):
- its only draft model is prompt lookup, which guesses from any earlier text and measured slower
  here (benchmarks/speculative.py); ours drafts what the answer's shape makes near certain;
- any draft model makes it compute logits for every prompt token (the 152k-word output layer,
  ~15% of a forward pass, for each of the ~2,800 prompt tokens). Only a step that checks a draft
  needs them; a prompt needs the last token's alone.
"""

from __future__ import annotations

import ctypes
import hashlib
import json
import logging
import sys
import types
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from triage.judge.prompt import PESAN_CLOSE, PESAN_OPEN
from triage.model import drafting, first_logprobs

log = logging.getLogger(__name__)

IM_START = "<|im_start|>"
IM_END = "<|im_end|>"
ASSISTANT = IM_START + "assistant\n"
# best tokens tried, in order, for one that keeps a quote verbatim, before leaving the model be
QUOTE_CANDIDATES = 32


def _schema_properties() -> list[tuple[str, dict[str, Any]]]:
    """Every property of the answer's schema, nested ones included, once for each of its resolved
    options (and, for an array, its resolved item), in the order they are found."""
    from triage.schema import ModelJudgement

    schema = ModelJudgement.model_json_schema()
    defs = schema.get("$defs", {})
    found: list[tuple[str, dict[str, Any]]] = []

    def resolve(node: Any) -> Any:
        if isinstance(node, dict) and "$ref" in node:
            return defs[node["$ref"].split("/")[-1]]
        return node

    def walk(node: Any) -> None:
        node = resolve(node)
        if not isinstance(node, dict):
            return
        for key, prop in (node.get("properties") or {}).items():
            for option in [prop, *prop.get("anyOf", [])]:
                option = resolve(option)
                found.append((key, option))
                if option.get("type") == "array":
                    item = resolve(option.get("items", {}))
                    found.append((key, item))
                    walk(item)
                walk(option)

    walk(schema)
    return found


def schema_enums() -> dict[str, list[str]]:
    """Enum values of the answer's string fields, by key (an array's key for its items)."""
    return {key: [str(v) for v in option["enum"]] for key, option in _schema_properties() if "enum" in option}


def as_the_grammar_allows(answer: str, keys: frozenset[str]) -> str:
    """An example answer without the keys the grammar no longer lets the model write.

    The prompt's examples still show a title (taking it out of them moved verdicts: the examples
    come before every message), but the grammar has none, so the drafter must not learn to propose
    one. A compact JSON example is rewritten compact; anything else is left as it is.
    """

    def keep(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: keep(v) for k, v in value.items() if k in keys}
        if isinstance(value, list):
            return [keep(v) for v in value]
        return value

    try:
        parsed = json.loads(answer)
    except ValueError:
        return answer
    compact = json.dumps(parsed, ensure_ascii=False, separators=(",", ":"))
    if compact != answer:
        return answer
    return json.dumps(keep(parsed), ensure_ascii=False, separators=(",", ":"))


def schema_keys() -> frozenset[str]:
    return frozenset(key for key, _ in _schema_properties())


def split_chat(text: str) -> tuple[list[str], str]:
    """The assistant answers and the citizen's message of a ChatML conversation.

    The message is the last user turn holding a <pesan> block: a re-ask appends a user turn with
    the validation error (which repeats the refused quote), and that is not what a quote may copy.
    Without any <pesan> block, the last user turn.
    """
    answers: list[str] = []
    last_user, message = "", ""
    for turn in text.split(IM_START)[1:]:
        role, _, body = turn.partition("\n")
        body = body.split(IM_END)[0]
        if role == "assistant":
            answers.append(body)
        elif role == "user":
            last_user = body
            if PESAN_OPEN in body:
                message = body
    return answers, message or last_user


class AnswerContext:
    """The prompt's example answers and message, and the answer being written, from token ids.

    Parsed once per prompt (keyed by a hash of the ids before the answer); shared by the drafter
    and the quote guard, which both need the answer so far at every step.
    """

    def __init__(self, llama: Any, enums: Mapping[str, Sequence[str]]) -> None:
        self.llama = llama
        self.enums = enums
        self.im_start = llama.tokenize(IM_START.encode(), add_bos=False, special=True)[0]
        self.keys = schema_keys()  # the answer's keys: an example's others are not drafted
        self._prefix_key: bytes | None = None
        self.shapes = drafting.Shapes((), ())
        self.message = ""

    def answer_split(self, input_ids: np.ndarray) -> tuple[str, bytes] | None:
        """The answer written so far and the bytes of a character it has begun but not finished;
        None when the ids end outside an answer."""
        starts = np.flatnonzero(input_ids == self.im_start)
        if len(starts) == 0:
            return None
        start = int(starts[-1])
        key = hashlib.blake2b(input_ids[:start].tobytes(), digest_size=16).digest()
        if key != self._prefix_key:
            text = self.llama.detokenize(input_ids[:start].tolist(), special=True).decode("utf-8", "replace")
            answers, self.message = split_chat(text)
            allowed = [as_the_grammar_allows(a, self.keys) for a in answers]
            self.shapes = drafting.Shapes.of(allowed, self.enums)
            self._prefix_key = key
        tail = self.llama.detokenize(input_ids[start:].tolist(), special=True)
        if not tail.startswith(ASSISTANT.encode()):
            return None
        return drafting.split_utf8(tail[len(ASSISTANT.encode()) :])

    def answer(self, input_ids: np.ndarray) -> str | None:
        """The answer written so far, or None when the ids end elsewhere or inside a character."""
        split = self.answer_split(input_ids)
        return split[0] if split is not None and not split[1] else None


class AnswerDrafter:
    """A llama-cpp-python draft model: proposes tokens from `triage.model.drafting`."""

    def __init__(self, context: AnswerContext, max_tokens: int) -> None:
        self.context = context
        self.llama = context.llama
        self.max_tokens = max_tokens
        # A guess (a copy from the message, a title restating the statement) is cut short: every
        # drafted token a pass checks costs 0.4-0.6 of a one-token pass on 2 cores
        # (benchmarks/batch_cost.py), and a guess goes wrong within a few tokens. Replayed on the
        # 424 live dev answers (benchmarks/draft_replay.py): a quarter of the drafting limit costs
        # 0.96x of a half with this machine's pass costs, and the same (1.00x) where a drafted
        # token costs a quarter of a pass (the previous machine).
        self.max_guess_tokens = max(1, max_tokens // 4)
        self._warned = False

    def __call__(self, input_ids: np.ndarray, /, **kwargs: Any) -> np.ndarray:
        """Never fails a request: a draft is only a guess, so a fault here drafts nothing."""
        try:
            return self._draft(input_ids)
        except Exception:  # noqa: BLE001
            if not self._warned:
                log.exception("answer drafting failed; drafting nothing for this step")
                self._warned = True
            return np.array([], dtype=np.intc)

    def _draft(self, input_ids: np.ndarray) -> np.ndarray:
        answer = self.context.answer(input_ids)
        if answer is None:
            return np.array([], dtype=np.intc)
        return np.array(self.propose(answer, self.context.shapes, self.context.message), dtype=np.intc)

    def propose(self, answer: str, shapes: drafting.Shapes, message: str) -> list[int]:
        """The tokens drafted after `answer`; public so benchmarks/draft_replay.py replays the
        server's own policy on recorded answers."""
        text, sure = drafting.draft_text(answer, shapes, message, self.context.enums)
        if not text:
            return []
        limit = self.max_tokens if sure else self.max_guess_tokens
        return self._tokens_after(answer, text)[:limit]

    def _tokens_after(self, answer: str, text: str) -> list[int]:
        """`text` as the model would write it after `answer` (the tokenizer may merge the seam)."""
        before = self.llama.tokenize(answer.encode(), add_bos=False)
        both = self.llama.tokenize((answer + text).encode(), add_bos=False)
        if both[: len(before)] == before:
            return both[len(before) :]
        return self.llama.tokenize(text.encode(), add_bos=False)


class QuoteGuard:
    """Keeps a quote the model is writing a verbatim stretch of the citizen's message.

    A 1.5B model often paraphrases what it means to quote ("rusak parah" for "parah buanget"); the
    validator then refuses the answer, the report is asked again (twice the time) and, one in ten on
    the dev set, ends with no supported reason at all. While the answer is inside a quote field,
    the sampler takes the model's best token that keeps the quote a stretch of the message. The
    model still chooses what to quote and where to stop; the validator still checks the result.
    """

    def __init__(self, context: AnswerContext, keys: frozenset[str], fold: Callable[[str], str]) -> None:
        self.context = context
        self.keys = keys
        self.fold = fold
        self._raw: str | None = None
        self._folded = ""

    def quote_so_far(self, input_ids: np.ndarray) -> tuple[str, bytes] | None:
        """The quote's JSON string body and the bytes of an unfinished character, when the answer
        ends inside a quote field; else None."""
        split = self.context.answer_split(input_ids)
        if split is None:
            return None
        answer, unfinished = split
        state = drafting.scan(answer, self.context.enums)
        if not state.in_string or state.is_key or state.key not in self.keys:
            return None
        return state.content, unfinished

    def allows(self, quote: str, piece: bytes, unfinished: bytes = b"") -> bool:
        return drafting.quote_allows(quote, piece, self._folded_message(), self.fold, unfinished)

    def continuations(self, quote: str) -> list[str]:
        return drafting.quote_continuations(quote, self._folded_message(), self.fold)

    def strayed(self, quote: str) -> bool:
        """Whether the quote has already left the message (the model went unguarded)."""
        body = drafting.string_body(quote)
        return body is not None and drafting.fold_open(body, self.fold) not in self._folded_message()

    def _folded_message(self) -> str:
        message = self.context.message
        if message is not self._raw:
            self._raw = message
            inner = message.replace(PESAN_OPEN, " ").replace(PESAN_CLOSE, " ")
            self._folded = self.fold(inner)
        return self._folded


class GreedyGrammarSampler:
    """Greedy decoding under a grammar that asks the grammar about the best token first.

    The stock sampler chain (penalties -> grammar -> greedy) runs the grammar over all 152k words
    of the vocabulary for every token: ~35 ms a token here, a third of the model's own time. The
    best word after the penalties is almost always one the grammar allows, and then it is exactly
    what the chain would pick (the grammar only removes words); only when it is refused is the
    grammar run over the whole vocabulary. Same tokens, fewer checks.
    """

    def __init__(
        self,
        llama: Any,
        grammar: Any,
        repeat_penalty: float,
        frequency_penalty: float,
        presence_penalty: float,
        guard: QuoteGuard | None = None,
    ) -> None:
        import llama_cpp

        self._lib = llama_cpp
        self.llama = llama
        self.guard = guard
        self.n_vocab = int(llama._n_vocab)
        self.penalties = llama_cpp.llama_sampler_init_penalties(
            self.n_vocab, llama.last_n_tokens_size, repeat_penalty, frequency_penalty, presence_penalty
        )
        self.grammar = llama_cpp.llama_sampler_init_grammar(
            llama._model.vocab, grammar._grammar.encode("utf-8"), grammar._root.encode("utf-8")
        )
        self._all: Any = (llama_cpp.llama_token_data * self.n_vocab)()
        self._view = np.frombuffer(  # type: ignore[call-overload]
            self._all, dtype=np.dtype([("id", np.intc), ("logit", np.single), ("p", np.single)])
        )
        self._one: Any = (llama_cpp.llama_token_data * 1)()
        self._ids = np.arange(self.n_vocab, dtype=np.intc)

    def _array(self, data: Any, size: int) -> Any:
        return self._lib.llama_token_data_array(data=data, size=size, selected=-1, sorted=False)

    def sample(self, ctx: Any, idx: int = -1) -> int:
        lib = self._lib
        logits = np.ctypeslib.as_array(lib.llama_get_logits_ith(ctx.ctx, idx), shape=(self.n_vocab,))
        view = self._view
        view["id"] = self._ids
        view["logit"] = logits
        view["p"] = 0.0
        lib.llama_sampler_apply(self.penalties, ctypes.byref(self._array(self._all, self.n_vocab)))
        quoted = self._quoted_token(idx) if self.guard is not None else None
        if quoted is not None:
            self.accept(quoted)
            return quoted
        best = int(np.argmax(view["logit"]))
        self._one[0].id, self._one[0].logit, self._one[0].p = (
            int(view["id"][best]),
            float(view["logit"][best]),
            0.0,
        )
        lib.llama_sampler_apply(self.grammar, ctypes.byref(self._array(self._one, 1)))
        if np.isfinite(self._one[0].logit):
            token = int(view["id"][best])
        else:
            lib.llama_sampler_apply(self.grammar, ctypes.byref(self._array(self._all, self.n_vocab)))
            token = int(view["id"][int(np.argmax(view["logit"]))])
        self.accept(token)
        return token

    def _allowed(self, i: int) -> bool:
        """Whether the grammar allows the token at position i of the (penalised) array."""
        view = self._view
        self._one[0].id, self._one[0].logit, self._one[0].p = int(view["id"][i]), float(view["logit"][i]), 0.0
        self._lib.llama_sampler_apply(self.grammar, ctypes.byref(self._array(self._one, 1)))
        return bool(np.isfinite(self._one[0].logit))

    def _quoted_token(self, idx: int) -> int | None:
        """Inside a quote: the best token the grammar allows that keeps the quote verbatim.

        None outside a quote, or when none of the best candidates keeps it (the model is left be).
        A fault here is logged and leaves the model be: the guard must never fail a request.
        """
        assert self.guard is not None
        try:
            # idx counts back from the last evaluated token (Llama.sample passes idx - n_tokens)
            found = self.guard.quote_so_far(self.llama.input_ids[: self.llama.n_tokens + idx + 1])
            if found is None:
                return None
            quote, unfinished = found
            logits = self._view["logit"]
            top = np.argpartition(-logits, QUOTE_CANDIDATES)[:QUOTE_CANDIDATES]
            for i in top[np.argsort(-logits[top])]:
                if not np.isfinite(logits[i]):
                    break
                token = int(self._view["id"][i])
                piece = self.llama.detokenize([token])
                if self.guard.allows(quote, piece, unfinished) and self._allowed(int(i)):
                    return token
            return None if unfinished else self._copied_token(quote)
        except Exception:  # noqa: BLE001
            log.exception("quote guard failed; leaving the model be for this token")
        return None

    def _copied_token(self, quote: str) -> int | None:
        """None of the best tokens keeps the quote: the likeliest of the message's own next token
        (wherever the message has the quote) and the closing quote mark. A quote that has already
        left the message is closed at once: the validator refuses it either way, and an unguarded
        model can run on to the length limit (seen: a minute of digits in another script)."""
        assert self.guard is not None
        if self.guard.strayed(quote):
            closing = self.llama.tokenize(b'"', add_bos=False)[:1]
            return next((t for t in closing if self._allowed(t)), None)
        texts = [*self.guard.continuations(quote), '"']
        candidates = {t for text in texts for t in self.llama.tokenize(text.encode(), add_bos=False)[:1]}
        logits = self._view["logit"]
        ranked = sorted(candidates, key=lambda t: -float(logits[t]))
        for token in ranked:
            piece = self.llama.detokenize([token])
            if np.isfinite(logits[token]) and self.guard.allows(quote, piece) and self._allowed(token):
                return token
        return None

    def accept(self, token: int) -> None:
        self._lib.llama_sampler_accept(self.penalties, token)
        self._lib.llama_sampler_accept(self.grammar, token)

    def close(self) -> None:
        for sampler in (self.penalties, self.grammar):
            if sampler is not None:
                self._lib.llama_sampler_free(sampler)
        self.penalties = self.grammar = None

    def __del__(self) -> None:
        self.close()


def _fast_greedy_sampler(llama: Any) -> Any:
    """Wrap `Llama._init_sampler`: greedy decoding with a grammar gets `GreedyGrammarSampler`."""
    stock = llama._init_sampler

    def init_sampler(**kw: Any) -> Any:
        if (
            kw.get("temp") == 0.0
            and kw.get("grammar") is not None
            and kw.get("logits_processor") is None
            and not kw.get("mirostat_mode")
        ):
            return GreedyGrammarSampler(
                llama,
                kw["grammar"],
                kw.get("repeat_penalty", 1.0),
                kw.get("frequency_penalty", 0.0),
                kw.get("presence_penalty", 0.0),
                guard=getattr(llama, "_quote_guard", None),
            )
        return stock(**kw)

    return init_sampler


def _eval_with_draft_logits(self: Any, tokens: Sequence[int]) -> None:
    """llama_cpp.Llama.eval, asking for every position's logits only in a step with a draft."""
    self._ctx.kv_cache_seq_rm(-1, self.n_tokens, -1)
    all_logits = len(tokens) <= self._draft_step_max
    for i in range(0, len(tokens), self.n_batch):
        batch = tokens[i : min(len(tokens), i + self.n_batch)]
        n_past = self.n_tokens
        self._batch.set_batch(batch=batch, n_past=n_past, logits_all=all_logits)
        self._ctx.decode(self._batch)
        self.input_ids[n_past : n_past + len(batch)] = batch
        self.n_tokens += len(batch)
        self._requires_eval = False


def attach(llama: Any, max_tokens: int, context: AnswerContext) -> None:
    """Give a loaded model the answer drafter (sampling reads logits from the context)."""
    llama.draft_model = AnswerDrafter(context, max_tokens)
    llama._draft_step_max = max_tokens + 1
    llama.eval = types.MethodType(_eval_with_draft_logits, llama)


def _own_flag(argv: list[str], name: str, default: str) -> str:
    """Take one of our flags out of the argument list (the stock server rejects unknown ones)."""
    if name not in argv:
        return default
    at = argv.index(name)
    value = argv[at + 1]
    del argv[at : at + 2]
    return value


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    draft = int(_own_flag(argv, "--answer_draft", "0"))
    fast_sampler = _own_flag(argv, "--fast_sampler", "true").lower() == "true"
    copy_quotes = _own_flag(argv, "--copy_quotes", "false").lower() == "true"
    import llama_cpp.server.__main__ as server_main
    import llama_cpp.server.model as server_model

    load = server_model.LlamaProxy.load_llama_from_model_settings

    def load_ours(settings: Any) -> Any:
        llama = load(settings)
        first_logprobs.attach(llama)
        context = AnswerContext(llama, schema_enums())
        if fast_sampler:
            if copy_quotes:
                from triage.schema import QUOTE_FIELDS, fold_for_quote

                llama._quote_guard = QuoteGuard(context, QUOTE_FIELDS, fold_for_quote)  # type: ignore[attr-defined]
            llama._init_sampler = _fast_greedy_sampler(llama)  # type: ignore[method-assign]
        if draft > 0:
            attach(llama, draft, context)
        return llama

    server_model.LlamaProxy.load_llama_from_model_settings = staticmethod(load_ours)  # type: ignore[method-assign]
    sys.argv = [sys.argv[0], *argv]
    server_main.main()


if __name__ == "__main__":
    main()
