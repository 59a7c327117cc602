"""The WhatsApp webhook follows the Cloud API rules: verify handshake, HMAC before parsing,
every message kind kept, idempotent on the message id, clear 4xx for bad bodies, nothing stored
for a bad signature."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from stand_ins.payloads import dumps, envelope, text_message, text_payload

from triage.app import create_app
from triage.config import Settings
from triage.intake.webhook import sign
from triage.store.database import connect, now_iso

SECRET = "app-secret-for-tests"
VERIFY = "verify-me"


@pytest.fixture
def wsettings(tmp_path: Path) -> Settings:
    return Settings(
        db=tmp_path / "hook.db",
        whatsapp_app_secret=SECRET,
        whatsapp_verify_token=VERIFY,
        webhook_max_body_bytes=20_000,
        public_metrics=True,
    )


@pytest.fixture
def client(wsettings: Settings) -> TestClient:
    return TestClient(create_app(wsettings))


def post(client: TestClient, payload: Any, *, secret: str = SECRET, raw: bytes | None = None) -> Any:
    body = raw if raw is not None else dumps(payload)
    headers = {"content-type": "application/json", "x-hub-signature-256": sign(secret, body)}
    return client.post("/webhooks/whatsapp", content=body, headers=headers)


def rows(settings: Settings, sql: str) -> list[dict[str, Any]]:
    return list(connect(settings.db).query(sql))


def test_verify_handshake(client: TestClient) -> None:
    ok = client.get(
        "/webhooks/whatsapp",
        params={"hub.mode": "subscribe", "hub.verify_token": VERIFY, "hub.challenge": "1158201444"},
    )
    assert ok.status_code == 200 and ok.text == "1158201444"
    assert ok.headers["content-type"].startswith("text/plain")
    for params in (
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY, "hub.challenge": "1"},
        {},
    ):
        assert client.get("/webhooks/whatsapp", params=params).status_code == 403


def test_bad_signature_stores_nothing(client: TestClient, wsettings: Settings) -> None:
    payload = text_payload("wamid.A1", "6281234567890", "jalan rusak")
    body = dumps(payload)
    assert client.post("/webhooks/whatsapp", content=body).status_code == 401
    assert post(client, payload, secret="other").status_code == 401
    bad = client.post(
        "/webhooks/whatsapp", content=body, headers={"x-hub-signature-256": "sha256=" + "0" * 64}
    )
    assert bad.status_code == 401
    assert rows(wsettings, "SELECT * FROM messages") == []
    assert rows(wsettings, "SELECT * FROM webhook_rejects") == []


def test_text_is_stored_once(client: TestClient, wsettings: Settings) -> None:
    payload = text_payload("wamid.T1", "6281234567890", "Lampu jalan mati di RT 03", ts=1764400000)
    first = post(client, payload)
    assert first.status_code == 200 and first.json() == {"received": 1, "duplicates": 0, "statuses": 0}
    again = post(client, payload)  # WhatsApp retries the same message id
    assert again.json() == {"received": 0, "duplicates": 1, "statuses": 0}
    (row,) = rows(wsettings, "SELECT * FROM messages")
    assert row["message_id"] == "wamid.T1" and row["sender"] == "6281234567890"
    assert row["text"] == "Lampu jalan mati di RT 03" and row["ts"].startswith("2025-11-29T07:06:40")
    assert json.loads(row["raw"])["id"] == "wamid.T1"


def test_every_kind_entry_and_change(client: TestClient, wsettings: Settings) -> None:
    wa = "6281300000001"
    base = {"from": wa, "timestamp": "1764400000"}
    messages = [
        {**base, "id": "m-img", "type": "image", "image": {"id": "MEDIA1", "caption": "jalan berlubang"}},
        {**base, "id": "m-doc", "type": "document", "document": {"id": "MEDIA2", "filename": "bukti.pdf"}},
        {
            **base,
            "id": "m-loc",
            "type": "location",
            "location": {
                "latitude": -6.59,
                "longitude": 106.79,
                "name": "Pasar Bogor",
                "address": "Jl. Suryakencana",
            },
        },
        {
            **base,
            "id": "m-btn",
            "type": "interactive",
            "interactive": {"type": "button_reply", "button_reply": {"id": "b1", "title": "Ya, benar"}},
        },
        {
            **base,
            "id": "m-list",
            "type": "interactive",
            "interactive": {
                "type": "list_reply",
                "list_reply": {"id": "l1", "title": "Jalan", "description": "rusak"},
            },
        },
        {**base, "id": "m-tpl", "type": "button", "button": {"text": "Lapor", "payload": "LAPOR"}},
        {**base, "id": "m-react", "type": "reaction", "reaction": {"message_id": "x", "emoji": "👍"}},
    ]
    payload = envelope(messages[:4], contacts=[{"wa_id": wa, "profile": {"name": "Budi"}}])
    second = envelope(messages[4:], contacts=[{"wa_id": wa, "profile": {"name": "Budi"}}])
    payload["entry"].append(second["entry"][0])  # several entries in one POST
    payload["entry"][0]["changes"].append(
        {
            "field": "messages",
            "value": {
                "messaging_product": "whatsapp",
                "statuses": [
                    {
                        "id": "wamid.OUT1",
                        "status": "delivered",
                        "timestamp": "1764400001",
                        "recipient_id": wa,
                    },
                    {"id": "wamid.OUT1", "status": "read", "timestamp": "1764400002", "recipient_id": wa},
                ],
            },
        }
    )
    r = post(client, payload)
    assert r.status_code == 200, r.text
    assert r.json() == {"received": 7, "duplicates": 0, "statuses": 2}
    got = {row["message_id"]: row for row in rows(wsettings, "SELECT * FROM messages")}
    assert got["m-img"]["type"] == "image" and got["m-img"]["media_id"] == "MEDIA1"
    assert got["m-img"]["caption"] == "jalan berlubang"
    assert got["m-doc"]["media_id"] == "MEDIA2" and json.loads(got["m-doc"]["raw"])["document"]["filename"]
    loc = json.loads(got["m-loc"]["location"])
    assert loc["name"] == "Pasar Bogor" and loc["latitude"] == -6.59
    assert got["m-btn"]["text"] == "Ya, benar" and got["m-list"]["text"] == "Jalan - rusak"
    assert got["m-tpl"]["text"] == "Lapor" and got["m-react"]["type"] == "other"
    statuses = rows(wsettings, "SELECT wamid, status FROM wa_statuses ORDER BY status")
    assert statuses == [
        {"wamid": "wamid.OUT1", "status": "delivered"},
        {"wamid": "wamid.OUT1", "status": "read"},
    ]


def test_business_scoped_user_id_links_senders(client: TestClient, wsettings: Settings) -> None:
    both = envelope(
        [text_message("b1", "6281400000001", "P", user_id="ID.1234567890")],
        contacts=[{"wa_id": "6281400000001", "user_id": "ID.1234567890", "profile": {"name": "Sari"}}],
    )
    only_bsuid = envelope(
        [
            {
                "from_user_id": "ID.1234567890",
                "id": "b2",
                "timestamp": "1764400000",
                "type": "text",
                "text": {"body": "jalan rusak"},
            }
        ],
        contacts=[{"user_id": "ID.1234567890", "profile": {"username": "@sari"}}],
    )
    stranger = envelope(
        [
            {
                "from_user_id": "ID.999",
                "id": "b3",
                "timestamp": "1764400000",
                "type": "text",
                "text": {"body": "halo"},
            }
        ],
        contacts=[{"user_id": "ID.999"}],
    )
    for p in (both, only_bsuid, stranger):
        assert post(client, p).status_code == 200
    senders = {r["message_id"]: r["sender"] for r in rows(wsettings, "SELECT * FROM messages")}
    assert senders == {"b1": "6281400000001", "b2": "6281400000001", "b3": "u:ID.999"}


@pytest.mark.parametrize(
    ("raw", "status"),
    [
        (b"not json at all 081234567890", 400),
        (b'{"object": "page", "entry": []}', 422),
        (b'{"object": "whatsapp_business_account", "entry": [{"changes": [{"value": []}]}]}', 422),
        (b'{"object": "whatsapp_business_account", "entry": "x"}', 422),
        (b"[1,2,3]", 422),
        (b"\xff\xfe", 400),
    ],
)
def test_bad_bodies_get_clear_4xx(
    client: TestClient, wsettings: Settings, raw: bytes, status: int, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="triage.intake.webhook"):
        r = post(client, None, raw=raw)
    assert r.status_code == status and "error" in r.json()
    assert rows(wsettings, "SELECT * FROM messages") == []
    (reject,) = rows(wsettings, "SELECT * FROM webhook_rejects")
    assert reject["status"] == status
    assert "081234567890" not in reject["body_masked"]
    assert any("webhook rejected" in rec.getMessage() for rec in caplog.records)


def test_message_without_sender_is_unknown_shape(client: TestClient) -> None:
    payload = envelope([{"id": "x", "type": "text", "text": {"body": "hi"}}])
    assert post(client, payload).status_code == 422


def test_too_large(client: TestClient, wsettings: Settings) -> None:
    payload = text_payload("big", "6281234567890", "x" * 30_000)
    assert post(client, payload).status_code == 413
    assert rows(wsettings, "SELECT * FROM messages") == []


def test_metrics_count_messages(client: TestClient) -> None:
    post(client, text_payload("metric1", "6281234567891", "tes"))
    text = client.get("/metrics").text
    assert "triage_messages_in_total" in text and "triage_webhook_seconds_bucket" in text


def test_statuses_update_our_outbound_row(client: TestClient, wsettings: Settings) -> None:
    db = connect(wsettings.db)
    db.execute(
        "INSERT INTO wa_outbound (report_id, kind, sender, body, state, wamid) "
        "VALUES ('R1', 'ack', '6281', 'x', 'sent', 'wamid.OUT9')"
    )

    def status(stage: str) -> dict[str, Any]:
        return envelope(
            [], statuses=[{"id": "wamid.OUT9", "status": stage, "timestamp": "1", "recipient_id": "6281"}]
        )

    for stage in ("delivered", "sent", "read", "delivered"):  # out of order, as WhatsApp may send them
        assert post(client, status(stage)).status_code == 200
    (row,) = rows(wsettings, "SELECT delivery_status FROM wa_outbound")
    assert row["delivery_status"] == "read"
    assert len(rows(wsettings, "SELECT * FROM wa_statuses")) == 3


def _count_400(client: TestClient) -> float:
    for line in client.get("/metrics").text.splitlines():
        if line.startswith('triage_webhook_requests_total{status="400"}'):
            return float(line.split()[-1])
    return 0.0


def test_a_deeply_nested_body_is_a_400_not_a_500(client: TestClient, wsettings: Settings) -> None:
    before = _count_400(client)
    r = post(client, None, raw=b"[" * 10_000 + b"]" * 10_000)
    assert r.status_code == 400 and "nested" in r.json()["error"]
    assert _count_400(client) == before + 1


def test_a_lone_surrogate_is_replaced_and_the_message_kept(client: TestClient, wsettings: Settings) -> None:
    payload = text_payload("wamid.S1", "6281234567890", "jalan rusak di desa kami")
    payload["entry"][0]["changes"][0]["value"]["messages"][0]["context"] = {"from": "SURROGATE", "id": "x"}
    raw = dumps(payload).replace(b"SURROGATE", b"\\ud800")
    r = post(client, None, raw=raw)
    assert r.status_code == 200 and r.json()["received"] == 1
    (msg,) = rows(wsettings, "SELECT * FROM messages")
    assert msg["text"] == "jalan rusak di desa kami" and "\ufffd" in msg["raw"]


def test_an_unauthenticated_oversized_claim_writes_nothing(client: TestClient, wsettings: Settings) -> None:
    for _ in range(5):
        r = client.post("/webhooks/whatsapp", content=b"{}", headers={"content-length": "99999999"})
        assert r.status_code == 413
    assert rows(wsettings, "SELECT * FROM webhook_rejects") == []


def test_a_bad_message_does_not_drop_its_good_batch_mates(client: TestClient, wsettings: Settings) -> None:
    """Issue 20: a 100 KB text in one message of a payload answered 422 for all of them."""
    good = text_message("wamid.G1", "6281234567890", "lampu jalan mati di RT 03")
    huge = text_message("wamid.H1", "6281234567890", "x" * 9_000)  # over the per-message limit
    nameless = {"id": "wamid.N1", "type": "text", "text": {"body": "tanpa pengirim"}}
    payload = envelope(
        [good, huge, nameless], contacts=[{"profile": {"name": "A"}, "wa_id": "6281234567890"}]
    )
    r = post(client, payload)
    assert r.status_code == 200 and r.json()["received"] == 1 and r.json()["skipped"] == 2
    assert [m["message_id"] for m in rows(wsettings, "SELECT * FROM messages")] == ["wamid.G1"]
    assert len(rows(wsettings, "SELECT * FROM webhook_rejects")) == 2


def test_the_public_port_serves_no_api_docs_nor_metrics_by_default(tmp_path: Path) -> None:
    client = TestClient(create_app(Settings(db=tmp_path / "p.db", whatsapp_app_secret=SECRET)))
    for path in ("/docs", "/openapi.json", "/metrics", "/redoc"):
        assert client.get(path).status_code == 404, path
    opened = TestClient(create_app(Settings(db=tmp_path / "q.db", api_docs=True, public_metrics=True)))
    assert opened.get("/openapi.json").status_code == 200 and opened.get("/metrics").status_code == 200


def test_a_bad_setting_names_the_variable_not_a_traceback() -> None:
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", "from triage.cli import main; main()", "serve"],
        env={"TRIAGE_PORT": "abc", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "TRIAGE_PORT='abc'" in done.stderr and "Traceback" not in done.stderr


def test_served_metrics_read_the_queue_and_review_backlog_from_the_store(tmp_path: Path) -> None:
    from triage.intake.queue import SqliteQueue

    s = Settings(db=tmp_path / "m.db", whatsapp_app_secret=SECRET, public_metrics=True)
    client = TestClient(create_app(s))
    queue = SqliteQueue(str(s.db))
    for rid in ("R1", "R2", "R3"):
        queue.put(rid)
    text = client.get("/metrics").text
    assert "triage_queue_depth 3.0" in text, [line for line in text.splitlines() if "queue_depth" in line]


def test_served_metrics_show_the_review_and_sp4n_backlogs_of_the_shared_store(store_url: str) -> None:
    """Every replica reads the same rows: the oldest review item's age (for the 3-working-day SLA)
    and the SP4N records still undelivered or given up on."""
    db = connect(store_url)
    three_days_ago = (datetime.now(UTC) - timedelta(days=3)).isoformat(timespec="milliseconds")
    for rid, outcome, at in (
        ("R1", "review", three_days_ago),
        ("R2", "review", now_iso()),
        ("R3", "sp4n", now_iso()),
    ):
        db.table("results").insert({"report_id": rid, "outcome": outcome, "created_at": at})
    for rid, state in (("R3", "pending"), ("R4", "failed"), ("R5", "dead"), ("R6", "sent")):
        db.table("outbox").insert({"report_id": rid, "destination": "sp4n", "state": state})
    s = Settings(db=store_url, whatsapp_app_secret=SECRET, public_metrics=True)
    text = TestClient(create_app(s)).get("/metrics").text
    values = {
        line.split()[0]: float(line.split()[1]) for line in text.splitlines() if line.startswith("triage_")
    }
    assert values["triage_review_queue_size"] == 2
    assert 3 * 86400 <= values["triage_review_oldest_seconds"] < 3 * 86400 + 600
    assert values["triage_outbox_backlog"] == 2  # pending and failed (retrying)
    assert values["triage_outbox_dead"] == 1
