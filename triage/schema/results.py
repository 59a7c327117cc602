"""Stored results: what the system derives itself and keeps per report, and where the report ended up.

The model-facing `Judgement` is extended here with what the model never writes (codes, routing,
confidence); places are official Kemendagri names and codes, checked on construction.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, model_validator

from triage import reference
from triage.schema.judgement import Judgement
from triage.schema.messages import utcnow


class PlaceRef(BaseModel):
    name: str
    code: str


class Location(BaseModel):
    """Where it happened, in official Kemendagri names and codes, consistent from top to bottom.

    Built by the system, never copied from the model: an invented or inconsistent place fails here.
    """

    province: PlaceRef | None = None
    regency: PlaceRef | None = None
    district: PlaceRef | None = None
    village: PlaceRef | None = None
    mention: str | None = None
    # "addressee": only the governor the message is addressed to gave the province (no place named)
    source: Literal["resolver", "model", "model+resolver", "addressee", "none"] = "none"

    @model_validator(mode="after")
    def _official_and_consistent(self) -> Location:
        by_code = reference.regions().by_code
        chain = [("province", self.province), ("regency", self.regency)]
        chain += [("district", self.district), ("village", self.village)]
        parent: PlaceRef | None = None
        for level, ref in chain:
            if ref is None:
                continue
            official = by_code.get(ref.code)
            if official is None or official.name != ref.name:
                raise ValueError(f'{level} "{ref.name}" ({ref.code}) is not an official Kemendagri region')
            if parent is not None and not ref.code.startswith(parent.code + "."):
                raise ValueError(f'{level} "{ref.name}" does not lie in "{parent.name}"')
            parent = ref
        return self


class Reporter(BaseModel):
    """Identity a citizen gave; only masked forms are stored in clear."""

    name_masked: str | None = None
    nik_masked: str | None = None
    nik_valid: bool | None = None
    nik_region: str | None = None
    phone_masked: str | None = None


AgencyLevel = Literal["pusat", "provinsi", "kabupaten-kota", "desa"]


class Complaint(BaseModel):
    title: str
    summary: str
    category: str | None = None
    subtopic: str | None = None
    location: Location = Field(default_factory=Location)
    incident_date: str | None = None
    agency: str | None = None
    agency_level: AgencyLevel | None = None
    urgent: bool = False
    anonymous: bool = False
    reporter: Reporter = Field(default_factory=Reporter)


DecidedBy = Literal["prefilter", "model", "reviewer", "error"]


class TriageResult(Judgement):
    """The system's decision on one report: everything a reviewer or SP4N needs, replayable."""

    complaint: Complaint | None = None
    # Where a *rejected* text places itself (a complaint carries its own `complaint.location`):
    # a reviewer who overturns the rejection routes it from here.
    location: Location | None = None
    confidence: float = Field(ge=0, le=1)
    decided_by: DecidedBy = "model"
    rules: list[str] = Field(default_factory=list, description="prefilter rules that fired")
    needs_review: bool = False
    urgent: bool = Field(default=False, description="someone is threatened: a person reads it first")
    notes: list[str] = Field(default_factory=list)


class Outcome(StrEnum):
    """Where a report ended up; exactly one per report."""

    sp4n = "sp4n"
    awaiting_gate = "awaiting_gate"
    ask_reporter = "ask_reporter"
    archived = "archived"
    review = "review"
    error = "error"


class LLMAttempt(BaseModel):
    report_id: str
    attempt: int
    model: str
    prompt_hash: str
    request: dict[str, Any] | None = None
    response_raw: str | None = None
    error: str | None = None
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_ms: float = 0.0
    created_at: datetime = Field(default_factory=utcnow)
