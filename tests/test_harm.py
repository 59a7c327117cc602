"""Threats go to a person at once, and a person in distress is never archived unseen."""

from __future__ import annotations

import dataclasses

import pytest

from triage.evals.fakes import evidence_for as ev
from triage.judge import overrides, policy
from triage.rules import harm
from triage.schema import InvalidReason, MissingField, Outcome, Reason, TriageResult, Verdict


def rejected(reason: InvalidReason, confidence: float = 0.85) -> TriageResult:
    return TriageResult(
        verdict=Verdict.invalid,
        reason=reason,
        reasons=[Reason(statement="s", evidence="e")],
        missing_fields=[],
        confidence=confidence,
    )


@pytest.mark.parametrize(
    "text",
    [
        "saya akan membakar kantor kecamatan besok",
        "awas kalau tidak diperbaiki, kantor desa saya bakar!",
        "kalian semua akan saya habisi",
        "gw bakal bakar kantor lurah",
        "kami siap serang kantor bupati",
        "awas kalian pegawai kecamatan, tunggu saja pembalasan saya",
        "besok saya bawa parang ke kantor kelurahan",
        "gw bawa golok ke balai desa kalau tidak cair",
        # a weapon carried to "you", stones thrown
        "lu tunggu di rumah, nanti malam gue datang bawa clurit",
        "kalau bansos tidak cair, kantor desa kami lempar batu semua",
        # the root with its suffix (a blind probe, asked a polite question before)
        "kalau bantuan saya tidak cair minggu ini, rumah bapak saya lempari batu",
        # what sets a fire, carried to "your" building
        "Petugas PLN kalian semua maling, besok gue datang bawa bensin ke kantor kalian.",
        "awas ya, saya bawa minyak tanah ke rumah kamu malam ini",
        # the sender as a chat spells him, a weapon made ready (a blind batch by another writer,
        # asked where he lives before: "sy pastikan dia pulang tinggal nama. sy sdh siapkan parang")
        "sy sdh siapkan parang buat kades kalau berani datang lagi",
        "aq udah nyiapin golok, tinggal tunggu camat lewat",
        "sy bakar kantor desa kalau bansos gak cair",
        # the sender as the verb's proclitic, Indonesian "ku-" and Javanese "tak-" (three blind
        # batches by other writers: one archived as the model's own rejection, none marked urgent)
        "sekali lagi kau tagih pungutan itu, kupatahkan tanganmu",
        "lurah iku nek ora gelem mbayar, tak antemi tenan",
        "awas ya pak camat, ku bacok kalau ketemu di pasar",
        "kami sendiri yang bakar balai desa itu kalau dana tidak dibagi",
        # fuel and a lighter carried together (a fifth writer's blind batch, asked where he lives)
        "tinggal tunggu tanggal mainnya aja, gw bawa bensin sama korek",
        "saya siapkan bensin dan korek api, kantor itu tinggal tunggu waktu",
        # fuel made ready, then an office razed (an eighth writer's blind batch: not marked urgent)
        "gw udh bawa bensin 3 jeriken. liat aja besok balai desa itu tinggal abu",
    ],
)
def test_a_sender_who_threatens_violence_is_found(text):
    assert harm.threat_of_violence(text)


@pytest.mark.parametrize(
    "text",
    [
        "Tetangga saya membakar sampah tiap hari, asapnya masuk rumah",
        "warga akan membakar sampah di lapangan",
        "rumah warga terbakar tadi malam, tolong bantuan",
        "kalau tidak diperbaiki kami akan demo ke kantor bupati",
        "saya dipukul petugas satpol pp waktu berjualan",
        "warga membawa parang saat kerja bakti membersihkan saluran",
        "preman membawa golok memalak pedagang pasar, polisi diam saja",
        "saya membawa bensin untuk genset posko banjir",
        # stones thrown by others, a weapon carried by the one reported
        "anak-anak sering lempar batu ke kereta di perlintasan Desa Karangjati",
        "kamu tahu pak, preman pasar itu selalu bawa golok kalau menagih",
        # fuel carried for a generator, or as aid to "your" people, is no threat
        "saya bawa bensin ke rumah buat genset karena listrik padam",
        "kami bawa minyak tanah buat warga kalian yang kebanjiran",
        # fuel and a lighter bought, or their prices, are no kit carried
        "sy beli bensin sama korek di warung, harganya naik terus",
        "harga bensin dan korek api di desa kami mahal sekali",
        # his own house razed by a flood, beside fuel for a generator: a report, not a threat
        "saya sudah siapkan bensin untuk genset, rumah kami rata dengan tanah karena gempa",
        "saya bawa bensin buat motor. gudang sebelah hangus terbakar kemarin",
        # a chat's "sy" with a weapon word nowhere, or fire with no weapon carried
        "sy sdh bawa anak ke puskesmas tp ditolak krn bpjs",
        "sy lagi bakar sampah di belakang rumah, asapnya kena tetangga",
        # "tak" as "not", "ku" opening another word
        "sampah di TPS tak dibakar dan tak diangkut sebulan",
        "bantuan tak kunjung cair, kuburan desa juga tak terurus",
        "jembatan tak hancur tapi retak, warga khawatir",
    ],
)
def test_complaints_about_fire_or_violence_are_not_threats(text):
    assert harm.threat_of_violence(text) is None


