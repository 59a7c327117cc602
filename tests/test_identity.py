"""Identity parsing and masking.

All NIKs, names and phone numbers below are FICTIONAL: NIKs are built from a real Kemendagri
region prefix (33.74.01 = Kota Semarang, Kec. Semarang Tengah) plus an obviously fake date and
serial; phone numbers use the 0812-3456-7890 / 555-1234 test patterns.
"""

from __future__ import annotations

import io
import logging
from datetime import date

import pytest

from triage.identity import (
    MaskingFilter,
    anonymity_requested,
    extract_reporter,
    find_name,
    mask_name,
    mask_phone,
    mask_text,
    normalise_phone,
    parse_nik,
)

# Fictional: region 337401 + day 41 (1st, woman) month 07 year 90 + serial 0003.
NIK_WOMAN = "3374014107900003"
# Fictional: same region, 1 July 1990, a man.
NIK_MAN = "3374010107900003"


def test_parse_valid_nik_woman_plus_40_rule() -> None:
    info = parse_nik(NIK_WOMAN)
    assert info is not None and info.valid, info
    assert info.sex == "P"
    assert info.birth_date == date(1990, 7, 1)
    assert info.province == "Jawa Tengah" and info.province_code == "33"
    assert info.regency == "Kota Semarang" and info.regency_code == "33.74"
    assert info.masked == "337401********03"
    assert NIK_WOMAN not in info.model_dump_json()


def test_parse_valid_nik_man_with_separators() -> None:
    info = parse_nik("3374 0101 0790 0003")
    assert info is not None and info.valid
    assert info.sex == "L" and info.birth_date == date(1990, 7, 1)


@pytest.mark.parametrize(
    ("value", "error_word"),
    [
        ("9974014107900003", "provinsi"),  # no province 99
        ("3399014107900003", "kabupaten"),  # no regency 33.99
        ("3374013207900003", "tanggal"),  # day 32
        ("3374017207900003", "tanggal"),  # day 72 = 32 for a woman
        ("3374010113900003", "tanggal"),  # month 13
        ("3374013002900003", "tanggal"),  # 30 February
        ("3374010107900000", "0000"),  # serial 0000
        ("337401410790000", "16 digit"),  # 15 digits
        ("33740141079000031", "16 digit"),  # 17 digits
    ],
)
def test_parse_invalid_nik(value: str, error_word: str) -> None:
    info = parse_nik(value)
    assert info is not None and not info.valid
    assert any(error_word in e for e in info.errors), info.errors
    assert value not in info.model_dump_json()


def test_parse_nik_without_digits_is_none() -> None:
    assert parse_nik("") is None
    assert parse_nik("tidak punya") is None
    assert parse_nik(None) is None


def test_mask_text_nik_forms() -> None:
    assert mask_text(f"NIK {NIK_WOMAN}.") == "NIK 337401********03."
    assert mask_text("NIK 3374 0141 0790 0003") == "NIK 3374 01** **** **03"
    assert mask_text("NIK 3374.0141.0790.0003") == "NIK 3374.01**.****.**03"
    assert mask_text("NIK 337401410790000 (kurang satu)") == "NIK 337401*******00 (kurang satu)"


def test_sixteen_digit_bank_account_is_still_masked() -> None:
    masked = mask_text("transfer ke rekening BCA 1234567890123456 a.n. bank")
    assert "1234567890123456" not in masked
    assert "123456********56" in masked


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("0812-3456-7890", "0812-****-**90"),
        ("081234567890", "0812******90"),
        ("+62 812-3456-7890", "+62 812-****-**90"),
        ("6281234567890", "62812******90"),
        ("(021) 555-1234", "(021) 5**-**34"),
    ],
)
def test_mask_text_phone_forms(raw: str, masked: str) -> None:
    assert mask_text(f"hubungi {raw} ya") == f"hubungi {masked} ya"


def test_amounts_and_dates_are_not_phone_numbers() -> None:
    text = "bayar Rp 1.500.000 tanggal 12-05-2018 jam 10.30"
    assert mask_text(text) == text


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("nama saya Budi Santoso, warga Demak", "nama saya B*** S******, warga Demak"),
        ("Nama: Siti Aminah\nalamat Semarang", "Nama: S*** A*****\nalamat Semarang"),
        ("atas nama Joko Widagdo dari RT 3", "atas nama J*** W****** dari RT 3"),
        ("a.n. Rina Kusuma", "a.n. R*** K*****"),
        ("saya Eka Putri dari Demak", "saya E** P**** dari Demak"),
        ("SAYA BUDI DARI DEMAK", "SAYA B*** DARI DEMAK"),
        ("Nama saya Bpk SUNALI, warga Beberan", "Nama saya Bpk S*****, warga Beberan"),
    ],
)
def test_names_masked_to_initials(text: str, masked: str) -> None:
    assert mask_text(text) == masked


