"""The rules' word lists live in triage/data/lexicon.toml: each is sound, used, and really drives its rule."""

from __future__ import annotations

import importlib.util
import re
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest

import triage
from triage.rules import guards, lexicon, non_complaints, prefilter

PACKAGE = Path(triage.__file__).parent
TOML = (PACKAGE / "data" / lexicon.FILE).read_text("utf-8")
NAMES = list(tomllib.loads(TOML))


def test_the_loader_reads_every_table_of_the_file():
    assert list(lexicon.lists()) == NAMES
    assert len(NAMES) >= 20


@pytest.mark.parametrize("name", NAMES)
def test_a_list_is_non_empty_without_duplicates_and_compiles(name):
    entries = lexicon.words(name)
    assert entries, name
    duplicates = sorted({e for e in entries if entries.count(e) > 1})
    assert not duplicates, f"[{name}] repeats {duplicates}"
    for entry in entries:
        assert entry == entry.strip(), f"[{name}] {entry!r} has surrounding spaces"
        re.compile(entry, re.I)  # raises on a broken fragment
        re.compile(rf"\b({lexicon.alternation(name)})\b", re.I)


@pytest.mark.parametrize("name", NAMES)
def test_a_list_is_used_by_the_code(name):
    sources = [p.read_text("utf-8") for p in PACKAGE.rglob("*.py") if p.name != "lexicon.py"]
    assert any(f'"{name}"' in s or f"'{name}'" in s for s in sources), f"[{name}] is used by no module"


@pytest.mark.parametrize("name", NAMES)
def test_a_list_says_what_it_is_for_and_who_uses_it(name):
    before = TOML[: TOML.index(f"\n[{name}]\n")]
    comment = before[before.rindex("\n\n") :]  # the comment block right above the table
    assert "Used by" in comment, f"[{name}] has no 'Used by:' comment"


def test_a_malformed_list_is_an_error_that_names_it(monkeypatch):
    monkeypatch.setattr(lexicon, "_read", lambda: '[greetings]\nwords = ["halo"]\n\n[empty]\nwords = []\n')
    lexicon.lists.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"\[empty\]"):
            lexicon.lists()
    finally:
        lexicon.lists.cache_clear()


def test_an_unknown_list_is_an_error_that_names_it():
    with pytest.raises(KeyError, match="no list"):
        lexicon.words("no_such_list")


# ---------------------------------------------------------------- the lists drive the rules


@pytest.fixture
def with_words(monkeypatch) -> Iterator[Callable[[str, dict[str, list[str]]], ModuleType]]:
    """A fresh copy of a rule module, compiled from the shipped lexicon plus some added words.

    The copy is not put in sys.modules: the real modules keep their patterns from the real file.
    """

    def load(module: str, added: dict[str, list[str]]) -> ModuleType:
        text = TOML
        for name, entries in added.items():
            header = f"\n[{name}]\nwords = [\n"
            assert header in text, name
            text = text.replace(header, header + "".join(f"  {e!r},\n" for e in entries))
        monkeypatch.setattr(lexicon, "_read", lambda: text)
        lexicon.lists.cache_clear()
        spec = importlib.util.find_spec(module)
        assert spec is not None and spec.loader is not None
        copy = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(copy)
        return copy

    yield load
    lexicon.lists.cache_clear()  # the next reader gets the shipped file again


def test_a_new_greeting_makes_a_greeting_only_message(with_words):
    assert prefilter.check("halo sobat") is None
    hit = with_words("triage.rules.prefilter", {"greetings": ["sobat"]}).check("halo sobat")
    assert hit is not None and hit.rule == "greeting_only"


def test_a_new_insult_is_caught(with_words):
    assert prefilter.check("dasar kodok lu") is None
    hit = with_words("triage.rules.prefilter", {"insults": ["kodok"]}).check("dasar kodok lu")
    assert hit is not None and (hit.rule, hit.evidence) == ("insult_without_complaint", "dasar kodok lu")


def test_new_public_service_words_make_a_complaint_marker(with_words):
    text = "menara sinyal rusak sejak kemarin"
    assert guards.complaint_markers(text) == ([], ["rusak"])
    fresh = with_words("triage.rules.guards", {"public_service": ["menara sinyal"]})
    assert fresh.complaint_markers(text) == (["menara sinyal"], ["rusak"])


def test_a_new_threat_word_flags_urgency(with_words):
    text = "ada ular kobra masuk ke rumah warga"
    assert not guards.threatens_safety(text)
    assert with_words("triage.rules.guards", {"threat": ["ular kobra"]}).threatens_safety(text)


def test_a_new_but_keeps_thanks_for_a_fix_open(with_words):
    text = "terima kasih, jalan sudah diperbaiki walau lampunya redup"
    match = non_complaints.find(text)
    assert match is not None and match.rule == "thanks_for_a_fix"
    assert with_words("triage.rules.non_complaints", {"but": ["walau"]}).find(text) is None


def test_lists_are_shared_only_by_name(with_words):
    """A word added to guards' [court] changes guards only, not non_complaints' own [court_matter]."""
    text = "kasus ini sudah masuk mediasi"
    fresh_guards = with_words("triage.rules.guards", {"court": ["mediasi"]})
    fresh_non_complaints = with_words("triage.rules.non_complaints", {"court": ["mediasi"]})
    assert fresh_guards.COURT.search(text) and not guards.COURT.search(text)
    assert not fresh_non_complaints.COURT_MATTER.search(text)
