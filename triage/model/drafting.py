"""Drafting the model's next tokens from the shape of its answer, for speculative decoding.

On these 2-core machines the model writes ~11 tokens/s but checks a batch of a few tokens in
barely more time than one. About half of every answer is predictable without the model: the JSON
keys and punctuation between values (the same in every example answer of the prompt), the rest of
an enum value once its first letters are written ("PEK" -> "ERJAAN UMUM DAN PENATAAN RUANG"), and
a quote being copied from the citizen's message. Those stretches are drafted here and checked by
the model in one pass; the model still chooses every token (a draft token that differs from its
own choice is thrown away), so the answer is the model's, only written with fewer passes.

Pure text logic: `draft_text` sees the example answers, the message and the answer so far, and
returns what to propose. `triage.model.server` turns it into tokens inside the llama.cpp server.
Nothing here knows the schema's keys: the structure is learned from the example answers in the
prompt, and enum values are given by the caller (from `triage.schema`).
"""

from __future__ import annotations

import codecs
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
    texts: list[tuple[str | None, str]] = field(default_factory=list)  # finished free-text values


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
            elif state.key in enums:
                out.append(word + '"')
            else:
                out.append('"')
                state.texts.append((state.key, word))
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
    """The example answers' skeletons, each with the places where a string value begins.

    `echoes` maps a free-text key to an earlier one whose value it tends to restate (a title
    that begins like the statement before it: "Bansos PKH tidak cair 6 bulan" after "Bansos PKH
    tidak cair 6 bulan, tetapi ..."). The shipped prompt's answers have no such pair since the
    model stopped writing a title; the drafter still learns one from a prompt whose examples do.
    """

    skeletons: tuple[str, ...]
    stops: tuple[tuple[int, ...], ...]
    echoes: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, examples: Sequence[str], enums: Mapping[str, Sequence[str]]) -> Shapes:
        states = [scan(e, enums) for e in examples]
        return cls(
            tuple(s.skeleton for s in states),
            tuple(tuple(s.value_starts) for s in states),
            _echoes([s.texts for s in states]),
        )

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


def _first_word(text: str) -> str:
    return text.split(" ", 1)[0].casefold()


def _echoes(answers: Sequence[Sequence[tuple[str | None, str]]]) -> dict[str, str]:
    """For each free-text key, the earlier key whose value begins with the same word in most of
    the answers that have both (at least two, and at least half of them)."""
    agree: dict[tuple[str, str], int] = {}
    both: dict[tuple[str, str], int] = {}
    for texts in answers:
        seen: dict[str, str] = {}
        for key, value in texts:
            if key is None:
                continue
            for earlier, before in seen.items():
                if earlier != key:
                    pair = (key, earlier)
                    both[pair] = both.get(pair, 0) + 1
                    agree[pair] = agree.get(pair, 0) + (_first_word(value) == _first_word(before))
            seen.setdefault(key, value)
    echoes: dict[str, str] = {}
    for (key, earlier), n in sorted(agree.items(), key=lambda kv: -kv[1]):
        if key not in echoes and n >= 2 and 2 * n >= both[(key, earlier)]:
            echoes[key] = earlier
    return echoes


def _free_text(content: str, echo: str | None, message: str) -> str:
    """A guess at how a free-text value goes on: the earlier value it restates, while it still
    does (case aside), else the message's words after its last few characters."""
    if echo is not None and echo.casefold().startswith(content.casefold()):
        return echo[len(content) : len(content) + _MAX_COPY_CHARS]
    return _message_copy(content, message)


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
            source = examples.echoes.get(state.key or "")
            echo = next((v for k, v in state.texts if k == source), None) if source else None
            return _free_text(state.content, echo, message), False
        rest, unique = _enum_completion(state.content, values)
        if not unique:
            return rest, True
        closed = answer + rest + '"'
        return rest + '"' + examples.continuation(scan(closed, enums).skeleton), True
    return examples.continuation(state.skeleton), True


