"""`triage model serve|path`: the embedded model as a process other commands reuse."""

from __future__ import annotations

import signal
import sys

import click

from triage.config import get_settings


@click.group("model")
def model() -> None:
    """The embedded local model."""


@model.command("serve")
def model_serve() -> None:
    """Run the embedded model server in the foreground, for other commands to reuse."""
    import time

    from triage.model.embedded import EmbeddedServer

    settings = get_settings()
    # SIGTERM (systemd, Docker, kill) must stop the llama.cpp child too: by default Python would
    # die at once and leave a 2 GB server running, orphaned, holding the port and both cores.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with EmbeddedServer(settings) as server:
        click.echo(f"serving {settings.llm_model} at {server.url} (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


@model.command("path")
def model_path_cmd() -> None:
    """Assemble and verify the embedded model file; print its path."""
    from triage.model.embedded import model_path

    click.echo(str(model_path(get_settings())))
