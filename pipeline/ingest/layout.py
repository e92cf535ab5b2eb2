"""Layout: the lines a reader saw, made into blocks (paragraphs, headings, list items, header
cells, table rows, page furniture), from which the document's one text is composed.

Readers hand over lines, with their boxes and type sizes where the format has them (PDF, OCR).
This stage decides, from the layout alone, which line breaks are soft (a line that fills its
column, followed by one that is not a new item, not indented, not further away than the
paragraph's line pitch, not in another type size) and joins those lines with a space, so that
a sentence, a document number or a date broken across lines is whole again. Hard breaks
(headings, list items, paragraph ends) stay newlines. Formats without geometry (plain text)
get the same rule measured in characters, applied only when the text is visibly wrapped at a
fixed width (many lines of nearly the same length).

The official header of Vietnamese administrative documents (Nghị định 30/2020/NĐ-CP, Phụ lục
VI; the Party's rules for its documents) is printed in two columns: issuing body and number on
the left, national motto (or "ĐẢNG CỘNG SẢN VIỆT NAM") and place-and-date on the right. A PDF
reader sees each printed row as two segments; the rows at the top of the first page that hold
segments on both sides form the header zone, whose left column is laid out before its right
column, one block per printed line, each with its role (``issuer``, ``number``, ``motto``,
``place_date``, ``title`` for a "V/v" subject). Word documents lay the same header out as a
table, whose cells the DOCX reader hands over as header lines. The kind line ("KẾ HOẠCH") and
the centred title under it become headings with roles ``kind`` and ``title``.

Page numbers and lines repeated at the top or bottom of the pages (running headers and
footers) become ``page_number``/``page_header``/``page_footer`` blocks: on a line of their own,
never joined into a paragraph, and a paragraph that runs on from one page to the next is
joined across them.

Everything here is pure: lines in, blocks out. Vocabulary (header lines, markers, kind words)
is data in ``pipeline/lang/vi/layout.json``.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass, field
from functools import lru_cache

from ..core.model import CELL_SEPARATOR, Line, PageSize
from ..errors import VocabularyError
from ..lang import check_regexes, load_json
from ..lang import vocabulary as language_vocabulary
from .chrome import chrome_cut

#: A gap between two words of a printed line wider than this many times the type size splits
#: the line into two segments (columns of the header, a signature block beside "Nơi nhận").
COLUMN_GAP = 3.0
#: ... and so does a gap this many times the line's usual word gap, if it is also at least
#: :data:`MIN_COLUMN_GAP` times the type size (word gaps of a justified line are even).
RELATIVE_COLUMN_GAP = 2.5
MIN_COLUMN_GAP = 0.8
#: A line fills its column when the next line's first word would not have fitted after it:
#: the room left is compared with that word's width, less this many times the type size.
FILL_SLACK = 0.6
#: Consecutive lines of one paragraph are at most this many times the page's usual line pitch apart.
PITCH_RATIO = 1.3
#: A line whose middle is this share of the page width from the page's middle is centred on the page.
PAGE_CENTRE = 0.06
#: Space between two lines wider than this many times the type size is a blank line.
BLANK_LINE = 0.9
#: A line starting this many times the type size to the right of the previous one is a first-line indent.
INDENT_RATIO = 0.8
#: Type sizes differing by more than this (points) are different styles.
SIZE_TOLERANCE = 0.6
#: Plain text counts as wrapped at a fixed width when at least this share of its long lines
#: (and :data:`MIN_WRAPPED_LINES` of them) are filled to that width.
WRAP_SHARE = 0.6
MIN_WRAPPED_LINES = 6
#: Wrapped plain text is wrapped at this many characters or more, and no more than the maximum;
#: longer lines are paragraphs of their own.
MIN_WRAP_WIDTH = 40
MAX_WRAP_WIDTH = 160


@dataclass(frozen=True)
class Vocabulary:
    """Layout vocabulary (``lang/vi/layout.json``), compiled."""

    motto: re.Pattern[str]
    number: re.Pattern[str]
    place_date: re.Pattern[str]
    subject: re.Pattern[str]
    marker: re.Pattern[str]
    heading_marker: re.Pattern[str]
    page_number: re.Pattern[str]
    rule: re.Pattern[str]


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """Load and check ``lang/vi/layout.json`` (a malformed file raises ``VocabularyError``)."""
    keys = list(Vocabulary.__dataclass_fields__)
    data = load_json("layout.json", {key: str for key in keys})
    check_regexes("layout.json", [data[key] for key in keys])
    compiled = {key: re.compile(data[key], 0 if key == "marker" else re.IGNORECASE) for key in keys}
    missing = {"marker", "roman", "article", "number", "number2", "letter", "bullet"} - set(compiled["marker"].groupindex)
    if missing:
        raise VocabularyError(f"layout.json: 'marker' lacks the groups {sorted(missing)}")
    return Vocabulary(**compiled)


@dataclass
class Draft:
    """A block being built: its lines (joined by a space when ``soft``), kind, role, page."""

    kind: str
    lines: list[Line]
    page: int | None
    role: str | None = None
    marker: str | None = None
    level: int | None = None
    #: Pages of the lines, when a paragraph runs on across a page break.
    pages: list[int | None] = field(default_factory=list)
    #: A blank line before this block in the source (kept in the text of line-based formats).
    blank_before: bool = False

    @property
    def bbox(self) -> tuple[float, float, float, float] | None:
        boxes = [ln.bbox for ln, pg in zip(self.lines, self.pages or [self.page] * len(self.lines))
                 if ln.bbox is not None and pg == self.page]
        if not boxes:
            return None
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


# ------------------------------------------------------------------------------ line tests


@lru_cache(maxsize=8192)
def is_upper(text: str) -> bool:
    """Mostly capital letters (a header line, an all-caps heading)."""
    letters = list(filter(str.isalpha, text))
    return len(letters) >= 2 and sum(map(str.isupper, letters)) >= 0.8 * len(letters)


def marker_of(text: str) -> tuple[str, int] | None:
    """The list or heading marker a line starts with, and its nesting level."""
    m = vocabulary().marker.match(text)
    if not m:
        return None
    mark = m.group("marker")
    if m.group("roman") or m.group("article"):
        return mark, 1
    number = m.group("number") or m.group("number2")
    if number:
        return mark, 2 + number.count(".")
    if m.group("letter"):
        return mark, 5
    return mark, 7 if m.group("bullet") == "+" else 6


#: The start of a table row laid out as text: its number (or the header's "STT") and a separator.
_ROW_START = re.compile(r"^(?:\d{1,3}|[IVX]{1,4}|[a-zđ]|STT|TT)\s*\|", re.IGNORECASE)


def _letter_words(text: str) -> int:
    """Words with letters in them (an abbreviation or a number alone does not make a style)."""
    return sum(1 for word in text.split() if any(c.isalpha() for c in word))


def _first_word(text: str) -> str:
    return text.split(" ", 1)[0] if text else ""


def _joinable_text(prev: str, nxt: str) -> bool:
    """Whether the next line may continue the previous one at all (a new item never does)."""
    if not nxt or not prev or CELL_SEPARATOR.strip() in (prev.strip(), nxt.strip()):
        return False
    rule = vocabulary().rule
    if rule.fullmatch(prev) or rule.fullmatch(nxt):
        return False  # a printed rule ("-----") under a header line or a title stands alone
    found = marker_of(nxt)
    if found is not None:
        # "giai đoạn 2021" + "- 2025": a dash between two numbers is a range, not a bullet
        if not (found[0] in "-–—" and prev[-1:].isdigit() and nxt[1:].lstrip()[:1].isdigit()):
            return False
    if vocabulary().heading_marker.match(nxt):
        return False
    if prev[-1] in ".!?" and nxt[0].isupper():
        return False  # a sentence ends at the line's end and a capital starts the next: a paragraph end
    if CELL_SEPARATOR in nxt and _ROW_START.match(nxt):
        return False  # the next row of a table laid out as text
    if is_upper(nxt) != is_upper(prev) and _letter_words(nxt if is_upper(nxt) else prev) >= 2:
        return False  # capitals after small letters, or the reverse: another style (a heading)
    return True


def join_lines(parts: list[str]) -> tuple[str, list[int]]:
    """Lines of one block joined, and where each line starts in the result: by a space, or by
    nothing where a word was cut at a hyphen or a slash inside a token ("1043/KH-" + "UBND",
    "20/8/" + "2021")."""
    out = ""
    starts: list[int] = []
    for part in parts:
        part = part.strip()
        if not out:
            starts.append(0)
            out = part
        elif not part:
            starts.append(len(out))
        elif out[-1] in "-/" and len(out) >= 2 and not out[-2].isspace() and part[0].isalnum():
            starts.append(len(out))
            out += part
        else:
            starts.append(len(out) + 1)
            out += " " + part
    return out, starts


def join_texts(parts: list[str]) -> str:
    """:func:`join_lines` without the starts."""
    return join_lines(parts)[0]


# ------------------------------------------------------------------------------ geometry


def column_breaks(gaps: list[float], size: float) -> list[int]:
    """Where a printed line is cut into segments: the indexes of the gaps (between word ``i`` and
    ``i + 1``) that are column gaps, not word spaces."""
    usual = statistics.median(gaps) if len(gaps) >= 3 else None
    out = []
    for i, gap in enumerate(gaps):
        if gap > COLUMN_GAP * size:
            out.append(i)
        elif usual is not None and gap > RELATIVE_COLUMN_GAP * max(usual, 0.1 * size) and gap > MIN_COLUMN_GAP * size:
            out.append(i)
    return out


def _rows(lines: list[Line]) -> list[list[Line]]:
    """Lines grouped into printed rows (vertical overlap), each row left to right."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda ln: (ln.top, ln.x0)):
        if rows:
            last = rows[-1]
            top = min(ln.top for ln in last)
            bottom = max(ln.bottom for ln in last)
            height = max(1e-6, min(bottom - top, line.bottom - line.top))
            overlap = min(bottom, line.bottom) - max(top, line.top)
            if overlap > 0.5 * height:
                last.append(line)
                continue
        rows.append([line])
    for row in rows:
        row.sort(key=lambda ln: ln.x0)
    return rows


