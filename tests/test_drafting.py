"""Answer-shape drafting: what it proposes after a partial answer, learned from the prompt's examples."""

from __future__ import annotations

import json

import pytest

from triage.judge.prompt import load_prompt
from triage.model.drafting import Shapes, draft_text, quote_allows, scan
from triage.model.server import as_the_grammar_allows, schema_enums, schema_keys, split_chat

ENUMS = schema_enums()
KEYS = schema_keys()
# as the server learns them: the examples as the grammar lets the model write them
EXAMPLES = [
    as_the_grammar_allows(m["content"], KEYS)
    for m in load_prompt(None).messages("x")
    if m["role"] == "assistant"
]
SHAPES = Shapes.of(EXAMPLES, ENUMS)
MESSAGE = "Pak, jalan di desa Sukamaju kec. Cibadak rusak parah sudah 2 tahun, banyak lubang"


def test_schema_enums_are_the_answer_fields_with_fixed_values():
    assert ENUMS["verdict"] == ["valid", "needs_info", "invalid"]
    assert "out_of_scope" in ENUMS["reason"] and "location" in ENUMS["missing_fields"]
    assert len(ENUMS["category"]) == 38 and "KESEHATAN" in ENUMS["category"]
    assert "title" not in ENUMS and "evidence" not in ENUMS


def test_skeleton_keeps_keys_and_enum_values_and_drops_free_text():
    state = scan('{"reasons":[{"statement":"Jalan rusak","evidence":"rusak"}],"verdict":"valid"', ENUMS)
    assert state.skeleton == '{"reasons":[{"statement":"","evidence":""}],"verdict":"valid"'
    assert not state.in_string


def test_state_inside_a_value_knows_its_key_and_what_is_written():
    state = scan('{"reasons":[{"statement":"Jalan ru', ENUMS)
    assert (state.in_string, state.is_key, state.key, state.content) == (True, False, "statement", "Jalan ru")
    items = scan('{"missing_fields":["loc', ENUMS)
    assert items.key == "missing_fields" and items.content == "loc"


def test_structure_between_values_comes_from_the_examples():
    text, sure = draft_text(
        '{"reasons":[{"statement":"Jalan rusak","evidence":"rusak parah"', SHAPES, MESSAGE, ENUMS
    )
    assert (text, sure) == ('}],"verdict":"', True)
    text, _ = draft_text('{"reasons":[{"statement":"x","evidence":"y"}],"verdict":"valid"', SHAPES, "", ENUMS)
    assert text.startswith(',"reason":null,"missing_fields":[]')
    text, _ = draft_text(
        '{"reasons":[{"statement":"x","evidence":"y"}],"verdict":"invalid"', SHAPES, "", ENUMS
    )
    assert text == ',"reason":"'


def test_an_enum_value_is_finished_once_its_first_letters_decide_it():
    head = '{"reasons":[{"statement":"x","evidence":"y"}],"verdict":"valid","reason":null,'
    head += '"missing_fields":[],"complaint":{"category":"PEK'
    text, sure = draft_text(head, SHAPES, MESSAGE, ENUMS)
    assert text.startswith('ERJAAN UMUM DAN PENATAAN RUANG","regency":') and sure
    # "PE" begins several categories: only their common part, and the value is left open
    text, _ = draft_text(head[:-1], SHAPES, MESSAGE, ENUMS)
    assert text == ""
    text, _ = draft_text(head.replace('"category":"PEK', '"category":"PERT'), SHAPES, MESSAGE, ENUMS)
    assert text == "ANIAN DAN PETERNAKAN" + '","regency":"'


def test_a_quote_being_copied_continues_with_the_message_words():
    text, sure = draft_text(
        '{"reasons":[{"statement":"x","evidence":"jalan di desa Suka', SHAPES, MESSAGE, ENUMS
    )
    assert text.startswith("maju kec. Cibadak") and not sure
    # a statement in the model's own words is not guessed
    text, _ = draft_text('{"reasons":[{"statement":"Warga mengeluhkan', SHAPES, MESSAGE, ENUMS)
    assert text == ""


