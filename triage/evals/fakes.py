"""Deterministic judges with no model, for tests and for checking the harness itself.

`result_for` builds a `TriageResult` the way the pipeline would (official place refs, reasons
with evidence); `OracleJudge` answers each case's expected labels, with per-case overrides and
failures, and counts its calls so a test can prove the cache was used.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from triage import reference
from triage.judge.evidence import Evidence, gather
from triage.judge.pipeline import Decision
from triage.schema import (
    Complaint,
    EvalCase,
    InvalidReason,
    LLMAttempt,
    Location,
    MissingField,
    PlaceRef,
    Reason,
    TriageResult,
    Verdict,
)


def evidence_for(text: str, place: bool | None = None) -> Evidence:
    """The evidence of `text`, with the place forced when `place` is given (True: a regency in
    Jawa Tengah named by the text; False: no place at all), to test a rule on either side."""
    e = gather(text)
    if place is None:
        return e
    if not place:
        return dataclasses.replace(e, location=Location())
    regions = reference.regions()
    regency = regions.regencies[reference.regency_candidates("Kabupaten Demak")[0]]
    province = regions.provinces[regency.province]
    location = Location(
        province=PlaceRef(name=province.name, code=province.code),
        regency=PlaceRef(name=regency.name, code=regency.code),
        source="resolver",
    )
    return dataclasses.replace(e, location=location)


def model_answer(
    evidence: str,
    category: str = "PEKERJAAN UMUM DAN PENATAAN RUANG",
    regency: str | None = "Demak",
    statement: str = "Jalan rusak",
) -> dict[str, Any]:
    """A valid complaint as the model writes it (the JSON a `ModelJudgement` is parsed from)."""
    return {
        "reasons": [{"statement": statement, "evidence": evidence}],
        "verdict": "valid",
        "reason": None,
        "missing_fields": [],
        "complaint": {"category": category, "regency": regency, "urgent": False},
    }


def model_rejection(statement: str, evidence: str, reason: str = "not_a_complaint") -> dict[str, Any]:
    """A rejection as the model writes it: no complaint."""
    return {
        "reasons": [{"statement": statement, "evidence": evidence}],
        "verdict": "invalid",
        "reason": reason,
        "missing_fields": [],
        "complaint": None,
    }


def location_for(regency: str | None, province: str | None = None) -> Location:
    """Official refs for a regency (and its province), or a province alone."""
    regions = reference.regions()
    if regency:
        r = regions.regencies[regency]
        p = regions.provinces[r.province]
        return Location(
            province=PlaceRef(name=p.name, code=p.code),
            regency=PlaceRef(name=r.name, code=r.code),
            source="model",
        )
    if province:
        p = regions.provinces[province]
        return Location(province=PlaceRef(name=p.name, code=p.code), source="model")
    return Location()


def result_for(
    verdict: str,
    reason: str | None = None,
    *,
    category: str | None = None,
    province: str | None = None,
    regency: str | None = None,
    confidence: float = 0.85,
    needs_review: bool = False,
) -> TriageResult:
    v = Verdict(verdict)
    complaint = None
    if v is not Verdict.invalid:
        complaint = Complaint(
            title="Keluhan", summary="Keluhan", category=category, location=location_for(regency, province)
        )
    return TriageResult(
        verdict=v,
        reason=InvalidReason(reason) if reason else None,
        reasons=[Reason(statement="alasan uji", evidence="kutipan")],
        missing_fields=[MissingField.location] if v is Verdict.needs_info else [],
        complaint=complaint,
        confidence=confidence,
        decided_by="model",
        needs_review=needs_review,
    )


def expected_result(case: EvalCase) -> TriageResult:
    e = case.expected
    return result_for(
        e.verdict.value,
        e.reason.value if e.reason else None,
        category=e.category,
        province=e.province,
        regency=e.regency,
    )


@dataclass
class OracleJudge:
    """Answers the expected labels; `overrides[id]` replaces an answer, `fail` ids raise."""

    cases: list[EvalCase]
    overrides: dict[str, TriageResult] = field(default_factory=dict)
    fail: set[str] = field(default_factory=set)
    latency_ms: float = 120.0
    tokens: int = 300
    calls: int = 0

    def __post_init__(self) -> None:
        self._by_id = {c.id: c for c in self.cases}

    def __call__(self, case_id: str, text: str) -> Decision:
        self.calls += 1
        if case_id in self.fail:
            raise RuntimeError(f"judge failed on {case_id}")
        result = self.overrides.get(case_id) or expected_result(self._by_id[case_id])
        attempt = LLMAttempt(
            report_id=case_id,
            attempt=1,
            model="fake",
            prompt_hash="fake",
            prompt_tokens=self.tokens,
            completion_tokens=0,
        )
        return Decision(result, [attempt], self.latency_ms)

    def factory(self, *args: Any) -> contextlib.AbstractContextManager[OracleJudge]:
        """A `runner.JudgeFactory`: `monkeypatch.setattr(evals.evaluate, "judge_factory", judge.factory)`."""

        @contextlib.contextmanager
        def cm() -> Iterator[OracleJudge]:
            yield self

        return cm()
