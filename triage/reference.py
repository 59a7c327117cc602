"""Official reference lists shipped with the package: SP4N-LAPOR! categories and Kemendagri regions.

Everything a model says about a category or a place is checked against these lists, because the
embedded 1.5B model invents both. Loaded once per process; the region file is 8 MB.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources


def _data_path(name: str):
    return resources.files("triage").joinpath("data", name)


@cache
def taxonomy() -> dict[str, tuple[str, ...]]:
    """Main category -> sub-topics, exactly as LAPOR! names them."""
    raw = json.loads(_data_path("sp4n_lapor_categories_2025.json").read_text("utf-8"))
    return {name.strip(): tuple(s.strip() for s in subs) for name, subs in raw.items()}


def category_names() -> tuple[str, ...]:
    return tuple(taxonomy())


def keyword_regex(keyword: str) -> str:
    """A keyword as a regex: spaces and hyphens inside optional ("e-ktp" = "ektp"); "sekolah*" a prefix.

    Shared by the routing table and the category words, which an admin edits in the same way.
    """
    prefix = keyword.endswith("*")
    parts = [re.escape(p) for p in re.split(r"[\s\-]+", keyword.rstrip("*").strip()) if p]
    return r"[\s\-]?".join(parts) + (r"\w*" if prefix else "")


def fold(text: str) -> str:
    """Case, punctuation and spacing folded, for comparing names people type with official ones."""
    text = text.casefold().replace("\u00a0", " ")
    text = re.sub(r"[^\w\s]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str  # provinsi | kabupaten_kota | kecamatan | desa_kelurahan
    province: str
    regency: str
    district: str
    kind: str  # kabupaten | kota | desa | kelurahan | desa_adat | ''

    @property
    def parent_code(self) -> str:
        return self.code.rsplit(".", 1)[0] if "." in self.code else ""


@dataclass
class Regions:
    by_code: dict[str, Region] = field(default_factory=dict)
    provinces: dict[str, Region] = field(default_factory=dict)  # official name -> region
    regencies: dict[str, Region] = field(default_factory=dict)  # official name -> region


@cache
def regions() -> Regions:
    out = Regions()
    with _data_path("wilayah_kemendagri_2025.csv").open(encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            region = Region(
                code=row["kode"].strip(),
                name=row["nama"].strip(),
                level=row["level"].strip(),
                province=(row["provinsi"] or "").strip() or row["nama"].strip(),
                regency=(row["kabupaten_kota"] or "").strip(),
                district=(row["kecamatan"] or "").strip(),
                kind=(row["jenis"] or "").strip(),
            )
            out.by_code[region.code] = region
            if region.level == "provinsi":
                out.provinces[region.name] = region
            elif region.level == "kabupaten_kota":
                out.regencies[region.name] = region
    return out


# Short forms people write for provinces; the folded key maps to the official name.
PROVINCE_ALIASES: dict[str, str] = {
    "dki": "Daerah Khusus Ibukota Jakarta",
    "dki jakarta": "Daerah Khusus Ibukota Jakarta",
    "jakarta": "Daerah Khusus Ibukota Jakarta",
    "daerah khusus jakarta": "Daerah Khusus Ibukota Jakarta",
    "diy": "Daerah Istimewa Yogyakarta",
    "yogyakarta": "Daerah Istimewa Yogyakarta",
    "jogja": "Daerah Istimewa Yogyakarta",
    "jogjakarta": "Daerah Istimewa Yogyakarta",
    "di yogyakarta": "Daerah Istimewa Yogyakarta",
    "jateng": "Jawa Tengah",
    "jatim": "Jawa Timur",
    "jabar": "Jawa Barat",
    "sumut": "Sumatera Utara",
    "sumbar": "Sumatera Barat",
    "sumsel": "Sumatera Selatan",
    "kalbar": "Kalimantan Barat",
    "kalteng": "Kalimantan Tengah",
    "kalsel": "Kalimantan Selatan",
    "kaltim": "Kalimantan Timur",
    "kaltara": "Kalimantan Utara",
    "sulut": "Sulawesi Utara",
    "sulteng": "Sulawesi Tengah",
    "sulsel": "Sulawesi Selatan",
    "sultra": "Sulawesi Tenggara",
    "sulbar": "Sulawesi Barat",
    "ntt": "Nusa Tenggara Timur",
    "ntb": "Nusa Tenggara Barat",
    "babel": "Kepulauan Bangka Belitung",
    "bangka belitung": "Kepulauan Bangka Belitung",
    "kepri": "Kepulauan Riau",
    "aceh": "Aceh",
    "nad": "Aceh",
}


@cache
def _province_index() -> dict[str, str]:
    index = {fold(name): name for name in regions().provinces}
    for alias, official in PROVINCE_ALIASES.items():
        if official in regions().provinces:
            index[alias] = official
    return index


def canonical_province(name: str) -> str | None:
    """Official province name for what a person or model wrote, or None when it names none."""
    key = fold(name)
    key = re.sub(r"^(provinsi|propinsi|prov)\s+", "", key)
    return _province_index().get(key)


def _regency_keys(official: str) -> list[str]:
    """The ways people write one regency: "Kabupaten Bogor", "Kab Bogor", "Kota Adm. Jakarta Barat"."""
    folded = fold(official)
    keys = [folded]
    for prefix, short in (
        ("kabupaten administrasi ", ("kab ", "kabupaten ", "kab adm ")),
        ("kota administrasi ", ("kota ", "kota adm ")),
        ("kabupaten ", ("kab ", "kab. ")),
    ):
        if folded.startswith(prefix):
            rest = folded[len(prefix) :]
            keys += [s.strip() + " " + rest for s in short]
    return keys


@cache
def _regency_index() -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Exact keys (with a Kabupaten/Kota word) and bare names ("bogor") -> candidates."""
    exact: dict[str, str] = {}
    bare: dict[str, list[str]] = {}
    for official in regions().regencies:
        for key in _regency_keys(official):
            exact[key] = official
        stem = re.sub(r"^(kabupaten administrasi|kota administrasi|kabupaten|kota)\s+", "", fold(official))
        bare.setdefault(stem, []).append(official)
    return exact, {k: tuple(v) for k, v in bare.items()}


def regency_candidates(name: str) -> tuple[str, ...]:
    """Official regency names that what was written could mean; several when "Bogor" is ambiguous."""
    key = fold(name)
    exact, bare = _regency_index()
    if key in exact:
        return (exact[key],)
    key = re.sub(r"^(kabupaten|kab|kota|kot|kotamadya|kodya|kota adm|kota administrasi)\s+", "", key)
    return bare.get(key, ())
