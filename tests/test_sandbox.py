"""The LAPOR! stand-in, as a real server process: schema check, idempotency, both flavours."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from test_sp4n_record import make_report, make_result

from triage.media import files
from triage.schema import MediaFile, MessageType
from triage.sp4n.record import (
    DeliveryError,
    HttpJsonDestination,
    LegacyXmlDestination,
    PermanentDeliveryError,
    build_record,
)
from triage.sp4n.sandbox import SandboxProcess


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxProcess]:
    with SandboxProcess(None, "--token", "s3cret", "--latency-ms", "5") as sb:
        yield sb


def payload(i: int) -> dict:
    return build_record(make_report(i), make_result()).model_dump(mode="json")


def test_json_idempotency_same_key_same_tracking_id(sandbox: SandboxProcess) -> None:
    dest = HttpJsonDestination(sandbox.url, "s3cret", timeout_s=5)
    first = dest.deliver("r-00100", payload(100))
    again = dest.deliver("r-00100", payload(100))
    assert first == again and first.startswith("SBX-")
    mine = [r for r in sandbox.records() if r["idempotency_key"] == "r-00100"]
    assert len(mine) == 1 and mine[0]["requests"] == 2


def test_xml_flavour_round_trip_through_sandbox(sandbox: SandboxProcess) -> None:
    dest = LegacyXmlDestination(sandbox.url, "s3cret", timeout_s=5)
    tracking = dest.deliver("r-00101", payload(101))
    assert tracking == dest.deliver("r-00101", payload(101))
    (got,) = [r for r in sandbox.records() if r["idempotency_key"] == "r-00101"]
    assert got["flavour"] == "xml" and got["tracking_id"] == tracking
    assert got["record"] == payload(101)


def test_schema_violation_is_refused_for_good(sandbox: SandboxProcess) -> None:
    dest = HttpJsonDestination(sandbox.url, "s3cret", timeout_s=5)
    with pytest.raises(PermanentDeliveryError, match="422"):
        dest.deliver("r-bad", {**payload(102), "anonim": "maybe"})


def test_token_is_required(sandbox: SandboxProcess) -> None:
    with pytest.raises(PermanentDeliveryError, match="401"):
        HttpJsonDestination(sandbox.url, "wrong", timeout_s=5).deliver("r-00103", payload(103))
    with pytest.raises(PermanentDeliveryError, match="401"):
        LegacyXmlDestination(sandbox.url, None, timeout_s=5).deliver("r-00103", payload(103))


def test_injected_failures_and_hangs() -> None:
    with SandboxProcess(None, "--fail-rate", "1", "--hang-s", "2", "--seed", "1") as sb:
        dest = HttpJsonDestination(sb.url, None, timeout_s=0.3)
        errors = set()
        for i in range(8):
            with pytest.raises(DeliveryError) as info:
                dest.deliver(f"k{i}", payload(i))
            errors.add("500" if "500" in str(info.value) else "timeout")
        assert errors == {"500", "timeout"}
        stats = httpx.get(sb.url + "/api/stats").json()
        assert stats["requests"] == 8
        # a hang stores the record before the answer is lost: that is what idempotency is for
        assert stats["records"] == stats["by_outcome"]["injected_timeout"]


def _with_a_photo(i: int, root: Path) -> tuple[dict, str, bytes]:
    """A record naming a fetched photo kept under `root`, as the worker leaves it."""
    photo = (Path(__file__).parent / "fixtures" / "photo.png").read_bytes()
    sha = files.put(root, photo + str(i).encode())  # a file of its own for each test
    report = make_report(i)
    report.messages[0].type = MessageType.image
    report.messages[0].media = MediaFile(
        media_id=f"media-{i}", sha256=sha, mime_type="image/png", size=len(photo) + len(str(i))
    )
    return build_record(report, make_result()).model_dump(mode="json"), sha, photo + str(i).encode()


@pytest.mark.parametrize("flavour", [HttpJsonDestination, LegacyXmlDestination])
def test_a_records_files_are_uploaded_before_it_and_held_by_content(
    sandbox: SandboxProcess, tmp_path: Path, flavour: type
) -> None:
    i = 200 if flavour is HttpJsonDestination else 201
    record, sha, data = _with_a_photo(i, tmp_path)
    assert record["lampiran"][0]["sha256"] == sha and record["lampiran"][0]["jenis"] == "foto"
    # without the file the destination refuses the record, and says so in a way worth retrying
    with pytest.raises(DeliveryError) as refused:
        flavour(sandbox.url, "s3cret", timeout_s=5).deliver(f"r-{i:05d}", record)
    assert not isinstance(refused.value, PermanentDeliveryError) and "409" in str(refused.value)
    tracking = flavour(sandbox.url, "s3cret", timeout_s=5, media=files.LocalFiles(tmp_path)).deliver(
        f"r-{i:05d}", record
    )
    assert tracking
    held = httpx.get(f"{sandbox.url}/api/lampiran/{sha}")
    assert held.status_code == 200 and held.content == data and held.headers["content-type"] == "image/png"


def test_a_file_missing_on_this_machine_is_a_retryable_failure_not_a_record_without_it(
    sandbox: SandboxProcess, tmp_path: Path
) -> None:
    record, sha, _ = _with_a_photo(202, tmp_path)
    files.path_of(tmp_path, sha).unlink()
    with pytest.raises(DeliveryError, match="TRIAGE_MEDIA_DIR") as failed:
        HttpJsonDestination(sandbox.url, "s3cret", timeout_s=5, media=files.LocalFiles(tmp_path)).deliver(
            "r-00202", record
        )
    assert not isinstance(failed.value, PermanentDeliveryError)
    assert not [r for r in sandbox.records() if r["idempotency_key"] == "r-00202"]


def test_the_sandbox_refuses_a_file_that_is_not_what_its_name_says(sandbox: SandboxProcess) -> None:
    auth = {"Authorization": "Bearer s3cret"}
    wrong = httpx.put(f"{sandbox.url}/api/lampiran/{'0' * 64}", content=b"not that", headers=auth)
    assert wrong.status_code == 422
    assert httpx.put(f"{sandbox.url}/api/lampiran/{'0' * 64}", content=b"x").status_code == 401
