"""PDF reader (pdfplumber): one text per page, so evidence can name its page.

* Junk bytes before ``%PDF`` (web-server banners, mail-gateway prefixes) within the first
  KiB are sliced off.
* "Fake bold" — every glyph drawn twice at a tiny offset — is undone by dropping duplicate
  characters before ``extract_text`` (layout off, line breaks kept, word gaps relative to
  the font size).
* Password-protected files raise :class:`EncryptedDocument`; corrupt or truncated files
  raise :class:`ReaderError`; files without a text layer raise :class:`EmptyDocument`.
* Characters in TCVN3/VNI fonts (``.VnTime``, ``.VnTimeH``, ``VNI-Times``) are converted to
  Unicode by their font; legacy text in unnamed fonts by content (:mod:`pipeline.ingest.legacy`).
* Ruled tables (pdfplumber's table finder, run only on pages with ruling lines) are laid out
  as one line per row, cells joined by " | ", at their place in the page.

Pages are processed one at a time and their caches flushed, so memory stays bounded.

With ``VNPLAN_PDF_TEXT=pdfium`` (:attr:`pipeline.ingest.limits.Limits.pdf_text`) the characters of
plain text pages come from pdfium instead of pdfminer, several times faster, and go through the
same de-duplication and pdfplumber text layout, so the text is the same; pdfplumber still reads
every page with ruling lines, images, legacy fonts or unusual text (see ``_pdfium_page_text``).
"""

from __future__ import annotations

import ctypes
import io
import itertools
import re
import statistics
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from functools import lru_cache
from operator import itemgetter
from typing import Any

import pdfplumber
import pypdfium2
import pypdfium2.raw as pdfium_c
from pdfminer.pdfdocument import PDFEncryptionError
from pdfplumber.page import Page
from pdfplumber.utils import chars_to_textmap, cluster_objects
from pdfplumber.utils.exceptions import PdfminerException
from pdfplumber.utils.text import DEFAULT_Y_TOLERANCE, LIGATURES

from ...core.model import CELL_SEPARATOR, Line, PageSize, RawDocument
from ...errors import EmptyDocument, EncryptedDocument, NeedsOCR, ReaderError, TooLarge
from .. import ocr
from ..layout import column_breaks
from ..legacy import EncodingReport, FontEncoding, convert, font_encoding, repair
from ..limits import DEFAULT_LIMITS, Limits
from ..ocr_text import clean_ocr_text
from .text import check_unicode_vietnamese

MAGIC = b"%PDF-"
HEADER_WINDOW = 1024
DEDUPE_TOLERANCE = 1.0  # points; pdfplumber's default for dedupe_chars
# A gap wider than 0.15 x the font size is a space. pdfplumber's fixed 3pt default glues the
# words of tightly set 12pt text ("GIÁODỤCVÀĐÀOTẠO").
X_TOLERANCE_RATIO = 0.15

MIN_IMAGE_RATIO = 0.05  # a page with less of its area in images holds no scanned text
MIN_GARBAGE_CHARS = 200  # a text layer this long that reads as junk is worth OCR even without images

_CHAR_KEY = itemgetter("upright", "text", "fontname", "size")
_POSITION = itemgetter("doctop", "x0")
_X0 = itemgetter("x0")


def _header_offset(data: bytes) -> int:
    """Where ``%PDF-`` starts within the first KiB, or -1."""
    return data.find(MAGIC, 0, HEADER_WINDOW)


def sniff(data: bytes) -> bool:
    """True when ``%PDF-`` appears within the first KiB."""
    return _header_offset(data) >= 0


def _unique_char_ids_reference(chars: list[dict[str, Any]]) -> set[int]:
    """:func:`_unique_char_ids` written with pdfplumber's generic clustering (kept for tests)."""
    keep: set[int] = set()
    for _, same in itertools.groupby(sorted(chars, key=_CHAR_KEY), key=_CHAR_KEY):
        for row in cluster_objects(list(same), itemgetter("doctop"), DEDUPE_TOLERANCE):
            for spot in cluster_objects(row, itemgetter("x0"), DEDUPE_TOLERANCE):
                keep.add(id(min(spot, key=_POSITION)))
    return keep


