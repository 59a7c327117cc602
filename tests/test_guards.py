"""The second look at rejections and the place rule: deterministic, explainable, tested both ways."""

from __future__ import annotations

import dataclasses

import pytest

from triage.evals.fakes import evidence_for as ev
from triage.evals.fakes import model_rejection
from triage.judge import decision, kind_corrections, overrides, policy
from triage.judge.evidence import Evidence
from triage.rules import guards
from triage.schema import InvalidReason, MissingField, Outcome, Reason, TriageResult, Verdict


def result(verdict: Verdict, reason: InvalidReason | None = None, by: str = "model") -> TriageResult:
    return TriageResult(
        verdict=verdict,
        reason=reason,
        reasons=[Reason(statement="s", evidence="e")],
        missing_fields=[MissingField.location] if verdict is Verdict.needs_info else [],
        confidence=0.85,
        decided_by=by,  # type: ignore[arg-type]
    )


def read_as_junk(e: Evidence, junk: float, reason: str | None = None) -> Evidence:
    """The same evidence with the kind signal's reading set: P(junk), and its reason if given."""
    update: dict[str, object] = {"junk": junk}
    if reason is not None:
        update["junk_reason"] = reason
    return dataclasses.replace(e, signals=e.signals.model_copy(update=update))


def read_as_complaint(e: Evidence, complaint: float) -> Evidence:
    """The same evidence with the complaint signal's reading set."""
    return dataclasses.replace(e, signals=e.signals.model_copy(update={"complaint": complaint}))


COMPLAINT = "pemerintah goblok, jalan di desa kami rusak parah sudah 2 tahun tidak diperbaiki"


def test_a_rude_genuine_complaint_is_not_left_rejected():
    out = overrides.second_look(result(Verdict.invalid, InvalidReason.abusive), ev(COMPLAINT, place=False))
    assert out.verdict is Verdict.needs_info and out.reason is None
    assert out.needs_review and out.confidence <= 0.4
    assert "second_look_overturned_rejection" in out.rules and "abusive" in out.notes[-1]


def test_with_a_place_the_overturned_complaint_is_valid():
    out = overrides.second_look(result(Verdict.invalid, InvalidReason.prank), ev(COMPLAINT, place=True))
    assert out.verdict is Verdict.valid and out.missing_fields == []


@pytest.mark.parametrize(
    "text",
    [
        "petugas di kantor kelurahan tidak mau melayani pembuatan surat pindah, disuruh balik terus",
        "pelayanan di kantor samsat buruk sekali, petugasnya judes dan kasar ke warga",
        "ada program bantuan dari pemerintah tapi keluarga kami gak kedaftar padahal miskin",
        "banjir di perumahan kami sudah seminggu belum ditangani, air masuk rumah warga",
        "galian pasir di sungai dekat desa kami tolong di tutup pak, takut tebingnya longsor",
    ],
)
def test_a_service_refused_or_ignored_is_a_grievance(text):
    out = overrides.second_look(result(Verdict.invalid, InvalidReason.not_a_complaint), ev(text, place=False))
    assert out.verdict is not Verdict.invalid and out.needs_review


def test_three_words_that_name_a_programme_and_its_fault_are_a_report():
    out = overrides.second_look(
        result(Verdict.invalid, InvalidReason.not_a_complaint), ev("Bantuan PKH dipotong.")
    )
    assert (out.verdict, out.missing_fields) == (
        Verdict.needs_info,
        [MissingField.location],
    ) and out.needs_review
    r = result(Verdict.invalid, InvalidReason.not_a_complaint)
    assert overrides.second_look(r, ev("PKH dipotong")) is r  # two words: too little to reopen


def test_a_housing_estate_makes_an_overturned_complaint_specific():
    text = "banjir di perum taman ratu indah sudah masuk rumah warga, mohon segera ditangani pemda"
    out = overrides.second_look(result(Verdict.invalid, InvalidReason.not_a_complaint), ev(text, place=False))
    assert out.verdict is Verdict.valid


@pytest.mark.parametrize(
    "text",
    [
        "penyewa kos saya tidak mau keluar padahal sudah nunggak 4 bulan",  # private, not a service
        "hp saya sdh rusak kak, mau beli yang baru",  # "sdh" is sudah, not a school (sd)
    ],
)
def test_private_refusals_and_abbreviations_are_not_complaint_markers(text):
    services, grievances = guards.complaint_markers(text)
    assert not (services and grievances), (services, grievances)


def test_plain_insults_stay_rejected():
    text = "pemerintah goblok semua tidak becus, wapres cuma pencitraan dasar bodoh"
    r = result(Verdict.invalid, InvalidReason.abusive)
    assert overrides.second_look(r, ev(text, place=False)) is r


def test_court_cases_stay_out_of_scope():
    text = "kasus tanah saya sedang disidangkan di pengadilan negeri, tolong pak menangkan, jalan buntu"
    r = result(Verdict.invalid, InvalidReason.out_of_scope)
    assert overrides.second_look(r, ev(text, place=False)) is r


def test_prefilter_decisions_are_not_second_guessed():
    r = result(Verdict.invalid, InvalidReason.prank, by="prefilter")
    assert overrides.second_look(r, ev(COMPLAINT, place=False)) is r


def test_a_local_complaint_without_a_place_asks_for_it():
    out = overrides.needs_a_place(
        result(Verdict.valid), ev("lampu jalan mati semua, rawan begal", place=False)
    )
    assert out.verdict is Verdict.needs_info and out.missing_fields == [MissingField.location]


def test_national_bodies_need_no_place():
    r = result(Verdict.valid)
    assert (
        overrides.needs_a_place(r, ev("BPJS Kesehatan saya diblokir padahal iuran lunas", place=False)) is r
    )
    assert overrides.needs_a_place(r, ev("lampu jalan mati", place=True)) is r


