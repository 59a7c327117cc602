"""Reading eval cases (JSON Lines) without letting one bad line sink a 500-case run.

Every problem is reported with its file and line number and the line is skipped; the caller
decides whether skipped lines fail the run. The dataset hash covers the files' bytes in the
order given, so the gate can tell whether a recorded run was made on today's gate set.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from triage.schema import EvalCase
from triage.schema.eval_case import parse_line


@dataclass(frozen=True)
class BadLine:
    path: str
    line: int
    problem: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.problem}"


@dataclass
class Dataset:
    paths: list[str]
    cases: list[EvalCase] = field(default_factory=list)
    bad_lines: list[BadLine] = field(default_factory=list)
    hash: str = ""


def dataset_hash(paths: Iterable[Path | str]) -> str:
    """sha256 of the files' bytes, concatenated in the order given."""
    digest = hashlib.sha256()
    for p in paths:
        digest.update(Path(p).read_bytes())
    return digest.hexdigest()


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8").removeprefix("\ufeff")
    except UnicodeDecodeError as exc:
        raise ValueError(f"not UTF-8 (byte {exc.start + 1})") from None


def load(paths: Iterable[Path | str]) -> Dataset:
    """All valid cases from the files in order; blank lines are ignored, bad ones recorded."""
    path_list = [str(p) for p in paths]
    ds = Dataset(paths=path_list, hash=dataset_hash(path_list))
    seen: dict[str, str] = {}
    for path in path_list:
        for lineno, raw_bytes in enumerate(Path(path).read_bytes().split(b"\n"), start=1):
            if not raw_bytes.strip():
                continue
            try:
                case = parse_line(_decode(raw_bytes))
            except ValueError as exc:
                ds.bad_lines.append(BadLine(path, lineno, str(exc)))
                continue
            if case.id in seen:
                ds.bad_lines.append(
                    BadLine(path, lineno, f"duplicate id {case.id!r} (first at {seen[case.id]})")
                )
                continue
            seen[case.id] = f"{path}:{lineno}"
            ds.cases.append(case)
    return ds
