"""Find the official place a complaint is about, from its own text, against the Kemendagri list.

The embedded model invents places, and a wrong place sends a complaint to the wrong government, so
this resolver is deliberately conservative: every answer must be supported by words in the text,
and when the words support two different regencies about equally it returns less (the province, or
nothing) rather than guess.

How it works, in one pass over the words of the text:
1. Mentions. At each word the longest known name is looked up: provinces and their short forms,
   kabupaten/kota names (with or without "Kab."/"Kota"), town aliases (triage/data/place_aliases.toml),
   kecamatan and desa/kelurahan names. A marker word before a name ("kab", "kec", "ds", "kel", ...)
   fixes its level. Desa and kecamatan names without a marker are only *confirmations*: they count
   for a regency only when something else in the text already points at it ("Ngaliyan ... Semarang"
   picks Kota Semarang), because thousands of desa are called "Sukamaju" or "Karanganyar".
2. Votes. Each mention votes, with a weight by how explicit it is, for every regency it could mean.
3. Decision. The best regency must win on votes that the runner-up does not share ("Semarang" votes
   for both Kota and Kabupaten Semarang; "Ngaliyan" only for the Kota), by a clear factor. Otherwise
   only the province is returned when every contender lies in one province.
"""

from __future__ import annotations

import re
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources

from rapidfuzz import fuzz, process

from triage.reference import PROVINCE_ALIASES, fold, regions
from triage.schema import Location, PlaceRef

