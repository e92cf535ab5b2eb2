"""PDF reader (pdfplumber): one text per page, so evidence can name its page.

* Junk bytes before ``%PDF`` (web-server banners, mail-gateway prefixes) within the first
  KiB are sliced off.
* "Fake bold" — every glyph drawn twice at a tiny offset — is undone by dropping duplicate
  characters before ``extract_text`` (layout off, line breaks kept, word gaps relative to
  the font size).
* Password-protected files raise :class:`EncryptedDocument`; corrupt or truncated files
  raise :class:`ReaderError`; files without a text layer raise :class:`EmptyDocument`;
  TCVN3/VNI font-encoded text raises :class:`LegacyEncoding`.

Pages are processed one at a time and their caches flushed, so memory stays bounded.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from operator import itemgetter
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError
from pdfplumber.page import Page
from pdfplumber.utils import cluster_objects
from pdfplumber.utils.exceptions import PdfminerException

from ..errors import EncryptedDocument, NeedsOCR, ReaderError, TooLarge
from ..limits import DEFAULT_LIMITS, Limits
from ..model import RawDocument
from .text import check_unicode_vietnamese

MAGIC = b"%PDF-"
HEADER_WINDOW = 1024
DEDUPE_TOLERANCE = 1.0  # points; pdfplumber's default for dedupe_chars
# A gap wider than 0.15 x the font size is a space. pdfplumber's fixed 3pt default glues the
# words of tightly set 12pt text ("GIÁODỤCVÀĐÀOTẠO").
X_TOLERANCE_RATIO = 0.15
LEGACY_SAMPLE_CHARS = 5000  # text read before the TCVN3/VNI check first runs

_CHAR_KEY = itemgetter("upright", "text", "fontname", "size")
_POSITION = itemgetter("doctop", "x0")


def _header_offset(data: bytes) -> int:
    """Where ``%PDF-`` starts within the first KiB, or -1."""
    return data.find(MAGIC, 0, HEADER_WINDOW)


def sniff(data: bytes) -> bool:
    """True when ``%PDF-`` appears within the first KiB."""
    return _header_offset(data) >= 0


def _unique_char_ids(chars: list[dict[str, Any]]) -> set[int]:
    """Ids of the characters left after dropping same-glyph duplicates at (nearly) the same spot.

    The same rule as pdfplumber's ``Page.dedupe_chars()``, without its quadratic re-sort.
    """
    keep: set[int] = set()
    for _, same in itertools.groupby(sorted(chars, key=_CHAR_KEY), key=_CHAR_KEY):
        for row in cluster_objects(list(same), itemgetter("doctop"), DEDUPE_TOLERANCE):
            for spot in cluster_objects(row, itemgetter("x0"), DEDUPE_TOLERANCE):
                keep.add(id(min(spot, key=_POSITION)))
    return keep


def _page_text(page: Page) -> str:
    keep = _unique_char_ids(page.chars)
    deduped = page.filter(lambda obj: obj.get("object_type") != "char" or id(obj) in keep)
    return deduped.extract_text(layout=False, x_tolerance_ratio=X_TOLERANCE_RATIO) or ""


def _compact(numbers: list[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``"1-3, 7"``."""
    runs = []
    for _, grp in itertools.groupby(enumerate(numbers), key=lambda item: item[1] - item[0]):
        values = [n for _, n in grp]
        runs.append(str(values[0]) if len(values) == 1 else f"{values[0]}-{values[-1]}")
    return ", ".join(runs)


def _page_texts(pdf_bytes: bytes, filename: str, max_pages: int) -> Iterator[str]:
    """Each page's text in turn; pdfminer's failures become reader errors."""
    try:
        with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
            if len(pdf.pages) > max_pages:
                raise TooLarge(f"{filename!r} has {len(pdf.pages)} pages, over the limit of {max_pages}")
            for page in pdf.pages:
                yield _page_text(page)
                page.close()
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, PDFEncryptionError):  # includes a wrong or missing password
            raise EncryptedDocument(
                f"{filename!r} is an encrypted PDF that needs a password ({type(cause).__name__})"
            ) from exc
        raise ReaderError(f"{filename!r} is a corrupt or truncated PDF: {type(cause).__name__}: {cause}") from exc
    except (MemoryError, ReaderError):
        raise
    except Exception as exc:  # pdfminer fails in many ways on damaged files
        raise ReaderError(f"{filename!r} is a corrupt or truncated PDF: {type(exc).__name__}: {exc}") from exc


def read(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> RawDocument:
    """Read a PDF's text layer, one entry per page.

    The encoding check runs as soon as :data:`LEGACY_SAMPLE_CHARS` of text are in, so a long
    TCVN3 document fails after a page or two instead of after all of them.
    """
    start = _header_offset(data)
    if start < 0:
        raise ReaderError(f"{filename!r} is not a PDF: no %PDF header in the first {HEADER_WINDOW} bytes")
    warnings = [f"skipped {start} bytes before the %PDF header"] if start else []
    pages: list[str] = []
    size, checked = 0, False
    for text in _page_texts(data[start:], filename, limits.max_pages):
        pages.append(text)
        size += len(text)
        if not checked and size >= LEGACY_SAMPLE_CHARS:
            check_unicode_vietnamese("\n".join(pages), "PDF text")
            checked = True

    if not any(p.strip() for p in pages):
        raise NeedsOCR(f"PDF has no text layer ({len(pages)} pages); it needs OCR")
    if not checked:
        check_unicode_vietnamese("\n".join(pages), "PDF text")
    blank = [n for n, p in enumerate(pages, 1) if not p.strip()]
    if blank:
        warnings.append(f"pages without text (scanned?): {_compact(blank)}")
    return RawDocument(pages, "application/pdf", paged=True, warnings=warnings)
