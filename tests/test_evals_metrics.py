"""The metrics contract on hand-made predictions whose answers are known by hand."""

from __future__ import annotations

import pytest

from triage.evals import metrics
from triage.schema import EvalCase


def case(cid: str, verdict: str, reason: str | None = None, **fields: str | None) -> EvalCase:
    return EvalCase.model_validate(
        {"id": cid, "text": f"teks {cid}", "expected": {"verdict": verdict, "reason": reason, **fields}}
    )


def pred(cid: str, verdict: str | None, reason: str | None = None, **extra: object) -> dict:
    row = {"id": cid, "verdict": verdict, "reason": reason, "latency_ms": 100.0, "tokens": 200, "error": None}
    row.update(extra)
    return row


def compute(cases, preds):
    return metrics.compute(cases, preds, model="m", prompt_version="v1")


def test_every_contract_key_is_present():
    m = compute([case("a", "valid")], [pred("a", "valid")])
    assert set(metrics.CONTRACT_KEYS) <= set(m)
    assert m["model"] == "m" and m["prompt_version"] == "v1"


def test_false_rejection_rate_is_share_of_expected_valid_judged_invalid():
    cases = [case(f"v{i}", "valid") for i in range(4)] + [case("n", "needs_info")]
    preds = [
        pred("v0", "invalid", "spam"),
        pred("v1", "valid"),
        pred("v2", "needs_info"),  # wrong, but not a rejection
        pred("v3", "valid"),
        pred("n", "invalid", "prank"),  # a rejection, but not of a valid case
    ]
    m = compute(cases, preds)
    assert m["false_rejection_rate"] == 0.25
    assert m["verdict_accuracy"] == 0.4


def test_invalid_recall_precision_and_reason_accuracy():
    cases = [
        case("s", "invalid", "spam"),
        case("p", "invalid", "prank"),
        case("a", "invalid", "abusive"),
        case("o", "invalid", "out_of_scope"),
        case("v", "valid"),
    ]
    preds = [
        pred("s", "invalid", "spam"),  # right reason
        pred("p", "invalid", "spam"),  # wrong reason
        pred("a", "invalid", "abusive"),  # right reason
        pred("o", "valid"),  # missed invalid: not in reason accuracy
        pred("v", "invalid", "prank"),  # false rejection: hurts precision
    ]
    m = compute(cases, preds)
    assert m["invalid_recall"] == 0.75
    assert m["invalid_precision"] == 0.75
    assert m["reason_accuracy"] == round(2 / 3, 4)
    assert m["scored"]["reason"] == 3
    assert {"expected": "prank", "predicted": "spam", "count": 1} in m["reason_confusion"]


def test_macro_f1_and_confusion_match_hand_computation():
    cases = [
        case("v1", "valid"),
        case("v2", "valid"),
        case("n1", "needs_info"),
        case("i1", "invalid", "spam"),
    ]
    preds = [
        pred("v1", "valid"),
        pred("v2", "needs_info"),
        pred("n1", "needs_info"),
        pred("i1", "invalid", "spam"),
    ]
    m = compute(cases, preds)
    # valid: P=1 R=.5 F=2/3; needs_info: P=.5 R=1 F=2/3; invalid: F=1 -> macro = (2/3+2/3+1)/3
    assert m["verdict_macro_f1"] == pytest.approx((2 / 3 + 2 / 3 + 1) / 3, abs=1e-4)
    assert m["confusion"]["matrix"] == [[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]]
    assert m["per_class"]["valid"]["recall"] == 0.5


