"""Normalisation, done once at ingest: the text every offset refers to.

* Unicode NFC (PDFs often bring decomposed diacritics), and look-alike letters folded to the
  Vietnamese ones: the Icelandic eth ``Ð``/``ð`` some sites use for ``Đ``/``đ``, and the
  ``Ƣ``/``ƣ`` some PDF fonts use for ``Ư``/``ư``;
* invisible characters (zero-width spaces, soft hyphens, BOMs, control characters) removed;
* every horizontal space run (including no-break spaces and tabs) made one space, lines
  stripped at both ends, runs of blank lines reduced to one;
* pages joined with a blank line, their start offsets kept for evidence page numbers.
"""

from __future__ import annotations

import re
import unicodedata

from ..core.model import Document, RawDocument, SourceInfo

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\x00-\x08\x0b\x0e-\x1f\x7f]")
_HSPACE = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000\x0c]+")
_BLANKS = re.compile(r"\n{3,}")
# Look-alike letters some sites and PDF fonts use: Icelandic eth for Đ/đ, "oi" with horn for Ư/ư.
_LOOKALIKES = str.maketrans({"\u00d0": "\u0110", "\u00f0": "\u0111", "\u01a2": "\u01af", "\u01a3": "\u01b0"})

PAGE_SEPARATOR = "\n\n"


def normalize_text(text: str) -> str:
    """Normalise one page (or a whole page-less document)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text).translate(_LOOKALIKES)
    text = _INVISIBLE.sub("", text)
    text = _HSPACE.sub(" ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    text = _BLANKS.sub("\n\n", text)
    return text.strip()


def build_document(raw: RawDocument, source: SourceInfo) -> Document:
    """Normalise each page and join them into the document's one text."""
    parts: list[str] = []
    starts: list[int] = []
    offset = 0
    for page in raw.pages:
        norm = normalize_text(page)
        if parts:
            offset += len(PAGE_SEPARATOR)
        starts.append(offset)
        parts.append(norm)
        offset += len(norm)
    text = PAGE_SEPARATOR.join(parts)
    return Document(text=text, page_starts=starts, source=source, paged=raw.paged,
                    warnings=list(raw.warnings), ingest=dict(raw.ingest))
