"""One PDF page read with pdfium (C++) into the objects pdfplumber would make of it.

pdfplumber spends nearly all its time in pdfminer's pure-Python parsing of content streams.
pdfium parses the same streams in C++; this module turns what it finds into pdfplumber's own
object dictionaries, so the page goes through exactly the same layout, de-duplication and
table-finding code (:mod:`pipeline.ingest.readers.pdf`) whichever engine read it:

* **characters** (:func:`page_chars`): text, font name, size, upright flag and box. The box is
  pdfminer's: x0 = the origin, x1 = x0 + the advance width, bottom = page height - (origin y +
  the font's descent), top = bottom - size.
* **ruling edges** (:func:`page_graphics`): each painted path split into sub-paths and classed
  as pdfminer classes them (a line, a rectangle, or a curve), with pdfminer's point list, then
  made into edges by pdfplumber's own functions, so the table finder sees the same edges.
* **image boxes**, for the share of the page a scan covers (the OCR decision).

The per-character, per-object and per-segment calls into pdfium are made by the compiled loops
of :mod:`.native` when they are there (:class:`_CharTable`, :class:`PageObjects`,
:class:`_Segments`), else one ctypes call at a time, with the same results.

Anything this cannot say for sure returns None and the page is read by pdfplumber: text that
is rotated, mirrored or skewed, characters outside the Basic Multilingual Plane, a font without
a name or metrics, a form XObject (its content is nested in its own coordinates).
"""

from __future__ import annotations

import ctypes
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pypdfium2.raw as pdfium_c
from pdfplumber.utils import curve_to_edges, line_to_edge, rect_to_edges

from . import native
from .pdf_chars import Glyphs
from .pdf_tables import ACROSS, DOWN, SLANTED, Edges

SPACE = 32
#: What pdfium's text page gives for a hyphen or a soft hyphen it takes for a line-end hyphen;
#: which of the two the file holds is told by the glyph's advance width (:func:`_hyphen`).
PDFIUM_HYPHEN = 0xFFFE
HYPHENS = (0x2D, 0xAD)  # "-", and the soft hyphen (in a TCVN3 font: the letter "ư")

Box = tuple[float, float, float, float]  # x0, top, x1, bottom in pdfplumber's coordinates


@dataclass(frozen=True)
class _TextApi:
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


def _binder() -> Any:
    """A function binding one pdfium function by name with the given result and argument types
    (a new function object, not pypdfium2's), or None when pypdfium2's library cannot be found
    (another pypdfium2 layout: pdfplumber then reads every page)."""
    try:
        from pypdfium2_raw.bindings import _libs

        lib = _libs["pdfium"]
    except Exception:
        return None

    def fn(name: str, restype: Any, *argtypes: Any) -> Any:
        f = lib[name]
        f.restype, f.argtypes = restype, argtypes
        return f

    return fn