def _row_line(row: list[Line]) -> Line:
    """A printed row as one line: itself, or, when it holds segments side by side (a table set
    out with spaces, a signature block beside "Nơi nhận"), a table row of them."""
    if len(row) == 1:
        return row[0]
    return Line(CELL_SEPARATOR.join(ln.text for ln in row), _union(row), row[0].size, row[0].bold, "table_row")


def _union(lines: list[Line]) -> tuple[float, float, float, float] | None:
    boxes = [ln.bbox for ln in lines if ln.bbox is not None]
    if not boxes:
        return None
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _size(line: Line) -> float:
    return line.size or max(1.0, line.bottom - line.top)


def _lead(line: Line) -> float:
    """Room the line's first word and a space before it take: measured by the reader, or
    estimated from the line's mean character width."""
    width = line.lead if line.lead is not None else len(_first_word(line.text)) * _char_width(line)
    return width + 0.25 * _size(line)


def _char_width(line: Line) -> float:
    n = len(line.text)
    return (line.x1 - line.x0) / n if n else 0.5 * _size(line)


def _header_zone(rows: list[list[Line]], width: float) -> tuple[int, float] | None:
    """Rows at the top of a first page that form the two-column official header: how many, and
    the x that divides the columns. None when the page does not start that way."""
    voc = vocabulary()
    split = None
    count = 0
    for i, row in enumerate(rows[:14]):
        left = [ln for ln in row if (ln.x0 + ln.x1) / 2 < width / 2]
        right = [ln for ln in row if (ln.x0 + ln.x1) / 2 >= width / 2]
        if left and right:
            gap_x0 = max(ln.x1 for ln in left)
            gap_x1 = min(ln.x0 for ln in right)
            if gap_x1 > gap_x0:
                mid = (gap_x0 + gap_x1) / 2
                split = mid if split is None else (split + mid) / 2
                count = i + 1
                continue
        if split is None:
            if i >= 3:
                return None
            continue
        # a row on one side of the split belongs to the zone; one across the split, or one
        # centred on the page (the kind line), ends it
        centred = len(row) == 1 and abs((row[0].x0 + row[0].x1) / 2 - width / 2) < PAGE_CENTRE * width
        if not centred and all(ln.x1 <= split + 2 or ln.x0 >= split - 2 for ln in row):
            count = i + 1
            continue
        break
    if split is None or count == 0:
        return None
    if not looks_like_header("\n".join(ln.text for row in rows[:count] for ln in row)):
        return None
    return count, split