# Words that fix the level of the name after them (lower-case tokens, punctuation already gone).
_MARKER_WORDS = {
    "kab": "kab kabupaten kabupatan pemkab bupati kbp",
    "kota": "kota kodya kotamadya pemkot walikota kotip",
    "kec": "kec kecamatan kc kcm kecamatn camat distrik",
    "desa": "desa ds kalurahan deso nagari gampong",
    # a kelurahan is a desa-level region too; the word prefers kelurahan over a desa of that name
    "kel": "kel kelurahan keluharan kelurahaan klurahan kelurhan lurah",
    "prov": "provinsi propinsi prov prop pemprov gubernur gub",
    # The name after these is a hamlet, a river or a person, not an official region:
    # "dusun Temanggung", "Sei Batang Hari", "Nama SRI RAHAYU", "Bu Kemiri".
    "skip": "dusun dsn dukuh dkh dk kampung kp sei nama namaku pak bapak bpk bu ibu ibuk sdr sdri saudara "
    "mbak mbk kak bang om tante nenek kakek",
    # Street and route names: "Jl. Semarang", "jalan Semarang - Demak".
    "street": "jl jln jalan gg gang jalur ruas komplek kompleks",
}
_MARKERS: dict[str, str] = {w: level for level, words in _MARKER_WORDS.items() for w in words.split()}
# What follows "desa"/"kec" when it is not a name: "aparatur desa nya", "desa kami", "kec setempat".
_NOT_NAMES_TEXT = """
nya ini itu kami kita saya kamu sebelah setempat tsb tersebut lain sana sini situ yang yg dan di
ke dari juga pun sendiri tetangga terdekat tapi dengan dgn untuk utk
"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
# Filler between a marker and its name: "Kota Adm. Jakarta Barat", "kab. adm kepulauan seribu".
_FILLER = {"adm", "administrasi", "administratif"}
_GLUED_PREFIXES = ("di", "ke", "dr", "dari")  # "diwonosobo", "kesemarang"
# Short forms of the direction that ends a split village's or kecamatan's name: "Kembangan U",
# "Smg Brt". Only used when the name with the full word is listed.
_DIRECTION_SHORT = {
    "u": "utara", "ut": "utara", "utr": "utara", "s": "selatan", "sel": "selatan", "slt": "selatan",
    "sltn": "selatan", "b": "barat", "brt": "barat", "t": "timur", "tim": "timur", "tmr": "timur",
    "tgh": "tengah", "teng": "tengah", "kln": "kulon", "wtn": "wetan", "kdl": "kidul",
}  # fmt: skip
# Words for a landmark or housing estate, which are named after the locality they stand in:
# "Stasiun Angke", "Pasar Peterongan", "Perum Kosambi Baru". The name after one is a place name,
# not an everyday word or a person, so a short one may count (see `_distinctive_here`).
_LANDMARK_TEXT = """
stasiun st terminal halte pasar psr perum perumahan permh prm perumnas griya pelabuhan bandara puskesmas alun
"""
_LANDMARK_WORDS = frozenset(_LANDMARK_TEXT.split())

MAX_WORDS = 5
MIN_BARE_LEN = 4
MIN_BARE_LOCAL_LEN = 5  # bare kecamatan/desa names
FUZZY_SCORE = 90
FUZZY_MIN_LEN = 6
FUZZY_MIN_LEN_BARE = 8
SPELLING_MIN_LEN = 7  # "ngalian" for Ngaliyan; shorter words collide with everyday ones
WIN_FACTOR = 1.5  # the winner's own votes must exceed the runner-up's own votes by this factor

# Vote weights by how explicit a mention is.
W_EXPLICIT_REGENCY = 3.0
W_BARE_REGENCY = 2.0
W_ALIAS = 2.0
W_EXPLICIT_DISTRICT = 2.0
W_EXPLICIT_VILLAGE = 1.5
W_UNIQUE_NAME = 1.5  # a kecamatan/desa name that exists in one regency only
W_CONFIRM_DISTRICT = 1.0
W_CONFIRM_VILLAGE = 0.5
W_PROVINCE = 1.0
W_LEAN = 0.5  # "kel. X" where X is a kelurahan in one regency and a desa in others
W_ADDRESSEE = 1.0  # "pak Ganjar": a tie between Grogol in Jakarta and Grogol in Jawa Tengah
W_REPEAT = 0.5  # each repeat of a name, up to MAX_REPEATS: the place talked about gets named again
MAX_REPEATS = 2
MAX_CONFIRM_CANDIDATES = 40  # "Sukamaju" (65 regencies) confirms nothing
MAX_EXPLICIT_CANDIDATES = 3  # "desa X" votes alone only when few regencies have a desa X


def _regency_code(code: str) -> str:
    return ".".join(code.split(".")[:2])


def _stem(official: str) -> str:
    return re.sub(r"^(kabupaten administrasi|kota administrasi|kabupaten|kota)\s+", "", fold(official))


@dataclass
class _Index:
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


def _data_text(name: str) -> str:
    return resources.files("triage").joinpath("data", name).read_text("utf-8")


def _load_aliases() -> tuple[dict[str, str], frozenset[str], frozenset[str]]:
    """The editable alias table; a value that is not an official name is an error, not a silent miss."""
    raw = tomllib.loads(_data_text("place_aliases.toml"))
    regs = regions().regencies
    alias: dict[str, str] = {}
    for key, official in raw.get("regency", {}).items():
        if official not in regs:
            raise ValueError(f"place_aliases.toml: {key!r} -> {official!r} is not an official regency name")
        alias[fold(key)] = regs[official].code
    stop = frozenset(fold(w) for w in raw.get("stoplist", {}).get("words", []))
    common = frozenset(fold(w) for w in raw.get("common_words", {}).get("words", []))
    return alias, stop, common


def _load_abbreviations(idx: _Index) -> tuple[dict[str, str], frozenset[str]]:
    """The [abbreviation] table; a value that names nothing is an error, not a silent miss."""
    raw = tomllib.loads(_data_text("place_aliases.toml"))
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


def _directional_bases(idx: _Index) -> dict[str, tuple[str, ...]]:
    """ "kedoya" -> the desa/kelurahan Kedoya Utara and Kedoya Selatan.

    People drop the direction a village was split by ("banjir di Kedoya", "kaligawe terboyo" for
    Terboyo Kulon/Wetan). Only bases that are not themselves an official name of any level, so
    that "Kosambi" keeps its own readings rather than gaining those of "Kosambi Timur".
    """
    out: defaultdict[str, list[str]] = defaultdict(list)
    for name, codes in idx.village.items():
        words = name.split()
        if len(words) >= 2 and words[-1] in _DIRECTIONS:
            out[" ".join(words[:-1])].extend(codes)
    return {
        base: tuple(codes)
        for base, codes in out.items()
        if not _listed(base, idx) and base not in idx.stoplist and base not in idx.common
    }


def _urban_bases(idx: _Index) -> frozenset[str]:
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
            if not (len(words) == 2 and words[1] in _DIRECTIONS):
                words_elsewhere.update(words)
    return frozenset(
        base
        for base, codes in idx.village_base.items()
        if base not in words_elsewhere and all(by_code[c].kind == "kelurahan" for c in codes)
    )


def _spelling_key(word: str) -> str:
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
            out[_spelling_key(name)].append(name)
    return {k: tuple(v) for k, v in out.items()}


@cache
def _addressees() -> tuple[tuple[re.Pattern[str], str], ...]:
    """(whole-word pattern over folded text, province code) from the [addressee] table."""
    raw = tomllib.loads(_data_text("place_aliases.toml")).get("addressee", {})
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


@cache
def _index() -> _Index:
    """All lookup tables, built once per process (about 0.5 s for the 91,599 regions)."""
    reg = regions()
    idx = _Index()
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
                    words[w].update(_regency_code(c) for c in codes)
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


# ---------------------------------------------------------------- mentions


@dataclass
class _Mention:
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


_TOKEN = re.compile(r"[^\W_]+")


def _tokens(text: str) -> list[tuple[str, int, int]]:
    lowered = text.lower() if len(text.lower()) == len(text) else text
    return [(m.group().lower(), m.start(), m.end()) for m in _TOKEN.finditer(lowered)]


@lru_cache(maxsize=4096)
def _fuzzy(word: str, table: str, min_len: int) -> str | None:
    """A name within typo distance of `word` ("bnjarnegara"), only for long names."""
    if len(word) < min_len:
        return None
    idx = _index()
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
    return frozenset(_regency_code(c) for c in codes if by_code[c].kind == "kelurahan")


def _lookup(key: str, marker: str | None, idx: _Index) -> _Mention | None:
    """The mention `key` makes given the marker before it, or None when it names no place.

    A marker that fits no name of its level is ignored ("pemkot jateng", "kota Pati").
    """
    if key in _NOT_NAMES:
        return None
    key = _expand_short_forms(key, marker, idx)
    joinable = " " in key and all(len(w) >= 3 for w in key.split())
    split = False
    if (joinable or len(key) >= 8) and not _listed(key, idx):  # "gunung pati" -> "gunungpati"
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


def _expand_short_forms(key: str, marker: str | None, idx: _Index) -> str:
    """ "kembangan u" -> "kembangan utara", "smg tengah" -> "semarang tengah", "kota smg" -> "semarang".

    Only when the expanded name is listed. A place short form alone ("smg") is expanded only when
    it means nothing else (`abbreviation_alone`) or follows "kota"/"kab"; see `_lookup_bare`.
    """
    words = key.split()
    if len(words) >= 2 and words[-1] in _DIRECTION_SHORT:
        full = " ".join([*words[:-1], _DIRECTION_SHORT[words[-1]]])
        if _listed(full, idx):
            return full
    if any(w in idx.abbrev for w in words) and (
        len(words) >= 2 or marker in ("kab", "kota") or key in idx.abbrev_alone
    ):
        full = " ".join(idx.abbrev.get(w, w) for w in words)
        if _listed(full, idx):
            return full
    return key


def _listed(key: str, idx: _Index) -> bool:
    return any(key in t for t in (idx.village, idx.district, idx.regency, idx.alias, idx.province))


def _lookup_marked(key: str, marker: str, idx: _Index) -> _Mention | None:
    if marker in ("kab", "kota"):
        if key in idx.regency:
            return _Mention(
                key, "regency", _regency_filter(idx.regency[key], marker), True, W_EXPLICIT_REGENCY
            )
        if key in idx.alias:
            return _Mention(key, "regency", (idx.alias[key],), True, W_EXPLICIT_REGENCY)
        return None
    if marker == "kec":
        if key in idx.district:
            return _Mention(key, "district", idx.district[key], True, W_EXPLICIT_DISTRICT)
        return None
    if marker in ("desa", "kel"):
        codes = idx.village.get(key) or idx.village_base.get(key)
        if codes:
            found = _Mention(key, "village", codes, True, W_EXPLICIT_VILLAGE)
            if marker == "kel":
                found.leans_to = _kelurahan_regencies(codes)
            return found
        return None
    if marker == "prov" and key in idx.province:
        return _Mention(key, "province", (idx.province[key],), True, W_PROVINCE)
    return None


def _lookup_bare(key: str, idx: _Index) -> _Mention | None:
    """A name written without a marker: provinces (also "DIY", "NTT"), regencies, towns, then
    kecamatan/desa names, which only confirm (see `_prepare`)."""
    if key in idx.province and key not in idx.stoplist:
        return _Mention(key, "province", (idx.province[key],), False, W_PROVINCE)
    if key in idx.abbrev and key not in idx.stoplist:
        return _short_form_alone(key, idx)
    if key in idx.stoplist or len(key.replace(" ", "")) < MIN_BARE_LEN:
        return None
    if key in idx.regency:
        return _Mention(key, "regency", idx.regency[key], False, W_BARE_REGENCY)
    if key in idx.alias:
        return _Mention(key, "alias", (idx.alias[key],), False, W_ALIAS)
    if key in idx.common or len(key) < MIN_BARE_LOCAL_LEN:
        return None
    if key in idx.district:
        return _Mention(key, "district", idx.district[key], False, W_CONFIRM_DISTRICT, confirm_only=True)
    codes = idx.village.get(key) or idx.village_base.get(key)
    if codes:
        return _Mention(key, "village", codes, False, W_CONFIRM_VILLAGE, confirm_only=True)
    return _spelling_variant(key, idx)


def _short_form_alone(key: str, idx: _Index) -> _Mention | None:
    """ "smg" alone: maybe Semarang, maybe "semoga"; it only confirms a regency other words support."""
    full = idx.abbrev[key]
    codes = idx.regency.get(full) or ((idx.alias[full],) if full in idx.alias else ())
    if not codes:
        return None
    return _Mention(full, "regency", codes, False, W_CONFIRM_DISTRICT, confirm_only=True)


def _spelling_variant(key: str, idx: _Index) -> _Mention | None:
    """ "ngalian" for the kecamatan Ngaliyan: an unknown word spelled like exactly one kecamatan name.

    Read like the name itself written bare (a confirmation unless distinctive and in one regency).
    """
    if " " in key or len(key) < SPELLING_MIN_LEN or not _fuzzy_bare_ok(key, idx):
        return None
    names = idx.spelling.get(_spelling_key(key), ())
    if len(names) != 1:
        return None
    name = names[0]
    if name in idx.common or name in idx.stoplist:
        return None
    return _Mention(name, "district", idx.district[name], False, W_CONFIRM_DISTRICT, confirm_only=True)


def _marker_before(tokens: list[tuple[str, int, int]], i: int) -> str | None:
    j = i - 1
    while j >= 0 and tokens[j][0] in _FILLER:
        j -= 1
    return _MARKERS.get(tokens[j][0]) if j >= 0 else None


def _find_mentions(text: str) -> list[_Mention]:
    """Every place name in the text, longest match first, with the level its marker gives it."""
    idx = _index()
    tokens = _tokens(text)
    out: list[_Mention] = []
    i = 0
    street = False  # inside a street name: "Jl. Sei Batang Hari", "jalan Semarang - Demak"
    while i < len(tokens):
        word = tokens[i][0]
        if word in _MARKERS or word in _FILLER:
            street = _MARKERS.get(word) == "street"
            i += 1
            continue
        marker = _marker_before(tokens, i)
        if marker == "skip":
            i += 1
            continue
        found, n = _match_at(tokens, i, None if marker == "street" else marker, idx)
        if found is not None:
            start = tokens[i - 1][1] if found.explicit and i > 0 else tokens[i][1]
            found.surface = text[start : tokens[i + n - 1][2]]  # "kab.demak", "Kel. Kalideres"
            found.in_street = street and not found.explicit
            found.after_landmark = i > 0 and tokens[i - 1][0] in _LANDMARK_WORDS
            out.append(found)
        if found is None:
            street = False
        i += max(n, 1)
    return out


def _match_at(
    tokens: list[tuple[str, int, int]], i: int, marker: str | None, idx: _Index
) -> tuple[_Mention | None, int]:
    for n in range(min(MAX_WORDS, len(tokens) - i), 0, -1):
        if any(tokens[k][0] in _MARKERS for k in range(i + 1, i + n)):
            continue
        key = " ".join(t[0] for t in tokens[i : i + n])
        found = _lookup(key, marker, idx)
        if found is not None:
            return found, n
    return _match_fuzzy(tokens[i][0], marker, idx), 1


def _fuzzy_bare_ok(word: str, idx: _Index) -> bool:
    """Only unknown words may be typos of a regency: "Plamongan" is a place in Semarang, not Lamongan."""
    known = word in idx.village or word in idx.district or word in idx.word_regencies
    return not known and word not in idx.stoplist and word not in idx.common


def _match_fuzzy(word: str, marker: str | None, idx: _Index) -> _Mention | None:
    """Typos on long names, and names glued to a preposition ("diwonosobo")."""
    if marker is None:
        for prefix in _GLUED_PREFIXES:
            rest = word[len(prefix) :]
            if (
                word.startswith(prefix)
                and len(rest) >= 7
                and rest in idx.regency
                and rest not in idx.stoplist
            ):
                return _Mention(rest, "regency", idx.regency[rest], False, W_BARE_REGENCY)
    if marker in ("kab", "kota"):
        name = _fuzzy(word, "regency", FUZZY_MIN_LEN)
        if name:
            return _Mention(
                name, "regency", _regency_filter(idx.regency[name], marker), True, W_EXPLICIT_REGENCY
            )
    elif marker == "kec":
        name = _fuzzy(word, "district", FUZZY_MIN_LEN)
        if name:
            return _Mention(name, "district", idx.district[name], True, W_EXPLICIT_DISTRICT)
    elif marker is None and _fuzzy_bare_ok(word, idx):
        name = _fuzzy(word, "regency", FUZZY_MIN_LEN_BARE)
        if name and name[0] == word[0]:
            return _Mention(name, "regency", idx.regency[name], False, W_BARE_REGENCY)
    return None


# ---------------------------------------------------------------- decision


@dataclass(frozen=True)
class _Vote:
    weight: float
    regencies: frozenset[str]
    mention: _Mention | None = None


def _prepare(mentions: list[_Mention]) -> None:
    """Regencies each mention could mean; a long kecamatan/desa name found in one regency votes alone."""
    idx = _index()
    _read_inside_named_kecamatan(mentions)
    for m in mentions:
        if m.level == "province":
            continue
        m.regencies = frozenset(_regency_code(c) for c in m.codes)
        if m.level == "alias":
            # "Purwokerto" is also a desa in Kendal: that reading may win when the text confirms it.
            local = idx.district.get(m.key, ()) + idx.village.get(m.key, ())
            m.local_regencies = frozenset(_regency_code(c) for c in local) - m.regencies
        if m.confirm_only and _promotable(m) and _distinctive_here(m) and len(_all_regencies(m.key)) == 1:
            m.confirm_only, m.weight = False, W_UNIQUE_NAME
        if m.explicit and m.level in ("district", "village") and len(m.regencies) > MAX_EXPLICIT_CANDIDATES:
            # "desa Karangsari ... desa Rejosari": each is in dozens of regencies, and some
            # regency has both by chance. Such names only confirm a regency named otherwise.
            m.confirm_only, m.weight = (
                True,
                W_CONFIRM_DISTRICT if m.level == "district" else W_CONFIRM_VILLAGE,
            )


def _read_inside_named_kecamatan(mentions: list[_Mention]) -> None:
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


def _promotable(m: _Mention) -> bool:
    """Kecamatan and urban kelurahan names are used on their own ("warga Jelambar"); rural desa
    names mostly come with "desa" and are more often also words or people's names."""
    if m.split or _all_common(m.key):
        return False
    idx = _index()
    if m.level == "village" and m.key in idx.village_base:  # a base, not a name: see `_urban_bases`
        return m.key in idx.urban_bases
    if m.level == "district" or _directional(m.key):
        return True
    by_code = regions().by_code
    return m.level == "village" and all(by_code[c].kind == "kelurahan" for c in m.codes)


