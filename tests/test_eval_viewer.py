"""`triage eval view`: the runs list, a run with its confusion matrix and filters, a case with the
model's attempts, and two runs side by side with the prompt diff (issue 23)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from viewer_runs import make_two_runs

from triage.evals.fakes import OracleJudge
from triage.evals.viewer import create_viewer
from triage.judge.llm_cache import JudgementCache, judgement_key
from triage.schema import LLMAttempt
from triage.store.database import connect

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def two_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[TestClient, Path, OracleJudge]:
    judge = make_two_runs(tmp_path, monkeypatch)
    return TestClient(create_viewer(str(tmp_path / "triage.db"))), tmp_path, judge


def test_the_runs_list_and_a_run_with_its_matrix_and_filters(two_runs) -> None:
    client, _, judge = two_runs
    runs = client.get("/").text
    assert 'href="/run/1"' in runs and 'href="/run/2"' in runs and "cases.jsonl" in runs
    page = client.get("/run/1").text
    assert 'data-cell="valid-invalid">1<' in page  # the one valid case judged invalid in run 1
    assert "Cases (30 of 30)" in page
    assert 'id="histograms"' in page and "latency (ms)" in page
    cell = client.get("/run/1?expected=valid&judged=invalid").text
    assert "Cases (1 of 30)" in cell
    wrong = client.get("/run/1?right=no").text
    assert "Cases (1 of 30)" in wrong
    some = judge.cases[3]
    found = client.get("/run/1", params={"q": some.text[5:25]}).text
    assert f'/run/1/case/{some.id}"' in found


def test_a_case_shows_text_verdicts_quotes_and_the_models_attempts(two_runs) -> None:
    client, tmp, judge = two_runs
    case = next(c for c in judge.cases if c.expected.verdict.value == "valid")
    db = connect(tmp / "triage.db")
    run = json.loads(db.execute("SELECT metrics FROM eval_runs WHERE id = 1").fetchone()[0])
    assert run["model"] == "test-model"
    prompt_hash = db.execute("SELECT prompt_hash FROM eval_runs WHERE id = 1").fetchone()[0]
    attempt = LLMAttempt(
        report_id=case.id,
        attempt=1,
        model="test-model",
        prompt_hash=prompt_hash,
        response_raw='{"verdict": "RAW-OUTPUT"}',
        error="quote not in the message",
        prompt_tokens=700,
        completion_tokens=50,
        latency_ms=1234.0,
        request={"messages_tail": [{"role": "user", "content": "x"}]},
    )
    JudgementCache(db).put(judgement_key("test-model", prompt_hash, case.text), None, [attempt])
    page = client.get(f"/run/1/case/{case.id}").text
    assert case.text[:30].replace("&", "&amp;") in page or case.text[:10] in page
    assert "RAW-OUTPUT" in page and "quote not in the message" in page and "700+50 tokens" in page
    assert client.get("/run/1/case/nope").status_code == 404


def test_two_runs_side_by_side_with_the_prompt_diff(two_runs) -> None:
    client, _, judge = two_runs
    valid = [c.id for c in judge.cases if c.expected.verdict.value == "valid"]
    page = client.get("/compare?a=1&b=2").text
    assert "the prompt differs" in page
    fixed = page[page.index("fixed (now right)") : page.index("broken (now wrong)")]
    broken = page[page.index("broken (now wrong)") : page.index("changed (wrong both times)")]
    assert valid[0] in fixed and valid[1] in broken
    assert re.search(r'<span class="add">\+# variant B: one line more</span>', page)
    both = client.get(f"/compare/{valid[1]}?a=1&b=2").text
    assert both.count("<section>") == 2 and "needs_info" in both


def test_the_runs_list_says_which_runs_pass_the_gate(two_runs, monkeypatch: pytest.MonkeyPatch) -> None:
    client, tmp, _ = two_runs
    before = client.get("/").text  # no gate configured: no verdict
    assert ">pass<" not in before and ">fail<" not in before
    (tmp / "gate.toml").write_text(
        f'dataset = "{tmp / "cases.jsonl"}"\n[thresholds]\nfalse_rejection_rate = 0.05\n'
    )
    monkeypatch.setenv("TRIAGE_GATE_CONFIG", str(tmp / "gate.toml"))
    page = client.get("/").text
    rows = {
        m.group(1): m.group(2)
        for m in re.finditer(r'href="/run/(\d)">.*?<td class="[^"]*">(\w+|-)</td></tr>', page, re.S)
    }
    assert rows == {"2": "pass", "1": "fail"}  # run 1 rejected a valid case (FRR 1/12 > 0.05)


def test_histograms_count_every_case_once() -> None:
    from triage.evals.viewer import LATENCY_EDGES, histogram

    bins = dict(histogram([0, 99, 100, 4500, 40000, 5], LATENCY_EDGES))
    assert bins["0–100"] == 3 and bins["100–500"] == 1 and bins["4000–8000"] == 1 and bins["≥ 32000"] == 1
    assert sum(bins.values()) == 6
