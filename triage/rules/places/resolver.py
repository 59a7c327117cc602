"""Step 4 and the entry point: `resolve` runs the steps and turns their decision into a `Location`.

When no regency wins it returns the province alone, and only when the contenders (or the stated
or addressed province) agree on one: returning less is safer than guessing. The model's
kabupaten/kota guess (`hint`) is read with the same scan, and only tips a choice between
regencies the text itself supports, since the model invents places.
"""

from __future__ import annotations

from collections import defaultdict

from triage.reference import regions
from triage.rules.places.addressee import addressed_province
from triage.rules.places.index import regency_code
from triage.rules.places.mentions import Mention, find_mentions
from triage.rules.places.readings import distinctive, prepare
from triage.rules.places.votes import collect_votes, contradicts_stated_province, winner
from triage.schema import Location, PlaceRef


def _place_ref(code: str) -> PlaceRef:
    return PlaceRef(name=regions().by_code[code].name, code=code)


def _inside(mentions: list[Mention], level: str, parent: str) -> str | None:
    """The one kecamatan/desa the text names inside `parent` (a regency or kecamatan code)."""
    codes = {
        c
        for m in mentions
        if m.level == level
        and not m.in_street
        and (m.explicit or len(m.regencies) == 1 or distinctive(m.key))
        for c in m.codes
        if c.startswith(parent + ".")
    }
    return codes.pop() if len(codes) == 1 else None


def _hint_regencies(hint: str | None) -> frozenset[str]:
    if not hint:
        return frozenset()
    found: set[str] = set()
    for m in find_mentions(hint):
        if m.level in ("regency", "alias"):
            found |= {regency_code(c) for c in m.codes}
    return frozenset(found)


def resolve(text: str, hint: str | None = None) -> Location:
    """Official province/regency/kecamatan/desa named by `text`; empty when the text names none.

    `hint` is the model's kabupaten/kota guess; it only tips a choice between places the text
    itself supports (Kota vs Kabupaten Bogor), since the model invents places.
    """
    mentions = find_mentions(text or "")
    prepare(mentions)
    hint_regs = _hint_regencies(hint)
    addressed = addressed_province(text or "")
    votes, supported = collect_votes(mentions, hint_regs, addressed)
    regency, contenders = winner(votes, supported)
    if regency is not None and contradicts_stated_province(regency, votes, mentions):
        regency, contenders = None, set()
    source: str = "resolver"
    if regency is not None and hint_regs:
        plain, _ = winner([v for v in votes if v.mention is not None], supported)
        if plain != regency:
            source = "model+resolver"
    loc = Location()
    used: list[Mention] = []
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


def _names_other_province(mentions: list[Mention], contenders: set[str], addressed: str) -> bool:
    """The text points somewhere outside the addressed governor's province."""
    stated = {m.codes[0] for m in mentions if m.level == "province" and not m.in_street}
    elsewhere = {r.split(".")[0] for r in contenders} | stated
    return bool(elsewhere - {addressed})


def _province_only(mentions: list[Mention], contenders: set[str]) -> str | None:
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


def _weakly_placed(m: Mention) -> bool:
    """A bare local name good enough for a province (short ones like "Roban" are too often wrong)."""
    return distinctive(m.key)


def _weak_province(mentions: list[Mention]) -> str | None:
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
