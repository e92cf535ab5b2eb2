"""Emulation criteria for collectives and individuals.

Two shapes are read: headed sections ("III. TIÊU CHÍ THI ĐUA" / "1. Đối với tập thể" / "- ...")
and inline enumerations ("Các tập thể đạt các tiêu chuẩn sau ...: (1) ... (2) ...").
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left

from ..core.model import Document
from ..lang import vocabulary
from . import register
from .sections import Section, section_body, sections_of
from .values import Criterion

INLINE = re.compile(r"[^.\n:]*(?:tiêu chuẩn|tiêu chí|điều kiện|khen thưởng khi|biểu dương khi)[^.\n:]*:\s*(?=\(1\))", re.IGNORECASE)
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
    """The criterion spans under a heading: its list items, else its body's paragraphs.

    Page-less texts put one criterion per line; PDF text wraps lines, so there only blank
    lines separate paragraphs.
    """
    bullets = [c for c in sec.children if c.level >= 4]
    if bullets:
        top = min(b.level for b in bullets)
        return [(c.heading.start, c.end) for c in bullets if c.level == top]
    start, end = section_body(doc, sec)
    lines = [(m.start() + start, m.end() + start) for m in re.finditer(r"[^\n]+", doc.text[start:end])]
    if not doc.paged:
        return lines
    paragraphs: list[tuple[int, int]] = []
    open_start = None
    for a, b in lines:
        open_start = a if open_start is None else open_start
        if doc.text[a:b].rstrip().endswith((".", ";")):
            paragraphs.append((open_start, b))
            open_start = None
    if open_start is not None:
        paragraphs.append((open_start, lines[-1][1]))
    return paragraphs


def _criterion(doc: Document, who: str, start: int, end: int) -> Criterion | None:
    m = re.match(r"[-–•+]\s*", doc.text[start:end])
    if m:
        start += m.end()
    while end > start and doc.text[end - 1] in " ;\n":
        end -= 1
    ev = doc.evidence(start, end)
    return Criterion(who, re.sub(r"\s+", " ", ev.quote), ev) if ev.quote else None


def enumerations(doc: Document, start: int, end: int, default: str) -> list[Criterion]:
    """Criteria listed inline after a lead ("... đạt các tiêu chuẩn sau: (1) ... (2) ...");
    each lead's items run up to the next lead."""
    text = doc.text
    if text.find("(1)", start, end) < 0:
        return []  # a lead needs its "(1)" (INLINE's look-ahead); without one, spare the scan
    leads = list(INLINE.finditer(text, start, end))
    out: list[Criterion] = []
    for i, lead in enumerate(leads):
        stop = leads[i + 1].start() if i + 1 < len(leads) else end
        who = applies_to(lead.group(0)) or default
        marks = list(ITEM.finditer(text, lead.end(), stop))
        for j, mark in enumerate(marks):
            crit = _criterion(doc, who, mark.end(), marks[j + 1].start() if j + 1 < len(marks) else stop)
            if crit:
                out.append(crit)
    return out


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
                listed = enumerations(doc, start, end, who)
                crit = None if listed else _criterion(doc, who, start, end)
                out.extend(listed or ([crit] if crit else []))
    return out


def inline(doc: Document, skip: list[tuple[int, int]]) -> list[Criterion]:
    """Enumerations outside criteria sections, paragraph by paragraph."""
    out: list[Criterion] = []
    ordered = sorted(skip)
    starts = [s for s, _ in ordered]
    reach = list(itertools.accumulate((e for _, e in ordered), max))  # the furthest end among the first k
    for para in re.finditer(r"[^\n]+", doc.text):
        k = bisect_left(starts, para.end())  # the skipped spans starting before the paragraph ends
        if k and reach[k - 1] > para.start():  # ... and one of them ends after it starts
            continue
        out.extend(enumerations(doc, para.start(), para.end(), "any"))
    return out


@register("criteria")
def extract_criteria(doc: Document) -> list[Criterion]:
    headed = from_sections(doc)
    spans = [(c.evidence.start, c.evidence.end) for c in headed]
    return headed + inline(doc, spans)
