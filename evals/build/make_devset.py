#!/usr/bin/env python3
"""Build the lapor-triage labelled dev set (evals/dev.jsonl) and smoke set (evals/smoke.jsonl).

Stdlib only. Two steps:

  python3 evals/build/make_devset.py candidates [--out DIR]
      Re-creates the candidate pools that were read and labelled by hand: a fixed-seed
      stratified sample of each real data source (LaporGub, Jakarta, SMS spam, abusive tweets),
      one JSONL file per pool, each line {"source": ..., "text": ..., "meta": {...}}.
      Default DIR is /tmp/lapor_devset_candidates (texts contain real names: keep them out of git).

  python3 evals/build/make_devset.py build
      Merges the hand-edited labels (evals/build/labels.jsonl: real-data rows, text pulled from
      /work/shared/data by their `source` key) and the hand-written cases
      (evals/build/handwritten.jsonl: text inline) into evals/dev.jsonl, then copies the ids in
      evals/build/smoke_ids.txt into evals/smoke.jsonl. Output order = labels order, then
      handwritten order. Run evals/build/check_devset.py afterwards.

Source keys (row numbers are 1-based data rows as read by csv.DictReader, header excluded):
  laporgub_jateng:row=N                         column `laporan`
  jakarta_pengaduan_2017:no_laporan=N           column `pengaduan`
  sms_spam_id/<file>.csv:row=N                  column Teks / text
  hatespeech_abusive_id:row=N                   column Tweet (latin-1), cleaned by clean_tweet()
"""
from __future__ import annotations

import argparse
import csv
import html
import json
import os
import random
import re
import sys
from collections import defaultdict

SEED = 20250917
DATA = os.environ.get(
    "LAPOR_SHARED_DATA", os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data")
)
HERE = os.path.dirname(os.path.abspath(__file__))
EVALS = os.path.dirname(HERE)
MAX_CHARS = 1500

LAPORGUB_CSV = "laporgub_jateng/laporgub_jateng_2018_2019.csv"
JAKARTA_CSV = "jakarta_pengaduan_2017/jakarta_barat_pengaduan_2017_utf8.csv"
SMS_FILES = {
    "dataset_sms_spam_v1.csv": ("Teks", "label"),
    "michaelchen27_manually_collected_sms_600.csv": ("Teks", "Label"),
    "bopbi_indonesia_sms_spam_cc0.csv": ("text", "category"),
}
HATE_CSV = "hatespeech_abusive_id/re_dataset.csv"

MOJIBAKE = re.compile("[ÂÃâð]")


# ---------------------------------------------------------------- loaders

def _rows(path, encoding="utf-8"):
    with open(os.path.join(DATA, path), encoding=encoding, newline="") as f:
        return list(csv.DictReader(f))


def norm_key(text: str) -> str:
    """Key for near-duplicate detection: lower-case letters/digits only, first 120 chars."""
    return re.sub(r"[^a-z0-9]", "", text.lower())[:120]


def clean_tweet(raw: str, sampling_v1: bool = False) -> str:
    """Undo the dataset's escaping and drop the anonymisation tokens only.

    re_dataset.csv stores emoji as literal "\\xf0\\x9f.." escapes, newlines as literal "\\n", ends
    many tweets with a stray "'" (some with a truncated "\\" or "\\x"), keeps HTML entities such as
    "&amp;" and replaces mentions/links with USER / URL. Everything else is kept verbatim (slang,
    caps, typos). sampling_v1=True reproduces the first cleaner (no HTML unescape, no trailing-escape
    removal), which was used when the candidate pool was drawn."""
    t = raw
    # literal byte escapes -> bytes -> utf-8 text
    if "\\x" in t:
        def _bytes(m):
            return bytes(int(h, 16) for h in re.findall(r"\\x([0-9a-fA-F]{2})", m.group(0)))
        t = re.sub(r"(?:\\x[0-9a-fA-F]{2})+", lambda m: _bytes(m).decode("utf-8", "ignore"), t)
    t = t.replace("\\n", "\n")
    if not sampling_v1:
        t = html.unescape(t)
    t = re.sub(r"^\s*RT\s+USER\s*:?", "", t)
    t = re.sub(r"\bUSER\b:?", "", t)
    t = re.sub(r"\bURL\b", "", t)
    t = re.sub(r"'\s*$", "", t)
    if not sampling_v1:
        t = re.sub(r"\\x?\s*$", "", t)  # truncated escape left at the end of some tweets
    t = re.sub(r"[ \t]+", " ", t)
    t = "\n".join(line.strip() for line in t.split("\n"))
    return t.strip()


