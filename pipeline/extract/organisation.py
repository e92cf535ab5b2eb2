"""Who takes part and who does what: participants ("Đối tượng thi đua") and responsibilities
("Tổ chức thực hiện": each unit and its tasks)."""

from __future__ import annotations

import re

from ..core.model import Document
from ..lang import vocabulary
from . import register
from .criteria import applies_to
from .sections import Section, section_body, sections_of
from .values import Responsibility, TextItem

UNIT_END = re.compile(
    r"\s+(?:có trách nhiệm|chịu trách nhiệm|chủ trì|phối hợp|tham mưu|triển khai|thực hiện|xây dựng|căn cứ|theo dõi|"
    r"hướng dẫn|tổ chức|chỉ đạo|rà soát|lãnh đạo|tăng cường|bố trí|đẩy mạnh)\b|\s*:",
    re.IGNORECASE,
)
INLINE_PARTICIPANTS = re.compile(r"Đối tượng(?: thi đua| tham gia)?\s*:\s*([^\n]+)", re.IGNORECASE)


def _sections(doc: Document, kind: str) -> list[Section]:
    voc = vocabulary()
    return [s for s in sections_of(doc) if s.level <= 3 and voc.section_kind(s.title) == kind]


def _item_text(s: Section) -> str:
    return re.sub(r"\s+", " ", s.title).strip().rstrip(";.")


@register("participants")
def extract_participants(doc: Document) -> list[TextItem]:
    out = []
    for sec in _sections(doc, "participants"):
        items = [c for c in sec.children if c.level >= 4]
        if items:
            out.extend(TextItem(_item_text(c), applies_to(c.title), doc.evidence(c.heading.start, c.heading.end)) for c in items)
            continue
        start, end = section_body(doc, sec)
        for line in re.finditer(r"[^\n]+", doc.text[start:end]):
            ev = doc.evidence(start + line.start(), start + line.end())
            out.append(TextItem(ev.quote.rstrip(";."), applies_to(ev.quote), ev))
    if not out:
        for m in INLINE_PARTICIPANTS.finditer(doc.text):
            pos = m.start(1)
            for part in re.finditer(r"[^;]+", m.group(1)):
                ev = doc.evidence(pos + part.start(), pos + part.end())
                if ev.quote:
                    out.append(TextItem(ev.quote.rstrip("."), applies_to(ev.quote), ev))
    return out


@register("responsibilities")
def extract_responsibilities(doc: Document) -> list[Responsibility]:
    out = []
    for sec in _sections(doc, "organisation"):
        items = [c for c in sec.children if c.level <= 3] or [c for c in sec.children if c.level == 4]
        for item in items:
            title = item.title
            stop = UNIT_END.search(title)
            unit = title[:stop.start()].strip() if stop else None
            if not unit or len(unit.split()) > 20:
                continue
            own = title[stop.end():].strip(" :") if stop else ""
            tasks = ([own] if own and not title[stop.start():].lstrip().startswith(":") else [])
            if title[stop.start():].lstrip().startswith(":") or not own:
                tasks = [_item_text(c) for c in item.children]
            elif own:
                tasks = [title[stop.start():].strip().rstrip(";.")] + [_item_text(c) for c in item.children]
            out.append(Responsibility(unit, [t for t in tasks if t], doc.evidence(item.start, item.end)))
    return out
