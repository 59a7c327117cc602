"""Review actions and what they leave behind: outbox exactly once, append-only audit, exports, XSS."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sqlite3
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient
from review_store import copy_of

from triage.app import create_app
from triage.cli import cli
from triage.config import Settings
from triage.review import actions, queries
from triage.review.auth import User, add_user
from triage.review.export import eval_cases
from triage.review.highlight import highlight
from triage.review.sample import seed
from triage.schema import EvalCase, InvalidReason, MissingField, TriageResult, Verdict
from triage.store.database import connect

PASSWORD = "rahasia-123"
ANA = User("ana", "admin")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """Seeded once per module (argon2 hashing is deliberately slow), copied for each test."""
    path = tmp_path_factory.mktemp("review") / "template.db"
    db = connect(path)
    ids = seed(db)
    add_user(db, "ana", PASSWORD, "admin")
    db.close()
    return path, ids


@pytest.fixture()
def env(template, store_path: str | Path):
    path, ids = copy_of(template, store_path, PASSWORD, ("ana", "admin"))
    client = TestClient(create_app(Settings(db=path)))
    page = client.get("/review/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    client.post("/review/login", data={"username": "ana", "password": PASSWORD, "csrf": token})
    return client, path, ids


def csrf_of(client: TestClient, rid: str) -> tuple[str, str]:
    page = client.get(f"/review/r/{rid}").text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    version = re.search(r'name="version" value="(\d+)"', page).group(1)
    return token, version


def outbox_rows(path: Path, rid: str) -> list[dict]:
    return list(connect(path).query("SELECT * FROM outbox WHERE report_id = ?", [rid]))


def test_overturn_rejection_to_valid_goes_to_outbox_once(env):
    client, path, ids = env
    rid = ids["jalan_rusak"]
    token, version = csrf_of(client, rid)
    data = {
        "csrf": token,
        "version": version,
        "verdict": "valid",
        "category": "PEKERJAAN UMUM DAN PENATAAN RUANG",
        "regency": "Kabupaten Bogor",
        "note": "Keluhan jalan rusak yang jelas, 'tes tes' hanya pembuka",
    }
    r = client.post(f"/review/r/{rid}/overturn", data=data, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].endswith("ok=sp4n")
    rows = outbox_rows(path, rid)
    assert len(rows) == 1 and rows[0]["destination"] == "sp4n"
    payload = json.loads(rows[0]["payload"])
    assert payload["kategori"] == "PEKERJAAN UMUM DAN PENATAAN RUANG"
    assert payload["judul"].startswith("Jalan rusak parah")  # not the "tes tes" opener
    assert payload["lokasi"]["kabupaten_kota"] == {"nama": "Kabupaten Bogor", "kode": "32.01"}
    db = connect(path)
    row = db["results"].get(rid)
    assert (row["verdict"], row["outcome"], row["decided_by"]) == ("valid", "sp4n", "reviewer")
    assert db["reports"].get(rid)["outcome"] == "sp4n"
    # The same form posted again (double click, replay) is refused as stale: still one row.
    r = client.post(f"/review/r/{rid}/overturn", data=data)
    assert r.status_code == 409
    # A later confirm, and a later overturn away and back to valid, never add a second row.
    token, version = csrf_of(client, rid)
    client.post(f"/review/r/{rid}/confirm", data={"csrf": token, "version": version})
    actions.overturn(db, rid, ANA, actions.Overturn(Verdict.needs_info, "cek", missing=(MissingField.date,)))
    actions.overturn(db, rid, ANA, actions.Overturn(Verdict.valid, "benar valid"))
    assert len(outbox_rows(path, rid)) == 1
    page = client.get(f"/review/r/{rid}").text
    assert "Kiriman SP4N" in page and "pending" in page


def test_overturn_needs_note(env):
    client, path, ids = env
    rid = ids["pinjol"]
    token, version = csrf_of(client, rid)
    r = client.post(
        f"/review/r/{rid}/overturn",
        data={"csrf": token, "version": version, "verdict": "valid", "note": "  "},
    )
    assert r.status_code == 400
    assert "Catatan wajib" in r.text
    assert connect(path).execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == 0
    assert outbox_rows(path, rid) == []


def test_overturn_validation(env):
    _, path, ids = env
    db = connect(path)
    with pytest.raises(actions.ActionError, match="alasan"):
        actions.overturn(db, ids["pkh"], ANA, actions.Overturn(Verdict.invalid, "x"))
    with pytest.raises(actions.ActionError, match="kurang"):
        actions.overturn(db, ids["pkh"], ANA, actions.Overturn(Verdict.needs_info, "x"))
    with pytest.raises(actions.ActionError, match="Kabupaten/kota"):
        actions.overturn(db, ids["pinjol"], ANA, actions.Overturn(Verdict.valid, "x", regency="Atlantis"))
    assert db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == 0


def test_overturn_valid_to_invalid_and_audit_row(env):
    _, path, ids = env
    db = connect(path)
    rid = ids["pkh"]
    out = actions.overturn(
        db, rid, ANA, actions.Overturn(Verdict.invalid, "hoaks", reason=InvalidReason.prank)
    )
    assert out.value == "archived"
    a = list(db.query("SELECT * FROM audit_log WHERE report_id = ?", [rid]))[0]
    assert (a["actor"], a["action"], a["from_verdict"], a["to_verdict"], a["to_reason"], a["note"]) == (
        "ana",
        "overturn",
        "valid",
        "invalid",
        "prank",
        "hoaks",
    )
    before = json.loads(a["detail"])["result_before"]
    assert TriageResult.model_validate(before).verdict is Verdict.valid
    assert outbox_rows(path, rid) == []


def test_confirm_leaves_review_queue(env):
    client, path, ids = env
    db = connect(path)
    assert ids["pinjol"] in [r["report_id"] for r in queries.queue(db, "tinjau").rows]
    token, version = csrf_of(client, ids["pinjol"])
    r = client.post(f"/review/r/{ids['pinjol']}/confirm", data={"csrf": token, "version": version})
    assert r.status_code == 200 and "Keputusan dikonfirmasi" in r.text
    assert ids["pinjol"] not in [r["report_id"] for r in queries.queue(db, "tinjau").rows]
    assert db["results"].get(ids["pinjol"])["outcome"] == "archived"
    # The citizen, who heard nothing while the report waited for a person, now gets the reply.
    replies = list(db.query("SELECT kind, state FROM wa_outbound WHERE report_id = ?", [ids["pinjol"]]))
    assert replies == [{"kind": "verdict", "state": "pending"}]


def test_audit_log_is_append_only(env):
    _, path, ids = env
    db = connect(path)
    actions.confirm(db, ids["pinjol"], ANA, "ok")
    refused = (sqlite3.IntegrityError, psycopg.errors.RaiseException)  # the trigger of each store
    with pytest.raises(refused, match="append-only"):
        db.execute("UPDATE audit_log SET note = 'diubah'")
    with pytest.raises(refused, match="append-only"):
        db.execute("DELETE FROM audit_log")
    assert db.execute("SELECT note FROM audit_log").fetchone()[0] == "ok"


def test_audit_csv(env):
    client, path, ids = env
    db = connect(path)
    actions.overturn(db, ids["pinjol"], ANA, actions.Overturn(Verdict.valid, "=HYPERLINK(bukan spam)"))
    r = client.get("/review/audit.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows[0]["action"] == "overturn" and rows[0]["from_verdict"] == "invalid"
    assert rows[0]["to_verdict"] == "valid" and rows[0]["actor"] == "ana"
    assert rows[0]["note"].startswith("'=")  # no formula injection in spreadsheets
    page = client.get("/review/audit").text
    assert ids["pinjol"] in page


def test_export_is_contract_format(env, tmp_path):
    client, path, ids = env
    db = connect(path)
    actions.overturn(
        db,
        ids["jalan_rusak"],
        ANA,
        actions.Overturn(Verdict.valid, "jalan rusak nyata", regency="Kabupaten Bogor"),
    )
    actions.confirm(db, ids["utang"], ANA)
    cases = list(eval_cases(db))
    assert len(cases) == 2
    for case in cases:
        EvalCase.model_validate(case)
        assert case["source"] == "review" and case["id"].startswith("review-")
    road = next(c for c in cases if c["id"] == f"review-{ids['jalan_rusak']}")
    assert road["expected"]["verdict"] == "valid" and road["expected"]["regency"] == "Kabupaten Bogor"
    assert road["expected"]["province"] == "Jawa Barat"
    assert road["provenance"]["original_verdict"] == "invalid"
    assert road["provenance"]["original_reason"] == "prank"
    assert road["provenance"]["reviewer"] == "ana"
    assert "3201011234567890" not in road["text"] and "081234567890" not in road["text"]
    assert "tes tes" in road["text"]
    # The button and the CLI give the same lines.
    r = client.get("/review/export.jsonl")
    assert [json.loads(x) for x in r.text.splitlines()] == cases
    out = tmp_path / "cases.jsonl"
    res = CliRunner().invoke(cli, ["review", "export", "--out", str(out)], env={"TRIAGE_DB": str(path)})
    assert res.exit_code == 0, res.output
    assert [json.loads(x) for x in out.read_text().splitlines()] == cases


def test_export_into_a_kept_file_merges_by_case_and_keeps_earlier_ones(env, tmp_path):
    """The reviewers' decisions accumulate in evals/reviewed.jsonl for the kind signal to learn."""
    _, path, ids = env
    db = connect(path)
    kept = tmp_path / "evals" / "reviewed.jsonl"
    earlier = {
        "id": "review-from-an-older-db",
        "text": "slot gacor",
        "expected": {
            "verdict": "invalid",
            "reason": "spam",
            "category": None,
            "province": None,
            "regency": None,
        },
    }
    kept.parent.mkdir()
    kept.write_text(json.dumps(earlier) + "\n", "utf-8")
    actions.confirm(db, ids["utang"], ANA)

    def merge() -> list[dict]:
        res = CliRunner().invoke(cli, ["review", "export", "--into", str(kept)], env={"TRIAGE_DB": str(path)})
        assert res.exit_code == 0, res.output
        return [json.loads(x) for x in kept.read_text("utf-8").splitlines()]

    first = merge()
    assert [c["id"] for c in first] == ["review-from-an-older-db", f"review-{ids['utang']}"]
    assert first[1]["expected"]["verdict"] == "invalid" and first[1]["provenance"]["action"] == "confirm"
    # reviewed again: the later decision replaces the case instead of adding a second one
    actions.overturn(db, ids["utang"], ANA, actions.Overturn(Verdict.valid, "ternyata keluhan layanan"))
    second = merge()
    assert [c["id"] for c in second] == [c["id"] for c in first]
    assert second[1]["expected"]["verdict"] == "valid" and second[1]["provenance"]["action"] == "overturn"
    assert second[0] == earlier