def _all_common(key: str) -> bool:
    """ "batu besar", "tukang kayu", "tengah tengah": listed names made only of everyday words."""
    idx = _index()
    return all(w in idx.common or w in idx.stoplist or len(w) <= 3 for w in key.split())


def _all_regencies(key: str) -> set[str]:
    """Every regency with a kecamatan or desa of this name, or with this word in such a name.

    "Kosambi" is a kecamatan in Banten and a kelurahan in Jakarta; "Penggaron" is a desa in Jombang
    but people in Semarang say it for the kelurahan Penggaron Kidul and Penggaron Lor.
    """
    idx = _index()
    found = {_regency_code(c) for c in idx.district.get(key, ()) + idx.village.get(key, ())}
    if " " not in key:
        found |= idx.word_regencies.get(key, set())
    return found


def _distinctive_here(m: _Mention) -> bool:
    """`_distinctive`, or a shorter name that is a place name by its form or its context.

    "Kedoya" (Kedoya Utara and Selatan, both kelurahan) is the base of a split urban kelurahan;
    "Stasiun Angke" names a landmark after its locality. Neither reading fits an everyday word,
    which is what the length rule guards against.
    """
    if _distinctive(m.key):
        return True
    if len(m.key) < MIN_BARE_LOCAL_LEN or m.split:
        return False
    if m.after_landmark:
        return True
    return m.key in _index().urban_bases and len(m.key) >= 6


