"""The eval contract: one labelled case of the dev/test sets and the labels it is scored against."""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

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


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(x) for x in err["loc"]) or "case"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def parse_line(raw: str) -> EvalCase:
    """One case from one JSON Lines line; raises ValueError with a message a person can act on.

    The one reader of a case line: the eval loader, the kept reviewed file and the kind signal's
    training all read cases through it."""
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
    if not isinstance(data, dict):
        raise ValueError(f"expected a JSON object, got {type(data).__name__}")
    try:
        return EvalCase.model_validate(data)
    except ValidationError as exc:
        raise ValueError(_describe(exc)) from None
