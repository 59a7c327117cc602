"""The place resolver on the real complaints that are NOT in the dev set: coverage and suspect answers.

Run: .venv/bin/python benchmarks/places_heldout.py [--data DIR] [--show] [--dump FILE]

There are no place labels for these rows, so two proxies stand in for "wrong non-null":
* Jakarta (West Jakarta 2017): each row has the official kelurahan it was filed under. A resolved
  regency other than that kelurahan's regency is counted as a disagreement (some are the writer
  naming another place on purpose; read them with --show).
* LaporGub (Central Java governor's channel): almost every complaint is about Central Java, so a
  resolved province other than Jawa Tengah is suspect.
Rows used in evals/dev.jsonl (by row id in the `source` field) are left out, so that rules tuned on
dev are checked on text nobody tuned them on. --show prints row ids and place names, never text;
--dump writes row id -> (province, regency) as JSON, to diff two versions of the resolver.
"""

from __future__ import annotations

import csv
import json
import re
import sys
from collections import Counter
from pathlib import Path

from triage.reference import fold, regions
from triage.rules.places import resolve

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "evals" / "dev.jsonl"
DATA = Path("/work/shared/data")
JAKARTA = "jakarta_pengaduan_2017/jakarta_barat_pengaduan_2017_utf8.csv"
LAPORGUB = "laporgub_jateng/laporgub_jateng_2018_2019.csv"
JATENG = "Jawa Tengah"


def dev_sources() -> set[str]:
    """`laporgub_jateng:row=N` / `jakarta_pengaduan_2017:no_laporan=N` ids of the dev cases."""
    out = set()
    for line in DEV.read_text("utf-8").splitlines():
        if line.strip():
            out.add(json.loads(line).get("source", ""))
    return out


def _squash(name: str) -> str:
    """ "KECAMATAN PALMERAH", "RAWABUAYA", "Rawa Buaya" -> "palmerah", "rawabuaya", "rawabuaya"."""
    name = re.sub(r"^(kecamatan|kelurahan|kec|kel)\s+", "", fold(name))
    return name.replace(" ", "")


def kelurahan_regencies() -> dict[str, set[str]]:
    """Squashed kecamatan/kelurahan/regency name -> official regency names, to read the column."""
    out: dict[str, set[str]] = {}
    for r in regions().by_code.values():
        if r.level in ("desa_kelurahan", "kecamatan"):
            out.setdefault(_squash(r.name), set()).add(r.regency)
        elif r.level == "kabupaten_kota":
            stem = re.sub(r"^(kabupaten administrasi|kota administrasi|kabupaten|kota)\s+", "", fold(r.name))
            out.setdefault(stem.replace(" ", ""), set()).add(r.name)
    return out


def column_regencies(column: str, table: dict[str, set[str]]) -> set[str]:
    """Regencies the kelurahan column can mean; also "UPPD TAMBORA JAKARTA BARAT" (its last words)."""
    words = fold(column).split()
    for start in range(len(words)):
        found = table.get(_squash(" ".join(words[start:])))
        if found:
            return found
    return set()


def _name(ref: object) -> str | None:
    return getattr(ref, "name", None)


def jakarta(data: Path, dev: set[str], show: bool, dump: dict[str, object]) -> None:
    rows = list(csv.DictReader((data / JAKARTA).open(encoding="utf-8")))
    kel = kelurahan_regencies()
    n = placed = with_regency = disagree = unknown_column = 0
    for row in rows:
        rid = f"jakarta_pengaduan_2017:no_laporan={row['no_laporan']}"
        if rid in dev:
            continue
        n += 1
        loc = resolve(row["pengaduan"])
        got = (_name(loc.province), _name(loc.regency))
        dump[rid] = got
        placed += loc.province is not None
        if loc.regency is None:
            continue
        with_regency += 1
        official = column_regencies(row["kelurahan"], kel)
        if not official:
            unknown_column += 1
            if show:
                print(f"  {rid}: column {row['kelurahan']!r} not a listed kelurahan; got {got[1]}")
        elif got[1] not in official:
            disagree += 1
            if show:
                print(f"  {rid}: column {row['kelurahan']!r} ({sorted(official)}) but got {got[1]}")
    print(
        f"jakarta rows {n}: with a place {placed} ({placed / max(n, 1):.0%}), with a regency {with_regency}, "
        f"regency disagrees with the kelurahan column {disagree}, column not in the list {unknown_column}"
    )


def laporgub(data: Path, dev: set[str], show: bool, dump: dict[str, object]) -> None:
    rows = list(csv.DictReader((data / LAPORGUB).open(encoding="utf-8")))
    n = placed = with_regency = 0
    other: Counter[str] = Counter()
    for i, row in enumerate(rows, start=1):
        rid = f"laporgub_jateng:row={i}"
        if rid in dev:
            continue
        n += 1
        loc = resolve(row["laporan"])
        got = (_name(loc.province), _name(loc.regency))
        dump[rid] = got
        placed += loc.province is not None
        with_regency += loc.regency is not None
        if got[0] is not None and got[0] != JATENG:
            other[got[0]] += 1
            if show:
                print(f"  {rid}: {got[0]} / {got[1]}")
    print(
        f"laporgub rows {n}: with a place {placed} ({placed / max(n, 1):.0%}), "
        f"with a regency {with_regency}, "
        f"outside Jawa Tengah {sum(other.values())} {dict(other.most_common())}"
    )


def main(argv: list[str]) -> int:
    show = "--show" in argv
    data = Path(argv[argv.index("--data") + 1]) if "--data" in argv else DATA
    dump_path = Path(argv[argv.index("--dump") + 1]) if "--dump" in argv else None
    dev = dev_sources()
    resolve("warm up the indexes")
    dump: dict[str, object] = {}
    jakarta(data, dev, show, dump)
    laporgub(data, dev, show, dump)
    if dump_path:
        dump_path.write_text(json.dumps(dump, ensure_ascii=False, indent=0), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
