"""Reading eval cases: line-numbered errors, nothing else lost, and a hash of the files' bytes."""

from __future__ import annotations

import json
from pathlib import Path

from triage.evals import dataset

REPO = Path(__file__).resolve().parent.parent
GOOD = {"id": "c1", "text": "jalan rusak di desa X", "expected": {"verdict": "valid", "reason": None}}


def line(**changes: object) -> str:
    return json.dumps(GOOD | changes)


def test_bad_lines_are_reported_with_file_line_and_problem(tmp_path):
    path = tmp_path / "cases.jsonl"
    lines = [
        line(),  # 1 ok
        "",  # 2 blank: ignored
        '{"id": "c2", "text": "x", ',  # 3 broken JSON
        line(id="c3", expected={"verdict": "maybe"}),  # 4 bad verdict
        line(id="c4", expected={"verdict": "invalid", "reason": None}),  # 5 invalid without reason
        line(id="c5", text=None),  # 6 text missing
        "[1, 2]",  # 7 not an object
        line(),  # 8 duplicate id
        line(id="c6", extra="ignored"),  # 9 ok: unknown keys are ignored
    ]
    path.write_bytes(("\n".join(lines) + "\n").encode() + b'{"id": "c7", "text": "\xff"}\n')
    ds = dataset.load([path])
    assert [c.id for c in ds.cases] == ["c1", "c6"]
    by_line = {b.line: b for b in ds.bad_lines}
    assert sorted(by_line) == [3, 4, 5, 6, 7, 8, 10]
    assert all(b.path == str(path) for b in ds.bad_lines)
    assert "not valid JSON" in by_line[3].problem
    assert "expected.verdict" in by_line[4].problem
    assert "reason must be set" in by_line[5].problem
    assert "text" in by_line[6].problem
    assert "JSON object" in by_line[7].problem
    assert "duplicate id 'c1'" in by_line[8].problem and ":1" in by_line[8].problem
    assert "UTF-8" in by_line[10].problem
    assert str(by_line[3]).startswith(f"{path}:3: ")


def test_hash_covers_bytes_in_the_given_order(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text(line(id="a") + "\n")
    b.write_text(line(id="b") + "\n")
    assert dataset.load([a, b]).hash == dataset.dataset_hash([a, b])
    assert dataset.dataset_hash([a, b]) != dataset.dataset_hash([b, a])
    before = dataset.dataset_hash([a])
    a.write_text(line(id="a") + "\n\n")  # a blank line is still a change to the file
    assert dataset.dataset_hash([a]) != before


def test_the_shipped_datasets_load_cleanly():
    dev = dataset.load([REPO / "evals" / "dev.jsonl"])
    smoke = dataset.load([REPO / "evals" / "smoke.jsonl"])
    assert (len(dev.cases), dev.bad_lines) == (517, [])
    assert (len(smoke.cases), smoke.bad_lines) == (30, [])
