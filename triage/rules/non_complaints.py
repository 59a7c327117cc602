"""Messages that mention public services but ask for nothing to be put right.

The small model reads "mau tanya, apakah sertifikat tanah masih gratis?" or "tolong carikan saya
kerja" as complaints because they name an office or a programme. DESIGN.md says otherwise:
general questions, invitations and personal requests are `not_a_complaint`, private disputes and
matters before a court are `out_of_scope`. These patterns catch the common shapes of those
messages - but only when the text carries no grievance at all (nothing broken, refused, charged,
delayed; no sum of money; no threat to anyone's safety). What they catch becomes an *uncertain*
rejection for a reviewer, never a silent archive: a genuine complaint phrased as a question is
read by a person and can be overturned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from triage.rules import lexicon
from triage.rules.guards import complaint_markers
from triage.rules.prefilter import quote_around
from triage.schema import InvalidReason

# What keeps a shape from applying (see `Pattern.unless` and `find`).
Unless = Literal["grievance", "reported_problem", "public_side", "failing_service", "new_problem", "nothing"]


@dataclass(frozen=True)
class Pattern:
    rule: str
    reason: InvalidReason
    statement: str
    regex: re.Pattern[str]
    # What keeps the shape from applying:
    # - "grievance": any word of a problem;
    # - "reported_problem": the same, but advice and wishes are no problem ("nggak usah pindah",
    #   "semangat terus");
    # - "public_side": a failing public service, an official or someone's safety (a dispute
    #   always carries a grievance);
    # - "failing_service": a public service named with any word of a problem (a chain message
    #   alarms with the police or a danger, but a genuine complaint may ask to be spread);
    # - "new_problem": thanks name the fixed service and the fix by nature, so only a new problem
    #   or a "but" (a wish at the end, "sehat selalu", is neither).
    # - "nothing": the shape is never a complaint's (a chain letter passed on by number).
    unless: Unless = "grievance"

    def match(self, text: str) -> Match | None:
        """Where the shape is in the text, quoted, whatever else the text says."""
        m = self.regex.search(text)
        if m is None:
            return None
        return Match(self.rule, self.reason, self.statement, quote_around(text, m.start(), m.end(), width=25))


def _listed(rule: str, reason: InvalidReason, statement: str, words: str, unless: Unless) -> Pattern:
    """A shape that is one lexicon list, matched as whole words."""
    return Pattern(rule, reason, statement, re.compile(rf"\b({lexicon.alternation(words)})\b", re.I), unless)


@dataclass(frozen=True)
class Match:
    rule: str
    reason: InvalidReason
    statement: str
    evidence: str  # verbatim from the text


# Thanks or praise, and a service that is fixed or working now ("jalan sudah mulus"), in either
# order: the same words both ways.
_THANKS = (
    r"(terima ?kasih|makasih|matur ?(nuwun|suwun)|mantap|mantab|salut|apresiasi|bangga|alhamdulill?ah|"
    r"(ber)?syukur)"
)
_FIXED = (
    r"(sudah|telah|sdh|udah|wis|sampun)\s+(\w+\s+)?(diperbaiki|dibangun|diaspal|dicor|dibersihkan|diangkut|"
    r"dipasang|cair|jadi|selesai|beres|ditangani|ditindaklanjuti|bagus|lancar|mulus|bersih|terang|menyala|nyala|aktif|"
    # aid that arrived: "bantuan sembako sudah kami terima lengkap"
    r"terima|diterima|sampai|datang)"
)

PATTERNS = [
    Pattern(
        "information_question",
        InvalidReason.not_a_complaint,
        "Pertanyaan informasi umum, tanpa keluhan tentang layanan",
        re.compile(
            r"\b(mau|mo|mw|ingin|pengen|pengin|boleh|numpang|izin|ijin|sekedar|sekadar)\s+"
            r"(tanya|nanya|tny|bertanya|menanyakan)\b"
            r"|\b(bagaimana|gimana|gmn|bgmn|bagaimanakah)\s+(cara|caranya|prosedur|proses|syarat)\w*"
            r"|\bapa\s+(saja|aja|sja|aj)\s+(syarat|persyaratan|prosedur)\w*"
            r"|\b(syarat|persyaratan|prosedur)\w*\b[^.?!\n]{0,80}\?"
            r"|\b(syarat|persyaratan|prosedur)\w*\b[^.?!\n]{0,60}\bapa\s+(saja|aja|sja|aj)\b"
            r"|\bjam\s+(buka|operasional|pelayanan|layanan|kerja)\b[^.!\n]{0,60}\?"
            r"|\b(website|web|situs|link|alamat)(nya)?\s+apa\b"
            r"|\b(menghubungi|hubungi|kontak)\s+siapa\b"
            r"|\bapa(kah)?\s+(bisa|boleh|masih)\b[^.!\n]{0,80}\?"
            # when an office opens or a registration starts: "apakah kantor imigrasi buka hari Sabtu?"
            r"|\b(apa(kah)?|kapan|jam berapa|hari apa)\b[^.!?\n]{0,60}"
            r"\b(di)?(buka|mulai|dimulai)\b[^.!\n]{0,40}\?"
            # the other word order: "kantor Samsat hari Sabtu buka jam berapa ya?"
            r"|\b(buka|tutup|mulai|dibuka|ditutup)\s+(jam|hari|tanggal|tgl)\s+(berapa|brp|apa)\b"
            # what something costs or how long it takes: "berapa biaya bikin paspor sekarang?"
            r"|\b(berapa|brp)\s+(biaya|harga|tarif|ongkos|lama)\w*\b[^.!\n]{0,80}\?"
            # a message that is one question of fact, put by its first words and closed by "?":
            # "kapan pencairan BLT bulan ini?" (a why-question protests, and is not one)
            r"|^\W*(\w+\W+){0,3}?(apa(kah)?|bagaimana|gimana|gmn|berapa|brp|kapan|kpn|di ?mana|dmn|bisakah"
            r"|bolehkah|adakah)\b[^!]*\?\W*$"
            r"|\b(how (do|can) i|where can i|is it possible)\b",
            re.I,
        ),
    ),
    Pattern(
        "invitation",
        InvalidReason.not_a_complaint,
        "Undangan atau ajakan, bukan pengaduan",
        re.compile(
            r"\b(bersediakah|berkenan hadir|mohon kehadiran|kami undang)\b"
            r"|\bmengundang\s+(bapak|ibu|pak|bu|mas|mbak|panjenengan|anda)\b"
            r"|\bbersedia\s+(mengikuti|menghadiri|hadir|datang)\b",
            re.I,
        ),
    ),
    Pattern(
        "personal_request",
        InvalidReason.not_a_complaint,
        "Permintaan pribadi (pekerjaan, uang, modal), bukan pengaduan layanan publik",
        re.compile(
            r"\b(butuh|cari|carikan|carikn|minta|mohon|perlu|ingin|pengen)\s+(\w+\s+){0,2}?"
            r"(kerja|kerjaan|pekerjaan|lowongan|modal|pinjaman|utangan|hutangan)\b"
            r"|\b(pinjami|pinjamin|pinjamkan|pinjam)\s+(saya\s+)?(uang|duit|dana)\b"
            r"|\b(ksh|kasih|kasi|beri|berikan)\s+(saya\s+|sy\s+)?(modal|uang|duit|dana)\b"
            r"|\b(butuh|membutuhkan|membtuhkan|perlu|memerlukan)\s+(\w+\s+)?(dana|biaya|uang|duit)\b"
            r"|\b(di ?)?donatur(i|in)?\b"
            # something bought, sent or paid for the sender himself: "belikan saya HP",
            # "bayarin cicilan motor saya"
            r"|\b(beli|kirim|bayar)(kan|kn|in|i)\s+(saya|sy|aku|kami|gue|gw)\b"
            # the same asked in the passive: "mohon dibelikan HP baru", "minta dibeliin motor"
            r"|\b(mohon|minta|tolong|tlg|pengen|ingin)\s+(\w+\s+)?dibeli(kan|kn|in)\b"
            r"|\b(bayar|lunas)(in|kan|i)\s+(\w+\s+){0,2}?(cicilan|utang|hutang|kredit|tagihan|kontrakan|kosan)\b"
            # the colloquial "-in" asks the reader to do it for the sender: "transferin buat beli susu"
            r"|\b(transferin|tfin|kirimin|beliin|bayarin|pinjemin|pinjamin)\b"
            r"|\b(need|looking for) (a )?job\b",
            re.I,
        ),
    ),
    Pattern(
        "thanks_for_a_fix",
        InvalidReason.not_a_complaint,
        "Ucapan terima kasih atau pujian atas layanan yang sudah beres, tanpa keluhan baru",
        re.compile(
            rf"\b{_THANKS}\b[^?]{{0,120}}\b{_FIXED}\b|\b{_FIXED}\b[^?]{{0,120}}\b{_THANKS}\b"
            # what a programme brought, thanked for: "terima kasih, berkat beasiswa KIP anak saya wisuda"
            rf"|\b{_THANKS}\b[^?]{{0,60}}\bberkat\b",
            re.I,
        ),
        unless="new_problem",
    ),
    Pattern(
        "good_news",
        InvalidReason.not_a_complaint,
        "Kabar gembira atau prestasi yang dibagikan, tanpa keluhan",
        re.compile(
            r"\bkabar (gembira|baik|bahagia)\b"
            r"|\bjuara (\d|i{1,3}|umum|pertama|kedua|ketiga)\b"
            r"|\b(masuk|lolos|menjadi) (\d+ besar|finalis|nominasi)\b",
            re.I,
        ),
    ),
    _listed(
        "private_dispute",
        InvalidReason.out_of_scope,
        "Sengketa pribadi atau keluarga tanpa sisi layanan publik",
        "private_dispute",
        "public_side",
    ),
    _listed(
        "court_matter",
        InvalidReason.out_of_scope,
        "Perkara di pengadilan; pemerintah tidak dapat mencampuri putusan hakim",
        "court_matter",
        "public_side",
    ),
    _listed(
        "campaign",
        InvalidReason.spam,
        "Ajakan memilih atau mendukung calon dalam pemilihan, bukan pengaduan",
        "campaign",
        "reported_problem",
    ),
    _listed(
        "praise",
        InvalidReason.not_a_complaint,
        "Pujian atau dukungan, tanpa keluhan",
        "praise",
        "reported_problem",
    ),
    _listed(
        "opinion",
        InvalidReason.not_a_complaint,
        "Pendapat atau usulan kebijakan, tanpa melaporkan masalah",
        "opinion",
        "reported_problem",
    ),
    _listed(
        "chain_forward",
        InvalidReason.spam,
        "Pesan berantai yang meminta diteruskan ke banyak orang atau grup",
        "pass_it_on",
        "failing_service",
    ),
    _listed(
        "chain_forward",
        InvalidReason.spam,
        "Pesan berantai yang meminta diteruskan ke sejumlah orang atau grup",
        "pass_it_on_by_number",
        "nothing",
    ),
]

# Words of a problem or a protest: a question or request that carries one may be a complaint
# ("mau tanya, kenapa blanko KTP kosong terus?"), so none of the shapes apply to it.
PROBLEM_WORDS = re.compile(rf"\b({lexicon.alternation('problem_words')})\b", re.I)
QUESTION_MAX_WORDS = 40

# Someone's safety, and officials' misconduct: never a mere question, never a private matter.
SAFETY = lexicon.alternation("safety")
MISCONDUCT = lexicon.alternation("misconduct")
MISCONDUCT_WORDS = re.compile(rf"\b({MISCONDUCT})\b", re.I)
# A grievance the word lists of `guards` miss, but which the shapes above must never hide:
# sums of money (pungutan: "Rp 50.000", "500 ribu", "1.500.000"), durations, fraud, and the two above.
_MONEY = r"rp\.?\s*\d+|\d+([.,]\d+)?\s*(rb|ribu|jt|juta|rupiah)|\d{1,3}(\.\d{3})+"
STILL_A_GRIEVANCE = re.compile(
    rf"\b({_MONEY}|{lexicon.alternation('still_a_grievance')}|{SAFETY}|{MISCONDUCT})\b", re.I
)

# A private dispute stops being private when an official, a public office or someone's safety is
# involved ("urus akta cerai di dukcapil dimintai 500 ribu", "KDRT", "mafia tanah").
PUBLIC_ANGLE = re.compile(rf"\b({lexicon.alternation('public_angle')}|{SAFETY}|{MISCONDUCT})\b", re.I)
COURT_MATTER = next(p.regex for p in PATTERNS if p.rule == "court_matter")
# Thanks for a fix name the fixed service and the fix ("jalan sudah diperbaiki"): only a new
# problem or a "but" keeps them open.
BUT = re.compile(rf"\b({lexicon.alternation('but')})\b", re.I)
# "nggak usah pindah" advises and "semangat terus" wishes well: no problem in either.
NOT_A_PROBLEM = re.compile(rf"\b({lexicon.alternation('not_a_problem')})\b", re.I)


CHAIN = next(p for p in PATTERNS if p.rule == "chain_forward")


def passes_it_on(text: str) -> Match | None:
    """The text's call to pass it on to one's groups ("teruskan ke grup RT", "sebarkan ke semua
    grup keluarga"), whatever else it says: `find` lets a failing public service keep such a text
    open (a genuine report may ask to be spread), so the decision weighs it with the place."""
    return CHAIN.match(text)


def find(text: str) -> Match | None:
    """The first shape of a non-complaint the text has, when nothing in it makes it a complaint.

    Questions, invitations, requests, praise, campaigning and opinions must carry no grievance at
    all. A private dispute always carries one (that is what a dispute is), so it must only lack a
    public side: no official or office at fault, no public service that is both named and failing,
    nobody's safety at stake. A chain message passes on alarm about the police or a danger, so
    it must only lack a public service named with a problem.
    """
    services, grievances = complaint_markers(text)
    still = bool(STILL_A_GRIEVANCE.search(text))
    problem = still or bool(PROBLEM_WORDS.search(text))
    # a wish ("sehat selalu") or advice ("nggak usah") read out: what is left of a problem is one
    problem_left = still or bool(PROBLEM_WORDS.search(NOT_A_PROBLEM.sub(" ", text)))
    # each guard read once per text, by name: a shape names the one that keeps it from applying
    blocked: dict[Unless, bool] = {
        "grievance": bool(grievances) or problem,
        "reported_problem": bool(grievances) or problem_left,
        "public_side": bool(services and grievances) or bool(PUBLIC_ANGLE.search(text)),
        "failing_service": bool(services) and (bool(grievances) or problem),
        "new_problem": problem_left or bool(BUT.search(text)),
        "nothing": False,
    }
    for p in PATTERNS:
        if blocked[p.unless]:
            continue
        if p.rule == "information_question" and len(text.split()) > QUESTION_MAX_WORDS:
            continue
        found = p.match(text)
        if found:
            return found
    return None