def _chain_index(values: Iterable[float], tolerance: float) -> dict[float, int]:
    """pdfplumber's ``make_cluster_dict``: distinct values sorted, a new cluster wherever one is
    more than ``tolerance`` above the previous one."""
    index: dict[float, int] = {}
    last = None
    n = -1
    for value in sorted(set(values)):
        if last is None or not value <= last + tolerance:
            n += 1
        index[value] = n
        last = value
    return index


def _chains(objs: list[dict[str, Any]], key: str) -> list[list[dict[str, Any]]]:
    """``cluster_objects(objs, itemgetter(key), DEDUPE_TOLERANCE)`` up to the order of the clusters
    (each cluster keeps the objects' order): values sorted, a new cluster wherever one is more
    than the tolerance above the previous one."""
    index = _chain_index((o[key] for o in objs), DEDUPE_TOLERANCE)
    if max(index.values()) == 0:  # one cluster: the usual case
        return [objs]
    clusters: dict[int, list[dict[str, Any]]] = {}
    for o in objs:
        clusters.setdefault(index[o[key]], []).append(o)
    return list(clusters.values())


def _unique_char_ids(chars: list[dict[str, Any]]) -> set[int]:
    """Ids of the characters left after dropping same-glyph duplicates at (nearly) the same spot.

    The same rule as pdfplumber's ``Page.dedupe_chars()``, without its quadratic re-sort: the
    characters of one glyph (same text, font and size) are clustered by ``doctop`` into rows and
    each row by ``x0`` into spots (within :data:`DEDUPE_TOLERANCE`), and each spot keeps its
    top-left character (the first one on a tie). Same result as
    :func:`_unique_char_ids_reference`, several times faster (most glyphs stand alone).
    """
    if any(c["doctop"] != c["doctop"] or c["x0"] != c["x0"] for c in chars):  # NaN: the generic code decides
        return _unique_char_ids_reference(chars)
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for c in chars:
        key = _CHAR_KEY(c)
        group = groups.get(key)
        if group is None:
            groups[key] = [c]
        else:
            group.append(c)
    keep: set[int] = set()
    for same in groups.values():
        if len(same) == 1:
            keep.add(id(same[0]))
            continue
        for row in _chains(same, "doctop"):
            if len(row) == 1:
                keep.add(id(row[0]))
                continue
            for spot in _chains(row, "x0"):
                keep.add(id(spot[0] if len(spot) == 1 else min(spot, key=_POSITION)))
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


def _page_lines(page: Page, report: EncodingReport) -> tuple[str, int, list[Line] | None]:
    """The page's text, the number of ruled tables laid out in it as " | " rows, and its lines
    (with boxes; None when the page holds rotated text).

    Text outside the tables keeps pdfplumber's line order; each table goes in at its top edge,
    one line per row.
    """
    keep = _unique_char_ids(page.chars)
    deduped = page.filter(lambda obj: obj.get("object_type") != "char" or id(obj) in keep)
    _decode_legacy_fonts(deduped.chars, report)
    found = deduped.find_tables() if _has_grid(deduped) else []
    tables = [t for t in found if len(t.rows) >= 2 and max(len(row.cells) for row in t.rows) >= 2]
    if not tables:
        lines = layout_lines(deduped.chars)
        return _text_of(lines) if lines is not None else _layout_text(deduped.chars), 0, lines
    boxes = [t.bbox for t in tables]
    outside = deduped.filter(lambda obj: obj.get("object_type") != "char" or not _inside(obj, boxes))
    lines = layout_lines(outside.chars)
    if lines is None:  # rotated text: pdfplumber's lines, no geometry
        lines = [Line(line["text"]) for line in
                 outside.extract_text_lines(return_chars=False, x_tolerance_ratio=X_TOLERANCE_RATIO)]
        geometry = False
    else:
        geometry = True
    placed: list[tuple[float, int, Line]] = [(ln.top if geometry else 0.0, k, ln) for k, ln in enumerate(lines)]
    for n, table in enumerate(tables):
        rows = table.extract(x_tolerance_ratio=X_TOLERANCE_RATIO)
        for k, (row, cells) in enumerate(zip(table.rows, rows)):
            text = table_rows([cells])
            if text:
                box = row.bbox if geometry else None
                placed.append((table.bbox[1] if not geometry else row.bbox[1], len(lines) + n * 10000 + k,
                               Line(text[0], box, None, None, "table_row")))
    if geometry:
        placed.sort(key=lambda item: (item[0], item[1]))
    else:
        placed.sort(key=lambda item: item[1])
    ordered = [ln for _, _, ln in placed]
    return _text_of(ordered), len(tables), ordered if geometry else None


