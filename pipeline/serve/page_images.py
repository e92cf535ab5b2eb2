"""Page images of a record's source PDF, rendered on demand with pypdfium2 and cached on disk.

Records name their source file (``source.filename``, ``source.sha256``) but not where it is.
:class:`Sources` finds it: in the inbox service's state (``OUT/state.sqlite`` keeps the final
path of every processed file), else in the folders given to ``review serve --sources``, by file
name, checked by sha256 so that another file of the same name is never shown.

Images are PNG files under ``OUT/review/images/<sha256>/<page>-<width>.png``, rendered once per
page and width. pdfium is not thread-safe: every call into it holds one lock.

:func:`text_boxes` narrows a value's box to the exact characters on pages that have a text
layer (not the OCR'd ones): it finds the quote (or its first words, when the quote runs over a
line break that the record's text joined) in the page's own text, inside the block's box.
"""

from __future__ import annotations

import hashlib
import io
import sqlite3
import threading
import time
from pathlib import Path
from typing import Iterable

from ..review.page import REVIEW_DIR

IMAGES_DIR = "images"
#: Widths (pixels) a page image may be rendered at.
WIDTHS = (600, 900, 1200, 1600)
DEFAULT_WIDTH = 900
#: Seconds before a source file that was not found is looked for again.
RETRY = 30.0
_PDFIUM = threading.Lock()


class PageImageError(Exception):
    """A page that cannot be rendered (no source file, not a PDF, no such page)."""


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class Sources:
    """Finds the source file of a record by its name and sha256."""

    def __init__(self, out_dir: Path, folders: Iterable[Path] = ()) -> None:
        self.out_dir = Path(out_dir)
        self.folders = [Path(f) for f in folders]
        self._found: dict[str, Path] = {}
        self._missing: dict[str, float] = {}  # sha256 -> when it was last looked for in vain
        self._lock = threading.Lock()

    def find(self, filename: str, sha256: str) -> Path | None:
        """The source file, or None; a file not found is looked for again after :data:`RETRY` seconds."""
        with self._lock:
            known = self._found.get(sha256)
            missed = self._missing.get(sha256)
        if known is not None and known.is_file():
            return known
        if missed is not None and time.monotonic() - missed < RETRY:
            return None
        for path in self._candidates(filename, sha256):
            try:
                if path.is_file() and _sha256_file(path) == sha256:
                    with self._lock:
                        self._found[sha256] = path
                        self._missing.pop(sha256, None)
                    return path
            except OSError:
                continue
        with self._lock:
            self._missing[sha256] = time.monotonic()
        return None

    def _candidates(self, filename: str, sha256: str) -> Iterable[Path]:
        state = self.out_dir / "state.sqlite"
        if state.is_file():
            try:
                db = sqlite3.connect(f"file:{state}?mode=ro", uri=True, timeout=5)
                try:
                    row = db.execute("SELECT final_path FROM documents WHERE sha256 = ?", (sha256,)).fetchone()
                finally:
                    db.close()
                if row:
                    yield Path(row[0])
            except sqlite3.Error:
                pass
        for folder in self.folders:
            if (folder / filename).is_file():
                yield folder / filename
        for folder in self.folders:
            yield from folder.rglob(filename)


def image_path(out_dir: Path, sha256: str, page: int, width: int) -> Path:
    return Path(out_dir) / REVIEW_DIR / IMAGES_DIR / sha256 / f"{page}-{width}.png"


def render_page(out_dir: Path, source: Path, sha256: str, page: int, width: int = DEFAULT_WIDTH) -> Path:
    """The PNG of one page (1-based) at ``width`` pixels, rendered now or taken from the cache."""
    if width not in WIDTHS:
        width = min(WIDTHS, key=lambda w: abs(w - width))
    target = image_path(out_dir, sha256, page, width)
    if target.is_file():
        return target
    import pypdfium2 as pdfium

    with _PDFIUM:
        try:
            doc = pdfium.PdfDocument(str(source))
        except pdfium.PdfiumError as exc:
            raise PageImageError(f"{source.name} cannot be opened as a PDF: {exc}") from exc
        try:
            if not 1 <= page <= len(doc):
                raise PageImageError(f"{source.name} has no page {page} (it has {len(doc)})")
            pdf_page = doc[page - 1]
            try:
                page_width, _ = pdf_page.get_size()
                image = pdf_page.render(scale=width / page_width).to_pil()
            finally:
                pdf_page.close()
        finally:
            doc.close()
    buffer = io.BytesIO()
    image.save(buffer, "PNG", compress_level=1)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(f".{threading.get_ident()}.tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(target)
    return target


Rect = tuple[float, float, float, float]  # x0, top, x1, bottom in page points, origin top left


def _inside(rect: Rect, box: Rect, slack: float = 3.0) -> bool:
    cx, cy = (rect[0] + rect[2]) / 2, (rect[1] + rect[3]) / 2
    return box[0] - slack <= cx <= box[2] + slack and box[1] - slack <= cy <= box[3] + slack


def _needles(quote: str) -> list[str]:
    words = quote.split()
    out = [" ".join(words)]
    prefix = ""
    for word in words:
        if len(prefix) + len(word) + 1 > 40 and prefix:
            break
        prefix = f"{prefix} {word}".strip()
    if prefix and prefix not in out:
        out.append(prefix)
    return [n for n in out if len(n) >= 2]


def text_boxes(source: Path, page: int, wanted: list[tuple[str, Rect]]) -> list[list[Rect]]:
    """For each (quote, block box) of one page, the rectangles of the quote's characters in the
    page's text layer inside that box (empty when it is not found there)."""
    import pypdfium2 as pdfium

    out: list[list[Rect]] = [[] for _ in wanted]
    with _PDFIUM:
        doc = pdfium.PdfDocument(str(source))
        try:
            pdf_page = doc[page - 1]
            textpage = pdf_page.get_textpage()
            height = pdf_page.get_size()[1]
            try:
                for i, (quote, box) in enumerate(wanted):
                    for needle in _needles(quote):
                        rects = _find(textpage, needle, box, height)
                        if rects:
                            out[i] = rects
                            break
            finally:
                textpage.close()
                pdf_page.close()
        finally:
            doc.close()
    return out


def merge_lines(rects: list[Rect]) -> list[Rect]:
    """One rectangle per line: pdfium gives one per run of characters, often several a word."""
    lines: list[list[float]] = []
    for x0, top, x1, bottom in sorted(rects, key=lambda r: (r[1], r[0])):
        for line in lines:
            overlap = min(bottom, line[3]) - max(top, line[1])
            if overlap > 0.5 * min(bottom - top, line[3] - line[1]):
                line[0], line[1], line[2], line[3] = min(line[0], x0), min(line[1], top), max(line[2], x1), max(line[3], bottom)
                break
        else:
            lines.append([x0, top, x1, bottom])
    return [(a, b, c, d) for a, b, c, d in lines]


def _find(textpage, needle: str, box: Rect, height: float) -> list[Rect]:
    searcher = textpage.search(needle, match_case=True)
    try:
        for _ in range(50):
            found = searcher.get_next()
            if not found:
                return []
            index, count = found
            rects = []
            for r in range(textpage.count_rects(index, count)):
                left, bottom, right, top = textpage.get_rect(r)
                rects.append((left, height - top, right, height - bottom))
            if rects and all(_inside(r, box) for r in rects):
                return merge_lines(rects)
    finally:
        searcher.close()
    return []
