"""The LAPOR!-shaped record: mapping, anonymity, the published schema, the XML flavour."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import jsonschema
import pytest

from triage.schema import (
    Complaint,
    Location,
    PlaceRef,
    RawMessage,
    Reason,
    Report,
    Reporter,
    Sp4nRecord,
    TriageResult,
    Verdict,
)
from triage.sp4n.record import SCHEMA_PATH, build_record, record_to_xml, schema_text, xml_to_record

NIK = "3403012345678901"
PHONE = "081234567890"


def make_report(i: int = 0, text: str | None = None) -> Report:
    text = text or (
        f"Jalan provinsi di Kecamatan Wonosari berlubang besar (laporan {i}). Saya Budi, NIK {NIK}, "
        f"hp {PHONE}."
    )
    msg = RawMessage(
        message_id=f"wamid.T{i:05d}",
        sender=f"62811{i:07d}",
        timestamp=datetime(2026, 11, 20, 8, 0, tzinfo=UTC) + timedelta(minutes=i),
        text=text,
        media_id=f"media-{i}",
    )
    return Report(report_id=f"r-{i:05d}", sender=msg.sender, messages=[msg])


def make_result(anonymous: bool = False, evidence: str = "berlubang besar") -> TriageResult:
    return TriageResult(
        verdict=Verdict.valid,
        reason=None,
        reasons=[Reason(statement="Jalan rusak membahayakan pengendara", evidence=evidence)],
        missing_fields=[],
        confidence=0.85,
        complaint=Complaint(
            title="Jalan provinsi berlubang di Wonosari",
            summary="Jalan berlubang",
            category="PEKERJAAN UMUM DAN PENATAAN RUANG",
            subtopic="Jalan",
            location=Location(
                province=PlaceRef(name="Daerah Istimewa Yogyakarta", code="34"),
                regency=PlaceRef(name="Kabupaten Gunungkidul", code="34.03"),
                district=PlaceRef(name="Wonosari", code="34.03.01"),
                village=PlaceRef(name="Kepek", code="34.03.01.2002"),
                mention="Wonosari, Gunungkidul",
                source="resolver",
            ),
            incident_date="2026-10-20",
            agency="Dinas PUPESDM DIY",
            agency_level="provinsi",
            anonymous=anonymous,
            reporter=Reporter(name_masked="B***", nik_masked="340301******8901", phone_masked="0812****90"),
        ),
    )


def test_record_maps_everything_the_agency_needs() -> None:
    rec = build_record(make_report(1), make_result(), model="m", prompt_version="v3")
    assert rec.id_laporan_asal == "r-00001"
    assert NIK in rec.isi and PHONE in rec.isi  # the citizen's own words, untouched
    assert rec.lokasi.kabupaten_kota is not None and rec.lokasi.kabupaten_kota.kode == "34.03"
    assert rec.lokasi.kecamatan is not None and rec.lokasi.kecamatan.nama == "Wonosari"
    assert rec.tingkat_instansi == "provinsi"
    assert [(a.media_id, a.jenis, a.sha256) for a in rec.lampiran] == [("media-1", "dokumen", None)]
    assert rec.anonim is False and rec.rahasia is False
    assert rec.pelapor is not None and rec.pelapor.nik == "340301******8901"
    assert rec.triase.alasan[0].kutipan == "berlubang besar"
    assert rec.triase.prompt_version == "v3" and rec.triase.model == "m"


def test_anonymous_masks_isi_and_drops_pelapor() -> None:
    result = make_result(anonymous=True, evidence=f"NIK {NIK}")
    rec = build_record(make_report(2), result)
    assert rec.anonim is True and rec.rahasia is True
    assert rec.pelapor is None
    assert NIK not in rec.isi and PHONE not in rec.isi
    assert "berlubang besar" in rec.isi  # nothing but identifiers is removed
    assert NIK not in rec.triase.alasan[0].kutipan
    assert NIK not in json.dumps(rec.model_dump(mode="json"))


def test_only_valid_results_become_records() -> None:
    result = make_result().model_copy(update={"verdict": Verdict.needs_info})
    with pytest.raises(ValueError):
        build_record(make_report(3), result)


def test_published_schema_is_up_to_date() -> None:
    assert SCHEMA_PATH.read_text("utf-8") == schema_text(), "run: python -m triage.sp4n.record schema"


def test_record_validates_against_published_schema() -> None:
    schema = json.loads(SCHEMA_PATH.read_text("utf-8"))
    for anonymous in (False, True):
        payload = build_record(make_report(4), make_result(anonymous)).model_dump(mode="json")
        jsonschema.Draft202012Validator(schema).validate(payload)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(schema).validate({**payload, "judul": None})


def test_xml_flavour_round_trip() -> None:
    for anonymous in (False, True):
        payload = build_record(make_report(5), make_result(anonymous), model="m").model_dump(mode="json")
        body = record_to_xml(payload, "tok")
        assert body.startswith(b"<?xml") and b'<lapor token="tok">' in body
        assert b'anonim="1"' in body if anonymous else b'anonim="0"' in body
        token, back = xml_to_record(body)
        assert token == "tok"
        assert Sp4nRecord.model_validate(back) == Sp4nRecord.model_validate(payload)


def test_a_version_1_record_still_in_an_outbox_is_sent_in_todays_shape() -> None:
    from triage.sp4n.record import upgrade

    today = build_record(make_report(6), make_result()).model_dump(mode="json")
    old = {**today, "versi": "1", "lampiran": ["media-6"]}
    new = upgrade(old)
    assert new["versi"] == "2" and new["lampiran"] == [{"media_id": "media-6", "jenis": "dokumen"}]
    assert upgrade(today) == today
    jsonschema.validate(new, json.loads(SCHEMA_PATH.read_text()))