def test_ordinary_words_after_saya_are_not_names() -> None:
    text = "saya sudah dari pagi antri, saya warga desa"
    assert mask_text(text) == text


def test_mask_text_idempotent_and_otherwise_identical() -> None:
    text = (
        "Assalamualaikum pak,\nnama saya Budi Santoso, NIK 3374 0141 0790 0003, HP +62 812-3456-7890.\n"
        "Jalan di desa Jragung rusak parah!!  Mohon   dibantu 🙏"
    )
    once = mask_text(text)
    assert mask_text(once) == once
    assert len(once) == len(text)
    assert once.replace("*", "") != text
    assert "Jalan di desa Jragung rusak parah!!  Mohon   dibantu 🙏" in once
    for secret in ("Budi", "Santoso", "0141", "3456"):
        assert secret not in once


def test_phone_helpers() -> None:
    assert normalise_phone("0812-3456-7890") == "+6281234567890"
    assert normalise_phone("+62 812 3456 7890") == "+6281234567890"
    assert normalise_phone("(021) 555-1234") == "+62215551234"
    assert normalise_phone("12345") is None
    assert normalise_phone("") is None
    assert mask_phone("0812-3456-7890") == "+62812******90"


def test_name_helpers() -> None:
    assert mask_name("Budi Santoso") == "B*** S******"
    assert find_name("Selamat pagi, nama saya Dewi Lestari dari Pati") == "Dewi Lestari"
    assert find_name("jalan rusak") is None


def test_extract_reporter_keeps_only_masked_values() -> None:
    text = f"Nama saya Siti Rahma, NIK {NIK_WOMAN}, no HP 0812-3456-7890. KTP saya salah cetak."
    r = extract_reporter(text)
    assert r.name_masked == "S*** R****"
    assert r.nik_masked == "337401********03"
    assert r.nik_valid is True
    assert r.nik_region == "Kota Semarang"
    assert r.phone_masked == "+62812******90"
    dumped = r.model_dump_json()
    for secret in (NIK_WOMAN, "Siti", "3456"):
        assert secret not in dumped


def test_extract_reporter_invalid_nik_and_nothing() -> None:
    r = extract_reporter("NIK 9974014107900003 tolong dicek")  # fictional, no province 99
    assert r.nik_valid is False and r.nik_masked == "997401********03"
    empty = extract_reporter("jalan rusak parah")
    assert empty.model_dump() == {
        "name_masked": None,
        "nik_masked": None,
        "nik_valid": None,
        "nik_region": None,
        "phone_masked": None,
    }


@pytest.mark.parametrize(
    "text",
    [
        "mohon rahasiakan identitas saya",
        "Identitas saya mohon dirahasiakan",
        "laporan ini mohon dirahasiakan pak",
        "saya lapor secara anonim",
        "jangan sebut nama saya ya pak",
        "tolong jangan cantumkan identitas saya",
    ],
)
def test_anonymity_requested(text: str) -> None:
    assert anonymity_requested(text)


def test_anonymity_not_requested() -> None:
    assert not anonymity_requested("nama saya Budi, jalan di desa rusak")
    assert not anonymity_requested("")


def _logged(*records: tuple[object, ...]) -> str:
    """What a logger with the masking filter writes for these (format, args...) records."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(MaskingFilter())
    logger = logging.getLogger("test_identity_masking")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        for msg, *args in records:
            logger.warning(msg, *args)
    finally:
        logger.removeHandler(handler)
    return stream.getvalue()


def test_masking_filter_on_log_records() -> None:
    out = _logged(
        ("report from %s: %s", "0812-3456-7890", f"NIK {NIK_WOMAN}"),
        ("nama saya Budi Santoso, id %d", int(NIK_MAN)),
        ("%(who)s wrote", {"who": "+62 812-3456-7890"}),
    )
    assert "3456" not in out and "0141" not in out and "Budi" not in out
    assert "0812-****-**90" in out and "337401********03" in out


@pytest.mark.parametrize(
    "spelled",
    [
        "3201/0112/0890/0007",
        "3201  0112  0890  0007",
        "3201\u200b0112\u200b0890\u200b0007",
        "3201-0112-0890-0007",
        "3201.0112.0890.0007",
        "320101\u00ad1208900007",
    ],
)
def test_a_nik_is_masked_however_it_is_spelled(spelled: str) -> None:
    """Issue 20: separators, double spaces and invisible characters showed the NIK in clear."""
    masked = mask_text(f"NIK saya {spelled}, mohon dibantu")
    digits = "".join(c for c in masked if c.isdigit())
    assert "0890" not in digits and digits.startswith("320101") and digits.endswith("07")
    logged = "".join(c for c in _logged(("body: %s", f"NIK saya {spelled}")) if c.isdigit())
    assert "0890" not in logged


def test_a_phone_number_is_masked_with_invisible_characters_inside() -> None:
    masked = mask_text("hubungi 0812\u200b3456\u200b7890 ya")
    assert "3456" not in masked
