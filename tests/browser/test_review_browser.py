"""The review page in a real browser (Debian's Chromium through Playwright; nothing downloaded).

One flow, as a reviewer would do it: log in, filter rejections, open one, see the evidence
highlighted, overturn it with a note, find it in the SP4N outbox and the audit log. Plus the two
refusals that matter: a POST without the CSRF token, and a reviewer trying to reveal a NIK.
Screenshots go to artifacts/screenshots/ for the CI run's artifacts.
"""

from __future__ import annotations

import re
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from services import unavailable
from stand_ins.ports import free_port

from triage.app import create_app
from triage.config import Settings
from triage.review import actions
from triage.review.auth import User, add_user
from triage.review.sample import seed
from triage.schema import MissingField, Verdict
from triage.store.database import connect

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
PASSWORD = "rahasia-123"
NIK = "3201011234567890"

pytestmark = [pytest.mark.browser]


@pytest.fixture(autouse=True)
def _chromium_installed() -> None:
    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        unavailable(
            "Debian's Chromium is not installed at /usr/bin/chromium (scripts/test-deps.sh installs it)"
        )


@contextmanager
def serving(path: Path) -> Iterator[str]:
    """The review app on a free port, in a thread of this process."""
    port = free_port()
    config = uvicorn.Config(create_app(Settings(db=path)), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, dict[str, str]]]:
    path = tmp_path_factory.mktemp("review") / "browser.db"
    db = connect(path)
    ids = seed(db)
    add_user(db, "ana", PASSWORD, "admin")
    add_user(db, "budi", PASSWORD, "reviewer")
    db.close()
    with serving(path) as base:
        yield base, path, ids


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


def _login(page, base: str, user: str) -> None:
    page.goto(f"{base}/review/")
    assert "/review/login" in page.url
    page.get_by_label("Nama pengguna").fill(user)
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{base}/review/")


