"""End to end with real processes: WhatsApp posts to `triage serve`, `triage worker` assembles and
decides, acknowledgements and verdict replies go to a stand-in of the Cloud API. No model: the
messages are prefilter-decided ("P" then "tes" from one sender is one report)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
from stand_ins.payloads import dumps, text_payload
from stand_ins.ports import free_port
from stand_ins.whatsapp_api import WhatsAppStandIn

from triage.intake.webhook import sign
from triage.store.database import connect

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent / "triage"
SECRET = "e2e-secret"


def test_webhook_to_worker_to_replies(tmp_path: Path) -> None:
    port = free_port()
    with WhatsAppStandIn() as api:
        env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGE_")}
        env.update(
            TRIAGE_DB=str(tmp_path / "e2e.db"),
            TRIAGE_OUTBOX_JSONL=str(tmp_path / "outbox.jsonl"),
            TRIAGE_WHATSAPP_APP_SECRET=SECRET,
            TRIAGE_WHATSAPP_ACCESS_TOKEN="tok",
            TRIAGE_WHATSAPP_API_BASE=api.base_url,
            TRIAGE_WHATSAPP_PHONE_NUMBER_ID="777",
            TRIAGE_LLM_BASE_URL="http://127.0.0.1:9/v1",  # never called: prefilter decides
            # WhatsApp timestamps have whole seconds: a 1 s window could close "P" alone on a
            # loaded machine before "tes" (same second, a moment later) is stored
            TRIAGE_ASSEMBLE_WINDOW_S="3",
            TRIAGE_WORKER_POLL_S="0.1",
            TRIAGE_WORKER_METRICS_PORT="0",
        )
        serve = subprocess.Popen(
            [BIN, "serve", "--port", str(port)], env=env, cwd=ROOT, stderr=subprocess.DEVNULL
        )
        worker = subprocess.Popen([BIN, "worker"], env=env, cwd=ROOT, stderr=subprocess.DEVNULL)
        try:
            url = f"http://127.0.0.1:{port}/webhooks/whatsapp"
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline:
                try:
                    httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.2)
            now = int(time.time())
            posts = [
                ("e1", "6281777000001", "P"),
                ("e2", "6281777000001", "tes"),
                ("e3", "6281777000002", "😂"),
            ]
            for mid, wa, text in posts:
                body = dumps(text_payload(mid, wa, text, ts=now))
                r = httpx.post(url, content=body, headers={"x-hub-signature-256": sign(SECRET, body)})
                assert r.status_code == 200
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and len(api.sent()) < 4:
                time.sleep(0.2)
            time.sleep(1.0)
        finally:
            worker.send_signal(signal.SIGTERM)
            serve.send_signal(signal.SIGTERM)
            assert worker.wait(timeout=30) == 0
            serve.wait(timeout=30)
    db = connect(tmp_path / "e2e.db")
    reports = list(db.query("SELECT report_id, sender, text, status FROM reports ORDER BY sender"))
    assert [(r["sender"], r["text"], r["status"]) for r in reports] == [
        ("6281777000001", "P\ntes", "done"),
        ("6281777000002", "😂", "done"),
    ]
    sent = api.sent()
    assert len(sent) == 4  # one ack and one verdict reply per report, nothing twice
    assert sorted(r["body"]["to"] for r in sent) == ["6281777000001"] * 2 + ["6281777000002"] * 2