def test_a_threat_goes_to_a_person_urgent_whatever_the_verdict():
    text = "kalau jalan tidak diperbaiki minggu ini, kantor desa saya bakar!"
    out = overrides.threat_goes_to_a_person(rejected(InvalidReason.abusive), ev(text))
    assert out.needs_review and out.urgent and "threat_of_violence" in out.rules
    assert out.verdict is Verdict.invalid and out.reason is InvalidReason.abusive
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review


def test_a_plea_in_distress_is_read_by_a_person_not_archived():
    text = "pak saya takut melapor, kepala desa kami mengancam warga"
    before = rejected(InvalidReason.not_a_complaint)
    assert policy.route(before, gate_open=True, review_threshold=0.6) is Outcome.archived
    out = overrides.distress_never_archived(before, ev(text))
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review
    assert "distress_not_archived" in out.rules


def test_distress_words_do_not_rescue_spam_nor_touch_a_complaint():
    spam = rejected(InvalidReason.spam)
    assert overrides.distress_never_archived(spam, ev("takut ketinggalan? promo slot gacor hari ini")) is spam
    plain = rejected(InvalidReason.prank)
    assert overrides.distress_never_archived(plain, ev("wkwkwk tes doang")) is plain


def test_a_rejected_message_about_an_earlier_report_is_asked_about_not_archived():
    text = "pak laporan saya kemarin soal KTP kok belum ada kabar?"
    out = overrides.followup_asked_about(rejected(InvalidReason.not_a_complaint), ev(text))
    assert out.verdict is Verdict.needs_info and "followup_to_a_report" in out.rules
    assert policy.route(out, gate_open=True, review_threshold=0.6) is not Outcome.archived
    chit_chat = rejected(InvalidReason.not_a_complaint)
    assert overrides.followup_asked_about(chit_chat, ev("selamat pagi pak, semoga sehat selalu")) is chit_chat


def accepted(verdict: Verdict) -> TriageResult:
    return TriageResult(
        verdict=verdict,
        reason=None,
        reasons=[Reason(statement="s", evidence="e")],
        missing_fields=[MissingField.location] if verdict is Verdict.needs_info else [],
        confidence=0.85,
    )


@pytest.mark.parametrize(
    "text",
    [
        "Tetangga saya menyebar gosip tentang keluarga saya, tolong dia diperingatkan",
        "lapor! bulan di kampung kami kurang terang, mohon ditambah satu lagi",
    ],
)
def test_a_message_naming_no_public_matter_is_read_before_its_sender_is_asked(text):
    for verdict in (Verdict.valid, Verdict.needs_info):
        before = accepted(verdict)
        assert policy.route(before, gate_open=True, review_threshold=0.6) is not Outcome.review
        out = overrides.no_public_matter_goes_to_a_person(before, ev(text, place=False))
        assert out.verdict is verdict and "no_public_matter" in out.rules  # the verdict stands
        assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review


@pytest.mark.parametrize(
    "text",
    [
        "jalan rusak parah tolong diperbaiki",  # a public service and a grievance
        "kepala desa minta uang untuk tanda tangan surat",  # an official
        "BPJS saya ditolak terus",  # a national body
    ],
)
def test_a_message_naming_a_public_matter_goes_on_as_judged(text):
    before = accepted(Verdict.needs_info)
    assert overrides.no_public_matter_goes_to_a_person(before, ev(text, place=False)) is before


