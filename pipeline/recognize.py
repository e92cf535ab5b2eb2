"""Pattern recognisers that run before tokenisation: document numbers, dates and numbers.

underthesea would split "1555/KH-SKHCN" into three tokens and "50%" into two, so these
spans are found first, kept whole by the tokenizer, and reused by the extractors.
Every :class:`Mention` is a span of the normalised text with a parsed ``value``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterator

UPPER = "A-ZĐÀ-ỸÂĂÊÔƠƯ"
_SEG_FIRST = rf"[A-ZĐ]"
_SEG = rf"[A-Za-zĐđ&.]*[A-Za-zĐđ&]"
#: "1555/KH-SKHCN", "35-CTr/TU", "06/2024/NĐ-CP", "84/HD-MTTW-BTT", "45 /KH-LMHTX".
DOC_NUMBER = re.compile(
    rf"(?<![\w/.-])(\d{{1,5}}(?:/\d{{4}})?)\s?([/-])({_SEG_FIRST}(?:{_SEG})?\d*)"
    rf"((?:[-/][A-ZĐ0-9](?:[A-Za-zĐđ&0-9.]*[A-Za-zĐđ&0-9])?)*)(?![\w])"
)

_D = r"(\d{1,2})"
_M = r"(\d{1,2})"
_Y = r"((?:19|20)\d{2})"
#: "20/8/2021", "20-8-2021", "20.8.2021"
DATE_NUMERIC = re.compile(rf"(?<![\d/.-]){_D}\s?([/.-])\s?{_M}\s?\2\s?{_Y}(?![\d/])")
#: "14 tháng 9 năm 2021", "ngày 05 tháng 10 năm 2022"
DATE_WORDS = re.compile(rf"(?<!\d){_D}\s+tháng\s+{_M}\s*(?:năm|,)\s*{_Y}(?!\d)", re.IGNORECASE)
#: "tháng 9/2021", "tháng 12 năm 2030", "tháng 9-2021"
MONTH = re.compile(rf"tháng\s+{_M}\s*(?:/|-|năm)\s*{_Y}(?!\d)", re.IGNORECASE)
#: "14.000", "1.430", "6,5", "02", "50%": a plain number not inside another token
NUMBER = re.compile(r"(?<![\w.,/-])(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?(?![\w/]|[.,]\d)(\s?%)?")


_DIGIT_WORDS = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5,
                "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}
_NUMBER_WORDS = "|".join([*_DIGIT_WORDS, "mười", "mươi", "trăm", "nghìn", "ngàn", "linh", "lẻ"])
#: Written-out numbers of two words or more with a tens/hundreds/thousands word: "năm mươi", "hai trăm".
WORD_NUMBER = re.compile(
    rf"(?<!\w)(?=(?:\S+\s+)*?(?:mười|mươi|trăm|nghìn|ngàn)(?!\w))(?:{_NUMBER_WORDS})(?:\s+(?:{_NUMBER_WORDS}))+(?!\w)",
    re.IGNORECASE,
)


def parse_word_number(text: str) -> int | None:
    """Value of a written-out Vietnamese number ("năm mươi" -> 50, "hai trăm năm mươi" -> 250)."""
    total, current = 0, 0
    for word in text.lower().split():
        if word in _DIGIT_WORDS:
            current += _DIGIT_WORDS[word]
        elif word == "mười":
            current += 10
        elif word == "mươi":
            current += (current % 10) * 9
        elif word == "trăm":
            current += (current % 10) * 99
        elif word in ("nghìn", "ngàn"):
            total, current = total + current * 1000, 0
        elif word not in ("linh", "lẻ"):
            return None
    return total + current


@dataclass(frozen=True)
class Mention:
    """A recognised span: ``label`` is DOCNUM, DATE, MONTH, NUMBER or PERCENT."""

    label: str
    start: int
    end: int
    text: str
    value: Any


def clean_number(raw: str) -> str:
    """Canonical form of a document number: no spaces ("45 /KH-LMHTX" -> "45/KH-LMHTX")."""
    return re.sub(r"\s+", "", raw)


def number_symbol(number: str) -> str | None:
    """The kind code of a document number ("1555/KH-SKHCN" -> "KH", "35-CTr/TU" -> "CTr")."""
    m = DOC_NUMBER.fullmatch(number)
    if not m:
        return None
    return m.group(3)


def _iso(y: int, m: int, d: int | None = None) -> str | None:
    try:
        if d is None:
            date(y, m, 1)
            return f"{y:04d}-{m:02d}"
        return date(y, m, d).isoformat()
    except ValueError:
        return None


def parse_vn_number(text: str) -> float | int | None:
    """Vietnamese number: "14.000" -> 14000, "6,5" -> 6.5, "02" -> 2, "50%" -> 50."""
    m = NUMBER.fullmatch(text.strip())
    if not m:
        return None
    whole = int(m.group(1).replace(".", ""))
    if m.group(2):
        return float(f"{whole}.{m.group(2)}")
    return whole


def find_doc_numbers(text: str) -> Iterator[Mention]:
    for m in DOC_NUMBER.finditer(text):
        raw = m.group(0)
        yield Mention("DOCNUM", m.start(), m.end(), raw, clean_number(raw))


def find_dates(text: str) -> Iterator[Mention]:
    """Full dates (DATE, ISO day) and month dates (MONTH, ISO month), without overlaps."""
    taken: list[tuple[int, int]] = []
    found: list[Mention] = []
    for rx, kind in ((DATE_WORDS, "words"), (DATE_NUMERIC, "numeric")):
        for m in rx.finditer(text):
            if kind == "numeric":
                d, mo, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
            else:
                d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            iso = _iso(y, mo, d)
            if iso and not _overlaps(m.start(), m.end(), taken):
                taken.append((m.start(), m.end()))
                found.append(Mention("DATE", m.start(), m.end(), m.group(0), iso))
    for m in MONTH.finditer(text):
        iso = _iso(int(m.group(2)), int(m.group(1)))
        if iso and not _overlaps(m.start(), m.end(), taken):
            taken.append((m.start(), m.end()))
            found.append(Mention("MONTH", m.start(), m.end(), m.group(0), iso))
    yield from sorted(found, key=lambda x: x.start)


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


def find_numbers(text: str, exclude: list[tuple[int, int]]) -> Iterator[Mention]:
    for m in NUMBER.finditer(text):
        if _overlaps(m.start(), m.end(), exclude):
            continue
        value = parse_vn_number(m.group(0))
        label = "PERCENT" if m.group(3) else "NUMBER"
        yield Mention(label, m.start(), m.end(), m.group(0), value)


def find_word_numbers(text: str, exclude: list[tuple[int, int]]) -> Iterator[Mention]:
    for m in WORD_NUMBER.finditer(text):
        value = parse_word_number(m.group(0))
        if value and not _overlaps(m.start(), m.end(), exclude):
            yield Mention("NUMBER", m.start(), m.end(), m.group(0), value)


def recognize(text: str) -> list[Mention]:
    """All mentions in ``text``, sorted by start; document numbers win over dates over numbers."""
    out: list[Mention] = list(find_doc_numbers(text))
    spans = [(m.start, m.end) for m in out]
    for m in find_dates(text):
        if not _overlaps(m.start, m.end, spans):
            out.append(m)
            spans.append((m.start, m.end))
    out.extend(find_numbers(text, spans))
    out.extend(find_word_numbers(text, spans))
    return sorted(out, key=lambda m: m.start)