def test_overturn_flow(server, browser):
    from playwright.sync_api import expect

    base, path, ids = server
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    external: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(base) else external.append(r.url))
    _login(page, base, "ana")

    # Filter the rejections down to "prank" and open the one there.
    page.get_by_role("link", name=re.compile("Ditolak")).first.click()
    page.get_by_label("Alasan").select_option("prank")
    page.get_by_role("button", name="Saring").click()
    rows = page.locator("tr.item")
    expect(rows).to_have_count(1)
    rows.first.locator("a.open").click()
    rid = ids["jalan_rusak"]
    page.wait_for_url(f"{base}/review/r/{rid}?antrean=ditolak")  # opened from its queue

    # The model's quoted evidence is highlighted where it occurs; identities are masked.
    mark = page.locator(".bubble mark.bukti")
    expect(mark).to_have_count(1)
    expect(mark.first).to_have_text("tes tes")
    expect(page.locator(".messages")).not_to_contain_text(NIK)
    expect(page.locator("#verdict")).to_have_text("Ditolak")
    page.screenshot(path=str(SHOTS / "review-detail-evidence.png"), full_page=True)

    # Overturn to valid with a note (the page asks for confirmation first).
    page.on("dialog", lambda d: d.accept())
    form = page.locator("#overturn-form")
    form.get_by_label("Valid").check()
    # the place, category and agency a decision would give it come prefilled, to correct if wrong
    expect(form.get_by_label("Kategori")).to_have_value("PEKERJAAN UMUM DAN PENATAAN RUANG")
    expect(form.get_by_label(re.compile("Kabupaten/kota"))).to_have_value("Kabupaten Bogor")
    expect(form.locator("#proposed-routing")).to_contain_text("Bogor")
    form.get_by_label(re.compile("Catatan")).fill("Keluhan jalan rusak yang jelas; 'tes tes' hanya pembuka.")
    form.get_by_role("button", name="Batalkan keputusan").click()
    page.wait_for_url(re.compile(r"ok=sp4n"))
    expect(page.locator(".alert.ok")).to_contain_text("SP4N-LAPOR!")
    expect(page.locator(".alert.ok")).to_contain_text(rid)  # said of the report just decided
    assert f"/review/r/{rid}?" not in page.url  # the queue's next report opened
    page.goto(f"{base}/review/r/{rid}")
    expect(page.locator("#verdict")).to_have_text("Valid")
    expect(page.locator("#outbox")).to_contain_text("pending")
    expect(page.locator("#history")).to_contain_text("Pembatalan")
    expect(page.locator("#history")).to_contain_text("hanya pembuka")
    page.screenshot(path=str(SHOTS / "review-detail-after-overturn.png"), full_page=True)

    db = connect(path)
    outbox = list(db.query("SELECT destination, state FROM outbox WHERE report_id = ?", [rid]))
    assert outbox == [{"destination": "sp4n", "state": "pending"}]

    # The action is in the audit log page (and its CSV).
    page.get_by_role("link", name="Log audit").click()
    audit = page.locator("#audit tbody tr").first
    expect(audit).to_contain_text(rid)
    expect(audit).to_contain_text("Pembatalan")
    expect(audit).to_contain_text("Ditolak (Iseng / lelucon) → Valid")  # in Indonesian, not codes

    # A POST without the CSRF token is refused, even with a valid session cookie.
    refused = page.request.post(f"{base}/review/r/{ids['pinjol']}/confirm", form={"version": "0"})
    assert refused.status == 403
    assert (
        db.execute("SELECT COUNT(*) FROM audit_log WHERE report_id = ?", [ids["pinjol"]]).fetchone()[0] == 0
    )

    # A little more review history, so the overview has more than one bar to show.
    ana = User("ana", "admin")
    actions.confirm(db, ids["salam"], ana, "memang hanya salam")
    actions.confirm(db, ids["utang"], ana)
    actions.overturn(
        db,
        ids["kasar"],
        ana,
        actions.Overturn(Verdict.needs_info, "ada keluhan tersirat", missing=(MissingField.what_happened,)),
    )
    actions.confirm(db, ids["pkh"], ana, "PKH jelas")
    page.get_by_role("link", name="Ringkasan").click()
    expect(page.locator("svg.chart")).to_have_count(3)
    page.screenshot(path=str(SHOTS / "review-overview.png"), full_page=True)

    # The same detail page on a phone.
    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    phone.add_cookies(ctx.cookies())
    mobile = phone.new_page()
    mobile.goto(f"{base}/review/r/{ids['pinjol']}")
    expect(mobile.locator(".bubble mark.bukti")).to_have_count(1)
    mobile.screenshot(path=str(SHOTS / "review-detail-phone.png"), full_page=True)
    phone.close()
    ctx.close()
    assert external == [], f"the page loaded something from outside: {external}"


def test_reviewer_cannot_reveal_nik(server, browser):
    from playwright.sync_api import expect

    base, path, ids = server
    ctx = browser.new_context()
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    _login(page, base, "budi")
    rid = ids["jalan_rusak"]
    page.goto(f"{base}/review/r/{rid}")
    expect(page.get_by_role("button", name="Buka NIK")).to_have_count(0)
    expect(page.locator("body")).not_to_contain_text(NIK)
    token = page.locator("#confirm-form input[name=csrf]").get_attribute("value")
    r = page.request.post(f"{base}/review/r/{rid}/reveal", form={"csrf": token or "", "kind": "nik"})
    assert r.status == 403
    assert NIK not in r.text()
    row = (
        connect(path)
        .execute("SELECT actor, action FROM audit_log WHERE report_id = ? ORDER BY id DESC LIMIT 1", [rid])
        .fetchone()
    )
    assert tuple(row) == ("budi", "reveal_denied")
    ctx.close()


