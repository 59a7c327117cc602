"""SIGTERM (what systemd and Docker send) stops `triage model serve` and takes its child with it.

The real child is a 2 GB llama.cpp server and only one may run on these machines, so the test puts a
stand-in child (`sleep`) behind the same EmbeddedServer interface and checks no process is left.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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
