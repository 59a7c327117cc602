"""Model-facing shapes: the verdict, its quoted reasons and the complaint draft, with their validators.

`ModelJudgement`'s JSON schema is the decoding grammar sent to the model and is hashed into the
keys of recorded answers (evals/answers/): names, docstrings, field order and descriptions here are
part of that schema, so edit them only together with a re-recording. Validators that need the
citizen's text read it from the pydantic validation context (`{"text": report_text}`), which is how
instructor re-asks the model with the error when a quote is not in the message.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import (
    AfterValidator,
    BaseModel,
    Field,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
    model_validator,
)

from triage import reference
from triage.schema.quotes import fold_for_quote, snap_quote


class Verdict(StrEnum):
    valid = "valid"
    needs_info = "needs_info"
    invalid = "invalid"


class InvalidReason(StrEnum):
    prank = "prank"
    spam = "spam"
    abusive = "abusive"
    not_a_complaint = "not_a_complaint"
    out_of_scope = "out_of_scope"


class MissingField(StrEnum):
    location = "location"
    what_happened = "what_happened"
    institution = "institution"
    date = "date"


# ---------------------------------------------------------------- validated name types


def _suggest(value: str, choices: tuple[str, ...] | list[str]) -> str:
    from rapidfuzz import process

    best = process.extract(value, list(choices), limit=3)
    return ", ".join(f'"{name}"' for name, _, _ in best)


def _check_category(value: str) -> str:
    names = reference.category_names()
    if value in names:
        return value
    upper = value.strip().upper()
    if upper in names:
        return upper
    raise ValueError(
        f'"{value}" is not an SP4N-LAPOR! main category; use one of the exact names, e.g. '
        + _suggest(value, names)
    )


Category = Annotated[
    str,
    AfterValidator(_check_category),
    WithJsonSchema({"type": "string", "enum": list(reference.category_names())}),
]


# ---------------------------------------------------------------- evidence


def _strip_quote_marks(text: str) -> str:
    return text.strip().strip("\"'“”‘’").strip()


# A reason is read at a glance, by a reviewer and in the SP4N record: a statement and its quote
# are each at most this long, whoever writes them (the model, a rule, a reviewer).
REASON_MAX_CHARS = 160


class Reason(BaseModel):
    """A short statement with a verbatim quote from the message as its evidence."""

    statement: str = Field(min_length=1, max_length=REASON_MAX_CHARS)
    evidence: str = Field(
        min_length=1, max_length=REASON_MAX_CHARS, description="verbatim quote from the message"
    )

    @field_validator("evidence")
    @classmethod
    def _quote_is_in_message(cls, value: str, info: ValidationInfo) -> str:
        value = _strip_quote_marks(value).rstrip(".… ").lstrip(".… ")
        context = info.context or {}
        text = context.get("text")
        if text is None:
            return value
        if value and fold_for_quote(value) not in fold_for_quote(text):
            value = snap_quote(value, text) or value
        if not value or fold_for_quote(value) not in fold_for_quote(text):
            raise ValueError(
                f'evidence "{value[:80]}" does not occur in the message; copy a phrase from the '
                "message exactly as written"
            )
        return value


# ---------------------------------------------------------------- model output


# Its docstring is part of the JSON schema the recorded answers are keyed by (evals/answers/):
# edit it only together with a re-recording.
class ComplaintDraft(BaseModel):
    """What the model extracts about a complaint: kept short, since every token costs ~60 ms.

    The model only hints at the kabupaten/kota; the system resolves places from the text against
    the official list (`triage.places`), so the province, codes and agency are never the model's.
    No title: the reason's statement already says what the complaint is, and writing it twice
    cost ~15 tokens, a sixth of the answer (docs/performance.md, "The title the model no longer
    writes").
    """

    category: Category | None
    regency: str | None = Field(
        max_length=60, description="kabupaten/kota (or town) named in the message, else null"
    )
    urgent: bool = Field(description="threat to life or safety")


class Judgement(BaseModel):
    """The verdict and its reasons; shared by the model's answer and the stored result."""

    # Reasons come first: the model writes its evidence, then the verdict conditioned on it.
    reasons: list[Reason] = Field(min_length=1, max_length=3)
    verdict: Verdict
    reason: InvalidReason | None = Field(description="only when verdict is invalid")
    missing_fields: list[MissingField] = Field(
        max_length=4, description="what must be asked for when verdict is needs_info"
    )

    @model_validator(mode="after")
    def _verdict_consistent(self) -> Judgement:
        if self.verdict is Verdict.invalid and self.reason is None:
            raise ValueError("an invalid verdict needs a reason (prank, spam, abusive, ...)")
        if self.verdict is not Verdict.invalid and self.reason is not None:
            raise ValueError(f"reason must be null when verdict is {self.verdict.value}")
        if self.verdict is Verdict.needs_info and not self.missing_fields:
            raise ValueError("needs_info must name at least one missing field")
        return self


class ModelJudgement(Judgement):
    """The response model given to instructor: its JSON schema becomes the decoding grammar."""

    complaint: ComplaintDraft | None = Field(description="null unless verdict is valid or needs_info")

    @model_validator(mode="after")
    def _complaint_when_plausible(self) -> ModelJudgement:
        if self.verdict is not Verdict.invalid and self.complaint is None:
            raise ValueError("a valid or needs_info verdict needs the complaint filled in")
        return self
