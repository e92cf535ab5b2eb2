"""The published catalog: ``catalog.jsonl``, one summary line per record, rewritten atomically.

Entries are keyed by source file name: processing a file again replaces its line, other
files' lines are kept. Every line is valid against ``schemas/catalog-entry.schema.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterable

from .schema import CATALOG_ENTRY_SCHEMA, validate
from .storage import write_text_atomic

CATALOG_NAME = "catalog.jsonl"
CATALOG_VERSION = "1.0.0"


def catalog_entry(record: dict[str, Any], record_path: str) -> dict[str, Any]:
    """The catalog line summarising ``record`` (stored at ``record_path`` relative to the output folder)."""
    doc = record["document"]
    period = record.get("period")
    entry = {
        "schema_version": CATALOG_VERSION,
        "record_id": record["record_id"],
        "filename": record["source"]["filename"],
        "record_path": record_path,
        "status": record["status"],
        "error_codes": [e["code"] for e in record["errors"]],
        "kind": doc["kind"],
        "number": doc["number"],
        "issued_on": doc["issued_on"],
        "issuer": doc["issuer"],
        "province": doc["province"],
        "title": doc["title"],
        "period": f"{period['start_year']}-{period['end_year']}" if period else None,
        "references": [r["number"] for r in record["references"]],
        "extractor_version": record["extractor_version"],
    }
    validate(entry, CATALOG_ENTRY_SCHEMA)
    return entry


def read_catalog(out_dir: Path) -> list[dict[str, Any]]:
    path = out_dir / CATALOG_NAME
    if not path.exists():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            entries.append(json.loads(line))
    return entries


def update_catalog(out_dir: Path, entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Merge ``entries`` into the catalog (by file name) and rewrite it atomically."""
    merged = {e["filename"]: e for e in read_catalog(out_dir)}
    for e in entries:
        merged[e["filename"]] = e
    ordered = [merged[k] for k in sorted(merged)]
    write_text_atomic(out_dir / CATALOG_NAME, "".join(json.dumps(e, ensure_ascii=False) + "\n" for e in ordered))
    return ordered
