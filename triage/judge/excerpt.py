"""What of a long message the model reads: its beginning, cut at a sentence end.

The embedded model's context holds the prompt (~2,800 tokens), the answer and a possible re-ask;
a text much longer than a few paragraphs does not fit, and the server refuses the request. A
message of any length must still be judged: the model reads a contiguous opening stretch (where
people state what is wrong), so every quote it gives is still a verbatim stretch of the original,
and the rules (places, markers, shapes, harm) read the whole text.
"""

from __future__ import annotations

import re

_SENTENCE_END = re.compile(r"[.!?]\s|\n")


def excerpt(text: str, max_chars: int) -> str:
    """`text` itself when it fits, else its opening up to the last sentence end within `max_chars`
    (or up to a word boundary when no sentence ends in the second half of that stretch)."""
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    ends = [m.end() for m in _SENTENCE_END.finditer(head)]
    if ends and ends[-1] >= max_chars // 2:
        return head[: ends[-1]].rstrip()
    space = head.rfind(" ")
    return (head[:space] if space >= max_chars // 2 else head).rstrip()