def looks_like_header(text: str) -> bool:
    """Whether a piece of text holds the lines of an official header (motto, number line or
    place-and-date line)."""
    voc = vocabulary()
    lines = [line.strip() for line in text.split("\n")]
    return bool(voc.motto.search(text) or any(voc.number.match(line) for line in lines)
                or voc.place_date.search(text))


def header_role(text: str, column: int) -> str:
    """The part of the official header a line holds, from its wording and its column."""
    voc = vocabulary()
    if voc.motto.search(text) or voc.rule.fullmatch(text):
        return "motto"
    if voc.number.match(text):
        return "number"
    if voc.place_date.search(text):
        return "place_date"
    if voc.subject.match(text):
        return "title"
    return "issuer" if column == 0 else "motto"


def _header_drafts(lines: list[Line], page: int | None) -> list[Draft]:
    """Header lines (one column, top to bottom) as header blocks; a line starting in lower case
    continues the one before (a long "V/v" subject, a long unit name)."""
    drafts: list[Draft] = []
    for line in lines:
        text = line.text.strip()
        if not text:
            continue
        if drafts and text[0].islower() and drafts[-1].role in ("title", "issuer"):
            drafts[-1].lines.append(line)
            continue
        drafts.append(Draft("header", [line], page, role=header_role(text, line.column or 0)))
    return drafts