@pytest.mark.parametrize(
    ("reason", "text"),
    [
        (
            InvalidReason.not_a_complaint,
            "mau tanya aja pak klo dana desa untuk bangunannya kaya gini apa sesuai ya pak",
        ),
        # "abusive" the abuse signal does not back: a report of violence by an official reads to
        # the model like abuse itself
        (
            InvalidReason.abusive,
            "Saya adukan wali kelas anak saya yang menampar murid di depan kelas sampai pipinya bengkak",
        ),
    ],
)
def test_a_rejection_naming_a_public_service_is_read_by_a_person_not_archived(reason, text):
    before = rejected(reason).model_copy(update={"decided_by": "model"})
    e = ev(text)
    assert e.signals.abuse < overrides.ABUSE_BACKS
    assert policy.route(before, gate_open=True, review_threshold=0.6) is Outcome.archived
    out = overrides.a_public_service_is_not_archived_unseen(before, e)
    assert "public_service_not_archived" in out.rules
    assert out.verdict is Verdict.invalid and out.reason is reason
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review


def test_abuse_the_signal_backs_keeps_its_archive():
    insult = "kepala dinas goblok, otak udang, dasar pejabat tolol"
    before = rejected(InvalidReason.abusive).model_copy(update={"decided_by": "model"})
    e = ev(insult)
    assert e.services and e.signals.abuse >= overrides.ABUSE_BACKS
    assert overrides.a_public_service_is_not_archived_unseen(before, e) is before


def test_spam_and_texts_naming_no_public_service_keep_their_archive():
    spam = rejected(InvalidReason.spam).model_copy(update={"decided_by": "model"})
    ad = "promo KTP cepat jadi, hubungi kami"
    assert overrides.a_public_service_is_not_archived_unseen(spam, ev(ad)) is spam
    chat = rejected(InvalidReason.not_a_complaint).model_copy(update={"decided_by": "model"})
    greeting = ev("selamat pagi pak, sehat selalu")
    assert overrides.a_public_service_is_not_archived_unseen(chat, greeting) is chat


@pytest.mark.parametrize(
    ("text", "laugh"),
    [
        ("lampu taman kota tolong diganti warna pink biar romantis wkwkwk", "wkwkwk"),
        ("pak tolong sungai depan rumah dipindah ke belakang, hahaha", "hahaha"),
        ("sekolah anak saya minta libur setahun pak 🤣", "🤣"),
        ("Jalan kampung kami mau dijadikan sirkuit balap, awokwok", "awokwok"),
    ],
)
def test_a_sender_who_laughs_is_read_before_he_is_asked_or_anything_is_sent(text, laugh):
    e = ev(text, place=True)
    assert e.laughter == laugh
    for verdict in (Verdict.valid, Verdict.needs_info):
        before = accepted(verdict)
        out = overrides.laughter_goes_to_a_person(before, e)
        assert out.verdict is verdict and "sender_laughs" in out.rules  # the verdict stands
        assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review


@pytest.mark.parametrize(
    "text",
    [
        "Hi pak, jalan di desa kami rusak parah sejak Januari",  # a greeting, not laughter
        "SPP kelas XI dan XII di SMA kami naik dua kali lipat",  # class names
        "Assalamualaikum wr.wb, lampu jalan di RT 03 mati sebulan",  # a salutation's end
        "Pak, ha ini yang saya maksud, jembatan putus belum diperbaiki",  # a short interjection
    ],
)
def test_a_report_without_laughter_goes_on_as_judged(text):
    e = ev(text, place=True)
    assert e.laughter is None
    before = accepted(Verdict.valid)
    assert overrides.laughter_goes_to_a_person(before, e) is before


def test_laughter_does_not_reopen_a_rejection():
    before = rejected(InvalidReason.prank)
    assert overrides.laughter_goes_to_a_person(before, ev("wkwk jalan rusak", place=True)) is before


