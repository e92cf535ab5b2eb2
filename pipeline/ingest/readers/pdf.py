"""PDF reader: one text per page, so evidence can name its page.

Each page is read into one :class:`PageContent` (pdfplumber's character and edge dictionaries,
the page box, the share of it images cover) by one of two engines, then laid out by the same
code. By default (``VNPLAN_PDF_TEXT=pdfium``, :attr:`pipeline.ingest.limits.Limits.pdf_text`)
pdfium reads it (:mod:`.pdfium_page`: C++, several times faster than pdfminer's Python);
pdfplumber (pdfminer) reads a page pdfium cannot describe for sure (rotated text or page, a
form XObject, a crop box) and every page with ``VNPLAN_PDF_TEXT=pdfplumber``, the reference.
pdfplumber always opens the file first, so damaged, encrypted and too long files fail alike.

* Junk bytes before ``%PDF`` (web-server banners, mail-gateway prefixes) within the first
  KiB are sliced off.
* "Fake bold" — every glyph drawn twice at a tiny offset — is undone by dropping duplicate
  characters before ``extract_text`` (layout off, line breaks kept, word gaps relative to
  the font size).
* Password-protected files raise :class:`EncryptedDocument`; corrupt or truncated files
  raise :class:`ReaderError`; files without a text layer raise :class:`EmptyDocument`.
* Characters in TCVN3/VNI fonts (``.VnTime``, ``.VnTimeH``, ``VNI-Times``) are converted to
  Unicode by their font; legacy text in unnamed fonts by content (:mod:`pipeline.ingest.legacy`).
* Ruled tables (pdfplumber's table finder, :mod:`.pdf_tables`, run only on pages with ruling
  lines) are laid out as one line per row, cells joined by " | ", at their place in the page.

Pages are processed one at a time and their caches flushed, so memory stays bounded.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np
import pdfplumber
import pypdfium2
from pdfminer.pdfdocument import PDFEncryptionError
from pdfminer.pdftypes import resolve1
from pdfminer.psparser import literal_name
from pdfplumber.page import Page
from pdfplumber.utils import chars_to_textmap
from pdfplumber.utils.exceptions import PdfminerException

from ...core.model import CELL_SEPARATOR, Line, PageSize, RawDocument
from ...errors import EmptyDocument, EncryptedDocument, NeedsOCR, ReaderError, TooLarge
from .. import ocr
from ..legacy import EncodingReport, FontEncoding, convert, font_encoding, repair
from ..limits import DEFAULT_LIMITS, Limits
from ..ocr_text import clean_ocr_text
from . import pdf_tables, pdfium_page
from .pdf_chars import (X_TOLERANCE_RATIO, Glyphs, coordinate, group_texts, layout_lines, layout_text,
                        text_of, unique_chars)
from .text import check_unicode_vietnamese

MAGIC = b"%PDF-"
HEADER_WINDOW = 1024

MIN_IMAGE_RATIO = 0.05  # a page with less of its area in images holds no scanned text
MIN_GARBAGE_CHARS = 200  # a text layer this long that reads as junk is worth OCR even without images



def _header_offset(data: bytes) -> int:
    """Where ``%PDF-`` starts within the first KiB, or -1."""
    return data.find(MAGIC, 0, HEADER_WINDOW)


def sniff(data: bytes) -> bool:
    """True when ``%PDF-`` appears within the first KiB."""
    return _header_offset(data) >= 0


def _inside(middles: tuple[np.ndarray, np.ndarray], boxes: list[tuple[float, float, float, float]]) -> np.ndarray:
    """Which characters have their middle in one of ``boxes`` (edges included)."""
    v, h = middles
    inside = np.zeros(len(v), dtype=bool)
    for x0, top, x1, bottom in boxes:
        inside |= (h >= x0) & (h <= x1) & (v >= top) & (v <= bottom)
    return inside


def table_rows(rows: list[list[str | None]]) -> list[str]:
    """Table rows as text lines: cells joined by :data:`CELL_SEPARATOR`, a cell's own line
    breaks made spaces, merged (``None``) and empty cells left empty so columns stay aligned."""
    lines = []
    for row in rows:
        cells = [" ".join((cell or "").split()) for cell in row]
        if any(cells):
            lines.append(CELL_SEPARATOR.join(cells).strip())
    return lines


@dataclass
class PageContent:
    """What the layout needs of a page, from either engine: pdfplumber's character and edge
    dictionaries, the page box, and the share of the page that images cover.

    It is also the page pdfplumber's table finder is given (it reads ``chars``, ``edges`` and
    ``bbox``), so tables are found by pdfplumber's code whichever engine read the page.
    """

    chars: Glyphs
    edges: pdf_tables.Edges
    bbox: tuple[float, float, float, float]
    image_ratio: float = 0.0

    def find_tables(self) -> list[Any]:
        """pdfplumber's ``Page.find_tables()`` with its default settings (:mod:`.pdf_tables`)."""
        return pdf_tables.find_tables(self)


