"""Does the embedded model's hidden state separate junk from complaints where its answers do not?

Asked in words (its verdict, checks after the answer, a fresh yes/no question), the 1.5B model
reads a prank written as a road complaint as a complaint (docs/evaluation.md). A linear probe on
its hidden state is a different reader: the model's representation of the message, with a
question after it, and a logistic regression learned from labelled cases on top. This embeds
every case of a labelled set once (the model loaded in this process, `embedding=True`: stop
`triage model serve` first, one model process at a time), caches the vectors, and prints the
five-fold cross-validated ROC AUC of P(junk) over all cases and over the cases a replay sends on,
asks about or sends to a person, with what a "P(junk) above t" cut would stop there. Tune on
evals/tune.jsonl only.

    .venv/bin/python benchmarks/hidden_probe.py evals/tune.jsonl --cache runs/probe-tune.npz \
        --predictions runs/tune-replay/predictions.jsonl
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
from fresh_checks import auc, load_outcomes

SYSTEM = (
    "Anda membantu petugas kanal pengaduan pemerintah memilah pesan WhatsApp yang masuk: "
    "pengaduan warga tentang layanan publik, atau pesan iseng, iklan, penipuan, ancaman, hinaan, "
    "urusan pribadi dan obrolan."
)
QUESTION = "Apakah pesan ini pengaduan warga yang sungguh-sungguh tentang layanan publik?"


def prompt(text: str) -> str:
    return (
        f"<|im_start|>system\n{SYSTEM}<|im_end|>\n<|im_start|>user\n<pesan>\n{text[:6000]}\n</pesan>\n"
        f"{QUESTION}<|im_end|>\n<|im_start|>assistant\n"
    )


def embed_all(texts: list[str], pooling: str) -> np.ndarray:
    import llama_cpp

    from triage.config import Settings
    from triage.model.embedded import model_path

    kind = {"last": llama_cpp.LLAMA_POOLING_TYPE_LAST, "mean": llama_cpp.LLAMA_POOLING_TYPE_MEAN}[pooling]
    llm = llama_cpp.Llama(
        model_path=str(model_path(Settings())),
        embedding=True,
        pooling_type=kind,
        n_ctx=4096,
        n_batch=512,
        n_threads=2,
        verbose=False,
    )
    out = []
    t0 = time.monotonic()
    for i, text in enumerate(texts):
        out.append(np.asarray(llm.embed(prompt(text), truncate=True), dtype=np.float32))
        if i % 50 == 0:
            print(f"  {i}/{len(texts)} {time.monotonic() - t0:.0f}s", flush=True)
    return np.vstack(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("cases", type=Path)
    ap.add_argument("--cache", type=Path, required=True)
    ap.add_argument("--predictions", type=Path)
    ap.add_argument("--pooling", choices=("last", "mean"), default="last")
    ap.add_argument("--C", type=float, default=0.1)
    args = ap.parse_args()

    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    cases = [json.loads(line) for line in args.cases.read_text(encoding="utf-8").splitlines() if line.strip()]
    if args.cache.exists():
        x = np.load(args.cache)["x"]
    else:
        x = embed_all([c["text"] for c in cases], args.pooling)
        args.cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(args.cache, x=x)
    y = np.array([c["expected"]["verdict"] == "invalid" for c in cases], dtype=int)
    p = np.zeros(len(cases))
    for train, test in StratifiedKFold(5, shuffle=True, random_state=0).split(x, y):
        probe = LogisticRegression(C=args.C, max_iter=2000, class_weight="balanced")
        clf = make_pipeline(StandardScaler(), probe)
        clf.fit(x[train], y[train])
        p[test] = clf.predict_proba(x[test])[:, 1]
    print(f"all {len(y)} ({y.sum()} junk): AUC {auc(list(p[y == 1]), list(p[y == 0])):.3f}")
    if args.predictions:
        outcome = load_outcomes(args.predictions)
        groups = {
            "sent": ("sp4n", "awaiting_gate"),
            "asked": ("ask_reporter",),
            "review": ("review",),
            "archived": ("archived",),
        }
        for name, kinds in groups.items():
            m = np.array([outcome.get(c["id"]) in kinds for c in cases])
            pos, neg = p[m & (y == 1)], p[m & (y == 0)]
            print(f"{name}: {m.sum()} ({len(pos)} junk) AUC {auc(list(pos), list(neg)):.3f}")
            for t in (0.5, 0.7, 0.8, 0.9):
                print(f"   P>{t}: junk {int((pos > t).sum())}, genuine {int((neg > t).sum())}")


if __name__ == "__main__":
    main()
