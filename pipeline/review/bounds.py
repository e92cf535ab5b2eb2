"""Bounds an edited record must keep, beyond the record schema: evidence inside the text and
the document, and values of a sensible size.

* every evidence object: integer offsets with ``0 <= start <= end <= len(text)``, a non-empty
  quote, and a ``page`` within the document's pages (``null`` or 1 for a document without
  pages, such as a text file);
* every value a reviewer added or replaced: at most :data:`MAX_EDITED_CHARS` characters of JSON.
"""

from __future__ import annotations

import json
from typing import Any

from ..record.schema import iter_evidence
from .errors import Problem
from .patch import make_patch, parse_pointer

#: Longest value (as JSON) a reviewer may put into a record in one place.
MAX_EDITED_CHARS = 20_000


def evidence_problems(file: str, record: dict[str, Any]) -> list[Problem]:
    """Evidence of ``record`` that points outside its text or its pages."""
    text = record.get("text") if isinstance(record.get("text"), str) else ""
    source = record.get("source") if isinstance(record.get("source"), dict) else {}
    pages = source.get("pages")
    out = []
    for path, ev in iter_evidence(record):
        start, end, quote, page = ev.get("start"), ev.get("end"), ev.get("quote"), ev.get("page")
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in (start, end)):
            out.append(Problem(file, path, "start and end must be whole numbers"))
            continue
        if not 0 <= start <= end <= len(text):
            out.append(Problem(file, path, f"offsets {start}..{end} are outside the text (0..{len(text)}, start <= end)"))
        elif not quote:
            out.append(Problem(file, path, "the quote is empty: select the words that support the value"))
        if page is not None:
            last = pages if isinstance(pages, int) and pages > 0 else 1
            if not isinstance(page, int) or isinstance(page, bool) or not 1 <= page <= last:
                out.append(Problem(file, path, f"page {page!r} is not a page of the document (1..{last})"))
    return out


def size_problems(file: str, base: Any, edited: Any) -> list[Problem]:
    """Values added or replaced in ``edited`` (against ``base``) longer than the limit."""
    out = []
    for op in make_patch(base, edited):
        if op["op"] not in ("add", "replace"):
            continue
        size = len(json.dumps(op["value"], ensure_ascii=False))
        if size > MAX_EDITED_CHARS:
            path = "$" + "".join(f"[{t}]" if t.isdigit() else f".{t}" for t in parse_pointer(op["path"]))
            out.append(Problem(file, path, f"the new value is {size:,} characters long, over the limit of "
                                           f"{MAX_EDITED_CHARS:,}"))
    return out