def _plumber_content(page: Page) -> PageContent:
    """A page as pdfplumber (pdfminer) reads it."""
    return PageContent(Glyphs.from_dicts(page.chars), pdf_tables.Edges.from_dicts(page.edges), tuple(page.bbox),
                       _image_ratio(page.images, page.width, page.height))


def _page_lines(content: PageContent, report: EncodingReport) -> tuple[str, int, list[Line] | None]:
    """The page's text, the number of ruled tables laid out in it as " | " rows, and its lines
    (with boxes; None when the page holds rotated text).

    Duplicate glyphs are dropped and legacy fonts converted first. Text outside the tables keeps
    pdfplumber's line order; each table goes in at its top edge, one line per row.
    """
    chars = unique_chars(content.chars)
    _decode_legacy_fonts(chars, report)
    deduped = replace(content, chars=chars)
    found = deduped.find_tables() if deduped.edges.has_grid() else []
    tables = [(t, rows) for t in found for rows in [t.rows] if len(rows) >= 2 and max(len(row.cells) for row in rows) >= 2]
    if not tables:
        lines = layout_lines(chars)
        return text_of(lines) if lines is not None else layout_text(chars), 0, lines
    boxes = [t.bbox for t, _ in tables]
    middles = chars.middles()
    outside = chars.take(np.flatnonzero(~_inside(middles, boxes)))
    lines = layout_lines(outside)
    if lines is None:  # rotated text: pdfplumber's lines, no geometry
        x0, top, x1, bottom = content.bbox
        textmap = chars_to_textmap(outside.dicts(), layout=False, x_tolerance_ratio=X_TOLERANCE_RATIO, layout_bbox=content.bbox,
                                   layout_width=x1 - x0, layout_height=bottom - top)
        lines = [Line(line["text"]) for line in textmap.extract_text_lines(strip=True, return_chars=False)]
        geometry = False
    else:
        geometry = True
    placed: list[tuple[float, int, Line]] = [(ln.top if geometry else 0.0, k, ln) for k, ln in enumerate(lines)]
    for n, (table, grid) in enumerate(tables):
        rows = _extract_table(grid, chars, middles)
        for k, (row, cells) in enumerate(zip(grid, rows)):
            text = table_rows([cells])
            if text:
                box = tuple(coordinate(v) for v in row.bbox) if geometry else None
                placed.append((table.bbox[1] if not geometry else row.bbox[1], len(lines) + n * 10000 + k,
                               Line(text[0], box, None, None, "table_row")))
    if geometry:
        placed.sort(key=lambda item: (item[0], item[1]))
    else:
        placed.sort(key=lambda item: item[1])
    ordered = [ln for _, _, ln in placed]
    return text_of(ordered), len(tables), ordered if geometry else None


