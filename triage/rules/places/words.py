"""The words around place names: how a text is cut into words, and what the word before a name says.

A name alone is ambiguous ("Semarang" is a Kota and a Kabupaten, "Sukamaju" a desa in dozens of
regencies). The word before it ("kab", "kel", "kec") often settles its level, or says the name is
a street, a hamlet or a person and no region at all ("jl", "dusun", "pak"). The word lists are
kept together, apart from the code that reads them, so that a new spelling is a one-line change.
"""

from __future__ import annotations

import re

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
MARKERS: dict[str, str] = {w: level for level, words in _MARKER_WORDS.items() for w in words.split()}
# What follows "desa"/"kec" when it is not a name: "aparatur desa nya", "desa kami", "kec setempat".
_NOT_NAMES_TEXT = """
nya ini itu kami kita saya kamu sebelah setempat tsb tersebut lain sana sini situ yang yg dan di
ke dari juga pun sendiri tetangga terdekat tapi dengan dgn untuk utk
"""
NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
# Filler between a marker and its name: "Kota Adm. Jakarta Barat", "kab. adm kepulauan seribu".
FILLER = {"adm", "administrasi", "administratif"}
GLUED_PREFIXES = ("di", "ke", "dr", "dari")  # "diwonosobo", "kesemarang"
# Short forms of the direction that ends a split village's or kecamatan's name: "Kembangan U",
# "Smg Brt". Only used when the name with the full word is listed.
DIRECTION_SHORT = {
    "u": "utara", "ut": "utara", "utr": "utara", "s": "selatan", "sel": "selatan", "slt": "selatan",
    "sltn": "selatan", "b": "barat", "brt": "barat", "t": "timur", "tim": "timur", "tmr": "timur",
    "tgh": "tengah", "teng": "tengah", "kln": "kulon", "wtn": "wetan", "kdl": "kidul",
}  # fmt: skip
# Words for a landmark or housing estate, which are named after the locality they stand in:
# "Stasiun Angke", "Pasar Peterongan", "Perum Kosambi Baru". The name after one is a place name,
# not an everyday word or a person, so a short one may count (see `readings._distinctive_here`).
_LANDMARK_TEXT = """
stasiun st terminal halte pasar psr perum perumahan permh prm perumnas griya pelabuhan bandara puskesmas alun
"""
LANDMARK_WORDS = frozenset(_LANDMARK_TEXT.split())
# The direction that ends the name of a split desa or kecamatan: "Kedoya Utara", "Terboyo Kulon".
DIRECTIONS = frozenset(
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


_TOKEN = re.compile(r"[^\W_]+")


def tokenize(text: str) -> list[tuple[str, int, int]]:
    lowered = text.lower() if len(text.lower()) == len(text) else text
    return [(m.group().lower(), m.start(), m.end()) for m in _TOKEN.finditer(lowered)]


def marker_before(tokens: list[tuple[str, int, int]], i: int) -> str | None:
    j = i - 1
    while j >= 0 and tokens[j][0] in FILLER:
        j -= 1
    return MARKERS.get(tokens[j][0]) if j >= 0 else None
