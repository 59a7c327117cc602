"""What happens to real complaints that a government handled: how many are archived unseen?

The eval sets measure verdicts on labelled cases; the costliest error, a genuine complaint
archived without a person seeing it, is best seen on complaints known to be genuine. This draws a
seeded sample of LaporGub complaints the Central Java government marked handled ("Laporan
Selesai"), none of them in any eval set (near copies included), and writes them as eval cases
(expected `valid`, Jawa Tengah) for `triage eval`; with `--predictions` it prints where each went
and the archived ones' rule and reason, masked, for a person to judge (some real messages are
questions or personal requests that the contract does reject).

Caveat: these complaints are in the learned signals' training corpus, so the signals see them at
their best.

    .venv/bin/python benchmarks/real_complaints.py --n 100 --seed 20261206 --out runs/real.jsonl
    .venv/bin/triage eval run runs/real.jsonl --out runs/real-eval
    .venv/bin/python benchmarks/real_complaints.py --out runs/real.jsonl \
        --predictions runs/real-eval/predictions.jsonl
"""

from __future__ import annotations

import argparse
import csv
import json
import random
from collections import Counter
from pathlib import Path

from triage import identity
from triage.signals import corpora

HANDLED = "Laporan Selesai"


def sample(n: int, seed: int, exclude: set[str]) -> list[dict[str, object]]:
    path = corpora.default_data_dir() / "laporgub_jateng" / "laporgub_jateng_2018_2019.csv"
    with path.open(encoding="utf-8", errors="replace", newline="") as fh:
        rows = [
            r for r in csv.DictReader(fh) if r.get("status") == HANDLED and (r.get("laporan") or "").strip()
        ]
    banned = corpora.in_eval_sets([corpora.match_key(r["laporan"]) for r in rows])
    pool = [r for r, b in zip(rows, banned, strict=True) if not b and source_of(r) not in exclude]
    picked = random.Random(seed).sample(pool, n)
    return [
        {
            "id": f"real-{month_of(r['source_file'])}-{r['no']}",
            "text": r["laporan"].strip(),
            "expected": {"verdict": "valid", "province": "Jawa Tengah"},
            "source": source_of(r),
            "notes": f"handled by the province ({r.get('kategori', '')})",
        }
        for r in picked
    ]


def month_of(source_file: str) -> str:
    """ "laporan-aduan-oktober-tahun-2018.xlsx" -> "oktober": ids a person can place."""
    parts = source_file.split("-")
    return parts[2] if len(parts) > 2 else "x"


def source_of(row: dict[str, str]) -> str:
    return f"laporgub_jateng:{row['source_file']}:{row['no']}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--predictions", type=Path)
    ap.add_argument("--exclude", type=Path, nargs="*", default=[], help="earlier samples, not drawn again")
    args = ap.parse_args()
    if not args.out.exists():
        seen = {
            json.loads(line)["source"]
            for path in args.exclude
            for line in path.read_text().splitlines()
            if line
        }
        cases = sample(args.n, args.seed, seen)
        args.out.write_text(
            "".join(json.dumps(c, ensure_ascii=False) + "\n" for c in cases), encoding="utf-8"
        )
        print(f"{len(cases)} handled complaints written to {args.out}")
    if not args.predictions:
        return
    texts = {c["id"]: c["text"] for c in map(json.loads, args.out.read_text(encoding="utf-8").splitlines())}
    preds = [
        json.loads(line) for line in args.predictions.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    outcomes = Counter(p.get("outcome") for p in preds)
    print(
        f"{len(preds)} real complaints: "
        + ", ".join(f"{k} {v} ({v / len(preds):.3f})" for k, v in outcomes.most_common())
    )
    for p in preds:
        if p.get("outcome") == "archived":
            text = identity.mask_text(texts.get(p["id"], ""))[:240]
            print(f"- {p['id']} {p.get('reason')} {p.get('rules')}: {text}")


if __name__ == "__main__":
    main()
