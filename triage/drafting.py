"""Drafting the model's next tokens from the shape of its answer, for speculative decoding.

On these 2-core machines the model writes ~11 tokens/s but checks a batch of a few tokens in
barely more time than one. About half of every answer is predictable without the model: the JSON
keys and punctuation between values (the same in every example answer of the prompt), the rest of
an enum value once its first letters are written ("PEK" -> "ERJAAN UMUM DAN PENATAAN RUANG"), and
a quote being copied from the citizen's message. Those stretches are drafted here and checked by
the model in one pass; the model still chooses every token (a draft token that differs from its
own choice is thrown away), so the answer is the model's, only written with fewer passes.

Pure text logic: `draft_text` sees the example answers, the message and the answer so far, and
returns what to propose. `triage.model_server` turns it into tokens inside the llama.cpp server.
Nothing here knows the schema's keys: the structure is learned from the example answers in the
prompt, and enum values are given by the caller (from `triage.schema`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

# the longest answer suffix looked up in the examples, and the shortest that counts
_MAX_LOOKUP = 64
_MIN_LOOKUP = 3
# a stretch copied from the message must continue at least this much of the quote already written
_MIN_COPY = 8
_MAX_COPY_CHARS = 40


@dataclass
class JsonState:
    """Where a prefix of a JSON text ends, and its skeleton (free-text string contents dropped)."""

    in_string: bool = False
    is_key: bool = False
    key: str | None = None  # the key a value belongs to (an array's key for its items)
    content: str = ""  # the string written so far, when in_string
    skeleton: str = ""
    value_starts: list[int] = field(default_factory=list)  # skeleton offsets just after a value's '"'


def scan(text: str, enums: Mapping[str, Sequence[str]]) -> JsonState:
    """Lex a (possibly unfinished) JSON text.

    The skeleton keeps keys, punctuation, literals and enum values, and empties every other string,
    so two answers about different complaints have the same skeleton and can be matched.
    """
    state = JsonState()
    stack: list[list[str | None]] = []  # [kind, current key, array's key]
    expect_key = False
    escaped = False
    out: list[str] = []
    buf: list[str] = []
    for ch in text:
        if state.in_string:
            if escaped:
                escaped = False
                buf.append(ch)
                continue
            if ch == "\\":
                escaped = True
                buf.append(ch)
                continue
            if ch != '"':
                buf.append(ch)
                continue
            word = "".join(buf)
            state.in_string = False
            if state.is_key:
                if stack:
                    stack[-1][1] = word
                out.append(word + '"')
            else:
                out.append((word if state.key in enums else "") + '"')
            buf = []
            continue
        if ch == '"':
            state.in_string = True
            top = stack[-1] if stack else None
            state.is_key = bool(top and top[0] == "o" and expect_key)
            if top is None:
                state.key = None
            elif top[0] == "o":
                state.key = top[1]
            else:
                state.key = top[2]
            out.append(ch)
            if not state.is_key:
                state.value_starts.append(sum(map(len, out)))
            continue
        if ch == "{":
            stack.append(["o", None, None])
            expect_key = True
        elif ch == "[":
            parent = stack[-1][1] if stack and stack[-1][0] == "o" else None
            stack.append(["a", None, parent])
        elif ch in "}]":
            if stack:
                stack.pop()
        elif ch == ":":
            expect_key = False
        elif ch == ",":
            expect_key = bool(stack and stack[-1][0] == "o")
        out.append(ch)
    state.content = "".join(buf)
    if state.in_string and (state.is_key or state.key in enums):
        out.append(state.content)
    state.skeleton = "".join(out)
    return state


@dataclass(frozen=True)
class Shapes:
    """The example answers' skeletons, each with the places where a string value begins."""

    skeletons: tuple[str, ...]
    stops: tuple[tuple[int, ...], ...]

    @classmethod
    def of(cls, examples: Sequence[str], enums: Mapping[str, Sequence[str]]) -> Shapes:
        states = [scan(e, enums) for e in examples]
        return cls(tuple(s.skeleton for s in states), tuple(tuple(s.value_starts) for s in states))

    def continuation(self, skeleton: str) -> str:
        """What follows the answer's skeleton in the best-matching example, up to the next value.

        The longest suffix of the answer found in an example decides; the continuation stops right
        after the opening quote of the next string value (the model writes that) or at the end.
        """
        for length in range(min(len(skeleton), _MAX_LOOKUP), _MIN_LOOKUP - 1, -1):
            tail = skeleton[-length:]
            for shape, stops in zip(self.skeletons, self.stops, strict=True):
                at = shape.find(tail)
                while at != -1:
                    end = at + length
                    nxt = next((s for s in stops if s > end), len(shape))
                    if nxt > end:
                        return shape[end:nxt]
                    at = shape.find(tail, at + 1)
        return ""


