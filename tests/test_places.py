"""The place resolver: official names from free text, and no guessing.

Texts here are written for the tests (not taken from the eval set).
"""

from __future__ import annotations

import time

import pytest

from triage.rules.places import resolve
from triage.schema import Location


def names(loc: Location) -> tuple[str | None, str | None]:
    return (loc.province.name if loc.province else None, loc.regency.name if loc.regency else None)


@pytest.mark.parametrize(
    ("text", "province", "regency"),
    [
        ("jalan rusak di kab.demak", "Jawa Tengah", "Kabupaten Demak"),
        ("Kab. Demak banjir lagi", "Jawa Tengah", "Kabupaten Demak"),
        ("KABUPATEN DEMAK", "Jawa Tengah", "Kabupaten Demak"),
        ("lampu mati di kota semarang", "Jawa Tengah", "Kota Semarang"),
        ("Kota Tegal", "Jawa Tengah", "Kota Tegal"),
        ("warga Sidoarjo mengeluh", "Jawa Timur", "Kabupaten Sidoarjo"),
        ("JALAN RUSAK DI KABUPATEN BNJARNEGARA", "Jawa Tengah", "Kabupaten Banjarnegara"),  # typo
        ("ktp lama sekali diwonosobo", "Jawa Tengah", "Kabupaten Wonosobo"),  # glued "di"
    ],
)
def test_regency_with_and_without_prefix(text: str, province: str, regency: str) -> None:
    loc = resolve(text)
    assert names(loc) == (province, regency)
    assert loc.source == "resolver"
    assert loc.regency is not None and loc.regency.code.count(".") == 1


@pytest.mark.parametrize(
    ("text", "province"),
    [
        ("banjir di Jateng", "Jawa Tengah"),
        ("jatim", "Jawa Timur"),
        ("DKI Jakarta", "Daerah Khusus Ibukota Jakarta"),
        ("DIY", "Daerah Istimewa Yogyakarta"),
        ("kekeringan di NTT", "Nusa Tenggara Timur"),
        ("Provinsi Papua Pegunungan", "Papua Pegunungan"),
    ],
)
def test_province_aliases(text: str, province: str) -> None:
    assert names(resolve(text)) == (province, None)


@pytest.mark.parametrize(
    ("text", "regency"),
    [
        ("banjir di Jakbar", "Kota Administrasi Jakarta Barat"),
        ("Jak-Bar", "Kota Administrasi Jakarta Barat"),
        ("macet di Jakarta Barat", "Kota Administrasi Jakarta Barat"),
        ("Kota Administrasi Jakarta Selatan", "Kota Administrasi Jakarta Selatan"),
        ("Kota Adm. Jakarta Timur", "Kota Administrasi Jakarta Timur"),
        ("jaksel", "Kota Administrasi Jakarta Selatan"),
        ("Kepulauan Seribu", "Kabupaten Administrasi Kepulauan Seribu"),
    ],
)
def test_jakarta_administrative_cities(text: str, regency: str) -> None:
    assert names(resolve(text)) == ("Daerah Khusus Ibukota Jakarta", regency)


@pytest.mark.parametrize(
    ("text", "regency"),
    [
        ("warga Solo mengeluh", "Kota Surakarta"),
        ("Sentani banjir", "Kabupaten Jayapura"),
        ("macet di Cikarang", "Kabupaten Bekasi"),
        ("Purwokerto", "Kabupaten Banyumas"),
    ],
)
def test_town_aliases(text: str, regency: str) -> None:
    assert names(resolve(text))[1] == regency


def test_town_alias_loses_to_other_mentions() -> None:
    # "Purwokerto" is also a desa in Kec. Brangsong, Kab. Kendal: the explicit mentions win.
    assert names(resolve("di Beberan Purwokerto Brangsong KENDAL")) == ("Jawa Tengah", "Kabupaten Kendal")


