"""The JSON log: one object a line, every field written once, no terminal colours, nothing personal."""

from __future__ import annotations

import io
import json
import logging

from triage import logs
from triage.intake.queue import describe


def _capture() -> tuple[io.StringIO, logging.Handler]:
    stream = io.StringIO()
    logs.setup(logging.INFO, stream)
    return stream, logging.getLogger().handlers[0]


def test_fields_are_written_once_without_colours_or_identities() -> None:
    stream, _ = _capture()
    log = logging.getLogger("test.logs")
    log.info(
        "worker started",
        extra={"queue": describe("redis://user:secret@h:6379/0"), "color_message": "\x1b[32mworker\x1b[0m"},
    )
    log.warning("body: %s", "NIK 3201/0112/0890/0007")
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert lines[0]["queue"] == {"scheme": "redis", "host": "h", "port": 6379}  # an object, not a string
    assert "color_message" not in lines[0] and "\x1b" not in stream.getvalue()
    assert "secret" not in stream.getvalue() and "0890" not in lines[1]["msg"]


def test_instructors_error_lines_stay_out_of_the_log() -> None:
    stream, _ = _capture()
    logging.getLogger("instructor").error("validation failed: answer %s", '{"nik": "3201011208900007"}')
    assert stream.getvalue() == ""
