"""Saved web pages (HTML): visible text, one line per block element.

Decoding honours a BOM, then UTF-8, then the page's declared charset, then
charset-normalizer (see :func:`.text.decode`). The standard-library parser walks the page:
scripts, styles, navigation, headers, footers, asides and forms are dropped; block elements
become line breaks; table cells are joined with " | "; entities are unescaped. The result
then goes through the same site-chrome stripping as plain text.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from ...core.model import RawDocument
from ...errors import EmptyDocument
from ..limits import DEFAULT_LIMITS, Limits
from .text import bom_encoding, decode, web_text_document

SNIFF_BYTES = 2048
_CHARSET = re.compile(
    rb"""(?:<meta[^>]+charset|<\?xml[^>]+encoding)\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE
)
_SKIP = frozenset(
    "script style nav header footer aside form head title noscript template svg iframe select button".split()
)
_BLOCK = frozenset(
    "p div br li ul ol dl dt dd h1 h2 h3 h4 h5 h6 tr table thead tbody tfoot section article main "
    "blockquote pre hr figure figcaption caption address center".split()
)
_CELL = frozenset({"td", "th"})
_HTML_SPACE = re.compile(r"[ \t\r\n\f]+")


class _TextExtractor(HTMLParser):
    """Collects the visible text of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping: list[str] = []  # open elements whose content is dropped
        self.pre = 0
        self.cells = 0  # cells seen in the current table row

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "body":  # a body ends any unclosed <head>
            self.skipping.clear()
        if tag in _SKIP:
            self.skipping.append(tag)
        elif self.skipping:
            return
        elif tag in _BLOCK:
            self.parts.append("\n")
            if tag == "tr":
                self.cells = 0
            if tag == "pre":
                self.pre += 1
        elif tag in _CELL:
            if self.cells:
                self.parts.append(" | ")
            self.cells += 1

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.skipping:
            while self.skipping.pop() != tag:
                pass
        elif tag in _BLOCK:
            self.parts.append("\n")
            if tag == "pre":
                self.pre = max(0, self.pre - 1)

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data if self.pre else _HTML_SPACE.sub(" ", data))

    def text(self) -> str:
        text = re.sub(r" *\n *", "\n", "".join(self.parts))
        return re.sub(r"\n{3,}", "\n\n", text).strip()


def sniff(data: bytes) -> bool:
    """True when the start of the file is an HTML document."""
    head = data[:SNIFF_BYTES]
    encoding = bom_encoding(head)
    sample = head.decode(encoding or "latin-1", errors="ignore").lstrip("\ufeff \t\r\n").lower()
    return sample.startswith(("<!doctype html", "<html")) or "<html" in sample or "<body" in sample


def read(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> RawDocument:
    """Read a saved web page."""
    declared = _CHARSET.search(data[:4096])
    text, encoding = decode(data, declared.group(1).decode("ascii") if declared else None)
    parser = _TextExtractor()
    parser.feed(text)
    parser.close()
    visible = parser.text()
    if not visible:
        raise EmptyDocument("web page has no visible text")
    return web_text_document(visible, "text/html", encoding)
