"""Does the model tell junk from complaints when it must name the kind of message, not say yes?

Asked "is this a real complaint?", the 1.5B model says yes to nearly everything, and asked the
inverse it says yes again (benchmarks/fresh_checks.py, docs/evaluation.md). A multiple-choice
question gives it somewhere else to put a prank or an advert: the kinds of message are listed in
the system prompt (a static prefix the server caches), the message follows alone, and the answer
is one letter, read as a distribution from the first token's log-probabilities. The complaint
score is the complaint letter's share of the listed letters.

Records each case's distribution (JSONL, resumed), then prints ROC AUC of the complaint score,
genuine over junk, over all cases and per outcome of a replay (sent on, asked, sent to a person,
archived), with what a "below t" cut would stop. Tune on evals/tune.jsonl only.

    .venv/bin/python benchmarks/fresh_type.py evals/tune.jsonl --out runs/type-tune.jsonl \
        --predictions runs/tune-replay/predictions.jsonl
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path
from typing import Any

from fresh_checks import auc, load_outcomes, resume_scores

from triage.judge.llm import LLM, AttemptRecorder

KINDS = {
    "A": ("greeting", "Salam, ucapan terima kasih, pujian, dukungan, atau kampanye politik"),
    "B": ("private", "Urusan pribadi antarwarga: warisan, utang, tetangga, keluarga, mantan pasangan"),
    "C": (
        "complaint",
        "Pengaduan warga tentang masalah layanan publik, pejabat atau aparat pemerintah (jalan, air, "
        "listrik, sekolah, kesehatan, bantuan sosial, pungli, pelayanan kantor)",
    ),
    "D": ("ad", "Iklan, promosi, penipuan, tautan hadiah atau bantuan palsu, atau pesan berantai"),
    "E": ("prank", "Lelucon, iseng, atau permintaan yang mustahil atau tidak masuk akal"),
    "F": ("request", "Pertanyaan informasi umum, atau permintaan bantuan pribadi (uang, pekerjaan, biaya)"),
    "G": ("abuse", "Ancaman, hinaan, atau ujaran kebencian"),
}
COMPLAINT = "C"
SYSTEM = (
    "Anda membantu petugas kanal pengaduan pemerintah memilah pesan WhatsApp yang masuk. "
    "Setiap pesan termasuk salah satu jenis berikut:\n"
    + "\n".join(f"{k}. {desc}" for k, (_, desc) in KINDS.items())
    + "\nJawab hanya dengan satu huruf jenis pesan."
)


def ask(llm: LLM, text: str) -> dict[str, float]:
    messages = [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": f"<pesan>\n{text}\n</pesan>\nJenis pesan ini (satu huruf):"},
    ]
    _, top = llm.ask(messages, AttemptRecorder("fresh-type", llm.model, "fresh"))
    probs: dict[str, float] = dict.fromkeys(KINDS, 0.0)
    for token, logprob in top:
        letter = token.strip().upper()
        if letter in probs:
            probs[letter] += math.exp(logprob)
    total = sum(probs.values()) or 1.0
    return {k: v / total for k, v in probs.items()}


def report(rows: list[dict[str, Any]], outcome: dict[str, str]) -> None:
    groups: list[tuple[str, tuple[str, ...] | None]] = [
        ("all cases", None),
        ("sent on", ("sp4n", "awaiting_gate")),
        ("asked", ("ask_reporter",)),
        ("sent to a person", ("review",)),
        ("archived", ("archived",)),
    ]
    for name, kinds in groups:
        subset = [r for r in rows if kinds is None or outcome.get(r["id"]) in kinds]
        real = [r["p"][COMPLAINT] for r in subset if r["expected"] != "invalid"]
        junk = [r["p"][COMPLAINT] for r in subset if r["expected"] == "invalid"]
        print(f"{name}: {len(junk)} junk, {len(real)} genuine, AUC {auc(real, junk):.3f}")
        if kinds is not None:
            for t in (0.1, 0.2, 0.3, 0.5):
                j = sum(1 for s in junk if s < t)
                g = sum(1 for s in real if s < t)
                print(f"   below {t}: junk {j}, genuine {g}")
    picked: dict[str, dict[str, int]] = {}
    for r in rows:
        top = max(r["p"], key=r["p"].get)
        side = "junk" if r["expected"] == "invalid" else "genuine"
        picked.setdefault(KINDS[top][0], {"junk": 0, "genuine": 0})[side] += 1
    print("likeliest kind:", json.dumps(picked))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("cases", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--predictions", type=Path)
    args = ap.parse_args()
    cases = [json.loads(line) for line in args.cases.read_text().splitlines() if line.strip()]
    done = resume_scores(cases, args.out, lambda llm, case: {"p": ask(llm, case["text"])})
    outcome = load_outcomes(args.predictions) if args.predictions else {}
    report([done[c["id"]] for c in cases if c["id"] in done], outcome)


if __name__ == "__main__":
    main()
