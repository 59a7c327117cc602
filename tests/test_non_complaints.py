"""Questions, invitations, personal requests and private disputes: uncertain rejections, never silent."""

from __future__ import annotations

import pytest

from triage.evals.fakes import evidence_for as ev
from triage.evals.fakes import result_for
from triage.judge import decision, overrides
from triage.rules import non_complaints
from triage.schema import InvalidReason, Reason, TriageResult, Verdict


def model_said(verdict: Verdict, reason: InvalidReason | None = None) -> TriageResult:
    return TriageResult(
        verdict=verdict,
        reason=reason,
        reasons=[Reason(statement="s", evidence="e")],
        missing_fields=[],
        confidence=0.85,
        decided_by="model",
    )


@pytest.mark.parametrize(
    ("text", "rule", "reason"),
    [
        (
            "Permisi pak, mau tanya jam buka kantor imigrasi hari sabtu?",
            "information_question",
            "not_a_complaint",
        ),
        ("bagaimana cara daftar KIP kuliah untuk anak saya?", "information_question", "not_a_complaint"),
        ("jam pelayanan samsat keliling hari minggu?", "information_question", "not_a_complaint"),
        ("syarat perpanjang SIM C apa saja ya", "information_question", "not_a_complaint"),
        ("untuk daftar ulang PPDB websitenya apa bu", "information_question", "not_a_complaint"),
        (
            "Yth bapak, bersediakah hadir di pentas seni sekolah kami bulan depan",
            "invitation",
            "not_a_complaint",
        ),
        ("pak wapres tolong carikan saya pekerjaan, saya lulusan SMA", "personal_request", "not_a_complaint"),
        ("bu, saya janda, tolong kasih saya modal jualan", "personal_request", "not_a_complaint"),
        ("kami membutuhkan dana renovasi musala, mohon jadi donatur", "personal_request", "not_a_complaint"),
        ("Alhamdulillah anak kami juara 2 lomba pidato tingkat provinsi", "good_news", "not_a_complaint"),
        ("berbagi kabar gembira, kampung kami masuk 10 besar lomba", "good_news", "not_a_complaint"),
        ("Mantan suami saya melarang saya bertemu anak, tolong pak", "private_dispute", "out_of_scope"),
        (
            "perkara tanah saya sedang disidangkan di PN, mohon hakimnya ditelepon",
            "court_matter",
            "out_of_scope",
        ),
        # issue 19, point 4: praise, support, campaign talk and opinions never reach SP4N
        (
            "Boleh kasih saran pak, taman kota dibuka sampai malam saja biar ramai",
            "opinion",
            "not_a_complaint",
        ),
        ("Besok ada razia masker se-Jakarta, sebarkan ke teman-teman kalian", "chain_forward", "spam"),
        ("Pak wapres beliin kuota buat main game dong", "personal_request", "not_a_complaint"),
        ("Puskesmas kami pelayanannya ramah, semoga terus begitu pak", "praise", "not_a_complaint"),
        (
            "Ayo warga Desa Sukorejo, coblos nomor 3 di pilkades besok, demi desa yang maju!",
            "campaign",
            "spam",
        ),
        ("Mari dukung calon walikota Ibu Sari, nomor urut 1, pilihan rakyat kecil", "campaign", "spam"),
        ("Tim sukses kami siap memenangkan Pak Darmo di pemilihan bupati Kendal", "campaign", "spam"),
        (
            "Pelayanan samsat keliling di Kota Kediri ramah dan cepat, mantap pak!",
            "praise",
            "not_a_complaint",
        ),
        (
            "Salut untuk petugas damkar Kabupaten Sleman yang sigap kemarin, sehat selalu",
            "praise",
            "not_a_complaint",
        ),
        (
            "Menurut saya jam masuk sekolah sebaiknya jam 8 saja, lebih sehat buat anak",
            "opinion",
            "not_a_complaint",
        ),
        ("Saya mengusulkan ada bus listrik gratis dari Bekasi ke Jakarta", "opinion", "not_a_complaint"),
        (
            "Sekedar masukan pak, alun-alun bagus kalau dikasih air mancur menari",
            "opinion",
            "not_a_complaint",
        ),
        ("Jangan lupa contreng partai nomor 12 di pemilu nanti ya bapak ibu", "campaign", "spam"),
        ("Usul bu, bagaimana kalau car free day diadakan juga di hari Rabu", "opinion", "not_a_complaint"),
        (
            "Bantuan beras 10 kg sudah diterima warga RT kami, terima kasih pak",
            "thanks_for_a_fix",
            "not_a_complaint",
        ),
        ("kantor Samsat Bekasi hari Sabtu buka jam berapa ya?", "information_question", "not_a_complaint"),
        ("Pak wapres tolong belikan saya motor buat kerja ojek", "personal_request", "not_a_complaint"),
        ("bapak tolong lunasin utang kontrakan saya 3 bulan", "personal_request", "not_a_complaint"),
        # a chain message alarms with the police or a danger; its instruction to pass it on is what it is
        (
            "Hati-hati, mulai Senin polisi menyita motor yang pajaknya telat! Sebarkan ke semua grup RT",
            "chain_forward",
            "spam",
        ),
        ("Info dari kelurahan: vaksin palsu beredar. Bagikan ke grup keluarga ya", "chain_forward", "spam"),
        # passed on by number: a chain letter whatever failing service it names
        (
            "Pesan berantai: siapa yang tidak meneruskan pesan ini ke 10 orang, KTP-nya diblokir Dukcapil",
            "chain_forward",
            "spam",
        ),
        ("Bansos anda dicabut kalau tidak menyebarkan info ini ke 5 grup WA", "chain_forward", "spam"),
        # a wish at the end of thanks is no new problem
        (
            "Alhamdulillah jalan di desa kami sudah diaspal mulus. Terima kasih bapak bupati, sehat selalu.",
            "thanks_for_a_fix",
            "not_a_complaint",
        ),
        # what something costs, and a message that is one question of fact
        (
            "Berapa biaya bikin paspor sekarang ya pak, bisa online atau harus ke kantor imigrasi?",
            "information_question",
            "not_a_complaint",
        ),
        (
            "Selamat pagi pak, di mana tempat bikin kartu kuning untuk melamar kerja?",
            "information_question",
            "not_a_complaint",
        ),
        # asked in the passive
        ("Pak, saya mohon dibelikan laptop buat kuliah anak saya", "personal_request", "not_a_complaint"),
        # thanks spelt as one word, for a card that works again
        (
            "Maturnuwun sanget Pak, BPJS ibu saya sudah aktif lagi dan operasinya lancar kemarin.",
            "thanks_for_a_fix",
            "not_a_complaint",
        ),
        # a hoax to be passed on to as many as one can
        (
            "Menurut info grup sebelah, air PDAM besok mengandung racun! Bagikan ke sebanyak mungkin orang.",
            "chain_forward",
            "spam",
        ),
        # what a suggestion is for is no problem: "biar ... tidak terburu-buru"
        (
            "Sebaiknya jam masuk sekolah diundur jam 8 biar anak-anak tidak terburu-buru. Itu usul saya.",
            "opinion",
            "not_a_complaint",
        ),
        # the neighbour's manners
        (
            "Tetangga sebelah suka parkir mobil di depan pagar rumah saya, tolong ditegur",
            "private_dispute",
            "out_of_scope",
        ),
    ],
)
def test_non_complaint_shapes_become_uncertain_rejections(text, rule, reason):
    out = overrides.shaped_like_a_non_complaint(model_said(Verdict.valid), ev(text))
    assert (out.verdict, out.reason, out.rules[-1]) == (Verdict.invalid, InvalidReason(reason), rule)
    assert out.needs_review and out.confidence <= 0.4  # a reviewer reads it; never a silent archive
    assert out.reasons[0].evidence in text


