"""Starting the embedded server: a server that lists its model but cannot compute is not ready."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

import pytest
from stand_ins.ports import free_port

from triage.config import Settings
from triage.model.embedded import EmbeddedModelError, EmbeddedServer, describe_exit

STAND_IN = Path(__file__).parent / "stand_ins" / "dying_model_server.py"


def test_a_server_killed_by_its_first_token_is_reported_with_the_cause(tmp_path: Path):
    settings = Settings(home=tmp_path, embedded_port=free_port())
    server = EmbeddedServer(settings, ready_timeout_s=20)
    server.process = subprocess.Popen(
        [sys.executable, str(STAND_IN), str(settings.embedded_port), settings.llm_model]
    )
    try:
        with pytest.raises(EmbeddedModelError) as caught:
            server._wait_ready()
    finally:
        server.stop()
    message = str(caught.value)
    assert "SIGILL" in message and "build-llama.sh" in message
    assert server.process.returncode == -signal.SIGILL


def test_exit_descriptions():
    assert describe_exit(None) == "the server is still running"
    assert describe_exit(3) == "the server exited with code 3"
    assert describe_exit(-signal.SIGKILL) == "the server was killed by SIGKILL"
    assert "rebuild" in describe_exit(-signal.SIGILL)