@pytest.mark.parametrize(
    "text",
    [
        "NIK 3374010101900003 nama Budi Santoso",  # a valid NIK, with its label
        "ini nik saya 337401********03 sesuai permintaan",  # masked as the system shows it
        "NIK [NOMOR] nama Siti Aminah",  # as the public LaporGub export writes a number
        "Budi, 3374010101900003, Semarang Tengah",  # a bare NIK that is valid
        "No. KTP 3374 0101 0190 0003",
    ],
)
def test_a_rejected_sender_who_gives_his_identity_number_is_read_by_a_person(text):
    e = ev(text)
    assert e.identity_given
    before = rejected(InvalidReason.not_a_complaint).model_copy(update={"decided_by": "model"})
    assert policy.route(before, gate_open=True, review_threshold=0.6) is Outcome.archived
    out = overrides.identity_never_archived(before, e)
    assert out.verdict is Verdict.invalid and "identity_given_not_archived" in out.rules
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review  # not asked


@pytest.mark.parametrize(
    "text",
    [
        "Segera kirim NIK dan nomor KK anda untuk pencairan bansos",  # asks for a number, gives none
        "Transfer ke rekening 0881-1010-3433-4506 a.n. Rasto",  # 16 digits, not a valid NIK
        "hubungi 0812 3456 7890 1234 sekarang",
    ],
)
def test_a_request_for_a_number_or_a_number_that_is_no_nik_is_not_identity(text):
    assert ev(text).identity_given is None


def test_spam_giving_a_number_keeps_its_archive():
    spam = rejected(InvalidReason.spam).model_copy(update={"decided_by": "model"})
    assert overrides.identity_never_archived(spam, ev("NIK 3374010101900003 menang undian")) is spam


def test_a_reply_with_the_data_an_officer_asked_for_is_a_followup():
    assert harm.followup("ini no nik yang diminta, mohon segera ditindaklanjuti")
    assert harm.followup("berikut foto yg diminta pak")


def asked_for_a_place() -> TriageResult:
    return TriageResult(
        verdict=Verdict.needs_info,
        reason=None,
        reasons=[Reason(statement="s", evidence="e")],
        missing_fields=[MissingField.location],
        confidence=0.85,
    )


def test_a_joke_in_the_identity_template_is_read_before_its_sender_is_asked():
    text = (
        "Nama: Upin Ipin\nNIK: 3374000000000001\nAlamat: Kampung Durian Runtuh\nIsi: ayam goreng tidak dibagi"
    )
    e = ev(text, place=False)
    assert e.identity_impossible == "NIK: 3374000000000001"  # district 00, born on day 00
    asked = asked_for_a_place()
    assert policy.route(asked, gate_open=True, review_threshold=0.6) is Outcome.ask_reporter
    out = overrides.impossible_identity_goes_to_a_person(asked, e)
    assert out.verdict is Verdict.needs_info and "impossible_identity" in out.rules
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review
    assert "3374000000000001" not in " ".join(out.notes)  # the number is masked in the note


@pytest.mark.parametrize(
    "text",
    [
        "NIK saya 3374010101900003, jalan depan rumah rusak",  # a number someone can have
        "NIK : [NOMOR] jalan rusak",  # as the public LaporGub export writes a number
        "no kk 33740101019000",  # a digit short: a typo, not a joke
        "ini nik saya 337401********03 sesuai permintaan",  # masked
    ],
)
def test_a_possible_or_unreadable_identity_number_is_no_joke(text):
    assert ev(text).identity_impossible is None


def _scored(text: str, spam: float) -> object:
    e = ev(text, place=False)
    return dataclasses.replace(e, signals=e.signals.model_copy(update={"spam": spam}))


def _sent() -> TriageResult:
    return TriageResult(
        verdict=Verdict.valid,
        reason=None,
        reasons=[Reason(statement="s", evidence="e")],
        missing_fields=[],
        confidence=0.85,
    )


@pytest.mark.parametrize("spam", [0.72, 0.86])
def test_what_the_spam_signal_calls_spam_is_neither_sent_nor_asked(spam):
    # a campaign call or an ad for fake documents that the model read as a report
    e = _scored("Ayo dukung terus calon bupati nomor urut 2, coblos tanggal 27!", spam)
    out = overrides.junk_by_its_signals(_sent(), e)
    assert out.verdict is Verdict.invalid and out.reason is InvalidReason.spam and "signals_spam" in out.rules
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review  # uncertain: a person


