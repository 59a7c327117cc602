"""A free port on the loopback for a process a test starts (a server, a stand-in, a proxy)."""

from __future__ import annotations

import socket


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
