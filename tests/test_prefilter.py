"""The prefilter rejects only what is certainly junk; anything that might be a complaint passes."""

from __future__ import annotations

import pytest

from triage import prefilter
from triage.schema import InvalidReason, Verdict


@pytest.mark.parametrize(
    ("text", "rule", "reason"),
    [
        ("", "empty", InvalidReason.prank),
        ("   \n ", "empty", InvalidReason.prank),
        ("😂😂😂", "emoji_only", InvalidReason.prank),
        ("🙏🏻", "emoji_only", InvalidReason.prank),
        ("tes", "test_message", InvalidReason.prank),
        ("Tes tes 123", "test_message", InvalidReason.prank),
        ("P", "test_message", InvalidReason.prank),
        ("Assalamualaikum pak", "greeting_only", InvalidReason.not_a_complaint),
        ("Selamat pagi mas wapres", "greeting_only", InvalidReason.not_a_complaint),
        ("P\nAssalamualaikum wr wb", "greeting_only", InvalidReason.not_a_complaint),
        ("pak", "greeting_only", InvalidReason.not_a_complaint),
        ("https://bit.ly/abc123", "bare_link", InvalidReason.spam),
        ("SLOT GACOR hari ini, depo 25rb bonus 50% daftar di bit.ly/x", "gambling_promo", InvalidReason.spam),
    ],
)
def test_certain_junk_is_rejected_with_its_rule(text, rule, reason):
    hit = prefilter.check(text)
    assert hit is not None
    assert (hit.rule, hit.verdict, hit.reason) == (rule, Verdict.invalid, reason)
    assert hit.evidence == "" or hit.evidence.casefold() in text.casefold()


@pytest.mark.parametrize(
    "text",
    [
        "Assalamualaikum pak, jalan di desa kami rusak",
        "tes darah di puskesmas Kalideres disuruh bayar padahal pakai BPJS",
        "tolong berantas judi online slot di kampung kami, banyak anak muda kecanduan",
        "saya tertipu situs slot gacor, uang saya hilang 5 juta, tolong pak",
        "lapor pak",
        "https://news.example.id/jalan-rusak jalan di depan rumah saya seperti di berita ini",
        "Kenapa bansos saya tidak cair?",
    ],
)
def test_anything_that_might_be_a_complaint_passes(text):
    hit = prefilter.check(text)
    assert hit is None


def test_media_without_text_asks_instead_of_rejecting():
    hit = prefilter.check("", has_media=True)
    assert hit is not None and hit.verdict is Verdict.needs_info and hit.missing


def test_media_with_caption_goes_to_the_model():
    assert prefilter.check("lihat ini pak", has_media=True) is None


def test_a_loan_advert_with_a_call_to_action_is_spam():
    text = "PINJAMAN DANA CEPAT tanpa jaminan, cair 1 jam! Proses mudah hanya KTP. Hubungi WA admin kami."
    hit = prefilter.check(text)
    assert hit is not None and hit.rule == "promo_with_contact" and hit.reason is InvalidReason.spam


def test_a_complaint_about_a_loan_scam_is_not_spam():
    text = "Saya tertipu pinjaman dana tanpa jaminan, sudah transfer biaya admin tapi tidak cair. Tolong pak"
    assert prefilter.check(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "Dasar cebong dungu, ngaca dulu woy",
        "lu yang goblok, bangsat",
    ],
)
def test_insults_without_any_public_matter_are_abusive(text):
    hit = prefilter.check(text)
    assert hit is not None and hit.rule == "insult_without_complaint"
    assert hit.reason is InvalidReason.abusive
    assert hit.evidence in text


@pytest.mark.parametrize(
    "text",
    [
        "pemkot goblok, lampu merah di simpang Bulak Kapal mati seminggu",
        "camat tolol, urus KTP saja dipersulit",
        "tolong pak, tetangga saya dikatain bodoh terus sama kades",
        "polisi bodoh tidak menindak balap liar di jalan kami",
    ],
)
def test_rude_complaints_reach_the_model(text):
    assert prefilter.check(text) is None


@pytest.mark.parametrize(
    ("text", "rule", "reason"),
    [
        ("wkwkwk", "laughter_or_mash", InvalidReason.prank),
        ("hehe pak", "laughter_or_mash", InvalidReason.prank),
        ("asdfghjkl", "laughter_or_mash", InvalidReason.prank),
        (
            "Ma, tolong beliin pulsa 20rb ke no baru mama ya, nanti mama yg telp",
            "pulsa_scam",
            InvalidReason.spam,
        ),
        (
            "SELAMAT! Nomor anda mendapat hadiah mobil. Info klik bit.ly/hadiah-xx",
            "promo_with_contact",
            InvalidReason.spam,
        ),
    ],
)
def test_more_certain_junk(text, rule, reason):
    hit = prefilter.check(text)
    assert hit is not None and (hit.rule, hit.reason) == (rule, reason)
    assert hit.evidence in text


@pytest.mark.parametrize(
    "text",
    [
        # a consumer complaint about a top-up is not the pulsa scam
        "saya beli pulsa 50rb di konter 081234567890 tapi tidak masuk sampai sekarang",
        # a levy complaint with a "free" programme and a phone number is not an ad
        "sertifikat PTSL katanya gratis tapi diminta 2 juta oleh kades, hub saya 081234567890",
        # a short real complaint is never laughter
        "jalan rusak wkwk parah",
    ],
)
def test_complaints_resembling_junk_reach_the_model(text):
    assert prefilter.check(text) is None