def load_sources() -> dict[str, dict]:
    """source key -> {"text": str, "meta": dict} for every real-data row."""
    out: dict[str, dict] = {}
    for i, r in enumerate(_rows(LAPORGUB_CSV), 1):
        out[f"laporgub_jateng:row={i}"] = {
            "text": r["laporan"].strip(),
            "meta": {k: r[k].strip() for k in ("kanal", "kategori", "diteruskan_ke", "status", "source_file")},
        }
    for r in _rows(JAKARTA_CSV):
        out[f"jakarta_pengaduan_2017:no_laporan={r['no_laporan']}"] = {
            "text": r["pengaduan"].strip(),
            "meta": {"kelurahan": r["kelurahan"].strip(), "kategori": r["kategori"].strip()},
        }
    for fname, (tcol, lcol) in SMS_FILES.items():
        for i, r in enumerate(_rows(f"sms_spam_id/{fname}"), 1):
            out[f"sms_spam_id/{fname}:row={i}"] = {"text": r[tcol].strip(), "meta": {"label": r[lcol]}}
    for i, r in enumerate(_rows(HATE_CSV, encoding="latin-1"), 1):
        out[f"hatespeech_abusive_id:row={i}"] = {
            "text": clean_tweet(r["Tweet"]),
            # the pool was sampled with the first version of the cleaner; keep it for reproducibility
            "sample_text": clean_tweet(r["Tweet"], sampling_v1=True),
            "meta": {k: r[k] for k in ("HS", "Abusive", "HS_Individual", "HS_Group", "HS_Strong")},
        }
    return out


# ---------------------------------------------------------------- candidate pools

def _dedup(items, key="text"):
    seen, out = set(), []
    for name, it in items:
        k = norm_key(it[key])
        if k in seen:
            continue
        seen.add(k)
        out.append((name, it))
    return out