def test_the_drafter_learns_the_examples_without_the_title_the_grammar_forbids():
    raw = [m["content"] for m in load_prompt(None).messages("x") if m["role"] == "assistant"]
    assert any('"title":' in a for a in raw)  # the prompt's examples still show one
    assert not any('"title":' in a for a in EXAMPLES)
    assert "title" not in KEYS and {"category", "regency", "urgent", "statement"} <= KEYS
    # everything else is kept byte for byte
    assert [a for a in raw if '"title":' not in a] == [a for a in EXAMPLES if a in raw]
    # an example that is not compact JSON is not rewritten
    assert as_the_grammar_allows('{"verdict": "valid", "title": "x"}', KEYS) == (
        '{"verdict": "valid", "title": "x"}'
    )
    # after the complaint opens, the category is proposed, never a title
    head = '{"reasons":[{"statement":"x","evidence":"y"}],"verdict":"valid","reason":null,'
    head += '"missing_fields":[],"complaint":{"'
    assert draft_text(head, SHAPES, MESSAGE, ENUMS)[0].startswith('category":"')


def test_a_value_is_guessed_from_an_earlier_one_it_restates_as_the_examples_do():
    # the shipped examples, as the grammar allows them, restate nothing
    assert SHAPES.echoes == {}
    shapes = Shapes.of(
        [
            '{"statement":"Jalan rusak parah","title":"Jalan rusak"}',
            '{"statement":"Listrik padam 3 hari","title":"Listrik padam"}',
            '{"statement":"Air PDAM mati","title":"Warga tanpa air"}',
        ],
        {},
    )
    assert shapes.echoes == {"title": "statement"}  # two answers in three restate it
    head = '{"statement":"Bansos PKH tidak cair 6 bulan di Desa Kaliwungu","title":"'
    text, sure = draft_text(head, shapes, MESSAGE, {})
    assert text.startswith("Bansos PKH tidak cair") and not sure
    # while the value still restates it (case aside), its next words; once it departs, no guess
    text, _ = draft_text(head + "bansos PKH tidak", shapes, MESSAGE, {})
    assert text.startswith(" cair 6 bulan")
    text, _ = draft_text(head + "Bantuan sosial", shapes, MESSAGE, {})
    assert text == ""
    # the first value has nothing earlier to restate
    assert draft_text('{"statement":"', shapes, MESSAGE, {})[0] == ""


def test_echoes_need_most_answers_to_agree():
    shapes = Shapes.of(
        [
            '{"a":"Jalan rusak","b":"Jalan berlubang"}',
            '{"a":"Listrik padam","b":"Warga mengeluh"}',
            '{"a":"Air mati","b":"Tidak ada air"}',
        ],
        {},
    )
    assert shapes.echoes == {}  # one answer in three is not a habit
    assert Shapes.of(['{"a":"X y","b":"X z"}', '{"a":"P q","b":"P r"}'], {}).echoes == {"b": "a"}


@pytest.mark.parametrize("held_out", range(len(EXAMPLES)))
def test_most_of_an_unseen_answer_is_drafted_right(held_out: int):
    """Leave one example answer out and write it one character at a time: how much of it would
    have been drafted right? A drafter that learned nothing predicts nothing."""
    answer = json.dumps(json.loads(EXAMPLES[held_out]), ensure_ascii=False, separators=(",", ":"))
    others = Shapes.of([e for i, e in enumerate(EXAMPLES) if i != held_out], ENUMS)
    predicted, at = 0, 1
    while at < len(answer):
        text, _ = draft_text(answer[:at], others, "", ENUMS)
        agree = 0
        while agree < len(text) and at + agree < len(answer) and text[agree] == answer[at + agree]:
            agree += 1
        predicted += agree
        at += max(1, agree)  # the model writes the next character itself
    free = sum(len(r["statement"]) + len(r["evidence"]) for r in json.loads(answer)["reasons"])
    assert predicted >= 0.6 * (len(answer) - free) - 20


def test_split_chat_reads_chatml_turns():
    text = (
        "<|im_start|>system\nrules<|im_end|>\n<|im_start|>user\nA<|im_end|>\n"
        '<|im_start|>assistant\n{"a":1}<|im_end|>\n<|im_start|>user\n<pesan>\nB\n</pesan><|im_end|>\n'
    )
    assert split_chat(text) == (['{"a":1}'], "<pesan>\nB\n</pesan>")
    # a re-ask appends the refused answer and the error; the message to quote stays the citizen's
    reask = (
        text
        + '<|im_start|>assistant\n{"b":2}<|im_end|>\n<|im_start|>user\nevidence "X" is not in it<|im_end|>\n'
    )
    assert split_chat(reask) == (['{"a":1}', '{"b":2}'], "<pesan>\nB\n</pesan>")


