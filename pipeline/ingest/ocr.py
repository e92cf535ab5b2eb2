"""OCR of scanned PDF pages with Tesseract (Vietnamese model), and the test of a text layer.

* :func:`engine` finds the ``tesseract`` binary and its languages (``None`` when the binary
  or the language is missing); the answer is cached.
* :func:`ocr_pdf_pages` renders the requested pages with pypdfium2 (one page at a time, in
  the worker that OCRs it, so only ``workers`` page images are ever in memory), pipes each
  image to ``tesseract`` (TSV output, ``OMP_THREAD_LIMIT=1`` so pages run in parallel
  threads without oversubscribing the cores) and rebuilds the page text in reading order:
  words joined by spaces, lines by newlines, a blank line between Tesseract's blocks.
* A page that comes out with low confidence or little Vietnamese is checked with Tesseract's
  orientation detection (``--psm 0``); when it is turned 90/180/270 degrees the image is
  rotated and OCR'd again, and the better reading is kept.
* Each page is scored with :func:`pipeline.lang.syllables.text_quality`; a long page with few
  diacritics (wrong model, a non-Vietnamese page) or few Vietnamese syllables (noise) gets a
  warning.
* :func:`text_layer_usable` and :func:`page_needs_ocr` decide whether a page's existing text
  layer can be used or the page must be OCR'd.

A page whose Tesseract run crashes or times out comes back with empty text and its
``error`` set; :class:`~pipeline.errors.OcrFailed` is raised only when no requested page
could be OCR'd at all. pypdfium2 is not thread-safe, so every pdfium call holds one lock.
"""

from __future__ import annotations

import io
import itertools
import os
import re
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..core.model import Line
from ..errors import OcrFailed
from ..lang.syllables import Quality, text_quality
from .layout import column_breaks

TESSERACT = "tesseract"
# Measured on the 52 scanned pages in realdocs (most scanned at 200 dpi, a few at 300): 200 dpi
# gives the same confidence and Vietnamese quality as 300 dpi, ~16% faster.
DEFAULT_DPI = 200
MAX_PIXELS = 60_000_000  # a page image larger than this is rendered at a lower dpi
OSD_DPI = 150  # orientation detection needs far less detail than recognition

# Rotation is checked when the first reading is this weak.
ROTATE_BELOW_CONFIDENCE = 60.0
ROTATE_BELOW_SYLLABLES = 0.6
# Quality warnings on OCR output, for pages with at least QUALITY_MIN_WORDS words.
QUALITY_MIN_WORDS = 30
WARN_BELOW_DIACRITICS = 0.3  # real Vietnamese prose: 0.7-0.9; born-digital price tables: >= 0.5
WARN_BELOW_SYLLABLES = 0.6  # real text: >= 0.75 after OCR

# Text-layer test (see text_layer_usable).
MIN_LAYER_CHARS = 20  # letters and digits, after digital-signature stamp lines are dropped
JUDGE_MIN_WORDS = 20  # below this, too few words to call a layer garbage by its syllables
GARBAGE_BELOW_SYLLABLES = 0.5  # real layers (incl. dense price tables): >= 0.62; bad old OCR: <= 0.46
GARBAGE_BELOW_SYLLABLES_NO_DIACRITICS = 0.7  # ... when diacritics are (nearly) gone too
NO_DIACRITICS = 0.15
GARBAGE_ABOVE_JUNK = 0.2  # legacy-font text read as Latin-1: ~0.65
ENGLISH_SHARE = 0.15
# Scanned pages (see page_needs_ocr).
SCAN_IMAGE_RATIO = 0.5
SCAN_MIN_LAYER_CHARS = 200

_TSV_FIELDS = 12
#: Height of the tallest word box of an OCR'd line (diacritics above, descenders below) over the type size.
OCR_LINE_HEIGHT_RATIO = 1.25
SAME_SIZE_SHARE = 1 / 3
_OSD_ROTATE = re.compile(r"^Rotate:\s*(\d+)", re.MULTILINE)
_OSD_CONFIDENCE = re.compile(r"^Orientation confidence:\s*([\d.]+)", re.MULTILINE)
_ALNUM = re.compile(r"[^\W_]")
# Lines of a digital-signature stamp as a PDF text layer carries them (e.g. the Government
# Portal's "Người ký: Cổng Thông tin điện tử Chính phủ / Email: ... / Cơ quan: ... /
# Thời gian ký: 20.09.2024 16:21:40 +07:00") and the "ĐẾN Giờ: ... Ngày: ..." incoming stamp.
_STAMP_LINE = re.compile(
    r"^\W*(?:(?:người\s+ký|ký\s+bởi|signed\s+by|e-?mail|cơ\s+quan|thời\s+gian\s+ký|ngày\s+ký|"
    r"date|reason|location|lý\s+do|vị\s+trí|chức\s+vụ|giờ|ngày)\s*:|"
    r"signature\s+valid|digitally\s+signed|đến\W*$|cổng\s+thông\s+tin\s+điện\s+tử\s+chính\s+phủ\W*$)|"
    r".*(?:thời\s+gian\s+ký|người\s+ký\s*:|@[\w-]+(?:\.[\w-]+)*\.vn\b|\d\d:\d\d:\d\d\s*[+-]\d\d:?\d\d)",
    re.IGNORECASE,
)
_ENGLISH = frozenset(
    "the of and to in is for on with by that this be are as at from or an it not which "
    "shall have has was were will".split()
)

