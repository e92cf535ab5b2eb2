"""PDF reader (pdfplumber): one text per page, so evidence can name its page.

* Junk bytes before ``%PDF`` (web-server banners, mail-gateway prefixes) within the first
  KiB are sliced off.
* "Fake bold" — every glyph drawn twice at a tiny offset — is undone by dropping duplicate
  characters before ``extract_text`` (layout off, line breaks kept, word gaps relative to
  the font size).
* Password-protected files raise :class:`EncryptedDocument`; corrupt or truncated files
  raise :class:`ReaderError`; files without a text layer raise :class:`EmptyDocument`.
* Characters in TCVN3/VNI fonts (``.VnTime``, ``.VnTimeH``, ``VNI-Times``) are converted to
  Unicode by their font; legacy text in unnamed fonts by content (:mod:`pipeline.legacy`).
* Ruled tables (pdfplumber's table finder, run only on pages with ruling lines) are laid out
  as one line per row, cells joined by " | ", at their place in the page.

Pages are processed one at a time and their caches flushed, so memory stays bounded.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError
from pdfplumber.page import Page
from pdfplumber.utils import cluster_objects
from pdfplumber.utils.exceptions import PdfminerException

from .. import ocr
from ..errors import EmptyDocument, EncryptedDocument, NeedsOCR, ReaderError, TooLarge
from ..limits import DEFAULT_LIMITS, Limits
from ..legacy import EncodingReport, FontEncoding, convert, font_encoding, repair
from ..model import CELL_SEPARATOR, RawDocument
from ..ocr_text import clean_ocr_text
from .text import check_unicode_vietnamese

MAGIC = b"%PDF-"
HEADER_WINDOW = 1024
DEDUPE_TOLERANCE = 1.0  # points; pdfplumber's default for dedupe_chars
# A gap wider than 0.15 x the font size is a space. pdfplumber's fixed 3pt default glues the
# words of tightly set 12pt text ("GIÁODỤCVÀĐÀOTẠO").
X_TOLERANCE_RATIO = 0.15

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


def _has_grid(page: Page) -> bool:
    """True when the page has the ruling lines a table needs (two across, two down).

    A cheap test that spares the table finder the many pages that have none.
    """
    across = down = 0
    for edge in page.edges:
        if edge["orientation"] == "h":
            across += 1
        else:
            down += 1
        if across >= 2 and down >= 2:
            return True
    return False


def _inside(obj: dict[str, Any], boxes: list[tuple[float, float, float, float]]) -> bool:
    mid_x, mid_y = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= mid_x <= x1 and top <= mid_y <= bottom for x0, top, x1, bottom in boxes)


def table_rows(rows: list[list[str | None]]) -> list[str]:
    """Table rows as text lines: cells joined by :data:`CELL_SEPARATOR`, a cell's own line
    breaks made spaces, merged (``None``) and empty cells left empty so columns stay aligned."""
    lines = []
    for row in rows:
        cells = [" ".join((cell or "").split()) for cell in row]
        if any(cells):
            lines.append(CELL_SEPARATOR.join(cells).strip())
    return lines


def _page_text(page: Page, report: EncodingReport) -> tuple[str, int]:
    """The page's text and the number of ruled tables laid out in it as " | " rows.

    Text outside the tables keeps pdfplumber's line order; each table goes in at its top edge.
    """
    keep = _unique_char_ids(page.chars)
    deduped = page.filter(lambda obj: obj.get("object_type") != "char" or id(obj) in keep)
    _decode_legacy_fonts(deduped.chars, report)
    found = deduped.find_tables() if _has_grid(deduped) else []
    tables = [t for t in found if len(t.rows) >= 2 and max(len(row.cells) for row in t.rows) >= 2]
    if not tables:
        return deduped.extract_text(layout=False, x_tolerance_ratio=X_TOLERANCE_RATIO) or "", 0
    boxes = [t.bbox for t in tables]
    outside = deduped.filter(lambda obj: obj.get("object_type") != "char" or not _inside(obj, boxes))
    blocks = [(line["top"], line["text"]) for line in
              outside.extract_text_lines(return_chars=False, x_tolerance_ratio=X_TOLERANCE_RATIO)]
    for table in tables:
        rows = table_rows(table.extract(x_tolerance_ratio=X_TOLERANCE_RATIO))
        blocks.append((table.bbox[1], "\n".join(rows)))
    blocks.sort(key=itemgetter(0))
    return "\n".join(text for _, text in blocks if text), len(tables)


def _compact(numbers: list[int]) -> str:
    """``[1, 2, 3, 7]`` -> ``"1-3, 7"``."""
    runs = []
    for _, grp in itertools.groupby(enumerate(numbers), key=lambda item: item[1] - item[0]):
        values = [n for _, n in grp]
        runs.append(str(values[0]) if len(values) == 1 else f"{values[0]}-{values[-1]}")
    return ", ".join(runs)


@dataclass
class PageText:
    """What the text layer of one page gave."""

    text: str
    tables: int = 0
    image_ratio: float = 0.0  # share of the page area covered by images (a scan: ~1.0)


def _image_ratio(page: Page) -> float:
    area = float(page.width * page.height) or 1.0
    covered = 0.0
    for img in page.images:
        width = max(0.0, min(img["x1"], page.width) - max(img["x0"], 0))
        height = max(0.0, min(img["bottom"], page.height) - max(img["top"], 0))
        covered += width * height
    return min(1.0, covered / area)


@lru_cache(maxsize=256)
def _font_encoding(fontname: str) -> FontEncoding | None:
    return font_encoding(fontname)


def _decode_legacy_fonts(chars: list[dict[str, Any]], report: EncodingReport) -> None:
    """Turn the characters of TCVN3/VNI fonts (named in the PDF) into Unicode, in place."""
    converted: dict[str, int] = {}
    for char in chars:
        enc = _font_encoding(char.get("fontname") or "")
        if enc is not None:
            text = convert(char["text"], enc.encoding, upper=enc.upper)
            if text != char["text"]:
                char["text"] = text
                converted[enc.encoding] = converted.get(enc.encoding, 0) + 1
    for encoding, count in converted.items():
        report.add(encoding, count, "font")


def _page_texts(pdf_bytes: bytes, filename: str, max_pages: int, report: EncodingReport) -> Iterator[PageText]:
    """Each page's text in turn; pdfminer's failures become reader errors."""
    try:
        with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
            if len(pdf.pages) > max_pages:
                raise TooLarge(f"{filename!r} has {len(pdf.pages)} pages, over the limit of {max_pages}")
            for page in pdf.pages:
                text, tables = _page_text(page, report)
                yield PageText(text, tables, _image_ratio(page))
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


def _ocr_into(pdf_bytes: bytes, pages: list[str], scanned: list[int], limits: Limits,
              ingest: dict[str, Any], warnings: list[str]) -> None:
    """OCR the ``scanned`` pages (1-based) in place of their text layers.

    Without an OCR engine (or with OCR turned off) a document whose every page is a scan
    raises :class:`NeedsOCR`; a document with some readable pages keeps them, with a warning.
    """
    engine = ocr.engine() if limits.ocr else None
    if engine is None:
        why = "OCR is turned off (VNPLAN_OCR=0)" if not limits.ocr else "no OCR engine (tesseract with vie) is installed"
        if len(scanned) == len(pages) or not any(p.strip() for n, p in enumerate(pages, 1) if n not in scanned):
            raise NeedsOCR(f"PDF has no usable text layer ({len(pages)} pages) and {why}")
        warnings.append(f"pages {_compact(scanned)} need OCR, but {why}; their text layer is kept")
        return
    results = ocr.ocr_pdf_pages(pdf_bytes, scanned, dpi=limits.ocr_dpi, workers=limits.ocr_workers)
    corrections = 0
    for result in results:
        pages[result.page - 1], fixed = clean_ocr_text(result.text)
        corrections += fixed
        warnings.extend(result.warnings)
        if result.error:
            warnings.append(f"page {result.page}: OCR failed: {result.error}")
    ingest["ocr"] = {
        "engine": f"{engine.name} {engine.version}",
        "language": "vie",
        "pages": [r.page for r in results if not r.error],
        "details": [r.to_dict() for r in results],
        "corrections": corrections,
    }
    warnings.append(f"OCR'd pages: {_compact([r.page for r in results if not r.error])}")


def read(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> RawDocument:
    """Read a PDF's text layer, one entry per page; OCR the pages that need it (no usable
    text layer, or a scan with a stray caption or stamp), see :func:`pipeline.ocr.page_needs_ocr`.

    Characters in TCVN3/VNI fonts are converted by font; legacy text in other fonts by content.
    """
    start = _header_offset(data)
    if start < 0:
        raise ReaderError(f"{filename!r} is not a PDF: no %PDF header in the first {HEADER_WINDOW} bytes")
    warnings = [f"skipped {start} bytes before the %PDF header"] if start else []
    report = EncodingReport()
    layer = list(_page_texts(data[start:], filename, limits.max_pages, report))
    pages = [repair(p.text, report) for p in layer]
    ingest: dict[str, Any] = {"reader": "pdf"}
    tables = sum(p.tables for p in layer)
    if tables:
        ingest["tables"] = tables
    scanned = [n for n, (p, text) in enumerate(zip(layer, pages), 1) if ocr.page_needs_ocr(text, p.image_ratio)]
    if scanned:
        _ocr_into(data[start:], pages, scanned, limits, ingest, warnings)
    if not any(p.strip() for p in pages):
        raise EmptyDocument(f"no usable text in any of the {len(pages)} pages, even after OCR")
    check_unicode_vietnamese("\n".join(pages), "PDF text")
    if report:
        ingest["encoding"] = report.to_dict()
        warnings.append(f"converted legacy encoding: {', '.join(report.detected)}")
    blank = [n for n, p in enumerate(pages, 1) if not p.strip()]
    if blank:
        warnings.append(f"pages without text: {_compact(blank)}")
    return RawDocument(pages, "application/pdf", paged=True, warnings=warnings, ingest=ingest)
