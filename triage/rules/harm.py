"""Who may be harmed: a sender who threatens violence, a person in distress, a reporter waiting.

Both change where a message goes more than what it is. A threat of arson against an office is
"abusive" by the verdict table, but a person must read it at once: never a polite question, never
a silent archive. A short plea from someone afraid to report, or in distress, may carry no place
and no detail, but must never be archived unseen; nor may a reporter asking after an earlier
report, whose message reads like chit-chat on its own. The words are data (lexicon.toml); the shapes
(an intent word a few words before a violent act) stay here.
"""

from __future__ import annotations

import re

from triage import identity
from triage.rules import lexicon, places

_CARRYING = rf"(?:{lexicon.alternation('carrying')})\s+"
_CARRY = rf"{_CARRYING}(?:{lexicon.alternation('weapons')})"
_FIRE = rf"(?:{lexicon.alternation('fire_makers')})"
# what sets a fire, carried to "your" office or house; carried on its own it is fuel
_FIRE_TO_YOURS = rf"{_CARRYING}{_FIRE}\b[^.!?\n]{{0,20}}\bke\s+(?:kantor|rumah|balai)\b"
# what sets a fire and what lights it, carried together ("gw bawa bensin sama korek"): fuel alone
# is fuel for a generator, fuel with a lighter is for a fire
_ARSON_KIT = rf"{_CARRYING}{_FIRE}\s+(?:dan|sama|ama|ma|plus|&|\+)\s+{_FIRE}\b"
# the sender's fuel made ready, then within a few sentences an office or someone else's house
# razed or burnt to ash (his own house razed by a flood is a report, not a threat)
_RAZED = rf"(?:{lexicon.alternation('razed')})"
_THEIR_BUILDING = rf"(?:{lexicon.alternation('their_buildings')})"
_FUEL_THEN_RAZED = rf"{_CARRYING}{_FIRE}\b[\s\S]{{0,160}}?\b{_THEIR_BUILDING}\b[^.!?\n]{{0,40}}?\b{_RAZED}"
_ACT = rf"(?:{lexicon.alternation('violent_acts')}|{_CARRY})"
_INTENT = rf"(?:{lexicon.alternation('intent')})"
_ROOT = rf"(?:{lexicon.alternation('violent_roots')})"
_ROOT_ACT = rf"{_ROOT}(?:i|in|kan)?"  # the root, bare or with its suffix ("lempari", "habisin")
_ME = rf"(?:{lexicon.alternation('first_person')})"
# The sender as the verb's proclitic, joined or apart (grammar, not a word list): Indonesian "ku-"
# ("kupatahkan kakimu", "kuhabisi dia"), Javanese "tak-"/"dak-" ("tak antemi satu2"). After "tak",
# also Indonesian for "not", only a root with its suffix counts ("tak bakar" is left alone).
_I_DO = rf"(?:\bku\s?{_ROOT_ACT}|\b(?:tak|dak)\s?{_ROOT}(?:i|in|kan|ke|ne))\b"
_ASPECT = rf"(?:(?:{lexicon.alternation('aspect')})\s+)?"
_YOU = r"(?:kalian|kau|kamu|lu|lo|elo)"
# "saya akan bakar kantor desa" (intent within four words of the act), "kantor desa saya bakar"
# (a pronoun right before a bare root, or the root with its suffix: "rumah bapak saya lempari";
# "kami sendiri yg bakar rumah2 mereka"), "kuhabisi dia" (the sender as the verb's proclitic),
# "saya bawa parang", "sy sdh siapkan parang" (a weapon carried or made ready), "bakar kalian
# semua" (the act aimed at "you"), "lu ... gua datengin rumah lu malam ini bawa golok" (the
# sender carries a weapon to "you"; "kamu tahu, preman itu bawa golok" reports someone else's),
# "gue datang bawa bensin ke kantor kalian" (what sets a fire, carried to "your" building), "gw
# bawa bensin sama korek" (fuel and a lighter carried together), "sy udh siapin bensin 5 liter.
# malam jumat nanti kantor bupati itu rata sama tanah" (fuel made ready, then a building razed)
THREAT_OF_VIOLENCE = re.compile(
    rf"\b{_INTENT}\b(?:\W+\w+){{0,4}}?\W+{_ACT}(?:\W|$)"
    rf"|\b{_ME}(?:\s+sendiri)?(?:\s+(?:yg|yang))?\s+(?:{_ROOT_ACT}\b|{_ASPECT}{_CARRY}\b)"
    rf"|{_I_DO}"
    rf"|\b{_ACT}\W+(?:\w+\W+){{0,3}}{_YOU}\b"
    rf"|\b{_YOU}\b[^.!?\n]{{0,60}}\b{_ME}\b[^.!?\n]{{0,40}}\b{_CARRY}\b"
    rf"|\b{_ME}\b[^.!?\n]{{0,40}}\b{_CARRY}\b[^.!?\n]{{0,40}}\b{_YOU}\b"
    rf"|\b{_ME}\b[^.!?\n]{{0,40}}\b{_FIRE_TO_YOURS}[^.!?\n]{{0,20}}\b{_YOU}\b"
    rf"|\b{_ME}\b[^.!?\n]{{0,40}}\b{_ARSON_KIT}"
    rf"|\b{_ME}\b[^.!?\n]{{0,40}}\b{_FUEL_THEN_RAZED}",
    re.I,
)
_WISH = r"(?:ingin|mau|pengen|pingin|pengin|berniat|rasanya|lebih\s+baik|mending|mendingan)"
_SELF = rf"(?:{lexicon.alternation('self_harm')})"
# "saya ... mau mati saja" (a pronoun within four words before the wish), "pengen bunuh diri",
# "ingin mati" (these need no pronoun), "tidak ingin hidup lagi"; "lampunya mau mati" is not one
SELF_HARM = re.compile(
    rf"\b{_ME}\b(?:\W+\w+){{0,4}}?\W+{_WISH}\s+(?:\w+\s+)?{_SELF}\b"
    rf"|\b{_WISH}\s+(?:bunuh\s+diri|mengakhiri\s+hidup|gantung\s+diri)\b"
    r"|\b(?:ingin|pengen|pingin|pengin)\s+mati\b"
    r"|\b(?:tidak|tdk|gak|ga|nggak)\s+(?:ingin|mau|kuat)\s+hidup\s+lagi\b",
    re.I,
)
DISTRESS = re.compile(rf"\b(?:{lexicon.alternation('distress')})\b", re.I)
# An address given under its label, and the rest of its line: an address is often split over
# more labels ("Alamat: dukuh wetan rt03/rw03 desa:putatsari kec:grobogan").
ADDRESS_GIVEN = re.compile(
    r"\b(?:alamat|alamt|almt|domisili|tempat\s+tinggal)\s*[:=][ \t]*(?P<value>[^\n]{1,160})", re.I
)
FOLLOWUP = re.compile(rf"\b(?:{lexicon.alternation('followup')})\b", re.I)
# An identity label and the number after it: digits, our own mask ("337401********03") or the
# "[NOMOR]" the public LaporGub export puts where a citizen wrote a number.
IDENTITY_GIVEN = re.compile(
    rf"\b(?:{lexicon.alternation('identity_labels')})\b\W{{0,3}}(?:(?:saya|sy|kami|aku)\W+)?"
    r"(?:\d[\d*. -]{7,}\d|\[nomor\])",
    re.I,
)


