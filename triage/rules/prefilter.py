"""Cheap, deterministic rules for what needs no model: empty, greetings, tests, emoji, bare links, spam.

High precision over recall: a rule fires only when the whole report is of its kind, and nothing
that might be a complaint is rejected here - uncertain text always goes on to the model. Each
rule names itself, and its evidence is a verbatim quote, like the model's reasons.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from triage.rules import lexicon
from triage.rules.guards import complaint_markers
from triage.schema import REASON_MAX_CHARS, InvalidReason, MissingField, Verdict


@dataclass(frozen=True)
class PrefilterHit:
    rule: str
    verdict: Verdict
    reason: InvalidReason | None
    statement: str
    evidence: str
    missing: tuple[MissingField, ...] = ()


# Exact words (not regexes): a message of nothing else is a greeting or a test.
GREETING_WORDS = set(lexicon.words("greetings"))
TEST_WORDS = set(lexicon.words("test_words"))
URL = re.compile(r"(https?://\S+|www\.\S+|\b[\w-]+\.(?:com|id|net|ly|me|co|xyz|io|org)(?:/\S*)?)", re.I)
WORD = re.compile(r"[\w'/]+", re.UNICODE)

# Promotional markers that, together, mark an ad. A citizen reporting gambling or a scam writes
# complaint words instead (COMPLAINT_WORDS), and such text always goes to the model.
GAMBLING = re.compile(rf"\b({lexicon.alternation('gambling')})\b", re.I)
PROMO_ACTION = re.compile(rf"\b({lexicon.alternation('promo_actions')})\b", re.I)
# no closing \b: a promo entry also counts at the start of a longer word ("hadiahnya")
SPAM_TERMS = re.compile(rf"\b({lexicon.alternation('promo')})", re.I)
# Figures of an offer, read on the original text (the leetspeak reading turns "5jt" into letters):
# a struck-through price "(nrml 999rb)" and a data package "14,42GB".
AD_FIGURES = re.compile(r"\b((nrml|normal) ?\d+([.,]\d+)? ?(rb|ribu|k|jt|juta)|\d+([.,]\d+)? ?gb)\b", re.I)
CONTACT = re.compile(
    r"(https?://|www\.|bit\.ly|wa\.me|\b[\w-]+\.(com|id|net|ly|me|xyz)\b|\*\d{2,4}[*#\d]*#|"
    r"\b(hub(ungi)?|sms|wa|whatsapp|telp|tlp|call)\b[^\n]{0,20}\d{6,}|(\+?62|0)8\d{7,11}\b|"
    # a mobile number written in groups: "0812-3456-7890", "+62 812 3456 7890"
    r"(\+?62[- ]?|\b0)8\d{1,3}[- .]\d{3,4}[- .]\d{3,5}\b|"
    r"\bketik\s+\w+|\bbalas\s+\w+|\bhubungi\s+(wa|whatsapp|admin|cs|kami|marketing)\b|"
    r"\binfo ?\d{3,5}\b)",
    re.I,
)
COMPLAINT_WORDS = re.compile(rf"\b({lexicon.alternation('complaint_words')})\b", re.I)
MAX_SPAM_WORDS = 80
# Insults and slurs; entries match word starts ("goblooook"). See lexicon.toml for what is left out.
INSULTS = re.compile(rf"\b({lexicon.alternation('insults')})\w*\b", re.I)
MAX_INSULT_WORDS = 80
# The "mama minta pulsa" scam: top up this (new) number, I'll call you later.
PULSA_SCAM = re.compile(
    r"\b(isi|isiin|isi.?in|isikan|beli|belikan|beliin|kirim|kirimin|kirimkan|transfer|tf)\b\W+"
    r"(\w+\W+){0,3}?pulsa\b",
    re.I,
)
PULSA_SCAM_FRAME = re.compile(
    r"\bno(mor)?\.?\s*(baru|ini)\w*\b|\bnanti\s+\w+\s+(yg|yang)\s+(tlp|tlpn|telp|telpon|telepon|sms)\b",
    re.I,
)
# Chain messages: "kirim pesan ini ke 10 grup, kalau tidak kamu sial 7 tahun".
CHAIN = re.compile(
    r"\b(kirim|kirimkan|sebarkan|sebar|teruskan|bagikan|share|forward)\w*\s+(pesan|info|berita|broadcast|"
    r"bc|ini)\s+(ini\s+)?(ke|kepada)\s+(\d+\s*(grup|group|grub|orang|teman|kontak|nomor)|semua|seluruh|sebanyak)"
    r"|\b(sebarkan|viralkan)\b[^\n]{0,200}\b(sial|celaka|azab|dosa|musibah|menyesal)\b",
    re.I,
)
# "Uangnya dikirim saja ke Rek. BNI a/n ...": a stranger asking for a transfer to an account.
TRANSFER_FRAUD = re.compile(
    r"\b(kirim|dikirim|transfer|transferkan|tf)\w*\s+(\w+\s+){0,3}?(ke\s+)?(no\.?\s*)?(rek|rekening|norek)\b"
    r"|\b(no\.?\s*)?(rek|rekening|norek)\w*\b[^\n]{0,60}\ba\s*/\s*n\b",
    re.I,
)
MAX_FRAUD_WORDS = 50
# Phishing that borrows an agency's name ("bpjs-kesehatan-verifikasi.xyz", "bansos-kemensos-id.site"):
# the agencies themselves live under .go.id (or their own company domain).
AGENCY_IN_HOST = re.compile(f"({lexicon.alternation('agency_names')})", re.I)
OFFICIAL_HOSTS = lexicon.words("official_domains")
HOST = re.compile(r"(?:https?://)?(?:www\.)?((?:[\w-]+\.)+[a-z]{2,})", re.I)
# A host dressed as a government one: "go.id" or "go-id" anywhere but at its end
# ("bsu-kemnaker.go-id.cc", "bansos.go.id.xyz"); only a host ending in .go.id is the government's.
GOVERNMENT_LOOKALIKE = re.compile(r"(?:^|[.-])go[.-]?id(?:[.-]|$)", re.I)
LINK_ENDINGS = frozenset(lexicon.words("link_endings"))
# The programme's own name is not a complaint word ("hadiah dari Program Lapor Mas Wapres").
PROGRAMME_NAME = re.compile(r"\blapor\W+mas\W+wapres\b", re.I)
# Spammers write "4nd4 mndptk4n" and "p1nj4m4n" to slip past filters; read them as letters.
LEET = str.maketrans(
    {"4": "a", "1": "i", "3": "e", "0": "o", "5": "s", "7": "t", "!": "i", "@": "a", "$": "s"}
)
LEET_TOKEN = re.compile(r"[A-Za-z0-9!@$]*[A-Za-z][A-Za-z0-9!@$]*")
LAUGHTER = re.compile(r"^(w+k+[wk]*|h+a+[ha]*|h+e+[he]*|h+i+[hi]*|x+i+[xi]*|a*w+o+k+[awok]*|lol|lmao)$", re.I)
# Laughter inside a longer text: the word forms of LAUGHTER long enough not to be a class ("xi"),
# a greeting ("hi") or a salutation's end ("wr.wk"), and the laughing emoji.
LAUGHTER_IN_TEXT_MIN = 4
LAUGHING_EMOJI = frozenset("\U0001f602\U0001f923\U0001f606\U0001f639\U0001f60b\U0001f61c\U0001f61d")
# The same text from this many different senders within a day is a chain message or a campaign.
FLOOD_MIN_SENDERS = 5


def _words(text: str) -> list[str]:
    return [w.casefold() for w in WORD.findall(text)]


def _is_symbolic(text: str) -> bool:
    """Only emoji, punctuation, symbols and spaces: no letters or digits at all."""
    return all(unicodedata.category(ch)[0] in "PSZC" or ch in "\ufe0f\u200d" for ch in text)


def _first_line(text: str, limit: int = 80) -> str:
    line = next((ln.strip() for ln in text.splitlines() if ln.strip()), text.strip())
    return line[:limit]


def check(text: str, has_media: bool = False, same_text_senders: int = 0) -> PrefilterHit | None:
    """The first rule that covers the whole report, or None to send it to the model.

    `same_text_senders`: how many different senders sent exactly this text recently (the caller
    counts them; this module does no I/O).
    """
    stripped = text.strip()
    if not stripped:
        if has_media:
            return PrefilterHit(
                rule="media_without_text",
                verdict=Verdict.needs_info,
                reason=None,
                statement="Hanya lampiran tanpa keterangan; perlu dijelaskan apa masalahnya",
                evidence="",
                missing=(MissingField.what_happened, MissingField.location),
            )
        return PrefilterHit("empty", Verdict.invalid, InvalidReason.prank, "Pesan kosong", "")
    if _is_symbolic(stripped):
        return PrefilterHit(
            "emoji_only",
            Verdict.invalid,
            InvalidReason.prank,
            "Hanya emoji atau tanda baca",
            _first_line(stripped, 40),
        )
    if has_media:
        return None  # a caption with a photo may be a complaint; let the model read it
    words = _words(stripped)
    without_urls = URL.sub(" ", stripped)
    if URL.search(stripped) and not _words(without_urls):
        return PrefilterHit(
            "bare_link",
            Verdict.invalid,
            InvalidReason.spam,
            "Hanya tautan tanpa keterangan",
            URL.search(stripped).group(0)[:80],  # type: ignore[union-attr]
        )
    letters = [w for w in words if not w.isdigit()]
    if _laughter_or_mash(words):
        return PrefilterHit(
            "laughter_or_mash",
            Verdict.invalid,
            InvalidReason.prank,
            "Hanya tawa atau ketikan acak, tanpa isi",
            _first_line(stripped, 40),
        )
    if letters and all(w in TEST_WORDS for w in letters) and len(words) <= 6:
        return PrefilterHit(
            "test_message",
            Verdict.invalid,
            InvalidReason.prank,
            "Pesan uji coba tanpa isi",
            _first_line(stripped, 40),
        )
    if words and all(w in GREETING_WORDS or w in TEST_WORDS for w in words) and len(words) <= 20:
        return PrefilterHit(
            "greeting_only",
            Verdict.invalid,
            InvalidReason.not_a_complaint,
            "Hanya salam, tanpa pengaduan",
            _first_line(stripped),
        )
    if same_text_senders >= FLOOD_MIN_SENDERS and not _may_be_complaint(stripped):
        return PrefilterHit(
            "duplicate_flood",
            Verdict.invalid,
            InvalidReason.spam,
            f"Teks yang sama persis dikirim oleh {same_text_senders} pengirim berbeda (pesan berantai)",
            _first_line(stripped),
        )
    pulsa = PULSA_SCAM.search(stripped)
    if pulsa and PULSA_SCAM_FRAME.search(stripped) and not all(complaint_markers(stripped)):
        return PrefilterHit(
            "pulsa_scam",
            Verdict.invalid,
            InvalidReason.spam,
            "Permintaan isi pulsa ke nomor lain (modus penipuan)",
            quote_around(stripped, pulsa.start(), pulsa.end()),
        )
    insult = INSULTS.search(stripped)
    if insult and len(words) <= MAX_INSULT_WORDS and _no_public_matter(stripped):
        return PrefilterHit(
            "insult_without_complaint",
            Verdict.invalid,
            InvalidReason.abusive,
            "Makian atau hinaan tanpa menyebut layanan publik atau masalah yang bisa ditindaklanjuti",
            quote_around(stripped, insult.start(), insult.end()),
        )
    if len(words) <= MAX_SPAM_WORDS and not _complaint_words(stripped):
        return _spam(stripped, len(words))
    return None


def _spam(text: str, n_words: int) -> PrefilterHit | None:
    """Ads, scams and chain messages, in text that has no complaint word at all."""
    plain = _deobfuscate(text)  # same length as `text`: match positions quote the original
    maybe_complaint = _may_be_complaint(text)  # scans the text twice; asked by several rules
    gambling = GAMBLING.search(plain)
    if gambling and (URL.search(text) or PROMO_ACTION.search(plain)):
        return PrefilterHit(
            "gambling_promo",
            Verdict.invalid,
            InvalidReason.spam,
            "Promosi judi online",
            quote_around(text, gambling.start(), gambling.end()),
        )
    if not maybe_complaint:
        chain = CHAIN.search(plain)
        if chain:
            return PrefilterHit(
                "chain_message",
                Verdict.invalid,
                InvalidReason.spam,
                "Pesan berantai yang meminta disebarkan, tanpa pengaduan",
                quote_around(text, chain.start(), chain.end()),
            )
        fraud = TRANSFER_FRAUD.search(plain)
        if fraud and n_words <= MAX_FRAUD_WORDS:
            return PrefilterHit(
                "transfer_request",
                Verdict.invalid,
                InvalidReason.spam,
                "Permintaan transfer uang ke rekening (modus penipuan), tanpa pengaduan",
                quote_around(text, fraud.start(), fraud.end()),
            )
    fake = None if maybe_complaint else _impersonating_link(text)
    if fake:
        return PrefilterHit(
            "impersonation_link",
            Verdict.invalid,
            InvalidReason.spam,
            "Tautan yang memakai nama instansi tetapi bukan situs resminya (phishing)",
            quote_around(text, fake.start(), fake.end(), width=20),
        )
    terms = sorted([*SPAM_TERMS.finditer(plain), *AD_FIGURES.finditer(text)], key=lambda m: m.start())
    contact = CONTACT.search(text)
    # one promo word is enough when nothing in the text names a public-service problem
    distinct = {m.group(0).casefold() for m in terms}
    if contact and (len(distinct) >= 2 or (distinct and not maybe_complaint)):
        return PrefilterHit(
            "promo_with_contact",
            Verdict.invalid,
            InvalidReason.spam,
            "Iklan atau tawaran dengan kontak/tautan, tanpa pengaduan",
            quote_around(text, terms[0].start(), terms[0].end()),
        )
    # an ad that sends people to a shop or an app instead of a number: two promo words and
    # nothing at all of a complaint (on the real corpora: 0 of 1,736 handled complaints)
    if len(distinct) >= 2 and not maybe_complaint:
        return PrefilterHit(
            "promo_without_contact",
            Verdict.invalid,
            InvalidReason.spam,
            "Iklan atau tawaran tanpa pengaduan",
            quote_around(text, terms[0].start(), terms[0].end()),
        )
    return None


def _impersonating_link(text: str) -> re.Match[str] | None:
    """A link whose host borrows an agency's name off its official domain.

    Only asked of text that reads like no complaint at all (see `_spam`): a citizen reporting such
    a link writes that he was cheated. No call to act is required: "cek nama Anda di
    cekbansos-kemensos.web.app" urges with words no list holds. A token counts as a link only
    when it has a scheme, "www." or a host ending (`lexicon.link_endings`), so words an SMS writer
    joined with a dot ("pak ganjar.dindukcapil") are not one.
    """
    for token in re.finditer(r"\S+", text):
        link = token.group(0)
        host = HOST.match(link)
        name = host.group(1).casefold() if host else ""
        if not name or not (
            link.casefold().startswith(("http://", "https://", "www."))
            or name.rsplit(".", 1)[-1] in LINK_ENDINGS
        ):
            continue
        dressed = AGENCY_IN_HOST.search(name) or GOVERNMENT_LOOKALIKE.search(name)
        if dressed and not name.endswith(OFFICIAL_HOSTS):
            return token
    return None


def _deobfuscate(text: str) -> str:
    """ "4nd4 mndptk4n h4d14h" -> "anda mndptkan hadiah"; digits-only tokens (numbers) stay."""
    return LEET_TOKEN.sub(_unleet, text)


def _unleet(m: re.Match[str]) -> str:
    token = m.group(0)
    core = token.rstrip("!@$")  # "SEBARKAN!!!" keeps its exclamation marks
    return core.translate(LEET) + token[len(core) :]


def _complaint_words(text: str) -> bool:
    return bool(COMPLAINT_WORDS.search(PROGRAMME_NAME.sub(" ", text)))


def _may_be_complaint(text: str) -> bool:
    """A flood of one genuine complaint (neighbours reporting the same road) must reach the model."""
    services, grievances = complaint_markers(text)
    return _complaint_words(text) or bool(services and grievances)


def _laughter_or_mash(words: list[str]) -> bool:
    """A few words of laughter ("wkwk", "hehe") or keyboard mashing, with greetings/tests at most."""
    if not words or len(words) > 6:
        return False
    odd = [w for w in words if LAUGHTER.match(w) or _is_mash(w)]
    rest = [w for w in words if w not in odd]
    return bool(odd) and all(w in GREETING_WORDS or w in TEST_WORDS for w in rest)


def laughter(text: str) -> str | None:
    """The first laughter in the text ("wkwk", "hahaha", a laughing emoji), or None.

    A citizen reporting a problem does not laugh at it: on the shared corpora one of 2,224 real
    LaporGub complaints laughs (a "hehe" after flattering the governor), against one tweet in 14
    and one personal SMS in 10.
    Not proof of a joke, so it only ever sends a report to a person (`judge.overrides`).
    """
    for ch in text:
        if ch in LAUGHING_EMOJI:
            return ch
    for word in re.findall(r"\w+", text):
        if len(word) >= LAUGHTER_IN_TEXT_MIN and LAUGHTER.match(word):
            return word
    return None


def _is_mash(word: str) -> bool:
    """Five or more letters with at most one vowel and no known word: "jkdfhskjdfh", "asdfghjkl"."""
    return len(word) >= 5 and word.isalpha() and sum(ch in "aeiou" for ch in word.casefold()) <= 1


def _no_public_matter(text: str) -> bool:
    """Not a single public-service word, grievance word or complaint word: an insult alone.

    Stricter than `_may_be_complaint`: a rude citizen who names the office or the problem
    ("pemkot goblok, lampu merah mati seminggu") always reaches the model.
    """
    services, grievances = complaint_markers(text)
    return not services and not grievances and not _complaint_words(text)


def quote_around(text: str, start: int, end: int, width: int = 30, limit: int = REASON_MAX_CHARS) -> str:
    """A verbatim window of the text around a match, cut at word boundaries.

    Never longer than a reason's quote may be: a long match, or a window with no space to cut at
    (a 300-character link), is quoted from the match's start and cut, at its last space if it has
    one. A quote that did not fit used to fail the result's validation, and the message got no
    verdict at all.
    """
    left = text.rfind(" ", 0, max(0, start - width))
    right = text.find(" ", min(len(text), end + width))
    quote = text[left + 1 if left >= 0 else 0 : right if right >= 0 else len(text)].strip()
    if len(quote) <= limit:
        return quote
    head = text[start:].strip()[:limit]
    cut = head.rsplit(" ", 1)[0] if " " in head else head
    return cut.strip() or head
