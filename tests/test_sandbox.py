"""The LAPOR! stand-in, as a real server process: schema check, idempotency, both flavours."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from test_sp4n_record import make_report, make_result

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
