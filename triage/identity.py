"""Personal data: find NIK, phone numbers and names, validate them, and mask them wherever shown.

Citizens write their NIK, phone number and name into complaints; SP4N needs them (unless the
reporter asks for anonymity) but logs, the review page for most roles and the eval reports must
never show them in clear. So:

* `mask_text` hides every NIK-like 16-digit number (also KK and card numbers: masking too much is
  harmless, too little is a leak), every phone number and every introduced name, keeping the rest
  of the text byte-for-byte, and is idempotent (masking masked text changes nothing);
* `extract_reporter` keeps only masked forms plus what a NIK says (region, validity);
* `MaskingFilter` applies `mask_text` to every log record.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from datetime import date

import phonenumbers
from stdnum.id import nik as stdnum_nik

from triage.reference import regions
from triage.schema import NikInfo, Reporter

# ---------------------------------------------------------------- NIK

# Between the digits of one number people type spaces (one or several), dots, dashes, slashes,
# and copy-paste brings invisible characters (zero-width spaces, soft hyphens): a number is
# recognised however it is spelled, or it would be shown in clear.
SEP = "[\\s./\\-\u00ad\u200b-\u200d\u2060\ufeff]{0,3}"
NIK = re.compile(rf"(?<![\d*])\d(?:{SEP}\d){{15}}(?![\d*])")
# What mask_text hides as NIK-like: 15-18 digits, so a mistyped NIK or a card number is hidden too.
_LONG_NUMBER = re.compile(rf"(?<![\d*])\d(?:{SEP}\d){{14,17}}(?![\d*])")
NIK_LENGTH = 16
_NIK_KEEP_HEAD, _NIK_KEEP_TAIL = 6, 2


def _digits(value: str) -> str:
    return re.sub(r"\D", "", value)


def _mask_digits(raw: str, keep_head: int, keep_tail: int) -> str:
    """Digits replaced by '*' except the first/last few; separators and length kept."""
    total = sum(c.isdigit() for c in raw)
    out, seen = [], 0
    for c in raw:
        if c.isdigit():
            seen += 1
            out.append(c if seen <= keep_head or seen > total - keep_tail else "*")
        else:
            out.append(c)
    return "".join(out)


def mask_nik(value: str) -> str:
    """337401********03: the region prefix stays readable for reviewers, the person does not."""
    digits = _digits(value)
    return _mask_digits(digits, _NIK_KEEP_HEAD, _NIK_KEEP_TAIL)


def _century(yy: int, today: date) -> int:
    """Two-digit years: the most recent year not in the future (a NIK holder is born, not unborn)."""
    year = 2000 + yy
    return year if year <= today.year else 1900 + yy


def _birth(digits: str, today: date) -> tuple[date | None, str | None, list[str]]:
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    sex = "P" if day > 40 else "L"
    if day > 40:
        day -= 40
    try:
        born = date(_century(yy, today), month, day)
    except ValueError:
        return None, None, [f"tanggal lahir tidak mungkin: {digits[6:8]}-{digits[8:10]}-{digits[10:12]}"]
    if born > today:
        return None, sex, ["tanggal lahir di masa depan"]
    return born, sex, []


def parse_nik(value: str | None) -> NikInfo | None:
    """Parse and check a NIK; None when `value` holds no digits at all.

    Checks: 16 digits; province, kabupaten/kota (and kecamatan, when listed) codes exist in the
    Kemendagri 2025 list; a possible birth date (day + 40 for women); serial not 0000.
    `stdnum.id.nik` is consulted too (length, province, date), but the region list is ours:
    stdnum knows provinces only.
    """
    if not value:
        return None
    digits = _digits(value)
    if not digits:
        return None
    if len(digits) != NIK_LENGTH:
        return NikInfo(
            valid=False,
            masked=_mask_digits(digits, min(_NIK_KEEP_HEAD, len(digits) // 3), _NIK_KEEP_TAIL),
            errors=[f"NIK harus {NIK_LENGTH} digit, bukan {len(digits)}"],
        )
    info = NikInfo(valid=False, masked=mask_nik(digits))
    errors = _region(digits, info)
    born, sex, date_errors = _birth(digits, date.today())
    info.birth_date, info.sex = born, sex  # type: ignore[assignment]
    errors += date_errors
    if digits[12:] == "0000":
        errors.append("nomor urut 0000 tidak dipakai")
    if not errors and not stdnum_nik.is_valid(digits):
        errors.append("ditolak oleh stdnum.id.nik")
    info.errors = errors
    info.valid = not errors
    return info


def _region(digits: str, info: NikInfo) -> list[str]:
    """Fill in the region names; codes are dotted in the Kemendagri list ("33.74" for 3374)."""
    by_code = regions().by_code
    province, regency, district = (
        digits[:2],
        f"{digits[:2]}.{digits[2:4]}",
        f"{digits[:2]}.{digits[2:4]}.{digits[4:6]}",
    )
    if province not in by_code:
        return [f"kode provinsi {digits[:2]} tidak ada di daftar Kemendagri"]
    info.province_code, info.province = province, by_code[province].name
    if regency not in by_code:
        return [f"kode kabupaten/kota {digits[:4]} tidak ada di daftar Kemendagri"]
    info.regency_code, info.regency = regency, by_code[regency].name
    if district in by_code:  # kecamatan are split and renumbered over time: only informative
        info.district_code, info.district = district, by_code[district].name
    return []


# ---------------------------------------------------------------- phone numbers

# Fallback for forms phonenumbers misses (run together with text, odd grouping): Indonesian mobiles.
_PHONE_FALLBACK = re.compile(rf"(?<![\w*+])(?:\+62|62|0){SEP}8\d(?:{SEP}\d){{6,10}}(?![\d*])")
_PHONE_START = re.compile(r"[+(0]|62")


def _phone_spans(text: str) -> Iterator[tuple[int, int]]:
    """Spans of phone numbers: phonenumbers' matcher (mobiles, landlines, +62/62/0 forms) first."""
    spans: list[tuple[int, int]] = []
    for m in phonenumbers.PhoneNumberMatcher(text, "ID"):
        # "Rp 1.500.000" parses as a number too: a phone number starts with +, (, 0 or 62.
        if _PHONE_START.match(m.raw_string) and len(_digits(m.raw_string)) >= 8:
            spans.append((m.start, m.end))
    for found in _PHONE_FALLBACK.finditer(text):
        if not any(s <= found.start() < e for s, e in spans):
            spans.append((found.start(), found.end()))
    yield from sorted(spans)