def quote_allows(
    content: str, piece: bytes, message: str, fold: Callable[[str], str], pending: bytes = b""
) -> bool:
    """Whether writing `piece` keeps the quote being written a stretch of the (folded) message.

    `content` is the quote's JSON string body so far, `piece` a token's bytes, and `pending` the
    bytes of a character the quote has begun but not finished: a byte-level tokenizer writes a
    character outside ASCII in several tokens. The quote must stay a verbatim stretch of the
    message (compared as `fold` compares, i.e. as the evidence validator does), an unfinished
    character must begin one the message has next, and the quote may close only when not empty
    and on the message's word boundaries. An escape is judged once complete. Refused whatever the
    message says: a raw control character (the answer would not be JSON) and a third whitespace in
    a row (the validator folds spacing away, so it never advances the quote; typed messages have
    double spaces, which the model copies). Live, quotes grew by raw newlines, by 45 newline escapes
    after the message's last word, and by "\\u0000" escapes until the length limit.
    """
    split = split_utf8(pending + piece)
    if split is None:
        return False  # bytes no character begins with
    text, unfinished = split
    close = closing_at(content, text)
    head = text if close < 0 else text[:close]
    if any(ord(ch) < 0x20 for ch in head):
        return False
    body = content + head
    quote = string_body(body)
    if quote is None:  # an escape begun: what comes before it is judged now, the escape when complete
        quote = string_body(body[: body.rfind("\\")])
        if quote is None:
            return True
    before = string_body(content)
    if re.search(r"\s{3}", quote[max(0, len(before or "") - 2) :]):
        return False
    if close >= 0:  # a whole stretch: it starts and ends where the message's words do
        folded = fold(quote)
        return bool(folded) and re.search(r"(?<!\w)" + re.escape(folded) + r"(?!\w)", message) is not None
    so_far = fold_open(quote, fold)
    if not unfinished:
        return so_far in message
    at = message.find(so_far)
    while at != -1:
        if message[at + len(so_far) : at + len(so_far) + 1].encode().startswith(unfinished):
            return True
        at = message.find(so_far, at + 1)
    return False


def closing_at(content: str, text: str) -> int:
    """Where `text` ends the JSON string whose body so far is `content` (an unescaped '"'), or -1."""
    escaped = (len(content) - len(content.rstrip("\\"))) % 2 == 1
    for i, ch in enumerate(text):
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == '"':
            return i
    return -1


def fold_open(quote: str, fold: Callable[[str], str]) -> str:
    """A quote still being written, folded with its trailing space kept: "lada " may go on only
    where the message has "lada " ("ladang" does not), which `fold` alone would not tell."""
    return fold(quote + "\x01")[:-1]


def split_utf8(data: bytes) -> tuple[str, bytes] | None:
    """The characters `data` spells, and the bytes of one it has begun; None if it is not UTF-8."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        text = decoder.decode(data, final=False)
    except UnicodeDecodeError:
        return None
    return text, decoder.getstate()[0]


def quote_continuations(content: str, message: str, fold: Callable[[str], str], limit: int = 8) -> list[str]:
    """What follows the quote being written at each place the (folded) message has it.

    When none of the model's best tokens keeps its quote verbatim, the sampler picks among the
    first tokens of these (the message's own next words) and the closing quote mark.
    """
    body = string_body(content)
    if body is None:
        return []
    quote = fold_open(body, fold)
    out: list[str] = []
    at = message.find(quote)
    while at != -1 and len(out) < limit:
        rest = message[at + len(quote) : at + len(quote) + 16]
        if rest and rest not in out:
            out.append(rest)
        at = message.find(quote, at + 1)
    return out


def string_body(body: str) -> str | None:
    """A JSON string's body with its escapes read, or None when it is not one (yet)."""
    try:
        return str(json.loads('"' + body + '"'))
    except ValueError:
        return None