def test_a_failing_public_service_or_a_weak_spam_score_is_left_to_the_model():
    sent = _sent()
    assert overrides.junk_by_its_signals(sent, _scored("Ayo dukung calon bupati nomor 2!", 0.65)) is sent
    failing = _scored("Jalan desa rusak parah, Pemkab tidak memperbaiki", 0.95)
    assert failing.services and failing.grievances
    assert overrides.junk_by_its_signals(sent, failing) is sent


def test_a_grievance_word_in_a_text_read_as_no_complaint_is_read_before_anyone_is_asked():
    e = ev(
        "Assalamualaikum, mari kita perbanyak sedekah di bulan ini, karena sedekah menolak bala", place=False
    )
    assert e.grievances and not e.services and e.signals.complaint < overrides.NOT_A_COMPLAINT_BELOW
    out = overrides.no_public_matter_goes_to_a_person(_sent(), e)
    assert "no_public_matter" in out.rules
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review


def test_a_grievance_in_a_text_read_as_a_complaint_goes_on_as_judged():
    e = ev("Saya mau laporkan teman saya yang hutang 15 ribu belum bayar-bayar", place=False)
    assert e.grievances and e.signals.complaint >= overrides.NOT_A_COMPLAINT_BELOW
    sent = _sent()
    assert overrides.no_public_matter_goes_to_a_person(sent, e) is sent


@pytest.mark.parametrize(
    "text",
    [
        "saya sudah tidak kuat pak, ingin mati saja, bansos tidak pernah cair dan anak kelaparan",
        "pengen bunuh diri rasanya, rumah kami digusur tanpa ganti rugi",
        "rasanya saya mau mati saja pak",
        "saya tidak ingin hidup lagi",
        "sy mau mati aja rasanya pak, utang pinjol numpuk",  # the sender as a chat spells him
    ],
)
def test_a_sender_who_speaks_of_ending_his_life_is_read_at_once_never_asked(text):
    e = ev(text, place=False)
    assert e.self_harm
    asked = asked_for_a_place()
    out = overrides.self_harm_goes_to_a_person(asked, e)
    assert out.verdict is Verdict.needs_info and out.urgent and "self_harm" in out.rules
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review


@pytest.mark.parametrize(
    "text",
    [
        "lampu jalan di gang kami mau mati terus",
        "pohon di depan rumah saya mau mati",
        "anak tetangga bunuh diri karena dibully di sekolah",  # about someone else: safety, not self-harm
        "bunuh diri aja lo dasar sampah",  # aimed at another: abuse
    ],
)
def test_dying_lamps_others_and_insults_are_not_self_harm(text):
    assert harm.self_harm(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Nama: Patrick Star\nAlamat: Batu Karang No. 7, Bikini Bottom\nLaporan: jalan depan rumah berlubang",
        "NAMA: Shinchan NIK: - ALAMAT: Jl. Kasukabe Raya No. 1 Saitama ADUAN: sekolah TK tidak ada AC",
    ],
)
def test_a_joke_address_in_the_template_is_read_before_its_sender_is_asked(text):
    e = ev(text, place=False)
    assert e.address_unknown is not None
    asked = asked_for_a_place()
    out = overrides.unknown_address_goes_to_a_person(asked, e)
    assert out.verdict is Verdict.needs_info and "unknown_address" in out.rules
    assert policy.route(out, gate_open=True, review_threshold=0.6) is Outcome.review
    assert e.address_unknown not in " ".join(out.notes)  # an address is not repeated in the note


@pytest.mark.parametrize(
    "text",
    [
        # the address names its village over more labels on the same line (as real reporters write)
        "Nama :ibu saya  Alamat: dukuh wetan rt03/rw03 desa:putatsari kec:grobogan Kab:grobogan",
        "Alamat: Jl. Mawar Gg. 3 Rt 004/06. Kel: Tomang, kec: Grogol Petamburan, Jakarta Barat",
        "Nama: Bu Sri\nAlamat: Dusun Krajan, Desa Wonorejo, Lumajang\nLaporan: jalan rusak",
        "Alamat: -\nLaporan: air PDAM mati",  # no address given is no claim
        "alamat rumah saya dekat pasar, jalannya rusak",  # no label, no template
    ],
)
def test_a_real_address_or_none_is_left_alone(text):
    assert harm.unknown_address(text) is None