def _extract_table(rows: list[Any], chars: Glyphs,
                   middles: tuple[np.ndarray, np.ndarray] | None = None) -> list[list[str | None]]:
    """pdfplumber's ``Table.extract(x_tolerance_ratio=X_TOLERANCE_RATIO)`` for a table's ``rows``:
    the same cells and words, each row's and cell's characters (in page order) picked by their
    middles (``middles``: :meth:`Glyphs.middles` of ``chars``) at once instead of one by one, and
    the words of every cell laid out together (:func:`.pdf_chars.group_texts`)."""
    v, h = middles if middles is not None else chars.middles()
    by_v = np.argsort(v, kind="stable")
    v_sorted = v[by_v]
    picks: list[np.ndarray] = []  # the characters of each cell in turn, in page order
    groups: list[np.ndarray] = []  # and the cell's number
    cells: list[tuple[int, int]] = []  # (row, cell) of each number
    for r, row in enumerate(rows):
        x0, top, x1, bottom = row.bbox
        band = np.sort(by_v[np.searchsorted(v_sorted, top, "left"):np.searchsorted(v_sorted, bottom, "left")])
        in_row = band[(h[band] >= x0) & (h[band] < x1)]
        row_v, row_h = v[in_row], h[in_row]
        boxes = [(c, cell) for c, cell in enumerate(row.cells) if cell is not None]
        if not boxes:
            continue
        c_x0, c_top, c_x1, c_bottom = (np.array(side, dtype=np.float64)[:, None] for side in zip(*(b for _, b in boxes)))
        inside = (row_h >= c_x0) & (row_h < c_x1) & (row_v >= c_top) & (row_v < c_bottom)  # cell x character
        cell, char = np.nonzero(inside)
        picks.append(in_row[char])
        groups.append(cell + len(cells))
        cells.extend((r, c) for c, _ in boxes)
    out: list[list[str | None]] = [[None] * len(row.cells) for row in rows]
    if not cells:
        return out
    texts = group_texts(chars.take(np.concatenate(picks)), np.concatenate(groups), len(cells))
    for (r, c), text in zip(cells, texts):
        out[r][c] = text
    return out


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
    lines: list[Line] | None = None  # the text's lines with their boxes, when the page has geometry
    size: PageSize | None = None


def _image_ratio(images: Iterable[dict[str, Any] | tuple[float, float, float, float]], width: float,
                 height: float) -> float:
    """The share of the page that images cover (their boxes clipped to the page, overlaps counted
    twice): pdfplumber's image dictionaries or ``(x0, top, x1, bottom)`` boxes."""
    area = float(width * height) or 1.0
    covered = 0.0
    for img in images:
        x0, top, x1, bottom = (img["x0"], img["top"], img["x1"], img["bottom"]) if isinstance(img, dict) else img
        covered += max(0.0, min(x1, width) - max(x0, 0)) * max(0.0, min(bottom, height) - max(top, 0))
    return min(1.0, covered / area)


@lru_cache(maxsize=256)
def _font_encoding(fontname: str) -> FontEncoding | None:
    return font_encoding(fontname)


def _decode_legacy_fonts(chars: Glyphs, report: EncodingReport) -> None:
    """Turn the characters of TCVN3/VNI fonts (named in the PDF) into Unicode, in place."""
    encodings = [_font_encoding(name or "") for name in chars.fontnames]
    legacy = [k for k, enc in enumerate(encodings) if enc is not None]
    if not legacy:
        return  # no TCVN3/VNI font on the page (the usual case): spare the per-character loop
    converted: dict[str, int] = {}
    texts = chars.text
    known: dict[tuple[int, str], str] = {}  # (font, text) -> its Unicode
    where = np.isin(chars.font, legacy)
    for i, font in zip(np.flatnonzero(where).tolist(), chars.font[where].tolist()):
        enc, original = encodings[font], texts[i]
        assert enc is not None
        text = known.get((font, original))
        if text is None:
            text = known[(font, original)] = convert(original, enc.encoding, upper=enc.upper)
        if text != original:
            texts[i] = text
            converted[enc.encoding] = converted.get(enc.encoding, 0) + 1
    for encoding, count in converted.items():
        report.add(encoding, count, "font")


