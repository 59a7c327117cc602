"""Step 2: the regencies each mention could mean, and whether it may vote on its own.

Thousands of desa share names with everyday words and with each other, so a bare kecamatan/desa
name only confirms a regency named otherwise, unless it is distinctive and in one regency only;
an explicit "desa X" found in many regencies is demoted the same way; and a desa next to a named
kecamatan is read inside that kecamatan. These rules look at the whole list of mentions, so they
run after the scan and before any vote is counted.
"""

from __future__ import annotations

from collections import defaultdict
from functools import cache

from triage.reference import fold, regions
from triage.rules.places.index import index, regency_code
from triage.rules.places.mentions import Mention
from triage.rules.places.tuning import (
    MAX_EXPLICIT_CANDIDATES,
    MIN_BARE_LOCAL_LEN,
    W_CONFIRM_DISTRICT,
    W_CONFIRM_VILLAGE,
    W_UNIQUE_NAME,
)
from triage.rules.places.words import DIRECTIONS


def prepare(mentions: list[Mention]) -> None:
    """Regencies each mention could mean; a long kecamatan/desa name found in one regency votes alone."""
    idx = index()
    _read_inside_named_kecamatan(mentions)
    for m in mentions:
        if m.level == "province":
            continue
        m.regencies = frozenset(regency_code(c) for c in m.codes)
        if m.level == "alias":
            # "Purwokerto" is also a desa in Kendal: that reading may win when the text confirms it.
            local = idx.district.get(m.key, ()) + idx.village.get(m.key, ())
            m.local_regencies = frozenset(regency_code(c) for c in local) - m.regencies
        if m.confirm_only and _promotable(m) and _distinctive_here(m) and len(_all_regencies(m.key)) == 1:
            m.confirm_only, m.weight = False, W_UNIQUE_NAME
        if m.explicit and m.level in ("district", "village") and len(m.regencies) > MAX_EXPLICIT_CANDIDATES:
            # "desa Karangsari ... desa Rejosari": each is in dozens of regencies, and some
            # regency has both by chance. Such names only confirm a regency named otherwise.
            m.confirm_only, m.weight = (
                True,
                W_CONFIRM_DISTRICT if m.level == "district" else W_CONFIRM_VILLAGE,
            )


def _read_inside_named_kecamatan(mentions: list[Mention]) -> None:
    """A desa/kelurahan name next to an explicitly named kecamatan is read inside that kecamatan.

    "Kecamatan Cengkareng, Kelurahan Kosambi": Cengkareng has the kelurahan Duri Kosambi, so
    "Kosambi" is that one, not the kecamatan Kosambi in Tangerang or the desa in Subang. A careful
    reader does the same; it only narrows a name to places the kecamatan mention already supports.
    """
    named = [
        c
        for m in mentions
        if m.level == "district" and m.explicit and not m.in_street
        for c in m.codes
        if len(m.codes) <= MAX_EXPLICIT_CANDIDATES
    ]
    if not named:
        return
    for m in mentions:
        if m.in_street or m.level not in ("district", "village") or (m.level == "district" and m.explicit):
            continue
        inside = tuple(c for d in named for c in _villages_named(d, m.key))
        if inside:
            m.level, m.codes = "village", inside


def _villages_named(district: str, key: str) -> tuple[str, ...]:
    """Desa/kelurahan of a kecamatan called `key`, or having it as whole words ("Duri Kosambi")."""
    exact = tuple(c for name, c in _villages_of(district) if name == key)
    if exact:
        return exact
    pattern = f" {key} "
    return tuple(c for name, c in _villages_of(district) if pattern in f" {name} ")


def _villages_of(district: str) -> tuple[tuple[str, str], ...]:
    """(folded name, code) of a kecamatan's desa/kelurahan."""
    return _villages_by_district().get(district, ())


@cache
def _villages_by_district() -> dict[str, tuple[tuple[str, str], ...]]:
    out: defaultdict[str, list[tuple[str, str]]] = defaultdict(list)
    for r in regions().by_code.values():
        if r.level == "desa_kelurahan":
            out[r.parent_code].append((fold(r.name), r.code))
    return {k: tuple(v) for k, v in out.items()}


def _promotable(m: Mention) -> bool:
    """Kecamatan and urban kelurahan names are used on their own ("warga Jelambar"); rural desa
    names mostly come with "desa" and are more often also words or people's names."""
    if m.split or _all_common(m.key):
        return False
    idx = index()
    if m.level == "village" and m.key in idx.village_base:  # a base, not a name: see `index._urban_bases`
        return m.key in idx.urban_bases
    if m.level == "district" or _directional(m.key):
        return True
    by_code = regions().by_code
    return m.level == "village" and all(by_code[c].kind == "kelurahan" for c in m.codes)


def _all_common(key: str) -> bool:
    """ "batu besar", "tukang kayu", "tengah tengah": listed names made only of everyday words."""
    idx = index()
    return all(w in idx.common or w in idx.stoplist or len(w) <= 3 for w in key.split())


def _all_regencies(key: str) -> set[str]:
    """Every regency with a kecamatan or desa of this name, or with this word in such a name.

    "Kosambi" is a kecamatan in Banten and a kelurahan in Jakarta; "Penggaron" is a desa in Jombang
    but people in Semarang say it for the kelurahan Penggaron Kidul and Penggaron Lor.
    """
    idx = index()
    found = {regency_code(c) for c in idx.district.get(key, ()) + idx.village.get(key, ())}
    if " " not in key:
        found |= idx.word_regencies.get(key, set())
    return found


def _distinctive_here(m: Mention) -> bool:
    """`distinctive`, or a shorter name that is a place name by its form or its context.

    "Kedoya" (Kedoya Utara and Selatan, both kelurahan) is the base of a split urban kelurahan;
    "Stasiun Angke" names a landmark after its locality. Neither reading fits an everyday word,
    which is what the length rule guards against.
    """
    if distinctive(m.key):
        return True
    if len(m.key) < MIN_BARE_LOCAL_LEN or m.split:
        return False
    if m.after_landmark:
        return True
    return m.key in index().urban_bases and len(m.key) >= 6


def distinctive(key: str) -> bool:
    """Long enough that a bare kecamatan/desa name is unlikely to be an everyday word ("Ngaliyan")."""
    return len(key) >= 7 or (" " in key and len(key) >= 8)


def _directional(key: str) -> bool:
    """ "Gumelem Kulon", "Kembangan Utara": a name plus a direction is a place, not a word or a person."""
    words = key.split()
    return len(words) >= 2 and words[-1] in DIRECTIONS and len(words[0]) >= 4