def test_confidence_drops_for_risky_rejections():
    short = overrides.model_confidence(Verdict.invalid, InvalidReason.prank, ev("wkwk", place=False), 1)
    risky = overrides.model_confidence(
        Verdict.invalid, InvalidReason.not_a_complaint, ev(" ".join([COMPLAINT] * 4), place=True), 1
    )
    reasked = overrides.model_confidence(Verdict.valid, None, ev("x", place=True), 2)
    assert short == 0.85 and risky < 0.6 <= short and reasked == 0.65
    # a short rejection of a text naming a public service and a real place is not archived unread
    named = overrides.model_confidence(
        Verdict.invalid, InvalidReason.not_a_complaint, ev("oknum dukcapil demak legalisir", place=True), 1
    )
    assert named < 0.6


def test_a_governors_name_is_not_a_place_for_the_place_rule():
    from triage.evals.fakes import model_answer
    from triage.judge.pipeline import from_model
    from triage.schema import ModelJudgement

    text = "sudah setahun belum jadi ektp saya, mohon ditegur mas ganjar"
    answer = model_answer("belum jadi ektp saya", category="KEPENDUDUKAN", regency=None)
    result = from_model(ModelJudgement.model_validate(answer, context={"text": text}), text, 1)
    assert result.verdict.value == "needs_info"
    assert result.complaint is not None and result.complaint.location.province is not None
    assert result.complaint.location.province.name == "Jawa Tengah"


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("Masih mencari relawan arsitek untuk menata rumah tidak?", "invalid"),  # nothing to act on
        ("tolong pak, RT saya minta uang terus tiap ngurus surat", "valid"),  # a levy by the RT
        ("The streetlights on our road have been off for weeks. Please fix them.", "valid"),  # English
        ("dalan neng ndesoku rusak parah durung didandani", "valid"),  # Javanese
    ],
)
def test_short_texts_with_nothing_to_act_on_become_uncertain_rejections(text, verdict):
    from triage.evals.fakes import result_for

    result = overrides.nothing_to_act_on(result_for("valid"), ev(text, place=False))
    assert result.verdict.value == verdict
    if verdict == "invalid":
        assert result.needs_review and result.confidence < 0.6 and "nothing_to_act_on" in result.rules


def test_a_short_text_naming_a_real_place_is_left_to_the_model():
    from triage.evals.fakes import result_for

    text = "UUPD Tambora, Jakarta Barat."
    assert overrides.nothing_to_act_on(result_for("valid"), ev(text, place=True)).verdict.value == "valid"
    assert overrides.nothing_to_act_on(result_for("valid"), ev(text, place=False)).verdict.value == "invalid"


def test_a_long_message_rejected_as_chit_chat_is_kept_open_for_review():
    text = " ".join(["kami warga sudah lama menunggu dan berharap ada perhatian dari bapak"] * 6)
    out = overrides.long_message_kept_open(result(Verdict.invalid, InvalidReason.not_a_complaint), ev(text))
    assert out.verdict is Verdict.needs_info and out.needs_review and out.reason is None
    # spam stays spam however long, and a short text keeps the model's rejection
    spam = result(Verdict.invalid, InvalidReason.spam)
    assert overrides.long_message_kept_open(spam, ev(text)) is spam
    short = result(Verdict.invalid, InvalidReason.not_a_complaint)
    assert overrides.long_message_kept_open(short, ev("halo pak apa kabar")) is short


def test_a_rejection_keeps_the_place_the_text_names_for_the_reviewer():
    from triage.judge.pipeline import from_model
    from triage.schema import ModelJudgement

    text = "tes tes aja, desa Jragung kec Karangawen Demak"
    answer = model_rejection("uji coba", "tes tes aja", "prank")
    result = from_model(ModelJudgement.model_validate(answer, context={"text": text}), text, 1)
    assert result.verdict.value == "invalid" and result.complaint is None
    assert result.location is not None and result.location.regency is not None
    assert result.location.regency.name == "Kabupaten Demak"


@pytest.mark.parametrize(
    "text",
    [
        "tolong di rombak halte grogol, pengamen ngumpul tiap malam",
        "banjir di wilayah kapuk rw 02 dan 03 belum surut",
        "pabrik di Jl. Tambak Aji no. 1 buang limbah ke sungai",
        "ada tawuran di jalan prepedan raya tiap malam minggu",
    ],
)
def test_a_spot_a_person_can_find_is_a_place_for_the_place_rule(text):
    r = result(Verdict.valid)
    assert overrides.needs_a_place(r, ev(text, place=False)) is r


@pytest.mark.parametrize(
    "text",
    ["jalan rusak parah tolong diperbaiki", "lampu jalan depan rumah mati", "pasar yang kumuh dan becek"],
)
def test_a_road_or_market_without_a_name_still_needs_its_place(text):
    out = overrides.needs_a_place(result(Verdict.valid), ev(text, place=False))
    assert out.verdict is Verdict.needs_info and out.missing_fields == [MissingField.location]


def test_urgency_is_read_from_the_text():
    assert guards.threatens_safety("tiang listrik hampir rubuh di depan SD, membahayakan anak-anak")
    assert guards.threatens_safety("tetangga saya dianiaya oknum, mohon perlindungan")
    assert not guards.threatens_safety("KTP saya belum jadi sudah 3 bulan")
    assert not guards.threatens_safety("lampu jalan mati di gang kami")


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        # misconduct in an affixed form, with no public-service word at all (a village secretary)
        (InvalidReason.not_a_complaint, "mau jadi carik harus nyogok 70jt"),
        (InvalidReason.not_a_complaint, "ada gratifikasi waktu tender proyek itu"),
    ],
)
def test_a_rejection_naming_misconduct_is_overturned_for_a_reviewer(reason, text):
    before = result(Verdict.invalid, reason)
    e = ev(text)
    assert policy.route(before, gate_open=True, review_threshold=0.6) is Outcome.archived
    out = decision.corrected(before, e)
    assert out.rules == ["misconduct_kept_open"]
    assert (out.verdict, out.reason, out.missing_fields) == (
        Verdict.needs_info,
        None,
        [MissingField.location],
    )
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review
    assert decision.corrected(before, e, off={decision.PUBLIC_WORDS}).verdict is Verdict.invalid


