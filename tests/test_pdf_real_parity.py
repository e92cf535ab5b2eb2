"""The pdfium reading (the default) against the pdfplumber reading (the reference) on every real
PDF of ``../shared/realdocs`` that is present: the same records.

Two kinds of difference are allowed, both measured here:

* a line box may move by at most 0.15 pt: pdfium keeps a glyph's advance width in whole
  thousandths of an em where pdfminer keeps the file's fraction, so a box edge can round to the
  next tenth of a point;
* where pdfium places glyphs as they print and pdfminer does not (a font whose widths pdfminer
  misreads), the two texts hold the same characters, spaces and the " | " the layout puts
  between the pieces of a line pdfminer scattered aside, though pdfminer's may come in another
  order; the records then differ wherever the offsets moved, and the status must still agree.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from conftest import SHARED

from pipeline.ingest.limits import DEFAULT_LIMITS
from pipeline.run.process import process_bytes

REAL_PDFS = sorted((SHARED / "realdocs").glob("*.pdf")) if (SHARED / "realdocs").is_dir() else []
BOX_TOLERANCE = 0.15


def _differences(a: Any, b: Any, path: str = "$") -> list[str]:
    if isinstance(a, bool) or isinstance(b, bool) or type(a) is not type(b):
        return [] if a == b and type(a) is type(b) else [path]
    if isinstance(a, dict):
        return [d for key in set(a) | set(b) for d in _differences(a.get(key), b.get(key), f"{path}.{key}")]
    if isinstance(a, list):
        if len(a) != len(b):
            return [path]
        if path.endswith(".bbox") and all(isinstance(v, (int, float)) for v in a + b):
            return [] if all(abs(x - y) <= BOX_TOLERANCE for x, y in zip(a, b)) else [path]
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in _differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [path]


@pytest.mark.skipif(not REAL_PDFS, reason="../shared/realdocs is not available")
@pytest.mark.parametrize("path", REAL_PDFS, ids=[p.name[:40] for p in REAL_PDFS])
def test_real_pdf_records_match_the_reference(path: Path) -> None:
    data = path.read_bytes()
    no_ocr = replace(DEFAULT_LIMITS, ocr=False)  # the text layers are compared; OCR is the same code after
    fast = json.loads(json.dumps(process_bytes(data, path.name, no_ocr)))
    reference = json.loads(json.dumps(process_bytes(data, path.name, replace(no_ocr, pdf_text="pdfplumber"))))
    assert fast["status"] == reference["status"]
    if fast.get("text") != reference.get("text"):
        squeeze = lambda text: re.sub(r"[\s|]+", "", text or "")  # noqa: E731
        assert sorted(squeeze(fast.get("text"))) == sorted(squeeze(reference.get("text"))), "characters differ"
        return
    assert _differences(fast, reference) == []
