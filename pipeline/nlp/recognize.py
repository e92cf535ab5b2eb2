"""Pattern recognisers that run before tokenisation: document numbers, dates and numbers.

underthesea would split "1555/KH-SKHCN" into three tokens and "50%" into two, so these
spans are found first, kept whole by the tokenizer, and reused by the extractors.
Every :class:`Mention` is a span of the normalised text with a parsed ``value``.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from datetime import date
from typing import Any, Iterator

UPPER = "A-ZĐÀ-ỸÂĂÊÔƠƯ"
_SEG_FIRST = rf"[A-ZĐ]"
_SEG = rf"[A-Za-zĐđ&.]*[A-Za-zĐđ&]"
#: "1555/KH-SKHCN", "35-CTr/TU", "06/2024/NĐ-CP", "84/HD-MTTW-BTT", "45 /KH-LMHTX".
DOC_NUMBER = re.compile(  # each of these starts with a digit: the look-ahead skips other positions quickly
    rf"(?=\d)(?<![\w/.-])(\d{{1,5}}(?:/\d{{4}})?)\s?([/-])({_SEG_FIRST}(?:{_SEG})?\d*)"
    rf"((?:[-/][A-ZĐ0-9](?:[A-Za-zĐđ&0-9.]*[A-Za-zĐđ&0-9])?)*)(?![\w])"
)

_D = r"(\d{1,2})"
_M = r"(\d{1,2})"
_Y = r"((?:19|20)\d{2})"
#: "20/8/2021", "20-8-2021", "20.8.2021"
DATE_NUMERIC = re.compile(rf"(?=\d)(?<![\d/.-]){_D}\s?([/.-])\s?{_M}\s?\2\s?{_Y}(?![\d/])")
#: "14 tháng 9 năm 2021", "ngày 05 tháng 10 năm 2022"
DATE_WORDS = re.compile(rf"(?=\d)(?<!\d){_D}\s+tháng\s+{_M}\s*(?:năm|,)\s*{_Y}(?!\d)", re.IGNORECASE)
#: "tháng 9/2021", "tháng 12 năm 2030", "tháng 9-2021"
MONTH = re.compile(rf"tháng\s+{_M}\s*(?:/|-|năm)\s*{_Y}(?!\d)", re.IGNORECASE)
#: "14.000", "1.430", "6,5", "02", "50%": a plain number not inside another token
NUMBER = re.compile(r"(?=\d)(?<![\w.,/-])(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?(?![\w/]|[.,]\d)(\s?%)?")


_DIGIT_WORDS = {"không": 0, "một": 1, "mốt": 1, "hai": 2, "ba": 3, "bốn": 4, "tư": 4, "năm": 5, "lăm": 5,
                "sáu": 6, "bảy": 7, "tám": 8, "chín": 9}
_NUMBER_WORDS = "|".join([*_DIGIT_WORDS, "mười", "mươi", "trăm", "nghìn", "ngàn", "linh", "lẻ"])
#: Written-out numbers of two words or more with a tens/hundreds/thousands word: "năm mươi", "hai trăm".
WORD_NUMBER = re.compile(
    rf"(?<!\w)(?=(?:\S+\s+)*?(?:mười|mươi|trăm|nghìn|ngàn)(?!\w))(?:{_NUMBER_WORDS})(?:\s+(?:{_NUMBER_WORDS}))+(?!\w)",
    re.IGNORECASE,
)
# WORD_NUMBER's look-ahead holds at a run's start when a tens word starts there, or when one
# starts right after whitespace anywhere later in the text; evaluated by the regex engine at every
# position it scans ahead to the next such word, quadratic in the text's length. find_word_numbers
# gives the same matches from three cheap patterns: the run without the look-ahead, the run with a
# tens word at its start, and the tens words after whitespace (the last one decides).
# Each pattern starts with a look-ahead for the first letters its words can start with, so the
# scan skips every other position quickly.
_TENS = r"(?:mười|mươi|trăm|nghìn|ngàn)(?!\w)"
_FIRST = "(?=[" + "".join(sorted({w[0] for w in _NUMBER_WORDS.split("|")})) + "])"
_WORD_RUN = re.compile(rf"{_FIRST}(?<!\w)(?:{_NUMBER_WORDS})(?:\s+(?:{_NUMBER_WORDS}))+(?!\w)", re.IGNORECASE)
_WORD_RUN_AT_TENS = re.compile(rf"(?=[mtn])(?<!\w)(?={_TENS})(?:{_NUMBER_WORDS})(?:\s+(?:{_NUMBER_WORDS}))+(?!\w)",
                               re.IGNORECASE)
_TENS_AFTER_SPACE = re.compile(rf"(?=[mtn])(?<=\s){_TENS}", re.IGNORECASE)


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
    taken = _Spans()
    found: list[Mention] = []
    for rx, kind in ((DATE_WORDS, "words"), (DATE_NUMERIC, "numeric")):
        for m in rx.finditer(text):
            if kind == "numeric":
                d, mo, y = int(m.group(1)), int(m.group(3)), int(m.group(4))
            else:
                d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
            iso = _iso(y, mo, d)
            if iso and not taken.overlaps(m.start(), m.end()):
                taken.add(m.start(), m.end())
                found.append(Mention("DATE", m.start(), m.end(), m.group(0), iso))
    for m in MONTH.finditer(text):
        iso = _iso(int(m.group(2)), int(m.group(1)))
        if iso and not taken.overlaps(m.start(), m.end()):
            taken.add(m.start(), m.end())
            found.append(Mention("MONTH", m.start(), m.end(), m.group(0), iso))
    yield from sorted(found, key=lambda x: x.start)


def _overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in spans)


class _Spans:
    """Pairwise disjoint spans kept sorted, so that an overlap test is a binary search.

    Gives the same answer as :func:`_overlaps`; spans that are not disjoint fall back to it.
    """

    def __init__(self, spans: list[tuple[int, int]] = ()) -> None:
        self.spans = list(spans)
        ordered = sorted(self.spans)
        self.starts = [s for s, _ in ordered]
        self.ends = [e for _, e in ordered]
        self.disjoint = all(s <= e for s, e in ordered) and all(
            self.ends[k] <= self.starts[k + 1] for k in range(len(ordered) - 1))

    def overlaps(self, start: int, end: int) -> bool:
        if not self.disjoint:
            return _overlaps(start, end, self.spans)
        i = bisect_left(self.starts, end) - 1  # the last span starting before ``end``: its end is the largest
        return i >= 0 and self.ends[i] > start

    def add(self, start: int, end: int) -> None:
        """Add a span that overlaps none of the others (the callers test that first)."""
        self.spans.append((start, end))
        if self.disjoint:
            i = bisect_left(self.starts, start)
            self.starts.insert(i, start)
            self.ends.insert(i, end)
            self.disjoint = start <= end and (i == 0 or self.ends[i - 1] <= start) and (
                i + 1 == len(self.starts) or end <= self.starts[i + 1])


def find_numbers(text: str, exclude: list[tuple[int, int]]) -> Iterator[Mention]:
    spans = exclude if isinstance(exclude, _Spans) else _Spans(exclude)
    for m in NUMBER.finditer(text):
        if spans.overlaps(m.start(), m.end()):
            continue
        value = parse_vn_number(m.group(0))
        label = "PERCENT" if m.group(3) else "NUMBER"
        yield Mention(label, m.start(), m.end(), m.group(0), value)


def _word_number_matches(text: str) -> Iterator[re.Match[str]]:
    """The matches of :data:`WORD_NUMBER` in ``text``, in linear time (see ``_TENS``)."""
    last = -1
    for m in _TENS_AFTER_SPACE.finditer(text):
        last = m.start()
    pos = 0
    while True:  # runs starting before the last tens word after whitespace: the look-ahead holds
        m = _WORD_RUN.search(text, pos)
        if m is None:
            return
        if m.start() >= last:
            break
        yield m
        pos = m.end()
    # from here on only a tens word at the run's start satisfies the look-ahead
    yield from _WORD_RUN_AT_TENS.finditer(text, pos)


def find_word_numbers(text: str, exclude: list[tuple[int, int]]) -> Iterator[Mention]:
    spans = exclude if isinstance(exclude, _Spans) else _Spans(exclude)
    for m in _word_number_matches(text):
        value = parse_word_number(m.group(0))
        if value and not spans.overlaps(m.start(), m.end()):
            yield Mention("NUMBER", m.start(), m.end(), m.group(0), value)


def recognize(text: str) -> list[Mention]:
    """All mentions in ``text``, sorted by start; document numbers win over dates over numbers."""
    out: list[Mention] = list(find_doc_numbers(text))
    spans = _Spans([(m.start, m.end) for m in out])
    for m in find_dates(text):
        if not spans.overlaps(m.start, m.end):
            out.append(m)
            spans.add(m.start, m.end)
    out.extend(find_numbers(text, spans))
    out.extend(find_word_numbers(text, spans))
    return sorted(out, key=lambda m: m.start)
