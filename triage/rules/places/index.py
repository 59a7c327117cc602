"""The lookup tables: every official name (Kemendagri list) and alias, keyed the way texts are read.

Built once per process (about 0.5 s for the 91,599 regions) so that reading a complaint is a few
dictionary look-ups. The editable alias file (triage/data/place_aliases.toml) is checked against
the official list while the tables are built, so a typo there fails loudly instead of matching
nothing.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from triage.reference import PROVINCE_ALIASES, fold, regions
from triage.rules.places.tuning import FUZZY_MIN_LEN, SPELLING_MIN_LEN
from triage.rules.places.words import DIRECTIONS


def regency_code(code: str) -> str:
    return ".".join(code.split(".")[:2])


def _stem(official: str) -> str:
    return re.sub(r"^(kabupaten administrasi|kota administrasi|kabupaten|kota)\s+", "", fold(official))


@dataclass
class Index:
    """Folded name -> official codes per level, and the tables derived from them and the alias file."""

    province: dict[str, str] = field(default_factory=dict)  # key -> province code
    regency: dict[str, tuple[str, ...]] = field(default_factory=dict)  # bare stem -> regency codes
    alias: dict[str, str] = field(default_factory=dict)  # town -> regency code
    district: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> kecamatan codes
    village: dict[str, tuple[str, ...]] = field(default_factory=dict)  # name -> desa codes
    stoplist: frozenset[str] = frozenset()  # never a bare name of any level
    common: frozenset[str] = frozenset()  # never a bare desa/kecamatan name
    word_regencies: dict[str, set[str]] = field(default_factory=dict)  # word of a local name -> regencies
    spaced: dict[str, str] = field(default_factory=dict)  # name without spaces -> name as listed
    village_base: dict[str, tuple[str, ...]] = field(default_factory=dict)  # "kedoya" -> Kedoya Utara/Selatan
    urban_bases: frozenset[str] = frozenset()  # bases that may count alone (see `_urban_bases`)
    abbrev: dict[str, str] = field(default_factory=dict)  # "smg" -> "semarang"
    abbrev_alone: frozenset[str] = frozenset()  # short forms that stand alone ("jkt")
    spelling: dict[str, tuple[str, ...]] = field(default_factory=dict)  # spelling key -> kecamatan names
    fuzzy_regency: tuple[str, ...] = ()
    fuzzy_district: tuple[str, ...] = ()


def data_text(name: str) -> str:
    return resources.files("triage").joinpath("data", name).read_text("utf-8")


def _load_aliases() -> tuple[dict[str, str], frozenset[str], frozenset[str]]:
    """The editable alias table; a value that is not an official name is an error, not a silent miss."""
    raw = tomllib.loads(data_text("place_aliases.toml"))
    regs = regions().regencies
    alias: dict[str, str] = {}
    for key, official in raw.get("regency", {}).items():
        if official not in regs:
            raise ValueError(f"place_aliases.toml: {key!r} -> {official!r} is not an official regency name")
        alias[fold(key)] = regs[official].code
    stop = frozenset(fold(w) for w in raw.get("stoplist", {}).get("words", []))
    common = frozenset(fold(w) for w in raw.get("common_words", {}).get("words", []))
    return alias, stop, common


def _load_abbreviations(idx: Index) -> tuple[dict[str, str], frozenset[str]]:
    """The [abbreviation] table; a value that names nothing is an error, not a silent miss."""
    raw = tomllib.loads(data_text("place_aliases.toml"))
    out: dict[str, str] = {}
    for key, full in raw.get("abbreviation", {}).items():
        full = fold(full)
        if not any(full in t for t in (idx.regency, idx.alias, idx.province)):
            raise ValueError(
                f"place_aliases.toml: abbreviation {key!r} -> {full!r} names no regency or province"
            )
        out[fold(key)] = full
    alone = frozenset(fold(w) for w in raw.get("abbreviation_alone", {}).get("words", []))
    return out, alone


def _directional_bases(idx: Index) -> dict[str, tuple[str, ...]]:
    """ "kedoya" -> the desa/kelurahan Kedoya Utara and Kedoya Selatan.

    People drop the direction a village was split by ("banjir di Kedoya", "kaligawe terboyo" for
    Terboyo Kulon/Wetan). Only bases that are not themselves an official name of any level, so
    that "Kosambi" keeps its own readings rather than gaining those of "Kosambi Timur".
    """
    out: defaultdict[str, list[str]] = defaultdict(list)
    for name, codes in idx.village.items():
        words = name.split()
        if len(words) >= 2 and words[-1] in DIRECTIONS:
            out[" ".join(words[:-1])].extend(codes)
    return {
        base: tuple(codes)
        for base, codes in out.items()
        if not is_listed(base, idx) and base not in idx.stoplist and base not in idx.common
    }


def _urban_bases(idx: Index) -> frozenset[str]:
    """Bases that may count on their own: every form a kelurahan, and the base in no other name.

    "Kedoya", "Meruya", "Terboyo", "Mangkang" are city districts known by the base name. A base
    that also starts other names ("Kisaran Baru", "Kisaran Kota") is used more loosely, and some
    are everyday words ("kisaran" = range, "merancang" = designing), so those only confirm.
    """
    by_code = regions().by_code
    words_elsewhere: set[str] = set()
    for table in (idx.village, idx.district):
        for name in table:
            words = name.split()
            if not (len(words) == 2 and words[1] in DIRECTIONS):
                words_elsewhere.update(words)
    return frozenset(
        base
        for base, codes in idx.village_base.items()
        if base not in words_elsewhere and all(by_code[c].kind == "kelurahan" for c in codes)
    )


def spelling_key(word: str) -> str:
    """Spelling variants folded together: "Ngalian"/"Ngaliyan", "Djati"/"Jati", "Soemowono"/"Sumowono".

    Old Dutch-era spellings and a glide "y"/"w" between vowels are written either way.
    """
    for old, new in (("oe", "u"), ("dj", "j"), ("tj", "c"), ("sj", "sy")):
        word = word.replace(old, new)
    return re.sub(r"(?<=[aiueo])[yw](?=[aiueo])", "", word)


def _spelling_table(district: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
    out: defaultdict[str, list[str]] = defaultdict(list)
    for name in district:
        if " " not in name and len(name) >= SPELLING_MIN_LEN:
            out[spelling_key(name)].append(name)
    return {k: tuple(v) for k, v in out.items()}


@cache
def index() -> Index:
    """All lookup tables, built once per process (about 0.5 s for the 91,599 regions)."""
    reg = regions()
    idx = Index()
    for name, r in reg.provinces.items():
        idx.province[fold(name)] = r.code
    for alias, official in PROVINCE_ALIASES.items():
        if official in reg.provinces:
            idx.province[alias] = reg.provinces[official].code
    idx.province.pop("jogja", None)  # the city, see place_aliases.toml
    idx.province.pop("jogjakarta", None)
    regency: defaultdict[str, list[str]] = defaultdict(list)
    district: defaultdict[str, list[str]] = defaultdict(list)
    village: defaultdict[str, list[str]] = defaultdict(list)
    for r in reg.by_code.values():
        if r.level == "kabupaten_kota":
            regency[_stem(r.name)].append(r.code)
        elif r.level == "kecamatan":
            district[fold(r.name)].append(r.code)
        elif r.level == "desa_kelurahan":
            village[fold(r.name)].append(r.code)
    words: dict[str, set[str]] = defaultdict(set)
    for table in (district, village):
        for name, codes in table.items():
            if " " in name:
                for w in name.split():
                    words[w].update(regency_code(c) for c in codes)
    idx.word_regencies = dict(words)
    idx.regency = {k: tuple(v) for k, v in regency.items()}
    idx.district = {k: tuple(v) for k, v in district.items()}
    idx.village = {k: tuple(v) for k, v in village.items()}
    idx.alias, idx.stoplist, idx.common = _load_aliases()
    for names in (idx.village, idx.district, idx.regency, idx.alias, idx.province):
        idx.spaced.update({k.replace(" ", ""): k for k in names})
    idx.village_base = _directional_bases(idx)
    idx.urban_bases = _urban_bases(idx)
    idx.abbrev, idx.abbrev_alone = _load_abbreviations(idx)
    idx.spelling = _spelling_table(idx.district)
    idx.fuzzy_regency = tuple(k for k in idx.regency if len(k) >= FUZZY_MIN_LEN)
    idx.fuzzy_district = tuple(k for k in idx.district if len(k) >= FUZZY_MIN_LEN)
    return idx


def is_listed(key: str, idx: Index) -> bool:
    return any(key in t for t in (idx.village, idx.district, idx.regency, idx.alias, idx.province))
