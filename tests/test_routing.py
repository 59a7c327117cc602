"""Agency routing from category, place and keywords (rules in triage/data/routing.toml)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from triage.rules.routing import explain, parse_rules, route, rules
from triage.schema import Location, PlaceRef

DEMAK = Location(
    province=PlaceRef(name="Jawa Tengah", code="33"),
    regency=PlaceRef(name="Kabupaten Demak", code="33.21"),
    source="resolver",
)
JAKBAR = Location(
    province=PlaceRef(name="Daerah Khusus Ibukota Jakarta", code="31"),
    regency=PlaceRef(name="Kota Administrasi Jakarta Barat", code="31.73"),
    source="resolver",
)
JATENG_ONLY = Location(province=PlaceRef(name="Jawa Tengah", code="33"), source="resolver")
NOWHERE = Location()


def test_shipped_rules_load_and_validate() -> None:
    assert len(rules()) > 20
    assert all(r.level in ("pusat", "provinsi", "kabupaten-kota", "desa") for r in rules())


@pytest.mark.parametrize(
    ("category", "location", "text", "agency", "level"),
    [
        (
            None,
            DEMAK,
            "sertifikat tanah PTSL dipungli 2 juta",
            "Kantor Pertanahan ATR/BPN Kabupaten Demak",
            "kabupaten-kota",
        ),
        (
            None,
            DEMAK,
            "Kades pakai Dana Desa untuk pribadi",
            "Inspektorat Kabupaten Demak dan Dinas PMD Kabupaten Demak",
            "kabupaten-kota",
        ),
        (
            None,
            DEMAK,
            "BLT DD tidak dibagi",
            "Inspektorat Kabupaten Demak dan Dinas PMD Kabupaten Demak",
            "kabupaten-kota",
        ),
        ("KESEHATAN", NOWHERE, "kartu BPJS Kesehatan saya nonaktif", "BPJS Kesehatan", "pusat"),
        (None, DEMAK, "BPJS TK saya tidak dibayar perusahaan", "BPJS Ketenagakerjaan", "pusat"),
        (
            None,
            DEMAK,
            "listrik mati tiap malam, PLN diam",
            "PT PLN (Persero) UP3 wilayah Kabupaten Demak",
            "pusat",
        ),
        (None, NOWHERE, "token listrik tidak masuk", "PT PLN (Persero)", "pusat"),
        (None, DEMAK, "oknum polisi minta uang di polsek", "Polres Demak", "kabupaten-kota"),
        (None, JAKBAR, "bikin SKCK dipersulit", "Polres Jakarta Barat", "kabupaten-kota"),
        (None, NOWHERE, "oknum polisi minta uang tilang", "Kepolisian Negara Republik Indonesia", "pusat"),
        (None, DEMAK, "Samsat Demak lama sekali", "Bapenda Provinsi Jawa Tengah", "provinsi"),
        (
            None,
            JATENG_ONLY,
            "bayar pajak kendaraan online ditolak",
            "Bapenda Provinsi Jawa Tengah",
            "provinsi",
        ),
        (
            None,
            DEMAK,
            "jalan provinsi rusak parah",
            "Dinas Pekerjaan Umum Bina Marga Provinsi Jawa Tengah",
            "provinsi",
        ),
        (
            None,
            DEMAK,
            "jalan nasional berlubang",
            "Balai Pelaksanaan Jalan Nasional (Kementerian Pekerjaan Umum)",
            "pusat",
        ),
        (None, DEMAK, "jalan kabupaten rusak", "Dinas Pekerjaan Umum Kabupaten Demak", "kabupaten-kota"),
        (None, DEMAK, "SMP N 2 minta sumbangan", "Dinas Pendidikan Kabupaten Demak", "kabupaten-kota"),
        (None, DEMAK, "SD negeri 1 pungutan", "Dinas Pendidikan Kabupaten Demak", "kabupaten-kota"),
        (None, DEMAK, "SMK negeri 1 pungutan", "Dinas Pendidikan Provinsi Jawa Tengah", "provinsi"),
        (None, DEMAK, "puskesmas tutup jam 10", "Dinas Kesehatan Kabupaten Demak", "kabupaten-kota"),
        (None, DEMAK, "bikin e-KTP 2 tahun belum jadi", "Disdukcapil Kabupaten Demak", "kabupaten-kota"),
        (None, DEMAK, "bikin EKTP 2 tahun belum jadi", "Disdukcapil Kabupaten Demak", "kabupaten-kota"),
        ("PELINDUNGAN WNI", NOWHERE, "adik saya TKI ditahan majikan", "Kementerian Luar Negeri", "pusat"),
        (
            "LINGKUNGAN HIDUP DAN KEHUTANAN",
            DEMAK,
            "banjir rob masuk rumah",
            "Pemerintah Kabupaten Demak",
            "kabupaten-kota",
        ),
        (None, JATENG_ONLY, "banjir di mana-mana", "Pemerintah Provinsi Jawa Tengah", "provinsi"),
    ],
)
def test_route(category: str | None, location: Location, text: str, agency: str, level: str) -> None:
    assert route(category, location, text) == (agency, level)


def test_explicit_road_status_wins_over_other_road_words() -> None:
    text = "jalan provinsi rusak sejak dilewati truk tanah tol"
    assert route(None, DEMAK, text) == ("Dinas Pekerjaan Umum Bina Marga Provinsi Jawa Tengah", "provinsi")
    assert route(None, DEMAK, "lubang di jalur pantura")[1] == "pusat"


def test_nothing_known_gives_none() -> None:
    assert route(None, NOWHERE, "jalan rusak parah") == (None, None)
    assert route("KEPENDUDUKAN", NOWHERE, "ktp lama") == (None, None)


def test_template_needing_missing_place_falls_through() -> None:
    # Polres needs the regency: without it the general Polri rule applies.
    assert route(None, JATENG_ONLY, "pungli SIM di polres")[0] == "Kepolisian Negara Republik Indonesia"
    # Dukcapil needs the regency; the province government is the next that fits.
    assert route("KEPENDUDUKAN", JATENG_ONLY, "akta kelahiran lama") == (
        "Pemerintah Provinsi Jawa Tengah",
        "provinsi",
    )


def test_keywords_match_whole_words_only() -> None:
    # "sim" inside "simpang" and "kk" inside "kkn" must not route to Polri / Dukcapil.
    assert route(None, DEMAK, "lampu di simpang mati, ada KKN")[0] == "Pemerintah Kabupaten Demak"


def test_explain_names_the_rule() -> None:
    assert explain(None, DEMAK, "samsat lama") == "Samsat / pajak kendaraan"
    assert explain(None, NOWHERE, "apa saja") is None


def test_unknown_category_is_an_error_naming_the_rule() -> None:
    bad = """