def test_a_reviewer_works_a_queue_with_the_keyboard_alone(server, browser):
    """Issue 22, point 3: open, move, confirm, overturn and see the keys, without a mouse; after
    an action the queue's next report opens."""
    from playwright.sync_api import expect

    from triage.review import queries

    base, path, ids = server
    order = [r["report_id"] for r in queries.queue(connect(path), "ditolak").rows]
    assert len(order) >= 3
    ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="id-ID")
    ctx.set_default_timeout(10_000)
    page = ctx.new_page()
    _login(page, base, "ana")
    page.goto(f"{base}/review/q/ditolak")

    page.keyboard.press("j")
    expect(page.locator("tr.item a.open").first).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(f"{base}/review/r/{order[0]}?antrean=ditolak")

    expect(page.locator("#help")).to_have_count(1)
    assert page.title().startswith("Laporan") and "Tombol" not in page.title()
    page.keyboard.press("?")
    expect(page.locator("#help")).to_be_visible()
    expect(page.locator("#help")).to_contain_text("konfirmasi")
    page.keyboard.press("Escape")
    expect(page.locator("#help")).to_be_hidden()

    page.keyboard.press("j")
    page.wait_for_url(f"{base}/review/r/{order[1]}?antrean=ditolak")
    page.keyboard.press("k")
    page.wait_for_url(f"{base}/review/r/{order[0]}?antrean=ditolak")

    page.keyboard.press("c")  # confirm: the next report of the queue opens
    page.wait_for_url(re.compile(rf"/review/r/{order[1]}\?antrean=ditolak&ok=confirm&selesai={order[0]}"))
    expect(page.locator(".alert.ok")).to_contain_text(order[0])

    page.keyboard.press("v")  # overturn to valid: the choice is made and the note has the focus
    expect(page.locator("#overturn-form input[name=verdict][value=valid]")).to_be_checked()
    expect(page.locator("#overturn-note")).to_be_focused()
    page.keyboard.type("ada keluhan nyata di sini")
    page.on("dialog", lambda d: d.accept())
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(rf"ok=sp4n&selesai={order[1]}"))

    db = connect(path)
    done = {
        r["report_id"]: r["action"]
        for r in db.query("SELECT report_id, action FROM audit_log WHERE actor = 'ana' ORDER BY id")
    }
    assert done[order[0]] == "confirm" and done[order[1]] == "overturn"
    ctx.close()


def test_taking_and_assigning_a_report_is_seen_by_the_others(server, browser):
    """Budi takes a report with its button; Ana, the admin, sees who holds it in the queue and on
    the page, and assigns it back to Budi for longer."""
    from playwright.sync_api import expect

    base, _, ids = server
    rid = ids["pinjol"]
    budi_ctx, ana_ctx = browser.new_context(), browser.new_context()
    for ctx in (budi_ctx, ana_ctx):
        ctx.set_default_timeout(10_000)
    budi, ana = budi_ctx.new_page(), ana_ctx.new_page()
    _login(budi, base, "budi")
    _login(ana, base, "ana")
    budi.goto(f"{base}/review/r/{rid}")
    expect(budi.locator("#assign-form")).to_have_count(0)  # reviewers do not assign
    budi.get_by_role("button", name="Ambil laporan ini").click()
    expect(budi.locator("#claim")).to_contain_text("Diambil oleh budi")
    expect(budi.get_by_role("button", name="Perpanjang")).to_be_visible()
    ana.goto(f"{base}/review/q/ditolak")
    expect(ana.locator(f'tr[data-report="{rid}"] .held')).to_have_text("diambil budi")
    ana.goto(f"{base}/review/r/{rid}")
    ana.locator("#assign-form select").select_option("budi")
    ana.get_by_role("button", name="Tugaskan").click()
    expect(ana.locator("#claim")).to_contain_text("(ditugaskan oleh ana)")
    SHOTS.mkdir(parents=True, exist_ok=True)
    ana.screenshot(path=str(SHOTS / "claim-assigned.png"), full_page=True)
    budi_ctx.close()
    ana_ctx.close()


def test_every_page_fits_a_phone_390_px_wide(server, browser):
    """No page of the desk makes a reviewer on a phone scroll sideways."""
    base, _, ids = server
    phone = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True)
    phone.set_default_timeout(10_000)
    page = phone.new_page()
    _login(page, base, "ana")
    pages = [
        "/review/",
        "/review/q/tinjau",
        "/review/q/ditolak?q=jalan&dari=01/01/2020",
        f"/review/r/{ids['pinjol']}",
        f"/review/r/{ids['jalan_rusak']}",
        "/review/overview",
        "/review/audit",
        "/review/kedua",
    ]
    too_wide = {}
    for path in pages:
        page.goto(base + path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 392:
            too_wide[path] = width
    phone.close()
    assert too_wide == {}


def test_a_keyboard_alone_clears_ten_rejections(tmp_path: Path, browser):
    """Issue 22, point 7: ten decisions in a row, each with one key, each opening the next."""
    from triage.review.sample import seed_rejections

    path = tmp_path / "ten.db"
    db = connect(path)
    ids = seed_rejections(db, 10)
    add_user(db, "ana", PASSWORD, "admin")
    db.close()
    with serving(path) as base:
        ctx = browser.new_context()
        ctx.set_default_timeout(10_000)
        page = ctx.new_page()
        _login(page, base, "ana")
        page.goto(f"{base}/review/q/ditolak")
        page.keyboard.press("j")
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"/review/r/"))
        for _ in range(10):
            current = re.search(r"/review/r/([^?]+)", page.url)
            assert current, page.url  # a report is open, not the queue: there is more to clear
            page.keyboard.press("c")
            page.wait_for_url(re.compile(rf"selesai={current.group(1)}"))
        assert "/review/q/ditolak" in page.url  # the queue's end: back to the queue
        ctx.close()
    done = [
        r[0]
        for r in connect(path).execute("SELECT report_id FROM audit_log WHERE action = 'confirm'").fetchall()
    ]
    assert sorted(done) == sorted(ids)  # each of the ten once, none twice