@lru_cache(maxsize=1)
def _text_api() -> _TextApi | None:
    fn = _binder()
    if fn is None:
        return None
    void, num, dbl, flt = ctypes.c_void_p, ctypes.c_int, ctypes.c_double, ctypes.c_float
    return _TextApi(
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


@dataclass(frozen=True)
class _ObjectApi:
    """pdfium's page-object and path functions with plain ``void*`` handles (see :class:`_TextApi`)."""

    count: Any
    get: Any
    kind: Any
    bounds: Any
    matrix: Any
    segments: Any
    segment: Any
    segment_type: Any
    segment_point: Any
    segment_close: Any
    draw_mode: Any
    font_size: Any


@lru_cache(maxsize=1)
def _object_api() -> _ObjectApi | None:
    fn = _binder()
    if fn is None:
        return None
    void, num, flt = ctypes.c_void_p, ctypes.c_int, ctypes.c_float
    pflt, pint = ctypes.POINTER(flt), ctypes.POINTER(num)
    return _ObjectApi(
        count=fn("FPDFPage_CountObjects", num, void),
        get=fn("FPDFPage_GetObject", void, void, num),
        kind=fn("FPDFPageObj_GetType", num, void),
        bounds=fn("FPDFPageObj_GetBounds", num, void, pflt, pflt, pflt, pflt),
        matrix=fn("FPDFPageObj_GetMatrix", num, void, ctypes.POINTER(pdfium_c.FS_MATRIX)),
        segments=fn("FPDFPath_CountSegments", num, void),
        segment=fn("FPDFPath_GetPathSegment", void, void, num),
        segment_type=fn("FPDFPathSegment_GetType", num, void),
        segment_point=fn("FPDFPathSegment_GetPoint", num, void, pflt, pflt),
        segment_close=fn("FPDFPathSegment_GetClose", num, void),
        draw_mode=fn("FPDFPath_GetDrawMode", num, void, pint, pint),
        font_size=fn("FPDFTextObj_GetFontSize", num, void, pflt),
    )


def available() -> bool:
    """True when pdfium's functions can be bound (else pdfplumber reads every page)."""
    return _text_api() is not None and _object_api() is not None


class _Fonts:
    """Per page: each font's name and descent per 1000 units of size, looked up once."""

    def __init__(self, api: _TextApi, descents: dict[str, float]) -> None:
        self.api, self.descents = api, descents
        self.known: dict[int, tuple[str, float] | None] = {}
        self.name = ctypes.create_string_buffer(256)
        self.value = ctypes.c_float()

    def get(self, font: int) -> tuple[str, float] | None:
        """(name, descent per 1000 units) of a font handle, or None when pdfium cannot say."""
        if font in self.known:
            return self.known[font]
        info = None
        length = self.api.base_font_name(font, self.name, len(self.name)) if font else 0
        if 1 < length <= len(self.name):
            fontname = self.name.value.decode("utf-8", "replace")
            units = _descent_units(self.api, font, fontname, self.value, self.descents)
            info = (fontname, units) if units is not None else None
        self.known[font] = info
        return info


def _descent_units(api: _TextApi, font: int, fontname: str, value: Any, descents: dict[str, float]) -> float | None:
    """The font's descent per 1000 units of size: from ``descents`` (by font name: what pdfminer
    takes, from the file's font descriptor with its fraction, or its own metrics for a standard
    font) when it names the font, else pdfium's (whole units)."""
    units = descents.get(fontname)
    if units is None and "+" in fontname:
        units = descents.get(fontname.split("+", 1)[1])
    if units is not None:
        return units
    return value.value if api.descent(font, 1000.0, value) else None


def _pointer(function: Any) -> int:
    return ctypes.cast(function, ctypes.c_void_p).value  # type: ignore[return-value]


@lru_cache(maxsize=1)
def _compiled() -> dict[str, tuple[Any, tuple[int, ...]]] | None:
    """The compiled loops (:mod:`.native`), each with the pdfium functions it calls (pointers),
    by loop: ``chars``, ``objects``, ``segments``; None without them."""
    lib, text, objects = native.pdfium_loops(), _text_api(), _object_api()
    if lib is None or text is None or objects is None:
        return None
    calls = {
        "chars": (text.text_object, text.origin, text.object_font, text.font_size, text.matrix, text.glyph_width),
        "objects": (objects.count, objects.get, objects.kind, objects.bounds, objects.matrix, objects.draw_mode,
                    objects.font_size, text.object_font),
        "segments": (objects.segments, objects.segment, objects.segment_type, objects.segment_point,
                     objects.segment_close),
    }
    calls["shapes"] = calls["segments"]  # the page's paths read with the same segment calls
    return {name: (lib, tuple(_pointer(f) for f in functions)) for name, functions in calls.items()}


def _loop(name: str) -> tuple[Any, tuple[int, ...]] | None:
    compiled = _compiled()
    return compiled[name] if compiled is not None else None


class _CharTable:
    """What pdfium says of each character of a text page, as numpy columns: its text object (0:
    none), origin, the object's font, the character's font size and matrix (``matrix_ok``), and
    the advance width of its code at that size (``width_ok``). Read by the compiled loop in one
    call when there is one, else by calls a character; ``placed`` is False when pdfium cannot
    place a character."""

    def __init__(self, api: _TextApi, handle: int, codes: np.ndarray) -> None:
        n = len(codes)
        self.objects = np.zeros(n, dtype=np.uintp)
        self.xy = np.zeros(2 * n, dtype=np.float64)
        self.fonts = np.zeros(n, dtype=np.uintp)
        self.sizes = np.zeros(n, dtype=np.float64)
        self.matrices = np.zeros((n, 6), dtype=np.float32)
        self.matrix_ok = np.zeros(n, dtype=np.int32)
        self.widths = np.zeros(n, dtype=np.float32)
        self.width_ok = np.zeros(n, dtype=np.int32)
        loops = _loop("chars")
        if loops is not None:
            lib, pointers = loops
            codes16 = np.ascontiguousarray(codes, dtype=np.uint16)
            arrays = (codes16, self.objects, self.xy, self.fonts, self.sizes, self.matrices, self.matrix_ok,
                      self.widths, self.width_ok)
            self.placed = not lib.vn_char_objects(handle, n, *pointers, *(a.ctypes.data for a in arrays))
        else:
            self.placed = self._read(api, handle, codes)
        self.xs, self.ys = self.xy[0::2], self.xy[1::2]

    def _read(self, api: _TextApi, handle: int, codes: np.ndarray) -> bool:
        """The columns by one ctypes call at a time (no compiled loop)."""
        x, y = ctypes.c_double(), ctypes.c_double()
        x_ref, y_ref = ctypes.byref(x), ctypes.byref(y)
        matrix, width = pdfium_c.FS_MATRIX(), ctypes.c_float()
        for i, code in enumerate(codes.tolist()):
            obj = api.text_object(handle, i) or 0
            self.objects[i] = obj
            if not api.origin(handle, i, x_ref, y_ref):
                return False
            self.xy[2 * i], self.xy[2 * i + 1] = x.value, y.value
            if not obj:
                continue
            font = api.object_font(obj) or 0
            self.fonts[i], self.sizes[i] = font, api.font_size(handle, i)
            if api.matrix(handle, i, matrix):
                self.matrix_ok[i] = 1
                self.matrices[i] = (matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f)
                if font and api.glyph_width(font, code, float(self.sizes[i]) * matrix.a, width):
                    self.widths[i], self.width_ok[i] = width.value, 1
        return True


def _unicode(codes: np.ndarray) -> list[str]:
    """UTF-16 code units of the Basic Multilingual Plane (no surrogates) as one string each."""
    return list(codes.astype("<u2").tobytes().decode("utf-16-le"))


def page_chars(textpage: Any, height: float, doctop: float, texts: Sequence[int] = (),
               descents: dict[str, float] | None = None) -> Glyphs | None:
    """The page's characters as pdfplumber would give them (the facts its text layout, its table
    finder and the de-duplication use), or None when the page must be read by pdfplumber.

    Each text object (one font, one size, one matrix) is looked at once, at its first character:
    its font, its matrix (upright text only, scaled alike or not in each direction: horizontal
    scaling) and its size (the Tf size times the vertical scale); each font once: its name and
    descent.

    pdfium's text page leaves out text objects that draw nothing (a word space set as a text
    object of its own has an empty box): of the page's text objects (``texts``, see
    :class:`Graphics`), each such one gives one space at its origin, the blank that separates
    two words.

    ``descents`` are the page's font descents as pdfminer reads them (see :func:`_descent_units`).
    """
    api = _text_api()
    handle = ctypes.cast(textpage.raw, ctypes.c_void_p).value if api is not None else None
    n = api.count(handle) if api is not None else -1
    if n <= 0:
        return Glyphs.empty() if n == 0 else None
    buffer = (ctypes.c_ushort * (n + 1))()
    if api.text(handle, 0, n, buffer) != n + 1:
        return None  # not one UTF-16 unit per character
    codes = np.frombuffer(buffer, dtype=np.uint16, count=n).astype(np.int64)
    table = _CharTable(api, handle, codes)
    if not table.placed:
        return None  # pdfium cannot place a character
    obj = table.objects
    blank = (codes == SPACE) | (codes == 10) | (codes == 13)
    skip = blank & (obj == 0)
    for i in np.flatnonzero(blank & (obj != 0) & (codes != SPACE)).tolist():
        skip[i] = bool(api.generated(handle, i))  # a line break pdfium made up
    keep = np.flatnonzero(~skip)  # and a space glyph it re-spaced keeps its object
    wrong = (obj[keep] == 0) | (codes[keep] == 0) | ((codes[keep] >= 0xD800) & (codes[keep] < 0xE000))
    if (wrong & ~blank[keep]).any():
        return None  # a character without an object, or outside the Basic Multilingual Plane
    fonts = _Fonts(api, descents or {})
    chars = _kept_chars(api, textpage, table, codes, keep, fonts, height, doctop) if len(keep) else Glyphs.empty()
    if chars is None:
        return None
    seen = set(obj[keep].tolist())
    unseen = [o for o in texts if o not in seen]
    if unseen:
        def worded() -> set[int]:
            return set(obj[~blank].tolist())

        scan = texts.objects if isinstance(texts, TextObjects) else None
        if scan is not None and scan.compiled and seen <= scan.index.keys():
            blanks = _left_out_columns(unseen, list(seen), worded, scan, height, doctop, fonts)
        else:
            extra: list[dict[str, Any]] = []
            ok = _left_out(unseen, list(seen), worded, scan, height, doctop, fonts, pdfium_c.FS_MATRIX(),
                           ctypes.c_float(), extra)
            blanks = Glyphs.from_dicts(extra) if ok else None
        if blanks is None:
            return None
        chars = Glyphs.concat([chars, blanks])
    return chars


def _kept_chars(api: _TextApi, textpage: Any, table: _CharTable, codes: np.ndarray, keep: np.ndarray, fonts: _Fonts,
                height: float, doctop: float) -> Glyphs | None:
    """The characters ``keep`` as columns, each with its text object's font, size and descent (taken
    at the object's first character); None when one of them cannot be placed for sure."""
    objects, first, of_object = np.unique(table.objects[keep], return_index=True, return_inverse=True)
    at = keep[first]  # each object's first character
    matrix = table.matrices[at].astype(np.float64)
    a, b, c, d = matrix[:, 0], matrix[:, 1], matrix[:, 2], matrix[:, 3]
    if not (table.matrix_ok[at].all() and (b == 0).all() and (c == 0).all() and (a > 0).all() and (d > 0).all()):
        return None  # rotated, mirrored or skewed text
    # the character's matrix holds the text matrix and the CTM: its vertical scale times the Tf
    # size is the size on the page, its horizontal scale widens the advance, as pdfminer
    # computes them
    tf = table.sizes[at]
    size, wide = tf * d, tf * a
    if not (size > 0).all():
        return None
    font_handles = table.fonts[at]
    names: dict[str, int] = {}
    font_index, units = np.zeros(len(objects), dtype=np.int64), np.zeros(len(objects), dtype=np.float64)
    for handle in np.unique(font_handles).tolist():
        info = fonts.get(handle) if handle else None
        if info is None:
            return None
        where = font_handles == handle
        font_index[where] = names.setdefault(info[0], len(names))
        units[where] = info[1]
    descent = units * size / 1000
    codes = codes[keep]
    widths = table.widths[keep].astype(np.float64)
    ok = table.width_ok[keep].astype(bool)
    # a width read at another size than the object's, and a hyphen pdfium re-coded, are read again
    again = (tf[of_object] * a[of_object] != table.sizes[keep] * table.matrices[keep, 0].astype(np.float64))
    again |= (table.matrix_ok[keep] == 0) | (table.fonts[keep] != font_handles[of_object])
    hyphens = codes == PDFIUM_HYPHEN
    if again.any() or hyphens.any():
        value = ctypes.c_float()
        handles = font_handles[of_object]
        for k in np.flatnonzero(again | hyphens).tolist():
            font, size_k = int(handles[k]), float(wide[of_object[k]])
            if hyphens[k]:
                codes[k] = _hyphen(api, textpage, int(keep[k]), font, size_k, value)
            ok[k] = bool(api.glyph_width(font, int(codes[k]), size_k, value))
            widths[k] = value.value
    if not (ok & ((widths > 0) | (codes == SPACE))).all():
        return None
    x0 = table.xs[keep]
    bottom = height - (table.ys[keep] + descent[of_object])
    char_size = size[of_object]
    top = bottom - char_size
    return Glyphs(_unicode(codes), font_index[of_object], list(names), char_size, x0, x0 + widths, top, bottom,
                  doctop + top, np.ones(len(keep), dtype=bool))


#: How far apart (points) two copies of a text object may lie for pdfplumber's de-duplication
#: (:data:`pipeline.ingest.readers.pdf_chars.DEDUPE_TOLERANCE`) to drop one.
COPY_TOLERANCE = 1.0


def _bounds(obj: int, scan: PageObjects | None = None) -> tuple[float, float, float, float] | None:
    """(left, bottom, right, top) of a page object, from the page's ``scan`` when it holds it."""
    if scan is not None and (k := scan.index.get(obj)) is not None:
        return scan.bounds(k)
    objects = _object_api()
    return _object_bounds(objects, obj) if objects is not None else None


def _object_bounds(api: _ObjectApi, obj: int | None) -> tuple[float, float, float, float] | None:
    """(left, bottom, right, top) of a page object by one call, or None."""
    box = [ctypes.c_float() for _ in range(4)]
    if not obj or not api.bounds(obj, *(ctypes.byref(v) for v in box)):
        return None
    return box[0].value, box[1].value, box[2].value, box[3].value


def _left_out(unseen: list[int], seen: list[int], worded: Callable[[], set[int]], scan: PageObjects | None,
              height: float, doctop: float, fonts: _Fonts, matrix: Any, value: Any, chars: list[dict[str, Any]]) -> bool:
    """Account for the text objects pdfium's text page left out, adding the spaces of each one that
    draws nothing; False when one of them is text pdfplumber would keep.

    pdfium leaves out:

    * an object without width (a word space set on its own);
    * an object without height (its glyphs draw nothing) whose characters it drops: spaces
      after a space (it keeps one space of a run), or a copy of an object or of characters it
      has read, which it compares by character codes (and an empty box). Such an object is a run
      of spaces when the objects without height it has read hold nothing but blanks (``worded``
      gives the read objects that hold more): a glyph that draws nothing, copied, would be one
      of theirs;
    * a copy of an object it has just read (fake bold: the same text drawn twice, a hair
      apart). pdfplumber's de-duplication drops such a copy too when it lies within
      :data:`COPY_TOLERANCE` of the original.

    Anything else sends the page to pdfplumber (a layer of invisible glyphs, say, where a word
    can be taken for a copy of another).
    """
    seen_boxes: list[tuple[float, float, float, float]] | None = None
    blank_runs: bool | None = None
    for obj in unseen:
        box = _bounds(obj, scan)
        if box is None:
            return False
        if box[2] <= box[0] or box[3] <= box[1]:  # draws nothing
            if box[2] > box[0]:  # a run: its twins must be blank
                if blank_runs is None:
                    flat = [o for o in seen if (b := _bounds(o, scan)) is not None and b[3] <= b[1] and b[2] > b[0]]
                    blank_runs = not worded().intersection(flat)
                if not blank_runs:
                    return False
            blanks = _blanks(obj, box[2] - box[0], scan, height, doctop, fonts, matrix, value)
            if blanks is None:
                return False
            chars.extend(blanks)
            continue
        if seen_boxes is None:
            seen_boxes = [b for b in (_bounds(o, scan) for o in seen) if b is not None]
        if not any(all(abs(u - v) <= COPY_TOLERANCE for u, v in zip(box, other)) for other in seen_boxes):
            return False
    return True


def _left_out_columns(unseen: list[int], seen: list[int], worded: Callable[[], set[int]], scan: PageObjects,
                      height: float, doctop: float, fonts: _Fonts) -> Glyphs | None:
    """:func:`_left_out` on the columns of the compiled :class:`PageObjects` (every object of the
    page, ``seen`` ones included): the spaces of the left-out objects that draw nothing, or None
    when one of them is text pdfplumber would keep."""
    columns = scan.columns()
    boxes, ok = columns["boxes"], columns["ok"]
    u, s = scan.positions(unseen), scan.positions(seen)
    if not (ok[u] & 1).all():
        return None
    box = boxes[u]
    wide, tall = box[:, 2] > box[:, 0], box[:, 3] > box[:, 1]
    nothing = ~wide | ~tall
    seen_boxes = boxes[s[(ok[s] & 1) == 1]]
    if (nothing & wide).any():  # runs: their twins must be blank
        flat = (seen_boxes[:, 3] <= seen_boxes[:, 1]) & (seen_boxes[:, 2] > seen_boxes[:, 0])
        flat_objects = {seen[k] for k in np.flatnonzero(((ok[s] & 1) == 1))[flat].tolist()}
        if worded().intersection(flat_objects):
            return None
    for k in np.flatnonzero(~nothing).tolist():  # a copy of an object read, or text pdfplumber keeps
        if not (np.abs(seen_boxes - box[k]) <= COPY_TOLERANCE).all(axis=1).any():
            return None
    blank = u[nothing]
    if not len(blank):
        return Glyphs.empty()
    matrix, tf, font = columns["matrices"][blank], columns["sizes"][blank], columns["fonts"][blank]
    a, b, c, d, e, f = (matrix[:, i] for i in range(6))
    if not (((ok[blank] & 6) == 6).all() and (b == 0).all() and (c == 0).all() and (a > 0).all() and (d > 0).all()):
        return None
    size, across = tf * d, tf * a
    if not (size > 0).all():
        return None
    names: dict[str, int] = {}
    font_index, units, advance = (np.zeros(len(blank), dtype=dtype) for dtype in (np.int64, np.float64, np.float64))
    value = ctypes.c_float()
    for handle in np.unique(font).tolist():  # each font, and each size it is set in, looked at once
        info = fonts.get(handle) if handle else None
        if info is None:
            return None
        in_font = font == handle
        font_index[in_font], units[in_font] = names.setdefault(info[0], len(names)), info[1]
        for scale in np.unique(across[in_font]).tolist():
            if not fonts.api.glyph_width(handle, SPACE, scale, value):
                return None
            advance[in_font & (across == scale)] = value.value
    width = box[nothing, 2] - box[nothing, 0]
    with np.errstate(divide="ignore", invalid="ignore"):
        count = np.where((width > 0) & (advance > 0), np.maximum(1, np.round(width / advance)), 1).astype(np.int64)
    step = np.where(width > 0, width / count, advance)  # spread over the box: character spacing and TJ shifts
    bottom = height - (f + units * size / 1000)
    top = bottom - size
    owner = np.repeat(np.arange(len(blank)), count)
    place = _places(count).astype(np.float64)
    x0 = e[owner] + place * step[owner]
    x1 = e[owner] + (place + 1) * step[owner]
    t = top[owner]
    return Glyphs([" "] * len(owner), font_index[owner], list(names), size[owner], x0, x1, t, bottom[owner], doctop + t,
                  np.ones(len(owner), dtype=bool))


def _places(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., count - 1 for each of ``counts`` in turn: each item's place in its run."""
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)


def _hyphen(api: _TextApi, textpage: Any, index: int, font: int, size: float, value: Any) -> int:
    """Which hyphen character ``index`` is: the one whose advance width is nearer the width of the
    character's box (``-`` on a tie)."""
    box = pdfium_c.FS_RECTF()
    if not pdfium_c.FPDFText_GetLooseCharBox(textpage, index, box):
        return HYPHENS[0]
    width = box.right - box.left
    best, gap = HYPHENS[0], float("inf")
    for code in HYPHENS:
        if api.glyph_width(font, code, size, value) and abs(value.value - width) < gap:
            best, gap = code, abs(value.value - width)
    return best


def _blanks(obj: int, width: float, scan: PageObjects | None, height: float, doctop: float, fonts: _Fonts,
            matrix: Any, value: Any) -> list[dict[str, Any]] | None:
    """The spaces a text object that draws nothing stands for, from the object's origin: one for
    an object without width, else as many as its width holds the font's space, spread evenly
    over it (a glyph that draws nothing is a blank: pdfium's box has no height)."""
    api, objects = fonts.api, _object_api()
    if objects is None:
        return None
    at = scan.index.get(obj) if scan is not None else None
    if scan is not None and at is not None:
        matrix, tf, font = scan.matrix(at), scan.text_size(at), scan.font(at)
    else:
        size_ref = ctypes.c_float()
        matrix = matrix if objects.matrix(obj, matrix) else None
        tf = size_ref.value if objects.font_size(obj, ctypes.byref(size_ref)) else None
        font = api.object_font(obj)
    if matrix is None or matrix.b or matrix.c or matrix.a <= 0 or matrix.d <= 0 or tf is None:
        return None
    info = fonts.get(font) if font else None
    size, wide = tf * matrix.d, tf * matrix.a
    if info is None or not size > 0 or not api.glyph_width(font, SPACE, wide, value):
        return None
    advance = value.value
    if width > 0:  # spread over the box: character spacing and TJ shifts widen a run
        count = max(1, round(width / advance)) if advance > 0 else 1
        advance = width / count
    else:
        count = 1
    bottom = height - (matrix.f + info[1] * size / 1000)
    top = bottom - size
    return [{"object_type": "char", "text": " ", "fontname": info[0], "size": size, "upright": True,
             "x0": matrix.e + k * advance, "x1": matrix.e + (k + 1) * advance, "top": top, "bottom": bottom,
             "doctop": doctop + top} for k in range(count)]


# -- paths and images ---------------------------------------------------------------------------

_SEGMENT = {pdfium_c.FPDF_SEGMENT_MOVETO: "m", pdfium_c.FPDF_SEGMENT_LINETO: "l",
            pdfium_c.FPDF_SEGMENT_BEZIERTO: "c"}
_SUBPATH = re.compile(r"m[^m]+")


class PageObjects:
    """A page's objects as pdfium gives them: handle and type of each, and on demand its bounds,
    matrix, a path's fill and stroke modes, a text object's font size and font. Read by the
    compiled loop in one call when there is one, else by calls an object."""

    def __init__(self, api: _ObjectApi, page: int) -> None:
        self.api, self.page = api, page
        self.compiled = False
        self._columns: dict[str, np.ndarray] | None = None
        self._sorted: tuple[np.ndarray, np.ndarray] | None = None
        loop = _loop("objects")
        n = api.count(page)
        if loop is not None and n >= 0:
            lib, pointers = loop
            self.handles_ = (ctypes.c_void_p * n)()
            self.kinds_ = (ctypes.c_int * n)()
            self.boxes = (ctypes.c_float * (4 * n))()
            self.matrices = (pdfium_c.FS_MATRIX * n)()
            self.fills, self.strokes = (ctypes.c_int * n)(), (ctypes.c_int * n)()
            self.sizes, self.fonts = (ctypes.c_float * n)(), (ctypes.c_void_p * n)()
            self.ok = (ctypes.c_int * n)()
            if lib.vn_page_objects(page, *pointers, n, self.handles_, self.kinds_, self.boxes, self.matrices,
                                   self.fills, self.strokes, self.sizes, self.fonts, self.ok) == n:
                self.compiled = True
                self.handles, self.kinds = self.handles_[:], self.kinds_[:]
        if not self.compiled:
            self.handles = [api.get(page, k) for k in range(max(n, 0))]
            self.kinds = [api.kind(obj) if obj else 0 for obj in self.handles]
        self.index = {obj: k for k, obj in enumerate(self.handles) if obj}

    def columns(self) -> dict[str, np.ndarray]:
        """The compiled loop's columns as float64 (``boxes``: left, bottom, right, top;
        ``matrices``: a to f; ``sizes``) and ints (``ok``, ``fonts``), one row an object."""
        if self._columns is None:
            self._columns = {
                "boxes": np.frombuffer(self.boxes, dtype=np.float32).reshape(-1, 4).astype(np.float64),
                "matrices": np.frombuffer(self.matrices, dtype=np.float32).reshape(-1, 6).astype(np.float64),
                "sizes": np.frombuffer(self.sizes, dtype=np.float32).astype(np.float64),
                "ok": np.frombuffer(self.ok, dtype=np.int32),
                "fonts": np.frombuffer(self.fonts, dtype=np.uintp),
            }
        return self._columns

    def positions(self, handles: list[int]) -> np.ndarray:
        """Where each of ``handles`` (objects of this page) is in the page's object list."""
        if self._sorted is None:
            table = np.frombuffer(self.handles_, dtype=np.uintp) if self.compiled else np.array(self.handles, dtype=np.uintp)
            order = np.argsort(table, kind="stable")
            self._sorted = (order, table[order])
        order, ordered = self._sorted
        return order[np.searchsorted(ordered, np.array(handles, dtype=np.uintp))].astype(np.int64)

    def bounds(self, k: int) -> tuple[float, float, float, float] | None:
        """(left, bottom, right, top) of object ``k``, or None."""
        if self.compiled:
            return tuple(self.boxes[4 * k:4 * k + 4]) if self.ok[k] & 1 else None  # type: ignore[return-value]
        return _object_bounds(self.api, self.handles[k])

    def matrix(self, k: int) -> Any:
        """The matrix of object ``k`` (pdfium's FS_MATRIX), or None."""
        if self.compiled:
            return self.matrices[k] if self.ok[k] & 2 else None
        matrix = pdfium_c.FS_MATRIX()
        return matrix if self.api.matrix(self.handles[k], matrix) else None

    def draw_mode(self, k: int) -> tuple[int, int] | None:
        """(fill mode, stroke flag) of path ``k``, or None."""
        if self.compiled:
            return (self.fills[k], self.strokes[k]) if self.ok[k] & 4 else None
        fill, stroke = ctypes.c_int(), ctypes.c_int()
        if not self.api.draw_mode(self.handles[k], ctypes.byref(fill), ctypes.byref(stroke)):
            return None
        return fill.value, stroke.value

    def text_size(self, k: int) -> float | None:
        """The font size (Tf) of text object ``k``, or None."""
        if self.compiled:
            return self.sizes[k] if self.ok[k] & 4 else None
        size = ctypes.c_float()
        return size.value if self.api.font_size(self.handles[k], ctypes.byref(size)) else None

    def font(self, k: int) -> int | None:
        """The font handle of text object ``k``."""
        if self.compiled:
            return self.fonts[k]
        api = _text_api()
        return api.object_font(self.handles[k]) if api is not None else None


class TextObjects(list):  # type: ignore[type-arg]
    """The handles of a page's text objects, with the page's :class:`PageObjects` they come from."""

    def __init__(self, objects: PageObjects, handles: list[int]) -> None:
        super().__init__(handles)
        self.objects = objects


@dataclass
class Graphics:
    """The ruling edges of a page (pdfplumber's ``page.edges``), the boxes of its images, and the
    handles of its text objects (to find those pdfium's text page leaves out)."""

    edges: Edges
    images: list[Box]
    texts: TextObjects


class _Segments:
    """Reads a path object's segments: type, point (in the path's space) and close flag of each,
    by the compiled loop when there is one (into buffers kept for the page), else by calls."""

    def __init__(self, api: _ObjectApi) -> None:
        self.api = api
        self.loop = _loop("segments")
        self.x, self.y = ctypes.c_float(), ctypes.c_float()
        self._size(256)

    def _size(self, capacity: int) -> None:
        self.capacity = capacity
        self.types = (ctypes.c_int * capacity)()
        self.xy = (ctypes.c_float * (2 * capacity))()
        self.closes = (ctypes.c_int * capacity)()

    def read(self, obj: int) -> tuple[list[int], list[float], list[int]] | None:
        if self.loop is not None:
            lib, pointers = self.loop
            n = lib.vn_path_segments(obj, *pointers, self.capacity, self.types, self.xy, self.closes)
            if n == -2:
                self._size(max(2 * self.capacity, self.api.segments(obj)))
                return self.read(obj)
            if n < 0:
                return None
            return self.types[:n], self.xy[:2 * n], self.closes[:n]
        api, x_ref, y_ref = self.api, ctypes.byref(self.x), ctypes.byref(self.y)
        types, xy, closes = [], [], []
        for k in range(api.segments(obj)):
            segment = api.segment(obj, k)
            if not segment or not api.segment_point(segment, x_ref, y_ref):
                return None
            types.append(api.segment_type(segment))
            xy += (self.x.value, self.y.value)
            closes.append(api.segment_close(segment))
        return types, xy, closes


def _operations(segments: _Segments, obj: int, matrix: Any) -> list[tuple[str, tuple[float, float]]] | None:
    """A path object's operations as pdfminer records them: ``m``, ``l``, ``c`` (one per Bézier
    curve, with its end point) and ``h`` (a close back to the start), points on the page."""
    read = segments.read(obj)
    if read is None:
        return None
    types, xy, closing = read
    a, b, c, d, e, f = matrix.a, matrix.b, matrix.c, matrix.d, matrix.e, matrix.f
    ops: list[tuple[str, tuple[float, float]]] = []
    start: tuple[float, float] | None = None
    bezier = 0
    for k, code in enumerate(types):
        kind = _SEGMENT.get(code)
        if kind is None:
            return None
        px, py = xy[2 * k], xy[2 * k + 1]
        point = (a * px + c * py + e, b * px + d * py + f)
        if kind == "m":
            start = point
        elif kind == "c":
            bezier += 1
            if bezier < 3:
                continue  # control points: pdfminer keeps a curve's end point only
            bezier = 0
        elif bezier:
            return None  # a curve cut short
        closes = kind != "m" and closing[k]
        if closes and point != start:
            return None  # pdfium closes a figure with a segment back to its start
        if closes and kind == "l":
            ops.append(("h", point))  # the segment back to the start is pdfminer's "h"
        else:
            ops.append((kind, point))
            if closes:
                ops.append(("h", point))
    return ops


def _objects(ops: list[tuple[str, tuple[float, float]]]) -> list[tuple[str, list[tuple[float, float]]]]:
    """pdfminer's ``paint_path``: each sub-path a ``line`` (``ml``, ``mlh``), a ``rect`` (four axis-
    parallel sides closed) or a ``curve``, with its points."""
    shape = "".join(op for op, _ in ops)
    if shape[:1] != "m":
        return []
    if shape.count("m") > 1:
        out = []
        for match in _SUBPATH.finditer(shape):
            out.extend(_objects(ops[match.start():match.end()]))
        return out
    pts = [point for _, point in ops]
    if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
        shape = shape[:-2] + "h"
        pts.pop()
    if shape in {"mlh", "ml"}:
        return [("line", pts[:2])]
    if shape in {"mlllh", "mllll"}:
        (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
        square = (x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0) or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)
        if pts[0] == pts[4] and square:
            return [("rect", [pts[0], pts[2]])]
    return [("curve", pts)]


def _plumber_object(kind: str, pts: list[tuple[float, float]], height: float, doctop: float) -> dict[str, Any]:
    """The object dictionary pdfplumber makes of a pdfminer line, rectangle or curve (the keys its
    edge functions read)."""
    xs, ys = [p[0] for p in pts], [p[1] for p in pts]
    x0, y0, x1, y1 = min(xs), min(ys), max(xs), max(ys)
    top = height - y1
    obj = {"object_type": kind, "x0": x0, "y0": y0, "x1": x1, "y1": y1, "width": x1 - x0, "height": y1 - y0,
           "top": top, "bottom": height - y0, "doctop": doctop + top}
    if kind == "curve":
        obj["pts"] = [(px, height - py) for px, py in pts]
    return obj


class _ShapeBuffers:
    """The buffers the compiled :func:`vn_path_shapes` fills, grown when a page needs more (one set
    per thread: documents are read in threads at once)."""

    def __init__(self) -> None:
        self.size(1024, 1024, 4096)

    def size(self, ops: int, shapes: int, points: int) -> None:
        self.ops = np.zeros(ops, dtype=np.uint8)
        self.op_points = np.zeros(2 * ops, dtype=np.float64)
        self.kinds, self.starts, self.counts = (np.zeros(shapes, dtype=np.int32) for _ in range(3))
        self.points = np.zeros(2 * points, dtype=np.float64)
        self.needs = np.zeros(1, dtype=np.int32)

    def shapes(self, objects: PageObjects) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None:
        """(kind, first point, point count of each shape; the points), or None (pdfplumber reads the page)."""
        lib, pointers = _loop("shapes")  # type: ignore[misc]
        n = len(objects.handles)
        while True:
            found = lib.vn_path_shapes(n, ctypes.addressof(objects.handles_), ctypes.addressof(objects.kinds_),
                                       ctypes.addressof(objects.matrices), ctypes.addressof(objects.fills),
                                       ctypes.addressof(objects.strokes), ctypes.addressof(objects.ok), *pointers,
                                       len(self.ops), self.ops.ctypes.data, self.op_points.ctypes.data,
                                       len(self.kinds), self.kinds.ctypes.data, self.starts.ctypes.data,
                                       self.counts.ctypes.data, len(self.points) // 2, self.points.ctypes.data,
                                       self.needs.ctypes.data)
            if found == -1:
                return None
            if found >= 0:
                points = self.points.reshape(-1, 2)
                return self.kinds[:found].copy(), self.starts[:found].copy(), self.counts[:found].copy(), points
            self.size(max(len(self.ops), 2 * int(self.needs[0])) * 2, len(self.kinds) * 2, len(self.points))


def _shape_edges(kinds: np.ndarray, starts: np.ndarray, counts: np.ndarray, points: np.ndarray,
                 height: float) -> Edges:
    """pdfplumber's edges of pdfminer's lines, rectangles and curves (points on the page, y up):
    ``line_to_edge``, ``rect_to_edges`` and ``curve_to_edges`` on whole columns, lines first, then
    rectangle edges, then curve edges, each in the shapes' order."""
    parts: list[tuple[np.ndarray, ...]] = []  # x0, x1, top, bottom, width, height, orientation, kind
    for kind in (0, 1):  # a line's two points, a rectangle's two corners
        index = starts[kinds == kind]
        p, q = points[index], points[index + 1]
        x0, x1 = np.minimum(p[:, 0], q[:, 0]), np.maximum(p[:, 0], q[:, 0])
        y0, y1 = np.minimum(p[:, 1], q[:, 1]), np.maximum(p[:, 1], q[:, 1])
        top, bottom, width, tall = height - y1, height - y0, x1 - x0, y1 - y0
        if kind == 0:
            parts.append((x0, x1, top, bottom, width, tall, np.where(top == bottom, ACROSS, DOWN),
                          np.full(len(x0), 0)))
            continue
        zero = np.zeros(len(x0))
        sides = (  # top, bottom, left, right of each rectangle
            (x0, x1, top, top, width, zero, ACROSS), (x0, x1, top + tall, bottom, width, zero, ACROSS),
            (x0, x0, top, bottom, zero, tall, DOWN), (x1, x1, top, bottom, zero, tall, DOWN))
        columns = [np.stack([np.broadcast_to(side[c], x0.shape) for side in sides], axis=1).ravel() for c in range(7)]
        parts.append((*columns, np.full(4 * len(x0), 1)))
    curves = np.flatnonzero(kinds == 2)
    if len(curves):
        pairs = np.maximum(counts[curves] - 1, 0)  # a curve's edges: each point with the next
        at = np.repeat(starts[curves], pairs) + _places(pairs)
        a, b = points[at], points[at + 1]
        ax, bx, ay, by = a[:, 0], b[:, 0], height - a[:, 1], height - b[:, 1]
        orientation = np.where(ax == bx, DOWN, np.where(ay == by, ACROSS, SLANTED))
        parts.append((np.minimum(ax, bx), np.maximum(ax, bx), np.minimum(ay, by), np.maximum(ay, by), np.abs(ax - bx),
                      np.abs(ay - by), orientation, np.full(len(ax), 2)))
    columns = [np.concatenate([part[c] for part in parts]).astype(np.float64 if c < 6 else np.int64) for c in range(8)]
    return Edges(*columns)


def page_graphics(page: Any, height: float, doctop: float) -> Graphics | None:
    """The page's ruling edges, image boxes and text objects, or None when pdfplumber must read
    the page (a form XObject, a path pdfium cannot describe)."""
    api = _object_api()
    if api is None:
        return None
    handle = ctypes.cast(page, ctypes.c_void_p).value
    objects = PageObjects(api, handle)
    if objects.compiled and _loop("shapes") is not None:
        return _compiled_graphics(objects, height)
    edges: list[dict[str, Any]] = []
    images: list[Box] = []
    texts = TextObjects(objects, [])
    segments = _Segments(api)
    for k, (obj, kind) in enumerate(zip(objects.handles, objects.kinds)):
        if kind == _TEXT:
            texts.append(obj)
            continue
        if kind == _IMAGE:
            box = objects.bounds(k)
            if box is None:
                return None
            left, bottom, right, top = box
            images.append((left, height - top, right, height - bottom))
            continue
        if kind == pdfium_c.FPDF_PAGEOBJ_SHADING:
            continue  # pdfminer draws no shading
        if kind != _PATH:
            return None  # a form XObject (or an object type pdfium adds later)
        mode = objects.draw_mode(k)
        if mode is None:
            return None
        if not mode[0] and not mode[1]:
            continue  # neither filled nor stroked: pdfminer makes nothing of it
        matrix = objects.matrix(k)
        ops = _operations(segments, obj, matrix) if matrix is not None else None
        if ops is None:
            return None
        for shape, pts in _objects(ops):
            made = _plumber_object(shape, pts, height, doctop)
            if shape == "line":
                edges.append(line_to_edge(made))
            elif shape == "rect":
                edges.extend(rect_to_edges(made))
            else:
                edges.extend(curve_to_edges(made))
    # pdfplumber's order: line edges, then rectangle edges, then curve edges
    order = {"line": 0, "rect_edge": 1, "curve_edge": 2}
    edges.sort(key=lambda edge: order[edge["object_type"]])
    return Graphics(Edges.from_dicts(edges), images, texts)


_TEXT, _PATH, _IMAGE = pdfium_c.FPDF_PAGEOBJ_TEXT, pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_IMAGE
_DRAWN_OR_SKIPPED = (_TEXT, _PATH, _IMAGE, pdfium_c.FPDF_PAGEOBJ_SHADING)


def _compiled_graphics(objects: PageObjects, height: float) -> Graphics | None:
    """:func:`page_graphics` from the compiled loops: every path's shapes in one call, their edges
    on whole columns."""
    kinds = np.asarray(objects.kinds)
    if not np.isin(kinds, _DRAWN_OR_SKIPPED).all():
        return None  # a form XObject (or an object type pdfium adds later)
    buffers = getattr(_BUFFERS, "shapes", None)
    if buffers is None:
        buffers = _BUFFERS.shapes = _ShapeBuffers()
    shapes = buffers.shapes(objects)
    if shapes is None:
        return None
    images: list[Box] = []
    for k in np.flatnonzero(kinds == _IMAGE).tolist():
        box = objects.bounds(k)
        if box is None:
            return None
        left, bottom, right, top = box
        images.append((left, height - top, right, height - bottom))
    handles = objects.handles
    texts = TextObjects(objects, [handles[k] for k in np.flatnonzero(kinds == _TEXT).tolist()])
    return Graphics(_shape_edges(*shapes, height), images, texts)


_BUFFERS = threading.local()  # each thread's shape buffers, kept from page to page
