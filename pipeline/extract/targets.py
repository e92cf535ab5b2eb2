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
from typing import NamedTuple

from ..core.model import Document
from ..lang import vocabulary
from ..nlp.recognize import Mention, parse_vn_number
from ..nlp.tokenize import tokenize
from . import mentions_in, register, wrapped
from .entities import phrase_pattern
from .sections import enclosing, sections_of
from .target_tables import table_targets
from .target_words import change_of, recurrence_of, target_words
from .values import Target

CUE = re.compile(r"phấn đấu|chỉ tiêu|ít nhất|tối thiểu|(?:đến|tới)\s+năm\s+(?:19|20)\d{2}|mục tiêu(?:\s+[^.:\n]{0,40}?)?\s+(?:là|:)", re.IGNORECASE)
HEADING_YEAR = re.compile(r"năm\s+((?:19|20)\d{2})", re.IGNORECASE)
PERIOD_END = re.compile(r"(?:giai đoạn|nhiệm kỳ)\s+(?:19|20)\d{2}\s*[-–—]\s*((?:19|20)\d{2})", re.IGNORECASE)
RANGE_TAIL = re.compile(r"\s*(?:[-–]|đến|tới)\s*(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?(\s?%)?")
INDICATOR_STOP = re.compile(
    r"(?<!\d),|,(?!\d)|[;:()]|\.(?!\d)|\s+đạt\s+(?=\d)|"
    r"(?<!\w)(?:(?:vào|trong|đến|tới|hết)\s+)*(?:năm|giai đoạn)\s+(?:19|20)\d{2}(?!\d)|\s+(?:với|trong đó|gồm|bao gồm)\s+|(?<!\w)và\s+(?=(?:\S+\s+){0,4}\d)|\s+[-–]\s+(?=\d)"
)
LEAD_STOP = re.compile(r"[,;:()]|\.(?!\d)|(?<!\w)(?:và|có|là|đạt|phấn đấu|đến năm \d{4}|năm \d{4})\s", re.IGNORECASE)
MAX_INDICATOR_WORDS = 14
#: "/năm", "/người/năm": the denominator of a rate after a number's unit.
PER = re.compile(r"\s*/\s*([^\W\d_]+(?:\s*/\s*[^\W\d_]+)*)")
#: "550/100.000 trẻ em": a rate per a population base (the noun is read by word segmentation).
RATE_BASE = re.compile(r"(?<![\w.,/-])(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?\s*/\s*(100|1\.000|10\.000|100\.000|1\.000\.000)\s+(?=[^\W\d_])")
#: Words after a rate's base that are not what it counts ("500/100.000 vào năm 2030": the noun is
#: the one of the rate before it).
NOT_BASE_NOUN = {"vào", "năm", "trong", "đến", "tới", "và", "hoặc", "so", "trở", "trên", "dưới", "đạt"}
#: "3 bản/người": a classifier per a noun, read as the unit "bản/người".
PER_CLASSIFIER = re.compile(r"\s*([^\W\d_]+)\s*/\s*([^\W\d_]+(?:\s*/\s*[^\W\d_]+)*)")
#: "năm 2025" anywhere (a deadline unless :func:`_deadline_ok` says otherwise).
YEAR_WORD = re.compile(r"(?<!\w)năm\s+((?:19|20)\d{2})(?![\d/])(?!\s*[-–]\s*(?:19|20)\d{2})", re.IGNORECASE)
LEADING_SPACES = re.compile(" *")
#: after a year that introduces the value that follows it ("năm 2030 đạt trên 42%", "năm 2025, 90%")
OPENS_VALUE = re.compile(r"\s*(?:,\s*)?(?:(?:đạt|có|là|phấn đấu)\b|\d)", re.IGNORECASE)


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


def _excluded(kinds: set[str | None]) -> bool:
    return "rewards" in kinds or "criteria" in kinds


