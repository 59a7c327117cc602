"""Blind second reviews: who gets one, what the second reviewer sees, and the agreement measured."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from review_store import copy_of

from triage.app import create_app
from triage.config import Settings
from triage.review import actions, second_review
from triage.review.auth import User, add_user
from triage.review.sample import seed
from triage.schema import InvalidReason, Verdict
from triage.store.database import connect

PASSWORD = "rahasia-123"
ANA, BUDI, CITRA = User("ana", "admin"), User("budi", "reviewer"), User("citra", "reviewer")


def test_kappa_matches_hand_computed_values() -> None:
    assert second_review.cohen_kappa([]) is None
    assert second_review.cohen_kappa([("a", "a"), ("b", "b")]) == 1.0
    assert second_review.cohen_kappa([("a", "a"), ("a", "a")]) is None  # one category only: undefined
    # 10 pairs: 7 agree; rater 1: a 5, b 5; rater 2: a 6, b 4 -> pe = 0.5*0.6 + 0.5*0.4 = 0.5
    pairs = [("a", "a")] * 4 + [("b", "b")] * 3 + [("a", "b")] * 1 + [("b", "a")] * 2
    assert second_review.cohen_kappa(pairs) == pytest.approx((0.7 - 0.5) / (1 - 0.5))
    assert second_review.cohen_kappa([("a", "b"), ("b", "a")]) == pytest.approx(-1.0)


def test_the_share_is_chosen_by_the_report_id_alone() -> None:
    ids = [f"R{i:012X}" for i in range(2000)]
    chosen = [i for i in ids if second_review.selected(i, 0.1)]
    assert 150 < len(chosen) < 250  # about a tenth
    assert chosen == [i for i in ids if second_review.selected(i, 0.1)]  # the same every time
    assert not any(second_review.selected(i, 0.0) for i in ids)
    assert all(second_review.selected(i, 1.0) for i in ids)


def test_a_first_decision_is_reviewed_again_blind_and_agreement_is_counted(
    store_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIAGE_REVIEW_SECOND_SHARE", "1.0")
    db = connect(store_url)
    ids = seed(db)
    actions.confirm(db, ids["pinjol"], BUDI, "spam")  # system: invalid/spam; first: the same
    actions.overturn(db, ids["pinjol"], ANA, actions.Overturn(Verdict.valid, "salah"))  # not a first
    actions.confirm(db, ids["jalan_rusak"], BUDI, "ok")
    assert [r["report_id"] for r in second_review.pending(db, BUDI)] == []  # never one's own
    assert {r["report_id"] for r in second_review.pending(db, CITRA)} == {ids["pinjol"], ids["jalan_rusak"]}
    with pytest.raises(actions.ActionError, match="peninjau lain"):
        second_review.record(db, ids["pinjol"], BUDI, "invalid", "spam")
    assert second_review.record(db, ids["pinjol"], CITRA, "invalid", InvalidReason.spam.value) is True
    with pytest.raises(actions.ActionError, match="Tidak ada tinjauan kedua"):
        second_review.record(db, ids["pinjol"], ANA, "valid", None)  # done once
    assert second_review.record(db, ids["jalan_rusak"], CITRA, "needs_info", None) is False
    outcome = db.execute("SELECT outcome FROM results WHERE report_id = ?", [ids["pinjol"]]).fetchone()[0]
    assert outcome == "sp4n"  # the second review changed nothing that was decided
    table = {a.system_label: (a.pairs, a.agreed) for a in second_review.agreement(db)}
    assert table["invalid:spam"] == (1, 1) and table["all"] == (2, 1)
    audit = list(db.query("SELECT actor, action, detail FROM audit_log WHERE action = 'second_review'"))
    assert [(a["actor"], a["detail"]) for a in audit] == [
        ("citra", '{"agrees_with_first": true}'),
        ("citra", '{"agrees_with_first": false}'),
    ]


def test_no_second_review_when_the_share_is_zero(store_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_REVIEW_SECOND_SHARE", "0")
    db = connect(store_url)
    ids = seed(db)
    actions.confirm(db, ids["pinjol"], BUDI, "spam")
    assert second_review.pending(db, CITRA) == []


def _login(client: TestClient, name: str) -> None:
    page = client.get("/review/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post("/review/login", data={"username": name, "password": PASSWORD, "csrf": csrf})


def test_the_second_reviewer_never_sees_the_first_verdict(
    tmp_path: Path, store_path: str | Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRIAGE_REVIEW_SECOND_SHARE", "1.0")
    template = tmp_path / "template.db"
    db = connect(template)
    accounts = (("ana", "admin"), ("budi", "reviewer"), ("citra", "reviewer"))
    for name, role in accounts:
        add_user(db, name, PASSWORD, role)
    ids = seed(db)
    db.close()
    path, ids = copy_of((template, ids), store_path, PASSWORD, *accounts)
    rid = ids["pinjol"]
    actions.overturn(connect(path), rid, BUDI, actions.Overturn(Verdict.valid, "CATATAN-RAHASIA-BUDI"))
    citra = TestClient(create_app(Settings(db=path)))
    _login(citra, "citra")
    listed = citra.get("/review/kedua").text
    assert f"/review/kedua/{rid}" in listed
    page = citra.get(f"/review/kedua/{rid}").text
    assert "CATATAN-RAHASIA-BUDI" not in page and "budi" not in page  # blind: no first verdict, no name
    assert "Spam / promosi" in page  # the system's decision is shown
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = citra.post(f"/review/kedua/{rid}", data={"csrf": csrf, "verdict": "invalid", "reason": "spam"})
    assert r.status_code == 200 and "Tinjauan kedua tercatat." in r.text
    overview = citra.get("/review/overview").text
    part = overview[overview.index('id="kesepakatan"') :]
    assert "Ditolak (Spam / promosi)" in part and "<td>Semua</td><td>1</td><td>0</td>" in part
    budi = TestClient(create_app(Settings(db=path)))
    _login(budi, "budi")
    assert f"/review/kedua/{rid}" not in budi.get("/review/kedua").text