@pytest.mark.parametrize(
    "text",
    [
        # public money misused: a twelfth real sample archived a would-be reporter's question
        # (written for this test, in no eval set)
        "apakah benar nomor ini untuk melapor penyelewengan dana desa",
        "bendahara desa menggelapkan uang bansos warga",
        "ada penggelapan dana BOS di sekolah anak saya",
    ],
)
def test_a_rejection_naming_embezzlement_is_not_archived(text):
    before = result(Verdict.invalid, InvalidReason.not_a_complaint)
    out = decision.corrected(before, ev(text))
    # reopened; the kind signal may close the question again, but only for a reviewer
    assert out.rules[0] in overrides.REOPENINGS
    assert policy.route(out, gate_open=True, review_threshold=0.6) in (Outcome.review, Outcome.ask_reporter)


def test_the_blind_probes_four_words_of_pungli_are_reopened():
    # the model said prank; too short for the second look until it read from three words on
    e = ev("Pungli di jembatan timbang.")
    out = decision.corrected(result(Verdict.invalid, InvalidReason.prank), e, off={decision.LEARNED})
    assert out.verdict is Verdict.needs_info and out.needs_review
    assert out.rules in (["second_look_overturned_rejection"], ["misconduct_kept_open"])
    # the labelled cases read it as a complaint too, so the reporter is asked where it is
    assert e.signals.junk < kind_corrections.GENUINE_BEYOND_DOUBT
    read = decision.corrected(result(Verdict.invalid, InvalidReason.prank), e)
    assert read.rules == [*out.rules, kind_corrections.REOPENING_CONFIRMED]
    assert policy.route(read, gate_open=True, review_threshold=0.6) is Outcome.ask_reporter


def test_ads_insults_the_signal_backs_and_texts_without_misconduct_keep_their_rejection():
    insult = result(Verdict.invalid, InvalidReason.abusive)
    e = ev("PEMERINTAH TAI SEMUA!!! KORUPTOR ANJING")
    assert e.misconduct and e.signals.abuse >= overrides.ABUSE_BACKS
    assert overrides.misconduct_kept_open(insult, e) is insult
    ad = result(Verdict.invalid, InvalidReason.spam)
    assert overrides.misconduct_kept_open(ad, ev("jasa calo SIM cepat jadi, hubungi kami")) is ad
    prank = result(Verdict.invalid, InvalidReason.prank)
    assert overrides.misconduct_kept_open(prank, ev("wkwk pak bupati ganteng")) is prank


# Written on 2026-12-07 for this test, in no eval set: junk of the labelled kinds in new words
@pytest.mark.parametrize(
    "text",
    [
        "Pak Wapres, tolong bulan purnama dibuat tiap malam saja biar anak saya berani main di luar.",
        "Adik saya pinjam laptop saya sejak tahun lalu dan sampai sekarang tidak pernah dikembalikan, padahal"
        " saya butuh untuk kerja. Tolong bapak tegur dia.",
    ],
)
def test_an_open_verdict_on_text_like_the_labelled_junk_is_an_uncertain_rejection(text):
    before = result(Verdict.valid)
    e = ev(text)
    assert overrides.no_public_matter(e) and e.signals.junk >= kind_corrections.JUNK_LIKE_CASES
    out = decision.corrected(before, e)
    assert out.verdict is Verdict.invalid and out.reason is InvalidReason(e.signals.junk_reason)
    assert out.needs_review and out.rules[0] == "like_the_labelled_junk"
    # the kind signal never confirms a rejection it made itself
    assert "confirmed_by_the_labelled_cases" not in out.rules
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review
    # the learned signals switched off: nothing rejects it (the place rule asks where instead)
    assert decision.corrected(before, e, off={decision.LEARNED}).verdict is not Verdict.invalid


@pytest.mark.parametrize(
    "text",
    [
        # a genuine report that also reads a little like a private plea: it names a public service
        "Pak tolong, anak saya ditolak berobat di puskesmas karena kartu BPJS belum aktif.",
        "Lampu jalan di Jalan Merdeka Kota Pontianak mati dua minggu, gelap sekali kalau malam.",
    ],
)
def test_a_text_that_shows_a_public_matter_keeps_the_models_verdict(text):
    before = result(Verdict.valid)
    e = ev(text)
    assert not overrides.no_public_matter(e)
    assert e.signals.junk < kind_corrections.JUNK_DESPITE_A_PUBLIC_MATTER
    assert kind_corrections.like_the_labelled_junk(before, e) is before