def _distinctive(key: str) -> bool:
    """Long enough that a bare kecamatan/desa name is unlikely to be an everyday word ("Ngaliyan")."""
    return len(key) >= 7 or (" " in key and len(key) >= 8)


_DIRECTIONS = frozenset(
    (
        "kulon",
        "wetan",
        "lor",
        "kidul",
        "utara",
        "selatan",
        "barat",
        "timur",
        "tengah",
        "hilir",
        "hulu",
        "ilir",
    )
)


def _directional(key: str) -> bool:
    """ "Gumelem Kulon", "Kembangan Utara": a name plus a direction is a place, not a word or a person."""
    words = key.split()
    return len(words) >= 2 and words[-1] in _DIRECTIONS and len(words[0]) >= 4


def _collect_votes(
    mentions: list[_Mention], hint: frozenset[str], addressed: str | None = None
) -> tuple[list[_Vote], set[str]]:
    """Primary votes (each distinct name once), then confirmations for regencies already supported.

    `addressed`: the province of the governor the text is addressed to; it stands in for a stated
    province when the text states none, and tips a tie towards its own regencies.
    """
    votes: list[_Vote] = []
    seen: set[tuple[str, str]] = set()
    mentions = [m for m in mentions if not m.in_street]
    primary: dict[tuple[str, str], list[_Mention]] = defaultdict(list)
    for m in mentions:
        if m.level != "province" and not m.confirm_only:
            primary[(m.level, m.key)].append(m)
    for key, same in primary.items():
        seen.add(key)
        best = max(same, key=lambda m: m.weight)  # "Blora ... bupati Blora": the explicit one counts
        repeats = min(len(same) - 1, MAX_REPEATS) * W_REPEAT
        votes.append(_Vote(best.weight + repeats, best.regencies, best))
    supported = set().union(*(v.regencies for v in votes)) if votes else set()
    stated = {m.codes[0] for m in mentions if m.level == "province"} or ({addressed} if addressed else set())
    for m in mentions:
        by_province = _confirmed_by_province(m, stated) if not m.regencies & supported else frozenset()
        if by_province and (m.level, m.key) not in seen:
            seen.add((m.level, m.key))
            votes.append(_Vote(m.weight, by_province, m))
            supported |= by_province
    for m in mentions:
        if (m.level, m.key) in seen:
            continue
        seen.add((m.level, m.key))
        if m.level == "province":
            regs = frozenset(r for r in supported if r.split(".")[0] == m.codes[0])
        elif len(m.regencies) <= MAX_CONFIRM_CANDIDATES:
            regs = frozenset(m.regencies & supported)
        else:
            regs = frozenset()
        if regs:
            votes.append(_Vote(m.weight, regs, m))
    for m in mentions:
        if m.local_regencies & supported:
            votes.append(_Vote(W_CONFIRM_VILLAGE, frozenset(m.local_regencies & supported), m))
    if hint & supported:
        votes.append(_Vote(1.0, frozenset(hint & supported)))
    for m in mentions:
        lean = m.leans_to & supported
        if lean and lean != supported:
            votes.append(_Vote(W_LEAN, frozenset(lean)))
    if addressed:
        inside = frozenset(r for r in supported if r.split(".")[0] == addressed)
        if inside and inside != supported:
            votes.append(_Vote(W_ADDRESSEE, inside))
    return votes, supported


