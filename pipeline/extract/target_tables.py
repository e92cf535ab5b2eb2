"""Targets stated in tables: "PHỤ LỤC I: CÁC CHỈ TIÊU ..." appendices and the like.

A target table has a title or header that speaks of targets ("chỉ tiêu", "mục tiêu", "kế
hoạch"), an indicator column ("Chỉ tiêu", "Nội dung") and value columns: one per year
("Năm 2025", "Kế hoạch 2024") or one target column ("Mục tiêu đến năm 2025"). Baseline
columns ("Thực hiện năm 2020", "Ước thực hiện") and notes are skipped. Each numeric value cell
of a body row is one target, with the row's unit ("Đơn vị tính": "%" is percent, a measurement
unit such as "triệu đồng" is kept, a counted thing such as "HTX" is a count) and the
qualifier written in the cell ("≥ 95", "tối thiểu 20"). Its evidence runs from the indicator
cell to the value cell of the same row. The vocabulary is data: ``lang/vi/target_tables.json``.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass
from functools import lru_cache

from ..core.model import Document
from ..lang import check_regexes, load_json, vocabulary
from ..nlp.recognize import Mention
from . import mentions
from .tables import Cell, Table, tables_of
from .values import Target

VOCABULARY = "target_tables.json"
YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
_KEYS = ("table", "indicator_column", "unit_column", "value_column", "skip_column")


@lru_cache(maxsize=1)
def _vocabulary() -> dict[str, list[re.Pattern[str]]]:
    data = load_json(VOCABULARY, {key: list for key in _KEYS})
    return {key: check_regexes(VOCABULARY, data[key]) for key in _KEYS}


def _matches(key: str, text: str) -> bool:
    return any(p.search(text.strip()) for p in _vocabulary()[key])


@dataclass(frozen=True)
class Layout:
    """Which columns of a target table hold what; ``values`` maps a column to its year."""

    indicator: int
    unit: int | None
    values: dict[int, int | None]


def _title_year(table: Table) -> int | None:
    years = YEAR.findall(table.title.text) if table.title else []
    return int(years[-1]) if years else None


def layout(table: Table) -> Layout | None:
    """The column layout of a target table, or None when ``table`` is not one."""
    header = [cell.text for cell in table.rows[0]]
    title = table.title.text if table.title else ""
    if not (_matches("table", title) or any(_matches("table", h) for h in header)):
        return None
    indicator = next((i for i, h in enumerate(header) if _matches("indicator_column", h) and not YEAR.search(h)), None)
    if indicator is None:
        return None
    unit = next((i for i, h in enumerate(header) if i != indicator and _matches("unit_column", h)), None)
    values: dict[int, int | None] = {}
    for i, h in enumerate(header):
        if i in (indicator, unit) or not h or _matches("skip_column", h):
            continue
        years = YEAR.findall(h)
        if years:
            values[i] = int(years[-1])
        elif _matches("value_column", h):
            values[i] = _title_year(table)
    return Layout(indicator, unit, values) if values else None


def _unit(cell: Cell | None) -> str:
    """``percent`` for "%", a measurement unit of the vocabulary as written, else ``count``
    (a unit column naming what is counted, "HTX", "xã", counts it)."""
    text = (cell.text if cell else "").strip()
    if text in ("%", "tỷ lệ %") or text.lower() == "phần trăm":
        return "percent"
    for unit in vocabulary().units:
        if text.lower() == unit.lower():
            return unit
    return "count"


def _quantities(doc: Document) -> tuple[list[int], list[Mention]]:
    """Number and percent mentions in text order, with their starts (for bisection)."""
    found = sorted((m for m in mentions(doc) if m.label in ("NUMBER", "PERCENT")), key=lambda m: m.start)
    return [m.start for m in found], found


def _value(doc: Document, cell: Cell) -> tuple[float | int, str | None, int, bool] | None:
    """The number in a value cell: its value, the qualifier before it, its start, and whether it is a percent."""
    starts, quantities = doc.derived("quantities", _quantities)
    found = quantities[bisect.bisect_left(starts, cell.start):bisect.bisect_left(starts, cell.end)]
    if len(found) != 1:
        return None  # an empty cell, or a cell holding prose rather than a value
    m = found[0]
    lead = doc.text[cell.start:m.start].strip()
    return m.value, lead or None, m.start, m.label == "PERCENT"


def targets_from_table(doc: Document, table: Table, comparator_of) -> list[Target]:
    """The targets of one table (none when it is not a target table)."""
    cols = layout(table)
    if cols is None:
        return []
    out = []
    for row in table.rows[1:]:
        if cols.indicator >= len(row) or not row[cols.indicator].text:
            continue
        indicator = row[cols.indicator]
        if YEAR.fullmatch(indicator.text) or not re.search(r"[^\W\d_]", indicator.text):
            continue  # a second header row of years, or a bare number
        unit_cell = row[cols.unit] if cols.unit is not None and cols.unit < len(row) else None
        for i, year in cols.values.items():
            if i >= len(row):
                continue
            parsed = _value(doc, row[i])
            if parsed is None:
                continue
            value, qualifier, _, percent = parsed
            unit = "percent" if percent else _unit(unit_cell)
            comparator = comparator_of(qualifier) if qualifier else "eq"
            start, end = min(indicator.start, row[i].start), max(indicator.end, row[i].end)
            out.append(Target(year, value, None, unit, comparator, indicator.text, doc.evidence(start, end)))
    return out


def table_targets(doc: Document, comparator_of) -> tuple[list[Target], list[tuple[int, int]]]:
    """Targets from every target table, and the spans of those tables (for the sentence scan to skip)."""
    targets: list[Target] = []
    spans: list[tuple[int, int]] = []
    for table in tables_of(doc):
        found = targets_from_table(doc, table, comparator_of)
        if found:
            targets.extend(found)
            spans.append((table.start, table.end))
    return targets, spans