PDFIUM_LOCK = threading.Lock()  # pdfium is not thread-safe: any module calling pypdfium2 should hold it


class _TesseractError(Exception):
    """One Tesseract run failed (crash, timeout, unreadable output)."""


# --- engine -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OcrEngine:
    """The OCR engine found on this machine."""

    name: str
    version: str
    languages: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "version": self.version, "languages": list(self.languages)}


def _tesseract_env() -> dict[str, str]:
    """Tesseract's environment: one OpenMP thread, since pages already run in parallel."""
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


@lru_cache(maxsize=1)
def _probe() -> OcrEngine | None:
    """The installed Tesseract with all its languages, or ``None``; asked once per process."""
    if shutil.which(TESSERACT) is None:
        return None
    try:
        version = subprocess.run([TESSERACT, "--version"], capture_output=True, text=True,
                                 timeout=30, env=_tesseract_env())
        listing = subprocess.run([TESSERACT, "--list-langs"], capture_output=True, text=True,
                                 timeout=30, env=_tesseract_env())
    except (OSError, subprocess.SubprocessError):
        return None
    first = (version.stdout or version.stderr).strip().splitlines()
    number = first[0].split()[-1] if first else "unknown"
    languages = tuple(sorted(line.strip() for line in listing.stdout.splitlines()[1:] if line.strip()))
    return OcrEngine("tesseract", number, languages)


def engine(lang: str = "vie") -> OcrEngine | None:
    """The Tesseract engine, or ``None`` when the binary or a language of ``lang`` is missing.

    ``lang`` may combine models the Tesseract way (``"vie+eng"``). The probe is cached.
    """
    found = _probe()
    if found is None or not all(part in found.languages for part in lang.split("+")):
        return None
    return found


# --- one page -----------------------------------------------------------------------------


@dataclass
class OcrPage:
    """The OCR reading of one PDF page."""

    page: int  # 1-based
    text: str
    confidence: float  # mean word confidence, 0-100
    quality: Quality
    rotation: int = 0  # degrees the page image was turned clockwise before the kept reading
    seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    error: str | None = None  # set when Tesseract failed on this page (text is then empty)
    #: The page's printed lines, boxes in page points (none when the image was turned before reading).
    lines: list[Line] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Compact, JSON-ready summary (no text)."""
        out: dict[str, Any] = {
            "page": self.page,
            "confidence": round(self.confidence, 1),
            "rotation": self.rotation,
            "syllable_ratio": round(self.quality.syllable_ratio, 3),
            "diacritic_ratio": round(self.quality.diacritic_ratio, 3),
            "seconds": round(self.seconds, 2),
        }
        if self.error:
            out["error"] = self.error
        return out


@dataclass
class _Reading:
    text: str
    confidence: float
    quality: Quality
    rotation: int = 0
    lines: list[Line] = field(default_factory=list)

    @property
    def weak(self) -> bool:
        """Low confidence or little Vietnamese: worth checking the page's orientation."""
        return (self.confidence < ROTATE_BELOW_CONFIDENCE
                or self.quality.syllable_ratio < ROTATE_BELOW_SYLLABLES)

    @property
    def rank(self) -> tuple[float, float]:
        return (self.quality.score, self.confidence)