def _confirmed_by_province(m: _Mention, stated: set[str]) -> frozenset[str]:
    """A bare kecamatan name found in exactly one regency of the province the text names.

    "... Jateng ... Kesesi": Kesesi is a kecamatan in Kabupaten Pekalongan, Jawa Tengah.
    """
    if m.level != "district" or not m.confirm_only or not stated:
        return frozenset()
    inside = frozenset(r for r in m.regencies if r.split(".")[0] in stated)
    return inside if len(inside) == 1 else frozenset()


def _winner(votes: list[_Vote], supported: set[str]) -> tuple[str | None, set[str]]:
    """The regency clearly ahead on votes its rivals do not share, and the rivals it did not beat."""
    if not supported:
        return None, set()
    score = {r: sum(v.weight for v in votes if r in v.regencies) for r in supported}
    best = max(sorted(supported), key=lambda r: score[r])
    unbeaten: set[str] = set()
    for other in supported - {best}:
        own = sum(v.weight for v in votes if best in v.regencies and other not in v.regencies)
        theirs = sum(v.weight for v in votes if other in v.regencies and best not in v.regencies)
        if own <= 0 or own < WIN_FACTOR * theirs or (theirs > 0 and own == theirs):
            unbeaten.add(other)
    if unbeaten:
        return None, unbeaten | {best}
    return best, set()