def target_sentences(doc: Document) -> list[tuple[int, int, int | None]]:
    """Spans of the sentences that state targets, each with the start of the line that opened its
    list ("Phấn đấu đến năm 2028:"; None outside a list), whose deadline its items share.

    A sentence states targets when it has a cue ("phấn đấu", "chỉ tiêu", "đến năm 2025"), sits
    under a targets heading or in a "Mục tiêu ... là" paragraph, follows a line that opens a list
    of targets ("03 nhóm chỉ tiêu phấn đấu đến năm 2030:") while the list's lines hold numbers, or
    holds a percentage outside the plan's organisation part (plans state most commitments as
    shares: "100% xã ..."). A clause reporting a result already reached is left out later, number
    by number (:func:`_achieved`).
    """
    voc = vocabulary()
    words = target_words()
    text = doc.text
    secs = sections_of(doc)
    out = []
    cue_paragraph: int | None = None
    in_list = False
    intro: int | None = None
    last_para = -1
    for start, end in wrapped.sentences(text):
        kinds = {voc.section_kind(s.title) for s in enclosing(secs, start) if s.level <= 3}
        sentence = text[start:end]
        para = wrapped.paragraph_start(text, start)
        if para != last_para:  # a new paragraph: a list of targets goes on while its items hold numbers
            if in_list and not re.search(r"\d", sentence):
                in_list = False
            last_para = para
        if _excluded(kinds):
            in_list = False
            continue
        cue = CUE.search(sentence)
        if cue and cue.group(0).lower().startswith("mục tiêu"):
            cue_paragraph = para  # "Mục tiêu ... là ...": the whole paragraph states targets
        percent = any(x.label == "PERCENT" for x in mentions_in(doc, start, end))
        if (cue or "targets" in kinds or para == cue_paragraph or in_list
                or (percent and "organisation" not in kinds)):
            out.append((start, end, intro if in_list else None))
        if sentence.rstrip().endswith(":") and (cue or words.list_intro.search(sentence) or "targets" in kinds):
            in_list, intro = True, start
    return out


def _deadline_ok(text: str, year: re.Match[str], blocked: list[tuple[int, int]]) -> bool:
    """Whether a "năm YYYY" reads as a deadline: not inside a date or a document number, not a
    baseline or a start ("so với năm 2019", "từ năm 2021", "giai đoạn 2021")."""
    if any(s <= year.start() < e for s, e in blocked):
        return False
    before = text[max(0, year.start() - 25):year.start()]
    named = target_words().named_with_year.search(text, max(0, year.start() - 60), year.start())
    return not target_words().not_deadline.search(before) and not named


def _blocked(doc: Document, start: int, end: int) -> list[tuple[int, int]]:
    return [(x.start, x.end) for x in mentions_in(doc, start, end) if x.label in ("DATE", "MONTH", "DOCNUM")]


def _year_for(doc: Document, sent_start: int, pos: int, value_end: int, clause_end: int,
              clause_closed: bool, intro: int | None = None) -> int | None:
    """The deadline of a target whose number spans ``pos``..``value_end``.

    In order: a "năm YYYY" after it in its clause ("đạt 85% vào năm 2030"; a year after a comma
    opens the next item's clause instead — "năm 2016 đạt 81,52%, năm 2017 đạt 84,29%" — unless
    the clause ends there), the last deadline before it in its paragraph ("năm 2016 đạt", "Đến
    năm 2025, ..."), the nearest enclosing heading ("1. Đến năm 2025"), the end of a period stated
    in its sentence. Baselines ("so với năm 2019") and dates are not deadlines. An item of a list
    also takes the deadline of the line that opened the list (``intro``: "Phấn đấu đến năm 2028:").
    """
    text = doc.text
    para_start = wrapped.paragraph_start(text, sent_start)
    blocked = _blocked(doc, para_start, clause_end)
    for y in YEAR_WORD.finditer(text, value_end, clause_end):
        if not _deadline_ok(text, y, blocked):
            continue
        adjacent = re.fullmatch(r"\s*(?:(?:vào|trong|đến|tới|hết|cuối)\s+)*", text[value_end:y.start()], re.IGNORECASE)
        if not adjacent and (CUE.search(text, value_end, y.start()) or OPENS_VALUE.match(text, y.end())):
            break  # "..., phấn đấu đến hết năm 2009 không còn", "và năm 2030 đạt 42%": the next statement's
        if re.search(r",\s*(?:(?:vào|trong|đến|tới|hết|cuối)\s+)?$", text[max(0, y.start() - 12):y.start()]) \
                and not clause_closed:
            break
        return int(y.group(1))
    after = PERIOD_END.search(text, value_end, clause_end)
    if after:  # "tiết kiệm từ 5% ... trong giai đoạn 2016 - 2020"
        return int(after.group(1))
    years = [int(y.group(1)) for y in YEAR_WORD.finditer(text, para_start, pos) if _deadline_ok(text, y, blocked)]
    if years:
        return years[-1]
    if intro is not None:
        intro_end = text.find("\n", intro)
        intro_end = intro_end if 0 <= intro_end < pos else pos
        years = [int(y.group(1)) for y in YEAR_WORD.finditer(text, intro, intro_end)
                 if _deadline_ok(text, y, _blocked(doc, intro, intro_end))]
        if years:
            return years[-1]
    for sec in reversed(enclosing(sections_of(doc), pos)):
        if sec.heading.start < para_start and sec.level <= 3:
            found = HEADING_YEAR.findall(sec.title)
            if found:
                return int(found[-1])
    period = list(PERIOD_END.finditer(text, sent_start, pos))
    return int(period[-1].group(1)) if period else None


