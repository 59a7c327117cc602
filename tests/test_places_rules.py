"""General recall rules of the place resolver, each with near misses that must stay unresolved.

Texts are written for the tests (not taken from the eval set or the corpora).
"""

from __future__ import annotations

import pytest

from triage.rules.places import resolve
from triage.schema import Location

JAKBAR = ("Daerah Khusus Ibukota Jakarta", "Kota Administrasi Jakarta Barat")
KOTA_SMG = ("Jawa Tengah", "Kota Semarang")
NOTHING = (None, None)


def names(loc: Location) -> tuple[str | None, str | None]:
    return (loc.province.name if loc.province else None, loc.regency.name if loc.regency else None)


# --- a desa/kelurahan name is read inside the kecamatan named next to it


def test_kelurahan_read_inside_the_named_kecamatan() -> None:
    # Cengkareng has the kelurahan Duri Kosambi; "Kosambi" alone is a kecamatan in Tangerang.
    loc = resolve("WARGA PERUM KOSAMBI BARU .KECAMATAN CENGKARENG .KELURAHAN KOSAMBI .JALAN RUSAK")
    assert names(loc) == JAKBAR
    assert loc.district is not None and loc.district.name == "Cengkareng"
    assert loc.village is not None and loc.village.name == "Duri Kosambi"


def test_kelurahan_not_in_the_named_kecamatan_keeps_its_own_readings() -> None:
    # no village of Cengkareng is called Kalideres: the kecamatan alone decides, village unset
    loc = resolve("kecamatan cengkareng kelurahan kalideres")
    assert loc.village is None or loc.village.name != "Duri Kosambi"


# --- short forms of a direction ending a name


@pytest.mark.parametrize(
    ("text", "expected", "village"),
    [
        ("susah urus surat di kelurahan kembangan u", JAKBAR, "Kembangan Utara"),
        ("kel. kedoya sel banjir", JAKBAR, "Kedoya Selatan"),
    ],
)
def test_direction_short_form(text: str, expected: tuple[str, str], village: str) -> None:
    loc = resolve(text)
    assert names(loc) == expected
    assert loc.village is not None and loc.village.name == village


def test_direction_short_form_needs_a_listed_name() -> None:
    # "Kosambi U" is no official name ("Kosambi Utara" does not exist): no expansion, no guess
    assert names(resolve("perumahan kosambi u rusak")) == NOTHING


# --- the base of a split village: "Kedoya" for Kedoya Utara / Kedoya Selatan


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Permh greengarden kedoya masi banjir", JAKBAR),
        ("jalan di meruya rusak", JAKBAR),
        ("bapak..kaligawe terboyo mau dibuat jalur laut kah", KOTA_SMG),
        ("bus dari mangkang ugal ugalan", KOTA_SMG),
        # with a marker, a base split in desa of one regency gives it (Kemutug Kidul / Lor)
        ("desa kemutug banjir", ("Jawa Tengah", "Kabupaten Banyumas")),
    ],
)
def test_base_of_a_split_village(text: str, expected: tuple[str, str]) -> None:
    assert names(resolve(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        # "kisaran" (Kisaran Barat/Timur, but also Kisaran Baru, Kisaran Kota) is an everyday word
        "biayanya kisaran berapa ya pak",
        # Kemutug splits into desa, not kelurahan: alone, without "desa", it is not enough
        "kemutug",
    ],
)
def test_base_of_a_split_village_near_misses(text: str) -> None:
    assert names(resolve(text)) == NOTHING


# --- a landmark word makes a short unique kelurahan name count


def test_landmark_before_a_short_kelurahan_name() -> None:
    assert names(resolve("TOLONG TERTIBKAN KAKI 5 SEPANJANG JLN STASIUN ANGKE")) == JAKBAR
    assert names(resolve("pasar sayung becek")) == ("Jawa Tengah", "Kabupaten Demak")


@pytest.mark.parametrize(
    "text",
    [
        "angke",  # short and bare: not enough
        "berkas di pasar masih kurang",  # "berkas" is a kelurahan too, but not after the landmark word
        "stasiun tawang",  # Tawang is in many regencies: a landmark word does not disambiguate
    ],
)
def test_landmark_near_misses(text: str) -> None:
    assert names(resolve(text))[1] is None


# --- chat short forms of place names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("gaji di bawah umk kota smg", KOTA_SMG),
        ("alamat Pandansari 9 Smg Tengah", KOTA_SMG),  # kecamatan Semarang Tengah
        ("rumah sy di genuk smg timur kebanjiran", KOTA_SMG),
        ("macet parah di jkt", ("Daerah Khusus Ibukota Jakarta", None)),
        ("perumnas banyumanik smg", KOTA_SMG),  # alone, "smg" only confirms
    ],
)
def test_short_forms(text: str, expected: tuple[str | None, str | None]) -> None:
    assert names(resolve(text)) == expected


@pytest.mark.parametrize(
    "text",
    [
        "smg cepat ditangani pak",  # "smg" = semoga
        "pkl di trotoar bikin macet",  # pedagang kaki lima
        "rezim sby dulu",  # the ex-president
        "ygy",  # chat slang
    ],
)
def test_short_forms_that_mean_something_else_stay_unresolved(text: str) -> None:
    assert names(resolve(text)) == NOTHING


# --- spelling variants of a kecamatan name


@pytest.mark.parametrize(
    ("text", "regency"),
    [
        ("jalan ke Tawangmangoe rusak", "Kabupaten Karanganyar"),  # old spelling "oe"
        ("longsor di petungkriono", "Kabupaten Pekalongan"),  # glide "y" left out
    ],
)
def test_spelling_variant_of_a_kecamatan(text: str, regency: str) -> None:
    assert names(resolve(text)) == ("Jawa Tengah", regency)


def test_spelling_variant_never_maps_to_an_everyday_word() -> None:
    # "salaam" folds to "salam", a kecamatan in Magelang and an everyday word
    assert names(resolve("salaam pak, tunjangan guru belum cair")) == NOTHING