def test_places_are_normalised_through_the_official_list():
    cases = [
        case(
            "a", "valid", province="Daerah Khusus Ibukota Jakarta", regency="Kota Administrasi Jakarta Barat"
        ),
        case("b", "valid", province="Jawa Barat", regency="Kabupaten Bogor"),
        case("c", "valid", province="Daerah Istimewa Yogyakarta", regency="Kabupaten Sleman"),
        case("d", "valid", province="Jawa Barat", regency="Kota Bogor"),
    ]
    preds = [
        pred("a", "valid", province="DKI Jakarta", regency="Kota Adm. Jakarta Barat"),
        pred("b", "valid", province="jawa  barat", regency="Kab. Bogor"),
        pred("c", "valid", province="DIY", regency=None),  # null where a value is expected: wrong
        pred("d", "valid", province="Jawa Barat", regency="Kabupaten Bogor"),  # the other Bogor: wrong
    ]
    m = compute(cases, preds)
    assert m["province_accuracy"] == 1.0
    assert m["regency_accuracy"] == 0.5


def test_category_scored_only_where_expected_and_null_prediction_is_wrong():
    cases = [
        case("a", "valid", category="KESEHATAN"),
        case("b", "valid", category="KEPENDUDUKAN"),
        case("c", "valid"),  # not scored
    ]
    preds = [
        pred("a", "valid", category="kesehatan "),
        pred("b", "valid", category=None),
        pred("c", "valid", category="KESEHATAN"),
    ]
    m = compute(cases, preds)
    assert m["category_accuracy"] == 0.5
    assert m["scored"]["category"] == 2


def test_errors_count_as_wrong_and_stay_out_of_latency():
    cases = [case("a", "valid"), case("b", "valid"), case("c", "invalid", "spam")]
    preds = [
        pred("a", "valid", latency_ms=100.0, tokens=100),
        {"id": "b", "error": "RuntimeError: boom", "latency_ms": 99999.0},
        pred("c", "invalid", "spam", latency_ms=300.0, tokens=300),
    ]
    m = compute(cases, preds)
    assert m["errors"] == 1 and m["n"] == 3
    assert m["verdict_accuracy"] == round(2 / 3, 4)
    assert m["false_rejection_rate"] == 0.0  # an error is not a rejection
    assert m["latency_ms_p50"] == 200.0
    assert m["tokens_per_case"] == 200.0
    assert m["confusion"]["matrix"][0] == [1, 0, 0, 1]  # b lands in the error column


def test_missing_prediction_is_an_error_and_empty_denominators_are_null():
    m = compute([case("a", "invalid", "spam")], [])
    assert m["errors"] == 1
    assert m["false_rejection_rate"] is None  # no expected-valid cases
    assert m["latency_ms_p50"] is None


def test_review_and_needs_info_shares():
    cases = [case("a", "valid"), case("b", "needs_info")]
    preds = [pred("a", "valid", needs_review=True), pred("b", "needs_info")]
    m = compute(cases, preds)
    assert m["review_share"] == 0.5 and m["needs_info_share"] == 0.5
    assert m["verdict_accuracy"] == 1.0  # a review case is scored on the verdict it has


def test_review_share_follows_the_outcome_and_unseen_false_rejections_are_named():
    cases = [case("v1", "valid"), case("v2", "valid"), case("v3", "valid"), case("s", "invalid", "spam")]
    preds = [
        pred("v1", "invalid", "not_a_complaint", needs_review=False, outcome="review"),  # low confidence
        pred("v2", "invalid", "prank", needs_review=False, outcome="archived"),  # silenced unseen
        pred("v3", "valid", outcome="sp4n"),
        pred("s", "invalid", "spam", outcome="archived"),
    ]
    m = compute(cases, preds)
    assert m["false_rejection_rate"] == round(2 / 3, 4)
    assert m["review_share"] == 0.25  # v1 reaches a person although its flag is off
    assert m["false_rejections_to_review"] == 1
    assert m["false_rejections_archived"] == ["v2"]
    assert m["archived_false_rejection_rate"] == round(1 / 3, 4)