def tsv_lines(tsv: str, scale: float = 1.0) -> tuple[list[Line], float]:
    """Printed lines (with boxes) and mean word confidence from Tesseract's TSV output.

    Lines come in Tesseract's block/paragraph/line order, each with the box of its words times
    ``scale`` (pixels to points: 72 / dpi) and a type size estimated from the line height. A line
    is cut into segments where two words are far apart
    (:func:`pipeline.ingest.layout.column_breaks`), as the PDF reader does.
    """
    grouped: list[list[tuple[str, tuple[float, float, float, float]]]] = []
    last_line = None
    confidences: list[float] = []
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < _TSV_FIELDS or cols[0] != "5":
            continue
        word = cols[11].strip()
        if not word:
            continue
        try:
            conf = float(cols[10])
        except ValueError:
            conf = -1.0
        if conf >= 0:
            confidences.append(conf)
        try:
            left, top, width, height = (float(v) * scale for v in cols[6:10])
        except ValueError:
            left = top = width = height = 0.0
        key = (cols[2], cols[3], cols[4])
        if key != last_line:
            grouped.append([])
            last_line = key
        grouped[-1].append((word, (left, top, left + width, top + height)))
    # The type size of an OCR'd line is judged from its tallest word, which depends on the words
    # (capitals, marks, descenders): lines within a third of the page's usual size get that size.
    raw = [max(1.0, max(box[3] - box[1] for _, box in words) / OCR_LINE_HEIGHT_RATIO) for words in grouped]
    usual = sorted(raw)[len(raw) // 2] if raw else 0.0
    lines: list[Line] = []
    for words, estimate in zip(grouped, raw):
        size = usual if abs(estimate - usual) < SAME_SIZE_SHARE * usual else estimate
        breaks = set(column_breaks([b[1][0] - a[1][2] for a, b in zip(words, words[1:])], size))
        segment = [words[0]]
        for i, word in enumerate(words[1:]):
            if i in breaks:
                lines.append(_ocr_line(segment, size))
                segment = []
            segment.append(word)
        lines.append(_ocr_line(segment, size))
    confidence = sum(confidences) / len(confidences) if confidences else 0.0
    return lines, confidence


def _ocr_line(words: list[tuple[str, tuple[float, float, float, float]]], size: float) -> Line:
    boxes = [box for _, box in words]
    bbox = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
    return Line(" ".join(word for word, _ in words), bbox, round(size, 1), lead=boxes[0][2] - boxes[0][0])


def tsv_text(tsv: str) -> tuple[str, float]:
    """Page text and mean word confidence from Tesseract's TSV output: the lines of
    :func:`tsv_lines`, one per line."""
    lines, confidence = tsv_lines(tsv)
    return "\n".join(line.text for line in lines), confidence


def _run_tesseract(args: list[str], image: bytes, timeout: float) -> str:
    """Run Tesseract on ``image`` (PNG bytes on stdin) and return its stdout."""
    try:
        done = subprocess.run([TESSERACT, "stdin", "stdout", *args], input=image,
                              capture_output=True, timeout=timeout, env=_tesseract_env())
    except subprocess.TimeoutExpired as exc:
        raise _TesseractError(f"tesseract timed out after {timeout:g} s") from exc
    except OSError as exc:
        raise _TesseractError(f"tesseract could not be started: {exc}") from exc
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise _TesseractError(f"tesseract exited with {done.returncode}: {message[-1] if message else ''}")
    return done.stdout.decode("utf-8", "replace")


def _png(image: Any, dpi: int) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "PNG", dpi=(dpi, dpi), compress_level=1)
    return buffer.getvalue()


def _recognise(image: Any, lang: str, dpi: int, timeout: float, rotation: int = 0) -> _Reading:
    """OCR one page image (PIL) as a block of text (``--psm 3``)."""
    tsv = _run_tesseract(["-l", lang, "--psm", "3", "--dpi", str(dpi), "tsv"], _png(image, dpi), timeout)
    lines, confidence = tsv_lines(tsv, 72 / dpi)
    if rotation:  # boxes of the turned image are not the page's: keep the lines, not their boxes
        lines = [Line(line.text) for line in lines]
    text = "\n".join(line.text for line in lines)
    return _Reading(text, confidence, text_quality(text), rotation, lines)


def detect_rotation(image: Any, dpi: int, timeout: float) -> tuple[int, float]:
    """Clockwise degrees that make ``image`` upright, and Tesseract's confidence in it.

    Runs orientation detection (``--psm 0``) on a reduced copy of the image; (0, 0.0) when
    the page has too little text to tell.
    """
    factor = max(1, round(dpi / OSD_DPI))
    small = image.reduce(factor) if factor > 1 else image
    osd_dpi = dpi // factor
    try:
        out = _run_tesseract(["-l", "osd", "--psm", "0", "--dpi", str(osd_dpi)], _png(small, osd_dpi), timeout)
    except _TesseractError:
        return 0, 0.0
    rotate, conf = _OSD_ROTATE.search(out), _OSD_CONFIDENCE.search(out)
    if not rotate:
        return 0, 0.0
    return int(rotate.group(1)) % 360, float(conf.group(1)) if conf else 0.0


