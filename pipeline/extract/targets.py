"""Quantitative targets: what a plan commits to reach, by when.

A target is a number in a target statement — a sentence with a deadline ("đến năm 2025"),
"phấn đấu" or "chỉ tiêu", or a line under a "CHỈ TIÊU"/"MỤC TIÊU" heading — followed by what it
counts. One sentence often holds several: "có 400 hợp tác xã, với 14.000 thành viên; 01 liên
hiệp hợp tác xã, với 04 hợp tác xã thành viên" is four. Each target keeps:

* ``year``: the last deadline before it in the sentence (or paragraph), else the end of a
  period stated in the sentence; the resolver falls back to the plan's period;
* ``value``/``value_max`` ("08 - 10"), ``unit`` (``count``, ``percent`` or a stated unit),
  ``comparator`` from the qualifier before it ("khoảng" -> ``approx``, "tối thiểu" -> ``min``);
* ``indicator``: the words after the number up to the next delimiter, at most
  :data:`MAX_INDICATOR_WORDS` words as underthesea segments them. Numbers inside an
  indicator ("xếp hạng 100 hợp tác xã") are part of a name, not targets.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ..core.model import Document
from ..lang import vocabulary
from ..nlp.recognize import Mention, parse_vn_number
from ..nlp.tokenize import tokenize
from . import mentions_in, register
from .entities import phrase_pattern
from .sections import enclosing, sections_of
from .target_tables import table_targets
from .values import Target

DEADLINE = re.compile(r"(?:đến|tới|trong|vào|hết|cuối)\s+năm\s+((?:19|20)\d{2})|^năm\s+((?:19|20)\d{2})", re.IGNORECASE)
CUE = re.compile(r"phấn đấu|chỉ tiêu|(?:đến|tới)\s+năm\s+(?:19|20)\d{2}|mục tiêu(?:\s+[^.:\n]{0,40}?)?\s+(?:là|:)", re.IGNORECASE)
HEADING_YEAR = re.compile(r"năm\s+((?:19|20)\d{2})", re.IGNORECASE)
PERIOD_END = re.compile(r"giai đoạn\s+(?:19|20)\d{2}\s*[-–—]\s*((?:19|20)\d{2})", re.IGNORECASE)
RANGE_TAIL = re.compile(r"\s*(?:[-–]|đến|tới)\s*(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?(\s?%)?")
INDICATOR_STOP = re.compile(
    r"(?<!\d),|,(?!\d)|[;:()\n]|\.(?!\d)|\s+(?:với|trong đó|gồm|bao gồm)\s+|(?<!\w)và\s+(?=(?:\S+\s+){0,4}\d)|\s+[-–]\s+(?=\d)"
)
LEAD_STOP = re.compile(r"[,;:()\n]|\.(?!\d)|(?<!\w)(?:và|có|là|đạt|phấn đấu|đến năm \d{4}|năm \d{4})\s", re.IGNORECASE)
MAX_INDICATOR_WORDS = 14
RATE = re.compile(r"\s*/\s*(?:năm|tháng|người|hộ|ha)(?!\w)")
LEADING_SPACES = re.compile(" *")
SENTENCE = re.compile(r"[^\n]+?(?:\.(?=\s)|$)", re.MULTILINE)


@lru_cache(maxsize=1)
def _patterns() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], re.Pattern[str]]:
    voc = vocabulary()
    quals = sorted(voc.comparators, key=lambda q: -len(q[0]))
    qual = re.compile(rf"(?<!\w)({'|'.join(phrase_pattern(q) for q, _ in quals)})\s*$", re.IGNORECASE)
    unit = re.compile(rf"\s*({'|'.join(phrase_pattern(u) for u in voc.units)})(?!\w)")
    time = re.compile(rf"\s*(?:{'|'.join(map(phrase_pattern, voc.time_words))})(?!\w)", re.IGNORECASE)
    name = re.compile(rf"(?<!\w)(?:{'|'.join(map(phrase_pattern, voc.not_before))})\s*$", re.IGNORECASE)
    return qual, unit, time, name


@lru_cache(maxsize=1)
def _comparator_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(phrase_pattern(q), re.IGNORECASE), comp) for q, comp in vocabulary().comparators)


def _comparator(phrase: str) -> str:
    for rx, comp in _comparator_patterns():
        if rx.fullmatch(phrase):
            return comp
    return "eq"


def target_sentences(doc: Document) -> list[tuple[int, int]]:
    """Spans of the sentences that state targets."""
    voc = vocabulary()
    secs = sections_of(doc)
    out = []
    cue_paragraph: int | None = None
    for m in SENTENCE.finditer(doc.text):
        kinds = {voc.section_kind(s.title) for s in enclosing(secs, m.start()) if s.level <= 3}
        if "rewards" in kinds or "criteria" in kinds:
            continue
        para = doc.text.rfind("\n", 0, m.start())
        cue = CUE.search(m.group(0))
        if cue and cue.group(0).lower().startswith("mục tiêu"):
            cue_paragraph = para  # "Mục tiêu ... là ...": the whole paragraph states targets
        if cue or "targets" in kinds or para == cue_paragraph:
            out.append((m.start(), m.end()))
    return out


def _year_for(doc: Document, sent_start: int, pos: int) -> int | None:
    """The deadline of a target at ``pos``: stated before it in its paragraph, else in the nearest
    enclosing heading ("1. Đến năm 2025"), else the end of a period stated in its sentence."""
    text = doc.text
    para_start = text.rfind("\n", 0, sent_start) + 1
    years = [int(m.group(1) or m.group(2)) for m in DEADLINE.finditer(text, para_start, pos)]
    if years:
        return years[-1]
    for sec in reversed(enclosing(sections_of(doc), pos)):
        if sec.heading.start < para_start and sec.level <= 3:
            found = HEADING_YEAR.findall(sec.title)
            if found:
                return int(found[-1])
    period = list(PERIOD_END.finditer(text, sent_start, pos))
    return int(period[-1].group(1)) if period else None


def _is_candidate(text: str, m: Mention) -> bool:
    _, _, time_rx, name_rx = _patterns()
    if m.label == "NUMBER" and isinstance(m.value, int) and 1900 <= m.value <= 2100 and "." not in m.text:
        return False  # a year
    before = text[max(0, m.start - 30):m.start]
    if re.search(r"(?:^|\n)\s*$", before) and re.match(r"[.)]", text[m.end:m.end + 1]):
        return False  # a list label "2." or "1)"
    if before.endswith("(") and text[m.end:m.end + 1] == ")":
        return False  # "(1)"
    if name_rx.search(before):
        return False
    return not (m.label == "NUMBER" and time_rx.match(text, m.end))


def indicator_end(text: str, start: int, end: int) -> int:
    """End of an indicator: at most :data:`MAX_INDICATOR_WORDS` Vietnamese words (underthesea
    segmentation, so "hợp tác xã" is one word), ending on a word boundary."""
    words = [t for t in tokenize(text[start:end]) if not t.is_space and not t.is_punct]
    if len(words) <= MAX_INDICATOR_WORDS:
        return end
    last = words[MAX_INDICATOR_WORDS - 1]
    return start + last.idx + len(last.text)


def _lead_indicator(text: str, start: int, pos: int) -> str | None:
    """What a number with nothing after it measures: the words just before it ("tăng trưởng")."""
    stops = list(LEAD_STOP.finditer(text, start, pos))
    lead_start = stops[-1].end() if stops else start
    words = text[lead_start:pos].split()
    return " ".join(words[-6:]) or None


def targets_in(doc: Document, start: int, end: int, consumed: list[tuple[int, int]]) -> list[Target]:
    text = doc.text
    qual_rx, unit_rx, _, _ = _patterns()
    out = []
    nums = [m for m in mentions_in(doc, start, end) if m.label in ("NUMBER", "PERCENT")]
    for m in nums:
        if any(s <= m.start < e for s, e in consumed) or not _is_candidate(text, m):
            continue
        value, value_max, num_end, percent = m.value, None, m.end, m.label == "PERCENT"
        rng = RANGE_TAIL.match(text, m.end)
        if rng and rng.end() <= end:
            value_max = parse_vn_number(rng.group(1) + (("," + rng.group(2)) if rng.group(2) else ""))
            percent = percent or bool(rng.group(3))
            num_end = rng.end()
        unit = "percent" if percent else "count"
        ind_start = num_end
        if not percent:
            u = unit_rx.match(text, num_end)
            if u:
                unit, ind_start = u.group(1), u.end()
        rate = RATE.match(text, ind_start)
        if rate:  # "3,5 tỷ đồng/năm": a rate; what it measures comes before it
            ind_start = rate.end()
        ind_start = LEADING_SPACES.match(text, ind_start).end()
        stop = INDICATOR_STOP.search(text, ind_start, end)
        ind_end = indicator_end(text, ind_start, stop.start() if stop else end)
        indicator = re.sub(r"\s+", " ", text[ind_start:ind_end]).strip() or None
        q = qual_rx.search(text, max(start, m.start - 20), m.start)
        if not indicator:
            indicator = _lead_indicator(text, start, q.start(1) if q else m.start)
        if not indicator and unit == "count":
            continue  # a bare number counts nothing
        comparator = _comparator(q.group(1)) if q else "eq"
        tail = re.match(r"\s*trở lên", text[num_end:ind_end + 10])
        if tail:
            comparator = "min"
        ev_start = q.start(1) if q else m.start
        consumed.append((m.start, ind_end))
        out.append(Target(_year_for(doc, start, m.start), value, value_max, unit, comparator, indicator,
                          doc.evidence(ev_start, max(ind_end, num_end))))
    return out


def _qualifier_comparator(text: str) -> str:
    """The comparator of a qualifier written in a table cell ("tối thiểu", "≥"), else ``eq``."""
    q = _patterns()[0].search(text)
    return _comparator(q.group(1)) if q else "eq"


@register("targets")
def extract_targets(doc: Document) -> list[Target]:
    """Targets from target tables first, then from target statements in the running text."""
    out, consumed = table_targets(doc, _qualifier_comparator)
    for start, end in target_sentences(doc):
        out.extend(targets_in(doc, start, end, consumed))
    return out
