"""SIGTERM (what systemd and Docker send) stops every long-running command, leaving no process.

The real child is a 2 GB llama.cpp server and only one may run on these machines, so the test puts a
stand-in child (`sleep`) behind the same EmbeddedServer interface and checks no process is left.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from stand_ins.ports import free_port

SCRIPT = r"""
import subprocess, sys
from pathlib import Path
from triage.model import cli, embedded

class Stand_in:
    def __init__(self, settings):
        self.url = "http://127.0.0.1:1/v1"
    def __enter__(self):
        self.child = subprocess.Popen(["sleep", "300"], start_new_session=True)
        Path(sys.argv[1]).write_text(str(self.child.pid))
        return self
    def __exit__(self, *exc):
        self.child.terminate()
        self.child.wait(timeout=10)

embedded.EmbeddedServer = Stand_in
cli.model(["serve"])
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.exists() and stat.read_text().split()[2] == "Z")


def test_sigterm_stops_model_serve_and_its_child(tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    proc = subprocess.Popen([sys.executable, "-c", SCRIPT, str(pid_file)])
    deadline = time.monotonic() + 30
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    child = int(pid_file.read_text())
    assert _alive(child)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=20) == 0
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _alive(child), "the model server's child was left running"


def _left_with(marker: str) -> list[int]:
    """Processes still carrying the marker in their environment (children included)."""
    left = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if marker.encode() in (proc / "environ").read_bytes():
                stat = (proc / "stat").read_text().split()
                if stat[2] != "Z":
                    left.append(int(proc.name))
        except OSError:
            continue
    return left


def _ready(url: str, deadline_s: float = 30.0) -> None:
    import httpx

    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} never answered")


@contextlib.contextmanager
def _served(db_path: Path, **env: str) -> Iterator[int]:
    """The real `triage serve` (uvicorn) on a free port, ready, stopped with SIGTERM afterwards."""
    port = free_port()
    full = {**os.environ, "TRIAGE_DB": str(db_path), "TRIAGE_LLM_BASE_URL": "http://127.0.0.1:9/v1", **env}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from triage.cli import main; main()", "serve", "--port", str(port)],
        env=full,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _ready(f"http://127.0.0.1:{port}/healthz")
        yield port
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)


@pytest.mark.parametrize("command", ["serve", "worker", "relay", "sp4n-sandbox"])
def test_every_long_running_command_stops_on_sigterm_and_leaves_nothing(tmp_path: Path, command: str) -> None:
    import uuid

    marker = f"TRIAGE_STOP_TEST_{uuid.uuid4().hex}"
    port = free_port()
    env = {
        **os.environ,
        marker: "1",
        "TRIAGE_DB": str(tmp_path / "stop.db"),
        "TRIAGE_LLM_BASE_URL": "http://127.0.0.1:9/v1",  # never starts a model process
        "TRIAGE_OUTBOX_JSONL": str(tmp_path / "outbox.jsonl"),
        "TRIAGE_WORKER_METRICS_PORT": "0",
    }
    args = {
        "serve": ["serve", "--port", str(port)],
        # its metrics server starts after its signal handlers: answering means ready for SIGTERM
        "worker": ["worker", "--metrics-port", str(port)],
        "relay": ["relay", "--interval", "0.2"],
        "sp4n-sandbox": ["sp4n-sandbox", "--port", str(port)],
    }[command]
    proc = subprocess.Popen(
        [sys.executable, "-c", "from triage.cli import main; main()", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        if command == "serve":
            _ready(f"http://127.0.0.1:{port}/healthz")
        elif command == "sp4n-sandbox":
            _ready(f"http://127.0.0.1:{port}/health")
        elif command == "worker":
            _ready(f"http://127.0.0.1:{port}/healthz")
        elif command == "relay":  # its handler is set before it opens (and migrates) the database
            from triage.store.database import schema_status

            deadline = time.monotonic() + 30
            while not schema_status(tmp_path / "stop.db")[0]:
                assert time.monotonic() < deadline and proc.poll() is None, "the relay never started"
                time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=40)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0, f"{command} exited {code} on SIGTERM"
    deadline = time.monotonic() + 10
    while _left_with(marker) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _left_with(marker) == [], f"{command} left processes behind"


def test_a_rotating_forwarded_for_does_not_dodge_the_login_lock(tmp_path: Path) -> None:
    """Through the real server (uvicorn): by default X-Forwarded-For is not believed, so twelve wrong
    passwords from one peer, each claiming another address, still lock the account (issue 20)."""
    import re

    import httpx

    from triage.review.auth import add_user
    from triage.store.database import connect

    db_path = tmp_path / "lock.db"
    add_user(connect(db_path), "ana", "rahasia-123", "admin")
    with _served(db_path) as port, httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/review/login").text)
        assert token is not None
        codes = []
        for i in range(12):
            r = client.post(
                "/review/login",
                data={"username": "ana", "password": "salah-sekali", "csrf": token.group(1)},
                headers={"X-Forwarded-For": f"203.0.113.{i + 1}"},
            )
            codes.append(r.status_code)
    assert 429 in codes, codes


def test_a_stalled_webhook_body_is_answered_408_and_its_connection_freed(tmp_path: Path) -> None:
    """A sender that declares a body and stops sending holds a connection and a worker; the served
    webhook gives it a deadline (TRIAGE_WEBHOOK_BODY_TIMEOUT_S) and answers 408 (issue 20)."""
    import socket

    with (
        _served(tmp_path / "stall.db", TRIAGE_WEBHOOK_BODY_TIMEOUT_S="1") as port,
        socket.create_connection(("127.0.0.1", port), timeout=15) as sock,
    ):
        head = (
            f"POST /webhooks/whatsapp HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n"
        )
        sock.sendall(head.encode() + b'{"object": "whatsapp_business_account", ')
        started = time.monotonic()
        answer = sock.recv(4096).decode("latin-1")
        waited = time.monotonic() - started
    assert answer.startswith("HTTP/1.1 408"), answer[:200]
    assert waited < 10  # the deadline, not the client's patience, ended it
