#!/usr/bin/env python3
"""Validate evals/dev.jsonl and evals/smoke.jsonl against the eval-case contract (stdlib only).

    /usr/bin/env python3 evals/build/check_devset.py [--dev PATH] [--smoke PATH] [--data DIR]

Checks: every line parses; required fields; ids unique; verdict/reason consistency; category is one of
the 38 SP4N-LAPOR! main categories (null for invalid); province/regency are exact official Kemendagri
names and the regency lies in the province; texts non-empty and <= 1500 chars; no exact or
near-duplicate texts; at most 3 NIK-like 16-digit numbers; smoke is a subset of dev (identical cases,
30 cases, each text < 600 chars). Prints counts. Exits 1 on any problem.
"""
from __future__ import annotations

import argparse
import csv
import json
import os
import re
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
EVALS = os.path.dirname(HERE)

VERDICTS = {"valid", "needs_info", "invalid"}
REASONS = {"prank", "spam", "abusive", "not_a_complaint", "out_of_scope"}
EXPECTED_KEYS = {"verdict", "reason", "category", "province", "regency"}
MAX_CHARS = 1500
SMOKE_MAX_CHARS = 600
SMOKE_SIZE = 30
MAX_NIK_CASES = 3


def load_jsonl(path, problems):
    cases = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                problems.append(f"{path}:{n}: empty line")
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as e:
                problems.append(f"{path}:{n}: not JSON ({e})")
                continue
            if not isinstance(obj, dict):
                problems.append(f"{path}:{n}: not a JSON object")
                continue
            cases.append(obj)
    return cases


