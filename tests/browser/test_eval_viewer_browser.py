"""The eval viewer in Debian's Chromium: from the runs list to why a case flipped (issue 23)."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from services import unavailable
from viewer_runs import make_two_runs

from triage.evals.viewer import create_viewer

CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
pytestmark = [pytest.mark.browser]


def test_a_prompt_engineer_finds_why_a_case_flipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from playwright.sync_api import expect, sync_playwright

    if shutil.which(CHROMIUM) is None and not Path(CHROMIUM).exists():
        unavailable(
            "Debian's Chromium is not installed at /usr/bin/chromium (scripts/test-deps.sh installs it)"
        )
    judge = make_two_runs(tmp_path, monkeypatch)
    broken = [c.id for c in judge.cases if c.expected.verdict.value == "valid"][1]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    server = uvicorn.Server(
        uvicorn.Config(create_viewer(str(tmp_path / "triage.db")), port=port, log_level="warning")
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    base = f"http://127.0.0.1:{port}"
    SHOTS.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=CHROMIUM,
                args=[
                    "--no-sandbox",
                    "--disable-gpu",
                    "--disable-background-networking",
                    "--disable-component-update",
                ],
            )
            page = browser.new_page()
            page.set_default_timeout(10_000)
            page.goto(base + "/")
            expect(page.locator("#runs a", has_text="#2")).to_be_visible()
            page.screenshot(path=str(SHOTS / "eval-runs.png"), full_page=True)
            page.get_by_label("Compare run").fill("1")
            page.get_by_label("with run").fill("2")
            page.get_by_role("button", name="Side by side").click()
            page.wait_for_url(re.compile(r"/compare\?a=1&b=2"))
            expect(page.locator("#prompt-diff")).to_contain_text("+# variant B")
            page.screenshot(path=str(SHOTS / "eval-compare.png"), full_page=True)
            page.get_by_role("link", name=broken).click()
            expect(page.locator("section")).to_have_count(2)
            expect(page.locator("section").nth(1)).to_contain_text("needs_info")
            page.goto(base + "/run/2")
            page.locator('a[data-cell="valid-needs_info"]').click()
            expect(page.locator("#cases tr")).to_have_count(2)  # the header and the one case
            page.screenshot(path=str(SHOTS / "eval-run-filtered.png"), full_page=True)
            page.locator("#cases a").first.click()
            expect(page.locator("pre.text")).to_be_visible()
            expect(page.locator("body")).to_contain_text("Rules that fired")
            page.screenshot(path=str(SHOTS / "eval-case.png"), full_page=True)
            browser.close()
    finally:
        server.should_exit = True