def _achieved(clause: str) -> bool:
    """Whether a clause reports a result already reached ("năm 2023 đã đạt 95%")."""
    words = target_words()
    return bool(words.achieved.search(clause)) and not words.planned.search(clause)


def _in_quotes(text: str, start: int, pos: int) -> bool:
    """Whether ``pos`` is inside a quotation opened after ``start`` (a name: “5 không, 3 sạch”)."""
    before = text[start:pos]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1


def _in_parentheses(text: str, start: int, pos: int) -> bool:
    """Whether ``pos`` is inside a parenthesis opened after ``start`` ("trẻ sơ sinh thấp (dưới 2.500 gram)")."""
    before = text[start:pos]
    return before.count("(") > before.count(")")


#: Numbers written in words, as plans write small counts ("ít nhất một mô hình"); "năm" (also
#: "year") and "tư" (also "private", "fourth") are left out.
SPELLED = {"một": 1, "hai": 2, "ba": 3, "bốn": 4, "sáu": 6, "bảy": 7, "tám": 8, "chín": 9, "mười": 10}
_SPELLED_WORD = "|".join(SPELLED)
#: A number in words counts something only after a word that asks for a quantity, before a noun.
SPELLED_COUNT = re.compile(rf"(?<!\w)(?:ít nhất|tối thiểu|thêm|được|có|từ)\s+({_SPELLED_WORD})(?=\s+[^\W\d_])",
                           re.IGNORECASE)
SPELLED_RANGE = re.compile(rf"\s+(?:đến|tới|-|–)\s+({_SPELLED_WORD})(?!\w)", re.IGNORECASE)
#: Words after a number in words that make it no count ("một số", "một cách", "hai bên").
NOT_COUNTED = {"số", "cách", "phần", "nửa", "vài", "trong", "hoặc", "và", "bên", "lần", "lúc", "khi", "chiều"}


def _spelled_counts(doc: Document, start: int, end: int) -> list[Mention]:
    """Small counts written in words ("được hai gia đình", "từ một đến hai công trình") as numbers."""
    out = []
    for m in SPELLED_COUNT.finditer(doc.text, start, end):
        after = re.match(r"\s+([^\W\d_]+)", doc.text[m.end(1):m.end(1) + 20])
        if after and after.group(1).lower() not in NOT_COUNTED:
            out.append(Mention("NUMBER", m.start(1), m.end(1), m.group(1), SPELLED[m.group(1).lower()]))
    return out


def _is_year(text: str, m: Mention) -> bool:
    """Whether a number is a year ("năm 2025", "2020 - 2025"), which dates a target, not counts one."""
    return m.label == "NUMBER" and isinstance(m.value, int) and 1900 <= m.value <= 2100 and "." not in m.text


