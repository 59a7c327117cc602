"""The labelled corpora the signals learn from, normalised, deduplicated and kept apart from the evals.

Four real sources in the shared data folder (SMS spam, abusive tweets, LaporGub and Jakarta
complaints). Every text that also appears in one of the project's eval sets is dropped here, near
copies included, so a figure measured on the evals is never a figure measured on training data.
Only the standard library at import time: the inference side imports `normalise` from here.
"""

from __future__ import annotations

import bisect
import csv
import html
import json
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

EVAL_FILES = ("dev.jsonl", "tune.jsonl", "test.jsonl", "challenge.jsonl", "smoke.jsonl")
NEAR_DUP_MIN = 40  # a shared stretch at least this long counts as the same text
SMS_FILES = {  # file -> (text column, label column)
    "dataset_sms_spam_v1.csv": ("Teks", "label"),
    "michaelchen27_manually_collected_sms_600.csv": ("Teks", "Label"),
    "bopbi_indonesia_sms_spam_cc0.csv": ("text", "category"),
}
SMS_LABELS = {"0": "normal", "1": "fraud", "2": "promo"}  # bopbi rows are all spam: "fraud"

# Names the complaint corpora address (governors of Central Java and Jakarta). Left in, a model
# learns "pak ganjar" = complaint, which says nothing about a message to the Vice President.
_ADDRESSEES = re.compile(
    r"\b(?:ganjar(?:\s+pranowo)?|basuki(?:\s+tjahaja\s+purnama)?|ahok|djarot(?:\s+saiful\s+hidayat)?)\b"
)
_PHONE = re.compile(r"\+?\d(?:[-. ]?\d){9,}")  # 10+ digits, single separators allowed
_LEET = str.maketrans("4301578", "aeoistb")
_MIXED = re.compile(r"\b(?=\w*[a-z])(?=\w*\d)\w+\b")
_UNIT = re.compile(r"\d+[a-z]{1,4}|[a-z]+\d+")  # 5jt, 2gb, 3hr, rp500, maxwin88


def _deleet(match: re.Match[str]) -> str:
    token = match.group(0)
    if _UNIT.fullmatch(token) or re.search(r"\d\d", token):  # leet uses lone digits, numbers runs
        return token
    return token.translate(_LEET)  # 4nd4 -> anda, t3tap -> tetap, k0k -> kok


def normalise(text: str) -> str:
    """The one text form both training and inference see: lower case, one space, obfuscation undone.

    Long digit runs become "nomor" because the complaint corpora already had them masked as
    [NOMOR] while spam kept its numbers: a model would learn the masking, not the message.
    """
    t = text.lower().replace("[nomor]", " nomor ")
    t = _PHONE.sub(" nomor ", t)
    t = _ADDRESSEES.sub("bapak", t)
    t = _MIXED.sub(_deleet, t)
    return re.sub(r"\s+", " ", t).strip()


def match_key(text: str) -> str:
    """Key for spotting the same text in two places: normalised, letters and digits only."""
    return re.sub(r"[^a-z0-9]+", " ", normalise(text)).strip()


def clean_tweet(raw: str) -> str:
    """Undo re_dataset.csv's escaping and drop its USER/URL tokens, as the eval builder does."""
    t = raw
    if "\\x" in t:
        t = re.sub(
            r"(?:\\x[0-9a-fA-F]{2})+",
            lambda m: bytes.fromhex(m.group(0).replace("\\x", "")).decode("utf-8", "ignore"),
            t,
        )
    t = html.unescape(t.replace("\\n", "\n"))
    t = re.sub(r"^\s*RT\s+USER\s*:?", "", t)
    t = re.sub(r"\bUSER\b:?|\bURL\b", "", t)
    t = re.sub(r"'\s*$", "", t)
    return re.sub(r"\\x?\s*$", "", t).strip()


@dataclass(frozen=True)
class Row:
    text: str  # normalised
    source: str  # sms | tweet | laporgub | jakarta
    label: str  # sms: normal/fraud/promo; tweet: abusive/hate/both/clean; complaints: the portal kategori
    category: str | None = None  # SP4N main category via category_map.toml, complaints only


@dataclass
class Corpora:
    rows: list[Row]
    excluded: Counter[str] = field(default_factory=Counter)  # per source: rows also in an eval set
    duplicates: Counter[str] = field(default_factory=Counter)  # per source: repeated texts dropped


def default_data_dir() -> Path:
    """shared/data beside the repository (../shared/data from the repo root or the working dir)."""
    repo = Path(__file__).resolve().parents[2]
    for base in (repo, Path.cwd()):
        candidate = (base / ".." / "shared" / "data").resolve()
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError("shared/data not found beside the repository; pass the data dir")


def default_eval_dir() -> Path:
    repo_evals = Path(__file__).resolve().parents[2] / "evals"
    return repo_evals if repo_evals.is_dir() else Path.cwd() / "evals"


def _csv(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))


