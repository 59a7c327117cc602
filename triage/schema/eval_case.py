"""The eval contract: one labelled case of the dev/test sets and the labels it is scored against."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator

from triage.schema.judgement import InvalidReason, Verdict


class ExpectedLabels(BaseModel):
    model_config = ConfigDict(extra="ignore")

    verdict: Verdict
    reason: InvalidReason | None = None
    category: str | None = None
    province: str | None = None
    regency: str | None = None

    @model_validator(mode="after")
    def _reason_iff_invalid(self) -> ExpectedLabels:
        if (self.verdict is Verdict.invalid) != (self.reason is not None):
            raise ValueError("expected.reason must be set exactly when expected.verdict is invalid")
        return self


class EvalCase(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str = Field(min_length=1)
    text: str
    expected: ExpectedLabels
    notes: str | None = None
    source: str | None = None
