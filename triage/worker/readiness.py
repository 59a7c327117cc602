"""Readiness: is this process able to do its work now, not merely alive.

`/healthz` answers "the process runs"; `/readyz` answers "the database is reachable with every
migration applied, the queue answers and the model endpoint answers". A load balancer or an
orchestrator sends traffic, and an operator's alert fires, on the second: a webhook that said "ok"
while the model was down let reports pile up unseen. Each probe has a short timeout and its own
result, so the answer names what is wrong.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import httpx

from triage.config import Settings
from triage.intake.queue import describe, open_queue
from triage.model.embedded import base_url
from triage.store.database import schema_status

PROBE_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Probe:
    ok: bool
    detail: str
    ms: float


@dataclass(frozen=True)
class Readiness:
    probes: dict[str, Probe] = field(default_factory=dict)

    @property
    def ready(self) -> bool:
        return all(p.ok for p in self.probes.values())

    def body(self) -> dict[str, object]:
        return {
            "status": "ready" if self.ready else "not ready",
            "checks": {n: {"ok": p.ok, "detail": p.detail, "ms": p.ms} for n, p in self.probes.items()},
        }


def model_url(settings: Settings) -> str:
    """The endpoint the worker asks: the configured one, else the embedded server's."""
    return settings.llm_base_url or base_url(settings)


def _timed(fn: object) -> Probe:
    started = time.perf_counter()
    try:
        ok, detail = fn()  # type: ignore[operator]
    except Exception as exc:  # noqa: BLE001 - a probe that fails says why, it never raises
        ok, detail = False, f"{type(exc).__name__}: {exc}"[:300]
    return Probe(ok, detail, round((time.perf_counter() - started) * 1000, 1))


def probe_database(settings: Settings) -> Probe:
    return _timed(lambda: schema_status(settings.db))


def probe_queue(settings: Settings) -> Probe:
    def check() -> tuple[bool, str]:
        queue = open_queue(settings.queue_url, str(settings.db))
        try:
            depth = queue.depth()
        finally:
            queue.close()
        where = describe(settings.queue_url)
        return True, f"{where['scheme']} queue, depth {depth}"

    return _timed(check)


def probe_model(settings: Settings, endpoint: str | None = None) -> Probe:
    """GET {endpoint}/models: any OpenAI-compatible server lists its models there."""

    def check() -> tuple[bool, str]:
        url = (endpoint or model_url(settings)).rstrip("/") + "/models"
        headers = {"Authorization": f"Bearer {settings.llm_api_key}"} if settings.llm_api_key else {}
        r = httpx.get(url, timeout=PROBE_TIMEOUT_S, headers=headers)
        if r.status_code != 200:
            return False, f"{url}: HTTP {r.status_code}"
        return True, f"{url}: answering"

    return _timed(check)


def check(settings: Settings, endpoint: str | None = None) -> Readiness:
    """Every probe, in the order a report needs them (`endpoint`: the model URL the caller uses)."""
    return Readiness(
        {
            "database": probe_database(settings),
            "queue": probe_queue(settings),
            "model": probe_model(settings, endpoint),
        }
    )
