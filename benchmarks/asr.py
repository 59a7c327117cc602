"""How fast and how well the embedded Whisper base hears Indonesian voice notes, clean and noisy.

There is no recorded Indonesian voice-note set here, so the notes are made: cases of the TUNING
split (evals/tune.jsonl only, never dev/test/challenge), stratified by expected verdict, text of at
most 400 characters, are read aloud by espeak-ng's Indonesian voice (`-v id`, a SYNTHETIC voice:
flat prosody, one speaker, no accent, no microphone) and encoded as WhatsApp sends voice notes,
Ogg Opus 16 kHz mono ~16 kbit/s (PyAV's libopus). A noisy copy adds white noise at --snr dB (10).
Each note goes through the real engine (`triage.media.transcribe.transcribe_embedded`), and once
through Whisper's language detection, to see what `TRIAGE_ASR_LANGUAGE=auto` would pick.

Prints per configuration and condition: audio seconds, CPU and wall seconds per second of audio
(real-time factor; CPU counts all threads), WER against the case text (lowercase, punctuation to
spaces, spaces collapsed; digits are not spelled out, so "04" read as "nol empat" counts as
errors), its mean and median, the mean character error rate on the same normalised text, the
mean confidence, the Pearson and Spearman (rho) correlation of confidence with WER, how many
transcripts are empty, the bitrate of the notes, and the languages detected. Several
`--config`s (beamN:vad|novad) run interleaved per note, order alternating, so drift of this shared
machine hits them alike:

    python benchmarks/asr.py --n 12 --config beam1:vad --config beam5:vad --config beam5:novad
    python benchmarks/asr.py --from artifacts/asr/transcripts.jsonl   # the figures again, no audio

Writes (first configuration) to --out (artifacts/asr): transcripts.jsonl, one row per case and
condition; transcribed-clean.jsonl and transcribed-noisy.jsonl, the cases in evals' format with
`text` replaced by the transcript, for the triage eval to be run on them later.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import statistics
import subprocess
import tempfile
import time
import wave
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import av
import numpy as np

from triage.config import Settings
from triage.media.transcribe import decode, transcribe_embedded, whisper
from triage.schema.eval_case import EvalCase

ROOT = Path(__file__).resolve().parent.parent
TUNE = ROOT / "evals" / "tune.jsonl"
MAX_CHARS = 400
RATE = 16_000


def pick(n: int, seed: int) -> list[dict]:
    """n tuning cases, stratified by expected verdict (largest remainder), text <= MAX_CHARS."""
    rows = [json.loads(line) for line in TUNE.read_text("utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if len(r["text"]) <= MAX_CHARS and r["text"].strip()]
    by: dict[str, list[dict]] = {}
    for r in rows:
        by.setdefault(r["expected"]["verdict"], []).append(r)
    quota = {v: n * len(rs) / len(rows) for v, rs in by.items()}
    take = {v: int(q) for v, q in quota.items()}
    for v in sorted(quota, key=lambda v: quota[v] - take[v], reverse=True)[: n - sum(take.values())]:
        take[v] += 1
    rng = random.Random(seed)
    chosen = [r for v in sorted(by) for r in rng.sample(by[v], take[v])]
    rng.shuffle(chosen)
    return chosen


def speak(text: str) -> np.ndarray:
    """espeak-ng's Indonesian voice, as int16 samples at 16 kHz mono."""
    with tempfile.NamedTemporaryFile(suffix=".wav") as fh:
        subprocess.run(["espeak-ng", "-v", "id", "-s", "150", "-w", fh.name, text], check=True)
        with wave.open(fh.name) as w:
            rate = w.getframerate()
            pcm = np.frombuffer(w.readframes(w.getnframes()), dtype=np.int16)
    resampler = av.AudioResampler(format="s16", layout="mono", rate=RATE)
    frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
    frame.sample_rate = rate
    out = [f.to_ndarray().reshape(-1) for f in [*resampler.resample(frame), *resampler.resample(None)]]
    return np.concatenate(out)