def norm_key(text):
    return re.sub(r"[^a-z0-9]", "", text.lower())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dev", default=os.path.join(EVALS, "dev.jsonl"))
    ap.add_argument("--smoke", default=os.path.join(EVALS, "smoke.jsonl"))
    ap.add_argument("--data", default=os.environ.get("LAPOR_SHARED_DATA", "/work/shared/data"))
    a = ap.parse_args()
    problems: list[str] = []

    with open(os.path.join(a.data, "lapor_taxonomy/sp4n_lapor_categories_2025.json"), encoding="utf-8") as f:
        categories = set(json.load(f))
    if len(categories) != 38:
        problems.append(f"taxonomy has {len(categories)} main categories, expected 38")
    provinces, regency_prov, prov_codes = set(), {}, set()
    with open(os.path.join(a.data, "wilayah_kemendagri/wilayah_kemendagri_2025.csv"), encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["level"] == "provinsi":
                provinces.add(r["nama"].strip())
                prov_codes.add(r["kode"].strip())
            elif r["level"] == "kabupaten_kota":
                regency_prov[r["nama"].strip()] = r["provinsi"].strip()

    dev = load_jsonl(a.dev, problems)
    ids = Counter(c.get("id") for c in dev)
    for i, k in ids.items():
        if k > 1:
            problems.append(f"duplicate id {i!r} ({k}x)")

    seen_text = {}
    nik_cases = []
    for c in dev:
        cid = c.get("id")
        where = f"dev {cid}"
        if not isinstance(cid, str) or not cid:
            problems.append(f"{where}: missing id")
        text = c.get("text")
        if not isinstance(text, str) or not text.strip():
            problems.append(f"{where}: missing/empty text")
            continue
        if len(text) > MAX_CHARS:
            problems.append(f"{where}: text has {len(text)} chars (> {MAX_CHARS})")
        for key in ("source", "notes"):
            if not isinstance(c.get(key), str):
                problems.append(f"{where}: '{key}' missing or not a string")
        if not c.get("source"):
            problems.append(f"{where}: empty source")
        k = norm_key(text)
        if len(k) < 10:  # emoji-only / very short texts: compare the exact text instead
            k = "raw:" + text.strip().lower()
        k120 = k[:120]
        for kk in {k, k120} if len(k) >= 40 else {k}:
            if kk in seen_text:
                problems.append(f"{where}: exact/near-duplicate text of {seen_text[kk]}")
                break
        seen_text.setdefault(k, cid)
        if len(k) >= 40:
            seen_text.setdefault(k120, cid)
        if any(m[:2] in prov_codes for m in re.findall(r"(?<!\d)\d{16}(?!\d)", text)):
            nik_cases.append(cid)  # 16 digits starting with a province code: looks like a NIK

        e = c.get("expected")
        if not isinstance(e, dict):
            problems.append(f"{where}: 'expected' missing")
            continue
        missing = EXPECTED_KEYS - set(e)
        if missing:
            problems.append(f"{where}: expected lacks {sorted(missing)}")
        v, reason = e.get("verdict"), e.get("reason")
        cat, prov, reg = e.get("category"), e.get("province"), e.get("regency")
        if v not in VERDICTS:
            problems.append(f"{where}: bad verdict {v!r}")
        if v == "invalid":
            if reason not in REASONS:
                problems.append(f"{where}: invalid needs a reason in {sorted(REASONS)}, got {reason!r}")
            if cat is not None:
                problems.append(f"{where}: category must be null for invalid")
        elif reason is not None:
            problems.append(f"{where}: reason must be null unless invalid (got {reason!r})")
        if cat is not None and cat not in categories:
            problems.append(f"{where}: unknown category {cat!r}")
        if prov is not None and prov not in provinces:
            problems.append(f"{where}: unknown province {prov!r}")
        if reg is not None:
            if reg not in regency_prov:
                problems.append(f"{where}: unknown regency {reg!r}")
            elif prov is None:
                problems.append(f"{where}: regency {reg!r} set without province")
            elif regency_prov[reg] != prov:
                problems.append(f"{where}: regency {reg!r} is in {regency_prov[reg]!r}, not {prov!r}")

    if len(nik_cases) > MAX_NIK_CASES:
        problems.append(f"{len(nik_cases)} cases contain a 16-digit number (max {MAX_NIK_CASES}): {nik_cases}")

    by_id = {c.get("id"): c for c in dev}
    smoke = load_jsonl(a.smoke, problems) if os.path.exists(a.smoke) else []
    if len(smoke) != SMOKE_SIZE:
        problems.append(f"smoke has {len(smoke)} cases, expected {SMOKE_SIZE}")
    if len({c.get('id') for c in smoke}) != len(smoke):
        problems.append("smoke has duplicate ids")
    for c in smoke:
        cid = c.get("id")
        if cid not in by_id:
            problems.append(f"smoke {cid}: not in dev")
        elif c != by_id[cid]:
            problems.append(f"smoke {cid}: differs from the dev case")
        if len(c.get("text", "")) >= SMOKE_MAX_CHARS:
            problems.append(f"smoke {cid}: text has {len(c['text'])} chars (>= {SMOKE_MAX_CHARS})")
    smoke_reasons = {c["expected"].get("reason") for c in smoke if c.get("expected", {}).get("verdict") == "invalid"}
    if smoke and not REASONS <= smoke_reasons:
        problems.append(f"smoke lacks invalid reasons {sorted(REASONS - smoke_reasons)}")

    # ---- report
    def label(c):
        e = c.get("expected", {})
        return e.get("verdict") if e.get("verdict") != "invalid" else f"invalid/{e.get('reason')}"

    def src_kind(c):
        s = c.get("source", "")
        if s.startswith("sms_spam_id/"):
            return s.split(":")[0]
        return s.split(":")[0]

    print(f"dev: {len(dev)} cases  smoke: {len(smoke)} cases")
    print("\nper verdict/reason (dev | smoke):")
    dc, sc = Counter(label(c) for c in dev), Counter(label(c) for c in smoke)
    for k in sorted(dc):
        print(f"  {k:28s} {dc[k]:4d} | {sc.get(k, 0):2d}")
    print("\nper source x verdict/reason (dev):")
    table = Counter((src_kind(c), label(c)) for c in dev)
    for (s, l), n in sorted(table.items()):
        print(f"  {s:58s} {l:28s} {n:4d}")
    print("\nscored fields (dev, non-null): category %d, province %d, regency %d" % (
        sum(c["expected"].get("category") is not None for c in dev),
        sum(c["expected"].get("province") is not None for c in dev),
        sum(c["expected"].get("regency") is not None for c in dev)))
    print("16-digit NIK-like cases:", nik_cases)

    if problems:
        print(f"\n{len(problems)} PROBLEM(S):", file=sys.stderr)
        for p in problems:
            print("  - " + p, file=sys.stderr)
        sys.exit(1)
    print("\nOK")


if __name__ == "__main__":
    main()
