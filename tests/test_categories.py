"""The category: the model's pick, the classifier and the words of each category, weighed once."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from triage.evals.fakes import model_answer, model_rejection
from triage.judge import category
from triage.judge.pipeline import from_model
from triage.rules import categories
from triage.schema import ModelJudgement
from triage.signals.scores import Scores, score

PU = "PEKERJAAN UMUM DAN PENATAAN RUANG"
KEPENDUDUKAN = "KEPENDUDUKAN"
SOSIAL = "SOSIAL DAN KESEJAHTERAAN"


def test_shipped_table_names_only_official_categories() -> None:
    table = categories.shipped_table()
    assert len(table.category) >= 15
    with pytest.raises(ValidationError, match="not an SP4N-LAPOR! category"):
        categories.parse_table('[[category]]\nname = "JALAN"\nkeywords = ["jalan rusak"]\n')


def _signals(probabilities: dict[str, float]) -> Scores:
    """Classifier scores as the shipped model gives them, with the probabilities a test needs."""
    return score("jalan").model_copy(update={"category_probabilities": probabilities})


@pytest.mark.parametrize(
    ("model", "text", "probabilities", "expected"),
    [
        # the model's pick with words of its own stands against a mildly surer classifier
        (PU, "jalan rusak di depan kantor", {PU: 0.3, KEPENDUDUKAN: 0.4}, PU),
        # no word for the model's pick, two for another and the classifier agrees: corrected
        (
            SOSIAL,
            "sudah 3 bulan e-KTP saya belum jadi di disdukcapil",
            {KEPENDUDUKAN: 0.5, SOSIAL: 0.2},
            KEPENDUDUKAN,
        ),
        # no category words at all: the model's pick against a clearly surer classifier
        (SOSIAL, "tolong pak urusan saya dipersulit terus", {SOSIAL: 0.3, PU: 0.45}, SOSIAL),
        (SOSIAL, "tolong pak urusan saya dipersulit terus", {SOSIAL: 0.05, PU: 0.7}, PU),
        # the model gave none: the words and the classifier decide
        (
            None,
            "listrik padam tiap malam",
            {PU: 0.4, "ENERGI DAN SUMBER DAYA ALAM": 0.3},
            "ENERGI DAN SUMBER DAYA ALAM",
        ),
    ],
)
def test_the_choice_weighs_the_models_pick_the_classifier_and_the_words(model, text, probabilities, expected):
    assert category.choose(model, text, _signals(probabilities)).category == expected


def test_a_switched_off_signal_weighs_nothing() -> None:
    text = "sudah 3 bulan e-KTP saya belum jadi di disdukcapil"
    signals = _signals({KEPENDUDUKAN: 0.1, SOSIAL: 0.2})
    assert category.choose(SOSIAL, text, signals).category == KEPENDUDUKAN  # two words: 0.6 + 0.1 > 0.4
    assert category.choose(SOSIAL, text, signals, off={category.KEYWORDS}).category == SOSIAL
    both = {category.KEYWORDS, category.CLASSIFIER}
    assert category.choose(SOSIAL, text, signals, off=both) == category.Choice(SOSIAL, None)
    assert category.choose(None, "apa saja", signals, off=both) == category.Choice(None, None)


def test_equal_scores_choose_the_same_category_every_time() -> None:
    signals = _signals({PU: 0.3, KEPENDUDUKAN: 0.3})
    assert category.choose(None, "tolong", signals).category == KEPENDUDUKAN  # first by name


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
    assert "category_from_signals" in result.rules
    assert any("'SOSIAL DAN KESEJAHTERAAN' -> 'KEPENDUDUKAN'" in n for n in result.notes)


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
