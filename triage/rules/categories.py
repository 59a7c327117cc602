"""A second opinion on the model's category, from words in the citizen's text.

A 1.5B model puts most complaints into a handful of categories. The category decides the agency,
so a wrong one sends a complaint to the wrong office. The check is deliberately modest: the
model's choice stands unless the text has words of other categories and *none* of its own; then
the category with the most distinct matching words wins, and only if it wins alone. The words
live in triage/data/category_keywords.toml so an SP4N admin can extend them.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field, field_validator

from triage.reference import category_names, keyword_regex


class CategoryWords(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    keywords: list[str] = Field(min_length=1)

    @field_validator("name")
    @classmethod
    def _known(cls, name: str) -> str:
        if name not in category_names():
            raise ValueError(f'"{name}" is not an SP4N-LAPOR! category name')
        return name


class CategoryTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    category: list[CategoryWords] = Field(min_length=1)


def parse_table(text: str) -> CategoryTable:
    return CategoryTable.model_validate(tomllib.loads(text))


def shipped_table() -> CategoryTable:
    return parse_table(
        resources.files("triage").joinpath("data", "category_keywords.toml").read_text("utf-8")
    )


@cache
def _compiled() -> tuple[tuple[str, re.Pattern[str]], ...]:
    out = []
    for entry in shipped_table().category:
        alternatives = sorted((keyword_regex(k) for k in entry.keywords if k.strip()), key=len, reverse=True)
        out.append((entry.name, re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.I)))
    return tuple(out)


def keyword_hits(text: str) -> dict[str, set[str]]:
    """Category -> the distinct words of it found in the text (categories with none left out)."""
    hits: dict[str, set[str]] = {}
    for name, pattern in _compiled():
        found = {m.group(0).casefold() for m in pattern.finditer(text)}
        if found:
            hits[name] = found
    return hits


def check(model_category: str | None, text: str) -> tuple[str | None, str | None]:
    """(category to store, note when it differs from the model's choice)."""
    hits = keyword_hits(text)
    if not hits or (model_category is not None and model_category in hits):
        return model_category, None
    ranked = sorted(hits.items(), key=lambda kv: len(kv[1]), reverse=True)
    best, words = ranked[0]
    if len(ranked) > 1 and len(ranked[1][1]) == len(words):
        return model_category, None
    note = f"category {model_category!r} has no support in the text; {best!r} from words {sorted(words)[:5]}"
    return best, note
