"""Who is reviewing what: taking a report, an admin assigning one, and expiry (issue 22)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from review_store import copy_of

from triage.app import create_app
from triage.config import Settings
from triage.review import actions, claims
from triage.review.auth import User, add_user
from triage.review.sample import seed
from triage.schema import Verdict
from triage.store.database import connect

PASSWORD = "rahasia-123"
ANA, BUDI, CITRA = User("ana", "admin"), User("budi", "reviewer"), User("citra", "reviewer")
T0 = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)


@pytest.fixture
def desk(store_url: str) -> tuple[str, dict[str, str]]:
    db = connect(store_url)
    ids = seed(db)
    for user in (ANA, BUDI, CITRA):
        db.table("users").insert({"username": user.username, "role": user.role, "disabled": 0})
    return store_url, ids


def test_a_taken_report_is_refused_to_another_reviewer_until_it_expires(desk) -> None:
    url, ids = desk
    db = connect(url)
    rid = ids["pinjol"]
    held = claims.take(db, rid, BUDI, now=T0)
    assert (held.username, held.expires_at) == ("budi", T0 + claims.TAKE_FOR)
    with pytest.raises(actions.ActionError, match="sedang ditinjau oleh budi") as refused:
        claims.take(db, rid, CITRA, now=T0 + timedelta(minutes=5))
    assert refused.value.status == 409
    with pytest.raises(actions.ActionError, match="sedang ditinjau oleh budi"):
        claims.guard(db, rid, CITRA, now=T0 + timedelta(minutes=5))
    claims.guard(db, rid, ANA, now=T0 + timedelta(minutes=5))  # an admin may act on it
    renewed = claims.take(db, rid, BUDI, now=T0 + timedelta(minutes=20))  # the holder renews
    assert renewed.expires_at == T0 + timedelta(minutes=20) + claims.TAKE_FOR
    later = T0 + timedelta(minutes=20) + claims.TAKE_FOR + timedelta(seconds=1)
    assert claims.current(db, [rid], now=later) == {}  # expired on its own
    assert claims.take(db, rid, CITRA, now=later).username == "citra"
    rows = list(db.query("SELECT actor, action FROM audit_log WHERE action = 'claim' ORDER BY id"))
    assert [(r["actor"], r["action"]) for r in rows] == [
        ("budi", "claim"),
        ("budi", "claim"),
        ("citra", "claim"),
    ]


def test_an_admin_assigns_and_only_an_admin(desk) -> None:
    url, ids = desk
    db = connect(url)
    rid = ids["pinjol"]
    with pytest.raises(actions.ActionError, match="Hanya admin") as refused:
        claims.assign(db, rid, BUDI, "citra", now=T0)
    assert refused.value.status == 403
    with pytest.raises(actions.ActionError, match="tidak ada"):
        claims.assign(db, rid, ANA, "nobody", now=T0)
    given = claims.assign(db, rid, ANA, "citra", now=T0)
    assert (given.username, given.assigned_by, given.expires_at) == ("citra", "ana", T0 + claims.ASSIGN_FOR)
    with pytest.raises(actions.ActionError, match="sedang ditinjau oleh citra"):
        claims.take(db, rid, BUDI, now=T0 + timedelta(hours=2))
    (row,) = db.query("SELECT actor, action, detail FROM audit_log WHERE action = 'assign'")
    assert row["actor"] == "ana" and '"to": "citra"' in row["detail"]


def test_a_verdict_on_someone_elses_report_is_refused_and_a_decision_frees_it(desk) -> None:
    url, ids = desk
    db = connect(url)
    rid = ids["pinjol"]
    claims.take(db, rid, BUDI)
    with pytest.raises(actions.ActionError, match="sedang ditinjau oleh budi"):
        actions.confirm(db, rid, CITRA, "saya juga")
    with pytest.raises(actions.ActionError, match="sedang ditinjau oleh budi"):
        actions.overturn(db, rid, CITRA, actions.Overturn(Verdict.valid, "bukan spam"))
    assert (
        db.execute("SELECT count(*) FROM audit_log WHERE action IN ('confirm', 'overturn')").fetchone()[0]
        == 0
    )
    actions.confirm(db, rid, BUDI, "benar spam")
    assert claims.current(db, [rid]) == {}


def _login(client: TestClient, name: str) -> None:
    page = client.get("/review/login")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post("/review/login", data={"username": name, "password": PASSWORD, "csrf": csrf})


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)  # type: ignore[union-attr]


def test_the_pages_show_who_holds_a_report(tmp_path: Path, store_path: str | Path) -> None:
    template = tmp_path / "template.db"
    db = connect(template)
    for name, role in (("ana", "admin"), ("budi", "reviewer"), ("citra", "reviewer")):
        add_user(db, name, PASSWORD, role)
    ids = seed(db)
    db.close()
    path, ids = copy_of(
        (template, ids), store_path, PASSWORD, ("ana", "admin"), ("budi", "reviewer"), ("citra", "reviewer")
    )
    rid = ids["pinjol"]
    budi, citra, ana = (TestClient(create_app(Settings(db=path))) for _ in range(3))
    _login(budi, "budi")
    _login(citra, "citra")
    _login(ana, "ana")
    page = budi.get(f"/review/r/{rid}").text
    assert "Belum diambil siapa pun." in page and 'id="assign-form"' not in page  # no assigning for reviewers
    r = budi.post(f"/review/r/{rid}/take", data={"csrf": _csrf(page)}, follow_redirects=False)
    assert r.status_code == 303
    assert "Diambil oleh <strong>budi</strong>" in citra.get(f"/review/r/{rid}").text
    assert "diambil budi" in citra.get("/review/q/ditolak").text  # the queue shows it too
    page = citra.get(f"/review/r/{rid}").text
    refused = citra.post(f"/review/r/{rid}/confirm", data={"csrf": _csrf(page), "note": "x"})
    assert refused.status_code == 409 and "sedang ditinjau oleh budi" in refused.text
    page = ana.get(f"/review/r/{rid}").text
    assert 'id="assign-form"' in page
    ana.post(f"/review/r/{rid}/assign", data={"csrf": _csrf(page), "to": "citra"}, follow_redirects=False)
    assert "(ditugaskan oleh ana)" in citra.get(f"/review/r/{rid}").text
    audit = ana.get("/review/audit").text
    assert "Menugaskan laporan" in audit and "Mengambil laporan" in audit