def _read_page(image: Any, lang: str, dpi: int, timeout: float) -> tuple[_Reading, list[str]]:
    """OCR an image; if the reading is weak, check orientation and re-read it turned upright."""
    notes: list[str] = []
    first = _recognise(image, lang, dpi, timeout)
    if not first.weak:
        return first, notes
    rotate, _osd_conf = detect_rotation(image, dpi, timeout)
    if rotate == 0:
        return first, notes
    turned = _recognise(image.rotate(-rotate, expand=True), lang, dpi, timeout, rotate)
    if turned.rank > first.rank:
        notes.append(f"page image rotated {rotate} degrees before OCR")
        return turned, notes
    return first, notes


def quality_warnings(quality: Quality) -> list[str]:
    """Warnings for OCR output that has lost its diacritics or is mostly not Vietnamese."""
    if quality.words < QUALITY_MIN_WORDS:
        return []
    warnings = []
    if quality.diacritic_ratio < WARN_BELOW_DIACRITICS:
        warnings.append(f"OCR text has few diacritics ({quality.diacritic_ratio:.0%} of words): "
                        "wrong language model or not Vietnamese?")
    if quality.syllable_ratio < WARN_BELOW_SYLLABLES:
        warnings.append(f"OCR text is mostly not Vietnamese syllables ({quality.syllable_ratio:.0%} "
                        "of words): poor scan or garbage?")
    return warnings


# --- pages of a PDF -----------------------------------------------------------------------


def _render(pdf: Any, index: int, dpi: int) -> tuple[Any, int]:
    """Page ``index`` (0-based) as a grayscale PIL image and the dpi it was rendered at
    (``dpi``, or less for a page over :data:`MAX_PIXELS`)."""
    with PDFIUM_LOCK:
        page = pdf[index]
        try:
            width, height = page.get_size()
            scale = dpi / 72
            pixels = width * height * scale * scale
            if pixels > MAX_PIXELS:
                scale *= (MAX_PIXELS / pixels) ** 0.5
            bitmap = page.render(scale=scale, grayscale=True)
            try:
                image = bitmap.to_pil().copy()  # detach from pdfium's buffer
            finally:
                bitmap.close()
        finally:
            page.close()
    return image, round(scale * 72)


def _failed(number: int, start: float, message: str) -> OcrPage:
    return OcrPage(number, "", 0.0, text_quality(""), 0, time.monotonic() - start,
                   [f"page {number}: OCR failed: {message}"], error=message)


def _ocr_one(pdf: Any, number: int, lang: str, dpi: int, timeout: float) -> OcrPage:
    start = time.monotonic()
    try:
        image, used_dpi = _render(pdf, number - 1, dpi)
    except Exception as exc:  # pdfium fails in its own ways on damaged pages
        return _failed(number, start, f"page could not be rendered: {type(exc).__name__}: {exc}")
    try:
        reading, notes = _read_page(image, lang, used_dpi, timeout)
    except _TesseractError as exc:
        return _failed(number, start, str(exc))
    finally:
        image.close()
    if used_dpi < dpi:
        notes.append(f"large page rendered at {used_dpi} dpi")
    warnings = [f"page {number}: {note}" for note in notes + quality_warnings(reading.quality)]
    return OcrPage(number, reading.text, reading.confidence, reading.quality, reading.rotation,
                   time.monotonic() - start, warnings, lines=reading.lines)


