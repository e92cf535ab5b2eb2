"""Dates and periods: every date normalised to ISO, year-range periods and from-to durations.

* dates: "ngày 20/8/2021", "ngày 14 tháng 9 năm 2021" (day precision), "tháng 9/2021" (month);
* periods: "giai đoạn 2021 - 2025" with any dash, "từ năm 2021 đến năm 2025";
* single years: "năm 2023" outside a date ("ngày 12 tháng 3 năm 2023") and a citation
  ("Quyết định 2658/QĐ-BTP năm 2020"), the period of a one-year plan when stated with it;
* durations: "từ tháng 9/2021 đến hết tháng 12/2030", "từ ngày 01/01/2024 đến ngày 31/12/2025".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.model import Document
from . import mentions, register
from .values import DateValue, Duration, Period

_Y = r"((?:19|20)\d{2})"
PERIOD = re.compile(  # the look-ahead names every first letter a match can have: a quick skip elsewhere
    rf"(?=[gtn12])(?:(?:(giai đoạn|thời kỳ|nhiệm kỳ)\s+)?(?<![\d/.-]){_Y}\s*[-–—]\s*{_Y}(?![\d/])"
    rf"|(?:từ\s+)?năm\s+{_Y}\s+(?:đến|tới)\s+(?:hết\s+)?năm\s+{_Y})",
    re.IGNORECASE,
)
YEAR = re.compile(rf"\bnăm\s+{_Y}(?![\d/])(?!\s*[-–—]\s*(?:19|20)\d{{2}})", re.IGNORECASE)
#: before a year that is not a plan's: a date, a citation ("2658/QĐ-BTP năm 2020"), a deadline
#: ("hoàn thành trong quý II năm 2023", "trước năm", "cuối năm")
_NOT_A_PLAN_YEAR = re.compile(r"(?:tháng\s*\d{1,2}|\d+/[\w./-]*[A-ZĐ][\w./-]*|ngày|quý\s+[IV\d]+|trong|trước|"
                              r"cuối|đầu|giữa|hoàn thành|sau)\s*,?\s*$", re.IGNORECASE)
#: before a year that a plan runs up to ("đến năm 2030", "tới hết năm 2025")
_HORIZON = re.compile(r"(?:đến|tới)\s+(?:hết\s+)?$", re.IGNORECASE)
_FROM = re.compile(r"(?:^|\s)[Tt]ừ\s+(?:ngày\s+)?$")
_TO = re.compile(r"^\s*,?\s*(?:đến|tới|-|–)\s*(?:hết\s+)?(?:ngày\s+)?$", re.IGNORECASE)
_LABEL = re.compile(r"(Thời gian|Thời hạn)[^\n.]{0,40}$", re.IGNORECASE)


@dataclass
class DateFacts:
    dates: list[DateValue]
    periods: list[Period]
    durations: list[Duration]
    years: list[Period]


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


def find_years(doc: Document) -> list[Period]:
    """Single years ("năm 2023") as one-year periods, leaving out dates and citations."""
    text = doc.text
    out = []
    for m in YEAR.finditer(text):
        if _NOT_A_PLAN_YEAR.search(text, max(0, m.start() - 40), m.start()):
            continue
        year = int(m.group(1))
        horizon = bool(_HORIZON.search(text, max(0, m.start() - 15), m.start()))
        out.append(Period(year, year, doc.evidence(m.start(), m.end()), horizon))
    return out


@register("dates")
def extract_dates(doc: Document) -> DateFacts:
    dates = [
        DateValue(m.value, "day" if m.label == "DATE" else "month", doc.evidence(m.start, m.end))
        for m in mentions(doc)
        if m.label in ("DATE", "MONTH")
    ]
    return DateFacts(dates, find_periods(doc), find_durations(doc), find_years(doc))
