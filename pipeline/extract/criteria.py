"""Emulation criteria for collectives and individuals.

Three shapes are read:

* headed sections ("III. TIÊU CHÍ THI ĐUA" / "1. Đối với tập thể" / "- ..."); a numbered line
  under such a heading that states a requirement ("1. Tiêu chuẩn 1: Công đoàn cơ sở đại diện
  ...") is a criterion itself, not a group;
* lead lines outside numbered headings ("Tiêu chuẩn chung:", "Về tiêu chuẩn khen thưởng:") with
  the list items or the "Đối với tập thể: ..." lines under them, and a criterion stated on its
  lead's line ("Tiêu chuẩn giáo viên: Có sáng kiến ...");
* inline enumerations ("Các tập thể đạt các tiêu chuẩn sau ...: (1) ... (2) ...").
"""

from __future__ import annotations

import itertools
import re
from bisect import bisect_left

from ..core.model import Document
from ..lang import vocabulary
from ..nlp.syllables import split_glued
from . import register
from .sections import Section, section_body, sections_of
from .values import Criterion

#: a lead line: an optional list label, "Về"/"Các", then the cue and a short name up to a colon
LEAD = re.compile(r"(?P<label>(?:\d{1,2}\s*[/.)]\s*-?|[-–•+*]|[a-zđ]\))\s*)?"
                  r"(?P<name>(?:Về\s+)?(?:các\s+)?(?:tiêu chuẩn|tiêu chí|đối với)\b[^:\n]{0,80}?)\s*(?::\s*|$)",
                  re.IGNORECASE)
STATEMENT_LABEL = re.compile(r"(?:tiêu chuẩn|tiêu chí)\s*\d{1,2}\s*:\s*", re.IGNORECASE)
ITEM_LINE = re.compile(r"\s*(?:[-–•+*]|\d{1,2}(?:\.\d{1,2})?\s*[.)/]\s*-?|[a-zđ]\))\s*\S")
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
    return Criterion(who, split_glued(re.sub(r"\s+", " ", ev.quote)), ev) if ev.quote else None


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


def is_group_heading(doc: Document, sec: Section) -> bool:
    """A sub-heading that groups criteria ("1. Đối với tập thể", "a) Cá nhân:") rather than
    stating one: a short name with nothing after its colon and items under it."""
    name, _, rest = sec.title.partition(":")
    long = len(name.split()) > 12 and not re.match(r"đối với\b", name, re.IGNORECASE)
    if rest.strip() or long or sec.title.rstrip().endswith("."):
        return False
    return bool(sec.children) or section_body(doc, sec)[1] > section_body(doc, sec)[0]


def _statement(doc: Document, who: str, sec: Section) -> Criterion | None:
    """A numbered line stating a criterion, with its own text under it; "Tiêu chuẩn 1:" dropped."""
    start = sec.heading.start + sec.heading.quote.find(sec.title)
    label = STATEMENT_LABEL.match(doc.text, start)
    start = label.end() if label else start
    end = section_body(doc, sec)[1]
    while end > start and doc.text[end - 1] in " :;\n":
        end -= 1
    return _criterion(doc, who, start, end)


def from_sections(doc: Document) -> list[Criterion]:
    out: list[Criterion] = []
    done_until = -1
    voc = vocabulary()
    for sec in sections_of(doc):
        if sec.level > 3 or sec.start < done_until or voc.section_kind(sec.title) != "criteria":
            continue
        done_until = sec.end
        own = applies_to(sec.title) or "any"
        subs = [c for c in sec.children if c.level <= 3]
        if not subs:
            subs = [sec]
        for group in subs:
            if group is not sec and not is_group_heading(doc, group):
                crit = _statement(doc, own, group)
                out.extend([crit] if crit else [])
                for bullet in (c for c in group.children if c.level >= 4):
                    crit = _criterion(doc, own, bullet.heading.start, bullet.end)
                    out.extend([crit] if crit else [])
                continue
            who = applies_to(group.title) or own
            for start, end in _items(doc, group):
                listed = enumerations(doc, start, end, who)
                crit = None if listed else _criterion(doc, who, start, end)
                out.extend(listed or ([crit] if crit else []))
    return out


