"""Sentences across soft-wrapped lines.

Texts copied from web pages and PDFs keep the lines of their page: "a) 100% cấp ủy Đảng, chính
quyền" / "các cấp ban hành nghị quyết ..." is one list item on two lines. A line break is *soft*
(the paragraph goes on) when the line before it does not end a sentence or a heading (no final
``.;:!?``) and the next line goes on with a lower-case word or a number that is not a list label;
every other break ends a paragraph. Sentences are split inside paragraphs at a full stop followed
by a space.
"""

from __future__ import annotations

import re
from typing import Iterator

#: A line that opens a new item: "a)", "1.", "2)", "-", "+", "•", "I.", a quoted or bracketed start.
LIST_START = re.compile(r"\s*(?:[a-zđ]\)|\d{1,2}(?:\.\d{1,2})*[.)](?!\d)|[-+•*–]\s|[IVXLC]+[.)]\s)")
CONTINUES = re.compile(r"\s*(?:[a-zà-ỹđ]|\d)")
ENDS = re.compile(r"[.;:!?…|]\s*$")
SENTENCE_END = re.compile(r"\.(?=\s)")


def soft_break(text: str, nl: int) -> bool:
    """Whether the newline at ``nl`` only wraps a line inside a paragraph."""
    line_start = text.rfind("\n", 0, nl) + 1
    line = text[line_start:nl]
    if not line.strip() or ENDS.search(line) or line.strip().isupper():
        return False
    nxt_end = text.find("\n", nl + 1)
    nxt = text[nl + 1:nxt_end if nxt_end >= 0 else len(text)]
    if not nxt.strip() or LIST_START.match(nxt):
        return False
    return bool(CONTINUES.match(nxt))


def paragraph_start(text: str, pos: int) -> int:
    """Start of the paragraph holding ``pos`` (soft breaks do not end it)."""
    nl = text.rfind("\n", 0, pos)
    while nl >= 0 and soft_break(text, nl):
        nl = text.rfind("\n", 0, nl)
    return nl + 1


def paragraphs(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the paragraphs of ``text`` (blank ones left out)."""
    start = 0
    for m in re.finditer("\n", text):
        if soft_break(text, m.start()):
            continue
        if text[start:m.start()].strip():
            yield start, m.start()
        start = m.start() + 1
    if text[start:].strip():
        yield start, len(text)


def sentences(text: str) -> Iterator[tuple[int, int]]:
    """Spans of the sentences of ``text``: paragraphs split after a full stop and a space."""
    for p_start, p_end in paragraphs(text):
        pos = p_start
        for m in SENTENCE_END.finditer(text, p_start, p_end):
            yield pos, m.end()
            pos = m.end()
            while pos < p_end and text[pos] in " \t\n":
                pos += 1
        if text[pos:p_end].strip():
            yield pos, p_end
