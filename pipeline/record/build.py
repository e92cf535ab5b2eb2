"""Assembling records: the JSON contract downstream systems and the evaluation rely on."""

from __future__ import annotations

from typing import Any

from .. import EXTRACTOR_VERSION
from ..core.model import Document, SourceInfo
from ..extract.resolve import DOCUMENT_EXTRAS, DOCUMENT_FIELDS, Resolved
from ..extract.values import Field
from .schema import SCHEMA_VERSION


def _fields(fields: dict[str, Field], keys: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {k: (fields[k].value if k in fields else None) for k in keys}
    out["evidence"] = {k: fields[k].evidence.to_dict() for k in keys if k in fields}
    return out


def empty_document() -> dict[str, Any]:
    return {**_fields({}, DOCUMENT_FIELDS), "provenance": {}}


def document_part(resolved: Resolved) -> dict[str, Any]:
    """The record's ``document``: the identity fields, the extras found, where each came from."""
    fields = resolved.document
    out = _fields(fields, DOCUMENT_FIELDS)
    for key in DOCUMENT_EXTRAS:
        if key in fields:
            out[key] = fields[key].value
            out["evidence"][key] = fields[key].evidence.to_dict()
    out["provenance"] = dict(resolved.provenance or {})
    return out


def build_record(doc: Document, resolved: Resolved, results: dict[str, Any], errors: list[dict[str, str]]) -> dict[str, Any]:
    """The record of a document that was read; ``partial`` when an extractor failed."""
    movement = results.get("movement") or {}
    facts = results.get("dates")
    return {
        "schema_version": SCHEMA_VERSION,
        "record_id": doc.source.sha256,
        "status": "partial" if errors else "ok",
        "errors": errors,
        "warnings": list(doc.warnings),
        "needs_review": [dict(reason) for reason in (resolved.review or []) + list(results.get("needs_review") or [])],
        "extractor_version": EXTRACTOR_VERSION,
        "source": doc.source.to_dict(),
        "ingest": dict(doc.ingest),
        "document": document_part(resolved),
        "references": [r.to_dict() for r in resolved.references],
        "period": resolved.period.to_dict() if resolved.period else None,
        "duration": resolved.duration.to_dict() if resolved.duration else None,
        "dates": [d.to_dict() for d in facts.dates] if facts else [],
        "movement": _fields(movement, ("name", "slogan")) if movement else None,
        "targets": [t.to_dict() for t in resolved.targets],
        "reward_quotas": [q.to_dict() for q in resolved.reward_quotas],
        **{key: [item.to_dict() for item in results.get(key) or []] for key in LIST_FAMILIES},
        "pages": [p.to_dict() for p in doc.page_sizes],
        "blocks": [b.to_dict() for b in doc.blocks],
        # last, so that a person reading or editing the file meets the facts before a long text
        "text": doc.text,
    }


#: Fact families recorded as they are extracted, as lists of items with evidence.
LIST_FAMILIES = ("criteria", "schedule", "participants", "responsibilities", "abbreviations", "sections", "tables")


def failure_record(source: SourceInfo, errors: list[dict[str, str]], warnings: list[str] | None = None,
                   ingest: dict[str, Any] | None = None) -> dict[str, Any]:
    """The record of a file that could not be read: every fact empty, the reason in ``errors``."""
    return {
        "schema_version": SCHEMA_VERSION,
        "record_id": source.sha256,
        "status": "failed",
        "errors": errors,
        "warnings": warnings or [],
        "needs_review": [],
        "extractor_version": EXTRACTOR_VERSION,
        "source": source.to_dict(),
        "ingest": dict(ingest or {}),
        "document": empty_document(),
        "references": [],
        "period": None,
        "duration": None,
        "dates": [],
        "movement": None,
        "targets": [],
        "reward_quotas": [],
        **{key: [] for key in LIST_FAMILIES},
        "pages": [],
        "blocks": [],
        "text": None,
    }
