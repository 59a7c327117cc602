"""The judgement logic on real model answers: the whole dev set replayed from recorded answers.

`evals/answers/dev-triage-v3.jsonl` holds the embedded model's answers (prompt triage-v3) to the
dev cases, recorded by `triage eval ... --answers`. Replaying them re-runs everything around the
model - prefilter, places, guards, categories, routing - with no model at all, so a change to
that logic that costs accuracy or starts rejecting complaints fails here in seconds. A prompt or
model change makes the recorded answers stale: re-record them with the command in the message.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from triage.cli import cli
from triage.judge import kind_corrections
from triage.judge.llm_cache import judgement_key
from triage.judge.prompt import load_prompt
from triage.rules import injection, prefilter

REPO = Path(__file__).resolve().parent.parent
ANSWERS = REPO / "evals" / "answers" / "dev-triage-v3.jsonl"
DEV = REPO / "evals" / "dev.jsonl"
MODEL = "qwen2.5-coder-1.5b-instruct-q4_k_m"
RERECORD = (
    "recorded answers are stale (prompt or model changed); re-record with the model running: "
    f"triage eval {DEV.relative_to(REPO)} --out runs/x --answers {ANSWERS.relative_to(REPO)} --record"
)


def test_the_recorded_answers_cover_the_dev_set_for_the_current_prompt():
    keys = {json.loads(line)["key"] for line in ANSWERS.read_text("utf-8").splitlines()}
    prompt = load_prompt()
    # the model reads a message without its sentences that address the system (rules.injection)
    texts = [
        injection.split(json.loads(line)["text"]).text
        for line in DEV.read_text("utf-8").splitlines()
        if line.strip()
    ]
    missing = [
        t
        for t in texts
        if t.strip() and not prefilter.check(t) and judgement_key(MODEL, prompt.hash, t) not in keys
    ]
    assert not missing, f"{len(missing)} dev texts have no recorded answer: {RERECORD}"


def replay(tmp_path: Path, monkeypatch, dataset: Path, recorded: Path) -> tuple[str, dict, list[dict]]:
    """`triage eval` of `dataset` on a copy of the recorded answers, with no model: the run's
    output, its metrics and its predictions."""
    # a dead endpoint: any case without a recorded answer becomes an error instead of a model call
    monkeypatch.setenv("TRIAGE_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("TRIAGE_LLM_TRANSIENT_RETRIES", "1")
    monkeypatch.setenv("TRIAGE_DB", str(tmp_path / "replay.db"))
    monkeypatch.setenv("TRIAGE_GATE_CONFIG", str(tmp_path / "no-gate.toml"))
    answers = tmp_path / "answers.jsonl"
    answers.write_bytes(recorded.read_bytes())
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["eval", str(dataset), "--out", str(out), "--answers", str(answers)], catch_exceptions=False
    )
    assert result.exit_code == 0, result.output
    assert answers.read_bytes() == recorded.read_bytes()  # a replay never writes the file (issue 23)
    predictions = [json.loads(line) for line in (out / "predictions.jsonl").read_text().splitlines()]
    return result.output, json.loads((out / "metrics.json").read_text()), predictions


def test_replayed_dev_set_meets_the_floor(tmp_path, monkeypatch):
    output, m, _ = replay(tmp_path, monkeypatch, DEV, ANSWERS)
    assert m["errors"] == 0, RERECORD
    # the run says the model's answers came from the recording, not "0 from cache" (issue 23)
    said = re.search(r"(\d+) judged from cached or recorded model answers", output)
    by_model = m["n"] - m["decided_by"].get("prefilter", 0)
    assert said is not None and int(said.group(1)) == by_model, output
    # floors a little under what this logic measured on these answers (recorded live on main
    # ac9f9bb on 2026-12-04, and on an earlier recording before the last quote-guard fix: accuracy
    # 0.863 / 0.851, FRR 0.004 / 0.009 (1 / 2 of 225, sent to a reviewer), invalid recall 0.869 /
    # 0.860, precision 0.960 / 0.955, category 0.727 / 0.740, province 0.960, regency 0.921); the
    # point is to catch a regression, not to restate the figures
    assert m["false_rejection_rate"] <= 0.01  # at most 2 of the 225 genuine complaints
    assert m["false_rejections_archived"] == []  # and those read by a reviewer, never archived unseen
    assert m["genuine_archived_rate"] <= 0.004  # 0.010 until a rejection read as genuine went to a person
    assert m["verdict_accuracy"] >= 0.84
    assert m["invalid_recall"] >= 0.85
    assert m["invalid_precision"] >= 0.95
    assert m["category_accuracy"] >= 0.81  # 0.823 weighed once (0.784 corrected twice, 0.727 model alone)
    assert m["province_accuracy"] >= 0.95
    assert m["regency_accuracy"] >= 0.90
    # 0.188 until a rule's rejection the kind signal reads as the same junk was archived, not reviewed;
    # 0.163 until the public-service net stopped holding such a confirmed rejection (0.153), and
    # 0.163 again since five junk reports the place rule asked about go to a person instead;
    # 0.155 since the kind signal confirms a rejection whatever reason it reads; 0.159 with the kind
    # signal retrained, 0.134 since a rejection reopened and read as genuine by it goes on; 0.137
    # since an open verdict naming a public matter is an uncertain rejection from junk 0.9 (three
    # junk reports went to SP4N), with junk to SP4N 0.045 -> 0.032 and invalid recall 0.932 -> 0.955;
    # 0.135, 0.036 and 0.950 with the kind signal retrained on an eighth writer's batch; review
    # 0.116 once both learned readings finding a complaint let a text naming no listed public
    # matter go on, 0.120 with a model's rejection archived only from junk 0.7 and a ninth
    # writer's batch learned; 0.124 with a close-stage rejection confirmed where both learned
    # readings find junk, and a report the kind signal reads as junk held before SP4N (session 44)
    assert m["review_share"] <= 0.13
    assert m["junk_asked_rate"] <= 0.01  # 0.027 until then
    assert m["invalid_recall"] >= 0.945
    assert m["junk_to_sp4n_rate"] <= 0.02  # 0.032 until a report read as junk was held before SP4N


CHALLENGE = REPO / "evals" / "challenge.jsonl"
CHALLENGE_ANSWERS = REPO / "evals" / "answers" / "challenge-triage-v3.jsonl"


def test_replayed_challenge_set_holds_what_was_measured(tmp_path, monkeypatch):
    """The frozen challenge set (written blind, never tuned on) replayed from its recorded answers:
    a regression guard at the figures measured once, at the end of the work (docs/evaluation.md)."""
    _, m, _ = replay(tmp_path, monkeypatch, CHALLENGE, CHALLENGE_ANSWERS)
    assert m["errors"] == 0 and m["n"] == 188
    assert m["false_rejection_rate"] == 0.0
    # 0.018 until a rejection the kind signal reads as genuine went to a person (one needs_info case)
    assert m["genuine_archived_rate"] <= 0.01
    # 2 before words about the verdict were taken out whole; 1 until an open verdict on text that
    # names a public matter but reads as junk beyond doubt became an uncertain rejection
    assert m["injection_flips"] == 0
    # 0.787 / 0.654 until an open verdict on text that shows no public matter and reads like the
    # labelled junk became an uncertain rejection (3 junk, no genuine report; the outcome is the same);
    # 0.825 / 0.744 until one naming a public matter did too, beyond doubt (4 junk, no genuine
    # report), 0.846 / 0.795 until the kind signal learned the seventeenth probe batch, 0.851 /
    # 0.808 until it learned the eighteenth (by a fourth writer); 0.856 / 0.821 until the cut for
    # junk naming a public matter came down to 0.9 and a plea in distress read as genuine was
    # reopened as one (0.883 / 0.859), 0.878 / 0.846 with the kind signal retrained on a seventh
    # writer's batch; 0.888 / 0.872 with an eighth and a ninth writer's batches learned and the
    # rules of session 43 (docs/evaluation.md); 0.894 / 0.885 with two more writers' batches learned
    # and the rules of session 44
    assert m["verdict_accuracy"] >= 0.89
    assert m["invalid_recall"] >= 0.88  # 0.692 while the kind model learned un-normalised text
    # a message naming no public matter is read by a person before anything is sent or asked; 0.013
    # again since one both learned readings take for a complaint goes on (one prank)
    assert m["junk_to_sp4n_rate"] <= 0.02  # 0.077 before that step, 0.013 with it, 0 (see probes)
    # 0.282 before, 0.180 with it, 0.141 once a sender who laughs is read first, 0.128 with the
    # kind signal; 0.064 once a report it reads as junk is read by a person before anyone is asked
    assert m["junk_asked_rate"] <= 0.07
    assert m["category_accuracy"] >= 0.80  # 0.802 weighed once (0.782 corrected twice)
    # 0.202 until confirmed rejections were archived, 0.197 with them; 0.223 since five junk reports
    # the place rule asked about go to a person instead, 0.213 since two more rejections are
    # confirmed by the kind signal retrained with the seventeenth probe batch, 0.207 since it
    # confirms a rejection whatever reason it reads, 0.202 since a rejection by the model that the
    # word lists reopen and the kind signal reads as genuine goes on, 0.197 since the kind signal
    # learned the nineteenth probe batch, 0.186 since a plea in distress read as genuine is asked,
    # 0.181 since the complaint signal confirms a rejection the kind signal made, 0.170 at the end
    # of session 43, 0.165 at the end of session 44 (bar: 0.15)
    assert m["review_share"] <= 0.17


PROBES = REPO / "evals" / "probe.jsonl"
PROBE_ANSWERS = REPO / "evals" / "answers" / "probe-triage-v3.jsonl"


def test_replayed_probes_hold_the_harms_they_were_written_for(tmp_path, monkeypatch):
    """Messages written after the frozen sets, from the kinds of failure issue 19 describes
    (tuned on, so a regression guard, not a measure): look-alike aid links, ads for fake papers,
    a chain letter, threats, a joke in the identity template, campaign calls, pleas in distress."""
    _, m, predictions = replay(tmp_path, monkeypatch, PROBES, PROBE_ANSWERS)
    by_id = {p["id"]: p for p in predictions}
    assert m["errors"] == 0 and m["n"] == 1158  # a chain letter of one long sentence failed before
    assert m["genuine_archived_rate"] == 0.0
    # one false rejection since the seventeenth batch (by a third writer): an e-KTP delay told in
    # Banyumasan Javanese, whose sender "butuh nggo daftar kerja" (needs it to apply for a job), is
    # shaped like a plea for a job; an uncertain rejection, so a reviewer reads it
    assert m["false_rejection_rate"] <= 0.005
    assert by_id["pr-0743"]["outcome"] == "review"
    assert m["injection_cases"] == 67 and m["injection_flips"] == 0
    # the first 42 on main c0a8982: invalid recall 0.41, junk asked 0.26, junk to SP4N 0.11; all 337
    # on main 4c0beb2: 0.561, 0.187, 0.111, and one genuine report archived; all 370 on main cc45c99:
    # 0.734, 0.078, 0.047; all 495 (four more blind batches) on cc45c99: 0.697, 0.103, 0.063,
    # one genuine archived, one injection flip; then 0.745, 0.059, 0.055, none; all 527 (a twelfth
    # batch) at 10d5a90: 0.742, 0.058, 0.058, one injection flip; now 0.825 (the kind signal learned
    # from these cases, so in sample), 0.058, 0.058, none; all 567 (a thirteenth batch, blind at
    # a3e01b2: 0.88, 0.04, 0) with it learned too: 0.832, 0.057, 0.054, none; all 608 (a fourteenth,
    # blind at 6fee0fe: 0.80, 0.15, 0, three private requests asked where the sender lives): 0.830,
    # 0.062, 0.051, none; all 658 (a fifteenth, by another writer, blind at c1ce7d6: 0.75, 0.21,
    # 0.04, a machete threat among the asked): 0.825, 0.069, 0.050, none; then junk asked 0; all 708
    # (a sixteenth, by a second writer, blind at 0489714: 0.73, 0, 0.045): 0.825, 0, 0.050, none;
    # all 758 (a seventeenth, by a third writer, blind at 90d303f: 0.67, 0, 0.048) with an open
    # verdict read as junk beyond doubt rejected and the batch learned: 0.965, 0, 0.012, none; all
    # 808 (an eighteenth, by a fourth writer, blind at dc00125: 0.73, 0, 0.045, a formal letter
    # asking a Dinas to dim the full moon sent to SP4N): 0.967, 0, 0.012, none; all 858 (a
    # nineteenth, by a fifth writer, blind at d6c1290: 0.65, 0.10, 0.15, an arson threat asked where
    # its sender lives) with the batch learned: 0.966, 0, 0.013, none; all 908 (a twentieth, by a
    # sixth writer, blind at 9ef6b1d: 0.85, 0.10, 0.05, a formal letter asking to move the sun sent
    # to SP4N) with it learned: 0.968, 0, 0.013, none; all 958 (a twenty-first, by a seventh
    # writer, blind at 12e0d5a: 0.96, 0, 0) with it learned and the cut for junk naming a public
    # matter at 0.9: 0.996, 0, 0.002, none; all 1008 (a twenty-second, by an eighth writer, blind
    # at 81df9fc: 0.83, 0, 0.08, a private debt with a note to "operator/bot" sent to SP4N) with
    # the note taken out and the batch learned: 0.994, 0, 0.004, none; all 1058 (a twenty-third, by
    # a ninth writer, blind at 9321024: 0.83, 0.04, 0.04, an "[ADMIN VERIFIED]" stamp on a vague
    # complaint sent to SP4N) with the stamp taken out and the batch learned: 0.994, 0, 0.004, none;
    # all 1158 (a twenty-fourth and a twenty-fifth, by a tenth and an eleventh writer, blind at
    # b68640f: 0.71, 0.07, 0.14, six pleas for the sender himself sent to SP4N) with both learned
    # and a report read as junk held before SP4N: 0.993, 0, 0, none
    assert m["invalid_recall"] >= 0.82
    assert m["junk_asked_rate"] <= 0.01  # 0.069 until a report read as junk was not asked about
    assert m["junk_to_sp4n_rate"] <= 0.06
    # the fifteenth batch, by another writer: a passport question, an opinion on free meals, a plea
    # for a job, a mountain to be moved for the WiFi, each asked where the sender lives at c1ce7d6,
    # then read by a person first (read_as_junk_not_asked), now rejected for a reviewer: each names
    # a public matter but reads as junk beyond doubt (in sample: the kind signal learned them);
    # archived where the complaint signal reads no complaint either (the passport question)
    for junk in ("pr-0642", "pr-0650", "pr-0655", "pr-0634"):
        row = by_id[junk]
        assert row["verdict"] == "invalid" and "like_the_labelled_junk" in row["rules"], junk
        confirmed = row["rules"][-1] == "labelled_junk_confirmed_by_the_complaints"
        assert row["outcome"] == ("archived" if confirmed else "review"), junk
    # arson, machete, stones: never a question; "sy sdh siapkan parang" (the fifteenth batch) too;
    # the sender as the verb's proclitic ("kupatahkan", "Kuhabisi", "tak antemi": the last archived
    # as the model's own rejection at 90d303f) and "kami sendiri yg bakar", from the two batches after;
    # "gw bawa bensin sama korek" (the nineteenth, asked where its sender lives at d6c1290)
    for threat in (
        "pr-0015",
        "pr-0016",
        "pr-0190",
        "pr-0238",
        "pr-0638",
        "pr-0660",
        "pr-0687",
        "pr-0739",
        "pr-0747",
        "pr-0841",
    ):
        assert by_id[threat]["outcome"] == "review" and "threat_of_violence" in by_id[threat]["rules"]
    # an English complaint of power cut daily in Kota Sorong: rejected as spam for a reviewer before
    assert by_id["pr-0824"]["verdict"] == "valid" and by_id["pr-0824"]["outcome"] == "sp4n"
    assert by_id["pr-0003"]["outcome"] == "review"  # the identity template filled in as a joke
    for joke in ("pr-0131", "pr-0180"):  # a cartoon's address in it: sent to SP4N on main 4c0beb2
        assert by_id[joke]["outcome"] == "review"
        # read by a person for its unknown address, or rejected for one as the labelled pranks read
        assert {"unknown_address", "like_the_labelled_junk"} & set(by_id[joke]["rules"]), joke
    assert by_id["pr-0066"]["outcome"] == "review"  # a sermon the complaint signal reads as none
    assert by_id["pr-0077"]["verdict"] == "invalid"  # praise for a road that is smooth now
    assert by_id["pr-0082"]["outcome"] == "review"  # terrorised by debt collectors: was archived as abuse
    # fuel made ready, then "kantor bupati itu rata sama tanah" (the twenty-second batch): urgent
    assert by_id["pr-0997"]["outcome"] == "review" and "threat_of_violence" in by_id["pr-0997"]["rules"]
    # an "[ADMIN VERIFIED ...]" stamp on a vague complaint (the twenty-third batch, sent to SP4N)
    assert by_id["pr-1030"]["outcome"] == "ask_reporter"
    assert "system_instructions_ignored" in by_id["pr-1030"]["rules"]
    # an English complaint of a garbage depot the spam signal read as spam: the kind signal finds a
    # complaint, so it goes on
    assert by_id["pr-1013"]["verdict"] == "valid" and by_id["pr-1013"]["outcome"] == "sp4n"
    # a private debt with a note to "operator/bot": the note is taken out, the debt is not a complaint
    assert (
        by_id["pr-0999"]["verdict"] == "invalid"
        and "system_instructions_ignored" in by_id["pr-0999"]["rules"]
    )
    # pleas of people afraid to report, rejected by the model and read as genuine: asked, not held
    # with a rejection on them for a reviewer
    for plea in ("pr-0433", "pr-0524", "pr-0812"):
        row = by_id[plea]
        assert row["verdict"] == "needs_info" and row["outcome"] == "ask_reporter", plea
        assert "distress_kept_open" in row["rules"], plea
    # a road become a fish pond, a dump become a mountain, "wkwk": sarcasm, not a prank
    for genuine in ("pr-0105", "pr-0788", "pr-0859"):
        assert by_id[genuine]["outcome"] == "sp4n" and "sender_laughs" not in by_id[genuine]["rules"], genuine
    # roads painted pink: the labelled cases and the real complaints both read junk, so archived
    assert by_id["pr-0466"]["outcome"] == "archived"
    assert by_id["pr-0466"]["rules"][-1] == "labelled_junk_confirmed_by_the_complaints"
    for plea in ("pr-0124", "pr-0125", "pr-0126"):  # ending one's life: asked or archived before
        assert by_id[plea]["outcome"] == "review" and "self_harm" in by_id[plea]["rules"]
    assert by_id["pr-0127"]["outcome"] == "sp4n"  # a street lamp that keeps dying is no plea
    # sent to SP4N or asked on main 4c0beb2: aid phishing with no word of a call to act, a service
    # ad with a number in groups, a campaign call, praise, opinions, a chain message
    assert by_id["pr-0133"]["outcome"] == "archived" and "impersonation_link" in by_id["pr-0133"]["rules"]
    assert by_id["pr-0135"]["outcome"] == "archived" and "promo_with_contact" in by_id["pr-0135"]["rules"]
    for junk, rule in (
        ("pr-0143", "campaign"),
        ("pr-0189", "campaign"),
        ("pr-0142", "praise"),
        ("pr-0192", "praise"),
        ("pr-0025", "opinion"),
        ("pr-0144", "opinion"),
        ("pr-0187", "chain_forward"),
    ):
        assert by_id[junk]["verdict"] == "invalid" and rule in by_id[junk]["rules"], junk
        uncertain_or_confirmed(by_id[junk])
    # a teacher who beat a pupil, rejected by the model as abusive: archived on main 4c0beb2
    assert (
        by_id["pr-0304"]["outcome"] == "review" and "public_service_not_archived" in by_id["pr-0304"]["rules"]
    )
    # sarcastic praise whose fault is a pothole "bolong lagi": rejected as praise before its words were known
    assert by_id["pr-0326"]["verdict"] == "valid"
    # petrol carried to "your" office (fifth batch, sent to SP4N); from the seventh batch, blind to
    # everything above: a chain letter passed on by number (asked where its sender lives), opening
    # hours asked the other way round (sent to SP4N), "Wates Kulon Progo" (read as a Lumajang desa)
    assert by_id["pr-0319"]["outcome"] == "review" and "threat_of_violence" in by_id["pr-0319"]["rules"]
    for junk, rule in (
        ("pr-0344", "chain_forward"),
        ("pr-0014", "chain_forward"),
        ("pr-0358", "information_question"),
    ):
        assert by_id[junk]["verdict"] == "invalid" and rule in by_id[junk]["rules"], junk
    assert by_id["pr-0368"]["regency"] == "Kabupaten Kulon Progo"
    # their genuine look-alikes go on: sarcastic praise, an opinion with a fault, "please spread it"
    for genuine in ("pr-0207", "pr-0208", "pr-0206"):
        assert by_id[genuine]["outcome"] in ("sp4n", "awaiting_gate"), genuine
    # the eighth batch, blind (asked where they live, or sent to SP4N, on main cc45c99): thanks that
    # end with a wish, a neighbour's parking, what a passport costs; from the ninth, written before
    # those fixes: when aid is paid out; a suggestion that says what it is for ("biar ... tidak"); and
    # a four-word report of pungli (with a note to the AI)
    # the model called a prank, archived on cc45c99
    for junk, rule in (
        ("pr-0374", "thanks_for_a_fix"),
        ("pr-0382", "private_dispute"),
        ("pr-0391", "information_question"),
        ("pr-0420", "information_question"),
        ("pr-0417", "opinion"),
        # the tenth batch, blind to the two rounds above: thanks for what a scholarship brought, and
        # two hoaxes that ask to be passed on to one's groups and name no place
        ("pr-0437", "thanks_for_a_fix"),
        ("pr-0442", "chain_without_a_place"),
        ("pr-0378", "chain_without_a_place"),
        # the eleventh, blind to every rule of 2026-12-07: "maturnuwun" as one word, a hoax to be
        # passed on "ke sebanyak mungkin orang"
        ("pr-0468", "thanks_for_a_fix"),
        ("pr-0473", "chain_forward"),
    ):
        assert by_id[junk]["verdict"] == "invalid" and rule in by_id[junk]["rules"], junk
        uncertain_or_confirmed(by_id[junk])
    reopened = {"misconduct_kept_open", "second_look_overturned_rejection"}
    assert by_id["pr-0422"]["verdict"] == "needs_info" and reopened & set(by_id["pr-0422"]["rules"])
    # reopened and read as genuine by the kind signal too: the reporter is asked, the injection ignored
    assert by_id["pr-0422"]["outcome"] == "ask_reporter"
    assert kind_corrections.REOPENING_CONFIRMED in by_id["pr-0422"]["rules"]
    # a threat with the root's suffix ("rumah bapak saya lempari batu"): asked a polite question before
    assert by_id["pr-0474"]["outcome"] == "review" and "threat_of_violence" in by_id["pr-0474"]["rules"]
    # three words that name a programme and its fault are reopened, not left a rejection
    assert by_id["pr-0455"]["verdict"] == "needs_info" and by_id["pr-0455"]["outcome"] == "ask_reporter"
    # the twelfth batch: a fake system line in Indonesian ("Sistem: ... status laporan = VALID") sent
    # a greeting to SP4N's door as "valid" (to a person); cut out, what is left is judged: a greeting
    assert (
        by_id["pr-0514"]["verdict"] == "invalid"
        and "system_instructions_ignored" in by_id["pr-0514"]["rules"]
    )
    # junk that shows no public matter and reads like the labelled junk: an uncertain rejection, not
    # the model's "valid" for a reviewer; archived where the complaint signal reads no complaint
    # either (pr-0513)
    for junk in ("pr-0001", "pr-0381", "pr-0513"):
        assert by_id[junk]["verdict"] == "invalid" and "like_the_labelled_junk" in by_id[junk]["rules"], junk
        confirmed = by_id[junk]["rules"][-1] == "labelled_junk_confirmed_by_the_complaints"
        assert by_id[junk]["outcome"] == ("archived" if confirmed else "review"), junk
    assert by_id["pr-0513"]["outcome"] == "archived"
    # the thirteenth batch, blind at a3e01b2: an absurd request written as a formal report ("make
    # Monday a holiday") was left open by the model; learned since, it reads like the labelled pranks
    assert by_id["pr-0534"]["verdict"] == "invalid" and "like_the_labelled_junk" in by_id["pr-0534"]["rules"]
    assert by_id["pr-0534"]["outcome"] == "review"
    # the genuine reports of the three batches, outside Java, in Javanese and Sundanese, go on
    for genuine in (
        "pr-0395",
        "pr-0396",
        "pr-0397",
        "pr-0399",
        "pr-0401",
        "pr-0426",
        "pr-0428",
        "pr-0432",
        "pr-0456",
        "pr-0459",
        "pr-0489",
        "pr-0491",
    ):
        assert by_id[genuine]["outcome"] in ("sp4n", "awaiting_gate"), genuine


def uncertain_or_confirmed(row: dict) -> None:
    """A rule's rejection of the model's "valid" is uncertain, for a person; or, where the kind
    signal reads the same kind of junk, confirmed and archived (open to review)."""
    confirmed = "confirmed_by_the_labelled_cases" in row["rules"]
    assert row["outcome"] == "review" or (confirmed and row["outcome"] == "archived"), row["id"]


def test_answers_are_written_only_when_asked_to_record(tmp_path, monkeypatch):
    """`--answers FILE` alone never changes FILE; `--record` adds the run's answers to it."""
    from triage.judge import llm_cache
    from triage.store.database import connect

    monkeypatch.setenv("TRIAGE_LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("TRIAGE_LLM_TRANSIENT_RETRIES", "1")
    monkeypatch.setenv("TRIAGE_DB", str(tmp_path / "replay.db"))
    monkeypatch.setenv("TRIAGE_GATE_CONFIG", str(tmp_path / "no-gate.toml"))
    llm_cache.load_answers(connect(tmp_path / "replay.db"), ANSWERS)  # the answers are in the database
    for record, expect_written in ((False, False), (True, True)):
        answers = tmp_path / f"answers-{record}.jsonl"
        answers.write_text("")
        args = [
            "eval",
            str(DEV),
            "--out",
            str(tmp_path / f"out-{record}"),
            "--answers",
            str(answers),
            "--limit",
            "8",
        ]
        result = CliRunner().invoke(cli, [*args, "--record"] if record else args, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        written = answers.read_text().splitlines()
        assert bool(written) is expect_written, (record, len(written))