def candidates(outdir: str) -> None:
    rng = random.Random(SEED)
    src = load_sources()
    os.makedirs(outdir, exist_ok=True)
    pools: dict[str, list] = {}

    # LaporGub: stratified by portal category, 30..1500 chars, no mojibake, no near-duplicates;
    # shorter rows are preferred (2/3 of each stratum drawn from rows under 500 chars).
    lg = [(k, v) for k, v in src.items() if k.startswith("laporgub_jateng:")]
    lg = [(k, v) for k, v in lg if 30 <= len(v["text"]) <= MAX_CHARS and not MOJIBAKE.search(v["text"])]
    lg = _dedup(lg)
    by_cat = defaultdict(list)
    for k, v in lg:
        cat = v["meta"]["kategori"]
        if cat.startswith("Kabupaten") or cat.startswith("Kota"):
            cat = "DAERAH"
        by_cat[cat].append((k, v))
    picked = []
    for cat in sorted(by_cat):
        items = by_cat[cat]
        n = max(4, round(len(items) * 0.13))
        short = [x for x in items if len(x[1]["text"]) < 500]
        long_ = [x for x in items if len(x[1]["text"]) >= 500]
        rng.shuffle(short)
        rng.shuffle(long_)
        ns = min(len(short), round(n * 2 / 3))
        picked += short[:ns] + long_[: n - ns]
    # plus every SMS/social-media row (the "SMS style" voice) and a sample of "Bukan Wewenang"
    extra = [x for x in lg if x[1]["meta"]["kanal"] != "Web"]
    bw = [x for x in lg if x[1]["meta"]["status"] == "Laporan Bukan Wewenang"]
    rng.shuffle(bw)
    have = {k for k, _ in picked}
    for x in extra + bw[:30]:
        if x[0] not in have:
            picked.append(x)
            have.add(x[0])
    pools["laporgub"] = picked

    # Jakarta: all rows, de-duplicated, shuffled.
    jk = _dedup([(k, v) for k, v in src.items() if k.startswith("jakarta_pengaduan_2017:")])
    rng.shuffle(jk)
    pools["jakarta"] = jk

    # SMS: per file, fraud (1) / promo (2) / normal (0) samples.
    sms = []
    for fname in SMS_FILES:
        rows = _dedup([(k, v) for k, v in src.items() if k.startswith(f"sms_spam_id/{fname}:")])
        by_label = defaultdict(list)
        for k, v in rows:
            by_label[v["meta"]["label"]].append((k, v))
        for lab in sorted(by_label):
            items = by_label[lab]
            rng.shuffle(items)
            want = {"dataset_sms_spam_v1.csv": 30, "michaelchen27_manually_collected_sms_600.csv": 20}.get(fname, 12)
            sms += items[:want]
    pools["sms"] = sms

    # Abusive tweets: Abusive=1, 25..280 chars after cleaning.
    hs = [(k, v) for k, v in src.items() if k.startswith("hatespeech_abusive_id:")]
    hs = [(k, v) for k, v in hs if v["meta"]["Abusive"] == "1" and 25 <= len(v["sample_text"]) <= 280]
    hs = _dedup(hs, key="sample_text")
    rng.shuffle(hs)
    pools["abusive"] = hs[:120]

    for name, items in pools.items():
        with open(os.path.join(outdir, f"{name}.jsonl"), "w", encoding="utf-8") as f:
            for k, v in items:
                f.write(json.dumps({"source": k, "text": v["text"], "meta": v["meta"]}, ensure_ascii=False) + "\n")
        print(f"{name}: {len(items)} candidates -> {outdir}/{name}.jsonl")


# ---------------------------------------------------------------- build

def _read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            line = line.strip()
            if line and not line.startswith("//"):
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as e:
                    sys.exit(f"{path}:{n}: {e}")


def build() -> None:
    src = load_sources()
    cases = []
    for lab in _read_jsonl(os.path.join(HERE, "labels.jsonl")):
        s = src.get(lab["source"])
        if s is None:
            sys.exit(f"unknown source {lab['source']} ({lab['id']})")
        text = s["text"]
        if len(text) > MAX_CHARS:
            sys.exit(f"{lab['id']}: text over {MAX_CHARS} chars")
        cases.append({"id": lab["id"], "text": text, "expected": lab["expected"],
                      "source": lab["source"], "notes": lab.get("notes", "")})
    for hw in _read_jsonl(os.path.join(HERE, "handwritten.jsonl")):
        cases.append({"id": hw["id"], "text": hw["text"], "expected": hw["expected"],
                      "source": hw.get("source", "handwritten"), "notes": hw.get("notes", "")})
    for c in cases:
        e = c["expected"]
        c["expected"] = {k: e.get(k) for k in ("verdict", "reason", "category", "province", "regency")}
    with open(os.path.join(EVALS, "dev.jsonl"), "w", encoding="utf-8") as f:
        for c in cases:
            f.write(json.dumps(c, ensure_ascii=False) + "\n")
    by_id = {c["id"]: c for c in cases}
    with open(os.path.join(HERE, "smoke_ids.txt"), encoding="utf-8") as f:
        smoke_ids = [l.split("#")[0].strip() for l in f if l.split("#")[0].strip()]
    with open(os.path.join(EVALS, "smoke.jsonl"), "w", encoding="utf-8") as f:
        for i in smoke_ids:
            f.write(json.dumps(by_id[i], ensure_ascii=False) + "\n")
    print(f"dev.jsonl: {len(cases)} cases; smoke.jsonl: {len(smoke_ids)} cases")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("candidates")
    c.add_argument("--out", default="/tmp/lapor_devset_candidates")
    sub.add_parser("build")
    a = ap.parse_args()
    if a.cmd == "candidates":
        candidates(a.out)
    else:
        build()


if __name__ == "__main__":
    main()
