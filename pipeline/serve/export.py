"""CSV export of a search: one row per hit, the columns downstream spreadsheets need.

UTF-8 with a byte order mark (so that spreadsheet programs read the Vietnamese right), CRLF
line ends (RFC 4180). ``needs_review`` lists ``field: reason`` pairs separated by ``; ``. A
cell that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``@``, a tab or a
carriage return) gets a leading ``'``.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from .search import Page

CSV_COLUMNS = ("record_id", "filename", "record_path", "status", "kind", "number", "issued_on", "issuer", "province",
               "title", "period", "needs_review", "reviewed", "changed_at", "match", "exact")
BOM = "\ufeff"
_FORMULA = ("=", "+", "@", "\t", "\r")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    text = str(value)
    return "'" + text if text.startswith(_FORMULA) else text


def csv_text(page: Page, bom: bool = True) -> str:
    """The hits of ``page`` as CSV, header first."""
    buf = io.StringIO()
    if bom:
        buf.write(BOM)
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for hit in page.hits:
        row = hit.to_dict()
        row["needs_review"] = "; ".join(f"{r['field']}: {r['reason']}" for r in row["needs_review"])
        writer.writerow([_cell(row.get(c)) for c in CSV_COLUMNS])
    return buf.getvalue()