def test_kecamatan_and_desa_markers() -> None:
    loc = resolve("Jalan dukuh pojok desa jragung kec.karangawen kab.demak hancur")
    assert names(loc) == ("Jawa Tengah", "Kabupaten Demak")
    assert loc.district is not None and loc.district.name == "Karangawen"
    assert loc.village is not None and loc.village.name == "Jragung"
    assert loc.village.code.startswith(loc.district.code + ".")
    assert loc.mention is not None and "kab.demak" in loc.mention


def test_kecamatan_alone_gives_its_regency() -> None:
    loc = resolve("kecamatan karangawen")
    assert names(loc) == ("Jawa Tengah", "Kabupaten Demak")
    assert loc.district is not None and loc.district.code == "33.21.02"


def test_kelurahan_marker_jakarta() -> None:
    loc = resolve("Kel. Kalideres, Jakarta Barat")
    assert names(loc) == ("Daerah Khusus Ibukota Jakarta", "Kota Administrasi Jakarta Barat")
    assert loc.village is not None and loc.village.name == "Kalideres"


def test_desa_marker_reads_the_name_as_a_desa_not_a_regency() -> None:
    # Purworejo is also a kabupaten; here it is a desa in Kec. Bonang, Demak.
    loc = resolve("rob tiap hari di desa Purworejo Bonang Demak")
    assert names(loc) == ("Jawa Tengah", "Kabupaten Demak")
    assert loc.village is not None and loc.village.name == "Purworejo"


def test_kota_vs_kabupaten_bogor() -> None:
    assert names(resolve("banjir di bogor")) == ("Jawa Barat", None)  # ambiguous: province only
    assert names(resolve("banjir di kota bogor")) == ("Jawa Barat", "Kota Bogor")
    assert names(resolve("banjir di kab bogor")) == ("Jawa Barat", "Kabupaten Bogor")
    # another mention decides: Cibinong is in the Kabupaten
    assert names(resolve("jalan rusak di cibinong bogor")) == ("Jawa Barat", "Kabupaten Bogor")


def test_kecamatan_in_several_regencies_resolved_by_regency_mention() -> None:
    # Kecamatan Mijen exists in Kota Semarang and in Kabupaten Demak.
    assert names(resolve("pelayanan di kec mijen lambat")) == ("Jawa Tengah", None)
    assert names(resolve("pelayanan di kec mijen kab demak lambat")) == ("Jawa Tengah", "Kabupaten Demak")
    assert names(resolve("pelayanan di kec mijen kota semarang lambat")) == ("Jawa Tengah", "Kota Semarang")


def test_bare_kecamatan_confirms_kota_or_kabupaten() -> None:
    # "Semarang" alone could be the Kota or the Kabupaten; Ngaliyan is in the Kota.
    assert names(resolve("jalan di ngaliyan semarang berlubang")) == ("Jawa Tengah", "Kota Semarang")


@pytest.mark.parametrize(
    "text",
    [
        "Selamat pagi pak, saya mau tanya tentang bantuan sementara, kasihan sekali",
        "warga Sukamaju mengeluh jalan rusak",  # 60+ desa are called Sukamaju
        "Kelurahan Tengah jalan baru jaya mekar",
        "jalannya isi batu sama tanah, pak",  # Kota Batu only with a marker
        "terima kasih pak, matur nuwun sanget",
        "Nama SRI RAHAYU minta tolong",  # a person, though also a desa name
        "aparatur desa nya tidak ada di kantor",
    ],
)
def test_no_false_match_on_common_words(text: str) -> None:
    loc = resolve(text)
    assert loc.regency is None and loc.province is None, loc


def test_text_without_place_is_empty() -> None:
    loc = resolve("jalan rusak parah tolong diperbaiki")
    assert loc == Location(source="none")
    assert resolve("") == Location(source="none")


def test_route_between_regencies_gives_province_only() -> None:
    assert names(resolve("jalan Semarang Demak macet 10 km")) == ("Jawa Tengah", None)


def test_conflicting_regencies_return_less() -> None:
    # Two different regencies with their own support: no guess.
    loc = resolve("saya dari kab. purworejo, sekarang di kota magelang jalannya rusak")
    assert loc.regency is None


