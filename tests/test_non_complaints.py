"""Questions, invitations, personal requests and private disputes: uncertain rejections, never silent."""

from __future__ import annotations

import pytest

from triage import non_complaints
from triage.schema import InvalidReason, Reason, TriageResult, Verdict


def model_said(verdict: Verdict, reason: InvalidReason | None = None) -> TriageResult:
    return TriageResult(
        verdict=verdict,
        reason=reason,
        reasons=[Reason(statement="s", evidence="e")],
        missing_fields=[],
        confidence=0.85,
        decided_by="model",
    )


@pytest.mark.parametrize(
    ("text", "rule", "reason"),
    [
        (
            "Permisi pak, mau tanya jam buka kantor imigrasi hari sabtu?",
            "information_question",
            "not_a_complaint",
        ),
        ("bagaimana cara daftar KIP kuliah untuk anak saya?", "information_question", "not_a_complaint"),
        (
            "Yth bapak, bersediakah hadir di pentas seni sekolah kami bulan depan",
            "invitation",
            "not_a_complaint",
        ),
        ("pak wapres tolong carikan saya pekerjaan, saya lulusan SMA", "personal_request", "not_a_complaint"),
        ("Mantan suami saya melarang saya bertemu anak, tolong pak", "private_dispute", "out_of_scope"),
        (
            "perkara tanah saya sedang disidangkan di PN, mohon hakimnya ditelepon",
            "court_matter",
            "out_of_scope",
        ),
    ],
)
def test_non_complaint_shapes_become_uncertain_rejections(text, rule, reason):
    out = non_complaints.reconsider(model_said(Verdict.valid), text)
    assert (out.verdict, out.reason, out.rules[-1]) == (Verdict.invalid, InvalidReason(reason), rule)
    assert out.needs_review and out.confidence <= 0.4  # a reviewer reads it; never a silent archive
    assert out.reasons[0].evidence in text


@pytest.mark.parametrize(
    "text",
    [
        # questions that carry a grievance are complaints
        "mau tanya kenapa blanko KTP di kecamatan kosong terus sudah 3 bulan?",
        "mau tanya apakah benar ujian anak SD harus membayar 225 ribu?",
        "ijin bertanya, apakah pajak bumi memang naik tiga kali lipat di desa kami?",
        "mau tanya pak, jalan desa kami rusak kapan diperbaiki?",
        # a private matter with an official's misconduct is a complaint
        "urus akta cerai di kantor dukcapil diminta uang 500 ribu oleh petugas",
        # a job seeker who was refused by an office is a complaint
        "saya butuh kerja tapi kartu kuning di disnaker ditolak terus tanpa alasan",
        # "perundang-undangan" is not an invitation, "studi banding" is not a court case
        "kebijakan kepala sekolah tidak sesuai aturan perundang-undangan, guru honorer dirugikan",
        "pak gub, kalau mau studi banding mahasiswa ke gubernuran bisa lewat mana ya?",
    ],
)
def test_grievances_in_those_shapes_are_left_alone(text):
    out = non_complaints.reconsider(model_said(Verdict.valid), text)
    if "studi banding" in text:  # a question, but not a court case
        assert out.rules[-1:] != ["court_matter"]
    else:
        assert out.verdict is Verdict.valid and not out.rules


def test_a_rejection_is_not_touched():
    rejected = model_said(Verdict.invalid, InvalidReason.prank)
    assert non_complaints.reconsider(rejected, "mau tanya jam buka kantor?") is rejected