def _contradicts_stated_province(regency: str, votes: list[_Vote], mentions: list[_Mention]) -> bool:
    """The text names a province and the regency is elsewhere, known only from kecamatan/desa names.

    A named kabupaten/kota is more specific than a province and wins ("Kab. Semarang, Jawa Timur" is
    Kabupaten Semarang); a bare desa name is weaker than a province the writer states.
    """
    stated = {m.codes[0] for m in mentions if m.level == "province" and not m.in_street}
    if not stated or regency.split(".")[0] in stated:
        return False
    named = any(
        v.mention is not None and v.mention.level in ("regency", "alias") and regency in v.regencies
        for v in votes
    )
    return not named


def _place_ref(code: str) -> PlaceRef:
    return PlaceRef(name=regions().by_code[code].name, code=code)


def _inside(mentions: list[_Mention], level: str, parent: str) -> str | None:
    """The one kecamatan/desa the text names inside `parent` (a regency or kecamatan code)."""
    codes = {
        c
        for m in mentions
        if m.level == level
        and not m.in_street
        and (m.explicit or len(m.regencies) == 1 or _distinctive(m.key))
        for c in m.codes
        if c.startswith(parent + ".")
    }
    return codes.pop() if len(codes) == 1 else None


def _hint_regencies(hint: str | None) -> frozenset[str]:
    if not hint:
        return frozenset()
    found: set[str] = set()
    for m in _find_mentions(hint):
        if m.level in ("regency", "alias"):
            found |= {_regency_code(c) for c in m.codes}
    return frozenset(found)


