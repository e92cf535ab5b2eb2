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


def _cell_lines(text: str, start: int, end: int) -> list[Cell]:
    """The non-blank lines of ``text[start:end]`` as cells."""
    return [Cell(m.start() + len(m.group(0)) - len(m.group(0).lstrip()), m.end() - len(m.group(0)) + len(m.group(0).rstrip()),
                 m.group(0).strip()) for m in _LINE.finditer(text, start, end) if m.group(0).strip()]


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
        header = [first]
        j = i + 1
        while j < len(lines) and lines[j].text != "1" and len(lines[j].text) <= _MAX_HEADER_CELL and \
                not lines[j].text.endswith((".", ";", ":")) and len(header) < 8:
            header.append(lines[j])
            j += 1
        width = len(header)
        rows: list[list[Cell]] = []
        while width >= 3 and j + width <= len(lines) and re.fullmatch(rf"{len(rows) + 1}\.?", lines[j].text):
            row = lines[j:j + width]
            if any(is_row(c.text) for c in row):
                break
            rows.append(row)
            j += width
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
    return {"text": cell.text, "evidence": Evidence(cell.start, cell.end, cell.text, doc.page_at(cell.start)).to_dict()}


@register("tables")
def extract_tables(doc: Document) -> list[TableValue]:
    """Every table of the document, row by row."""
    out = []
    for table in tables_of(doc):
        rows = [[_cell_value(doc, cell) for cell in row] for row in table.rows]
        title = _cell_value(doc, table.title) if table.title else None
        out.append(TableValue(title, rows, doc.evidence(table.start, table.end)))
    return out