def test_a_public_matter_is_rejected_for_a_reviewer_only_when_the_labelled_cases_leave_no_doubt():
    # junk names services too: a plea for a job at a government office
    e = ev(
        "Pak mohon bantuannya saya sudah 2 tahun nganggur, tolong masukkan saya kerja di kantor kecamatan"
        " jadi honorer, saya siap kerja apa saja.",
        place=True,
    )
    assert not overrides.no_public_matter(e)

    before = result(Verdict.valid)
    below = kind_corrections.JUNK_DESPITE_A_PUBLIC_MATTER - 0.001
    assert kind_corrections.like_the_labelled_junk(before, read_as_junk(e, below)) is before
    out = decision.corrected(before, read_as_junk(e, kind_corrections.JUNK_DESPITE_A_PUBLIC_MATTER))
    assert out.verdict is Verdict.invalid and out.reason is InvalidReason(e.signals.junk_reason)
    assert out.rules[0] == "like_the_labelled_junk" and "names a public matter" in out.notes[-1]
    # never archived on the kind signal's word alone, however sure: it does not confirm itself
    sure = decision.corrected(before, read_as_junk(e, 0.999))
    assert "confirmed_by_the_labelled_cases" not in sure.rules
    assert policy.route(sure, gate_open=True, review_threshold=0.6) is Outcome.review
    # the learned signals switched off: the model's verdict goes on
    assert decision.corrected(before, read_as_junk(e, 0.999), off={decision.LEARNED}).verdict is Verdict.valid


def test_the_kind_signal_reads_a_souvenir_request_as_junk_and_a_road_complaint_as_genuine():
    junk = ev("Pak, boleh minta tanda tangan bapak di buku harian saya? Buat kenang-kenangan.").signals
    road = ev(
        "Jalan kabupaten di Desa Sumberejo Kecamatan Wonosari rusak berlubang sejak tahun lalu."
    ).signals
    assert junk.junk > 0.5 and junk.junk_reason == InvalidReason.not_a_complaint.value
    assert road.junk < 0.5


@pytest.mark.parametrize(
    "text",
    [
        # real handled complaints the model called "not a complaint", each archived in a sample: no
        # service word a list knows, but each reads likelier genuine than junk (a vehicle's
        # registration not updated, 0.2; street vendors barred from the town square, 0.44)
        "an gini pak ( nopol H5385RH belum terapdet di data sms) mohon bantuanya pak. terima kasih",
        "Assamungalaikum.  ......... Gmn pak rakyat wosobo   lama2mati ke laparan  seminja alun2 tidak d"
        " perboleh kan berjuwalan lagi   bantulah bapak   kasian rakyatnya.",
    ],
)
def test_a_rejection_the_kind_signal_reads_as_genuine_goes_to_a_person_not_the_archive(text):
    before = result(Verdict.invalid, InvalidReason.not_a_complaint)
    e = ev(text)
    assert e.signals.junk < kind_corrections.NOT_ARCHIVED_BELOW
    assert policy.route(before, gate_open=True, review_threshold=0.6) is Outcome.archived
    out = decision.corrected(before, e)
    assert (out.verdict, out.reason) == (Verdict.invalid, InvalidReason.not_a_complaint)
    assert "read_as_genuine" in out.rules
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review
    unread = decision.corrected(before, e, off={decision.LEARNED})
    assert policy.route(unread, gate_open=True, review_threshold=0.6) is Outcome.archived


@pytest.mark.parametrize(
    "text",
    [
        "SLOT GACOR hari ini! Daftar sekarang bonus 100% maxwin, hubungi WA 0812-3456-7890",
        "Pak Wapres, tolong bulan purnama dibuat tiap malam saja biar anak saya berani main di luar.",
    ],
)
def test_a_rejection_of_text_that_reads_like_junk_is_left_to_the_archive(text):
    before = result(Verdict.invalid, InvalidReason.prank)
    assert kind_corrections.read_as_genuine_not_archived(before, ev(text)) is before


# Written on 2026-12-07 for these tests, in no eval set: rejections a word rule makes against the
# model's "valid", which the kind signal reads as the same kind of junk
@pytest.mark.parametrize(
    ("text", "rule", "reason"),
    [
        (
            "Kakak ipar saya meminjam uang 5 juta dua tahun lalu dan tidak pernah mengembalikan,"
            " tolong bapak bantu tagih.",
            "private_dispute",
            InvalidReason.out_of_scope,
        ),
        (
            "Pak, saya minta dibantu modal usaha 10 juta untuk jualan bakso, saya janji akan bayar.",
            "nothing_to_act_on",
            InvalidReason.not_a_complaint,
        ),
    ],
)
def test_a_rule_s_rejection_the_kind_signal_agrees_with_is_archived(text, rule, reason):
    before = result(Verdict.valid)
    e = ev(text)
    assert e.signals.junk >= kind_corrections.CONFIRMS and e.signals.junk_reason == reason.value
    out = decision.corrected(before, e)
    assert (out.verdict, out.reason) == (Verdict.invalid, reason)
    assert out.rules == [rule, "confirmed_by_the_labelled_cases"] and not out.needs_review
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.archived
    # without the learned signals the rule's rejection stays uncertain, for a reviewer
    unread = decision.corrected(before, e, off={decision.LEARNED})
    assert (
        unread.rules == [rule]
        and policy.route(unread, gate_open=True, review_threshold=0.6) is Outcome.review
    )


def test_a_rule_s_rejection_is_confirmed_when_the_kind_signal_reads_junk_of_another_reason_too():
    e = ev("Mohon info pak, kapan bansos beras bulan depan dibagikan?")
    closed = decision.corrected(result(Verdict.valid), e, off={decision.LEARNED})
    assert (closed.verdict, closed.reason) == (Verdict.invalid, InvalidReason.not_a_complaint)

    for reading in ("not_a_complaint", "prank"):
        confirmed = kind_corrections.rejection_confirmed(closed, read_as_junk(e, 0.99, reading))
        assert not confirmed.needs_review and confirmed.rules[-1] == "confirmed_by_the_labelled_cases"
        assert policy.route(confirmed, gate_open=True, review_threshold=0.6) is Outcome.archived
        # the close stage's reason stands, with the quote that backs it; the reading is named
        assert confirmed.reason is InvalidReason.not_a_complaint and confirmed.reasons == closed.reasons
        assert reading in confirmed.notes[-1]
    # below the cut, whatever the reason, a reviewer reads it while the complaint signal finds a
    # complaint in it
    below = read_as_complaint(read_as_junk(e, kind_corrections.CONFIRMS - 0.001, "not_a_complaint"), 0.5)
    assert kind_corrections.rejection_confirmed(closed, below) is closed