def default_workers() -> int:
    """Pages OCR'd at once: ``VNPLAN_OCR_WORKERS``, else the CPU count."""
    value = os.environ.get("VNPLAN_OCR_WORKERS", "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return os.cpu_count() or 1


def ocr_pdf_pages(pdf_bytes: bytes, pages: list[int], *, lang: str = "vie", dpi: int = DEFAULT_DPI,
                  workers: int | None = None, timeout: float = 120) -> list[OcrPage]:
    """OCR the 1-based ``pages`` of a PDF; results in page order.

    Pages run in a thread pool of ``workers`` (default :func:`default_workers`); ``timeout``
    bounds each Tesseract run (a weak page may take three: read, orientation, re-read).
    A failed page comes back with empty text and ``error`` set;
    :class:`OcrFailed` is raised when Tesseract is missing or every page failed.
    """
    if engine(lang) is None:
        raise OcrFailed(f"tesseract or its {lang!r} language data is not installed",
                        hint="Install tesseract-ocr and tesseract-ocr-vie, or turn OCR off (VNPLAN_OCR=0).")
    import pypdfium2 as pdfium

    numbers = sorted(set(pages))
    if not numbers:
        return []
    with PDFIUM_LOCK:
        try:
            pdf = pdfium.PdfDocument(pdf_bytes)
        except pdfium.PdfiumError as exc:
            raise OcrFailed(f"the PDF could not be opened for OCR: {exc}") from exc
        count = len(pdf)
    try:
        bad = [n for n in numbers if not 1 <= n <= count]
        if bad:
            raise ValueError(f"pages {bad} are outside 1-{count}")
        size = max(1, min(workers or default_workers(), len(numbers)))
        with ThreadPoolExecutor(max_workers=size, thread_name_prefix="ocr") as pool:
            results = list(pool.map(lambda n: _ocr_one(pdf, n, lang, dpi, timeout), numbers))
    finally:
        with PDFIUM_LOCK:
            pdf.close()
    if all(r.error for r in results):
        raise OcrFailed(f"OCR failed on every page ({len(results)}): {results[0].error}")
    return results


# --- is the text layer real? --------------------------------------------------------------


def strip_stamp_lines(text: str) -> str:
    """``text`` without the lines of a digital-signature or incoming-document stamp."""
    return "\n".join(line for line in text.splitlines() if not _STAMP_LINE.match(line.strip()))


def _looks_english(text: str) -> bool:
    words = re.findall(r"[a-z]+", text.lower())
    return bool(words) and sum(w in _ENGLISH for w in words) / len(words) >= ENGLISH_SHARE


def text_layer_usable(text: str) -> bool:
    """True when a page's text layer is real text; False when the page needs OCR.

    Call it on the layer after legacy-font conversion (raw TCVN3/VNI text looks like junk).

    * Digital-signature stamp lines are ignored; fewer than :data:`MIN_LAYER_CHARS` letters
      and digits left: not usable (empty page, a stamp, a lone page number).
    * With at least :data:`JUDGE_MIN_WORDS` words: not usable when junk words exceed
      :data:`GARBAGE_ABOVE_JUNK`, or Vietnamese syllables are under
      :data:`GARBAGE_BELOW_SYLLABLES` (unless it reads as English), or under
      :data:`GARBAGE_BELOW_SYLLABLES_NO_DIACRITICS` with (nearly) no diacritics -- the mark of
      a bad old OCR layer. Diacritic-less but well-formed Vietnamese, names and tables of
      numbers stay usable.
    * Fewer words (numbers, codes): not usable only when most words are junk.
    """
    return _layer_usable(strip_stamp_lines(text))


def _at_least(text: str, count: int) -> bool:
    """Whether ``text`` holds at least ``count`` letters and digits (counted no further)."""
    return sum(1 for _ in itertools.islice(_ALNUM.finditer(text), count)) >= count


def _layer_usable(core: str) -> bool:
    """:func:`text_layer_usable` of a layer without its stamp lines."""
    if not _at_least(core, MIN_LAYER_CHARS):
        return False
    q = text_quality(core)
    if q.words < JUDGE_MIN_WORDS:
        return q.junk_ratio <= 0.5
    if q.junk_ratio > GARBAGE_ABOVE_JUNK:
        return False
    if q.syllable_ratio < GARBAGE_BELOW_SYLLABLES:
        return _looks_english(core)
    return not (q.syllable_ratio < GARBAGE_BELOW_SYLLABLES_NO_DIACRITICS and q.diacritic_ratio < NO_DIACRITICS)


def page_needs_ocr(text: str, image_area_ratio: float) -> bool:
    """True when a PDF page should be OCR'd rather than read from its text layer.

    ``image_area_ratio`` is the share of the page covered by images (a scan: ~1.0). A page
    needs OCR when its layer is not :func:`text_layer_usable`, or when images cover at least
    :data:`SCAN_IMAGE_RATIO` of it and its layer (stamp lines dropped) holds fewer than
    :data:`SCAN_MIN_LAYER_CHARS` letters and digits -- a scanned page with a stray caption,
    page number or partial layer.
    """
    core = strip_stamp_lines(text)
    if not _layer_usable(core):
        return True
    return image_area_ratio >= SCAN_IMAGE_RATIO and not _at_least(core, SCAN_MIN_LAYER_CHARS)


__all__ = [
    "OcrEngine",
    "OcrPage",
    "detect_rotation",
    "default_workers",
    "engine",
    "ocr_pdf_pages",
    "page_needs_ocr",
    "quality_warnings",
    "strip_stamp_lines",
    "text_layer_usable",
    "tsv_text",
]