def resolve(text: str, hint: str | None = None) -> Location:
    """Official province/regency/kecamatan/desa named by `text`; empty when the text names none.

    `hint` is the model's kabupaten/kota guess; it only tips a choice between places the text
    itself supports (Kota vs Kabupaten Bogor), since the model invents places.
    """
    mentions = _find_mentions(text or "")
    _prepare(mentions)
    hint_regs = _hint_regencies(hint)
    addressed = addressed_province(text or "")
    votes, supported = _collect_votes(mentions, hint_regs, addressed)
    regency, contenders = _winner(votes, supported)
    if regency is not None and _contradicts_stated_province(regency, votes, mentions):
        regency, contenders = None, set()
    source: str = "resolver"
    if regency is not None and hint_regs:
        plain, _ = _winner([v for v in votes if v.mention is not None], supported)
        if plain != regency:
            source = "model+resolver"
    loc = Location()
    used: list[_Mention] = []
    if regency is not None:
        loc.regency = _place_ref(regency)
        loc.province = _place_ref(regency.split(".")[0])
        district = _inside(mentions, "district", regency)
        if district:
            loc.district = _place_ref(district)
        village = _inside(mentions, "village", district or regency)
        if village:
            loc.village = _place_ref(village)
        used = [v.mention for v in votes if v.mention is not None and regency in v.regencies]
    else:
        province = _province_only(mentions, contenders)
        if province is None and addressed and not _names_other_province(mentions, contenders, addressed):
            province, source = addressed, "addressee"
        if province:
            loc.province = _place_ref(province)
            used = [
                m
                for m in mentions
                if (m.level == "province" and m.codes[0] == province)
                or (
                    m.regencies
                    and all(r.split(".")[0] == province for r in m.regencies)
                    and not m.confirm_only
                )
            ]
    if loc.province is None:
        return Location(source="none")
    loc.mention = ", ".join(dict.fromkeys(m.surface for m in used)) or None
    loc.source = source  # type: ignore[assignment]
    return loc