@pytest.mark.parametrize(
    ("junk", "complaint", "confirmed"),
    [
        (kind_corrections.CONFIRMS_WITH_THE_COMPLAINTS, 0.19, True),  # both readings: junk
        (kind_corrections.CONFIRMS - 0.001, 0.19, True),
        (kind_corrections.CONFIRMS_WITH_THE_COMPLAINTS, 0.2, False),  # the corpora read a complaint
        (kind_corrections.CONFIRMS_WITH_THE_COMPLAINTS - 0.001, 0.0, False),  # the cases are unsure
        (kind_corrections.CONFIRMS, 0.9, True),  # the labelled cases alone, beyond doubt
    ],
)
def test_below_its_own_cut_a_rule_s_rejection_is_confirmed_where_the_complaint_signal_reads_junk_too(
    junk, complaint, confirmed
):
    e = ev("Mohon info pak, kapan bansos beras bulan depan dibagikan?")
    closed = decision.corrected(result(Verdict.valid), e, off={decision.LEARNED})
    out = kind_corrections.rejection_confirmed(closed, read_as_complaint(read_as_junk(e, junk), complaint))
    if confirmed:
        assert out.rules[-1] == "confirmed_by_the_labelled_cases"
        assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.archived
    else:
        assert out is closed
        assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review


def test_a_confirmed_rejection_naming_a_public_service_is_archived_but_the_model_s_alone_is_not():
    # a rule and the kind signal agree on a question about a puskesmas's hours: the net that keeps
    # a public service from the archive is for the model's word alone
    text = "Min mau tanya, jadwal buka puskesmas hari sabtu jam berapa ya? Terima kasih min."
    out = decision.corrected(result(Verdict.valid), ev(text))
    assert out.rules == ["information_question", "confirmed_by_the_labelled_cases"]
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.archived
    # the model's own rejection of the same text still goes to a person
    own = decision.corrected(result(Verdict.invalid, InvalidReason.not_a_complaint), ev(text))
    assert "public_service_not_archived" in own.rules
    assert policy.route(own, gate_open=True, review_threshold=0.6) is Outcome.review
    # and a confirmed rejection is still held by a threat, whatever the two readings say
    threat = decision.corrected(result(Verdict.valid), ev(text + " Kalau tutup, saya bakar puskesmasnya."))
    assert policy.route(threat, gate_open=True, review_threshold=0.6) is Outcome.review


def test_only_an_uncertain_rejection_by_the_close_stage_is_confirmed():
    e = ev("Pak, saya minta dibantu modal usaha 10 juta untuk jualan bakso, saya janji akan bayar.")
    for untouched in (
        result(Verdict.valid),  # open
        result(Verdict.invalid, InvalidReason.not_a_complaint),  # the model's own rejection
        result(Verdict.invalid, InvalidReason.not_a_complaint, by="prefilter").model_copy(
            update={"needs_review": True}
        ),
    ):
        assert kind_corrections.rejection_confirmed(untouched, e) is untouched


def test_the_model_s_own_rejection_closed_again_is_never_confirmed():
    # the same uncertain rejection the close stage makes of the model's "valid" is confirmed; had
    # the model itself rejected the text (a reading then reopened it, the close stage closed it
    # again), the evidence records it and the rejection stays with a reviewer
    e = ev("Pak, saya minta dibantu modal usaha 10 juta untuk jualan bakso, saya janji akan bayar.")
    closed = decision.corrected(result(Verdict.valid), e, off={decision.LEARNED})
    assert closed.needs_review and closed.verdict is Verdict.invalid
    from_open = dataclasses.replace(e, model_verdict=Verdict.valid)
    from_rejection = dataclasses.replace(e, model_verdict=Verdict.invalid)
    assert (
        kind_corrections.rejection_confirmed(closed, from_open).rules[-1] == "confirmed_by_the_labelled_cases"
    )
    assert kind_corrections.rejection_confirmed(closed, from_rejection) is closed
    # the stages record the verdict they start from as the model's
    assert decision.corrected(result(Verdict.valid), e).rules[-1] == "confirmed_by_the_labelled_cases"
    assert decision.corrected(result(Verdict.valid), from_rejection).needs_review


def test_a_report_the_kind_signal_reads_as_junk_is_read_by_a_person_before_anyone_is_asked():
    # written on 2026-12-07 for this test, in no eval set: a plea for a job the model calls valid,
    # with no place, so the place rule would ask the sender where he lives
    text = (
        "Yth bapak, saya lulusan SMA tahun lalu dan sampai sekarang belum dapat pekerjaan, mohon bapak"
        " bantu saya supaya bisa diterima kerja jadi PNS atau honorer di kantor pemerintah."
    )
    e = ev(text, place=False)

    asked = decision.corrected(result(Verdict.valid), read_as_junk(e, kind_corrections.JUNK_NOT_ASKED - 0.01))
    assert asked.rules == ["no_place_needs_info"]
    assert policy.route(asked, gate_open=True, review_threshold=0.6) is Outcome.ask_reporter
    held = decision.corrected(result(Verdict.valid), read_as_junk(e, kind_corrections.JUNK_NOT_ASKED))
    # the verdict stands: a genuine report only waits for a reviewer, who can still ask
    assert held.verdict is Verdict.needs_info and held.rules[-1] == "read_as_junk_not_asked"
    assert policy.route(held, gate_open=True, review_threshold=0.6) is Outcome.review
    # the learned signals switched off: the question is asked
    unread = decision.corrected(result(Verdict.valid), read_as_junk(e, 0.99), off={decision.LEARNED})
    assert policy.route(unread, gate_open=True, review_threshold=0.6) is Outcome.ask_reporter
    # never a report already going to a person, nor one going to SP4N
    for untouched in (asked.model_copy(update={"needs_review": True}), result(Verdict.valid)):
        assert kind_corrections.read_as_junk_not_asked(untouched, read_as_junk(e, 0.99)) is untouched