def test_a_desk_searches_pages_bulk_confirms_and_reviews_blind(tmp_path: Path, browser, monkeypatch):
    """Issue 22: search and paging over 60 rejections, a bulk confirm of two, the blind second
    review by another reviewer, and the overview's pace, SLA and agreement figures."""
    from playwright.sync_api import expect

    from triage.review.sample import seed_rejections

    monkeypatch.setenv("TRIAGE_REVIEW_SECOND_SHARE", "1.0")  # every first decision gets a second
    path = tmp_path / "desk.db"
    db = connect(path)
    seed_rejections(db, 60)
    add_user(db, "ana", PASSWORD, "admin")
    add_user(db, "budi", PASSWORD, "reviewer")
    db.close()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serving(path) as base:
        ana_ctx, budi_ctx = browser.new_context(), browser.new_context()
        for ctx in (ana_ctx, budi_ctx):
            ctx.set_default_timeout(10_000)
        ana, budi = ana_ctx.new_page(), budi_ctx.new_page()
        _login(ana, base, "ana")
        ana.goto(f"{base}/review/q/ditolak")
        expect(ana.locator(".pager")).to_contain_text("Halaman 1 dari 2")
        ana.get_by_role("link", name="Berikutnya ›").click()
        expect(ana.locator(".pager")).to_contain_text("Halaman 2 dari 2")
        ana.get_by_label("Cari di teks laporan").fill("cair 1")
        ana.get_by_role("button", name="Saring").click()
        expect(ana.locator("tr.item")).to_have_count(11)  # 1 and 10-19: the last word is a prefix
        ana.screenshot(path=str(SHOTS / "review-queue-search.png"), full_page=True)
        boxes = ana.locator("tr.item input[name=ids]")
        boxes.nth(0).check()
        boxes.nth(1).check()
        ana.on("dialog", lambda d: d.accept())
        ana.get_by_role("button", name="Konfirmasi penolakan yang dipilih").click()
        expect(ana.locator(".alert.ok")).to_be_visible()
        _login(budi, base, "budi")
        budi.goto(f"{base}/review/kedua")
        expect(budi.locator("#second-list a")).to_have_count(2)
        budi.locator("#second-list a").first.click()
        expect(budi.locator("body")).not_to_contain_text("ana")  # blind: not whose, not what
        budi.get_by_label("Ditolak").check()
        budi.locator("#second-form select[name=reason]").select_option("spam")
        budi.get_by_role("button", name="Simpan tinjauan kedua").click()
        expect(budi.locator(".flash")).to_contain_text("Tinjauan kedua tercatat.")
        ana.goto(f"{base}/review/overview")
        expect(ana.locator("#meja")).to_contain_text("Laporan sudah ditinjau")
        expect(ana.locator("#meja tr", has_text="Laporan sudah ditinjau")).to_contain_text("2")
        expect(ana.locator("#meja tr", has_text="Melewati SLA")).to_contain_text("0")
        expect(ana.locator("#kesepakatan tr", has_text="Semua")).to_contain_text("1")
        ana.screenshot(path=str(SHOTS / "review-overview-desk.png"), full_page=True)
        ana_ctx.close()
        budi_ctx.close()