def test_export_refuses_a_kept_file_that_is_not_eval_cases_and_leaves_it(env, tmp_path):
    _, path, _ = env
    kept = tmp_path / "reviewed.jsonl"
    kept.write_text('{"id": "x"}\n', "utf-8")
    res = CliRunner().invoke(cli, ["review", "export", "--into", str(kept)], env={"TRIAGE_DB": str(path)})
    assert res.exit_code != 0 and "reviewed.jsonl:1 is not an eval case" in res.output
    assert kept.read_text("utf-8") == '{"id": "x"}\n'
    both = CliRunner().invoke(
        cli,
        ["review", "export", "--into", str(kept), "--out", str(tmp_path / "o")],
        env={"TRIAGE_DB": str(path)},
    )
    assert both.exit_code != 0 and "exactly one" in both.output


def test_cli_user_add_prompts(tmp_path):
    path = tmp_path / "c.db"
    res = CliRunner().invoke(
        cli,
        ["user", "add", "citra", "--role", "reviewer"],
        input="kata-sandi-1\nkata-sandi-1\n",
        env={"TRIAGE_DB": str(path)},
    )
    assert res.exit_code == 0, res.output
    assert connect(path)["users"].get("citra")["role"] == "reviewer"


def test_message_markup_is_escaped(env):
    client, _, ids = env
    page = client.get(f"/review/r/{ids['kasar']}").text
    assert "<script>alert" not in page
    assert "alert(&#39;x&#39;)&lt;/script&gt; bodoh" in page
    # The evidence containing markup is still found and highlighted, escaped inside the mark.
    assert '<mark class="bukti" data-alasan="1">pejabat &lt;script&gt;</mark>' in page
    listing = client.get("/review/q/ditolak").text
    assert "<script>alert" not in listing