def test_a_reopened_rejection_the_kind_signal_reads_as_a_complaint_goes_on_without_a_reviewer():
    # the model called a specific complaint a prank; the word lists reopen it and the labelled
    # cases read it as genuine: two readings against the model's one, so it goes on
    e = read_as_junk(ev(COMPLAINT, place=True), 0.1)
    out = decision.corrected(result(Verdict.invalid, InvalidReason.prank), e)
    assert out.rules == ["second_look_overturned_rejection", kind_corrections.REOPENING_CONFIRMED]
    assert out.verdict is Verdict.valid and not out.needs_review and out.confidence == 0.9
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.sp4n
    # with no place, the reporter is asked where, not held for a reviewer
    unplaced = decision.corrected(
        result(Verdict.invalid, InvalidReason.not_a_complaint), read_as_junk(ev(COMPLAINT, place=False), 0.1)
    )
    assert unplaced.verdict is Verdict.needs_info and unplaced.missing_fields == [MissingField.location]
    assert policy.route(unplaced, gate_open=True, review_threshold=0.6) is Outcome.ask_reporter


@pytest.mark.parametrize(
    ("junk", "reason", "off"),
    [
        (kind_corrections.GENUINE_BEYOND_DOUBT, InvalidReason.prank, ()),  # at the cut: not beyond doubt
        (0.1, InvalidReason.abusive, ()),  # insults name services and grievances too
        (0.1, InvalidReason.prank, (decision.LEARNED,)),  # no learned reading, no second opinion
    ],
)
def test_a_reopened_rejection_stays_with_a_reviewer_unless_the_labelled_cases_find_a_complaint(
    junk, reason, off
):
    # the real complaints not sure of it either (`read_as_a_complaint`)
    e = read_as_complaint(read_as_junk(ev(COMPLAINT, place=True), junk), 0.5)
    out = decision.corrected(result(Verdict.invalid, reason), e, off=off)
    assert out.rules == ["second_look_overturned_rejection"] and out.needs_review
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review


def test_a_reopened_rejection_read_as_a_complaint_is_still_held_by_a_threat_or_an_open_verdict():
    threat = read_as_junk(
        ev(COMPLAINT + ". Kalau tidak diperbaiki saya bakar kantor desanya.", place=True), 0.1
    )
    out = decision.corrected(result(Verdict.invalid, InvalidReason.prank), threat)
    assert kind_corrections.REOPENING_CONFIRMED in out.rules and out.urgent
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review
    # only a rejection by the model that the first stage reopened: never the model's own open verdict
    e = read_as_junk(ev(COMPLAINT, place=True), 0.1)
    held = result(Verdict.valid).model_copy(update={"needs_review": True, "rules": ["sender_laughs"]})
    assert (
        kind_corrections.reopening_confirmed(held, dataclasses.replace(e, model_verdict=Verdict.valid))
        is held
    )
    assert (
        kind_corrections.reopening_confirmed(held, dataclasses.replace(e, model_verdict=Verdict.invalid))
        is held
    )


@pytest.mark.parametrize(
    "text",
    [
        # written for this test, in no eval set: English complaints of a service cut (a fifth
        # writer's blind batch had an English PLN complaint rejected as spam for a reviewer)
        "For two weeks PLN has been cutting power every evening in our street in Kota Kupang, no notice.",
        "Water outage again in Perumnas Sorong since Monday, the PDAM office ignored our calls.",
        # a benefit taken away, a charge that should not be (an eighth writer's English BPJS plea
        # was rejected as spam for a reviewer)
        "My mother's KIS card was deactivated last month and the puskesmas in Ambon made us pay.",
    ],
)
def test_an_english_complaint_of_a_service_cut_names_a_service_and_its_fault(text):
    services, grievances = guards.complaint_markers(text)
    assert services and grievances
    out = decision.corrected(result(Verdict.valid), ev(text, place=True))
    assert not any(r.startswith("signals_") for r in out.rules)


def test_an_english_ad_names_no_fault():
    # an English promotion that names a service keeps its spam reading for the classifiers
    _, grievances = guards.complaint_markers(
        "Pay your electricity bill with our app and get 50% cashback today!"
    )
    assert grievances == []


# written on 2026-12-07 for these tests, in no eval set: a plea from a person afraid to report
AFRAID = "Pak tolong, saya takut melapor karena pak kades mengancam warga yang protes soal bantuan beras."


def test_a_plea_in_distress_the_labelled_cases_read_as_genuine_is_asked_not_rejected():
    e = read_as_junk(ev(AFRAID, place=False), 0.1)
    assert e.distress is not None
    out = decision.corrected(result(Verdict.invalid, InvalidReason.not_a_complaint), e)
    assert out.rules[:2] == [overrides.DISTRESS, kind_corrections.REOPENING_CONFIRMED]
    assert out.verdict is Verdict.needs_info and out.reason is None and not out.needs_review
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.ask_reporter


