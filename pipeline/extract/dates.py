"""Dates and periods: every date normalised to ISO, year-range periods and from-to durations.

* dates: "ngày 20/8/2021", "ngày 14 tháng 9 năm 2021" (day precision), "tháng 9/2021" (month);
* periods: "giai đoạn 2021 - 2025" with any dash, "từ năm 2021 đến năm 2025";
* durations: "từ tháng 9/2021 đến hết tháng 12/2030", "từ ngày 01/01/2024 đến ngày 31/12/2025".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.model import Document
from . import mentions, register
from .values import DateValue, Duration, Period

_Y = r"((?:19|20)\d{2})"
PERIOD = re.compile(
    rf"(?:(giai đoạn|thời kỳ|nhiệm kỳ)\s+)?(?<![\d/.-]){_Y}\s*[-–—]\s*{_Y}(?![\d/])"
    rf"|(?:từ\s+)?năm\s+{_Y}\s+(?:đến|tới)\s+(?:hết\s+)?năm\s+{_Y}",
    re.IGNORECASE,
)
_FROM = re.compile(r"(?:^|\s)[Tt]ừ\s+(?:ngày\s+)?$")
_TO = re.compile(r"^\s*,?\s*(?:đến|tới|-|–)\s*(?:hết\s+)?(?:ngày\s+)?$", re.IGNORECASE)
_LABEL = re.compile(r"(Thời gian|Thời hạn)[^\n.]{0,40}$", re.IGNORECASE)


@dataclass
class DateFacts:
    dates: list[DateValue]
    periods: list[Period]
    durations: list[Duration]


def find_periods(doc: Document) -> list[Period]:
    out = []
    for m in PERIOD.finditer(doc.text):
        groups = [g for g in m.groups()[1:] if g and g.isdigit()]
        start, end = int(groups[0]), int(groups[1])
        if not 0 < end - start <= 50:
            continue
        ev_start = m.start() if m.group(1) or m.group(0).lower().startswith(("từ", "năm")) else m.start(2)
        out.append(Period(start, end, doc.evidence(ev_start, m.end())))
    return out


def find_durations(doc: Document) -> list[Duration]:
    text = doc.text
    dated = [m for m in mentions(doc) if m.label in ("DATE", "MONTH")]
    out = []
    for first, second in zip(dated, dated[1:]):
        lead = _FROM.search(text, max(0, first.start - 12), first.start)
        if not lead or not _TO.match(text[first.end:second.start]):
            continue
        start = lead.start() + (1 if text[lead.start()].isspace() else 0)
        labelled = bool(_LABEL.search(text, max(0, start - 60), start))
        out.append(Duration(first.value, second.value, doc.evidence(start, second.end), labelled))
    return out


@register("dates")
def extract_dates(doc: Document) -> DateFacts:
    dates = [
        DateValue(m.value, "day" if m.label == "DATE" else "month", doc.evidence(m.start, m.end))
        for m in mentions(doc)
        if m.label in ("DATE", "MONTH")
    ]
    return DateFacts(dates, find_periods(doc), find_durations(doc))
