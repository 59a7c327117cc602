"""How often each rejecting rule fires on whole real corpora, outside the dev set.

The dev set holds ~500 cases; the rules must hold on text nobody labelled. This runs the rules that
can reject without the model (the prefilter, and the non-complaint shapes that turn a model's
"valid" into an uncertain rejection) over every row of the shared real data that is *not* in the
dev set:

  laporgub_handled   LaporGub complaints the province forwarded and closed or verified: almost all
                     genuine, so any rule firing here is a suspected false rejection
  jakarta_handled    Jakarta 2017 complaints dispatched to a kelurahan: genuine
  sms_normal         personal SMS (not complaints, not spam)
  sms_fraud/promo    scams and ads: the prefilter should catch many
  tweets_abusive     abusive tweets

Prints, per corpus, how many rows each rule fires on, and on how many the second look would
reopen a model's rejection (guards.second_look: a public-service word with a grievance word). On the
handled complaints that share is the protection against a false rejection; on the SMS and tweets it
is what a rejection would cost in review. It also counts the rows the injection splitter would
cut anything from (rules/injection.py): a real sender almost never addresses the machine, so every
cut there is a suspect. `--show RULE` prints the ids of the
LaporGub/Jakarta rows a rule fired on (row numbers only, never text: the texts carry names).

Run: .venv/bin/python benchmarks/rules_on_corpora.py [--show RULE]
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

from triage.rules import guards, injection, non_complaints, prefilter
from triage.schema import Verdict

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "data"
HANDLED = {"Laporan Selesai", "Laporan Terverifikasi", "Laporan Dalam Progress"}


def _dev_texts() -> set[str]:
    lines = (ROOT / "evals" / "dev.jsonl").read_text("utf-8").splitlines()
    return {" ".join(json.loads(line)["text"].split()) for line in lines if line.strip()}


def corpora() -> Iterator[tuple[str, str, str]]:
    """(corpus, row id, text) for every usable row."""
    with open(DATA / "laporgub_jateng" / "laporgub_jateng_2018_2019.csv", encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f), start=1):
            if row["status"] in HANDLED and row["diteruskan_ke"].strip():
                yield "laporgub_handled", f"laporgub:row={i}", row["laporan"]
    jakarta = DATA / "jakarta_pengaduan_2017" / "jakarta_barat_pengaduan_2017_utf8.csv"
    with open(jakarta, encoding="utf-8") as f:
        for i, row in enumerate(csv.DictReader(f), start=1):
            yield "jakarta_handled", f"jakarta:row={i}", row["pengaduan"]
    sms = DATA / "sms_spam_id"
    names = {"0": "sms_normal", "1": "sms_fraud", "2": "sms_promo"}
    for path in ("dataset_sms_spam_v1.csv", "michaelchen27_manually_collected_sms_600.csv"):
        with open(sms / path, encoding="utf-8") as f:
            for i, row in enumerate(csv.DictReader(f), start=1):
                label = row.get("label", row.get("Label", ""))
                yield names.get(label.strip(), "sms_other"), f"{path}:row={i}", row["Teks"]
    with open(DATA / "hatespeech_abusive_id" / "re_dataset.csv", encoding="latin-1") as f:
        for i, row in enumerate(csv.DictReader(f), start=1):
            if row["Abusive"] == "1" and row["HS"] == "0":
                yield "tweets_abusive", f"tweets:row={i}", row["Tweet"]


def rejecting_rule(text: str) -> str | None:
    hit = prefilter.check(text)
    if hit is not None:
        return f"prefilter:{hit.rule}" if hit.verdict is Verdict.invalid else None
    found = non_complaints.find(text)
    return f"shape:{found.rule}" if found else None


def second_look_reopens(text: str) -> bool:
    """Whether the second look would overturn a model's rejection of this text (any reason)."""
    services, grievances = guards.complaint_markers(text)
    return bool(services and grievances) and len(text.split()) >= guards.MIN_WORDS


def main(argv: list[str]) -> int:
    show = argv[argv.index("--show") + 1] if "--show" in argv else None
    dev = _dev_texts()
    totals: Counter[str] = Counter()
    reopened: Counter[str] = Counter()
    cut: Counter[str] = Counter()
    fired: dict[str, Counter[str]] = {}
    shown: list[str] = []
    for corpus, row_id, text in corpora():
        if " ".join(text.split()) in dev:
            continue
        totals[corpus] += 1
        reopened[corpus] += second_look_reopens(text)
        cut[corpus] += injection.split(text).found
        rule = rejecting_rule(text)
        if rule:
            fired.setdefault(corpus, Counter())[rule] += 1
            if show and rule.endswith(show) and corpus.endswith("handled"):
                shown.append(row_id)
    for corpus, n in totals.items():
        hits = fired.get(corpus, Counter())
        share = sum(hits.values()) / n
        print(f"{corpus:18} {n:6} rows  rejected by a rule: {sum(hits.values()):5} ({share:6.1%})")
        for rule, count in hits.most_common():
            print(f"    {rule:40} {count:5}")
        print(f"    {'a model rejection reopened by the second look':40} {reopened[corpus] / n:6.1%}")
        print(f"    {'rows the injection splitter cuts from':40} {cut[corpus]:5}")
    if show:
        print(f"\nrows of handled complaints where {show} fired: {', '.join(shown) or 'none'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