@pytest.mark.parametrize(
    ("junk", "reason", "verdict"),
    [
        # likelier genuine than junk, not beyond doubt: reopened, for a reviewer
        (kind_corrections.GENUINE_BEYOND_DOUBT, InvalidReason.not_a_complaint, Verdict.needs_info),
        # the model's abuse rejection: reopened, but a reviewer reads it
        (0.1, InvalidReason.abusive, Verdict.needs_info),
        # read as junk: the rejection stands, still never archived
        (kind_corrections.GENUINE_BELOW, InvalidReason.not_a_complaint, Verdict.invalid),
    ],
)
def test_a_plea_in_distress_goes_to_a_reviewer_unless_read_as_genuine_beyond_doubt(junk, reason, verdict):
    e = read_as_complaint(read_as_junk(ev(AFRAID, place=False), junk), 0.5)
    out = decision.corrected(result(Verdict.invalid, reason), e)
    assert out.verdict is verdict and out.needs_review
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review


def test_a_spam_rejection_or_a_text_without_distress_is_not_reopened_as_a_plea():
    e = read_as_junk(ev(AFRAID, place=False), 0.1)
    spam = result(Verdict.invalid, InvalidReason.spam)
    assert kind_corrections.distress_read_as_genuine(spam, e) is spam
    calm = read_as_junk(ev("Pak tolong, harga beras di pasar naik terus.", place=False), 0.1)
    rejected = result(Verdict.invalid, InvalidReason.not_a_complaint)
    assert calm.distress is None and kind_corrections.distress_read_as_genuine(rejected, calm) is rejected
    # the learned signals switched off: the plea is never reopened, and never archived either
    off = decision.corrected(rejected, e, off={decision.LEARNED})
    assert off.verdict is Verdict.invalid and "distress_not_archived" in off.rules


# written for these tests, in no eval set: a joke with no public matter the model calls valid
JOKE = "Pak, kucing saya tiap malam nyanyi dangdut di atas genteng, mohon ditangkap biar saya bisa tidur."


def test_a_rejection_the_labelled_cases_and_the_real_complaints_both_read_as_junk_is_archived():
    e = read_as_complaint(read_as_junk(ev(JOKE, place=False), 0.97, "prank"), 0.05)
    out = decision.corrected(result(Verdict.valid), e)
    assert out.rules == [kind_corrections.LIKE_THE_LABELLED_JUNK, kind_corrections.LABELLED_JUNK_CONFIRMED]
    assert out.verdict is Verdict.invalid and out.reason is InvalidReason.prank and not out.needs_review
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.archived


@pytest.mark.parametrize(
    ("junk", "complaint", "off"),
    [
        (kind_corrections.CONFIRMS - 0.01, 0.05, ()),  # the labelled cases are not sure enough
        (0.97, overrides.NOT_A_COMPLAINT_BELOW, ()),  # the real complaints find a complaint
        (0.97, 0.05, (decision.LEARNED,)),  # no learned reading: the model's "valid" stands
    ],
)
def test_a_rejection_by_the_labelled_cases_alone_stays_with_a_reviewer(junk, complaint, off):
    e = read_as_complaint(read_as_junk(ev(JOKE, place=False), junk, "prank"), complaint)
    out = decision.corrected(result(Verdict.valid), e, off=off)
    assert kind_corrections.LABELLED_JUNK_CONFIRMED not in out.rules
    assert policy.route(out, gate_open=True, review_threshold=0.6) is not Outcome.archived


def test_a_confirmed_labelled_junk_rejection_is_still_held_by_distress_or_an_identity_number():
    afraid = read_as_complaint(read_as_junk(ev(JOKE + " Saya takut.", place=False), 0.97, "prank"), 0.05)
    out = decision.corrected(result(Verdict.valid), afraid)
    assert kind_corrections.LABELLED_JUNK_CONFIRMED in out.rules and out.needs_review
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review


# written for these tests, in no eval set: a real complaint told as a joke, and a prank with a laugh
SARCASM = "wkwk jalan desa kami di Kabupaten Demak udah kayak sawah pak, 3 tahun gak pernah diperbaiki"


def test_a_sarcastic_complaint_the_labelled_cases_read_as_genuine_is_not_held_for_its_laugh():
    e = read_as_junk(ev(SARCASM, place=True), 0.1)
    assert e.laughter and e.services
    out = decision.corrected(result(Verdict.valid), e)
    assert "sender_laughs" not in out.rules
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.sp4n
    # read at the cut, or with the learned signals off: the laugh sends it to a person
    for held in (
        decision.corrected(result(Verdict.valid), read_as_junk(e, kind_corrections.GENUINE_BEYOND_DOUBT)),
        decision.corrected(result(Verdict.valid), e, off={decision.LEARNED}),
    ):
        assert held.rules[-1] == "sender_laughs"
        assert policy.route(held, gate_open=True, review_threshold=0.6) is Outcome.review


def test_a_laugh_with_no_public_service_goes_to_a_person_however_genuine_it_reads():
    e = read_as_junk(ev("wkwk pak wapres kapan main ke rumah, nanti saya traktir bakso", place=True), 0.1)
    assert e.laughter and not e.services
    out = kind_corrections.laughter_unless_read_as_genuine(result(Verdict.valid), e)
    assert out.rules == ["sender_laughs"] and out.needs_review


@pytest.mark.parametrize(
    ("junk", "outcome"),
    [
        # not junk beyond doubt to the labelled cases: a person reads the model's rejection
        (kind_corrections.NOT_ARCHIVED_BELOW - 0.05, Outcome.review),
        (kind_corrections.NOT_ARCHIVED_BELOW, Outcome.archived),
    ],
)
def test_a_terse_rejection_is_archived_only_where_the_labelled_cases_read_junk(junk, outcome):
    # written for this test, in no eval set: a terse real grievance the model calls "not a complaint"
    e = read_as_junk(ev("tim penilai ini kok gak lolos terus?", place=False), junk)
    out = decision.corrected(result(Verdict.invalid, InvalidReason.not_a_complaint), e)
    assert policy.route(out, gate_open=True, review_threshold=0.6) is outcome


