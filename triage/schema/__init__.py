"""Every data shape the system passes around, one module per stage; import them from here.

The model-facing shapes (`ModelJudgement`, `ComplaintDraft`) are kept small because each output
token costs ~30 ms on the embedded CPU model; the stored shapes (`TriageResult`, `Complaint`) add
what the system derives itself (codes, routing, confidence). Validators that need the citizen's
text read it from the pydantic validation context (`{"text": report_text}`), which is how
instructor re-asks the model with the error when a quote is not in the message.

The shapes outgrew one file, so they are split by the stage that makes them:

- `messages`: what intake receives (`RawMessage`, `Report`);
- `quotes`: matching the model's quoted evidence against the message;
- `judgement`: what the model answers (`ModelJudgement`, `ComplaintDraft`) and their validators;
- `results`: what is stored per report (`TriageResult`, `Complaint`, `Location`, `Outcome`);
- `media`: files citizens send and what a voice note says (`MediaFile`, `Transcript`);
- `sp4n`: the record handed to SP4N-LAPOR! (`Sp4nRecord`);
- `eval_case`: one labelled case of the eval sets (`EvalCase`);
- `nik`: what a NIK says about its holder (`NikInfo`, read by `triage.identity`).

`from triage.schema import X` is the one way in; the modules import each other directly, never this
package, so there is no import circle.
"""

from __future__ import annotations

from triage.schema.eval_case import EvalCase, ExpectedLabels
from triage.schema.judgement import (
    REASON_MAX_CHARS,
    Category,
    ComplaintDraft,
    InvalidReason,
    Judgement,
    MissingField,
    ModelJudgement,
    Reason,
    Verdict,
)
from triage.schema.media import MediaFile, MediaStatus, Segment, Transcript
from triage.schema.messages import MAX_MESSAGE_CHARS, GeoPoint, MessageType, RawMessage, Report, utcnow
from triage.schema.nik import NikInfo
from triage.schema.quotes import QUOTE_FIELDS, fold_for_quote, snap_quote
from triage.schema.results import (
    AgencyLevel,
    Complaint,
    DecidedBy,
    LLMAttempt,
    Location,
    Outcome,
    PlaceRef,
    Reporter,
    TriageResult,
)
from triage.schema.sp4n import (
    SP4N_RECORD_VERSION,
    Sp4nAlasan,
    Sp4nLampiran,
    Sp4nLokasi,
    Sp4nPelapor,
    Sp4nRecord,
    Sp4nTempat,
    Sp4nTriase,
)

SCHEMA_VERSION = "1"

__all__ = [
    "REASON_MAX_CHARS",
    "MediaFile",
    "MediaStatus",
    "Segment",
    "Transcript",
    "MAX_MESSAGE_CHARS",
    "QUOTE_FIELDS",
    "SCHEMA_VERSION",
    "SP4N_RECORD_VERSION",
    "AgencyLevel",
    "Category",
    "Complaint",
    "ComplaintDraft",
    "DecidedBy",
    "EvalCase",
    "ExpectedLabels",
    "GeoPoint",
    "InvalidReason",
    "Judgement",
    "LLMAttempt",
    "Location",
    "MessageType",
    "MissingField",
    "ModelJudgement",
    "NikInfo",
    "Outcome",
    "PlaceRef",
    "RawMessage",
    "Reason",
    "Report",
    "Reporter",
    "Sp4nAlasan",
    "Sp4nLampiran",
    "Sp4nLokasi",
    "Sp4nPelapor",
    "Sp4nRecord",
    "Sp4nTempat",
    "Sp4nTriase",
    "TriageResult",
    "Verdict",
    "fold_for_quote",
    "snap_quote",
    "utcnow",
]