def _is_candidate(text: str, m: Mention) -> bool:
    _, _, time_rx, name_rx = _patterns()
    if _is_year(text, m):
        return False
    before = text[max(0, m.start - 30):m.start]
    if re.search(r"(?:^|\n)\s*$", before) and re.match(r"[.)]", text[m.end:m.end + 1]):
        return False  # a list label "2." or "1)"
    if before.endswith("(") and text[m.end:m.end + 1] == ")":
        return False  # "(1)"
    if re.search(r"\d:$", before) or re.match(r":\d{2}\b", text[m.end:m.end + 3]):
        return False  # the hour or the minutes of a time "16:41"
    line_start = text.rfind("\n", 0, m.start) + 1
    line_end = text.find("\n", m.end)
    if not text[line_start:m.start].strip() and not text[m.end:len(text) if line_end < 0 else line_end].strip(" %\t"):
        return False  # a number alone on its line: a table's cell laid out one per line, not a sentence
    if name_rx.search(before):
        return False
    return not (m.label == "NUMBER" and time_rx.match(text, m.end))


class Word(NamedTuple):
    """A word of a tokenised span: its offset in the span and its text."""

    idx: int
    text: str


@lru_cache(maxsize=4096)
def span_words(span: str) -> tuple[Word, ...]:
    """The words of ``span`` (underthesea segmentation, so "hợp tác xã" is one word), without
    spaces and punctuation; each distinct span is tokenised once (a price list repeats its
    indicators row after row)."""
    return tuple(Word(t.idx, t.text) for t in tokenize(span) if not t.is_space and not t.is_punct)


def indicator_end(text: str, start: int, end: int) -> int:
    """End of an indicator: at most :data:`MAX_INDICATOR_WORDS` Vietnamese words (underthesea
    segmentation, so "hợp tác xã" is one word), ending on a word boundary."""
    words = span_words(text[start:end])
    if len(words) <= MAX_INDICATOR_WORDS:
        return end
    last = words[MAX_INDICATOR_WORDS - 1]
    return start + last.idx + len(last.text)


def _lead_indicator(text: str, start: int, pos: int) -> str | None:
    """What a number with nothing after it measures: the words just before it ("tăng trưởng"),
    or before the verb that states it ("Tỷ lệ trẻ em được đăng ký khai sinh đạt 98,5%")."""
    stops = list(LEAD_STOP.finditer(text, start, pos))
    lead_start = stops[-1].end() if stops else start
    words = text[lead_start:pos].split()
    if not words and stops and re.fullmatch(r"(?:đạt|là)\s", stops[-1].group(0), re.IGNORECASE):
        before = stops[-2].end() if len(stops) > 1 else start
        words = text[before:stops[-1].start()].split()
        if words and words[0].lower() in ("và", "phấn", "đấu"):
            words = []
        return _unbulleted(words[-20:])
    return _unbulleted(words[-6:])


def _unbulleted(words: list[str]) -> str | None:
    """Words of a lead without a list bullet ("- Quỹ Hỗ trợ nông dân" -> "Quỹ Hỗ trợ nông dân")."""
    while words and re.fullmatch(r"[-–+•*]+", words[0]):
        words = words[1:]
    return " ".join(words) or None


def _clause_bounds(text: str, start: int, end: int, pos: int) -> tuple[int, int]:
    """The clause of a sentence around ``pos``: between semicolons (or the sentence's ends)."""
    left = text.rfind(";", start, pos)
    right = text.find(";", pos, end)
    return (left + 1 if left >= 0 else start), (right if right >= 0 else end)


def _unit_after(text: str, pos: int, end: int, value: float | int) -> tuple[str | None, float | int, int]:
    """The unit after a number ending at ``pos`` (a scale word without a unit multiplies the
    value: "1,6 triệu thanh niên"), the value and where the unit ends."""
    unit_rx = _patterns()[1]
    u = unit_rx.match(text, pos, end)
    if u:
        return u.group(1), value, u.end()
    sc = target_words().scale.match(text, pos, end)
    if sc:
        scaled = round(value * target_words().scales[sc.group(1).lower()], 6)
        scaled = int(scaled) if float(scaled).is_integer() else scaled
        u = unit_rx.match(text, sc.end(), end)
        return (u.group(1), scaled, u.end()) if u else (None, scaled, sc.end())
    return None, value, pos


