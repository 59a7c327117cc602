"""Seconds per decision on the review desk: the keyboard flow against the mouse flow.

Each run serves a fresh store with the same ten rejected adverts (`seed_rejections`) and clears
them in Debian's Chromium (Playwright): keyboard: `j`, Enter, then `c` ten times (each confirm
opens the next report); mouse: a click on the first report, then ten clicks on "Konfirmasi
keputusan ini", each after moving the pointer to the button. Runs alternate (keyboard, mouse,
keyboard, ...) and the figure is the median per flow, with the ratio.

What it can show: how much the page and the flow cost per decision (round trips, page loads,
the next report opening by itself) when input is instant. What it cannot: a person's time,
which is reading the report; the keyboard's real gain is not having to find the button.

    .venv/bin/python benchmarks/review_speed.py --runs 3
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn

from triage.app import create_app
from triage.config import Settings
from triage.review.auth import add_user
from triage.review.sample import seed_rejections
from triage.store.database import connect

CHROMIUM = "/usr/bin/chromium"
PASSWORD = "rahasia-123"
N = 10


@contextmanager
def serving(path: Path) -> Iterator[str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    srv = uvicorn.Server(uvicorn.Config(create_app(Settings(db=path)), port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)


def _report_id(url: str) -> str:
    found = re.search(r"/review/r/([^?]+)", url)
    assert found, url
    return found.group(1)


def clear(browser: Any, base: str, keyboard: bool) -> float:
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(f"{base}/review/login")
    page.get_by_label("Nama pengguna").fill("ana")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{base}/review/")
    page.goto(f"{base}/review/q/ditolak")
    started = time.perf_counter()
    if keyboard:
        page.keyboard.press("j")
        page.keyboard.press("Enter")
    else:
        page.locator("tr.item a.open").first.click()
    page.wait_for_url(re.compile(r"/review/r/"))
    for _ in range(N):
        rid = _report_id(page.url)
        if keyboard:
            page.keyboard.press("c")
        else:
            button = page.get_by_role("button", name="Konfirmasi keputusan ini")
            button.hover()
            button.click()
        page.wait_for_url(re.compile(rf"selesai={rid}"))
    seconds = time.perf_counter() - started
    ctx.close()
    return seconds / N


def one_run(browser: Any, keyboard: bool) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "speed.db"
        db = connect(path)
        seed_rejections(db, N)
        add_user(db, "ana", PASSWORD, "admin")
        db.close()
        with serving(path) as base:
            return clear(browser, base, keyboard)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=3, help="runs per flow, alternating")
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    times: dict[str, list[float]] = {"keyboard": [], "mouse": []}
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
        for _ in range(args.runs):
            times["keyboard"].append(one_run(browser, keyboard=True))
            times["mouse"].append(one_run(browser, keyboard=False))
        browser.close()
    med = {k: statistics.median(v) for k, v in times.items()}
    print(
        f"{N} decisions, {args.runs} runs each: keyboard {med['keyboard']:.3f} s/decision, "
        f"mouse {med['mouse']:.3f} s/decision, keyboard/mouse {med['keyboard'] / med['mouse']:.2f}"
    )
    print(json.dumps({"per_decision_s": times, "median": med}))


if __name__ == "__main__":
    main()
