"""A PDF page's characters as columns, and their layout into words and lines by pdfplumber's rules.

pdfplumber gives a page's characters as one dictionary each; a page holds thousands, and every
step over them (de-duplication, words, lines, table cells) then costs a Python loop a
character. :class:`Glyphs` holds the same facts as numpy columns (text, font, size, upright
flag, box), made once by either engine (:meth:`Glyphs.from_dicts` for pdfplumber's characters,
:func:`pipeline.ingest.readers.pdfium_page.page_chars` straight from pdfium), and the layout is
done on whole columns:

* :func:`unique_chars`: pdfplumber's ``Page.dedupe_chars()``;
* :func:`line_words`: the words and lines of ``extract_text(layout=False,
  x_tolerance_ratio=X_TOLERANCE_RATIO)``, for a page or for many groups at once (the cells of
  a table);
* :func:`layout_text` and :func:`layout_lines`: the text, and the lines with their boxes, type
  size and weight.

Each gives what pdfplumber's own code gives the same characters (asserted in the tests); text
that is not upright, or a NaN, goes to pdfplumber's code as dictionaries (:meth:`Glyphs.dicts`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

import numpy as np
from pdfplumber.utils import chars_to_textmap, cluster_objects, extract_text
from pdfplumber.utils.text import DEFAULT_Y_TOLERANCE, LIGATURES

from ...core.model import Line
from ..layout import column_breaks

DEDUPE_TOLERANCE = 1.0  # points; pdfplumber's default for dedupe_chars
# A gap wider than 0.15 x the font size is a space. pdfplumber's fixed 3pt default glues the
# words of tightly set 12pt text ("GIÁODỤCVÀĐÀOTẠO").
X_TOLERANCE_RATIO = 0.15

_FLOAT_COLUMNS = ("size", "x0", "x1", "top", "bottom", "doctop")
_CHAR_KEY = itemgetter("upright", "text", "fontname", "size")
_POSITION = itemgetter("doctop", "x0")
_HAS_LIGATURE = re.compile("[" + "".join(LIGATURES) + "]")
_BOLD_FONT = re.compile(r"bold|black|heavy|demi|semibold|,b$|-b$|\bbd\b", re.IGNORECASE)


@dataclass
class Glyphs:
    """A page's characters in page order, as columns: ``text`` (one string each), ``font`` (an
    index into ``fontnames``), ``size``, ``x0``, ``x1``, ``top``, ``bottom``, ``doctop`` (floats, in
    pdfplumber's coordinates) and ``upright``."""

    text: list[str]
    font: np.ndarray
    fontnames: list[str | None]
    size: np.ndarray
    x0: np.ndarray
    x1: np.ndarray
    top: np.ndarray
    bottom: np.ndarray
    doctop: np.ndarray
    upright: np.ndarray

    def __len__(self) -> int:
        return len(self.text)

    @classmethod
    def empty(cls) -> Glyphs:
        return cls.from_dicts([])

    @classmethod
    def from_dicts(cls, chars: Sequence[dict[str, Any]]) -> Glyphs:
        """The columns of pdfplumber's character dictionaries."""
        n = len(chars)
        names: dict[str | None, int] = {}
        font = np.fromiter((names.setdefault(c.get("fontname"), len(names)) for c in chars), dtype=np.int64, count=n)
        floats = {key: np.fromiter((c.get(key, np.nan) for c in chars), dtype=np.float64, count=n)
                  for key in _FLOAT_COLUMNS}
        upright = np.fromiter((bool(c.get("upright", True)) for c in chars), dtype=bool, count=n)
        return cls([c["text"] for c in chars], font, list(names), upright=upright, **floats)

    @classmethod
    def concat(cls, parts: Sequence[Glyphs]) -> Glyphs:
        """The characters of ``parts`` in turn (font indexes made to one list of names)."""
        parts = [p for p in parts if len(p)]
        if len(parts) == 1:
            return parts[0]
        if not parts:
            return cls.empty()
        names: dict[str | None, int] = {}
        fonts = []
        for p in parts:
            remap = np.array([names.setdefault(name, len(names)) for name in p.fontnames] or [0], dtype=np.int64)
            fonts.append(remap[p.font])
        columns = {key: np.concatenate([getattr(p, key) for p in parts]) for key in _FLOAT_COLUMNS + ("upright",)}
        return cls(list(itertools.chain.from_iterable(p.text for p in parts)), np.concatenate(fonts), list(names),
                   **columns)

    def take(self, index: np.ndarray) -> Glyphs:
        """The characters at ``index`` (in that order)."""
        texts = self.text
        picked = [texts[k] for k in index.tolist()]
        columns = {key: getattr(self, key)[index] for key in _FLOAT_COLUMNS + ("upright",)}
        return Glyphs(picked, self.font[index], self.fontnames, **columns)

    def dicts(self) -> list[dict[str, Any]]:
        """pdfplumber's character dictionaries of these characters (the keys its layout reads)."""
        names = self.fontnames
        rows = zip(self.text, self.font.tolist(), self.size.tolist(), self.upright.tolist(), self.x0.tolist(),
                   self.x1.tolist(), self.top.tolist(), self.bottom.tolist(), self.doctop.tolist())
        return [{"object_type": "char", "text": text, "fontname": names[font], "size": size, "upright": upright,
                 "x0": x0, "x1": x1, "top": top, "bottom": bottom, "doctop": doctop}
                for text, font, size, upright, x0, x1, top, bottom, doctop in rows]

    def plain(self) -> bool:
        """True when the fast layout handles these characters: upright, each with a text and a position."""
        return bool(all(self.text) and self.upright.all() and not np.isnan(self.top).any()
                    and not np.isnan(self.x0).any())

    def middles(self) -> tuple[np.ndarray, np.ndarray]:
        """The characters' vertical and horizontal middles, as pdfplumber computes them."""
        return (self.top + self.bottom) / 2, (self.x0 + self.x1) / 2


# -- de-duplication -------------------------------------------------------------------------------

def _unique_char_ids_reference(chars: list[dict[str, Any]]) -> set[int]:
    """pdfplumber's ``dedupe_chars`` rule written with its generic clustering, on dictionaries:
    the ids of the characters kept (the reference of the tests)."""
    keep: set[int] = set()
    for _, same in itertools.groupby(sorted(chars, key=_CHAR_KEY), key=_CHAR_KEY):
        for row in cluster_objects(list(same), itemgetter("doctop"), DEDUPE_TOLERANCE):
            for spot in cluster_objects(row, itemgetter("x0"), DEDUPE_TOLERANCE):
                keep.add(id(min(spot, key=_POSITION)))
    return keep


def _text_ids(texts: list[str]) -> np.ndarray:
    """A number per text, the same for the same text: the code point of a one-character text (the
    usual case, read at once), else its index among the distinct texts."""
    joined = "".join(texts)
    if len(joined) == len(texts) and all(texts):
        return np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    seen: dict[str, int] = {}
    return np.fromiter((seen.setdefault(v, len(seen)) for v in texts), dtype=np.int64, count=len(texts))


def _spot_keepers(members: np.ndarray, rows: np.ndarray, glyphs: Glyphs) -> np.ndarray:
    """Of characters ``members`` (each in row ``rows``: one glyph's characters whose ``doctop``
    differ), in each spot of a row (``x0`` chained within the tolerance) the top-left one, the
    first in page order on a tie."""
    x0, doctop = glyphs.x0[members], glyphs.doctop[members]
    by_x = np.lexsort((x0, rows))
    r, x = rows[by_x], x0[by_x]
    new = np.ones(len(members), dtype=bool)
    new[1:] = (r[1:] != r[:-1]) | (x[1:] > x[:-1] + DEDUPE_TOLERANCE)
    spot = np.empty(len(members), dtype=np.int64)
    spot[by_x] = np.cumsum(new) - 1
    best = np.lexsort((members, x0, doctop, spot))
    first = np.ones(len(members), dtype=bool)
    first[1:] = spot[best][1:] != spot[best][:-1]
    return members[best[first]]


def unique_mask(glyphs: Glyphs) -> np.ndarray:
    """Which characters :func:`unique_chars` keeps."""
    n = len(glyphs)
    if not n:
        return np.zeros(0, dtype=bool)
    doctop, x0, size = glyphs.doctop, glyphs.x0, glyphs.size
    if np.isnan(doctop).any() or np.isnan(x0).any() or np.isnan(size).any():  # NaN: the generic code decides
        chars = glyphs.dicts()
        keep = _unique_char_ids_reference(chars)
        return np.fromiter((id(c) in keep for c in chars), dtype=bool, count=n)
    text = _text_ids(glyphs.text)
    keys = (glyphs.upright, text, glyphs.font, size)
    order = np.lexsort((np.arange(n), x0, doctop) + tuple(reversed(keys)))  # by glyph, doctop, x0, page order
    d, x = doctop[order], x0[order]
    new_row = np.ones(n, dtype=bool)
    same_glyph = np.ones(n - 1, dtype=bool)
    for key in keys:
        k = key[order]
        same_glyph &= k[1:] == k[:-1]
    new_row[1:] = ~same_glyph | (d[1:] > d[:-1] + DEDUPE_TOLERANCE)
    starts = np.flatnonzero(new_row)
    ends = np.append(starts[1:], n) - 1
    row = np.cumsum(new_row) - 1
    uniform = (d[ends] == d[starts])[row]  # the row's characters share one doctop
    new_spot = new_row.copy()
    new_spot[1:] |= x[1:] > x[:-1] + DEDUPE_TOLERANCE
    mask = np.zeros(n, dtype=bool)
    mask[order[new_spot & uniform]] = True
    if not uniform.all():  # rows over several doctops: the general rule
        mixed = np.flatnonzero(~uniform)
        mask[_spot_keepers(order[mixed], row[mixed], glyphs)] = True
    return mask


def unique_chars(glyphs: Glyphs) -> Glyphs:
    """The characters left, in page order, after dropping same-glyph duplicates at (nearly) the same spot.

    The same rule as pdfplumber's ``Page.dedupe_chars()``, without its quadratic re-sort: the
    characters of one glyph (same text, font and size, upright or not) are clustered by
    ``doctop`` into rows and each row by ``x0`` into spots (within :data:`DEDUPE_TOLERANCE`), and
    each spot keeps its top-left character (the first one on a tie).

    One sort by glyph, ``doctop``, ``x0`` and page order lays every row out in a run; a row whose
    characters share one ``doctop`` (a printed line: the usual case) is cut into spots where
    ``x0`` jumps by more than the tolerance, any other row goes through the general clustering.
    """
    mask = unique_mask(glyphs)
    return glyphs if mask.all() else glyphs.take(np.flatnonzero(mask))


# -- words and lines ------------------------------------------------------------------------------

def _chains(values: np.ndarray, groups: np.ndarray, tolerance: float) -> np.ndarray:
    """pdfplumber's ``make_cluster_dict`` within each group: values sorted, a new cluster wherever
    one is more than ``tolerance`` above the previous one. Cluster numbers rise with the group,
    then with the values."""
    order = np.lexsort((values, groups))
    v, g = values[order], groups[order]
    new = np.ones(len(v), dtype=bool)
    new[1:] = (g[1:] != g[:-1]) | ~(v[1:] <= v[:-1] + tolerance)
    out = np.empty(len(v), dtype=np.int64)
    out[order] = np.cumsum(new) - 1
    return out


@dataclass
class LineWords:
    """Characters laid out as words and lines: ``order`` (the non-blank characters in reading
    order), ``word_starts`` (where each word starts in ``order``), ``line_starts`` (each line's first
    word) and ``groups`` (each line's group)."""

    order: np.ndarray
    word_starts: np.ndarray
    line_starts: np.ndarray
    line_groups: np.ndarray

    def word_ends(self) -> np.ndarray:
        return np.append(self.word_starts[1:], len(self.order))

    def line_ends(self) -> np.ndarray:
        return np.append(self.line_starts[1:], len(self.word_starts))


def line_words(glyphs: Glyphs, groups: np.ndarray | None = None) -> LineWords:
    """The characters of upright text as printed lines of words, by pdfplumber's rules for
    ``extract_text(layout=False, x_tolerance_ratio=X_TOLERANCE_RATIO)``
    (``chars_to_textmap(...).as_string``), each group (``groups``: a number per character; one
    group when None) on its own.

    Characters are clustered into rows by ``top`` (3 points), each row sorted by ``x0`` and cut
    into words at blanks and at gaps wider than the ratio times the previous character's size
    (or a step back, or a jump of more than 3 points in ``top``); then words are clustered by
    their highest ``top`` again, consecutive words of one cluster making a line.
    """
    n = len(glyphs)
    groups = np.zeros(n, dtype=np.int64) if groups is None else groups
    tolerance = DEFAULT_Y_TOLERANCE
    top, x0 = glyphs.top, glyphs.x0
    row = _chains(top, groups, tolerance)
    order = np.lexsort((np.arange(n), x0, row))
    blank = np.fromiter(map(str.isspace, glyphs.text), dtype=bool, count=n)[order]
    r, xs, tops = row[order], x0[order], top[order]
    reach = glyphs.x1[order] + X_TOLERANCE_RATIO * glyphs.size[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = ((r[1:] != r[:-1]) | blank[:-1] | (xs[1:] < xs[:-1]) | (xs[1:] > reach[:-1])
                  | (np.abs(tops[1:] - tops[:-1]) > tolerance))
    kept = ~blank
    order, starts, tops = order[kept], starts[kept], tops[kept]
    word_starts = np.flatnonzero(starts)
    if not len(word_starts):
        return LineWords(order, word_starts, word_starts, word_starts)
    word_tops = np.minimum.reduceat(tops, word_starts)
    word_groups = groups[order[word_starts]]
    cluster = _chains(word_tops, word_groups, tolerance)
    new_line = np.ones(len(word_starts), dtype=bool)
    new_line[1:] = cluster[1:] != cluster[:-1]
    line_starts = np.flatnonzero(new_line)
    return LineWords(order, word_starts, line_starts, word_groups[line_starts])


def _expand_ligatures(text: str) -> str:
    return "".join(LIGATURES.get(t, t) for t in text) if _HAS_LIGATURE.search(text) else text


def _spelled(glyphs: Glyphs, words: LineWords) -> list[str]:
    """The reading order as strings: each character's text, then after it what follows it in
    the text: nothing inside a word, a space between words, a newline between lines (none after
    the last)."""
    m = len(words.order)
    if not m:
        return []
    seps = np.full(m, "", dtype=object)
    seps[words.word_starts[1:] - 1] = " "
    seps[words.word_starts[words.line_starts[1:]] - 1] = "\n"
    spelled = np.empty(2 * m, dtype=object)
    spelled[0::2] = np.array(glyphs.text, dtype=object)[words.order] if m else []
    spelled[1::2] = seps
    return spelled[:-1].tolist()


def layout_text(glyphs: Glyphs) -> str:
    """``Page.extract_text(layout=False, x_tolerance_ratio=X_TOLERANCE_RATIO)`` of these characters
    (see :func:`line_words`); text that is not upright goes to pdfplumber's own code. Words are
    joined by a space, lines by a newline, ligatures expanded."""
    if not len(glyphs):
        return ""
    if not glyphs.plain():  # an empty text, a NaN or rotated text: the general code decides
        return chars_to_textmap(glyphs.dicts(), layout=False, x_tolerance_ratio=X_TOLERANCE_RATIO).as_string
    return _expand_ligatures("".join(_spelled(glyphs, line_words(glyphs))))


def group_texts(glyphs: Glyphs, groups: np.ndarray, count: int) -> list[str]:
    """:func:`layout_text` of each group of characters (``groups``: 0 to ``count - 1`` per
    character), laid out at once; a group that is not plain (rotated text, a NaN) goes to
    pdfplumber's ``extract_text`` on its own, as pdfplumber lays out a table cell."""
    out = [""] * count
    if not len(glyphs):
        return out
    plain = glyphs.upright & ~np.isnan(glyphs.top) & ~np.isnan(glyphs.x0)
    plain &= np.fromiter(map(bool, glyphs.text), dtype=bool, count=len(glyphs))
    odd = set(groups[~plain].tolist())
    if odd:
        for group in odd:
            out[group] = extract_text(glyphs.take(np.flatnonzero(groups == group)).dicts(),
                                      x_tolerance_ratio=X_TOLERANCE_RATIO)
        keep = np.flatnonzero(~np.isin(groups, list(odd)))
        glyphs, groups = glyphs.take(keep), groups[keep]
    words = line_words(glyphs, groups)
    spelled = _spelled(glyphs, words)
    if not spelled:
        return out
    line_ends = words.line_ends()
    group_of_line = words.line_groups
    first_lines = np.flatnonzero(np.append(True, group_of_line[1:] != group_of_line[:-1]))
    last_lines = np.append(first_lines[1:], len(group_of_line)) - 1
    word_ends = words.word_ends()
    for first, last in zip(first_lines.tolist(), last_lines.tolist()):
        start = int(words.word_starts[words.line_starts[first]])
        end = int(word_ends[line_ends[last] - 1])
        out[int(group_of_line[first])] = _expand_ligatures("".join(spelled[2 * start:2 * end - 1]))
    return out


@lru_cache(maxsize=1024)
def _is_bold(fontname: str) -> bool:
    return bool(_BOLD_FONT.search(fontname.split("+")[-1]))


def coordinate(value: float) -> float:
    """A coordinate to a tenth of a point, the same from pdfium (single precision: 87.44999694...)
    and pdfminer (87.45): six significant digits first, then the tenth."""
    return round(float(f"{value:.6g}"), 1)


def _medians(values: np.ndarray, starts: np.ndarray, upper: bool) -> np.ndarray:
    """Per run of ``values`` (runs starting at ``starts``): the median (``statistics.median``: the
    mean of the two middle values of an even run) or, ``upper``, the upper middle value."""
    ends = np.append(starts[1:], len(values))
    run = np.repeat(np.arange(len(starts)), ends - starts)
    ordered = values[np.lexsort((values, run))]
    count = ends - starts
    middle = ordered[starts + count // 2]
    if upper:
        return middle
    lower = ordered[starts + (count - 1) // 2]
    return np.where(count % 2 == 1, middle, (lower + middle) / 2)


def layout_lines(glyphs: Glyphs) -> list[Line] | None:
    """The characters as :class:`~pipeline.core.model.Line` s with boxes, type size and weight,
    in :func:`layout_text`'s order; a printed line is cut into segments where two words are far
    apart (:func:`pipeline.ingest.layout.column_breaks`: the two columns of an official header).
    None when the page holds rotated text (no reliable geometry)."""
    if not len(glyphs):
        return []
    if not glyphs.plain():
        return None
    words = line_words(glyphs)
    order = words.order
    if not len(order):
        return []
    spelled = _spelled(glyphs, words)
    word_starts, word_ends = words.word_starts, words.word_ends()
    line_starts, line_ends = words.line_starts, words.line_ends()
    x0, x1, size = glyphs.x0[order], glyphs.x1[order], glyphs.size[order]
    gaps = (x0[word_starts[1:]] - x1[word_ends[:-1] - 1]).tolist()
    line_sizes = _medians(size, word_starts[line_starts], upper=False).tolist()
    segments: list[int] = []  # each segment's first word
    for line, (first, end) in enumerate(zip(line_starts.tolist(), line_ends.tolist())):
        segments.append(first)
        if end - first > 1:
            segments.extend(first + 1 + i for i in column_breaks(gaps[first:end - 1], line_sizes[line]))
    seg_words = np.array(segments, dtype=np.int64)
    seg_chars = word_starts[seg_words]
    seg_ends = np.append(seg_chars[1:], len(order))
    bold_font = np.array([_is_bold(name or "") for name in glyphs.fontnames] or [False], dtype=bool)
    bold = (np.add.reduceat(bold_font[glyphs.font[order]].astype(np.int64), seg_chars) > (seg_ends - seg_chars) / 2)
    boxes = zip(np.minimum.reduceat(x0, seg_chars).tolist(), np.minimum.reduceat(glyphs.top[order], seg_chars).tolist(),
                np.maximum.reduceat(x1, seg_chars).tolist(), np.maximum.reduceat(glyphs.bottom[order], seg_chars).tolist())
    leads = (np.maximum.reduceat(x1, word_starts) - np.minimum.reduceat(x0, word_starts))[seg_words].tolist()
    sizes = _medians(size, seg_chars, upper=True).tolist()
    out: list[Line] = []
    for start, end, box, seg_size, seg_bold, lead in zip(seg_chars.tolist(), seg_ends.tolist(), boxes, sizes,
                                                         bold.tolist(), leads):
        text = _expand_ligatures("".join(spelled[2 * start:2 * end - 1]))
        out.append(Line(text, tuple(coordinate(v) for v in box), coordinate(seg_size), seg_bold,  # type: ignore[arg-type]
                        lead=coordinate(lead)))
    return out


def text_of(lines: list[Line]) -> str:
    return "\n".join(line.text for line in lines)


__all__ = ["DEDUPE_TOLERANCE", "Glyphs", "LineWords", "X_TOLERANCE_RATIO", "coordinate", "group_texts",
           "layout_lines", "layout_text", "line_words", "text_of", "unique_chars", "unique_mask"]
