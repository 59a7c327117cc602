"""Readiness (issue 21, point 4): /readyz says whether the process can work now - database with
every migration, queue, model endpoint - and names what is not; /healthz only that it runs."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from prometheus_client import generate_latest

from triage import metrics
from triage.app import create_app
from triage.config import Settings
from triage.store.database import connect, head_revision, schema_status
from triage.worker import readiness

DEAD = "http://127.0.0.1:9/v1"


class _Models(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server API
        data = json.dumps({"object": "list", "data": [{"id": "m"}]}).encode()
        self.send_response(200 if self.path == "/v1/models" else 404)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def model_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Models)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    server.shutdown()


def test_ready_when_database_queue_and_model_answer(tmp_path: Path, model_url: str) -> None:
    connect(tmp_path / "t.db")
    settings = Settings(db=tmp_path / "t.db", llm_base_url=model_url)
    r = TestClient(create_app(settings)).get("/readyz")
    assert r.status_code == 200 and r.json()["status"] == "ready"
    assert set(r.json()["checks"]) == {"database", "queue", "model"}


def test_a_model_that_is_down_makes_the_process_not_ready_and_says_so(tmp_path: Path) -> None:
    connect(tmp_path / "t.db")
    client = TestClient(create_app(Settings(db=tmp_path / "t.db", llm_base_url=DEAD)))
    assert client.get("/healthz").status_code == 200  # alive all the same
    r = client.get("/readyz")
    checks = r.json()["checks"]
    assert r.status_code == 503 and r.json()["status"] == "not ready"
    assert not checks["model"]["ok"] and "ConnectError" in checks["model"]["detail"]
    assert checks["database"]["ok"] and checks["queue"]["ok"]


def test_the_probe_neither_creates_nor_migrates_a_database(tmp_path: Path, model_url: str) -> None:
    missing = tmp_path / "missing.db"
    probe = readiness.probe_database(Settings(db=missing, llm_base_url=model_url))
    assert not probe.ok and "no database" in probe.detail and not missing.exists()
    bare = tmp_path / "bare.db"
    sqlite3.connect(bare).execute("CREATE TABLE x (a)").connection.commit()
    assert schema_status(bare) == (False, f"migrations not applied (at none, head {head_revision()})")
    connect(bare)
    assert schema_status(bare)[0]


def test_a_queue_that_cannot_be_reached_is_named(tmp_path: Path, model_url: str) -> None:
    connect(tmp_path / "t.db")
    settings = Settings(db=tmp_path / "t.db", llm_base_url=model_url, queue_url="redis://127.0.0.1:9/0")
    found = readiness.check(settings)
    assert not found.ready and not found.probes["queue"].ok
    assert found.probes["database"].ok and found.probes["model"].ok


def test_model_up_gauge_follows_the_endpoint(tmp_path: Path, model_url: str) -> None:
    for url, up in ((model_url, 1.0), (DEAD, 0.0)):
        metrics.bind_model_up(lambda url=url: readiness.probe_model(Settings(llm_base_url=url)).ok)
        assert f"triage_model_up {up}" in generate_latest().decode()


def test_the_worker_metrics_server_answers_readyz(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = metrics.serve("127.0.0.1", port, lambda: (True, {"status": "ok"}), lambda: (False, {"why": "x"}))
    try:
        base = f"http://127.0.0.1:{port}"
        assert httpx.get(base + "/healthz").status_code == 200
        r = httpx.get(base + "/readyz")
        assert r.status_code == 503 and r.json() == {"why": "x"}
    finally:
        server.shutdown()  # type: ignore[attr-defined]
