"""The province whose governor or provincial complaint channel a text is addressed to ("pak Ganjar").

Someone writing to a governor most likely complains about that province, but that is only
context, weaker than any place the text names: the resolver lets it stand in for a province the
text does not state, tip a tie between places the text names, or give the province when the text
names no place at all - never a regency.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache

from triage.reference import fold, regions
from triage.rules.places.index import data_text


@cache
def _addressees() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(whole-word pattern over folded text, province code) from the [addressee] table."""
    raw = tomllib.loads(data_text("place_aliases.toml")).get("addressee", {})
    provinces = {r.name: r.code for r in regions().by_code.values() if r.level == "provinsi"}
    out = []
    for key, official in raw.items():
        if official not in provinces:
            raise ValueError(f"place_aliases.toml: addressee {key!r} -> {official!r} is not a province name")
        out.append((re.compile(r"(?<!\w)" + re.escape(fold(key)) + r"(?!\w)"), provinces[official]))
    return tuple(out)


def addressed_province(text: str) -> str | None:
    """The province code of the governor or provincial channel the text addresses, if exactly one."""
    folded = fold(text)
    found = {code for pattern, code in _addressees() if pattern.search(folded)}
    return found.pop() if len(found) == 1 else None
