"""Step 3: mentions become weighted votes for regencies, and a regency wins only by a clear margin.

The winner is judged on the votes its rivals do not share ("Semarang" votes for both the Kota and
the Kabupaten, "Ngaliyan" only for the Kota), by WIN_FACTOR, because a wrong regency sends a
complaint to the wrong government while no regency only leaves it for a person to fill in.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from triage.rules.places.mentions import Mention
from triage.rules.places.tuning import (
    MAX_CONFIRM_CANDIDATES,
    MAX_REPEATS,
    W_ADDRESSEE,
    W_CONFIRM_VILLAGE,
    W_LEAN,
    W_REPEAT,
    WIN_FACTOR,
)


@dataclass(frozen=True)
class Vote:
    """`weight` for each of `regencies`; `mention` is None for the hint, lean and addressee votes."""

    weight: float
    regencies: frozenset[str]
    mention: Mention | None = None


def collect_votes(
    mentions: list[Mention], hint: frozenset[str], addressed: str | None = None
) -> tuple[list[Vote], set[str]]:
    """Primary votes (each distinct name once), then confirmations for regencies already supported.

    `addressed`: the province of the governor the text is addressed to; it stands in for a stated
    province when the text states none, and tips a tie towards its own regencies.
    """
    votes: list[Vote] = []
    seen: set[tuple[str, str]] = set()
    mentions = [m for m in mentions if not m.in_street]
    primary: dict[tuple[str, str], list[Mention]] = defaultdict(list)
    for m in mentions:
        if m.level != "province" and not m.confirm_only:
            primary[(m.level, m.key)].append(m)
    for key, same in primary.items():
        seen.add(key)
        best = max(same, key=lambda m: m.weight)  # "Blora ... bupati Blora": the explicit one counts
        repeats = min(len(same) - 1, MAX_REPEATS) * W_REPEAT
        votes.append(Vote(best.weight + repeats, best.regencies, best))
    supported = set().union(*(v.regencies for v in votes)) if votes else set()
    stated = {m.codes[0] for m in mentions if m.level == "province"} or ({addressed} if addressed else set())
    for m in mentions:
        by_province = _confirmed_by_province(m, stated) if not m.regencies & supported else frozenset()
        if by_province and (m.level, m.key) not in seen:
            seen.add((m.level, m.key))
            votes.append(Vote(m.weight, by_province, m))
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
            votes.append(Vote(m.weight, regs, m))
    for m in mentions:
        if m.local_regencies & supported:
            votes.append(Vote(W_CONFIRM_VILLAGE, frozenset(m.local_regencies & supported), m))
    if hint & supported:
        votes.append(Vote(1.0, frozenset(hint & supported)))
    for m in mentions:
        lean = m.leans_to & supported
        if lean and lean != supported:
            votes.append(Vote(W_LEAN, frozenset(lean)))
    if addressed:
        inside = frozenset(r for r in supported if r.split(".")[0] == addressed)
        if inside and inside != supported:
            votes.append(Vote(W_ADDRESSEE, inside))
    return votes, supported


def _confirmed_by_province(m: Mention, stated: set[str]) -> frozenset[str]:
    """A bare kecamatan name found in exactly one regency of the province the text names.

    "... Jateng ... Kesesi": Kesesi is a kecamatan in Kabupaten Pekalongan, Jawa Tengah.
    """
    if m.level != "district" or not m.confirm_only or not stated:
        return frozenset()
    inside = frozenset(r for r in m.regencies if r.split(".")[0] in stated)
    return inside if len(inside) == 1 else frozenset()


def winner(votes: list[Vote], supported: set[str]) -> tuple[str | None, set[str]]:
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


def contradicts_stated_province(regency: str, votes: list[Vote], mentions: list[Mention]) -> bool:
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