def _target(doc: Document, start: int, end: int, first: int, ev_end: int, num_end: int, next_start: int,
            value: float | int, value_max: float | int | None, unit: str, per: str | None,
            indicator: str | None, qualifier: re.Match[str] | None, tail_min: bool,
            intro: int | None) -> Target | None:
    """A target from its parts, or None when its clause reports a result already reached."""
    text = doc.text
    c_start, c_end = _clause_bounds(text, start, end, first)
    if _achieved(text[c_start:c_end]):
        return None
    comparator = _comparator(qualifier.group(1)) if qualifier else "eq"
    if tail_min:
        comparator = "min"
    lead_end = qualifier.start(1) if qualifier else first
    change = change_of(text[max(c_start, lead_end - 20):lead_end])
    year_end = min(next_start, c_end)
    year = _year_for(doc, start, first, num_end, year_end, year_end == c_end, intro)
    recurrence = recurrence_of(text[c_start:c_end])
    multiplier = unit == "lần" and change == "increase"
    ev_start = qualifier.start(1) if qualifier else first
    return Target(year, value, value_max, unit, comparator, indicator, doc.evidence(ev_start, max(ev_end, num_end)),
                  per=per, recurrence=recurrence, change=change, multiplier=multiplier)


def _rate_targets(doc: Document, start: int, end: int, consumed: list[tuple[int, int]],
                  intro: int | None) -> list[Target]:
    """Rates per a population base ("550/100.000 trẻ em"): unit "/100.000 trẻ em"."""
    text = doc.text
    qual_rx = _patterns()[0]
    out = []
    last_base: str | None = None
    for m in RATE_BASE.finditer(text, start, end):
        if any(s <= m.start() < e for s, e in consumed):
            continue
        words = span_words(text[m.end():min(end, m.end() + 40)])
        if not words or not re.match(r"[^\W\d_]", words[0].text):
            continue
        if words[0].text.lower() in NOT_BASE_NOUN:  # "500/100.000 vào năm 2030": the noun said before
            if last_base is None or not last_base.startswith(m.group(3) + " "):
                continue
            noun_end, base = m.end() - 1, last_base
        else:
            noun_end = m.end() + words[0].idx + len(words[0].text)
            base = f"{m.group(3)} {words[0].text}"
        last_base = base
        value = parse_vn_number(m.group(1) + (("," + m.group(2)) if m.group(2) else ""))
        if value is None:
            continue
        q = qual_rx.search(text, max(start, m.start() - 20), m.start())
        indicator = _lead_indicator(text, start, q.start(1) if q else m.start())
        found = _target(doc, start, end, m.start(), noun_end, noun_end, end, value, None, "/" + base, base,
                        indicator, q, False, intro)
        consumed.append((m.start(), noun_end))
        if found is not None:
            out.append(found)
    return out