def _font_descents(page: Page) -> dict[str, float]:
    """The descents (per 1000 units) pdfminer gives the fonts of the page's resources, by base font
    name: its own metrics for a simple font it knows by name (the standard 14 and their aliases),
    else the font descriptor's Descent, made negative (a CID font's from its descendant font).
    Type 3 fonts and anything unreadable are left out (pdfium's descent is used for them)."""
    out: dict[str, float] = {}
    try:
        fonts = resolve1((page.page_obj.resources or {}).get("Font")) or {}
        for ref in fonts.values():
            spec = resolve1(ref)
            subtype = literal_name(spec.get("Subtype")) if spec.get("Subtype") else ""
            if subtype == "Type0":
                descendants = resolve1(spec.get("DescendantFonts")) or []
                if not descendants:
                    continue
                spec = resolve1(descendants[0])
            elif subtype == "Type3":
                continue
            name = literal_name(resolve1(spec.get("BaseFont")))
            standard = _standard_descent(name) if subtype in ("Type1", "TrueType", "MMType1") else None
            if standard is not None:
                out[name] = standard
                continue
            descriptor = resolve1(spec.get("FontDescriptor")) or {}
            descent = float(resolve1(descriptor.get("Descent", 0)) or 0)
            out[name] = -descent if descent > 0 else descent
    except Exception:  # a damaged resource dictionary: pdfium's descents
        return {}
    return out


def _standard_descent(name: str) -> float | None:
    from pdfminer.fontmetrics import FONT_METRICS

    metrics = FONT_METRICS.get(name)
    return float(metrics[0].get("Descent", 0)) if metrics is not None else None


def _pdfium_content(document: Any, index: int, page: Page) -> PageContent | None:
    """Page ``index`` read with pdfium (:mod:`.pdfium_page`), or None when pdfplumber must read it:
    a rotated page, a page whose boxes do not start at the origin or differ (pdfplumber then
    shifts or crops), or content pdfium cannot describe for sure."""
    x0, top, x1, bottom = page.bbox
    if page.rotation or (x0, top) != (0, 0) or tuple(page.mediabox) != tuple(page.bbox):
        return None
    fast = document[index]
    textpage = None
    try:
        graphics = pdfium_page.page_graphics(fast.raw, float(page.height), float(page.initial_doctop))
        if graphics is None:
            return None
        textpage = fast.get_textpage()
        chars = pdfium_page.page_chars(textpage, float(page.height), float(page.initial_doctop), graphics.texts,
                                       _font_descents(page))
        if chars is None:
            return None
        return PageContent(chars, graphics.edges, tuple(page.bbox), _image_ratio(graphics.images, page.width, page.height))
    finally:
        if textpage is not None:
            textpage.close()
        fast.close()


def _open_pdfium(pdf_bytes: bytes) -> Any:
    try:
        return pypdfium2.PdfDocument(pdf_bytes)
    except Exception:  # pdfium cannot open it: pdfplumber reads every page
        return None


def _page_texts(pdf_bytes: bytes, filename: str, max_pages: int, report: EncodingReport,
                text_path: str = DEFAULT_LIMITS.pdf_text) -> Iterator[PageText]:
    """Each page's text in turn; pdfminer's failures become reader errors.

    With ``text_path="pdfium"``, pages pdfium can read alone are read by pdfium (see above);
    pdfplumber still opens the file first, so a damaged, encrypted or too long file fails the
    same way on both paths.
    """
    try:
        with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
            if len(pdf.pages) > max_pages:
                raise TooLarge(f"{filename!r} has {len(pdf.pages)} pages, over the limit of {max_pages}")
            fast = _open_pdfium(pdf_bytes) if text_path == "pdfium" and pdfium_page.available() else None
            try:
                for index, page in enumerate(pdf.pages):
                    size = PageSize(index + 1, float(page.width), float(page.height))
                    content = _pdfium_content(fast, index, page) if fast is not None else None
                    if content is None:
                        content = _plumber_content(page)
                    text, tables, lines = _page_lines(content, report)
                    yield PageText(text, tables, content.image_ratio, lines, size)
                    page.close()
            finally:
                if fast is not None:
                    fast.close()
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


