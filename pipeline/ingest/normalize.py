"""Normalisation, done once at ingest: the text every offset refers to.

* Unicode NFC (PDFs often bring decomposed diacritics), and look-alike letters folded to the
  Vietnamese ones: the Icelandic eth ``Ð``/``ð`` some sites use for ``Đ``/``đ``, and the
  ``Ƣ``/``ƣ`` some PDF fonts use for ``Ư``/``ư``;
* invisible characters (zero-width spaces, soft hyphens, BOMs, control characters) removed;
* every horizontal space run (including no-break spaces and tabs) made one space, lines
  stripped at both ends, runs of blank lines reduced to one;
* the lines then go through the layout stage (:mod:`pipeline.ingest.layout`), which joins
  soft-wrapped lines into paragraphs and marks headings, list items, header cells, table rows
  and page furniture; each block is a line of the text (a blank line kept where the source had
  one), and the blocks' spans are the record's ``blocks``;
* pages joined with a line break, their start offsets kept for evidence page numbers (a
  paragraph that runs on across a page break is one line; the next page starts inside it).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from functools import lru_cache

from ..core.model import Block, Document, Line, RawDocument, SourceInfo
from .layout import Draft, join_lines, layout

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x08\x0b\x0e-\x1f\x7f]")
_HSPACE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000\x0c]+")
_BLANKS = re.compile(r"\n{3,}")
# Look-alike letters some sites and PDF fonts use: Icelandic eth for Đ/đ, "oi" with horn for Ư/ư.
_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111", "\u01a2": "\u01af", "\u01a3": "\u01b0"})

#: Between the last block of a page and the first of the next: a line break like any other
#: between blocks (a page break is not a paragraph's end; ``page_starts`` keeps where pages begin).
PAGE_SEPARATOR = "\n"


def normalize_text(text: str) -> str:
    """Normalise one page (or a whole page-less document)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text).translate(_LOOKALIKES)
    text = _INVISIBLE.sub("", text)
    text = _HSPACE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _BLANKS.sub("\n\n", text)
    return text.strip()


@lru_cache(maxsize=65536)
def normalize_line(text: str) -> str:
    """Normalise one line (no line breaks inside): NFC, look-alikes, invisible characters, spaces
    (each distinct line once: a price list repeats its cells)."""
    text = unicodedata.normalize("NFC", text).translate(_LOOKALIKES)
    text = _INVISIBLE.sub("", text)
    return _HSPACE.sub(" ", text).strip()


def _page_lines(raw: RawDocument) -> list[list[Line]]:
    """Each page's lines, normalised: the reader's own lines, or its page text split at line breaks."""
    if raw.lines is not None:
        pages = raw.lines
    else:
        pages = [[Line(part) for part in re.split(r"\r\n|\r|\n", page)] for page in raw.pages]
    out = []
    for page in pages:
        lines = []
        for line in page:
            parts = re.split(r"\r\n|\r|\n", line.text) if "\n" in line.text or "\r" in line.text else [line.text]
            for k, part in enumerate(parts):
                text = normalize_line(part)
                if k:
                    lines.append(Line(text, kind=line.kind))
                else:
                    lines.append(line if text == line.text else replace(line, text=text))
        out.append(lines)
    return out


def build_document(raw: RawDocument, source: SourceInfo) -> Document:
    """Normalise the lines, lay them out into blocks, and compose the document's one text."""
    pages = layout(_page_lines(raw), raw.page_sizes, raw.paged)
    text_parts: list[str] = []
    offset = 0
    starts: list[int | None] = [None] * len(pages)
    blocks: list[Block] = []

    def add(piece: str) -> None:
        nonlocal offset
        text_parts.append(piece)
        offset += len(piece)

    fresh_page = True
    for index, drafts in enumerate(pages):
        page_number = index + 1
        if index > 0 and starts[index] is None:
            add(PAGE_SEPARATOR)
            fresh_page = True
        if starts[index] is None:
            starts[index] = offset
        for draft in drafts:
            if not fresh_page:
                add("\n\n" if draft.blank_before else "\n")
            fresh_page = False
            _add_block(draft, offset, blocks, starts, add, raw.paged)
        if not drafts and index == 0:
            fresh_page = True
    text = "".join(text_parts)
    page_starts = [s if s is not None else 0 for s in starts] if pages else [0]
    if not pages:
        page_starts = [0]
    sizes = list(raw.page_sizes or [])
    return Document(text=text, page_starts=page_starts, source=source, paged=raw.paged,
                    warnings=list(raw.warnings), ingest=dict(raw.ingest), blocks=blocks, page_sizes=sizes)


def _add_block(draft: Draft, offset: int, blocks: list[Block], starts: list[int | None], add, paged: bool) -> None:
    """Append one block's text, record its span, and the start of any page it runs on to."""
    piece, line_starts = join_lines([ln.text for ln in draft.lines])
    if draft.pages:
        for pos, page in zip(line_starts, draft.pages):
            if page is not None and page != draft.page and starts[page - 1] is None:
                starts[page - 1] = offset + pos
    blocks.append(Block(draft.kind, offset, offset + len(piece), draft.page if paged else None, draft.bbox,
                        draft.role, draft.marker, draft.level))
    add(piece)