@pytest.mark.parametrize(
    "text",
    [
        # questions that carry a grievance are complaints
        "mau tanya kenapa blanko KTP di kecamatan kosong terus sudah 3 bulan?",
        "mau tanya apakah benar ujian anak SD harus membayar 225 ribu?",
        "ijin bertanya, apakah pajak bumi memang naik tiga kali lipat di desa kami?",
        "mau tanya pak, jalan desa kami rusak kapan diperbaiki?",
        "jam buka puskesmas kok tidak sesuai papan, sudah jam 9 belum buka?",
        "syarat bikin SKCK apa aja kok tiap datang beda lagi",
        # a fee called too high, or written as a sum, is a grievance however the request is worded
        "sekolah minta biaya perpisahan 500.000, kami masih butuh biaya lain, mohon dikurangi",
        "study tour wajib bayar, kami butuh uang untuk makan, terlalu mahal pak",
        # a prize that was cheated is a complaint, not good news
        "anak saya juara 1 lomba tapi piala diganti panitia, curang",
        # a private matter with an official's misconduct is a complaint
        "urus akta cerai di kantor dukcapil diminta uang 500 ribu oleh petugas",
        # a job seeker who was refused by an office is a complaint
        "saya butuh kerja tapi kartu kuning di disnaker ditolak terus tanpa alasan",
        # "perundang-undangan" is not an invitation, "studi banding" is not a court case
        "kebijakan kepala sekolah tidak sesuai aturan perundang-undangan, guru honorer dirugikan",
        "pak gub, kalau mau studi banding mahasiswa ke gubernuran bisa lewat mana ya?",
        # what the sender already passed on, by number, is his report's history, not a chain
        "sudah saya teruskan ke 2 orang petugas kelurahan tapi jalan tetap rusak",
        "laporan ini kami kirimkan ke 3 orang pejabat dinas tapi tidak ada tanggapan",
        # a wish does not hide a new problem after thanks
        "Terima kasih jalan sudah diaspal, sehat selalu pak, sayang lampu jalannya mati semua",
        # a why-question protests; a question with a grievance in it is a complaint
        "Kenapa pembuatan KTP di kecamatan kami harus menunggu berbulan-bulan?",
        "Di mana kami harus mengadu, jalan desa kami rusak parah?",
        "Berapa lama lagi jembatan yang putus di desa kami diperbaiki?",
        # a suggestion with a problem in it, besides what it is for
        "Menurut saya jalan desa ini rusak parah, mohon diperbaiki agar tidak terjadi kecelakaan lagi",
        # a neighbour whose fire or building is the public's business
        "Tetangga sebelah membakar sampah tiap sore, asapnya masuk ke rumah warga",
        "Tetangga depan membangun ruko tanpa izin sampai menutup saluran air",
        # help asked for, not something bought for the sender
        "Mohon dibantu, anak saya dibelikan seragam oleh sekolah tapi disuruh bayar 700 ribu",
    ],
)
def test_grievances_in_those_shapes_are_left_alone(text):
    out = overrides.shaped_like_a_non_complaint(model_said(Verdict.valid), ev(text))
    if "studi banding" in text:  # a question, but not a court case
        assert out.rules[-1:] != ["court_matter"]
    else:
        assert out.verdict is Verdict.valid and not out.rules