def test_a_prediction_without_an_outcome_counts_as_archived_unless_flagged():
    cases = [case("v1", "valid"), case("v2", "valid")]
    m = compute(cases, [pred("v1", "invalid", "prank", needs_review=True), pred("v2", "invalid", "prank")])
    assert m["false_rejections_archived"] == ["v2"] and m["false_rejections_to_review"] == 1


def test_bars_read_ceilings_for_rejections_and_latency():
    m = {
        "false_rejection_rate": 0.2,
        "verdict_accuracy": 0.7,
        "latency_ms_p95": 5000.0,
        "invalid_recall": None,
    }
    assert metrics.missed_bars(m, {"false_rejection_rate": 0.25, "verdict_accuracy": 0.6}) == []
    missed = metrics.missed_bars(
        m,
        {"false_rejection_rate": 0.1, "verdict_accuracy": 0.8, "latency_ms_p95": 4000, "invalid_recall": 0.5},
    )
    assert len(missed) == 4
    assert "over the bar" in missed[0] and "under the bar" in missed[1] and "undefined" in missed[3]


@pytest.mark.parametrize("spec", ["verdict_accuracy", "nope=0.5", "model=x", "verdict_accuracy=high"])
def test_bad_bar_specs_are_refused(spec):
    with pytest.raises(ValueError):
        metrics.parse_bar(spec)


def test_outcome_metrics_follow_where_each_result_goes():
    cases = [
        case("j1", "invalid", "spam"),
        case("j2", "invalid", "prank"),
        case("j3", "invalid", "abusive"),
        case("j4", "invalid", "spam"),
        case("g1", "valid"),
        case("g2", "valid"),
        case("g3", "needs_info"),
        case("g4", "valid"),
    ]
    preds = [
        pred("j1", "valid", outcome="sp4n"),  # junk handed to SP4N
        pred("j2", "needs_info", outcome="ask_reporter"),  # a prankster asked for his address
        pred("j3", "invalid", "abusive", outcome="archived"),
        pred("j4", "valid", outcome="awaiting_gate"),  # would go once the gate opens: counts as sent
        pred("g1", "valid", outcome="sp4n"),
        pred("g2", "invalid", "prank", outcome="archived"),  # a citizen silenced unseen
        pred("g3", "needs_info", outcome="review"),
        pred("g4", None, error="LLMUnavailable", outcome=None),  # waits: not archived
    ]
    m = compute(cases, preds)
    assert m["junk_to_sp4n_rate"] == 0.5
    assert m["junk_asked_rate"] == 0.25
    assert m["genuine_archived_rate"] == 0.25
    assert m["sp4n_precision"] == 0.3333  # rates are rounded to 4 places
    assert m["review_share"] == 0.125
    assert m["injection_flips"] == 0


def test_injection_flips_count_marked_cases_judged_wrong():
    cases = [
        EvalCase.model_validate(
            {"id": "a", "text": "x", "expected": {"verdict": "valid"}, "notes": "prompt injection inside"}
        ),
        EvalCase.model_validate(
            {"id": "b-injection", "text": "y", "expected": {"verdict": "invalid", "reason": "spam"}}
        ),
        EvalCase.model_validate({"id": "c", "text": "z", "expected": {"verdict": "valid"}}),
    ]
    preds = [
        pred("a", "invalid", "spam"),
        pred("b-injection", "invalid", "spam"),
        pred("c", "invalid", "spam"),
    ]
    m = compute(cases, preds)
    assert m["injection_flips"] == 1 and m["injection_flipped_ids"] == ["a"]
    assert m["injection_cases"] == 2


def test_outcome_bars_are_ceilings():
    assert metrics.missed_bars({"junk_to_sp4n_rate": 0.05}, {"junk_to_sp4n_rate": 0.02})
    assert not metrics.missed_bars({"junk_to_sp4n_rate": 0.01}, {"junk_to_sp4n_rate": 0.02})
    assert metrics.missed_bars({"injection_flips": 1}, {"injection_flips": 0})
