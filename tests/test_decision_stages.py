"""The decision's stages: every correction reads the stage before it, not a neighbour, and a
signal switched off switches off every correction that reads it."""

from __future__ import annotations

import pytest

from triage.evals.fakes import evidence_for as ev
from triage.evals.fakes import result_for
from triage.judge import decision
from triage.schema import ComplaintDraft, InvalidReason, ModelJudgement, Reason, Verdict


def answered(verdict: Verdict, reason: InvalidReason | None = None, quote: str = "a") -> ModelJudgement:
    return ModelJudgement(
        verdict=verdict,
        reason=reason,
        reasons=[Reason(statement="s", evidence=quote)],
        missing_fields=[],
        complaint=None
        if verdict is Verdict.invalid
        else ComplaintDraft(category=None, regency=None, urgent=False),
    )


# laughs, names no public matter, and fills the address label with a place no list knows
PRANK = "Alamat: Bikini Bottom RT 01 RW 02. tolong kirim pizza gratis ke rumah saya wkwkwk"


def test_every_reason_to_read_it_first_is_named_none_hiding_another():
    # the learned signals off: with them on, the kind signal rejects it before this stage (below)
    out = decision.decide(answered(Verdict.valid, quote="kirim pizza"), ev(PRANK), 1, off={decision.LEARNED})
    assert out.needs_review and out.verdict is Verdict.valid
    assert {"sender_laughs", "unknown_address"} <= set(out.rules)
    assert out.confidence <= 0.4
    # with them on, it reads like the labelled pranks: an uncertain rejection, for a reviewer too
    read = decision.decide(answered(Verdict.valid, quote="kirim pizza"), ev(PRANK), 1)
    assert read.needs_review and read.verdict is Verdict.invalid
    assert "like_the_labelled_junk" in read.rules


def test_the_reasons_to_read_it_first_do_not_depend_on_their_order():
    e = ev(PRANK)
    base = result_for("valid")
    outs = []
    items = list(decision.TO_A_PERSON.items())
    orders = [items[i:] + items[:i] for i in range(len(items))] + [items[::-1]]
    for order in orders:
        out = decision.every_one_that_applies(base, e, dict(order), off=())
        outs.append((out.needs_review, out.urgent, out.confidence, frozenset(out.rules)))
    assert len(set(outs)) == 1
    assert outs[0][0] and len(outs[0][3]) >= 2


def test_a_threat_inside_a_report_sent_to_a_person_stays_urgent():
    text = "jalan desa rusak tidak diperbaiki, kantor desa saya bakar besok wkwk"
    out = decision.decide(answered(Verdict.valid, quote="jalan desa rusak"), ev(text, place=True), 1)
    assert out.urgent and out.needs_review and "threat_of_violence" in out.rules
    # every reason that applies is named: without the learned reading (which finds a sarcastic
    # complaint in a laugh), the laugh sends it to a person too, and the threat keeps it urgent
    unread = decision.decide(
        answered(Verdict.valid, quote="jalan desa rusak"), ev(text, place=True), 1, off={decision.LEARNED}
    )
    assert unread.urgent and {"threat_of_violence", "sender_laughs"} <= set(unread.rules)


def test_a_signal_switched_off_switches_off_every_correction_that_reads_it():
    text = "saya akan membakar kantor kecamatan besok"
    j = answered(Verdict.invalid, InvalidReason.abusive, quote="membakar kantor")
    on = decision.decide(j, ev(text, place=True), 1)
    off = decision.decide(j, ev(text, place=True), 1, off={decision.HARM})
    assert "threat_of_violence" in on.rules and on.urgent
    assert "threat_of_violence" not in off.rules and not off.urgent
    readers = [n for stage in decision.STAGES for n, c in stage.items() if decision.HARM in c.reads]
    assert set(readers) == {"threat", "self_harm", "distress", "plea_in_distress"}


def test_an_unknown_signal_is_an_error_not_a_silent_no_op():
    with pytest.raises(ValueError, match="unknown signals"):
        decision.decide(answered(Verdict.valid), ev("jalan rusak", place=True), 1, off={"harms"})


def test_every_correction_reads_only_named_signals():
    for stage in decision.STAGES:
        for c in stage.values():
            assert c.reads and c.reads <= set(decision.SIGNALS)


LONG_REQUEST = (
    "Selamat siang bapak, perkenalkan saya seorang ibu rumah tangga dari kampung yang jauh dari kota. "
    "Anak saya sebentar lagi lulus dan ingin sekali melanjutkan kuliah di kota besar bersama teman. Kami "
    "sekeluarga sangat berharap, pak tolong belikan saya laptop baru untuk kuliah anak saya nanti, "
    "karena kami sangat berharap. Terima kasih banyak bapak, semoga bapak sehat dan "
    "panjang umur, amin."
)


def test_a_rejection_reopened_for_its_length_is_still_closed_by_its_shape():
    """The closing stage reads the reopened verdict: a long plea for a laptop is a personal
    request whatever its length, and stays an uncertain rejection for a reviewer."""
    e = ev(LONG_REQUEST, place=False)
    assert e.words >= 60 and e.shape is not None
    out = decision.decide(answered(Verdict.invalid, InvalidReason.prank, quote="laptop baru"), e, 1)
    assert out.verdict is Verdict.invalid and out.needs_review
    assert out.rules[:2] == ["long_message_kept_open", e.shape.rule]


def test_nothing_to_act_on_leaves_a_rejection_reopened_for_its_public_side_to_the_reviewer():
    text = "debt collector datang ke rumah saya"
    e = ev(text, place=False)
    assert e.public_angle and not e.services and not e.grievances
    out = decision.decide(answered(Verdict.invalid, InvalidReason.out_of_scope, quote="debt collector"), e, 1)
    assert out.verdict is Verdict.needs_info and out.needs_review
    assert "public_side_kept_open" in out.rules and "nothing_to_act_on" not in out.rules


def test_a_complaint_closed_as_a_non_complaint_is_not_also_asked_for_its_place():
    """The place is asked only of what the closing stage left a complaint."""
    text = "pak, mau tanya kapan pendaftaran cpns dibuka?"
    e = ev(text, place=False)
    for off in ((), {decision.LEARNED}):
        out = decision.decide(answered(Verdict.valid, quote="pendaftaran cpns"), e, 1, off=off)
        assert out.verdict is Verdict.invalid and out.reason is InvalidReason.not_a_complaint
        assert "no_place_needs_info" not in out.rules
    assert out.needs_review  # without the learned signals, nothing can confirm the rejection