def _raw_rows(data: Path) -> list[tuple[str, str, str, dict[str, str]]]:
    """(source, raw text, label, extra fields) for every row of every corpus present."""
    out: list[tuple[str, str, str, dict[str, str]]] = []
    for name, (text_col, label_col) in SMS_FILES.items():
        path = data / "sms_spam_id" / name
        if path.is_file():
            for r in _csv(path):
                out.append(("sms", r[text_col], SMS_LABELS.get(r[label_col].strip(), "fraud"), {}))
    path = data / "hatespeech_abusive_id" / "re_dataset.csv"
    if path.is_file():
        for r in _csv(path, encoding="latin-1"):
            hs, ab = r["HS"].strip() == "1", r["Abusive"].strip() == "1"
            label = "both" if hs and ab else "hate" if hs else "abusive" if ab else "clean"
            out.append(("tweet", clean_tweet(r["Tweet"]), label, {}))
    for path in sorted((data / "laporgub_jateng").glob("*.csv")):
        for r in _csv(path):
            extra = {"agency": r.get("diteruskan_ke", "").strip()}
            out.append(("laporgub", r["laporan"], r.get("kategori", "").strip(), extra))
    for path in sorted((data / "jakarta_pengaduan_2017").glob("*.csv")):
        for r in _csv(path):
            out.append(("jakarta", r["pengaduan"], r.get("kategori", "").strip(), {}))
    return out


def eval_keys(eval_dir: Path) -> list[str]:
    """Match keys of every eval text (all sets: a frozen test text must not be trained on either)."""
    keys: set[str] = set()
    for name in EVAL_FILES:
        path = eval_dir / name
        if path.is_file():
            for line in path.read_text("utf-8").splitlines():
                if line.strip():
                    keys.add(match_key(json.loads(line)["text"]))
    return sorted(keys)


class _Excluder:
    """Is a corpus text an eval text: equal, or one contains the other over >= NEAR_DUP_MIN chars."""

    def __init__(self, keys: list[str]) -> None:
        self.exact = set(keys)
        self.long = [k for k in keys if len(k) >= NEAR_DUP_MIN]
        self.haystack = "\0".join(self.long)

    def flags(self, texts: list[str]) -> list[bool]:
        out = [k in self.exact or (len(k) >= NEAR_DUP_MIN and k in self.haystack) for k in texts]
        starts, pos = [], 0  # eval text inside a corpus text: search the joined corpus once per eval text
        for k in texts:
            starts.append(pos)
            pos += len(k) + 1
        joined = "\0".join(texts)
        for needle in self.long:
            at = joined.find(needle)
            while at != -1:
                out[bisect.bisect_right(starts, at) - 1] = True
                at = joined.find(needle, at + 1)
        return out


@dataclass(frozen=True)
class _Rule:
    source: str
    category: str
    agency: frozenset[str]
    portal: frozenset[str]
    words: re.Pattern[str] | None


def load_category_rules(path: Path | None = None) -> list[_Rule]:
    """category_map.toml, checked against the official category names."""
    from triage.reference import category_names, keyword_regex

    src = path or resources.files("triage").joinpath("data", "signals", "category_map.toml")
    rules = []
    for raw in tomllib.loads(src.read_text("utf-8"))["rule"]:
        if raw["category"] not in category_names():
            raise ValueError(f'category_map.toml: "{raw["category"]}" is not an SP4N category')
        words = raw.get("words")
        pattern = "|".join(sorted((keyword_regex(w) for w in words), key=len, reverse=True)) if words else ""
        rules.append(
            _Rule(
                source=raw["source"],
                category=raw["category"],
                agency=frozenset(raw.get("agency", [])),
                portal=frozenset(raw.get("portal", [])),
                words=re.compile(rf"(?<!\w)(?:{pattern})(?!\w)") if pattern else None,
            )
        )
    return rules


def map_category(rules: list[_Rule], source: str, portal: str, agency: str, text: str) -> str | None:
    for rule in rules:
        if rule.source != source or not (agency in rule.agency or portal in rule.portal):
            continue
        if rule.words is None or rule.words.search(text):
            return rule.category
    return None


def in_eval_sets(keys: list[str], eval_dir: Path | None = None) -> list[bool]:
    """For each match key (`match_key`), whether its text is an eval text, near copies included."""
    return _Excluder(eval_keys(eval_dir or default_eval_dir())).flags(keys)


def load(data_dir: Path | None = None, eval_dir: Path | None = None) -> Corpora:
    """All corpora found in data_dir, normalised, deduplicated per source, eval texts removed."""
    data = data_dir or default_data_dir()
    rules = load_category_rules()
    raw = _raw_rows(data)
    texts = [normalise(text) for _, text, _, _ in raw]
    keys = [re.sub(r"[^a-z0-9]+", " ", t).strip() for t in texts]
    in_eval = in_eval_sets(keys, eval_dir)
    result = Corpora(rows=[])
    seen: set[tuple[str, str]] = set()
    for (source, _, label, extra), text, key, banned in zip(raw, texts, keys, in_eval, strict=True):
        if banned:
            result.excluded[source] += 1
            continue
        if not key or (source, key) in seen:
            result.duplicates[source] += 1
            continue
        seen.add((source, key))
        category = None
        if source in ("laporgub", "jakarta"):
            category = map_category(rules, source, label, extra.get("agency", ""), text)
        result.rows.append(Row(text=text, source=source, label=label, category=category))
    return result
