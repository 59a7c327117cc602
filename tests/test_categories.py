"""The keyword check on the model's category (words in triage/data/category_keywords.toml)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from triage.evals.fakes import model_answer, model_rejection
from triage.judge.pipeline import from_model
from triage.rules import categories
from triage.schema import ModelJudgement

PU = "PEKERJAAN UMUM DAN PENATAAN RUANG"
KEPENDUDUKAN = "KEPENDUDUKAN"
SOSIAL = "SOSIAL DAN KESEJAHTERAAN"


def test_shipped_table_names_only_official_categories() -> None:
    table = categories.shipped_table()
    assert len(table.category) >= 15
    with pytest.raises(ValidationError, match="not an SP4N-LAPOR! category"):
        categories.parse_table('[[category]]\nname = "JALAN"\nkeywords = ["jalan rusak"]\n')


@pytest.mark.parametrize(
    ("model", "text", "expected"),
    [
        # the model's choice has support in the text: it stands
        (PU, "jalan rusak di depan kantor dukcapil", PU),
        # no support for the model's choice, one clear winner: corrected
        (SOSIAL, "sudah 3 bulan e-KTP saya belum jadi di disdukcapil", KEPENDUDUKAN),
        (SOSIAL, "Jalan desa berlubang dan jembatan ambrol", PU),
        # no category words at all: the model's choice stands
        (SOSIAL, "tolong pak urusan saya dipersulit terus", SOSIAL),
        # a tie between two other categories: no guess
        (SOSIAL, "ktp saya hilang waktu di puskesmas", SOSIAL),
        # the model gave none: the words decide
        (None, "listrik padam tiap malam", "ENERGI DAN SUMBER DAYA ALAM"),
    ],
)
def test_check(model: str | None, text: str, expected: str | None) -> None:
    assert categories.check(model, text)[0] == expected


def test_keywords_match_whole_words_and_prefixes() -> None:
    assert "PENDIDIKAN DAN KEBUDAYAAN" in categories.keyword_hits("sekolahan anak saya")
    assert "PENDIDIKAN DAN KEBUDAYAAN" not in categories.keyword_hits("saya bersekolah")  # not a word start
    assert "KEPENDUDUKAN" in categories.keyword_hits("bikin E KTP lama")  # spacing/hyphen optional
    assert categories.keyword_hits("kkn") == {}


def test_correction_is_recorded_in_the_result() -> None:
    text = (
        "Pak, e-KTP saya sudah 4 bulan belum jadi di Disdukcapil Kabupaten Demak, tiap datang disuruh balik"
    )
    answer = model_answer("sudah 4 bulan belum jadi", category=SOSIAL, statement="e-KTP lama")
    result = from_model(ModelJudgement.model_validate(answer, context={"text": text}), text, 1)
    assert result.complaint is not None and result.complaint.category == KEPENDUDUKAN
    assert "category_from_keywords" in result.rules
    assert any("SOSIAL DAN KESEJAHTERAAN" in n for n in result.notes)


def test_the_title_is_the_models_statement_masked_and_short() -> None:
    """The model no longer writes a title: the statement it already wrote says what the complaint
    is. A number the statement copies from the message is masked like anywhere else."""
    text = "Jalan desa Sukamaju Kab. Demak rusak parah sudah 2 tahun, hubungi saya di 081234567890"
    statement = "Jalan desa Sukamaju rusak parah sejak 2 tahun, pelapor di 081234567890 " + "lama " * 12
    answer = model_answer("rusak parah sudah 2 tahun", statement=statement)
    result = from_model(ModelJudgement.model_validate(answer, context={"text": text}), text, 1)
    assert result.complaint is not None
    title = result.complaint.title
    assert title.startswith("Jalan desa Sukamaju rusak parah sejak 2 tahun")
    assert "081234567890" not in title and len(title) <= 80 and title.endswith("…")


def test_a_report_kept_open_after_a_rejection_is_titled_by_its_text() -> None:
    """A rejection's statement ("only a greeting") would mislabel a report a step kept open."""
    text = "Pak, e-KTP saya sudah 4 bulan belum jadi, tiap datang ke kantor disuruh balik lagi"
    answer = model_rejection("Hanya salam kepada bapak", "Pak")
    result = from_model(ModelJudgement.model_validate(answer, context={"text": text}), text, 1)
    assert result.verdict.value != "invalid" and result.complaint is not None
    assert result.complaint.title.startswith("Pak, e-KTP saya sudah 4 bulan")