# written for these tests, in no eval set: a genuine complaint in words no list holds
UNLISTED = "air got mampet di depan gang kami sudah seminggu meluap ke rumah warga Kabupaten Demak"


@pytest.mark.parametrize(
    ("junk", "complaint", "outcome"),
    [
        (0.4, kind_corrections.COMPLAINT_BEYOND_DOUBT, Outcome.sp4n),  # both readings find a complaint
        (0.4, kind_corrections.COMPLAINT_BEYOND_DOUBT - 0.01, Outcome.review),  # the real ones do not
        (kind_corrections.GENUINE_BELOW, 0.99, Outcome.review),  # the labelled cases do not
        (kind_corrections.GENUINE_BEYOND_DOUBT - 0.01, 0.1, Outcome.sp4n),  # genuine beyond doubt
    ],
)
def test_a_text_naming_no_listed_public_matter_goes_on_where_both_learned_readings_find_a_complaint(
    junk, complaint, outcome
):
    e = read_as_complaint(read_as_junk(ev(UNLISTED, place=True), junk), complaint)
    assert overrides.no_public_matter(e)  # no service, official or grievance the word lists know
    out = decision.corrected(result(Verdict.valid), e)
    assert policy.route(out, gate_open=True, review_threshold=0.6) is outcome


@pytest.mark.parametrize(
    ("junk", "complaint", "goes_on"),
    [
        (0.4, kind_corrections.COMPLAINT_BEYOND_DOUBT, True),
        (0.4, 0.5, False),
        (kind_corrections.GENUINE_BELOW, 0.99, False),
    ],
)
def test_a_reopened_rejection_goes_on_where_the_real_complaints_read_it_as_one_of_theirs(
    junk, complaint, goes_on
):
    e = read_as_complaint(read_as_junk(ev(COMPLAINT, place=True), junk), complaint)
    out = decision.corrected(result(Verdict.invalid, InvalidReason.prank), e)
    assert out.rules[0] == "second_look_overturned_rejection"
    assert (kind_corrections.REOPENING_CONFIRMED in out.rules) is goes_on
    assert policy.route(out, gate_open=True, review_threshold=0.6) is (
        Outcome.sp4n if goes_on else Outcome.review
    )


@pytest.mark.parametrize(("junk", "rejected"), [(0.1, False), (kind_corrections.GENUINE_BEYOND_DOUBT, True)])
def test_the_spam_signal_does_not_overrule_a_complaint_the_labelled_cases_read_as_genuine(junk, rejected):
    # written for this test, in no eval set: English, which the SMS-trained spam signal reads as ads
    text = "The garbage at the TPS on our street in Kota Kupang has not been picked up for two weeks."
    e = read_as_complaint(read_as_junk(ev(text, place=True), junk), 0.01)
    e = dataclasses.replace(e, signals=e.signals.model_copy(update={"spam": 0.8}))
    out = decision.corrected(result(Verdict.valid), e)
    assert ("signals_spam" in out.rules) is rejected
    assert out.verdict is (Verdict.invalid if rejected else Verdict.valid)


# Written on 2026-12-08 for these tests, in no eval set: a plea for a job written as a letter, and a
# road complaint, each of which the model called valid
JOB_PLEA = (
    "Selamat siang Pak, saya lulusan SMA tahun lalu dari Kabupaten Maros, sudah melamar kemana-mana"
    " belum dapat kerja. Mohon Bapak membantu saya agar bisa bekerja di kantor pemerintah. Terima kasih"
    " banyak Pak."
)
ROAD = (
    "Jalan poros Desa Lamasi Kecamatan Lamasi Kabupaten Luwu rusak parah sudah 2 tahun, banyak lubang"
    " dan pengendara jatuh, mohon segera diperbaiki dinas PU."
)


def test_a_report_the_kind_signal_reads_as_junk_waits_for_a_person_before_it_is_sent():
    e = ev(JOB_PLEA)
    assert kind_corrections.JUNK_NOT_SENT <= e.signals.junk < kind_corrections.JUNK_DESPITE_A_PUBLIC_MATTER
    out = decision.corrected(result(Verdict.valid), e)
    # held, not rejected: the verdict stands for the reviewer, so a genuine report only waits
    assert out.verdict is Verdict.valid and out.needs_review and "read_as_junk_not_sent" in out.rules
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review
    # without the learned signals the model's verdict sends it on
    unread = decision.corrected(result(Verdict.valid), e, off={decision.LEARNED})
    assert policy.route(unread, gate_open=True, review_threshold=0.6) is Outcome.sp4n
    # a complaint the labelled cases read as genuine goes on
    road = decision.corrected(result(Verdict.valid), ev(ROAD))
    assert policy.route(road, gate_open=True, review_threshold=0.6) is Outcome.sp4n


@pytest.mark.parametrize(
    ("verdict", "junk", "held"),
    [
        (Verdict.valid, kind_corrections.JUNK_NOT_SENT, True),
        (Verdict.valid, kind_corrections.JUNK_NOT_SENT - 0.001, False),
        (Verdict.needs_info, 0.8, False),  # a question to the reporter has its own cut
        (Verdict.invalid, 0.8, False),
    ],
)
def test_only_a_report_on_its_way_to_sp4n_is_held_for_its_reading(verdict, junk, held):
    before = result(verdict, InvalidReason.not_a_complaint if verdict is Verdict.invalid else None)
    out = kind_corrections.read_as_junk_not_sent(before, read_as_junk(ev(JOB_PLEA), junk, "not_a_complaint"))
    assert (out is not before) is held
    if held:
        assert out.verdict is verdict and out.needs_review and "junk 0.75" in out.notes[-1]