def _text_of(lines: list[Line]) -> str:
    return "\n".join(line.text for line in lines)


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
    if not any(_font_encoding(name) for name in {char.get("fontname") or "" for char in chars}):
        return  # no TCVN3/VNI font on the page (the usual case): spare the per-character loop
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


# -- the pdfium text path ----------------------------------------------------------------------
#
# pdfplumber spends most of its time in pdfminer's pure-Python parsing of the content streams.
# With ``VNPLAN_PDF_TEXT=pdfium`` the characters of a page come from pdfium (C++) instead: for
# each one its text, origin, advance width, font size, font name and the font's descent, which
# give the same box pdfminer computes (x0 = origin, x1 = x0 + advance, bottom = page height -
# (origin y + descent), top = bottom - size). They then go through the same steps as on the
# default path -- duplicate glyphs dropped (:func:`_unique_char_ids`) and pdfplumber's own text
# layout (``chars_to_textmap`` with the same arguments ``Page.extract_text`` passes) -- so the
# page text is the same. pdfplumber still reads every page that needs more than characters:
# ruling lines (the table finder), images (the OCR check needs their area), form XObjects,
# TCVN3/VNI fonts (converted by font name), rotated, mirrored or stretched text, odd page boxes,
# a text layer too poor to use (the OCR decision), or anything pdfium cannot say for sure.

_PDFIUM_SPACE = 32


def _path_edges(obj: Any) -> tuple[int, int]:
    """(across, down): how many horizontal and vertical edges pdfplumber can make of a path object,
    at most. A two-point axis-parallel segment is one line; anything else may be a rectangle (two
    of each)."""
    matrix = pdfium_c.FS_MATRIX()
    if not pdfium_c.FPDFPageObj_GetMatrix(obj, matrix) or matrix.b or matrix.c:
        return 2, 2
    if pdfium_c.FPDFPath_CountSegments(obj) != 2:
        return 2, 2
    x, y = ctypes.c_float(), ctypes.c_float()
    points = []
    for k, kind in enumerate((pdfium_c.FPDF_SEGMENT_MOVETO, pdfium_c.FPDF_SEGMENT_LINETO)):
        segment = pdfium_c.FPDFPath_GetPathSegment(obj, k)
        if pdfium_c.FPDFPathSegment_GetType(segment) != kind or not pdfium_c.FPDFPathSegment_GetPoint(segment, x, y):
            return 2, 2
        points.append((x.value, y.value))
    (x0, y0), (x1, y1) = points
    if y0 == y1:
        return 1, 0
    if x0 == x1:
        return 0, 1
    return 2, 2


def _needs_pdfplumber(page: Any) -> bool:
    """True when a page holds anything but text and simple lines (see above)."""
    across = down = 0
    for k in range(pdfium_c.FPDFPage_CountObjects(page)):
        obj = pdfium_c.FPDFPage_GetObject(page, k)
        kind = pdfium_c.FPDFPageObj_GetType(obj)
        if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
            continue
        if kind != pdfium_c.FPDF_PAGEOBJ_PATH:
            return True  # an image (the OCR check measures it), a form XObject, a shading
        a, d = _path_edges(obj)
        across, down = across + a, down + d
        if across >= 2 and down >= 2:
            return True  # ruling lines: pdfplumber's table finder looks at this page
    return False


@dataclass(frozen=True)
class _PdfiumText:
    """pdfium's text functions with plain ``void*`` handles: the per-character calls then take and
    return ints instead of typed pointers (about twice as fast). Own function objects, so
    pypdfium2's typed bindings are left as they are."""

    count: Any
    text: Any
    text_object: Any
    generated: Any
    origin: Any
    font_size: Any
    matrix: Any
    object_font: Any
    base_font_name: Any
    glyph_width: Any
    descent: Any


