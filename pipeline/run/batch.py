"""Processing many files without Prefect: collect inputs, process each, write records and catalog.

:mod:`pipeline.run.flows` runs the same steps as Prefect tasks; both use these functions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from ..core.timing import stage
from ..ingest.limits import DEFAULT_LIMITS, Limits
from ..publish.catalog import catalog_entry, update_catalog
from ..publish.names import RECORDS_DIR, record_name
from ..review.corrections import publish
from .cache import RecordCache, cache_key
from .cache import enabled as cache_enabled
from .inbox import is_temporary
from .process import process_path


def collect_inputs(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, and every file under named folders, sorted; hidden/temporary files skipped."""
    found: list[Path] = []
    for p in paths:
        if p.is_dir():
            found.extend(f for f in sorted(p.rglob("*")) if f.is_file() and not _ignored(f.relative_to(p)))
        else:
            found.append(p)
    return found


def _ignored(rel: Path) -> bool:
    return any(is_temporary(part) for part in rel.parts)


def write_record(out_dir: Path, record: dict[str, Any]) -> dict[str, Any]:
    """Publish one record (machine copy, reviewer corrections applied, atomic writes; see
    :func:`pipeline.review.corrections.publish`) and return the catalog entry of the published record."""
    with stage("write"):
        name = record_name(record["source"]["filename"])
        published = publish(out_dir, name[: -len(".json")], record)
        return catalog_entry(published, f"{RECORDS_DIR}/{name}")


def cached_record(path: Path, out_dir: Path, limits: Limits | None = None,
                  use_cache: bool | None = None) -> dict[str, Any]:
    """The machine record of ``path``: from the cache in ``out_dir`` (:mod:`pipeline.run.cache`) when
    the same bytes were processed with the same extractor version and settings, else processed
    now (and cached)."""
    settings = limits or DEFAULT_LIMITS
    store = RecordCache(out_dir) if cache_enabled(use_cache) else None
    key = None
    if store is not None:
        with stage("cache"):
            try:
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                digest = None  # process_path makes the io_error record
            if digest is not None:
                key = cache_key(digest, path.name, settings)
                record = store.get(key, digest)
                if record is not None:
                    return record
    record = process_path(path) if limits is None else process_path(path, limits)
    if store is not None and record.get("record_id"):
        with stage("cache"):
            # keyed by the bytes the record was made from (the file may have changed since it was hashed)
            store.put(cache_key(record["record_id"], path.name, settings), record)
    return record


def process_and_write(path: Path, out_dir: Path, limits: Limits | None = None,
                      use_cache: bool | None = None) -> dict[str, Any]:
    """Process one file (or take its record from the cache) and publish it; a cached record goes
    through the same publish step, so reviewer corrections are applied to it again."""
    return write_record(out_dir, cached_record(path, out_dir, limits, use_cache))


@dataclass
class Summary:
    """What a batch did, for people (``str``) and programs (``entries``)."""

    out_dir: Path
    entries: list[dict[str, Any]] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        out = {"ok": 0, "partial": 0, "failed": 0}
        for e in self.entries:
            out[e["status"]] += 1
        return out

    def fields_found(self) -> int:
        keys = ("kind", "number", "issued_on", "issuer", "province", "title", "period")
        return sum(1 for e in self.entries for k in keys if e.get(k)) + sum(len(e["references"]) for e in self.entries)

    def __str__(self) -> str:
        c = self.counts
        lines = [
            f"documents: {len(self.entries)} processed, {c['ok']} ok, {c['partial']} partial, {c['failed']} failed",
            f"fields found: {self.fields_found()} (document fields, periods and references)",
        ]
        for e in self.entries:
            if e["status"] != "ok":
                lines.append(f"  {e['status']}: {e['filename']}: {', '.join(e['error_codes'])}")
        lines.append(f"records: {self.out_dir / RECORDS_DIR}")
        lines.append(f"catalog: {self.out_dir / 'catalog.jsonl'}")
        return "\n".join(lines)


#: Called with each document's catalog entry as soon as it is published (progress display).
OnDocument = Callable[[dict[str, Any]], None]


def process_local(paths: Iterable[Path], out_dir: Path, limits: Limits | None = None,
                  use_cache: bool | None = None, on_document: OnDocument | None = None) -> Summary:
    """Process every input in this process, one after the other (the models loaded first, see
    :mod:`.preload`)."""
    entries = []
    inputs = collect_inputs(paths)
    if inputs:
        from .preload import warm_up

        warm_up()
    for p in inputs:
        entries.append(process_and_write(p, out_dir, limits, use_cache))
        if on_document is not None:
            on_document(entries[-1])
    with stage("catalog"):
        update_catalog(out_dir, entries)
    return Summary(out_dir, entries)
