"""Tables in the text: consecutive lines laid out as table rows, cells joined by " | " (how
the PDF and DOCX readers write table rows). Each cell keeps its span of the normalised text.

An empty cell reads as nothing between two separators; normalisation squeezes its spaces, so
"a | | b" is three cells, the middle one empty. A table copied from a web page or laid out by
a PDF producer may come one cell per line instead: a header that opens with the row-number
column ("TT", "STT") and a few short header cells, then rows that each open with their number
(1, 2, 3 ...) and have as many cells as the header; such a table is read the same way. A table's title is the line just above it
("PHỤ LỤC I ... CHỈ TIÊU ..."), skipping notes in between ("(Kèm theo Kế hoạch số ...)",
"(Đơn vị tính: ...)").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..core.model import CELL_SEPARATOR, Document, Evidence
from . import register
from .values import Item

# A separator is a "|" with a space (or the line's edge) on both sides.
_SEPARATOR = re.compile(r"(?:(?<= )|^)\|(?= |$)", re.MULTILINE)
_LINE = re.compile(r"[^\n]+")
# Notes between a title and its table: "(Đơn vị tính: triệu đồng)", "(Kèm theo Kế hoạch số ...)".
_NOTE = re.compile(r"^\(?\s*(?:đơn vị(?: tính)?\s*:|(?:ban hành )?kèm theo\s)", re.IGNORECASE)
MAX_TITLE_CHARS = 300


@dataclass(frozen=True)
class Cell:
    start: int
    end: int
    text: str


@dataclass
class Table:
    rows: list[list[Cell]]
    title: Cell | None = None

    @property
    def start(self) -> int:
        return self.rows[0][0].start

    @property
    def end(self) -> int:
        return self.rows[-1][-1].end

    def column(self, pattern: str) -> int | None:
        """Index of the first header cell matching ``pattern`` (case-insensitive)."""
        for i, cell in enumerate(self.rows[0]):
            if re.search(pattern, cell.text, re.IGNORECASE):
                return i
        return None


def is_row(line: str, after_row: bool = True) -> bool:
    """True for a line laid out as a table row.

    A row of two cells, one empty, has a separator only at its edge ("| b", "a |"); it counts
    only right after another row, since a stray bar at a line's edge is common noise.
    """
    return CELL_SEPARATOR in line or (after_row and (line.startswith("| ") or line.endswith(" |")))


def row_cells(text: str, start: int, end: int) -> list[Cell]:
    """The cells of the row ``text[start:end]``, each trimmed to its text."""
    bounds = [start] + [x for m in _SEPARATOR.finditer(text, start, end) for x in (m.start(), m.end())] + [end]
    cells = []
    for a, b in zip(bounds[::2], bounds[1::2]):
        while a < b and text[a].isspace():
            a += 1
        while b > a and text[b - 1].isspace():
            b -= 1
        cells.append(Cell(a, b, text[a:b]))
    return cells


def _title(doc: Document, table_start: int) -> Cell | None:
    """The line above the table (skipping up to two notes), when it is not a row itself."""
    text = doc.text
    end = table_start - 1
    for _ in range(3):
        if end <= 0:
            return None
        start = text.rfind("\n", 0, end) + 1
        line = text[start:end].strip()
        if not line or is_row(line) or len(line) > MAX_TITLE_CHARS:
            return None
        if not _NOTE.match(line):
            lead = len(text[start:end]) - len(text[start:end].lstrip())
            return Cell(start + lead, start + lead + len(line), line)
        end = start - 1
    return None


def find_tables(doc: Document) -> list[Table]:
    tables: list[Table] = []
    current: list[list[Cell]] = []
    last_end = -2
    for line in _LINE.finditer(doc.text):
        if not is_row(line.group(0), after_row=bool(current) and line.start() == last_end + 1):
            continue
        if current and line.start() != last_end + 1:
            tables.append(Table(current))
            current = []
        current.append(row_cells(doc.text, line.start(), line.end()))
        last_end = line.end()
    if current:
        tables.append(Table(current))
    tables += find_cell_tables(doc, [(t.start, t.end) for t in tables])
    tables.sort(key=lambda t: t.start)
    for table in tables:
        table.title = _title(doc, table.start)
    return tables


_NUMBER_COLUMN = re.compile(r"(?:S\.?\s?)?TT|Số TT", re.IGNORECASE)
_MAX_HEADER_CELL = 60
_SHORT_CELL = 24  # a unit or a value cell


def _cell_lines(text: str, start: int, end: int) -> list[Cell]:
    """The non-blank lines of ``text[start:end]`` as cells."""
    return [Cell(m.start() + len(m.group(0)) - len(m.group(0).lstrip()), m.end() - len(m.group(0)) + len(m.group(0).rstrip()),
                 m.group(0).strip()) for m in _LINE.finditer(text, start, end) if m.group(0).strip()]


def _joined(cells: list[Cell]) -> Cell:
    """Cells of one wrapped cell as one."""
    return Cell(cells[0].start, cells[-1].end, " ".join(c.text for c in cells))


def _header(lines: list[Cell], i: int) -> tuple[list[Cell], int]:
    """The header cells from the row-number column at ``i`` up to the first row's number; a cell
    wrapped over lines (the next line goes on in small letters or with a digit, or the line
    ends with a dash) is joined."""
    header = [lines[i]]
    j = i + 1
    while j < len(lines) and lines[j].text != "1" and len(lines[j].text) <= _MAX_HEADER_CELL and \
            not lines[j].text.endswith((".", ";", ":")) and len(header) < 8:
        if len(header) > 1 and (lines[j].text[:1].islower() or lines[j].text[:1].isdigit()
                                or header[-1].text.endswith(("-", "–"))):
            header[-1] = _joined([header[-1], lines[j]])
        else:
            header.append(lines[j])
        j += 1
    return header, j


def _row(lines: list[Cell], j: int, width: int) -> tuple[list[Cell], int] | None:
    """A row from its number at ``j``: the number, the second cell over as many lines as it wraps
    (up to the first short line: a unit or a value), then one line per remaining cell."""
    if j >= len(lines):
        return None
    k = j + 1
    while k < len(lines) and (k == j + 1 or len(lines[k].text) > _SHORT_CELL) and not re.fullmatch(r"\d{1,2}\.?", lines[k].text):
        k += 1
    rest = lines[k:k + width - 2]
    if k == j + 1 or len(rest) < width - 2 or any(len(c.text) > _SHORT_CELL for c in rest):
        return None
    return [lines[j], _joined(lines[j + 1:k]), *rest], k + width - 2


def find_cell_tables(doc: Document, taken: list[tuple[int, int]]) -> list[Table]:
    """Tables laid out one cell per line (see the module's docstring)."""
    text = doc.text
    lines = _cell_lines(text, 0, len(text))
    out: list[Table] = []
    i = 0
    while i < len(lines):
        first = lines[i]
        if not _NUMBER_COLUMN.fullmatch(first.text) or any(a <= first.start < b for a, b in taken):
            i += 1
            continue
        header, j = _header(lines, i)
        width = len(header)
        rows: list[list[Cell]] = []
        while width >= 3 and j < len(lines) and re.fullmatch(rf"{len(rows) + 1}\.?", lines[j].text):
            found = _row(lines, j, width)
            if found is None or any(is_row(c.text) for c in found[0]):
                break
            rows.append(found[0])
            j = found[1]
        if rows:
            out.append(Table([header, *rows]))
            i = j
        else:
            i += 1
    return out


def tables_of(doc: Document) -> list[Table]:
    return doc.derived("tables", find_tables)


@dataclass
class TableValue(Item):
    """A table as structured rows: every cell with its evidence; the title above it, if any."""

    title: dict[str, object] | None
    rows: list[list[dict[str, object]]]
    evidence: Evidence


def _cell_value(doc: Document, cell: Cell) -> dict[str, object]:
    """A cell's text (a cell wrapped over lines joined by spaces) and the span it covers."""
    return {"text": cell.text, "evidence": doc.evidence(cell.start, cell.end).to_dict()}


@register("tables")
def extract_tables(doc: Document) -> list[TableValue]:
    """Every table of the document, row by row."""
    out = []
    for table in tables_of(doc):
        rows = [[_cell_value(doc, cell) for cell in row] for row in table.rows]
        title = _cell_value(doc, table.title) if table.title else None
        out.append(TableValue(title, rows, doc.evidence(table.start, table.end)))
    return out