def _lines(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in re.finditer(r"[^\n]*", text) if m.start() == 0 or text[m.start() - 1] == "\n"]


def _paragraph_end(text: str, lines: list[tuple[int, int]], i: int) -> tuple[int, int]:
    """The end of the paragraph opened by line ``i`` and the index of its last line: a line that
    stops short of a sentence's end goes on in the next one when that is not a new item."""
    end = lines[i][1]
    while i + 1 < len(lines):
        here = text[lines[i][0]:lines[i][1]].rstrip()
        nxt = text[lines[i + 1][0]:lines[i + 1][1]]
        if not here or here.endswith((".", ";", ":", "!", "?")) or not nxt.strip() or ITEM_LINE.match(nxt) \
                or LEAD.match(nxt.strip()):
            break
        i += 1
        end = lines[i][1]
    return end, i


def lead_lists(doc: Document, skip: list[tuple[int, int]]) -> list[Criterion]:
    """Criteria under lead lines outside headed criteria sections (see the module's docstring)."""
    text = doc.text
    lines = _lines(text)
    out: list[Criterion] = []
    i = 0
    while i < len(lines):
        a, b = lines[i]
        raw = text[a:b]
        stripped = raw.strip()
        m = LEAD.match(stripped)
        if not m or any(s <= a < e for s, e in skip) or m.group("name").lower().startswith("đối với") \
                or len(re.sub(r"\([^)]*\)", "", m.group("name")).split()) > 12:
            i += 1
            continue
        offset = a + raw.find(stripped)
        who = applies_to(m.group("name"))
        after = stripped[m.end():].strip()
        if after:  # "Tiêu chuẩn giáo viên: Có ...": the criterion is on the lead's line
            end, i = _paragraph_end(text, lines, i)
            crit = _criterion(doc, who or "any", offset + m.end(), end)
            out.extend([crit] if crit else [])
            i += 1
            continue
        items, i = _lead_items(doc, lines, i + 1, who)
        out.extend(items)
    return out


def _lead_items(doc: Document, lines: list[tuple[int, int]], i: int, who: str | None) -> tuple[list[Criterion], int]:
    """The items under a lead line from line ``i``: list items and "Đối với X: ..." lines, blank
    lines between them allowed; the list ends at the first other line."""
    text = doc.text
    out: list[Criterion] = []
    while i < len(lines):
        a, b = lines[i]
        line = text[a:b]
        if not line.strip():
            i += 1
            continue
        lead = LEAD.match(line.strip())
        item = ITEM_LINE.match(line)
        if lead and lead.group("name").lower().startswith("đối với") and line.strip()[lead.end():].strip():
            start = a + line.find(line.strip()) + lead.end()
            end, i = _paragraph_end(text, lines, i)
            crit = _criterion(doc, applies_to(lead.group("name")) or who or "any", start, end)
        elif item and not (lead and not line.strip()[lead.end():].strip()):
            label = re.match(r"\s*(?:[-–•+*]|\d{1,2}(?:\.\d{1,2})?\s*[.)/]\s*-?|[a-zđ]\))\s*", line)
            end, i = _paragraph_end(text, lines, i)
            crit = _criterion(doc, who or applies_to(text[a:end]) or "any", a + label.end(), end)
            who = who or (crit.applies_to if crit and crit.applies_to != "any" else None)
        else:
            break
        out.extend([crit] if crit else [])
        i += 1
    return out, i


def _unique(items: list[Criterion]) -> list[Criterion]:
    """The first of criteria with the same words (a text quoted once as a summary, once listed)."""
    seen: set[str] = set()
    out = []
    for c in items:
        key = " ".join(re.findall(r"\w+", c.text.lower()))
        if key not in seen:
            seen.add(key)
            out.append(c)
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
    spans += [(s.start, s.end) for s in sections_of(doc) if s.level <= 3 and vocabulary().section_kind(s.title) == "criteria"]
    led = lead_lists(doc, spans)
    spans += [(c.evidence.start, c.evidence.end) for c in led]
    return _unique(headed + led + inline(doc, spans))