def _wants_ocr(text: str, image_ratio: float) -> bool:
    """True for a page to OCR: a scan (:func:`pipeline.ingest.ocr.page_needs_ocr`). A page without
    images and with little text (a signature page, a blank page) is what it seems; so is one
    whose short layer is all there is to read."""
    if image_ratio < MIN_IMAGE_RATIO and len(text.strip()) < MIN_GARBAGE_CHARS:
        return False
    return ocr.page_needs_ocr(text, image_ratio)


def _ocr_into(pdf_bytes: bytes, pages: list[str], lines: list[list[Line] | None], scanned: list[int],
              limits: Limits, ingest: dict[str, Any], warnings: list[str]) -> None:
    """OCR the ``scanned`` pages (1-based) in place of their text layers (and their lines).

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
        cleaned = [clean_ocr_text(line.text) for line in result.lines]
        lines[result.page - 1] = [replace(line, text=text) for line, (text, _) in zip(result.lines, cleaned) if text.strip()]
        pages[result.page - 1] = text_of(lines[result.page - 1])
        fixed = sum(n for _, n in cleaned)
        corrections += fixed
        warnings.extend(result.warnings)
        if result.error:
            warnings.append(f"page {result.page}: OCR failed: {result.error}")
    ingest["ocr"] = {
        "engine": f"{engine.name} {engine.version}",
        "language": "vie",
        "pages": [r.page for r in results if not r.error],
        "details": [{k: v for k, v in r.to_dict().items() if k != "seconds"} for r in results],  # no timings: records are reproducible
        "corrections": corrections,
    }
    warnings.append(f"OCR'd pages: {_compact([r.page for r in results if not r.error])}")


def read(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> RawDocument:
    """Read a PDF's text layer, one entry per page; OCR the pages that need it (no usable
    text layer, or a scan with a stray caption or stamp), see :func:`pipeline.ingest.ocr.page_needs_ocr`.

    Characters in TCVN3/VNI fonts are converted by font; legacy text in other fonts by content.
    """
    start = _header_offset(data)
    if start < 0:
        raise ReaderError(f"{filename!r} is not a PDF: no %PDF header in the first {HEADER_WINDOW} bytes")
    warnings = [f"skipped {start} bytes before the %PDF header"] if start else []
    report = EncodingReport()
    layer = list(_page_texts(data[start:], filename, limits.max_pages, report, limits.pdf_text))
    pages = [repair(p.text, report) for p in layer]
    lines = [_with_texts(p.lines, text) for p, text in zip(layer, pages)]
    ingest: dict[str, Any] = {"reader": "pdf"}
    tables = sum(p.tables for p in layer)
    if tables:
        ingest["tables"] = tables
    scanned = [n for n, (p, text) in enumerate(zip(layer, pages), 1) if _wants_ocr(text, p.image_ratio)]
    if scanned:
        _ocr_into(data[start:], pages, lines, scanned, limits, ingest, warnings)
    if not any(p.strip() for p in pages):
        raise EmptyDocument(f"no usable text in any of the {len(pages)} pages, even after OCR")
    check_unicode_vietnamese("\n".join(pages), "PDF text")
    if report:
        ingest["encoding"] = report.to_dict()
        warnings.append(f"converted legacy encoding: {', '.join(report.detected)}")
    blank = [n for n, p in enumerate(pages, 1) if not p.strip()]
    if blank:
        warnings.append(f"pages without text: {_compact(blank)}")
    page_lines = [page if page is not None else [Line(part) for part in text.split("\n")]
                  for page, text in zip(lines, pages)]
    return RawDocument(pages, "application/pdf", paged=True, warnings=warnings, ingest=ingest,
                       lines=page_lines, page_sizes=[p.size for p in layer if p.size is not None] or None)


def _with_texts(lines: list[Line] | None, text: str) -> list[Line] | None:
    """The page's lines carrying the (repaired) page text, line for line; None when the text no
    longer has one line per line."""
    if lines is None:
        return None
    parts = text.split("\n") if lines else ([] if not text else [text])
    if len(parts) != len(lines):
        return None
    return [line if line.text == part else replace(line, text=part) for line, part in zip(lines, parts)]
