"""Step 1: every place name in a text, as a `Mention` at the level the word before it gives.

One pass over the words, longest known name first (up to MAX_WORDS words), so "Semarang Tengah"
is read whole and not as "Semarang". Each name is looked up with its marker word; failing that,
a typo of a long name or a name glued to a preposition ("diwonosobo"). A mention only records
what a name could be; what it counts for is decided later (`readings`, `votes`), because that
depends on the other names in the text.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from triage.reference import regions
from triage.rules.places.index import Index, index, is_listed, regency_code, spelling_key
from triage.rules.places.tuning import (
    FUZZY_MIN_LEN,
    FUZZY_MIN_LEN_BARE,
    FUZZY_SCORE,
    MAX_WORDS,
    MIN_BARE_LEN,
    MIN_BARE_LOCAL_LEN,
    SPELLING_MIN_LEN,
    W_ALIAS,
    W_BARE_REGENCY,
    W_CONFIRM_DISTRICT,
    W_CONFIRM_VILLAGE,
    W_EXPLICIT_DISTRICT,
    W_EXPLICIT_REGENCY,
    W_EXPLICIT_VILLAGE,
    W_PROVINCE,
)
from triage.rules.places.words import (
    DIRECTION_SHORT,
    FILLER,
    GLUED_PREFIXES,
    LANDMARK_WORDS,
    MARKERS,
    NOT_NAMES,
    marker_before,
    tokenize,
)


@dataclass
class Mention:
    """One place name in the text and what it could be. `readings.prepare` then fills in the
    regencies it could mean and may change its level, codes, weight and `confirm_only`."""

    key: str  # folded name as looked up
    level: str  # province | regency | alias | district | village
    codes: tuple[str, ...]  # codes at that level (province / regency / kecamatan / desa codes)
    explicit: bool  # preceded by a marker word
    weight: float
    confirm_only: bool = False  # counts only for a regency something else already supports
    regencies: frozenset[str] = frozenset()
    surface: str = ""  # as written in the text
    local_regencies: frozenset[str] = frozenset()  # an alias's desa/kecamatan readings
    in_street: bool = False  # part of a street or route name: "Jl. Semarang", "jalan Semarang Demak"
    split: bool = False  # matched only after joining/splitting words ("gunung pati" = "Gunungpati")
    leans_to: frozenset[str] = frozenset()  # regencies its marker word fits better ("kel." -> kelurahan)
    after_landmark: bool = False  # right after "stasiun", "pasar", "perum", ...


@lru_cache(maxsize=4096)
def _fuzzy(word: str, table: str, min_len: int) -> str | None:
    """A name within typo distance of `word` ("bnjarnegara"), only for long names."""
    if len(word) < min_len:
        return None
    idx = index()
    choices = idx.fuzzy_regency if table == "regency" else idx.fuzzy_district
    found = process.extractOne(word, choices, scorer=fuzz.ratio, score_cutoff=FUZZY_SCORE)
    if found is None or len(found[0]) < min_len:
        return None
    return str(found[0])


def _regency_filter(codes: tuple[str, ...], marker: str) -> tuple[str, ...]:
    """Keep the Kabupaten or the Kota a marker asks for; keep all when the marker fits none ("kota Pati")."""
    if marker not in ("kab", "kota"):
        return codes
    by_code = regions().by_code
    kept = tuple(c for c in codes if by_code[c].kind == ("kabupaten" if marker == "kab" else "kota"))
    return kept or codes


def _kelurahan_regencies(codes: tuple[str, ...]) -> frozenset[str]:
    """Regencies where a desa-level name is a kelurahan: "kel. Pegadungan" leans to Jakarta Barat.

    Only a lean, never a filter: people write "kelurahan" for a desa too ("kelurahan Campurejo
    Kendal" is desa Campurejo in Kendal, not the kelurahan in Kota Kediri).
    """
    by_code = regions().by_code
    return frozenset(regency_code(c) for c in codes if by_code[c].kind == "kelurahan")


def _lookup(key: str, marker: str | None, idx: Index) -> Mention | None:
    """The mention `key` makes given the marker before it, or None when it names no place.

    A marker that fits no name of its level is ignored ("pemkot jateng", "kota Pati").
    """
    if key in NOT_NAMES:
        return None
    key = _expand_short_forms(key, marker, idx)
    joinable = " " in key and all(len(w) >= 3 for w in key.split())
    split = False
    if (joinable or len(key) >= 8) and not is_listed(key, idx):  # "gunung pati" -> "gunungpati"
        listed = idx.spaced.get(key.replace(" ", ""), key)
        split, key = listed != key, listed
    found = _lookup_marked(key, marker, idx) if marker else None
    found = found or _lookup_bare(key, idx)
    if found is not None:
        # "batusari", "gajahmada" written as one word are more often streets or shops than the
        # kelurahan "Batu Sari"/"Gajah Mada", and "mau beli" is no kelurahan "Maubeli": names
        # matched only after joining or splitting words only ever confirm.
        found.split = split
    return found


def _expand_short_forms(key: str, marker: str | None, idx: Index) -> str:
    """ "kembangan u" -> "kembangan utara", "smg tengah" -> "semarang tengah", "kota smg" -> "semarang".

    Only when the expanded name is listed. A place short form alone ("smg") is expanded only when
    it means nothing else (`abbreviation_alone`) or follows "kota"/"kab"; see `_lookup_bare`.
    """
    words = key.split()
    if len(words) >= 2 and words[-1] in DIRECTION_SHORT:
        full = " ".join([*words[:-1], DIRECTION_SHORT[words[-1]]])
        if is_listed(full, idx):
            return full
    if any(w in idx.abbrev for w in words) and (
        len(words) >= 2 or marker in ("kab", "kota") or key in idx.abbrev_alone
    ):
        full = " ".join(idx.abbrev.get(w, w) for w in words)
        if is_listed(full, idx):
            return full
    return key


def _lookup_marked(key: str, marker: str, idx: Index) -> Mention | None:
    if marker in ("kab", "kota"):
        if key in idx.regency:
            return Mention(
                key, "regency", _regency_filter(idx.regency[key], marker), True, W_EXPLICIT_REGENCY
            )
        if key in idx.alias:
            return Mention(key, "regency", (idx.alias[key],), True, W_EXPLICIT_REGENCY)
        return None
    if marker == "kec":
        if key in idx.district:
            return Mention(key, "district", idx.district[key], True, W_EXPLICIT_DISTRICT)
        return None
    if marker in ("desa", "kel"):
        codes = idx.village.get(key) or idx.village_base.get(key)
        if codes:
            found = Mention(key, "village", codes, True, W_EXPLICIT_VILLAGE)
            if marker == "kel":
                found.leans_to = _kelurahan_regencies(codes)
            return found
        return None
    if marker == "prov" and key in idx.province:
        return Mention(key, "province", (idx.province[key],), True, W_PROVINCE)
    return None


def _lookup_bare(key: str, idx: Index) -> Mention | None:
    """A name written without a marker: provinces (also "DIY", "NTT"), regencies, towns, then
    kecamatan/desa names, which only confirm (see `readings.prepare`)."""
    if key in idx.province and key not in idx.stoplist:
        return Mention(key, "province", (idx.province[key],), False, W_PROVINCE)
    if key in idx.abbrev and key not in idx.stoplist:
        return _short_form_alone(key, idx)
    if key in idx.stoplist or len(key.replace(" ", "")) < MIN_BARE_LEN:
        return None
    if key in idx.regency:
        return Mention(key, "regency", idx.regency[key], False, W_BARE_REGENCY)
    if key in idx.alias:
        return Mention(key, "alias", (idx.alias[key],), False, W_ALIAS)
    if key in idx.common or len(key) < MIN_BARE_LOCAL_LEN:
        return None
    if key in idx.district:
        return Mention(key, "district", idx.district[key], False, W_CONFIRM_DISTRICT, confirm_only=True)
    codes = idx.village.get(key) or idx.village_base.get(key)
    if codes:
        return Mention(key, "village", codes, False, W_CONFIRM_VILLAGE, confirm_only=True)
    return _spelling_variant(key, idx)


def _short_form_alone(key: str, idx: Index) -> Mention | None:
    """ "smg" alone: maybe Semarang, maybe "semoga"; it only confirms a regency other words support."""
    full = idx.abbrev[key]
    codes = idx.regency.get(full) or ((idx.alias[full],) if full in idx.alias else ())
    if not codes:
        return None
    return Mention(full, "regency", codes, False, W_CONFIRM_DISTRICT, confirm_only=True)


def _spelling_variant(key: str, idx: Index) -> Mention | None:
    """ "ngalian" for the kecamatan Ngaliyan: an unknown word spelled like exactly one kecamatan name.

    Read like the name itself written bare (a confirmation unless distinctive and in one regency).
    """
    if " " in key or len(key) < SPELLING_MIN_LEN or not _fuzzy_bare_ok(key, idx):
        return None
    names = idx.spelling.get(spelling_key(key), ())
    if len(names) != 1:
        return None
    name = names[0]
    if name in idx.common or name in idx.stoplist:
        return None
    return Mention(name, "district", idx.district[name], False, W_CONFIRM_DISTRICT, confirm_only=True)


def find_mentions(text: str) -> list[Mention]:
    """Every place name in the text, longest match first, with the level its marker gives it."""
    idx = index()
    tokens = tokenize(text)
    out: list[Mention] = []
    i = 0
    street = False  # inside a street name: "Jl. Sei Batang Hari", "jalan Semarang - Demak"
    while i < len(tokens):
        word = tokens[i][0]
        if word in MARKERS or word in FILLER:
            street = MARKERS.get(word) == "street"
            i += 1
            continue
        marker = marker_before(tokens, i)
        if marker == "skip":
            i += 1
            continue
        found, n = _match_at(tokens, i, None if marker == "street" else marker, idx)
        if found is not None:
            start = tokens[i - 1][1] if found.explicit and i > 0 else tokens[i][1]
            found.surface = text[start : tokens[i + n - 1][2]]  # "kab.demak", "Kel. Kalideres"
            found.in_street = street and not found.explicit
            found.after_landmark = i > 0 and tokens[i - 1][0] in LANDMARK_WORDS
            out.append(found)
        if found is None:
            street = False
        i += max(n, 1)
    return out


def _match_at(
    tokens: list[tuple[str, int, int]], i: int, marker: str | None, idx: Index
) -> tuple[Mention | None, int]:
    for n in range(min(MAX_WORDS, len(tokens) - i), 0, -1):
        if any(tokens[k][0] in MARKERS for k in range(i + 1, i + n)):
            continue
        key = " ".join(t[0] for t in tokens[i : i + n])
        found = _lookup(key, marker, idx)
        if found is not None:
            if found.level in ("district", "village") and _wider_name_starts_inside(tokens, i, n, idx):
                continue  # "Wates Kulon Progo": Wates, then Kulon Progo; not the desa "Wates Kulon"
            return found, n
    return _match_fuzzy(tokens[i][0], marker, idx), 1


def _wider_name_starts_inside(tokens: list[tuple[str, int, int]], i: int, n: int, idx: Index) -> bool:
    """Whether a regency or province name starts inside words i..i+n and runs past them: a local
    name must not swallow the first word of the regency written after it."""
    end = i + n
    for j in range(i + 1, end):
        for m in range(end - j + 1, min(MAX_WORDS, len(tokens) - j) + 1):
            key = " ".join(t[0] for t in tokens[j : j + m])
            if key in idx.regency or key in idx.province:
                return True
    return False


def _fuzzy_bare_ok(word: str, idx: Index) -> bool:
    """Only unknown words may be typos of a regency: "Plamongan" is a place in Semarang, not Lamongan."""
    known = word in idx.village or word in idx.district or word in idx.word_regencies
    return not known and word not in idx.stoplist and word not in idx.common


def _match_fuzzy(word: str, marker: str | None, idx: Index) -> Mention | None:
    """Typos on long names, and names glued to a preposition ("diwonosobo")."""
    if marker is None:
        for prefix in GLUED_PREFIXES:
            rest = word[len(prefix) :]
            if (
                word.startswith(prefix)
                and len(rest) >= 7
                and rest in idx.regency
                and rest not in idx.stoplist
            ):
                return Mention(rest, "regency", idx.regency[rest], False, W_BARE_REGENCY)
    if marker in ("kab", "kota"):
        name = _fuzzy(word, "regency", FUZZY_MIN_LEN)
        if name:
            return Mention(
                name, "regency", _regency_filter(idx.regency[name], marker), True, W_EXPLICIT_REGENCY
            )
    elif marker == "kec":
        name = _fuzzy(word, "district", FUZZY_MIN_LEN)
        if name:
            return Mention(name, "district", idx.district[name], True, W_EXPLICIT_DISTRICT)
    elif marker is None and _fuzzy_bare_ok(word, idx):
        name = _fuzzy(word, "regency", FUZZY_MIN_LEN_BARE)
        if name and name[0] == word[0]:
            return Mention(name, "regency", idx.regency[name], False, W_BARE_REGENCY)
    return None
