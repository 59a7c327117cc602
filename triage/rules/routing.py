"""Which agency a complaint goes to, from its category, its place and words in its text.

The rules live in triage/data/routing.toml so that an SP4N admin, not a programmer, can change
them: an ordered list, first match wins, and a rule whose agency name needs a place the text did
not give ("Polres {regency_short}") is skipped so the next, more general rule applies ("Polri").
The file is validated when first used: a misspelt category or place field would otherwise route
complaints silently to nowhere.
"""

from __future__ import annotations

import re
import string
import tomllib
from functools import cache
from importlib import resources
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from triage.reference import category_names, keyword_regex
from triage.schema import AgencyLevel, Location

PLACE_FIELDS = ("regency", "regency_short", "province", "district", "village")
_PREFIX = re.compile(r"^(Kabupaten Administrasi|Kota Administrasi|Kabupaten|Kota)\s+")


class RoutingRule(BaseModel):
    """One line of the routing table."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    category: list[str] | None = None
    keywords: list[str] | None = None
    agency: str = Field(min_length=1)
    level: AgencyLevel

    @field_validator("category", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_validator(mode="after")
    def _known_names(self) -> RoutingRule:
        known = set(category_names())
        for c in self.category or []:
            if c not in known:
                raise ValueError(f'rule "{self.name}": "{c}" is not an SP4N-LAPOR! category name')
        for field in _template_fields(self.agency):
            if field not in PLACE_FIELDS:
                raise ValueError(
                    f'rule "{self.name}": unknown place {{{field}}} in agency; use one of '
                    + ", ".join("{" + f + "}" for f in PLACE_FIELDS)
                )
        if self.keywords is not None and not [k for k in self.keywords if k.strip()]:
            raise ValueError(f'rule "{self.name}": keywords is empty; leave it out to match any text')
        return self

    def keyword_pattern(self) -> re.Pattern[str] | None:
        """Any keyword as whole words; spaces and hyphens inside are optional ("e-ktp" = "ektp")."""
        if not self.keywords:
            return None
        alternatives = sorted((keyword_regex(k) for k in self.keywords if k.strip()), key=len, reverse=True)
        return re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + r")(?!\w)", re.IGNORECASE)


class RoutingTable(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rule: list[RoutingRule] = Field(min_length=1)


def _template_fields(template: str) -> list[str]:
    return [f for _, f, _, _ in string.Formatter().parse(template) if f is not None]


def parse_rules(text: str) -> RoutingTable:
    """Validate a routing TOML text; errors name the rule at fault."""
    return RoutingTable.model_validate(tomllib.loads(text))


@cache
def _compiled() -> tuple[tuple[RoutingRule, re.Pattern[str] | None], ...]:
    text = resources.files("triage").joinpath("data", "routing.toml").read_text("utf-8")
    table = parse_rules(text)
    return tuple((r, r.keyword_pattern()) for r in table.rule)


def rules() -> list[RoutingRule]:
    """The shipped rules, loaded and validated once per process."""
    return [r for r, _ in _compiled()]


def _places(location: Location) -> dict[str, str]:
    places: dict[str, str] = {}
    if location.regency:
        places["regency"] = location.regency.name
        places["regency_short"] = _PREFIX.sub("", location.regency.name)
    if location.province:
        places["province"] = location.province.name
    if location.district:
        places["district"] = location.district.name
    if location.village:
        places["village"] = location.village.name
    return places


def route(category: str | None, location: Location, text: str) -> tuple[str | None, AgencyLevel | None]:
    """(agency name, level) from the first rule that matches and whose places are known.

    (None, None) when nothing is known: a person picks the agency then.
    """
    places = _places(location)
    for rule, pattern in _compiled():
        if rule.category is not None and category not in rule.category:
            continue
        if pattern is not None and not pattern.search(text or ""):
            continue
        needed = _template_fields(rule.agency)
        if any(f not in places for f in needed):
            continue
        return rule.agency.format(**places), rule.level
    return None, None


def explain(category: str | None, location: Location, text: str) -> str | None:
    """The name of the rule `route` used, for the review page and for debugging the table."""
    places = _places(location)
    for rule, pattern in _compiled():
        if rule.category is not None and category not in rule.category:
            continue
        if pattern is not None and not pattern.search(text or ""):
            continue
        if all(f in places for f in _template_fields(rule.agency)):
            return rule.name
    return None
