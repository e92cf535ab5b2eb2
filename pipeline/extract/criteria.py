"""Emulation criteria for collectives and individuals.

Two shapes are read: headed sections ("III. TIÊU CHÍ THI ĐUA" / "1. Đối với tập thể" / "- ...")
and inline enumerations ("Các tập thể đạt các tiêu chuẩn sau ...: (1) ... (2) ...").
"""

from __future__ import annotations

import re

from ..lang import vocabulary
from ..model import Document
from ..values import Criterion
from . import register
from .sections import Section, section_body, sections_of

INLINE = re.compile(r"[^.\n:]*(?:tiêu chuẩn|tiêu chí|điều kiện)[^.\n:]*:\s*(?=\(1\))", re.IGNORECASE)
ITEM = re.compile(r"\((\d{1,2})\)\s*")


def applies_to(phrase: str) -> str | None:
    """Whom a heading or lead sentence is about: "any" first, else the earliest cue."""
    best: tuple[int, str] | None = None
    for rx, value in vocabulary().applies_to:
        m = rx.search(phrase)
        if m and value == "any":
            return "any"
        if m and (best is None or m.start() < best[0]):
            best = (m.start(), value)
    return best[1] if best else None


def _items(doc: Document, sec: Section) -> list[tuple[int, int]]:
    """The criterion spans under a heading: its list items, else its body's lines."""
    bullets = [c for c in sec.children if c.level >= 4]
    if bullets:
        return [(c.heading.start, c.end) for c in bullets if c.level == min(b.level for b in bullets)]
    start, end = section_body(doc, sec)
    return [(m.start() + start, m.end() + start) for m in re.finditer(r"[^\n]+", doc.text[start:end])]


def _clean(doc: Document, start: int, end: int) -> tuple[int, int]:
    m = re.match(r"[-–•+]\s*", doc.text[start:end])
    if m:
        start += m.end()
    return start, end


def from_sections(doc: Document) -> list[Criterion]:
    out: list[Criterion] = []
    done_until = -1
    voc = vocabulary()
    for sec in sections_of(doc):
        if sec.level > 3 or sec.start < done_until or voc.section_kind(sec.title) != "criteria":
            continue
        done_until = sec.end
        subs = [c for c in sec.children if c.level <= 3]
        groups = [(c, applies_to(c.title) or "any") for c in subs] or [(sec, applies_to(sec.title) or "any")]
        for group, who in groups:
            for start, end in _items(doc, group):
                start, end = _clean(doc, start, end)
                ev = doc.evidence(start, end)
                if ev.quote:
                    out.append(Criterion(who, re.sub(r"\s+", " ", ev.quote), ev))
    return out


def inline(doc: Document, skip: list[tuple[int, int]]) -> list[Criterion]:
    text = doc.text
    out: list[Criterion] = []
    for lead in INLINE.finditer(text):
        if any(s <= lead.start() < e for s, e in skip):
            continue
        who = applies_to(lead.group(0)) or "any"
        para_end = text.find("\n", lead.end())
        para_end = len(text) if para_end < 0 else para_end
        marks = list(ITEM.finditer(text, lead.end(), para_end))
        for i, mark in enumerate(marks):
            end = marks[i + 1].start() if i + 1 < len(marks) else para_end
            ev = doc.evidence(mark.end(), end)
            if ev.quote:
                out.append(Criterion(who, re.sub(r"\s+", " ", ev.quote), ev))
    return out


@register("criteria")
def extract_criteria(doc: Document) -> list[Criterion]:
    headed = from_sections(doc)
    spans = [(c.evidence.start, c.evidence.end) for c in headed]
    return headed + inline(doc, spans)