def test_a_rejection_is_not_touched():
    rejected = model_said(Verdict.invalid, InvalidReason.prank)
    assert overrides.shaped_like_a_non_complaint(rejected, ev("mau tanya jam buka kantor?")) is rejected


def _unbacked_rejection(text: str) -> TriageResult:
    """What the pipeline stores when the model's rejection never passed the evidence check."""
    import json

    from triage.judge.pipeline import _unsupported
    from triage.schema import LLMAttempt

    raw = {
        "verdict": "invalid",
        "reason": "not_a_complaint",
        "reasons": [{"statement": "bukan pengaduan", "evidence": "y"}],
        "missing_fields": [],
    }
    attempt = LLMAttempt(report_id="r", attempt=1, model="m", prompt_hash="h", response_raw=json.dumps(raw))
    return _unsupported([attempt], "evidence not in the message", text)


def test_a_long_message_is_not_rejected_without_a_quoted_reason():
    text = (
        "Tolong pak galian pasir di sungai wilayah kami ditutup, musim hujan akan datang dan kami warga "
        "dukuh takut tebing kali menggerus rumah kami, sudah lama dibiarkan"
    )
    out = _unbacked_rejection(text)
    assert out.verdict is Verdict.needs_info and out.reason is None
    assert out.needs_review and out.confidence == 0.0


def test_a_short_unbacked_rejection_stays_a_rejection_for_review():
    out = _unbacked_rejection("lapor pak ada orang ganteng di sini")
    assert out.verdict is Verdict.invalid and out.needs_review


def test_a_fee_at_the_village_office_for_a_divorce_letter_is_a_complaint():
    text = "apa benar minta surat pengantar ke pengadilan untuk perceraian di desa dikenakan biaya 300 ribu?"
    assert non_complaints.find(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Kambing tetangga saya selalu masuk kebun dan makan sayuran saya, tolong ditegur pak",
        "Saudara saya pinjam uang 3 juta dua tahun lalu dan tidak pernah dikembalikan, tolong bantu tagih",
        "Kami berselisih dengan rekan bisnis soal pembagian keuntungan toko, mohon dimediasi",
    ],
)
def test_private_disputes_are_out_of_scope(text):
    out = overrides.shaped_like_a_non_complaint(model_said(Verdict.valid), ev(text))
    assert (out.verdict, out.reason) == (Verdict.invalid, InvalidReason.out_of_scope)


