"""Small helpers shared by the test modules."""

from __future__ import annotations

import hashlib
from typing import Any

from pipeline.core.model import Document, RawDocument, SourceInfo
from pipeline.extract import run_extractors
from pipeline.extract.resolve import resolve
from pipeline.ingest.normalize import build_document
from pipeline.record.build import build_record
from pipeline.record.schema import iter_evidence


def make_doc(text: str, filename: str = "test.txt") -> Document:
    data = text.encode()
    source = SourceInfo(filename, hashlib.sha256(data).hexdigest(), "text/plain", len(data))
    return build_document(RawDocument([text], "text/plain", paged=False), source)


def record_for(text: str) -> dict[str, Any]:
    doc = make_doc(text)
    results, errors = run_extractors(doc)
    assert errors == []
    return build_record(doc, resolve(doc, results), results, errors)


def assert_grounded(record: dict[str, Any]) -> int:
    """Every evidence object quotes the record text exactly; returns how many there are."""
    n = 0
    for path, ev in iter_evidence(record):
        assert record["text"][ev["start"]:ev["end"]] == ev["quote"], path
        n += 1
    return n
