"""The document model: one normalised text, fixed at ingest, that every offset refers to.

Readers produce :class:`RawDocument` (pages of raw text). :func:`pipeline.ingest.normalize.build_document`
turns it into a :class:`Document`, whose ``text`` never changes afterwards. Every extracted value
keeps an :class:`Evidence` ``{start, end, quote, page}`` with ``text[start:end] == quote``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any, Callable


@dataclass(frozen=True)
class Evidence:
    """Where a value was read: a character span of the document text and its page (1-based)."""

    start: int
    end: int
    quote: str
    page: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "quote": self.quote, "page": self.page}


@dataclass(frozen=True)
class SourceInfo:
    """What is known about the input file itself."""

    filename: str
    sha256: str
    media_type: str
    size: int
    pages: int | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "filename": self.filename,
            "sha256": self.sha256,
            "media_type": self.media_type,
            "size": self.size,
            "pages": self.pages,
        }


#: Kinds of layout blocks (see ``schemas/plan-record.schema.json``, ``$defs/block``).
BLOCK_KINDS = ("paragraph", "heading", "list_item", "header", "table_row", "page_header", "page_footer", "page_number")


@dataclass(frozen=True)
class Block:
    """A span of the document text with its layout role: a paragraph, a heading, a list item, a
    cell of the official header, a table row, or page furniture (headers, footers, page numbers).

    ``bbox`` is ``(x0, top, x1, bottom)`` on page ``page`` in page coordinates (PDF points, origin
    top left) when the format has geometry; ``role`` names the part of the official header a header
    cell holds (``issuer``, ``motto``, ``number``, ``place_date``, ...); ``marker`` is a list item's
    or numbered heading's marker as written; ``level`` its nesting depth.
    """

    kind: str
    start: int
    end: int
    page: int | None = None
    bbox: tuple[float, float, float, float] | None = None
    role: str | None = None
    marker: str | None = None
    level: int | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "start": self.start, "end": self.end, "page": self.page}
        if self.bbox is not None:
            out["bbox"] = [round(v, 2) for v in self.bbox]
        for key in ("role", "marker", "level"):
            value = getattr(self, key)
            if value is not None:
                out[key] = value
        return out


@dataclass(frozen=True)
class PageSize:
    """Width and height of a page in page coordinates (PDF points)."""

    page: int
    width: float
    height: float

    def to_dict(self) -> dict[str, Any]:
        return {"page": self.page, "width": round(self.width, 2), "height": round(self.height, 2)}


#: How readers lay out a table row in the text: its cells joined by this separator.
CELL_SEPARATOR = " | "


@dataclass
class Line:
    """One line a reader saw, before layout: its text and, where the format has them, its box
    and type style.

    ``bbox`` is ``(x0, top, x1, bottom)`` in page coordinates (PDF points, origin top left).
    A PDF or OCR reader splits a printed line at wide gaps, so the two columns of an official
    header come as separate lines side by side. ``kind`` says what the reader already knows:
    ``None`` for a printed line that may be part of a wrapped paragraph, ``"paragraph"`` for a
    whole paragraph that must not be joined with the next (a Word paragraph), ``"table_row"`` for
    a table row laid out as cells joined by :data:`CELL_SEPARATOR`, ``"header"`` for a line of
    the official header block read from a Word header table (``column`` 0 left, 1 right).
    """

    text: str
    bbox: tuple[float, float, float, float] | None = None
    size: float | None = None
    bold: bool | None = None
    kind: str | None = None
    column: int | None = None
    #: Width of the line's first word, in the units of ``bbox`` (whether it would have fitted at
    #: the end of the line before is how a soft line break is told from a hard one).
    lead: float | None = None

    @property
    def x0(self) -> float:
        return self.bbox[0] if self.bbox else 0.0

    @property
    def top(self) -> float:
        return self.bbox[1] if self.bbox else 0.0

    @property
    def x1(self) -> float:
        return self.bbox[2] if self.bbox else 0.0

    @property
    def bottom(self) -> float:
        return self.bbox[3] if self.bbox else 0.0


@dataclass
class RawDocument:
    """A reader's output: raw page texts (one entry per page; one entry for page-less formats).

    ``ingest`` says how the text was obtained: ``reader`` (format name), ``converter`` (an
    external program that turned a legacy format into a readable one), ``encoding`` (legacy
    font encodings detected and converted), ``ocr`` (pages read by OCR), ``tables`` (tables
    the reader laid out as " | " rows). Readers fill what applies; the record publishes it.
    """

    pages: list[str]
    media_type: str
    paged: bool = True
    warnings: list[str] = field(default_factory=list)
    ingest: dict[str, Any] = field(default_factory=dict)
    #: Per page, the lines the reader saw (with geometry for PDF and OCR), when the reader gives
    #: them; the layout stage builds blocks from them. Without them each page's text is split at
    #: its line breaks.
    lines: list[list[Line]] | None = None
    #: Page sizes in page coordinates, for formats with pages.
    page_sizes: list[PageSize] | None = None

    @classmethod
    def from_lines(cls, lines: list[list[Line]], media_type: str, **kwargs: Any) -> RawDocument:
        """A document whose page texts are its lines joined by newlines."""
        return cls(["\n".join(line.text for line in page) for page in lines], media_type, lines=lines, **kwargs)


@dataclass
class Document:
    """The normalised document every extractor reads.

    ``page_starts[i]`` is the offset in ``text`` where page ``i + 1`` begins. ``paged`` is false
    for formats without real pages (text, DOCX, HTML); evidence pages are then ``None``.
    """

    text: str
    page_starts: list[int]
    source: SourceInfo
    paged: bool = True
    warnings: list[str] = field(default_factory=list)
    ingest: dict[str, Any] = field(default_factory=dict)
    blocks: list[Block] = field(default_factory=list)
    page_sizes: list[PageSize] = field(default_factory=list)
    _derived: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def derived(self, key: str, compute: Callable[[Document], Any]) -> Any:
        """Derived data (mentions, tokens, citations) computed once per document."""
        if key not in self._derived:
            self._derived[key] = compute(self)
        return self._derived[key]

    def page_at(self, offset: int) -> int | None:
        """1-based page holding ``offset``, or ``None`` for page-less formats."""
        if not self.paged or not self.page_starts:
            return None
        return bisect.bisect_right(self.page_starts, offset)

    def evidence(self, start: int, end: int) -> Evidence:
        """Evidence for ``text[start:end]``, trimmed of surrounding whitespace."""
        if not 0 <= start <= end <= len(self.text):
            raise ValueError(f"span {start}:{end} outside text of length {len(self.text)}")
        while start < end and self.text[start].isspace():
            start += 1
        while end > start and self.text[end - 1].isspace():
            end -= 1
        return Evidence(start, end, self.text[start:end], self.page_at(start))
