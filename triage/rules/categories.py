"""Words of each SP4N category found in the citizen's text: one of the three signals the
category choice weighs (triage/judge/category.py), beside the model's pick and the classifier.

A 1.5B model puts most complaints into a handful of categories, and the category decides the
agency. The words live in triage/data/category_keywords.toml so an SP4N admin can extend them.
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