@lru_cache(maxsize=1)
def _pdfium_text() -> _PdfiumText | None:
    try:
        from pypdfium2_raw.bindings import _libs

        lib = _libs["pdfium"]
    except Exception:  # another pypdfium2 layout: the typed path is not worth keeping for it
        return None
    void, num, dbl, flt = ctypes.c_void_p, ctypes.c_int, ctypes.c_double, ctypes.c_float

    def fn(name: str, restype: Any, *argtypes: Any) -> Any:
        f = lib[name]  # a new function object, not pypdfium2's
        f.restype, f.argtypes = restype, argtypes
        return f

    return _PdfiumText(
        count=fn("FPDFText_CountChars", num, void),
        text=fn("FPDFText_GetText", num, void, num, num, void),
        text_object=fn("FPDFText_GetTextObject", void, void, num),
        generated=fn("FPDFText_IsGenerated", num, void, num),
        origin=fn("FPDFText_GetCharOrigin", num, void, num, ctypes.POINTER(dbl), ctypes.POINTER(dbl)),
        font_size=fn("FPDFText_GetFontSize", dbl, void, num),
        matrix=fn("FPDFText_GetMatrix", num, void, num, ctypes.POINTER(pdfium_c.FS_MATRIX)),
        object_font=fn("FPDFTextObj_GetFont", void, void),
        base_font_name=fn("FPDFFont_GetBaseFontName", ctypes.c_size_t, void, ctypes.c_char_p, ctypes.c_size_t),
        glyph_width=fn("FPDFFont_GetGlyphWidth", num, void, ctypes.c_uint32, flt, ctypes.POINTER(flt)),
        descent=fn("FPDFFont_GetDescent", num, void, flt, ctypes.POINTER(flt)),
    )


def _pdfium_chars(textpage: int, height: float, doctop: float) -> list[dict[str, Any]] | None:
    """The page's characters as pdfplumber would give them (the keys its text layout and
    :func:`_unique_char_ids` use), or None when the page must be read by pdfplumber.

    ``textpage`` is the address of a pdfium text page. Each text object (one font, one size, one
    matrix) is looked at once: its font name (a TCVN3/VNI font goes to pdfplumber), its matrix
    (only upright, unscaled text here), its size and its font's descent.
    """
    api = _pdfium_text()
    n = api.count(textpage) if api is not None else -1
    if n <= 0:
        return [] if n == 0 else None
    buffer = (ctypes.c_ushort * (n + 1))()
    if api.text(textpage, 0, n, buffer) != n + 1:
        return None  # not one UTF-16 unit per character
    codes = buffer[:n]
    x, y = ctypes.c_double(), ctypes.c_double()
    x_ref, y_ref = ctypes.byref(x), ctypes.byref(y)
    value = ctypes.c_float()
    matrix = pdfium_c.FS_MATRIX()
    name = ctypes.create_string_buffer(256)
    objects: dict[int, tuple[int, str, float, float]] = {}
    widths: dict[tuple[int, int, float], float] = {}
    chars: list[dict[str, Any]] = []
    append = chars.append
    text_object, generated, origin = api.text_object, api.generated, api.origin
    for i in range(n):
        code = codes[i]
        obj = text_object(textpage, i)
        if code == _PDFIUM_SPACE:
            if not obj:
                continue  # a space pdfium made up (a space glyph it re-spaced keeps its object)
        elif generated(textpage, i):
            continue  # a line break pdfium made up
        elif not obj or not 0 < code < 0xD800 and code < 0xE000:
            return None
        known = objects.get(obj)
        if known is None:
            font = api.object_font(obj)
            length = api.base_font_name(font, name, len(name)) if font else 0
            if not 1 < length <= len(name):
                return None
            fontname = name.value.decode("utf-8", "replace")
            if _font_encoding(fontname) is not None:
                return None  # a TCVN3/VNI font: pdfplumber converts it by name
            if not api.matrix(textpage, i, matrix) or matrix.b or matrix.c or matrix.a <= 0 or matrix.a != matrix.d:
                return None  # rotated, mirrored or stretched text
            # the character's matrix holds the text matrix and the CTM: its scale times the Tf
            # size is the size on the page, as pdfminer computes it
            size = api.font_size(textpage, i) * matrix.a
            if not size > 0 or not api.descent(font, size, value):
                return None
            known = objects[obj] = (font, fontname, size, value.value)
        font, fontname, size, descent = known
        wkey = (font, code, size)
        width = widths.get(wkey)
        if width is None:
            if not api.glyph_width(font, code, size, value) or (value.value <= 0 and code != _PDFIUM_SPACE):
                return None
            width = widths[wkey] = value.value
        if not origin(textpage, i, x_ref, y_ref):
            return None
        x0 = x.value
        bottom = height - (y.value + descent)
        top = bottom - size
        append({"object_type": "char", "text": chr(code), "fontname": fontname, "size": size, "upright": True,
                "x0": x0, "x1": x0 + width, "top": top, "bottom": bottom, "doctop": doctop + top})
    return chars