def noisy(pcm: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    x = pcm.astype(np.float64)
    power = float(np.mean(x**2)) or 1.0
    noise = rng.normal(0.0, np.sqrt(power / 10 ** (snr_db / 10)), size=x.shape)
    return np.clip(x + noise, -32768, 32767).astype(np.int16)


def opus(pcm: np.ndarray) -> bytes:
    """Ogg Opus, 16 kHz mono, ~16 kbit/s VBR, 20 ms frames: what WhatsApp's voice notes look like."""
    buf = io.BytesIO()
    with av.open(buf, "w", format="ogg") as out:
        stream = out.add_stream("libopus", rate=RATE, layout="mono")
        stream.bit_rate = 16_000
        stream.options = {"application": "voip", "frame_duration": "20"}
        for start in range(0, len(pcm), RATE):
            frame = av.AudioFrame.from_ndarray(
                pcm[start : start + RATE].reshape(1, -1), format="s16", layout="mono"
            )
            frame.sample_rate = RATE
            frame.pts = start
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return buf.getvalue()


def words(text: str) -> list[str]:
    return re.sub(r"[^\w\s]|_", " ", text.lower()).split()


def distance(ref: Sequence[str], hyp: Sequence[str]) -> int:
    """Levenshtein distance: substitutions, deletions and insertions."""
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[-1]


def wer(reference: str, hypothesis: str) -> float:
    """Word error rate: word-level Levenshtein distance / reference words."""
    ref, hyp = words(reference), words(hypothesis)
    return distance(ref, hyp) / len(ref) if ref else float(bool(hyp))


def cer(reference: str, hypothesis: str) -> float:
    """Character error rate on the same normalised text: "di kembalikan" for "dikembalikan" is one
    character, not two words, and espeak-ng's j/d and b/p slips cost a letter, not a word."""
    ref, hyp = " ".join(words(reference)), " ".join(words(hypothesis))
    return distance(ref, hyp) / len(ref) if ref else float(bool(hyp))


def ranks(xs: list[float]) -> list[float]:
    order = sorted(range(len(xs)), key=xs.__getitem__)
    out = [0.0] * len(xs)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and xs[order[j + 1]] == xs[order[i]]:
            j += 1
        for k in range(i, j + 1):
            out[order[k]] = (i + j) / 2
        i = j + 1
    return out


def pearson(xs: list[float], ys: list[float]) -> float:
    if len(xs) < 3 or statistics.pstdev(xs) == 0 or statistics.pstdev(ys) == 0:
        return float("nan")
    return statistics.correlation(xs, ys)


def parse_config(text: str) -> tuple[int, bool]:
    m = re.fullmatch(r"beam(\d+):(vad|novad)", text)
    if not m:
        raise argparse.ArgumentTypeError(f"{text!r}: expected beamN:vad or beamN:novad")
    return int(m[1]), m[2] == "vad"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--snr", type=float, default=10.0, help="dB of the noisy copy")
    parser.add_argument("--config", type=parse_config, action="append", help="beamN:vad|novad, repeatable")
    parser.add_argument("--out", type=Path, default=ROOT / "artifacts" / "asr")
    parser.add_argument("--from", dest="rows", type=Path, help="print the figures of a transcripts.jsonl")
    args = parser.parse_args()
    if args.rows:
        saved = [json.loads(line) for line in args.rows.read_text("utf-8").splitlines() if line.strip()]
        for r in saved:
            r["wer"], r["cer"] = (
                round(wer(r["text"], r["transcript"]), 4),
                round(cer(r["text"], r["transcript"]), 4),
            )
        report(saved, list(dict.fromkeys(r["config"] for r in saved)))
        return
    configs: list[tuple[int, bool]] = args.config or [(5, True)]
    names = [f"beam{b}:{'vad' if v else 'novad'}" for b, v in configs]
    settings = Settings(asr_language="id", asr_budget_s=600.0)
    model = whisper(settings)
    cases = pick(args.n, args.seed)
    rng = np.random.default_rng(args.seed)
    print(f"{len(cases)} tuning cases: {dict(Counter(c['expected']['verdict'] for c in cases))}")
    rows: list[dict] = []
    for i, case in enumerate(cases):
        pcm = speak(case["text"])
        notes = {"clean": opus(pcm), "noisy": opus(noisy(pcm, args.snr, rng))}
        for condition, audio in notes.items():
            samples = decode(audio)
            seconds = len(samples) / RATE
            detected, _, _ = model.detect_language(samples)
            order = list(range(len(configs)))
            if i % 2:
                order.reverse()
            for k in order:
                beam, vad = configs[k]
                wall, cpu = time.perf_counter(), time.process_time()
                heard = transcribe_embedded(audio, settings, beam_size=beam, vad_filter=vad)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                rows.append(
                    {
                        "id": case["id"],
                        "config": names[k],
                        "condition": condition,
                        "text": case["text"],
                        "transcript": heard.text,
                        "wer": round(wer(case["text"], heard.text), 4),
                        "cer": round(cer(case["text"], heard.text), 4),
                        "confidence": heard.confidence,
                        "rtf": round(wall / seconds, 4),
                        "cpu_rtf": round(cpu / seconds, 4),
                        "audio_s": round(seconds, 2),
                        "bytes": len(audio),
                        "detected_language": detected,
                        "truncated": heard.truncated,
                    }
                )
        print(f"  {i + 1}/{len(cases)} {case['id']}", flush=True)
    report(rows, names)
    write(rows, cases, names[0], args.out)


def report(rows: list[dict], names: list[str]) -> None:
    print(
        f"{'config':>12} {'cond':>6} {'audio s':>8} {'cpu/s':>6} {'wall/s':>6} {'WER mean':>9} "
        f"{'median':>7} {'CER':>5} {'conf':>5} {'r(c,W)':>7} {'rho':>6} {'empty':>5} {'kbit/s':>6}  "
        "detected (auto)"
    )
    for name in names:
        for condition in ("clean", "noisy"):
            rs = [r for r in rows if r["config"] == name and r["condition"] == condition]
            audio = sum(r["audio_s"] for r in rs)
            cpu = sum(r["cpu_rtf"] * r["audio_s"] for r in rs) / audio
            wall = sum(r["rtf"] * r["audio_s"] for r in rs) / audio
            wers = [r["wer"] for r in rs]
            cers = statistics.mean(r["cer"] for r in rs)
            empty = sum(not r["transcript"].strip() for r in rs)
            conf = [r["confidence"] for r in rs]
            kbits = sum(r["bytes"] for r in rs) * 8 / audio / 1000
            langs = Counter(r["detected_language"] for r in rs).most_common(4)
            print(
                f"{name:>12} {condition:>6} {audio:8.1f} {cpu:6.3f} {wall:6.3f} {statistics.mean(wers):9.3f} "
                f"{statistics.median(wers):7.3f} {cers:5.3f} {statistics.mean(conf):5.3f} "
                f"{pearson(conf, wers):7.3f} {pearson(ranks(conf), ranks(wers)):6.3f} {empty:5d} "
                f"{kbits:6.1f}  " + " ".join(f"{lang}:{k}" for lang, k in langs)
            )


def write(rows: list[dict], cases: list[dict], name: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    mine = [r for r in rows if r["config"] == name]
    with (out / "transcripts.jsonl").open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    for condition in ("clean", "noisy"):
        heard = {r["id"]: r for r in mine if r["condition"] == condition}
        with (out / f"transcribed-{condition}.jsonl").open("w", encoding="utf-8") as fh:
            for case in cases:
                r = heard[case["id"]]
                row = {
                    "id": case["id"],
                    "text": r["transcript"],
                    "expected": case["expected"],
                    "source": case["source"],
                    "notes": f"espeak-ng transcript ({condition}, Whisper base {name}, WER {r['wer']:.2f})",
                }
                EvalCase.model_validate(row)
                fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {out}/transcripts.jsonl, transcribed-clean.jsonl, transcribed-noisy.jsonl")


if __name__ == "__main__":
    main()