def _enum_completion(content: str, values: Sequence[str]) -> tuple[str, bool]:
    """The rest of the enum value that `content` begins, and whether it is the only candidate."""
    matches = [v for v in values if v.startswith(content)]
    if not matches:
        return "", False
    if len(matches) == 1:
        return matches[0][len(content) :], True
    shortest = min(matches, key=len)
    common = shortest
    for v in matches:
        while not v.startswith(common):
            common = common[:-1]
    return common[len(content) :], False


def _message_copy(content: str, message: str) -> str:
    """The message's words that follow the quote being written, if it is copying the message."""
    for length in range(min(len(content), 48), _MIN_COPY - 1, -1):
        at = message.rfind(content[-length:])
        if at != -1:
            rest = message[at + length : at + length + _MAX_COPY_CHARS]
            return rest.split('"')[0].split("\n")[0]
    return ""


def draft_text(
    answer: str, examples: Shapes, message: str, enums: Mapping[str, Sequence[str]]
) -> tuple[str, bool]:
    """The text to propose after `answer`, and whether it is structure (near certain) or a guess."""
    state = scan(answer, enums)
    if state.in_string:
        if state.is_key:
            return examples.continuation(state.skeleton), True
        values = enums.get(state.key or "")
        if values is None:
            return _message_copy(state.content, message), False
        rest, unique = _enum_completion(state.content, values)
        if not unique:
            return rest, True
        closed = answer + rest + '"'
        return rest + '"' + examples.continuation(scan(closed, enums).skeleton), True
    return examples.continuation(state.skeleton), True


def quote_allows(content: str, piece: str, message: str, fold: Callable[[str], str]) -> bool:
    """Whether writing `piece` keeps the quote being written a stretch of the (folded) message.

    `content` is the quote's JSON string body so far, `piece` a token's text. The quote must stay a
    verbatim stretch of the message (compared as `fold` compares, i.e. as the evidence validator
    does) and may close only when not empty and on the message's word boundaries. A piece that is
    an escape or half a character cannot be judged yet and is allowed: the validator still checks
    the finished quote.
    """
    if "\\" in piece or "\ufffd" in piece or content.endswith("\\"):
        return True
    head, closes, _ = piece.partition('"')
    quote = _string_body(content + head)
    if quote is None:
        return True
    folded = fold(quote)
    if closes:  # a whole stretch: it starts and ends where the message's words do
        return bool(folded) and re.search(r"(?<!\w)" + re.escape(folded) + r"(?!\w)", message) is not None
    return folded in message


def quote_continuations(content: str, message: str, fold: Callable[[str], str], limit: int = 8) -> list[str]:
    """What follows the quote being written at each place the (folded) message has it.

    When none of the model's best tokens keeps its quote verbatim, the sampler picks among the
    first tokens of these (the message's own next words) and the closing quote mark.
    """
    body = _string_body(content)
    if body is None:
        return []
    quote = fold(body)
    out: list[str] = []
    at = message.find(quote)
    while at != -1 and len(out) < limit:
        rest = message[at + len(quote) : at + len(quote) + 16]
        if rest and rest not in out:
            out.append(rest)
        at = message.find(quote, at + 1)
    return out


def _string_body(body: str) -> str | None:
    """A JSON string's body with its escapes read, or None when it is not one (yet)."""
    try:
        return str(json.loads('"' + body + '"'))
    except ValueError:
        return None
