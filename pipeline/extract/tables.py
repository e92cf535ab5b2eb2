"""Tables in the text: consecutive lines whose cells are separated by " | " (how the DOCX and
PDF readers lay out table rows). Each cell keeps its span of the normalised text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..model import Document

SEPARATOR = " | "


@dataclass(frozen=True)
class Cell:
    start: int
    end: int
    text: str


@dataclass
class Table:
    rows: list[list[Cell]]

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


def _cells(line: re.Match[str]) -> list[Cell]:
    cells, pos = [], line.start()
    for part in line.group(0).split(SEPARATOR):
        lead = len(part) - len(part.lstrip())
        cells.append(Cell(pos + lead, pos + len(part.rstrip()), part.strip()))
        pos += len(part) + len(SEPARATOR)
    return cells


def find_tables(doc: Document) -> list[Table]:
    tables: list[Table] = []
    current: list[list[Cell]] = []
    last_end = -2
    for line in re.finditer(r"[^\n]+", doc.text):
        if SEPARATOR in line.group(0):
            if current and line.start() != last_end + 1:
                tables.append(Table(current))
                current = []
            current.append(_cells(line))
            last_end = line.end()
    if current:
        tables.append(Table(current))
    return tables


def tables_of(doc: Document) -> list[Table]:
    return doc.derived("tables", find_tables)