def _names_other_province(mentions: list[_Mention], contenders: set[str], addressed: str) -> bool:
    """The text points somewhere outside the addressed governor's province."""
    stated = {m.codes[0] for m in mentions if m.level == "province" and not m.in_street}
    elsewhere = {r.split(".")[0] for r in contenders} | stated
    return bool(elsewhere - {addressed})


def _province_only(mentions: list[_Mention], contenders: set[str]) -> str | None:
    """A stated province, else the province every undecided candidate lies in."""
    counts: dict[str, int] = defaultdict(int)
    for m in mentions:
        if m.level == "province" and not m.in_street:
            counts[m.codes[0]] += 1
    stated = set(counts)
    if counts:
        top = max(sorted(counts), key=lambda p: counts[p])
        if all(counts[top] >= 2 * n for p, n in counts.items() if p != top):
            return top
    provinces = {r.split(".")[0] for r in contenders}
    if len(provinces) == 1 and (not stated or provinces <= stated):
        return provinces.pop()
    if contenders or stated:
        return None
    return _weak_province(mentions)


def _weakly_placed(m: _Mention) -> bool:
    """A bare local name good enough for a province (short ones like "Roban" are too often wrong)."""
    return _distinctive(m.key)


def _weak_province(mentions: list[_Mention]) -> str | None:
    """The province of a route ("jalan Semarang - Demak") or of two long desa names, when nothing else.

    Only ever a province: a route spans regencies, and a bare desa name may be in several.
    """
    route = {m.key for m in mentions if m.in_street and m.level in ("regency", "alias")}
    regs: set[str] = set()
    if len(route) >= 2:
        regs |= {r for m in mentions if m.in_street and m.key in route for r in m.regencies}
    local = [
        m
        for m in mentions
        if m.confirm_only and not m.in_street and m.level in ("district", "village") and _weakly_placed(m)
    ]
    if len({m.key for m in local}) >= 2:
        regs |= {r for m in local for r in m.regencies}
    provinces = {r.split(".")[0] for r in regs}
    return provinces.pop() if len(provinces) == 1 else None