def test_inconsistent_province_trusts_the_regency() -> None:
    assert names(resolve("Kab. Semarang, Jawa Timur")) == ("Jawa Tengah", "Kabupaten Semarang")


def test_inconsistent_province_beats_a_bare_kecamatan() -> None:
    # Karangawen is a kecamatan in Demak (Jawa Tengah); the writer states Jawa Timur: keep only that.
    assert names(resolve("jalan rusak di kec karangawen, jawa timur")) == ("Jawa Timur", None)


def test_hint_ignored_when_text_does_not_support_it() -> None:
    assert resolve("jalan rusak parah tolong diperbaiki", hint="Kabupaten Bandung") == Location(source="none")
    loc = resolve("jalan rusak di kab demak", hint="Kota Semarang")
    assert names(loc) == ("Jawa Tengah", "Kabupaten Demak")
    assert loc.source == "resolver"


def test_hint_breaks_a_tie_the_text_supports() -> None:
    loc = resolve("jalan di bogor rusak", hint="Kota Bogor")
    assert names(loc) == ("Jawa Barat", "Kota Bogor")
    assert loc.source == "model+resolver"


def test_fast_on_long_text() -> None:
    text = ("Selamat siang pak, jalan di desa jragung kec karangawen kab demak rusak parah. " * 14)[:1000]
    resolve(text)
    start = time.perf_counter()
    for _ in range(20):
        resolve(text)
    assert (time.perf_counter() - start) / 20 < 0.05


@pytest.mark.parametrize(
    ("text", "province", "regency"),
    [
        # the governor addressed tips a kecamatan name found in several provinces
        ("Pak Ahok, halte Grogol gelap dan kumuh", "Daerah Khusus Ibukota Jakarta", None),
        # no place named at all: the addressed governor's province, never a regency
        ("Pak Ganjar, jalan di depan rumah saya rusak", "Jawa Tengah", None),
        # a place the text names elsewhere beats the addressee
        ("Pak Ganjar, saya warga kab. Sidoarjo, jalan rusak", "Jawa Timur", "Kabupaten Sidoarjo"),
        ("Pak Ganjar, saya tinggal di Provinsi Jawa Timur, jalan rusak", "Jawa Timur", None),
        # "kel." leans to the place where the name is a kelurahan...
        (
            "susah urus surat di kel. Pegadungan",
            "Daerah Khusus Ibukota Jakarta",
            "Kota Administrasi Jakarta Barat",
        ),
        # ...but a named regency beats the lean
        ("jalan rusak di kelurahan Campurejo Kendal", "Jawa Tengah", "Kabupaten Kendal"),
        ("spanduk di petamburan jkt brt", "Daerah Khusus Ibukota Jakarta", "Kota Administrasi Jakarta Barat"),
    ],
)
def test_context_from_the_addressee_and_the_marker_word(text, province, regency):
    assert names(resolve(text)) == (province, regency)


def test_a_province_from_the_addressee_alone_is_marked_as_such():
    assert resolve("Pak Ganjar, jalan di depan rumah saya rusak").source == "addressee"
    assert resolve("Pak Ganjar, jalan di kab. Demak rusak").source == "resolver"


@pytest.mark.parametrize(
    ("text", "regency", "village"),
    [
        # the desa "Wates Kulon" (Lumajang) must not swallow the first word of "Kulon Progo"
        ("makanan MBG di SDN 2 Wates Kulon Progo sering basi", "Kabupaten Kulon Progo", None),
        # a local name followed by nothing wider is still read whole
        ("jalan rusak di desa Wates Kulon, Lumajang", "Kabupaten Lumajang", "Wates Kulon"),
    ],
)
def test_a_local_name_does_not_swallow_the_regency_after_it(
    text: str, regency: str, village: str | None
) -> None:
    loc = resolve(text)
    assert loc.regency is not None and loc.regency.name == regency
    assert (loc.village.name if loc.village else None) == village