def test_highlight_ignores_case_and_spacing():
    html, found = highlight("Jalan  RUSAK\nparah sekali", ["jalan rusak parah", "tidak ada"])
    assert str(html) == '<mark class="bukti" data-alasan="1">Jalan  RUSAK\nparah</mark> sekali'
    assert found == {0}


def test_queue_filters_and_order(env):
    client, path, ids = env
    db = connect(path)
    rows = queries.queue(db, "ditolak").rows
    confs = [r["confidence"] for r in rows]
    assert confs == sorted(confs) and len(rows) == 5
    only_spam = queries.queue(db, "ditolak", queries.QueueFilter(reason="spam")).rows
    assert [r["report_id"] for r in only_spam] == [ids["pinjol"]]
    page = client.get("/review/q/ditolak?alasan=prank&min=0.3&max=0.5").text
    assert ids["jalan_rusak"] in page and ids["pinjol"] not in page
    assert client.get("/review/q/ditolak?dari=2999-01-01").text.count('class="item"') == 0
    counts = queries.counts(db)
    assert counts == {"ditolak": 5, "perlu_info": 1, "tinjau": 3, "gerbang": 1, "valid": 3}
    for name in queries.QUEUES:
        assert client.get(f"/review/q/{name}").status_code == 200


def test_detail_shows_everything_the_decision_rested_on(env):
    client, _, ids = env
    page = client.get(f"/review/r/{ids['jalan_rusak']}").text
    for needle in [
        "triage-v3",  # prompt version
        "qwen2.5-coder-1.5b-instruct-q4_k_m",  # model
        "does not occur in the message",  # validation error of attempt 1
        "Percobaan 2",
        "Keluaran mentah",
        "Iseng / lelucon",
    ]:
        assert needle in page, needle
    pkh = client.get(f"/review/r/{ids['pkh']}").text
    assert "Kota Surabaya" in pkh and "35.78" in pkh and "Dinas Sosial Kota Surabaya" in pkh
    salam = client.get(f"/review/r/{ids['salam']}").text
    assert "greeting_only" in salam


