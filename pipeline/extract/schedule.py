"""Reporting and other deadlines, with their recurrence.

"định kỳ hàng quý (ngày 15 của tháng cuối quý), 6 tháng (ngày 15/6), năm (ngày 15/12)" gives
three recurring items; "trước ngày 30/11/2024" a one-off deadline.
"""

from __future__ import annotations

import re

from ..core.model import Document
from . import mentions, register
from .values import ScheduleItem

RECURRENCE = (
    (r"(?:hàng|hằng)\s+tháng|mỗi tháng", "monthly"),
    (r"(?:hàng|hằng)\s+quý|mỗi quý|quý", "quarterly"),
    (r"6\s+tháng|sáu\s+tháng|nửa\s+năm", "semiannual"),
    (r"(?:hàng|hằng)\s+năm|mỗi năm|năm", "annual"),
)
_REC = re.compile("|".join(f"(?P<r{i}>{p})" for i, (p, _) in enumerate(RECURRENCE)), re.IGNORECASE)
PERIODIC = re.compile(r"định kỳ", re.IGNORECASE)
DAY_MONTH = re.compile(r"ngày\s+(\d{1,2})\s*/\s*(\d{1,2})(?![/\d])")
DEADLINE = re.compile(r"(?:trước|chậm nhất(?: là)?|hạn chót|không muộn hơn|hoàn thành trước)\s+(?:ngày\s+)?$", re.IGNORECASE)
_SENTENCE_END = re.compile(r"\.(?:\s|$)|\n")
TASK = re.compile(r"(báo cáo|gửi|nộp|tổng hợp|đăng ký)[^,.;()\n]*", re.IGNORECASE)


def _recurrence(m: re.Match[str]) -> str:
    return next(RECURRENCE[int(k[1:])][1] for k, v in m.groupdict().items() if v)


def _sentence(text: str, pos: int) -> tuple[int, int]:
    start = max(text.rfind(". ", 0, pos) + 2, text.rfind("\n", 0, pos) + 1, 0)
    end_m = _SENTENCE_END.search(text, pos)
    return start, end_m.start() if end_m else len(text)


def recurring(doc: Document) -> list[ScheduleItem]:
    text = doc.text
    out = []
    for cue in PERIODIC.finditer(text):
        s_start, s_end = _sentence(text, cue.start())
        task = TASK.search(text, cue.end(), s_end)
        for m in _REC.finditer(text, cue.end(), s_end):
            paren = re.match(r"\s*\(([^()]*)\)", text[m.end():s_end])
            if not paren and not text[cue.end():m.start()].strip() == "":
                continue  # only the cue's own list: "định kỳ hàng quý (...), 6 tháng (...)"
            due, rule = None, None
            end = m.end()
            if paren:
                end = m.end() + paren.end()
                dm = DAY_MONTH.search(paren.group(1))
                if dm:
                    due = f"--{int(dm.group(2)):02d}-{int(dm.group(1)):02d}"
                else:
                    rule = paren.group(1).strip()
            out.append(ScheduleItem(_recurrence(m), due, rule, task.group(0).strip() if task else None,
                                    doc.evidence(m.start(), end)))
            if not paren:
                break
    return out


def one_off(doc: Document) -> list[ScheduleItem]:
    text = doc.text
    out = []
    for d in mentions(doc):
        if d.label != "DATE" or not DEADLINE.search(text, max(0, d.start - 30), d.start):
            continue
        lead = DEADLINE.search(text, max(0, d.start - 30), d.start)
        s_start, _ = _sentence(text, d.start)
        task = TASK.search(text, s_start, d.start)
        out.append(ScheduleItem("once", d.value, None, task.group(0).strip() if task else None,
                                doc.evidence(lead.start(), d.end)))
    return out


@register("schedule")
def extract_schedule(doc: Document) -> list[ScheduleItem]:
    return sorted(recurring(doc) + one_off(doc), key=lambda s: s.evidence.start)
