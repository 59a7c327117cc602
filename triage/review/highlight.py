"""The citizen's words as a reviewer sees them: masked, HTML-escaped, with quoted evidence marked.

Evidence is matched the way the schema validator accepted it (case and spacing ignored), so
every quote that passed validation is found again here. Everything that is not a <mark> tag is
escaped, so a message containing markup is shown as the text it is.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

from triage.identity import mask_text

_DIGITS = re.compile(r"\d")


def mask(text: str | None) -> str:
    """Everything a reviewer sees goes through here (NIK and phone numbers masked)."""
    return mask_text(text or "")


def mask_sender(sender: str) -> str:
    """WhatsApp ids are phone numbers even without a leading + or 0: keep only the edges."""
    masked = mask_text(sender)
    if masked != sender or len(_DIGITS.findall(sender)) < 6:
        return masked
    return sender[:4] + "*" * max(0, len(sender) - 6) + sender[-2:]


def evidence_pattern(evidence: str) -> re.Pattern[str] | None:
    words = mask(evidence).replace("\u00a0", " ").split()
    if not words:
        return None
    return re.compile(r"\s+".join(re.escape(w) for w in words), re.IGNORECASE)


def find_spans(text: str, evidences: list[str]) -> list[tuple[int, int, int]]:
    """(start, end, evidence index) of every occurrence, overlaps merged into the earlier one."""
    spans: list[tuple[int, int, int]] = []
    for i, ev in enumerate(evidences):
        pattern = evidence_pattern(ev)
        if pattern is None:
            continue
        spans.extend((m.start(), m.end(), i) for m in pattern.finditer(text) if m.end() > m.start())
    spans.sort()
    merged: list[tuple[int, int, int]] = []
    for start, end, i in spans:
        if merged and start < merged[-1][1]:
            last = merged[-1]
            merged[-1] = (last[0], max(last[1], end), last[2])
        else:
            merged.append((start, end, i))
    return merged


def highlight(text: str, evidences: list[str]) -> tuple[Markup, set[int]]:
    """Masked, escaped text with each evidence wrapped in <mark>; also which evidences were found."""
    shown = mask(text)
    spans = find_spans(shown, evidences)
    out: list[str] = []
    pos = 0
    for start, end, i in spans:
        out.append(str(escape(shown[pos:start])))
        out.append(f'<mark class="bukti" data-alasan="{i + 1}">{escape(shown[start:end])}</mark>')
        pos = end
    out.append(str(escape(shown[pos:])))
    return Markup("".join(out)), {i for _, _, i in spans}