def threat_of_violence(text: str) -> str | None:
    """The words of a threat the sender makes, or None."""
    m = THREAT_OF_VIOLENCE.search(text)
    return m.group(0).strip() if m else None


def followup(text: str) -> str | None:
    """The words showing a message is about an earlier report, or None."""
    m = FOLLOWUP.search(text)
    return m.group(0) if m else None


def identity_given(text: str) -> str | None:
    """The identity number the sender gives (a NIK, with or without its label), or None.

    People hand their NIK to a complaint line when they pursue a report (answering an officer's
    request, "ini no nik yang diminta"); spam asks for numbers and gives none (no valid NIK in the
    1,792 SMS of the shared data). Alone, such a message reads like nothing to act on.
    """
    m = IDENTITY_GIVEN.search(text)
    if m:
        return m.group(0).strip()
    for number in identity.NIK.finditer(text):  # a bare NIK: only one that is valid, not any 16 digits
        info = identity.parse_nik(number.group(0))
        if info is not None and info.valid:
            return number.group(0)
    return None


def distress(text: str) -> str | None:
    """The words showing a person in distress or afraid, or None."""
    m = DISTRESS.search(text)
    return m.group(0) if m else None


def impossible_identity(text: str) -> str | None:
    """An identity number, given under its label, that no one can have, or None.

    Sixteen digits whose region code is on no Kemendagri list or whose birth date cannot be
    ("NIK: 3374000000000001" under "Nama: Upin Ipin"): the formal report template filled in as a
    joke. A number of the wrong length is left alone (a digit dropped in typing), as is the
    "[NOMOR]" or the mask a number was replaced with.
    """
    for m in IDENTITY_GIVEN.finditer(text):
        number = identity.NIK.search(m.group(0))  # sixteen digits, not masked, none dropped
        info = identity.parse_nik(number.group(0)) if number else None
        if info is not None and not info.valid:
            return m.group(0).strip()
    return None


def unknown_address(text: str) -> str | None:
    """An address given under its label in which the official lists know no place, or None.

    The formal template filled in as a joke ("Alamat: Bikini Bottom RT 01 RW 02", "ALAMAT: Jl.
    Kantong Ajaib No. 4 Tokyo") looks complete to the model: a label, a street, an RT. A citizen's
    address names his village, district or town: on the shared corpora all 13 handled complaints
    that give an address under its label name a place the lists know in the rest of that line.
    An empty or dashed field is no claim and is left alone.
    """
    for m in ADDRESS_GIVEN.finditer(text):
        value = m.group("value").strip()
        if sum(ch.isalpha() for ch in value) < 3:
            continue
        if places.resolve(value).province is None:
            return value
    return None


def self_harm(text: str) -> str | None:
    """The words of a sender who speaks of ending his own life, or None."""
    m = SELF_HARM.search(text)
    return m.group(0).strip() if m else None
