"""The learned signals: shipped, loadable without the corpora, and they read what they should."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from triage import identity
from triage.cli import cli
from triage.signals import scores, train


def test_the_shipped_models_load_and_give_probabilities():
    s = scores.score("jalan di desa kami rusak parah")
    for p in (s.spam, s.abuse, s.complaint, s.category_probability):
        assert 0.0 <= p <= 1.0
    assert len(s.top3) == 3 and s.category == s.top3[0].name


@pytest.mark.parametrize(
    "text",
    [
        "SLOT GACOR hari ini! Daftar sekarang bonus 100% maxwin, hubungi WA 0812-3456-7890",
        "Butuh dana cepat? Pinjaman tanpa jaminan cair 1 jam, bunga rendah. Hub 081299998888",
    ],
)
def test_fresh_spam_reads_as_spam_not_as_a_complaint(text):
    s = scores.score(text)
    assert s.spam > 0.5 and s.complaint < 0.5


def test_a_fresh_road_complaint_reads_as_a_complaint_not_spam():
    s = scores.score(
        "Jalan di Desa Sukamaju Kecamatan Cibadak rusak berlubang sudah setahun tidak diperbaiki"
    )
    assert s.complaint > 0.5 and s.spam < 0.5 and s.abuse < 0.5


def test_an_insult_reads_as_abuse():
    assert scores.score("dasar bupati goblok tolol anjing kau").abuse > 0.5


def test_a_school_fee_complaint_is_education_in_the_top_three():
    s = scores.score("SD negeri di desa kami memungut uang gedung 500 ribu padahal sekolah gratis")
    assert "PENDIDIKAN DAN KEBUDAYAAN" in {g.name for g in s.top3}


def test_fitting_and_saving_is_byte_for_byte_reproducible(tmp_path: Path):
    rng = np.random.default_rng(0)
    words = ["jalan", "rusak", "promo", "gratis", "sekolah", "bayar", "hadiah", "desa"]
    texts = [" ".join(rng.choice(words, 6)) for _ in range(60)]
    labels = ["1" if "promo" in t or "hadiah" in t else "0" for t in texts]
    parts = scores.vectorizers(train.FEATURES)
    x = scores.transform(parts, texts)
    for out in (tmp_path / "a", tmp_path / "b"):
        out.mkdir()
        train.save(train.fit("spam", x, labels), out, {"0": labels.count("0"), "1": labels.count("1")})
    for name in ("spam.json", "spam.npz"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    reloaded = scores.load_model("spam", tmp_path / "a")
    assert reloaded.probabilities(x).shape == (60,)


def test_the_frozen_sets_are_refused_for_measuring_signals():
    result = CliRunner().invoke(cli, ["signals", "check", "evals/test.jsonl"])
    assert result.exit_code != 0 and "frozen" in result.output


def test_the_kind_signal_learns_from_the_tuning_material_and_refuses_the_frozen_sets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # written as a citizen types it: learned normalised, as inference reads it
    case = {"id": "x", "text": "Jalan RUSAK", "expected": {"verdict": "valid", "reason": None}}
    junk = {"id": "y", "text": "slot gacor", "expected": {"verdict": "invalid", "reason": "spam"}}
    for name in train.KIND_CASES:
        (tmp_path / name).write_text("\n".join(json.dumps(c) for c in (case, junk)) + "\n", "utf-8")
    texts, kinds = train.case_kinds(tmp_path)
    assert kinds == [scores.GENUINE, "spam"] * len(train.KIND_CASES) and texts[:2] == [
        "jalan rusak",
        "slot gacor",
    ]
    monkeypatch.setattr(train, "KIND_CASES", ("tune.jsonl", "test.jsonl"))
    with pytest.raises(ValueError, match="frozen"):
        train.case_kinds(tmp_path)


def test_the_kind_signal_learns_the_reviewers_decisions_but_never_a_frozen_text(tmp_path: Path):
    def write(name: str, *cases: tuple[str, str, str | None]) -> None:
        lines = [
            json.dumps({"id": f"{name}-{i}", "text": t, "expected": {"verdict": v, "reason": r}})
            for i, (t, v, r) in enumerate(cases)
        ]
        (tmp_path / name).write_text("\n".join(lines) + "\n", "utf-8")

    write("tune.jsonl", ("jalan rusak", "valid", None))
    write("probe.jsonl", ("slot gacor", "invalid", "spam"))
    # a new deployment: no reviewed reports yet
    assert train.case_kinds(tmp_path) == (["jalan rusak", "slot gacor"], [scores.GENUINE, "spam"])
    write(
        train.REVIEWED_CASES,
        ("Minta foto bareng pak", "invalid", "not_a_complaint"),
        ("Lampu jalan mati di Desa X", "valid", None),  # also a frozen case: never learned
    )
    write("challenge.jsonl", ("LAMPU JALAN MATI DI DESA X", "valid", None))
    texts, kinds = train.case_kinds(tmp_path)
    assert texts == ["jalan rusak", "slot gacor", "minta foto bareng pak"]
    assert kinds == [scores.GENUINE, "spam", "not_a_complaint"]
    # a reviewed case carries its text masked: a frozen case with a phone number is still known
    frozen = "Pungli di kantor desa, hubungi saya 081234567890"
    write("test.jsonl", (frozen, "valid", None))
    write(train.REVIEWED_CASES, (identity.mask_text(frozen), "valid", None))
    assert identity.mask_text(frozen) != frozen
    assert train.case_kinds(tmp_path)[0] == ["jalan rusak", "slot gacor"]


def test_a_hand_edited_case_that_breaks_the_contract_fails_the_build_with_its_line(tmp_path: Path):
    good = {"id": "a", "text": "jalan rusak", "expected": {"verdict": "valid", "reason": None}}
    # a rejection without its reason: learned as "genuine" by a reader that did not check
    bad = {"id": "b", "text": "slot gacor", "expected": {"verdict": "invalid", "reason": None}}
    (tmp_path / "tune.jsonl").write_text(json.dumps(good) + "\n", "utf-8")
    (tmp_path / "probe.jsonl").write_text(f"{json.dumps(good)}\n\n{json.dumps(bad)}\n", "utf-8")
    with pytest.raises(ValueError, match=r"probe\.jsonl:3: not an eval case"):
        train.case_kinds(tmp_path)
    (tmp_path / "probe.jsonl").write_text("\ufeff" + json.dumps(good) + "\n", "utf-8")  # a BOM is fine
    assert train.case_kinds(tmp_path)[1] == [scores.GENUINE, scores.GENUINE]


def test_the_shipped_kind_model_has_a_genuine_class_and_every_invalid_reason():
    model = scores.load_model("kind")
    assert set(model.classes) == {
        scores.GENUINE,
        "prank",
        "spam",
        "abusive",
        "not_a_complaint",
        "out_of_scope",
    }
