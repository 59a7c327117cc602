"""Every signal about one report, computed once, in one record that the decision reads.

The rules used to re-read the text wherever they needed a fact (is there a place? a public-service
word? a grievance?), each with its own meaning of "has a place". Here each fact is computed once,
named once, and handed to `judge.decision`, which reads nothing else. Switching a signal off (the
ablation benchmark) is a matter of the `off` set the decision is given, not of re-ordering code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from triage import reference
from triage.rules import guards, harm, non_complaints, places, prefilter
from triage.schema import InvalidReason, Location, Verdict
from triage.signals import scores
from triage.signals.scores import Scores


@dataclass(frozen=True)
class Evidence:
    text: str  # what is judged
    words: int
    location: Location
    hint: str | None  # the model's regency guess (it only tips ties in the resolver)
    services: tuple[str, ...]  # public-service words
    grievances: tuple[str, ...]  # something wrong with it
    national: bool  # a national body (BPJS, PLN, a ministry): acted on without a place
    spot: bool  # a spot a person can find (a street, an RT/RW, a named school)
    court: bool  # a court case is named
    threat: bool  # someone's life or safety is at stake
    shape: non_complaints.Match | None  # shaped like a non-complaint, with no grievance
    public_angle: str | None  # an official, an office, a permit or safety is involved
    court_matter: bool
    sender_threat: str | None  # the sender threatens violence ("saya bakar kantor desa")
    self_harm: str | None  # the sender speaks of ending his own life ("saya ingin mati saja")
    distress: str | None  # a person in distress or afraid to report
    followup: str | None  # the message is about an earlier report
    signals: Scores  # learned: spam, abuse, complaint, category (triage.signals)
    removed: tuple[str, ...] = ()  # sentences that addressed the system, taken out before judging
    public_complaint: bool | None = None  # the model, asked after its answer (judge.checks); None: unsure
    check_scores: Mapping[str, float] = field(default_factory=dict)  # each check's complaint score, 0-1
    laughter: str | None = None  # the sender laughs ("wkwk", a laughing emoji)
    identity_given: str | None = None  # the sender gives an identity number (NIK, KTP, KK)
    identity_impossible: str | None = None  # an identity number under its label that no one can have
    address_unknown: str | None = None  # an address under its label naming no place the lists know
    misconduct: str | None = None  # an official's misconduct is named ("pungli", "nyogok", "korupsi")
    pass_it_on: non_complaints.Match | None = None  # a call to pass the text on to one's groups
    place_label: str | None = None  # a place under its label, known to the lists or not ("Desa X")
    model_verdict: Verdict | None = None  # the model's own verdict, before any correction
    model_reason: InvalidReason | None = None  # the model's own reason for a rejection

    @property
    def regency_named(self) -> bool:
        return self.location.regency is not None

    @property
    def province_known(self) -> bool:
        """A province, from the text or from the governor the message is addressed to."""
        return self.location.province is not None

    @property
    def place_named(self) -> bool:
        """The text itself names a place (not only the governor it is addressed to)."""
        return self.location.province is not None and self.location.source != "addressee"

    @property
    def hint_disagrees(self) -> bool:
        """The model named a regency the official list does not confirm: it was guessing."""
        if not self.hint:
            return False
        regency = self.location.regency.name if self.location.regency else None
        return regency not in reference.regency_candidates(self.hint)


def gather(text: str, hint: str | None = None, removed: tuple[str, ...] = ()) -> Evidence:
    """The evidence of `text` (already without the sentences in `removed`, see rules.injection)."""
    services, grievances = guards.complaint_markers(text)
    angle = non_complaints.PUBLIC_ANGLE.search(text)
    misconduct = non_complaints.MISCONDUCT_WORDS.search(text)
    return Evidence(
        text=text,
        words=len(text.split()),
        location=places.resolve(text, hint=hint),
        hint=hint,
        services=tuple(services),
        grievances=tuple(grievances),
        national=bool(guards.NATIONAL.search(text)),
        spot=bool(guards.SPOT.search(text)),
        court=bool(guards.COURT.search(text)),
        threat=guards.threatens_safety(text),
        shape=non_complaints.find(text),
        public_angle=angle.group(0) if angle else None,
        court_matter=bool(non_complaints.COURT_MATTER.search(text)),
        sender_threat=harm.threat_of_violence(text),
        self_harm=harm.self_harm(text),
        distress=harm.distress(text),
        followup=harm.followup(text),
        signals=scores.score(text),
        removed=removed,
        laughter=prefilter.laughter(text),
        identity_given=harm.identity_given(text),
        identity_impossible=harm.impossible_identity(text),
        address_unknown=harm.unknown_address(text),
        misconduct=misconduct.group(0) if misconduct else None,
        pass_it_on=non_complaints.passes_it_on(text),
        place_label=label.group(0) if (label := guards.PLACE_LABEL.search(text)) else None,
    )