@pytest.mark.parametrize(
    "text",
    [
        # a neighbour burning rubbish is an environmental matter
        "tetangga saya tiap hari membakar sampah, asapnya masuk rumah, ayam tetangga juga berkeliaran",
        # a private employer breaking labour law is a labour complaint
        "perusahaan swasta tempat saya kerja tidak bayar THR dan upah di bawah UMK, rekan bisnis bos diam",
        # debts to an online lender who threatens are a public matter
        "debt collector pinjol menagih sambil mengancam keluarga saya",
    ],
)
def test_disputes_with_a_public_side_are_left_to_the_model(text):
    out = overrides.shaped_like_a_non_complaint(model_said(Verdict.valid), ev(text))
    assert out.verdict is Verdict.valid


def test_thanks_for_a_fix_is_not_a_complaint_unless_something_is_still_wrong():
    thanks = "Matur nuwun pak, lampu jalan di gang kami sudah dipasang, sekarang terang"
    out = overrides.shaped_like_a_non_complaint(model_said(Verdict.valid), ev(thanks))
    assert (out.verdict, out.rules[-1]) == (Verdict.invalid, "thanks_for_a_fix")
    still = "Terima kasih jalannya sudah diaspal, tapi selokan di sebelahnya masih mampet"
    assert (
        overrides.shaped_like_a_non_complaint(model_said(Verdict.valid), ev(still)).verdict is Verdict.valid
    )


@pytest.mark.parametrize(
    "text",
    [
        "Gubernur kami hebat, jalan sudah mulus semua, terima kasih Pak!",  # the fix first, then thanks
        "Alhamdulillah jembatan desa kami sudah selesai dibangun bulan ini",
    ],
)
def test_thanks_for_a_fix_read_the_same_whichever_comes_first(text):
    out = overrides.shaped_like_a_non_complaint(model_said(Verdict.valid), ev(text))
    assert (out.verdict, out.rules[-1]) == (Verdict.invalid, "thanks_for_a_fix")


def test_a_private_matter_with_a_public_side_is_kept_open_for_a_reviewer():
    text = "lapak liar yang dulu terbakar dibangun lagi, mereka tidak ada ijin jual beli di perumahan"
    out = overrides.public_side_kept_open(model_said(Verdict.invalid, InvalidReason.out_of_scope), ev(text))
    assert (out.verdict, out.needs_review, out.rules) == (Verdict.needs_info, True, ["public_side_kept_open"])
    assert out.confidence <= 0.4


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("tetangga pinjam uang 2 juta tidak dikembalikan", InvalidReason.out_of_scope),  # no public side
        ("perkara saya sedang disidangkan, mohon hakimnya dan polisi ditegur", InvalidReason.out_of_scope),
        ("oknum petugas ini kurang ramah wkwk", InvalidReason.prank),  # only out_of_scope is reopened
    ],
)
def test_private_matters_and_other_rejections_keep_their_verdict(text, reason):
    rejected = model_said(Verdict.invalid, reason)
    assert overrides.public_side_kept_open(rejected, ev(text)) is rejected


def _unbacked_complaint(
    text: str, category: object, statement: str = "Jalan desa Sukamaju di Bogor rusak"
) -> TriageResult:
    """The model called it a complaint, but its quote was never found in the message."""
    import json

    from triage.judge.pipeline import _unsupported
    from triage.schema import LLMAttempt

    raw = {
        "verdict": "valid",
        "reason": None,
        "reasons": [{"statement": statement, "evidence": "rusak parah"}],
        "missing_fields": [],
        "complaint": {"category": category, "regency": "Bogor", "urgent": False},
    }
    attempt = LLMAttempt(report_id="r", attempt=2, model="m", prompt_hash="h", response_raw=json.dumps(raw))
    return _unsupported([attempt], "evidence not in the message", text)


def test_an_unbacked_complaint_keeps_the_models_category_but_not_its_statement_or_place():
    text = "di dukuh babalan pak, tolong di tinjau, parah buanget dan ga pantas lagi pak"
    out = _unbacked_complaint(text, "PEKERJAAN UMUM DAN PENATAAN RUANG")
    assert out.needs_review and out.confidence == 0.0
    assert out.complaint is not None
    assert out.complaint.category == "PEKERJAAN UMUM DAN PENATAAN RUANG"
    assert "Bogor" not in out.complaint.title and "Sukamaju" not in out.complaint.title
    assert out.complaint.location.regency is None  # the text names no regency; the answer's is not kept