def _mask_phone_in_text(raw: str) -> str:
    """Keep the operator prefix ("0812", "+62 812") and the last two digits, as written."""
    head = 4 if _digits(raw).startswith("0") else 5
    return _mask_digits(raw, head, 2)


def normalise_phone(value: str | None) -> str | None:
    """E.164 ("+6281234567890") for a valid Indonesian or international number, else None."""
    if not value:
        return None
    try:
        number = phonenumbers.parse(value, "ID")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def mask_phone(value: str) -> str:
    """ "+62812******90": country and operator prefix stay (useful for triage), the line does not."""
    e164 = normalise_phone(value)
    if e164 is None:
        return _mask_digits(value, 4, 2)
    return e164[:6] + "*" * (len(e164) - 8) + e164[-2:]


# ---------------------------------------------------------------- names

_TITLES = r"(?i:(?:bpk|bapak|pak|ibu|bu|sdr|sdri|saudara|saudari|mas|mbak|mbk|kak|hj|h|dr|ir)\.?\s+)?"
_NAME_WORD = r"[A-Za-z][A-Za-z'’\-]*(?![\w*])"
_NAME_STOP = {
    "dari", "warga", "di", "yang", "yg", "dan", "alamat", "nik", "umur", "usia", "tinggal", "asal",
    "mau", "ingin", "ingn", "mohon", "minta", "selaku", "sebagai", "sbg", "adalah", "no", "nomor",
    "hp", "telp", "wa", "rt", "rw", "desa", "kel", "kec", "kab", "kota", "jl", "jalan", "pak", "bu",
    "ini", "itu", "sudah", "sdh", "akan", "tidak", "tdk", "belum", "blm", "juga", "mengadu",
    "melaporkan", "lapor", "bekerja", "kerja", "orang", "seorang", "pekerja", "peserta", "pelapor",
}  # fmt: skip
_NAME_INTRO = re.compile(
    r"(?:\bnama\s+(?:saya|sy|aku|ku)\b|\bnamaku\b|\batas\s+nama\b|\ba\.\s?n\.?(?=\s)|\bnama\s*:)\s*"
    + _TITLES,
    re.IGNORECASE,
)
# "saya Budi Santoso dari Demak": only capitalised words, since "saya sudah dari pagi" is no name.
_SAYA_X_DARI = re.compile(
    r"\b(?i:saya|sy)\s+" + _TITLES + r"((?:[A-Z][A-Za-z'’\-]*(?![\w*])\s+){1,3})(?=(?i:dari|warga)\b)"
)


