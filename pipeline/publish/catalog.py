"""The published catalog: ``catalog.jsonl``, one summary line per record, and ``catalog.json``,
its envelope (schema version, generation time, record count, each record file's sha256), both
rewritten atomically.

Entries are keyed by source file name: processing a file again replaces its line, other
files' lines are kept. Every line is valid against ``schemas/catalog-entry.schema.json``; a
line of an earlier catalog schema version is rebuilt from its record file when the catalog is
next rewritten.

A line carries the record's ``status``, its ``needs_review`` list (field and reason of each
value in doubt, as published: a reviewer who removes an item clears it) and ``reviewed``: true
when reviewers' corrections are applied to the record (its ``review`` object, written by
:mod:`pipeline.review.corrections`, counts at least one) and none of its corrections is in
conflict with the current machine output.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from ..errors import SchemaValidationError
from ..record.schema import (
    CATALOG_ENTRY_SCHEMA,
    ENVELOPE_SCHEMA,
    SCHEMA_VERSION,
    validate,
)
from .storage import write_json_atomic, write_text_atomic

CATALOG_NAME = "catalog.jsonl"
CATALOG_VERSION = "1.1.0"
ENVELOPE_NAME = "catalog.json"
ENVELOPE_VERSION = "1.0.0"


def reviewed(record: dict[str, Any]) -> bool:
    """Whether reviewers corrected ``record`` and none of its corrections is in conflict."""
    review = record.get("review") or {}
    return bool(review.get("corrections")) and not review.get("conflicts")


def catalog_entry(record: dict[str, Any], record_path: str, *, check: bool = True) -> dict[str, Any]:
    """The catalog line summarising ``record`` (stored at ``record_path`` relative to the output
    folder), checked against the catalog entry schema unless ``check`` is false."""
    doc = record["document"]
    period = record.get("period")
    entry = {
        "schema_version": CATALOG_VERSION,
        "record_schema_version": record.get("schema_version") or SCHEMA_VERSION,
        "record_id": record["record_id"],
        "filename": record["source"]["filename"],
        "record_path": record_path,
        "status": record["status"],
        "needs_review": [{"field": r["field"], "reason": r["reason"]} for r in record.get("needs_review") or []],
        "reviewed": reviewed(record),
        "error_codes": [e["code"] for e in record.get("errors") or []],
        "kind": doc["kind"],
        "number": doc["number"],
        "issued_on": doc["issued_on"],
        "issuer": doc["issuer"],
        "province": doc["province"],
        "title": doc["title"],
        "period": f"{period['start_year']}-{period['end_year']}" if period else None,
        "references": [r["number"] for r in record.get("references") or []],
        "extractor_version": record.get("extractor_version") or "",
    }
    if check:
        validate(entry, CATALOG_ENTRY_SCHEMA)
    return entry


def _current(out_dir: Path, entry: dict[str, Any]) -> dict[str, Any]:
    """``entry`` itself, or, for a line of an earlier catalog schema version, the line rebuilt from
    its record file (kept as it is when that file cannot be read)."""
    if entry.get("schema_version") == CATALOG_VERSION:
        return entry
    try:
        record = json.loads((out_dir / entry["record_path"]).read_text(encoding="utf-8"))
        fresh = catalog_entry(record, entry["record_path"])
    except (OSError, ValueError, KeyError, TypeError, SchemaValidationError):
        return entry
    if "previous_record_ids" in entry:
        fresh["previous_record_ids"] = entry["previous_record_ids"]
    return fresh


def publication_stamp(out_dir: Path, record_file: str) -> Path:
    """Where the sha256 of a record file (``<name>.json`` in ``OUT/records/``), as the pipeline last
    published it, is kept (written by :func:`pipeline.review.corrections.publish`)."""
    return out_dir / "corrections" / f".{record_file.removesuffix('.json')}.published"


def published_by_pipeline(out_dir: Path, record_file: str, data: bytes) -> bool:
    """Whether ``data`` is the record file exactly as the pipeline published it (not a reviewer's edit)."""
    try:
        return publication_stamp(out_dir, record_file).read_text().strip() == hashlib.sha256(data).hexdigest()
    except OSError:
        return False


def read_catalog(out_dir: Path) -> list[dict[str, Any]]:
    path = out_dir / CATALOG_NAME
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entries.append(json.loads(line))
    return entries


@contextmanager
def catalog_lock(out_dir: Path) -> Iterator[None]:
    """Exclusive lock on the catalog of ``out_dir`` (``fcntl.flock`` on ``.catalog.lock``), so that
    two processes (the inbox service and a reviewer's command) never lose each other's update."""
    out_dir.mkdir(parents=True, exist_ok=True)
    with open(out_dir / ".catalog.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def update_catalog(out_dir: Path, entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge ``entries`` into the catalog (by file name), rewrite it and its envelope atomically."""
    with catalog_lock(out_dir):
        merged = {e["filename"]: _current(out_dir, e) for e in read_catalog(out_dir)}
        for e in entries:
            merged[e["filename"]] = e
        ordered = [merged[k] for k in sorted(merged)]
        body = "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in ordered)
        write_text_atomic(out_dir / CATALOG_NAME, body)
        write_json_atomic(out_dir / ENVELOPE_NAME, envelope(out_dir, ordered, body))
    return ordered


def envelope(out_dir: Path, entries: list[dict[str, Any]], body: str) -> dict[str, Any]:
    """``catalog.json``: what the catalog holds, with a checksum of each current record file."""
    records = []
    for e in entries:
        path = out_dir / e["record_path"]
        digest = hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else hashlib.sha256(b"").hexdigest()
        records.append({"record_id": e["record_id"], "filename": e["filename"], "path": e["record_path"],
                        "sha256": digest, "status": e["status"]})
    doc = {
        "schema_version": ENVELOPE_VERSION,
        "record_schema_version": SCHEMA_VERSION,
        "generated_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "record_count": len(entries),
        "catalog": {"path": CATALOG_NAME, "sha256": hashlib.sha256(body.encode("utf-8")).hexdigest(), "lines": len(entries)},
        "records": records,
    }
    validate(doc, ENVELOPE_SCHEMA)
    return doc