def test_overview_renders_svg_charts(env):
    client, path, ids = env
    actions.overturn(connect(path), ids["pinjol"], ANA, actions.Overturn(Verdict.valid, "bukan spam"))
    page = client.get("/review/overview").text
    assert page.count("<svg") == 3
    assert "Spam / promosi" in page and "100% (1/1)" in page
    assert "http://" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_overview_shows_the_desks_pace_and_who_decided(env):
    client, path, ids = env
    before = client.get("/review/overview").text
    assert "Belum ada keputusan peninjau." in before
    actions.confirm(connect(path), ids["pinjol"], ANA, "benar spam")
    page = client.get("/review/overview").text
    desk = page[page.index('id="meja"') :]
    assert "Laporan sudah ditinjau</th><td>1<" in desk
    assert "<tr><td>ana</td><td>1</td><td>0</td></tr>" in desk
    assert "Melewati SLA" in desk and "jam" in desk


def test_review_queue_over_time(env):
    _, path, ids = env
    db = connect(path)
    _, before = queries.review_queue_over_time(db)
    actions.confirm(db, ids["pinjol"], ANA)
    _, after = queries.review_queue_over_time(db)
    assert before[-1] == 3 and after[-1] == 2


def test_concurrent_overturns_hand_off_once(env):
    """Two reviewers overturning the same view at once: one wins, the other is told to reload."""
    import threading

    _, path, ids = env
    rid = ids["jalan_rusak"]
    results: list[str] = []
    barrier = threading.Barrier(2)

    def act(name: str) -> None:
        db = connect(path)
        barrier.wait()
        try:
            actions.overturn(
                db, rid, User(name, "reviewer"), actions.Overturn(Verdict.valid, name), version=0
            )
            results.append("ok")
        except actions.ActionError as exc:
            results.append(str(exc.status))

    threads = [threading.Thread(target=act, args=(n,)) for n in ("ana", "budi")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["409", "ok"]
    assert len(outbox_rows(path, rid)) == 1
    assert connect(path).execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == 1


def test_secure_cookie_over_https(template, tmp_path):
    path = tmp_path / "s.db"
    shutil.copy(template[0], path)
    client = TestClient(create_app(Settings(db=path)), base_url="https://review.example")
    page = client.get("/review/login")
    assert "Secure" in page.headers["set-cookie"]
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/review/login",
        data={"username": "ana", "password": PASSWORD, "csrf": token},
        follow_redirects=False,
    )
    assert "Secure" in r.headers["set-cookie"] and "HttpOnly" in r.headers["set-cookie"]


def test_overturning_a_rejection_routes_it_to_the_place_the_text_named(env):
    from triage.evals.fakes import location_for

    client, path, ids = env
    rid = ids["jalan_rusak"]
    db = connect(path)
    row = db["results"].get(rid)
    before = TriageResult.model_validate_json(row["result"])
    assert before.complaint is None  # a rejection: no complaint, so nothing to route from but the place
    located = before.model_copy(update={"location": location_for("Kabupaten Demak")})
    db["results"].update(rid, {"result": located.model_dump_json()})
    actions.overturn(db, rid, ANA, actions.Overturn(Verdict.valid, "keluhan jalan yang jelas"))
    payload = json.loads(outbox_rows(path, rid)[0]["payload"])
    assert payload["lokasi"]["kabupaten_kota"] == {"nama": "Kabupaten Demak", "kode": "33.21"}