def mask_name(name: str) -> str:
    """ "Budi Santoso" -> "B*** S******": initials stay so a reviewer can tell reporters apart."""
    return re.sub(r"[A-Za-z][A-Za-z'’\-]*", lambda m: m.group()[0] + "*" * (len(m.group()) - 1), name)


def _name_after(text: str, start: int) -> tuple[int, int] | None:
    """The span of 1-4 name words starting at `start`, stopping at a non-name word or punctuation."""
    end = start
    words = 0
    for m in re.finditer(r"\s*(" + _NAME_WORD + ")", text[start:]):
        if m.start() != end - start or m.group(1).lower() in _NAME_STOP or words == 4:
            break
        end = start + m.end()
        words += 1
    return (start + len(text[start:end]) - len(text[start:end].lstrip()), end) if words else None


def _name_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _NAME_INTRO.finditer(text):
        span = _name_after(text, m.end())
        if span:
            spans.append(span)
    for m in _SAYA_X_DARI.finditer(text):
        words = m.group(1).split()
        if words and words[0].lower() not in _NAME_STOP:
            spans.append((m.start(1), m.start(1) + len(m.group(1).rstrip())))
    return sorted(set(spans))


def find_name(text: str) -> str | None:
    """The first name a reporter introduces ("nama saya ...", "atas nama ...", "Nama: ...")."""
    spans = _name_spans(text)
    return text[spans[0][0] : spans[0][1]] if spans else None


# ---------------------------------------------------------------- text


def _replace_spans(text: str, spans: list[tuple[int, int]], fn: Callable[[str], str]) -> str:
    out, last = [], 0
    for start, end in spans:
        if start < last:
            continue
        out.append(text[last:start])
        out.append(fn(text[start:end]))
        last = end
    out.append(text[last:])
    return "".join(out)


def mask_text(text: str) -> str:
    """Text safe for logs and for roles that need not see identities; the rest is left untouched."""
    if not text:
        return text
    text = _LONG_NUMBER.sub(lambda m: _mask_digits(m.group(), _NIK_KEEP_HEAD, _NIK_KEEP_TAIL), text)
    text = _replace_spans(text, list(_phone_spans(text)), _mask_phone_in_text)
    return _replace_spans(text, _name_spans(text), mask_name)


# ---------------------------------------------------------------- reporter


def extract_reporter(text: str) -> Reporter:
    """The reporter's identity as given in the text, masked; the clear values are never kept."""
    reporter = Reporter()
    nik = NIK.search(text or "")
    if nik:
        info = parse_nik(nik.group())
        if info is not None:
            reporter.nik_masked = info.masked
            reporter.nik_valid = info.valid
            reporter.nik_region = info.regency or info.province
    for start, end in _phone_spans(text or ""):
        reporter.phone_masked = mask_phone(text[start:end])
        break
    name = find_name(text or "")
    if name:
        reporter.name_masked = mask_name(name)
    return reporter


_ANONYMOUS = re.compile(
    r"\b(?:"
    r"(?:di)?rahasiakan\s+(?:identitas|nama|data\s+diri)"
    r"|(?:identitas|nama|data\s+diri)\s+(?:saya\s+|sy\s+)?(?:mohon\s+|tolong\s+|harap\s+)?(?:di)?rahasiakan"
    r"|mohon\s+dirahasiakan|harap\s+dirahasiakan|tolong\s+dirahasiakan"
    r"|anonim\w*|anonymous"
    r"|jangan\s+(?:di)?(?:sebut|sebutkan|cantumkan|tampilkan|publikasikan|buka)\s+(?:nama|identitas)"
    r"|sembunyikan\s+(?:nama|identitas)"
    r"|tanpa\s+(?:menyebut(?:kan)?\s+)?(?:nama|identitas)"
    r")",
    re.IGNORECASE,
)


def anonymity_requested(text: str) -> bool:
    """The reporter asked to stay anonymous: SP4N then gets the report without the identity."""
    return bool(_ANONYMOUS.search(text or ""))


# ---------------------------------------------------------------- logging


class MaskingFilter(logging.Filter):
    """Masks identities in every log record's message and arguments before any handler formats it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_mask_arg(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _mask_arg(v) for k, v in record.args.items()}
        return True


def _mask_arg(value: object) -> object:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, int) and not isinstance(value, bool) and len(str(abs(value))) >= 10:
        return mask_text(str(value))  # a NIK or phone number passed as a number
    return value
