"""The rules' word lists (greetings, insults, public-service words...), read from data/lexicon.toml.

Why a data file: the lists change far more often than the rules, and the people who extend them
need not read the regular expressions around them. Why one file of *named* lists: a rule shares a
list with another only by naming the same one, so a word added for one rule cannot silently change
a rule that does not name its list. The shapes around the words (phone numbers, links, "not +
verb") stay in the rule modules, which compile their patterns once, at import.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources

FILE = "lexicon.toml"


def _read() -> str:
    return resources.files("triage.data").joinpath(FILE).read_text("utf-8")


@cache
def lists() -> dict[str, tuple[str, ...]]:
    """Every list by name, in file order. A malformed list is an error that names it."""
    out: dict[str, tuple[str, ...]] = {}
    for name, table in tomllib.loads(_read()).items():
        entries = table.get("words") if isinstance(table, dict) else None
        if (
            not isinstance(table, dict)
            or set(table) != {"words"}
            or not isinstance(entries, list)
            or not entries
            or not all(isinstance(e, str) and e.strip() for e in entries)
        ):
            raise ValueError(
                f"{FILE}: [{name}] must hold only `words`, a non-empty list of non-empty strings"
            )
        out[name] = tuple(entries)
    return out


def words(name: str) -> tuple[str, ...]:
    """The entries of one list, in file order."""
    try:
        return lists()[name]
    except KeyError:
        raise KeyError(f"{FILE} has no list [{name}]") from None


def alternation(*names: str) -> str:
    """The entries of the named lists joined with "|", in order: the inside of a regex group."""
    return "|".join(entry for name in names for entry in words(name))