def test_an_overturned_rejection_carries_the_category_and_agency_a_decision_would(env):
    """Issue 22, point 1: "Jalan rusak ... Kabupaten Bogor" overturned to valid was queued for SP4N
    with no category and no agency; it now gets what the decision gives a complaint it accepts."""
    client, path, ids = env
    rid = ids["jalan_rusak"]
    db = connect(path)
    assert TriageResult.model_validate_json(db["results"].get(rid)["result"]).complaint is None
    actions.overturn(db, rid, ANA, actions.Overturn(Verdict.valid, "keluhan jalan yang jelas"))
    payload = json.loads(outbox_rows(path, rid)[0]["payload"])
    assert payload["kategori"] == "PEKERJAAN UMUM DAN PENATAAN RUANG"
    assert payload["lokasi"]["kabupaten_kota"]["nama"] == "Kabupaten Bogor"
    assert payload["instansi_tujuan"] and payload["tingkat_instansi"]
    assert "3201011234567890" not in payload["judul"]  # the title stays masked
    detail = json.loads(db.execute("SELECT detail FROM audit_log WHERE report_id = ?", [rid]).fetchone()[0])
    changed = detail["routing_changed"]  # the audit log says what SP4N is told that it was not before
    assert changed["category"] == [None, "PEKERJAAN UMUM DAN PENATAAN RUANG"] and changed["agency"][0] is None


def test_a_reviewers_corrected_place_and_category_are_routed_again(env):
    client, path, ids = env
    rid = ids["jalan_rusak"]
    db = connect(path)
    change = actions.Overturn(
        Verdict.valid, "salah kabupaten", category="KESEHATAN", regency="Kabupaten Demak"
    )
    actions.overturn(db, rid, ANA, change)
    after = TriageResult.model_validate_json(db["results"].get(rid)["result"])
    assert after.complaint is not None and after.complaint.category == "KESEHATAN"
    assert after.complaint.location.regency is not None
    assert after.complaint.location.regency.name == "Kabupaten Demak"
    assert after.complaint.agency and "Demak" in after.complaint.agency  # routed to the new place


def test_export_since_a_word_is_a_clear_usage_error(tmp_path, monkeypatch):
    from click.testing import CliRunner

    from triage.cli import cli

    monkeypatch.setenv("TRIAGE_DB", str(tmp_path / "r.db"))
    result = CliRunner().invoke(
        cli, ["review", "export", "--out", str(tmp_path / "x.jsonl"), "--since", "yesterday"]
    )
    assert result.exit_code == 2 and "days back" in result.output and "Traceback" not in result.output


def test_the_prefilled_category_and_place_sent_back_unchanged_are_no_correction(env):
    _, path, ids = env
    db = connect(path)
    rid = ids["pkh"]  # valid, with a complaint
    c = TriageResult.model_validate_json(db["results"].get(rid)["result"]).complaint
    assert c is not None and c.category
    regency = c.location.regency.name if c.location.regency else None
    same = actions.Overturn(Verdict.valid, "tidak berubah", category=c.category, regency=regency)
    with pytest.raises(actions.ActionError, match="sama"):
        actions.overturn(db, rid, ANA, same)
    assert db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == 0


@pytest.mark.parametrize("typed", ["Bogor", "bógor", "jalan RUSAK bog", 'bogor" OR "x', "NEAR(bogor) AND ("])
def test_search_finds_the_citizens_words_whatever_is_typed(env, typed):
    client, path, ids = env
    page = client.get("/review/q/ditolak", params={"q": typed})
    assert page.status_code == 200
    expected = typed in ("Bogor", "bógor", "jalan RUSAK bog")
    assert (ids["jalan_rusak"] in page.text) is expected
    assert ids["pinjol"] not in page.text  # the loan spam says nothing of Bogor


def test_search_combines_with_filters_and_the_total_is_shown(env):
    client, path, ids = env
    page = client.get("/review/q/ditolak", params={"q": "jalan", "alasan": "spam"}).text
    assert ids["jalan_rusak"] not in page and "(0)" in page
    page = client.get("/review/q/ditolak", params={"q": "jalan", "alasan": "prank"}).text
    assert ids["jalan_rusak"] in page and "1-1 dari 1" in page