def _line_words(chars: list[dict[str, Any]]) -> list[list[list[dict[str, Any]]]]:
    """The characters of upright text as printed lines of words (each word its characters), by
    pdfplumber's rules for ``extract_text(layout=False, x_tolerance_ratio=X_TOLERANCE_RATIO)``
    (``chars_to_textmap(...).as_string``), without its general machinery (about four times faster).

    Characters are clustered into rows by ``top`` (3 points), each row sorted by ``x0`` and cut
    into words at blanks and at gaps wider than the ratio times the previous character's size
    (or a step back, or a jump of more than 3 points in ``top``); then words are clustered by
    their ``top`` again, consecutive words of one cluster making a line.
    """
    by_top = _chain_index((c["top"] for c in chars), DEFAULT_Y_TOLERANCE)
    rows: dict[int, list[dict[str, Any]]] = {}
    for c in chars:
        rows.setdefault(by_top[c["top"]], []).append(c)
    words: list[list[dict[str, Any]]] = []
    for key in sorted(rows):
        word: list[dict[str, Any]] = []
        for c in sorted(rows[key], key=_X0):
            if c["text"].isspace():  # a blank ends a word
                if word:
                    words.append(word)
                word = []
                continue
            if word:
                prev = word[-1]
                if (c["x0"] < prev["x0"] or c["x0"] > prev["x1"] + X_TOLERANCE_RATIO * prev["size"]
                        or abs(c["top"] - prev["top"]) > DEFAULT_Y_TOLERANCE):
                    words.append(word)
                    word = []
            word.append(c)
        if word:
            words.append(word)
    by_word_top = _chain_index((min(c["top"] for c in w) for w in words), DEFAULT_Y_TOLERANCE)
    lines: list[list[list[dict[str, Any]]]] = []
    last = None
    for w in words:
        cluster = by_word_top[min(c["top"] for c in w)]
        if cluster != last:
            lines.append([])
            last = cluster
        lines[-1].append(w)
    return lines


def _word_text(chars: list[dict[str, Any]]) -> str:
    return "".join(LIGATURES.get(c["text"], c["text"]) for c in chars)


def _plain(chars: list[dict[str, Any]]) -> bool:
    """Characters the fast layout handles: upright, with a text and a position."""
    return not any(not c["text"] or c["top"] != c["top"] or c["x0"] != c["x0"] or not c["upright"] for c in chars)


def _layout_text(chars: list[dict[str, Any]]) -> str:
    """``Page.extract_text(layout=False, x_tolerance_ratio=X_TOLERANCE_RATIO)`` of these characters
    (see :func:`_line_words`); rotated text goes to pdfplumber's own code. Words are joined by a
    space, lines by a newline, ligatures expanded."""
    if not chars:
        return ""
    if not _plain(chars):  # an empty text, a NaN or rotated text: the general code decides
        return chars_to_textmap(chars, layout=False, x_tolerance_ratio=X_TOLERANCE_RATIO).as_string
    return "\n".join(" ".join(_word_text(w) for w in line) for line in _line_words(chars))


_BOLD_FONT = re.compile(r"bold|black|heavy|demi|semibold|,b$|-b$|\bbd\b", re.IGNORECASE)


def _is_bold(fontname: str) -> bool:
    return bool(_BOLD_FONT.search(fontname.split("+")[-1]))