def _voice_report(path: Path) -> tuple[str, str, str]:
    """A report of a voice note (heard, but doubtfully) and a photo, rejected and waiting for review."""
    import json
    from datetime import UTC, datetime, timedelta

    from triage.intake import assembler
    from triage.media import files
    from triage.schema import Outcome, RawMessage, Reason, Segment, Transcript, TriageResult
    from triage.store.reports import Store

    fixtures = Path(__file__).resolve().parents[1] / "fixtures"
    note, photo = (fixtures / "audio" / "complaint.ogg").read_bytes(), (fixtures / "photo.png").read_bytes()
    root = Path(str(path) + ".media")
    sha_note, sha_photo = files.put(root, note), files.put(root, photo)
    db = connect(path)
    add_user(db, "ana", PASSWORD, "admin")
    store = Store(db)
    start = datetime.now(UTC) - timedelta(hours=1)
    store.add_message(
        RawMessage(message_id="v1", sender="6281200000077", timestamp=start, type="audio", media_id="A1")
    )
    store.add_message(
        RawMessage(
            message_id="v2",
            sender="6281200000077",
            timestamp=start + timedelta(seconds=5),
            type="image",
            media_id="P1",
            caption="ini fotonya",
        )
    )
    assembler.assemble(store, timedelta(minutes=2), now=None)
    rid = db.execute("SELECT report_id FROM messages WHERE message_id = 'v1'").fetchone()[0]
    for media_id, sha, mime, size in (
        ("A1", sha_note, "audio/ogg; codecs=opus", len(note)),
        ("P1", sha_photo, "image/png", len(photo)),
    ):
        db.execute(
            "INSERT INTO media (media_id, sha256, mime_type, size, status, attempts) "
            "VALUES (?,?,?,?,'fetched',1)",
            [media_id, sha, mime, size],
        )
    words = "jalan di desa sukamaju kecamatan cibadak rusak parah"
    heard = Transcript(
        text=words,
        language="id",
        duration_s=4.2,
        segments=[Segment(start=0, end=4.2, text=words, avg_logprob=-0.9)],
    )
    db.execute(
        "INSERT INTO transcripts (sha256, status, text, confidence, transcript) VALUES (?,'done',?,?,?)",
        [sha_note, words, heard.confidence, json.dumps(heard.model_dump(mode="json"))],
    )
    result = TriageResult(
        verdict="invalid",
        reason="prank",
        reasons=[Reason(statement="Tidak jelas", evidence="rusak parah")],
        missing_fields=[],
        confidence=heard.confidence,
        needs_review=True,
        rules=["transcript_doubtful"],
    )
    store.save_decision(
        rid, result, Outcome.review, [], model="m", prompt_version="v", prompt_hash="h", latency_ms=0
    )
    db.close()
    return rid, sha_note, sha_photo


def test_a_reviewer_hears_a_voice_note_and_sees_the_photo(tmp_path: Path, browser) -> None:
    """Issue 24: the note plays (its length is read from the file the page serves) beside its
    transcript, the photo shows as a thumbnail, both only through the signed-in session."""
    from playwright.sync_api import expect

    path = tmp_path / "voice.db"
    rid, sha_note, sha_photo = _voice_report(path)
    with serving(path) as base:
        ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="id-ID")
        ctx.set_default_timeout(10_000)
        page = ctx.new_page()
        assert page.goto(f"{base}/review/media/{sha_note}").url.startswith(f"{base}/review/login")
        _login(page, base, "ana")
        page.goto(f"{base}/review/r/{rid}")
        expect(page.locator(".bubble").first).to_contain_text("transkrip otomatis")
        expect(page.locator(".transcript-note")).to_contain_text("kurang yakin")
        audio = page.locator(f'audio[src="/review/media/{sha_note}"]')
        expect(audio).to_have_count(1)
        duration = audio.evaluate(
            """a => new Promise((ok, fail) => {
                a.addEventListener('loadedmetadata', () => ok(a.duration));
                a.addEventListener('error', () => fail(String(a.error && a.error.code)));
                a.preload = 'metadata'; a.load();
            })"""
        )
        assert 1.0 < duration < 30.0, duration
        thumb = page.locator(f'img.thumb[src="/review/media/{sha_photo}"]')
        expect(thumb).to_be_visible()
        assert thumb.evaluate("i => i.complete && i.naturalWidth") == 96
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "review-voice-note.png"), full_page=True)
        ctx.close()