def targets_in(doc: Document, start: int, end: int, consumed: list[tuple[int, int]],
               intro: int | None = None) -> list[Target]:
    """The targets of one target statement ``text[start:end]`` (``intro``: see :func:`_year_for`)."""
    text = doc.text
    qual_rx = _patterns()[0]
    out = _rate_targets(doc, start, end, consumed, intro)
    nums = [m for m in mentions_in(doc, start, end) if m.label in ("NUMBER", "PERCENT")]
    nums = sorted(nums + _spelled_counts(doc, start, end), key=lambda m: m.start)
    for k, m in enumerate(nums):
        if any(s <= m.start < e for s, e in consumed) or not _is_candidate(text, m):
            continue
        if _in_parentheses(text, start, m.start):
            continue  # an explanation ("(dưới 2.500 gram)"), not a commitment
        value, value_max, num_end, percent = m.value, None, m.end, m.label == "PERCENT"
        rng = RANGE_TAIL.match(text, m.end)
        spelled = SPELLED_RANGE.match(text, m.end) if m.text.lower() in SPELLED else None
        if spelled and spelled.end() <= end:  # "từ một đến hai công trình"
            value_max, num_end = SPELLED[spelled.group(1).lower()], spelled.end()
        elif rng and rng.end() <= end:
            value_max = parse_vn_number(rng.group(1) + (("," + rng.group(2)) if rng.group(2) else ""))
            percent = percent or bool(rng.group(3))
            num_end = rng.end()
        if not percent and _patterns()[2].match(text, num_end):
            continue  # "15 - 60 tuổi", "6 tháng": an age or a duration
        if _in_quotes(text, start, m.start):
            continue  # part of a name ("5 không, 5 sạch")
        unit = "percent" if percent else "count"
        ind_start = num_end
        per = None
        if not percent:
            found_unit, scaled, unit_end = _unit_after(text, num_end, end, value)
            if scaled != value and value_max is not None:
                value_max = round(value_max * scaled / value, 6) if value else value_max
            value, ind_start = scaled, unit_end
            unit = found_unit or unit
            classifier = PER_CLASSIFIER.match(text, ind_start, end) if found_unit is None else None
            if classifier:  # "3 bản/người"
                per = re.sub(r"\s+", "", classifier.group(2))
                unit, ind_start = f"{classifier.group(1)}/{per}", classifier.end()
        rate = PER.match(text, ind_start, end) if per is None else None
        if rate:  # "3,5 tỷ đồng/năm", "1,5-2%/năm": a rate; what it measures comes before it
            per = re.sub(r"\s+", "", rate.group(1))
            ind_start = rate.end()
        if target_words().structure.match(text, ind_start, end):
            continue  # "03 nhóm chỉ tiêu": the plan's own parts
        ind_start = LEADING_SPACES.match(text, ind_start).end()
        if tail_rx := re.match(r"trở lên\s+", text[ind_start:ind_start + 12]):
            ind_start += tail_rx.end()  # "97% trở lên số hội viên": the comparator, then what it counts
        stop = INDICATOR_STOP.search(text, ind_start, end)
        ind_end = indicator_end(text, ind_start, stop.start() if stop else end)
        indicator = re.sub(r"\s+", " ", text[ind_start:ind_end]).strip() or None
        if indicator and re.match(r"và\s", indicator):
            indicator, ind_end = None, num_end  # "đạt 70% và được lập hồ sơ": a new clause, not what 70% counts
        q = qual_rx.search(text, max(start, m.start - 20), m.start)
        if not indicator:
            indicator = _lead_indicator(text, start, q.start(1) if q else m.start)
        elif indicator.lower() in target_words().generic:  # "khám sức khỏe chuyên sâu cho 3.500 người"
            lead = _lead_indicator(text, start, q.start(1) if q else m.start)
            lead = re.sub(r"(?:\s+(?:cho|của|với|được|khoảng|có|là|đạt|thêm))+$", "", lead or "").strip(" ,:")
            indicator = f"{indicator} ({lead})" if lead else indicator
        if not indicator and unit == "count":
            continue  # a bare number counts nothing
        tail_min = bool(re.match(r"\s*trở lên", text[num_end:ind_end + 10])) or \
            bool(indicator and re.match(r"(?:\S+\s+){1,5}trở lên(?!\w)", indicator))  # "hai gia đình trở lên"
        if tail_min and indicator:
            indicator = re.sub(r"\s+trở lên(?!\w)", "", indicator, count=1)
        next_start = next((n.start for n in nums[k + 1:] if n.start >= ind_end and not _is_year(text, n)), end)
        consumed.append((m.start, ind_end))
        found = _target(doc, start, end, m.start, ind_end, num_end, next_start, value, value_max, unit, per,
                        indicator, q, tail_min, intro)
        if found is not None:
            out.append(found)
    return out


def _dedupe(targets: list[Target]) -> list[Target]:
    """One target per statement: a text that states a target twice (a news lead and its body)
    keeps the first, and a copy without a year gives way to one with it."""
    def key(t: Target) -> tuple:
        words = re.findall(r"\w+", (t.indicator or "").lower())[:3]
        return t.value, t.value_max, t.unit, t.per, tuple(words)

    seen: dict[tuple, list[Target]] = {}
    out = []
    for t in targets:
        same = seen.setdefault(key(t), [])
        if any(s.year == t.year or t.year is None for s in same):
            continue
        same.append(t)
        out.append(t)
    return [t for t in out if t.year is not None or not any(s.year is not None for s in seen[key(t)])]


def _qualifier_comparator(text: str) -> str:
    """The comparator of a qualifier written in a table cell ("tối thiểu", "≥"), else ``eq``."""
    q = _patterns()[0].search(text)
    return _comparator(q.group(1)) if q else "eq"


@register("targets")
def extract_targets(doc: Document) -> list[Target]:
    """Targets from target tables first, then from target statements in the running text."""
    out, consumed = table_targets(doc, _qualifier_comparator)
    for start, end, intro in target_sentences(doc):
        out.extend(targets_in(doc, start, end, consumed, intro))
    return _dedupe(out)