@pytest.fixture(scope="module")
def vocab():
    """The embedded model's tokenizer alone (no weights, no threads: not a second model process)."""
    llama_cpp = pytest.importorskip("llama_cpp")
    from triage.config import Settings
    from triage.model.embedded import model_path

    return llama_cpp.Llama(str(model_path(Settings())), vocab_only=True, verbose=False)


def test_the_drafter_proposes_tokens_that_spell_the_continuation(vocab):
    import numpy as np

    from triage.model.server import AnswerContext, AnswerDrafter

    prompt = load_prompt(None)
    chat = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in prompt.messages(MESSAGE))
    answer = (
        '{"reasons":[{"statement":"Jalan rusak","evidence":"rusak parah sudah 2 tahun"}],"verdict":"valid"'
    )
    ids = vocab.tokenize((chat + "<|im_start|>assistant\n" + answer).encode(), add_bos=False, special=True)
    drafter = AnswerDrafter(AnswerContext(vocab, ENUMS), max_tokens=12)
    drafted = drafter(np.array(ids, dtype=np.intc))
    text = vocab.detokenize(drafted.tolist()).decode()
    assert 0 < len(drafted) <= 12
    assert text.startswith(
        ',"reason":null'
    ) and ',"reason":null,"missing_fields":[],"complaint":{"category":"'.startswith(text)
    # outside an answer (the user's turn) nothing is drafted
    assert len(drafter(np.array(ids[: ids.index(drafter.context.im_start, 5)], dtype=np.intc))) == 0


def test_a_fault_in_drafting_drafts_nothing_instead_of_failing_the_request(vocab, monkeypatch):
    import numpy as np

    from triage.model import drafting
    from triage.model.server import AnswerContext, AnswerDrafter

    def broken(*args: object) -> tuple[str, bool]:
        raise RuntimeError("a bug in the drafter")

    prompt = load_prompt(None)
    chat = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in prompt.messages(MESSAGE))
    ids = np.array(
        vocab.tokenize((chat + '<|im_start|>assistant\n{"reasons":[{').encode(), add_bos=False, special=True),
        dtype=np.intc,
    )
    drafter = AnswerDrafter(AnswerContext(vocab, ENUMS), max_tokens=12)
    assert vocab.detokenize(drafter(ids).tolist()).decode() == '"statement":"'
    monkeypatch.setattr(drafting, "draft_text", broken)
    assert len(drafter(ids)) == 0


@pytest.mark.parametrize(
    ("content", "piece", "allowed"),
    [
        ("", "jalan", True),
        ("jalan", " rusak", True),
        ("Jalan Rusak", " parah", True),  # case and spacing as the validator compares them
        ("jalan rusak", " parah buanget", False),  # a paraphrase: not in the message
        ("rusak", '"}', True),  # a quote may close once it says something
        ("", '"', False),  # but not empty
        ("rusak sekali", '"', False),
        ("rusak par", '"', False),  # not in the middle of a word
        ("usak parah", '"', False),
        ("rusak parah", '",', True),
        ("jalan", "\\", True),  # an escape is judged when complete
        ("jalan", " ", True),
        ("jala", " ", False),  # a space must be where the message has one ("jalan", not "jala ")
        ("jala ", "n", False),
        ("jalan", "\\n", True),  # a newline escape folds to the message's space
        ("rusak parah", '"\n', True),  # a newline after the closing mark is outside the string
        ("jalan ", " ", True),  # the double spaces of typed messages are copied
        ("jalan\\n", "\\n", True),
        ("jalan", " rusak\\", True),
    ],
)
def test_a_quote_may_only_grow_into_a_stretch_of_the_message(content, piece, allowed):
    from triage.schema import fold_for_quote

    message = fold_for_quote("Pak, jalan  rusak parah sudah 2 tahun di desa kami")
    assert quote_allows(content, piece.encode(), message, fold_for_quote) is allowed


