"""Seconds per page of `triage eval view` on the whole dev set's runs.

Replays the dev set twice from its recorded answers (no model; a dead endpoint, so nothing is
asked) into a fresh database, then times each page of the viewer in-process (FastAPI's test
client: the app's own time, no network): the runs list, a run with all 517 cases, a filtered
run, a case with its attempts, the comparison and a case side by side. Median of 5 per page.

    .venv/bin/python benchmarks/viewer_pages.py
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from click.testing import CliRunner
from fastapi.testclient import TestClient

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="viewer-bench-"))
    os.environ.update(
        TRIAGE_DB=str(tmp / "v.db"),
        TRIAGE_LLM_BASE_URL="http://127.0.0.1:9/v1",
        TRIAGE_LLM_TRANSIENT_RETRIES="1",
        TRIAGE_GATE_CONFIG=str(tmp / "no-gate.toml"),
    )
    from triage.cli import cli
    from triage.evals.viewer import create_viewer

    answers = tmp / "answers.jsonl"
    shutil.copy(ROOT / "evals" / "answers" / "dev-triage-v3.jsonl", answers)
    for n in (1, 2):
        args = [
            "eval",
            str(ROOT / "evals" / "dev.jsonl"),
            "--out",
            str(tmp / f"r{n}"),
            "--answers",
            str(answers),
        ]
        result = CliRunner().invoke(cli, [*args, "--allow-errors"], catch_exceptions=False)
        assert result.exit_code == 0, result.output
    client = TestClient(create_viewer(str(tmp / "v.db")))
    first = json.loads((tmp / "r1" / "predictions.jsonl").read_text().splitlines()[0])["id"]
    pages = {
        "runs list": "/",
        "run (517 cases)": "/run/1",
        "run, one confusion cell": "/run/1?expected=invalid&judged=valid",
        "run, text search": "/run/1?q=jalan",
        "case with attempts": f"/run/1/case/{first}",
        "comparison": "/compare?a=1&b=2",
        "case side by side": f"/compare/{first}?a=1&b=2",
    }
    figures = {}
    for name, url in pages.items():
        times = []
        for _ in range(5):
            started = time.perf_counter()
            assert client.get(url).status_code == 200, url
            times.append(time.perf_counter() - started)
        figures[name] = round(statistics.median(times), 3)
        print(f"{name:26} {figures[name]:.3f} s")
    print(json.dumps({"seconds_median": figures, "load_average_1m": os.getloadavg()[0]}))
    shutil.rmtree(tmp)


if __name__ == "__main__":
    main()
