"""The heading tree: "I." (level 1), "1." (2), "a)" (3), "-" (4) and "+" (5) items, with offsets.

Each :class:`Section` spans from its heading to the next heading of the same or a higher
level, so other extractors can ask "which section is this offset in" and "what are the
items under the heading TIÊU CHÍ THI ĐUA".
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import dataclass, field
from typing import Any

from ..core.model import Document, Evidence
from . import register

MARKERS = (
    (1, re.compile(r"(?P<label>[IVX]{1,4})[.:]\s+(?P<title>\S.*)")),
    (2, re.compile(r"(?P<label>\d{1,2}(?:\.\d{1,2})?)[.)]\s+(?P<title>\S.*)")),
    (3, re.compile(r"(?P<label>[a-zđ])\)\s*(?P<title>\S.*)")),
    (4, re.compile(r"(?P<label>[-–•])\s*(?P<title>\S.*)")),
    (5, re.compile(r"(?P<label>\+)\s*(?P<title>\S.*)")),
)


@dataclass
class Section:
    level: int
    label: str
    title: str
    heading: Evidence
    start: int
    end: int
    children: list["Section"] = field(default_factory=list, repr=False)

    @property
    def body_start(self) -> int:
        return self.heading.end

    def to_dict(self) -> dict[str, Any]:
        return {"level": self.level, "label": self.label, "title": self.title, "start": self.start, "end": self.end,
                "evidence": self.heading.to_dict()}


def find_sections(doc: Document) -> list[Section]:
    """Every heading or list item, in text order, with spans and children filled in."""
    text = doc.text
    found: list[Section] = []
    for line in re.finditer(r"[^\n]+", text):
        for level, rx in MARKERS:
            m = rx.fullmatch(line.group(0))
            if m:
                if level == 2 and re.fullmatch(r"\d{3,}", m.group("label")):
                    break
                ev = doc.evidence(line.start(), line.end())
                title_start = line.start() + m.start("title")
                found.append(Section(level, m.group("label"), text[title_start:line.end()].strip(), ev, line.start(), len(text)))
                break
    stack: list[Section] = []
    roots: list[Section] = []
    for sec in found:
        while stack and stack[-1].level >= sec.level:
            stack.pop().end = _trim_end(text, sec.start)
        if stack:
            stack[-1].children.append(sec)
        else:
            roots.append(sec)
        stack.append(sec)
    for sec in stack:
        sec.end = _trim_end(text, len(text))
    return Sections(found, roots)


class Sections(list):
    """The sections in text order (a plain list of :class:`Section`), plus the tree roots, so that
    :func:`enclosing` can walk down the tree instead of testing every section.

    The spans form a tree: siblings do not overlap and a child lies inside its parent (a section
    ends where the next heading of its level or higher starts), so the sections containing an
    offset are one path from a root down.
    """

    def __init__(self, found: list[Section], roots: list[Section]) -> None:
        super().__init__(found)
        self.roots = roots
        self._starts: dict[int, list[int]] = {}

    def starts(self, key: int, items: list[Section]) -> list[int]:
        got = self._starts.get(key)
        if got is None:
            got = self._starts[key] = [s.start for s in items]
        return got


def _trim_end(text: str, end: int) -> int:
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def section_body(doc: Document, sec: Section) -> tuple[int, int]:
    """The span of a section's own text, from after its heading to its first child (or its end)."""
    end = sec.children[0].start if sec.children else sec.end
    return sec.body_start, max(sec.body_start, _trim_end(doc.text, end))


def _contains(s: Section, offset: int) -> bool:
    return s.start <= offset < max(s.end, s.start + 1)


def enclosing(sections: list[Section], offset: int) -> list[Section]:
    """The sections containing ``offset``, outermost first."""
    if not isinstance(sections, Sections):
        return [s for s in sections if _contains(s, offset)]
    out: list[Section] = []
    items, key = sections.roots, -1
    while items:
        # siblings are in text order and do not overlap: only the last one starting at or
        # before ``offset`` can contain it
        i = bisect_right(sections.starts(key, items), offset) - 1
        if i < 0 or not _contains(items[i], offset):
            break
        out.append(items[i])
        items, key = items[i].children, id(items[i])
    return out


def sections_of(doc: Document) -> list[Section]:
    return doc.derived("sections", find_sections)


@register("sections")
def extract_sections(doc: Document) -> list[Section]:
    return sections_of(doc)