def _segment(words: list[list[dict[str, Any]]]) -> Line:
    chars = [c for w in words for c in w]
    sizes = sorted(c["size"] for c in chars)
    bold = sum(_is_bold(c.get("fontname") or "") for c in chars) > len(chars) / 2
    box = (_coordinate(min(c["x0"] for c in chars)), _coordinate(min(c["top"] for c in chars)),
           _coordinate(max(c["x1"] for c in chars)), _coordinate(max(c["bottom"] for c in chars)))
    lead = _coordinate(max(c["x1"] for c in words[0]) - min(c["x0"] for c in words[0]))
    return Line(" ".join(_word_text(w) for w in words), box, _coordinate(sizes[len(sizes) // 2]), bold, lead=lead)


def _coordinate(value: float) -> float:
    """A coordinate to a tenth of a point, the same from pdfium (single precision: 87.44999694...)
    and pdfminer (87.45): six significant digits first, then the tenth."""
    return round(float(f"{value:.6g}"), 1)


def layout_lines(chars: list[dict[str, Any]]) -> list[Line] | None:
    """The characters as :class:`~pipeline.core.model.Line` s with boxes, type size and weight,
    in :func:`_layout_text`'s order; a printed line is cut into segments where two words are
    far apart (:func:`pipeline.ingest.layout.column_breaks`: the two columns of an official header). None when the page holds rotated text (no reliable geometry)."""
    if not chars:
        return []
    if not _plain(chars):
        return None
    out: list[Line] = []
    for line in _line_words(chars):
        size = statistics.median(c["size"] for w in line for c in w)
        breaks = set(column_breaks([b[0]["x0"] - a[-1]["x1"] for a, b in zip(line, line[1:])], size))
        segment = [line[0]]
        for i, word in enumerate(line[1:]):
            if i in breaks:
                out.append(_segment(segment))
                segment = []
            segment.append(word)
        out.append(_segment(segment))
    return out


def _pdfium_page_text(document: Any, index: int, page: Page) -> tuple[str, list[Line] | None] | None:
    """The text and lines of page ``index`` read with pdfium, or None when pdfplumber must read it."""
    x0, top, x1, bottom = page.bbox
    if page.rotation or (x0, top) != (0, 0) or tuple(page.mediabox) != tuple(page.bbox):
        return None
    fast = document[index]
    textpage = None
    try:
        if _needs_pdfplumber(fast.raw):
            return None
        textpage = fast.get_textpage()
        chars = _pdfium_chars(ctypes.cast(textpage.raw, ctypes.c_void_p).value, page.height, page.initial_doctop)
        if chars is None:
            return None
        keep = _unique_char_ids(chars)
        chars = [c for c in chars if id(c) in keep]
        lines = layout_lines(chars)
        text = _text_of(lines) if lines is not None else _layout_text(chars)
        if not ocr.text_layer_usable(text):
            return None  # whether to OCR it is decided on pdfplumber's reading
        return text, lines
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
                text_path: str = "pdfplumber") -> Iterator[PageText]:
    """Each page's text in turn; pdfminer's failures become reader errors.

    With ``text_path="pdfium"``, pages pdfium can read alone are read by pdfium (see above);
    pdfplumber still opens the file first, so a damaged, encrypted or too long file fails the
    same way on both paths.
    """
    try:
        with pdfplumber.open(io.BytesIO(pdf_bytes)) as pdf:
            if len(pdf.pages) > max_pages:
                raise TooLarge(f"{filename!r} has {len(pdf.pages)} pages, over the limit of {max_pages}")
            fast = _open_pdfium(pdf_bytes) if text_path == "pdfium" else None
            try:
                for index, page in enumerate(pdf.pages):
                    size = PageSize(index + 1, float(page.width), float(page.height))
                    read = _pdfium_page_text(fast, index, page) if fast is not None else None
                    if read is not None:
                        yield PageText(read[0], lines=read[1], size=size)
                    else:
                        text, tables, lines = _page_lines(page, report)
                        yield PageText(text, tables, _image_ratio(page), lines, size)
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
        pages[result.page - 1] = _text_of(lines[result.page - 1])
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