def test_pages_cover_the_queue_once_in_a_stable_order(env):
    _, path, ids = env
    db = connect(path)
    everything = queries.queue(db, "ditolak")
    seen: list[str] = []
    for n in range(1, 4):
        page = queries.queue(db, "ditolak", page=n, per_page=2)
        assert page.total == everything.total == 5 and page.pages == 3
        seen += [r["report_id"] for r in page.rows]
    assert seen == [r["report_id"] for r in everything.rows]
    last = queries.queue(db, "ditolak", page=3, per_page=2)
    assert (last.first, last.last) == (5, 5)
    assert queries.queue(db, "ditolak", page=9, per_page=2).rows == []


def test_the_pager_keeps_the_filters_and_sort_order(env, monkeypatch):
    client, path, ids = env
    monkeypatch.setattr(queries, "PER_PAGE", 2)
    first = client.get("/review/q/ditolak", params={"urut": "new", "min": "0"}).text
    assert "1-2 dari 5" in first and "Halaman 1 dari 3" in first
    link = re.search(r'href="([^"]+)" rel="next"', first)
    assert link is not None
    url = link.group(1).replace("&amp;", "&")
    assert "urut=new" in url and "min=0" in url and url.endswith("hal=2")
    second = client.get(url).text
    assert "3-4 dari 5" in second and 'rel="prev"' in second


def _bulk(client, ids_versions: list[str], note: str = ""):
    page = client.get("/review/q/ditolak").text
    token = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    form = {"csrf": token, "ids": ids_versions, "note": note}
    return client.post("/review/q/ditolak/confirm", data=form, follow_redirects=True)


def test_bulk_confirm_of_one_reason_audits_each_report(env):
    client, path, ids = env
    db = connect(path)
    # two rejections of one reason (the sample has one of each: make the debt one "not a complaint")
    before = TriageResult.model_validate_json(db["results"].get(ids["utang"])["result"])
    same = before.model_copy(update={"reason": InvalidReason.not_a_complaint})
    db["results"].update(ids["utang"], {"result": same.model_dump_json(), "reason": "not_a_complaint"})
    rows = {r["report_id"]: r for r in queries.queue(db, "ditolak").rows}
    picked = [ids["utang"], ids["salam"]]
    assert {rows[i]["reason"] for i in picked} == {"not_a_complaint"}
    page = _bulk(client, [f"{i}:{rows[i]['version']}" for i in picked], "jelas bukan laporan")
    assert "(2 laporan)" in page.text
    audit = list(db.query("SELECT report_id, action, note FROM audit_log ORDER BY id"))
    assert [(a["report_id"], a["action"]) for a in audit] == [(i, "confirm") for i in picked]
    assert all(a["note"] == "jelas bukan laporan" for a in audit)


def test_bulk_confirm_refuses_mixed_reasons_and_stale_lists_and_changes_nothing(env):
    client, path, ids = env
    db = connect(path)
    rows = {r["report_id"]: r for r in queries.queue(db, "ditolak").rows}
    mixed = [ids["pinjol"], ids["salam"]]  # spam and not a complaint
    assert rows[ids["pinjol"]]["reason"] != rows[ids["salam"]]["reason"]
    page = _bulk(client, [f"{i}:{rows[i]['version']}" for i in mixed])
    assert page.status_code == 400 and "alasan sama" in page.text
    stale = _bulk(client, [f"{ids['salam']}:{rows[ids['salam']]['version'] + 1}"])
    assert stale.status_code == 409 and "ditinjau orang lain" in stale.text
    # the refusal is rendered, never carried in a URL a stranger could forge into a link
    assert "PALSU" not in client.get("/review/q/ditolak", params={"galat": "PALSU"}).text
    assert db.execute("SELECT COUNT(*) FROM audit_log").fetchone()[0] == 0


def test_dates_are_typed_and_shown_as_indonesians_write_them(env):
    client, _, _ = env
    page = client.get("/review/q/ditolak?dari=01/01/2999").text
    assert page.count('class="item"') == 0  # the filter applies
    assert 'name="dari" value="01/01/2999"' in page and 'placeholder="hh/bb/tttt"' in page
    iso = client.get("/review/q/ditolak?dari=2999-01-01").text
    assert 'name="dari" value="01/01/2999"' in iso  # ISO still understood, shown the Indonesian way
    assert (
        client.get("/review/q/ditolak?dari=31/02/2026").text.count('class="item"') > 0
    )  # no such day: no filter
    assert 'type="date"' not in page