[[rule]]
name = "Jalan rusak"
category = "JALAN RUSAK"
agency = "Dinas PU {regency}"
level = "kabupaten-kota"
"""
    with pytest.raises(ValidationError) as err:
        parse_rules(bad)
    assert 'rule "Jalan rusak"' in str(err.value) and "JALAN RUSAK" in str(err.value)


@pytest.mark.parametrize(
    ("fragment", "message"),
    [
        ('agency = "Dinas PU {kabupaten}"\nlevel = "kabupaten-kota"', "{kabupaten}"),
        ('agency = "Dinas PU {regency}"\nlevel = "kecamatan"', "level"),
        ('agency = "Dinas PU {regency}"\nlevel = "kabupaten-kota"\nkeywords = []', "keywords is empty"),
        ('agency = "Dinas PU {regency}"\nlevel = "kabupaten-kota"\nkeyword = ["x"]', "keyword"),
    ],
)
def test_invalid_rule_files(fragment: str, message: str) -> None:
    with pytest.raises(ValidationError) as err:
        parse_rules(f'[[rule]]\nname = "Contoh"\n{fragment}\n')
    assert message in str(err.value)


def test_category_list_and_order() -> None:
    table = parse_rules(
        """
[[rule]]
name = "first"
category = ["AGAMA", "KESEHATAN"]
keywords = ["haji"]
agency = "Kementerian Agama"
level = "pusat"

[[rule]]
name = "second"
agency = "Pemerintah {regency}"
level = "kabupaten-kota"
"""
    )
    assert [r.name for r in table.rule] == ["first", "second"]
    assert table.rule[0].category == ["AGAMA", "KESEHATAN"]
    pattern = table.rule[0].keyword_pattern()
    assert pattern is not None and pattern.search("jadwal HAJI diundur")
