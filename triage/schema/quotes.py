"""Quote matching: whether the model's evidence is a verbatim stretch of the citizen's message.

Plain text functions, kept apart from the shape whose validator uses them (`judgement.Reason`)
because the embedded model server (`triage.model.server`) holds quotes to the same test while the
model writes them.
"""

from __future__ import annotations

import math
import re


def fold_for_quote(text: str) -> str:
    """Quotes are compared ignoring case and spacing only: anything more would accept paraphrase."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip().casefold()


_TOKEN = re.compile(r"\S+")


def _word(token: str) -> str:
    return token.strip(".,!?;:\"'()[]“”‘’").casefold()


def snap_quote(quote: str, text: str, min_words: int = 2, min_share: float = 0.5) -> str | None:
    """The longest run of the quote's words that occurs verbatim in the text, as the text has it.

    A small model often quotes "rusak banget di desa" where the message says "rusak banget, nek
    udan": the verbatim core of what it cited is kept (from the message itself, so the quote
    check holds) instead of paying for a full re-ask. Too little in common -> None (re-ask).
    """
    q = [_word(t) for t in quote.split()]
    spans = [(m.start(), m.end(), _word(m.group(0))) for m in _TOKEN.finditer(text)]
    best, best_end = 0, 0
    prev = [0] * (len(q) + 1)
    for i, (_, _, w) in enumerate(spans, start=1):
        cur = [0] * (len(q) + 1)
        for j, qw in enumerate(q, start=1):
            if w and w == qw:
                cur[j] = prev[j - 1] + 1
                if cur[j] > best:
                    best, best_end = cur[j], i
        prev = cur
    if best >= min_words and best >= min_share * len(q):
        first, last = best_end - best, best_end - 1
    else:
        window = _in_order_window(q, [w for _, _, w in spans])
        if window is None:
            return None
        first, last = window
    return text[spans[first][0] : spans[last][1]].strip(".,!?;:\"'()[]“”‘’ ")


def _in_order_window(
    q: list[str], words: list[str], extra: int = 3, min_share: float = 0.8
) -> tuple[int, int] | None:
    """The shortest stretch of the text holding most of the quote's words in the quote's order.

    The model drops or abbreviates a word while quoting: "gaji 275rb" for "gaji saya 275rb",
    "terlihat kumuh" for "TERLIHAT SANGAT KUMUH". The stretch (at most `extra` words longer than
    the quote, starting and ending on a quoted word) is what the message says, so it is stored as
    the evidence; a quote whose words are scattered further apart is not snapped (re-ask).
    """
    need = max(2, math.ceil(min_share * len(q)))
    best: tuple[int, int, int] | None = None  # (-matched, length, start)
    for start, word in enumerate(words):
        if word not in q[:2]:
            continue
        qi, matched, last = q.index(word) + 1, 1, start
        # the stretch ends within len(q) + extra words of its start
        for i in range(start + 1, min(len(words), start + len(q) + extra)):
            if words[i] in q[qi:]:
                qi = q.index(words[i], qi) + 1
                matched, last = matched + 1, i
        key = (-matched, last - start, start)
        if matched >= need and (best is None or key < best):
            best = key
    return None if best is None else (best[2], best[2] + best[1])


# Answer fields that must be a verbatim stretch of the message: the embedded server keeps them so
# while the model writes them (triage.model.server.QuoteGuard), the validator of `Reason` checks them.
QUOTE_FIELDS = frozenset({"evidence"})