@pytest.mark.parametrize("category", ["JALAN RUSAK", None, 7, ["KESEHATAN"]])
def test_an_unbacked_complaint_with_no_official_category_gets_none_from_the_answer(category):
    from triage import reference

    out = _unbacked_complaint("pak tolong ditinjau, parah buanget dan ga pantas lagi pak", category)
    assert out.complaint is not None and out.complaint.category != category
    # what the answer gave is dropped; the learned category signal may still offer an official name
    assert out.complaint.category is None or out.complaint.category in reference.category_names()
    assert "category_from_signals" in out.rules or out.complaint.category is None


@pytest.mark.parametrize(
    "text",
    [
        # sarcasm names the fault
        "Keren sekali dinas PU, jalan Pahlawan ditambal kemarin hari ini sudah bolong lagi",
        "Mantap pemkab, lampu taman diganti tiap bulan, buang-buang anggaran saja",
        "Mantap betul Pemkab Brebes, jalan Pantura sudah setahun berlubang dan dibiarkan",
        "Luar biasa pelayanan RSUD, pasien BPJS disuruh antre dari subuh sampai sore belum dipanggil",
        # an opinion that reports a problem is a complaint
        "Menurut saya tidak adil, sekolah menahan rapor anak kami karena belum bayar iuran",
        "Saran saya pak, pungli di jembatan timbang Subah diberantas, sopir dimintai 20 ribu",
        # a candidate's misconduct is a complaint, not campaigning
        "Caleg nomor urut 2 bagi-bagi uang 50 ribu ke warga supaya dipilih, tolong ditindak",
        # money sent to one's family that never arrived is a complaint, not a chain message
        "uang yang saya kirim ke keluarga lewat kantor pos tidak sampai sudah sebulan",
        # a genuine complaint its sender wants spread
        "Tolong sebarkan ke semua grup, jembatan Desa Karanganyar putus dan pemda belum datang",
        # a request for something that is his right, refused
        "pak tolong bayarkan gaji saya yang sudah 3 bulan tidak dibayar dinas",
    ],
)
def test_complaints_in_those_words_are_left_alone(text):
    out = overrides.shaped_like_a_non_complaint(model_said(Verdict.valid), ev(text))
    assert out.verdict is Verdict.valid and not out.rules, out.rules


HOAX = (
    "PENTING!!! Mulai besok semua e-KTP lama tidak berlaku dan harus diganti, kalau tidak data akan"
    " dihapus Dukcapil. Sebarkan ke semua grup keluarga sebelum terlambat!"
)
SPREAD_A_REPORT = "Tolong sebarkan ke semua grup, jembatan Desa Karanganyar putus dan pemda belum datang"


@pytest.mark.parametrize("verdict", [Verdict.valid, Verdict.needs_info])
def test_a_text_passed_on_to_groups_that_names_no_place_is_an_uncertain_rejection(verdict):
    e = ev(HOAX)
    assert e.shape is None  # the failing service named keeps the shape itself from applying
    said = result_for(verdict.value)
    out = decision.corrected(said, e)
    assert (out.verdict, out.reason, out.rules[0]) == (
        Verdict.invalid,
        InvalidReason.spam,
        "chain_without_a_place",
    )
    assert out.reasons[0].evidence in HOAX
    # a hoax the kind signal reads as spam too: confirmed, archived (open to review); without the
    # learned signals the rule's rejection stays uncertain, for a reviewer
    assert not out.needs_review and out.rules[1:] == ["confirmed_by_the_labelled_cases"]
    assert decision.corrected(said, e, off={decision.LEARNED}).needs_review
    assert "chain_without_a_place" not in decision.corrected(said, e, off={decision.PLACES}).rules


def test_a_report_passed_on_to_groups_that_says_where_goes_on():
    e = ev(SPREAD_A_REPORT)
    # a desa in dozens of regencies: the resolver cannot say which, but the sender says where
    assert e.pass_it_on is not None and not e.place_named and e.place_label == "Desa Karanganyar"
    out = decision.corrected(model_said(Verdict.valid), e)
    # not closed; only asked which Karanganyar
    assert out.verdict is not Verdict.invalid and "chain_without_a_place" not in out.rules