@pytest.mark.parametrize(
    ("content", "piece"),
    [
        ("jalan", "\n"),  # a raw newline inside a string: the answer would not be JSON
        ("jalan", "\t rusak"),
        ("jalan  ", " "),  # a third whitespace in a row adds nothing the validator sees
        ("jalan", "   rusak"),
        ("jalan ", "\\n\\n"),
        ("jalan\\n\\n", "\\n"),
        ("jalan", "\\u0000"),  # a complete escape is judged like any other character
        ("jalan\\u00", "00"),
        ("jalan", "\\u0000\\u00"),  # what comes before an escape begun is judged at once
        ("jalan", " parah\\"),
        ("jalan", '\\"rusak'),  # an escaped quote mark continues the quote, it does not close it
    ],
)
def test_a_quote_cannot_grow_by_what_the_validator_cannot_read_or_does_not_see(content, piece):
    """Live, one answer's quote ran "utang  " into raw newlines and, asked again, "te" into
    "\\u0000" escapes until the length limit (hw-0137); another ended in 45 newline escapes (lg-0118):
    every escape was let through unjudged, and a raw control character made the quote unreadable,
    which also read as allowed."""
    from triage.schema import fold_for_quote

    message = fold_for_quote("Pak, jalan  rusak parah\n\nsudah 2 tahun di desa kami")
    assert not quote_allows(content, piece.encode(), message, fold_for_quote)


def test_an_escaped_quote_mark_is_part_of_the_quote():
    from triage.schema import fold_for_quote

    message = fold_for_quote('Kata petugas "nanti saja" terus, sudah 3 bulan')
    assert quote_allows("petugas ", b'\\"nanti', message, fold_for_quote)
    assert quote_allows('petugas \\"nanti saja', b'\\"', message, fold_for_quote)
    assert not quote_allows("petugas ", b'\\"besok', message, fold_for_quote)
    assert quote_allows('petugas \\"nanti saja\\" terus', b'"', message, fold_for_quote)


def test_a_character_written_in_several_tokens_must_begin_one_the_message_has_next():
    """A byte-level tokenizer writes "۱" (an Arabic-Indic digit) as two tokens of one byte each.
    Letting any half character through let a live answer leave the message after "dana " and run
    on to the length limit in another script's digits."""
    from triage.schema import fold_for_quote

    message = fold_for_quote("dana yg katanya 1 M untuk stiap desa, beli di Café Kopi")
    digit = "۱".encode()
    assert not quote_allows("dana ", digit[:1], message, fold_for_quote)
    assert not quote_allows("dana", b" " + digit[:1], message, fold_for_quote)
    assert not quote_allows("dana", b"\xff", message, fold_for_quote)  # no character begins so
    e_acute = "é".encode()
    assert quote_allows("beli di Caf", e_acute[:1], message, fold_for_quote)
    assert quote_allows("beli di Caf", e_acute[1:], message, fold_for_quote, pending=e_acute[:1])
    assert not quote_allows("beli di Caf", "è".encode()[1:], message, fold_for_quote, pending=e_acute[:1])
    # after a space the message must go on with that character after a space, not inside a word
    assert not quote_allows("di Caf ", e_acute[:1], message, fold_for_quote)


def test_the_quote_guard_knows_when_the_answer_is_inside_a_quote(vocab):
    import numpy as np

    from triage.model.server import AnswerContext, QuoteGuard
    from triage.schema import QUOTE_FIELDS, fold_for_quote

    prompt = load_prompt(None)
    chat = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in prompt.messages(MESSAGE))
    guard = QuoteGuard(AnswerContext(vocab, ENUMS), QUOTE_FIELDS, fold_for_quote)

    def ids(answer: str) -> np.ndarray:
        text = chat + "<|im_start|>assistant\n" + answer
        return np.array(vocab.tokenize(text.encode(), add_bos=False, special=True), dtype=np.intc)

    inside = '{"reasons":[{"statement":"Jalan rusak","evidence":"rusak par'
    assert guard.quote_so_far(ids(inside)) == ("rusak par", b"")
    assert guard.quote_so_far(ids('{"reasons":[{"statement":"Jalan rus')) is None  # free text
    assert guard.quote_so_far(ids(inside + 'ah"}],"verdict":"')) is None  # an enum value
    assert guard.allows("rusak par", b"ah") and not guard.allows("rusak par", b"ahnya")
    assert not guard.allows("", b"pesan>")  # the wrapper around the message is not the message
    # a quote that has left the message (the model went unguarded) is known to have strayed
    assert guard.strayed("rusak parah buanget") and not guard.strayed("Rusak  parah")


def test_the_messages_own_next_words_continue_a_quote_wherever_it_has_them():
    from triage.model.drafting import quote_continuations
    from triage.schema import fold_for_quote

    message = fold_for_quote("lapor pak ada orang ganteng di sini, yaitu saya. ada lagi")
    assert quote_continuations("ad", message, fold_for_quote) == ["a orang ganteng ", "a lagi"]
    assert quote_continuations("Yaitu  saya", message, fold_for_quote) == [". ada lagi"]
    assert quote_continuations("adalah", message, fold_for_quote) == []
