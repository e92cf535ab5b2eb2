"""Processing one file, as plain functions: bytes in, a validated record out.

``process_bytes`` never raises for a bad input: reading problems become a ``failed`` record
with a structured error, extractor crashes a ``partial`` one. Only a record that breaks the
schema (a pipeline bug) raises.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ..core.model import SourceInfo
from ..core.timing import stage
from ..errors import EmptyDocument, PipelineError, SchemaValidationError
from ..extract import run_extractors
from ..extract.resolve import resolve
from ..ingest.limits import DEFAULT_LIMITS, Limits
from ..ingest.normalize import build_document
from ..ingest.readers import read_bytes
from ..record.build import build_record, failure_record
from ..record.schema import validate


def source_info(data: bytes, filename: str, media_type: str | None = None, pages: int | None = None) -> SourceInfo:
    return SourceInfo(filename=filename, sha256=hashlib.sha256(data).hexdigest(), media_type=media_type or "application/octet-stream",
                      size=len(data), pages=pages)


def process_bytes(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Read, normalise, extract, resolve and validate one input file's bytes.

    Each step is a stage of :mod:`pipeline.core.timing` (``read``, ``normalise``, ``extract`` with
    ``tokenise`` inside it, ``resolve``, ``validate``), timed only when timing is on.
    """
    try:
        with stage("read"):
            raw = read_bytes(data, filename, limits)
            source = source_info(data, filename, raw.media_type, len(raw.pages) if raw.paged else None)
        with stage("normalise"):
            doc = build_document(raw, source)
        if not doc.text.strip():
            raise EmptyDocument(f"{filename!r} holds no text after normalisation")
    except PipelineError as exc:
        record = failure_record(source_info(data, filename), [exc.to_dict()])
        with stage("validate"):
            validate(record)
        return record
    with stage("extract"):
        results, errors = run_extractors(doc)
    with stage("resolve"):
        record = build_record(doc, resolve(doc, results), results, errors)
    with stage("validate"):
        try:
            validate(record)
        except SchemaValidationError as exc:  # a pipeline bug: this document fails, the batch goes on
            record = failure_record(source, [exc.to_dict()])
            validate(record)
    return record


def process_path(path: Path, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """Process one file on disk; unreadable files give a ``failed`` record too."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        record = failure_record(source_info(b"", path.name), [{
            "code": "io_error", "stage": "read", "message": f"cannot read {path}: {exc}",
            "exception": type(exc).__name__, "hint": "Check that the file exists and is readable.",
        }])
        validate(record)
        return record
    return process_bytes(data, path.name, limits)
