"""The published JSON Schemas (``schemas/``) and validation against them.

Validation is the contract check every record passes before it is written: the JSON Schema,
plus the grounding invariant the schema cannot express, ``text[start:end] == quote`` for
every evidence object.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterator

from jsonschema import Draft202012Validator

from ..errors import SchemaValidationError
from .compiled import Check, UnsupportedSchema, compile_schema

SCHEMA_DIR = Path(__file__).resolve().parents[2] / "schemas"
RECORD_SCHEMA = "plan-record.schema.json"
CATALOG_ENTRY_SCHEMA = "catalog-entry.schema.json"
ENVELOPE_SCHEMA = "catalog-envelope.schema.json"
SCHEMA_VERSION = "1.4.0"
#: Every record schema version ever published, so older records stay readable and checkable.
RECORD_SCHEMAS = {
    "1.0.0": "plan-record-1.0.0.schema.json",
    "1.1.0": "plan-record-1.1.0.schema.json",
    "1.2.0": "plan-record-1.2.0.schema.json",
    "1.3.0": "plan-record-1.3.0.schema.json",
    SCHEMA_VERSION: RECORD_SCHEMA,
}
#: Every catalog line schema version ever published (the current one last).
CATALOG_ENTRY_SCHEMAS = {
    "1.0.0": "catalog-entry-1.0.0.schema.json",
    "1.1.0": CATALOG_ENTRY_SCHEMA,
}


@lru_cache(maxsize=None)
def validator(name: str) -> Draft202012Validator:
    schema = json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)


@lru_cache(maxsize=None)
def fast_check(name: str) -> Check | None:
    """The schema ``name`` compiled (:mod:`.compiled`), or None when it uses a keyword the compiler
    leaves to :mod:`jsonschema`."""
    validator(name)  # the schema itself is checked first
    try:
        return compile_schema(json.loads((SCHEMA_DIR / name).read_text(encoding="utf-8")))
    except UnsupportedSchema:
        return None


def iter_evidence(node: Any, path: str = "$") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every evidence object in a record, with its JSON path."""
    if isinstance(node, dict):
        for key, value in node.items():
            sub = f"{path}.{key}"
            if key == "evidence" and isinstance(value, dict):
                if "start" in value:
                    yield sub, value
                else:
                    for field, ev in value.items():
                        if isinstance(ev, dict):
                            yield f"{sub}.{field}", ev
            else:
                yield from iter_evidence(value, sub)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from iter_evidence(value, f"{path}[{i}]")


def _evidence_objects(node: Any) -> Iterator[dict[str, Any]]:
    """:func:`iter_evidence` without the paths (the check of every record; paths are made only
    for a record that fails it)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "evidence" and isinstance(value, dict):
                if "start" in value:
                    yield value
                else:
                    yield from (ev for ev in value.values() if isinstance(ev, dict))
            elif isinstance(value, (dict, list)):
                yield from _evidence_objects(value)
    elif isinstance(node, list):
        for value in node:
            if isinstance(value, (dict, list)):
                yield from _evidence_objects(value)


def _quotes_match(text: str, ev: dict[str, Any]) -> bool:
    try:
        return bool(text[ev["start"]:ev["end"]] == ev["quote"])
    except (KeyError, TypeError):
        return False


def record_schema_for(record: dict[str, Any]) -> str:
    """The schema file of the version a record declares (the current one if it declares none known)."""
    return RECORD_SCHEMAS.get(str(record.get("schema_version")), RECORD_SCHEMA)


def _message(err: Any) -> str:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err.absolute_path)
    return f"${path}: {err.message}"


def problems(record: dict[str, Any], schema: str | None = None) -> list[str]:
    """Human-readable violations: JSON path and message, empty when the record is valid.

    Records are checked against the schema of the version they declare: by the compiled check
    (:func:`fast_check`) first, and by :mod:`jsonschema`, which names each violation, only when
    that check fails (or the schema is not compiled).
    """
    schema = schema or record_schema_for(record)
    check = fast_check(schema)
    out = [] if check is not None and check(record) else [_message(err) for err in validator(schema).iter_errors(record)]
    if schema in RECORD_SCHEMAS.values():
        text = record.get("text") or ""
        if not all(_quotes_match(text, ev) for ev in _evidence_objects(record)):
            out.extend(f"{path}: quote does not match text[start:end]" for path, ev in iter_evidence(record)
                       if not _quotes_match(text, ev))
    return out


def validate(record: dict[str, Any], schema: str | None = None) -> None:
    """Raise :class:`SchemaValidationError` listing every violation."""
    found = problems(record, schema)
    if found:
        raise SchemaValidationError("; ".join(found[:10]))
