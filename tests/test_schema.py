"""The validators that keep the model honest, each with the failure it exists to catch."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from triage.schema import (
    EvalCase,
    ModelJudgement,
    RawMessage,
    Reason,
    Report,
    Verdict,
)

TEXT = "Jalan di desa Jragung Kec. Karangawen Kab. Demak hancur, sudah 2 tahun tidak diperbaiki"


def judgement(**over):
    base = {
        "verdict": "valid",
        "reason": None,
        "reasons": [{"statement": "Jalan rusak", "evidence": "Jalan di desa Jragung"}],
        "missing_fields": [],
        "complaint": {
            "category": "PEKERJAAN UMUM DAN PENATAAN RUANG",
            "regency": "Demak",
            "urgent": False,
        },
    }
    base.update(over)
    return base


def validate(data, text=TEXT):
    return ModelJudgement.model_validate(data, context={"text": text})


def test_valid_judgement_passes():
    j = validate(judgement())
    assert j.verdict is Verdict.valid
    assert j.complaint is not None and j.complaint.category == "PEKERJAAN UMUM DAN PENATAAN RUANG"


def test_quote_matches_ignoring_case_and_spacing_only():
    ok = judgement(reasons=[{"statement": "s", "evidence": "JALAN   di DESA jragung"}])
    assert validate(ok).reasons[0].evidence == "JALAN   di DESA jragung"


def test_paraphrased_quote_is_rejected_with_a_usable_error():
    bad = judgement(reasons=[{"statement": "s", "evidence": "jalan desa rusak parah"}])
    with pytest.raises(ValidationError) as err:
        validate(bad)
    assert "does not occur in the message" in str(err.value)


def test_quote_marks_and_ellipsis_around_a_quote_are_tolerated():
    ok = judgement(reasons=[{"statement": "s", "evidence": '"...sudah 2 tahun tidak diperbaiki"'}])
    assert validate(ok).reasons[0].evidence == "sudah 2 tahun tidak diperbaiki"


def test_without_context_quotes_are_not_checked():
    data = judgement(reasons=[{"statement": "s", "evidence": "not in any text"}])
    assert ModelJudgement.model_validate(data).reasons[0].evidence == "not in any text"


def test_invalid_needs_a_reason():
    with pytest.raises(ValidationError, match="needs a reason"):
        validate(judgement(verdict="invalid", reason=None, complaint=None))


def test_reason_only_with_invalid():
    with pytest.raises(ValidationError, match="reason must be null"):
        validate(judgement(reason="spam"))


def test_needs_info_must_name_a_missing_field():
    with pytest.raises(ValidationError, match="at least one missing field"):
        validate(judgement(verdict="needs_info", missing_fields=[]))
    assert validate(judgement(verdict="needs_info", missing_fields=["location"])).missing_fields


def test_valid_needs_a_complaint():
    with pytest.raises(ValidationError, match="complaint filled in"):
        validate(judgement(complaint=None))


def test_category_must_be_one_of_the_38():
    bad = judgement()
    bad["complaint"] = {**bad["complaint"], "category": "JALAN RUSAK"}
    with pytest.raises(ValidationError, match="not an SP4N-LAPOR! main category"):
        validate(bad)


def test_category_case_is_normalised():
    data = judgement()
    data["complaint"] = {**data["complaint"], "category": "kesehatan"}
    assert validate(data).complaint.category == "KESEHATAN"


def test_json_schema_constrains_category_to_the_official_list():
    schema = ModelJudgement.model_json_schema()
    draft = schema["$defs"]["ComplaintDraft"]["properties"]["category"]
    enum = next(x for x in draft["anyOf"] if "enum" in x)["enum"]
    assert len(enum) == 38 and "KESEHATAN" in enum


def test_raw_message_rejects_binary():
    with pytest.raises(ValidationError, match="NUL"):
        RawMessage(message_id="m1", sender="s", text="abc\x00def")


def test_raw_message_rejects_huge_text():
    with pytest.raises(ValidationError):
        RawMessage(message_id="m1", sender="s", text="a" * 9000)


def test_report_text_joins_messages_and_describes_media():
    report = Report(
        report_id="r",
        sender="s",
        messages=[
            RawMessage(message_id="1", sender="s", text="P"),
            RawMessage(message_id="2", sender="s", type="image", media_id="M1", caption="jalan rusak"),
            RawMessage(message_id="3", sender="s", type="audio", media_id="M2"),
        ],
    )
    assert report.text == "P\njalan rusak\n[audio]"
    assert report.media_ids == ["M1", "M2"]


def test_reason_evidence_length_is_bounded():
    with pytest.raises(ValidationError):
        Reason(statement="s", evidence="x" * 500)


def test_eval_case_reason_iff_invalid():
    ok = {"id": "a", "text": "t", "expected": {"verdict": "invalid", "reason": "spam"}}
    assert EvalCase.model_validate(ok).expected.reason == "spam"
    with pytest.raises(ValidationError):
        EvalCase.model_validate({"id": "a", "text": "t", "expected": {"verdict": "invalid"}})
    with pytest.raises(ValidationError):
        EvalCase.model_validate({"id": "a", "text": "t", "expected": {"verdict": "valid", "reason": "spam"}})


def test_location_accepts_an_official_consistent_chain():
    from triage.schema import Location, PlaceRef

    loc = Location(
        province=PlaceRef(name="Jawa Tengah", code="33"),
        regency=PlaceRef(name="Kabupaten Demak", code="33.21"),
    )
    assert loc.regency is not None and loc.regency.code == "33.21"


def test_location_rejects_an_invented_place():
    from triage.schema import Location, PlaceRef

    with pytest.raises(ValidationError, match="not an official"):
        Location(province=PlaceRef(name="Nusa Tenggara Tengah", code="99"))


def test_location_rejects_a_regency_outside_its_province():
    from triage.schema import Location, PlaceRef

    with pytest.raises(ValidationError, match="does not lie in"):
        Location(
            province=PlaceRef(name="Jawa Timur", code="35"),
            regency=PlaceRef(name="Kabupaten Demak", code="33.21"),
        )


def test_a_partly_verbatim_quote_is_snapped_to_the_words_the_message_has():
    data = judgement(reasons=[{"statement": "s", "evidence": "sudah 2 tahun tidak dibangun"}])
    assert validate(data).reasons[0].evidence == "sudah 2 tahun tidak"


def test_a_quote_with_too_little_in_common_is_not_snapped():
    from triage.schema import snap_quote

    assert snap_quote("rusak parah sekali di kota", TEXT) is None
    assert snap_quote("Demak hancur", TEXT) == "Demak hancur"


def test_a_quote_missing_a_word_is_snapped_to_the_stretch_the_message_has():
    from triage.schema import snap_quote

    text = "pak ganjar saya perawat puskesmas di kendal, gaji saya 275rb sebulan"
    assert snap_quote("gaji 275rb", text) == "gaji saya 275rb"
    kumuh = "lapak pedagang terlihat sangat kumuh sekali"
    assert snap_quote("TERLIHAT KUMUH", kumuh) == "terlihat sangat kumuh"
    # words too far apart are not a quote of this message
    assert snap_quote("jalan rusak", "jalan di desa kami sudah lama sekali rusak") is None