# ------------------------------------------------------------------------------ joining


@dataclass
class _Column:
    """Measures of a page's body column, for the join decision."""

    left: float
    right: float
    pitch: float


def _column(lines: list[Line], width: float | None = None) -> _Column | None:
    """The body column of a page: its left edge, its right edge (the rightmost line end, and at
    least the page width less the left margin, so that a page of short lines is not taken for a
    narrow column) and the usual line pitch."""
    boxed = [ln for ln in lines if ln.bbox is not None and ln.kind is None and ln.text.strip()]
    if not boxed:
        return None
    left = min(ln.x0 for ln in boxed)
    right = max(ln.x1 for ln in boxed)
    if width:
        right = max(right, width - left)
    pitches = [b.top - a.top for a, b in zip(boxed, boxed[1:])
               if 0 < b.top - a.top and abs(_size(a) - _size(b)) <= SIZE_TOLERANCE]
    pitch = statistics.median(sorted(pitches)[: max(1, len(pitches) * 3 // 4)]) if pitches else 0.0
    return _Column(left, right, pitch)


def _centred(line: Line, column: _Column) -> bool:
    margin_left = line.x0 - column.left
    margin_right = column.right - line.x1
    size = _size(line)
    return margin_left > 2 * size and margin_right > 2 * size and abs(margin_left - margin_right) < 2.5 * size


def _soft_break_geometry(prev: Line, nxt: Line, column: _Column, *, new_page: bool = False) -> bool:
    """Whether the break between two printed lines is soft (the paragraph goes on)."""
    if not _joinable_text(prev.text, nxt.text):
        return False
    size = _size(prev)
    if abs(size - _size(nxt)) > SIZE_TOLERANCE:
        return False
    if prev.bold is not None and nxt.bold is not None and prev.bold != nxt.bold:
        return False
    if not new_page:
        if nxt.top < prev.top:  # a new column or a jump back: not the next line of this paragraph
            return False
        if column.pitch and nxt.top - prev.top > PITCH_RATIO * column.pitch:
            return False
        if nxt.top - prev.bottom > BLANK_LINE * size:
            return False  # a blank line's worth of space between them
    if nxt.x0 > prev.x0 + INDENT_RATIO * size and nxt.x0 > column.left + INDENT_RATIO * size \
            and not nxt.text[:1].islower():
        return False  # the next line is indented (and does not start in lower case): a new paragraph
    if nxt.text[:1].islower():
        return True  # paragraphs, items and headings start with a capital, a digit or a marker
    return column.right - prev.x1 < _lead(nxt) + FILL_SLACK * size


@dataclass
class _Wrap:
    """Plain text wrapped at a fixed width: the width, in characters."""

    width: int


def _wrap_of(texts: list[str]) -> _Wrap | None:
    """The wrap width of a plain text, when it is visibly wrapped at a fixed width (else None):
    no line longer than the width, and most of the long lines ending where the next line's first
    word would not have fitted (the mark of a line filled by the producer, not ended by the writer)."""
    lines = [t for t in texts if t.strip()]
    if len(lines) < MIN_WRAPPED_LINES:
        return None
    width = max(len(t) for t in lines)
    if not MIN_WRAP_WIDTH <= width <= MAX_WRAP_WIDTH:
        return None
    pairs = [(a, b) for a, b in zip(lines, lines[1:]) if len(a) >= 0.6 * width and CELL_SEPARATOR not in a]
    filled = [a for a, b in pairs if len(a) + 1 + len(_first_word(b)) > width]
    if len(filled) < MIN_WRAPPED_LINES or len(filled) < WRAP_SHARE * len(pairs):
        return None
    return _Wrap(width)


def _soft_break_text(prev: str, nxt: str, wrap: _Wrap) -> bool:
    if not _joinable_text(prev, nxt):
        return False
    return len(prev) + 1 + len(_first_word(nxt)) > wrap.width


# ------------------------------------------------------------------------------ classifying


def classify(draft: Draft) -> None:
    """Kind, marker and level of a body block, from its first line."""
    if draft.kind != "paragraph":
        return
    text = draft.lines[0].text.strip()
    found = marker_of(text)
    voc = vocabulary()
    if voc.heading_marker.match(text):
        draft.kind = "heading"
        draft.level = 1
        return
    if found is not None:
        mark, level = found
        draft.marker, draft.level = mark, level
        whole = join_texts([ln.text for ln in draft.lines])
        bold = all(ln.bold for ln in draft.lines) if all(ln.bold is not None for ln in draft.lines) else False
        draft.kind = "heading" if (level == 1 or bold or is_upper(whole)) and len(whole) < 200 else "list_item"
        return
    whole = join_texts([ln.text for ln in draft.lines])
    if is_upper(whole) and len(whole) < 200:
        draft.kind = "heading"


def _furniture(pages: list[list[Draft]]) -> None:
    """Mark page numbers and running headers/footers: the first or last block of a page that is
    a page number, or whose text (digits aside) recurs at that end of the pages."""
    if len(pages) < 2:
        return
    voc = vocabulary()

    def key(d: Draft) -> str:
        return re.sub(r"\d+", "#", join_texts([ln.text for ln in d.lines])).strip().lower()

    numbered = _page_numbers(pages, voc.page_number)
    for end, kind in ((0, "page_header"), (-1, "page_footer")):
        ends = [page[end] for page in pages if page]
        counts: dict[str, int] = {}
        for d in ends:
            counts[key(d)] = counts.get(key(d), 0) + 1
        needed = 2 if len(pages) <= 3 else max(2, len(pages) // 2)
        for d in ends:
            if d.kind not in ("paragraph", "heading", "list_item") or len(d.lines) > 2:
                continue
            text = join_texts([ln.text for ln in d.lines])
            if id(d) in numbered:
                d.kind, d.marker, d.level, d.role = "page_number", None, None, None
            elif counts.get(key(d), 0) >= needed and len(text) < 160:
                d.kind, d.marker, d.level, d.role = kind, None, None, None


def _page_numbers(pages: list[list[Draft]], pattern: re.Pattern[str]) -> set[int]:
    """The first or last blocks of pages that are their page numbers: the number must follow the
    page order (its page's index plus an offset that at least two pages share, or the index
    itself), so a table's row number "1" alone at a page's edge stays in the text."""
    found: list[tuple[Draft, int]] = []
    for index, page in enumerate(pages, start=1):
        for d in {id(x): x for x in (page[:1] + page[-1:])}.values():
            text = join_texts([ln.text for ln in d.lines])
            if len(d.lines) <= 2 and pattern.fullmatch(text):
                digits = re.findall(r"\d+", text)
                found.append((d, int(digits[0]) - index if digits else 0))
    offsets: dict[int, int] = {}
    for _, offset in found:
        offsets[offset] = offsets.get(offset, 0) + 1
    return {id(d) for d, offset in found if offset == 0 or offsets[offset] >= 2}


# ------------------------------------------------------------------------------ pages


def _page_drafts(lines: list[Line], page: int | None, size: PageSize | None, first: bool) -> list[Draft]:
    """The blocks of one page, in reading order, before furniture and cross-page joins."""
    drafts: list[Draft] = []
    geometric = size is not None and any(ln.bbox is not None for ln in lines)
    body = list(lines)
    if geometric:
        rows = _rows([ln for ln in lines if ln.text.strip()])
        zone = _header_zone(rows, size.width) if first else None
        if zone is not None:
            count, split = zone
            head = [ln for row in rows[:count] for ln in row]
            left = [Line(ln.text, ln.bbox, ln.size, ln.bold, "header", 0) for ln in head if ln.x1 <= split + 2]
            right = [Line(ln.text, ln.bbox, ln.size, ln.bold, "header", 1) for ln in head if ln.x1 > split + 2]
            drafts += _header_drafts(left, page) + _header_drafts(right, page)
            rows = rows[count:]
        body = [_row_line(row) for row in rows]
    header_lines = [ln for ln in body if ln.kind == "header"]
    if header_lines:
        by_column: dict[int, list[Line]] = {}
        for ln in header_lines:
            by_column.setdefault(ln.column or 0, []).append(ln)
        for col in sorted(by_column):
            drafts += _header_drafts(by_column[col], page)
        body = [ln for ln in body if ln.kind != "header"]
    column = _column(body, size.width if size else None) if geometric else None
    wrap = _wrap_of([ln.text for ln in body if ln.kind is None]) if not geometric else None
    blank = False
    for line in body:
        text = line.text.strip()
        if not text:
            blank = True
            continue
        if line.kind == "table_row":
            drafts.append(Draft("table_row", [line], page, blank_before=blank))
        elif line.kind == "paragraph" or (not geometric and wrap is None):
            drafts.append(Draft("paragraph", [line], page, blank_before=blank))
        else:
            prev = drafts[-1] if drafts and not blank else None
            last = prev.lines[-1] if prev is not None and prev.kind == "paragraph" and prev.lines[-1].kind is None else None
            if last is not None and column is not None and _centred(last, column) and _centred(line, column):
                if _centred_continues(last, line, column):
                    prev.lines.append(line)  # a centred heading or title over several lines
                else:
                    drafts.append(Draft("paragraph", [line], page, blank_before=blank))
            elif last is not None and column is not None and not _centred(last, column) \
                    and _soft_break_geometry(last, line, column):
                prev.lines.append(line)
            elif last is not None and wrap is not None and _soft_break_text(last.text, text, wrap):
                prev.lines.append(line)
            else:
                drafts.append(Draft("paragraph", [line], page, blank_before=blank))
        blank = False
    for d in drafts:
        classify(d)
    if column is not None:
        _centred_roles(drafts, column, first)
    return drafts


def _centred_continues(prev: Line, nxt: Line, column: _Column) -> bool:
    """Whether a centred line goes on in the next centred line (a title over several lines): the
    same style and pitch, and either the next line starts in lower case (it cannot begin a
    heading of its own) or the line was full (the next word would not have fitted across the
    column). Centred header lines in capitals ("ỦY BAN NHÂN DÂN" / "TỈNH QUẢNG BÌNH") stay apart."""
    if not _same_style(prev, nxt) or not _joinable_text(prev.text, nxt.text):
        return False
    if column.pitch and nxt.top - prev.top > PITCH_RATIO * column.pitch:
        return False
    if nxt.text[:1].islower():
        return True
    return (prev.x1 - prev.x0) + _lead(nxt) > (column.right - column.left) - FILL_SLACK * _size(prev)


@lru_cache(maxsize=1)
def _kind_names() -> tuple[str, ...]:
    return tuple(sorted({kind.name.upper() for kind in language_vocabulary().kinds}, key=len, reverse=True))


def is_kind_line(text: str) -> bool:
    """A document's kind line: the name of a kind of document in capitals ("KẾ HOẠCH",
    "QUYẾT ĐỊNH"), alone on its line (a few words may follow, "KẾ HOẠCH LIÊN TỊCH")."""
    words = text.strip(" :.").upper().split()
    joined = " ".join(words)
    return len(words) <= 6 and any(joined == name or joined.startswith(name + " ") for name in _kind_names())


def _same_style(a: Line, b: Line) -> bool:
    return abs(_size(a) - _size(b)) <= SIZE_TOLERANCE and a.bold == b.bold and is_upper(a.text) == is_upper(b.text)


def _centred_roles(drafts: list[Draft], column: _Column, first: bool) -> None:
    """On a first page: the centred kind line ("KẾ HOẠCH", "QUYẾT ĐỊNH") among the first blocks,
    and the centred blocks right under it in its style, its title."""
    if not first:
        return
    for i, d in enumerate(drafts[:16]):
        if d.kind == "header" or not d.lines or d.lines[0].bbox is None:
            continue
        text = join_texts([ln.text for ln in d.lines])
        if not (_centred(d.lines[0], column) and is_upper(text) and is_kind_line(text)):
            continue
        d.kind, d.role, d.marker, d.level = "heading", "kind", None, None
        style = None
        for nxt in drafts[i + 1:]:
            line = nxt.lines[0]
            if line.bbox is None or not _centred(line, column) or nxt.kind == "table_row":
                break
            if style is not None and not _same_style(style, line):
                break
            style = line
            nxt.kind, nxt.role, nxt.marker, nxt.level = "heading", "title", None, None
        return


def layout(pages: list[list[Line]], sizes: list[PageSize] | None, paged: bool) -> list[list[Draft]]:
    """Blocks of every page, furniture marked, paragraphs that run on across pages joined."""
    out: list[list[Draft]] = []
    first_done = False
    for index, lines in enumerate(pages):
        size = sizes[index] if sizes and index < len(sizes) else None
        number = index + 1 if paged else None
        first = not first_done and any(ln.text.strip() for ln in lines)
        out.append(_page_drafts(lines, number, size, first))
        first_done = first_done or first
    if paged:
        _furniture(out)
    _drop_chrome(out)
    if paged:
        _join_across_pages(out, sizes)
    return out


def _drop_chrome(pages: list[list[Draft]]) -> None:
    """Web-site chrome (:mod:`pipeline.ingest.chrome`) out of every format's blocks: chrome
    blocks dropped, and everything from a "Tin tức khác"-style tail on."""
    order = [(p, d) for p, drafts in enumerate(pages) for d in drafts if d.kind != "header"]
    dropped, tail = chrome_cut([join_texts([ln.text for ln in d.lines]) for _, d in order])
    gone = {id(d) for (_, d), drop in zip(order, dropped) if drop} | {id(d) for _, d in order[tail:]}
    if gone:
        for drafts in pages:
            drafts[:] = [d for d in drafts if id(d) not in gone]


def _join_across_pages(pages: list[list[Draft]], sizes: list[PageSize] | None) -> None:
    """A paragraph whose last line fills the column and whose continuation starts the next page's
    body (after its running header or page number) is one paragraph: its later lines move up."""
    for index in range(len(pages) - 1):
        here, there = pages[index], pages[index + 1]
        body_here = [d for d in here if d.kind not in ("page_number", "page_header", "page_footer")]
        body_there = [d for d in there if d.kind not in ("page_number", "page_header", "page_footer")]
        if not body_here or not body_there:
            continue
        last, nxt = body_here[-1], body_there[0]
        if last.kind not in ("paragraph", "list_item") or nxt.kind != "paragraph" or nxt.blank_before:
            continue
        prev_line, next_line = last.lines[-1], nxt.lines[0]
        if prev_line.bbox is not None and next_line.bbox is not None and sizes:
            column_here = _column([ln for d in body_here for ln in d.lines if d.kind in ("paragraph", "list_item")])
            if column_here is None or not _soft_break_geometry(prev_line, next_line, column_here, new_page=True):
                continue
        elif prev_line.bbox is None:
            continue
        if not last.pages:
            last.pages = [last.page] * len(last.lines)
        last.lines.extend(nxt.lines)
        last.pages.extend([nxt.page] * len(nxt.lines))
        there.remove(nxt)
        # the page's footer and number now come before the paragraph that runs on, so that every
        # block stays on the page where its text starts
        at = here.index(last)
        trailing = here[at + 1:]
        here[at:] = [*trailing, last]
