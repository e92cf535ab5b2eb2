"""The review queue: published records ordered by how much they are in doubt, and reviewed marks.

Doubt comes in tiers, most urgent first (:data:`TIERS`):

* ``failed``: the file could not be read (status ``failed``) or only partly (``partial``);
* ``conflict``: corrections that no longer apply to the current machine output;
* ``needs_review``: the record's own ``needs_review`` reasons (values missing, inferred, in
  conflict...), and records with neither a document kind nor a number;
* ``edit``: a hand edit of the record file that is not captured yet, or is invalid;
* ``rest``: nothing in doubt.

A reviewer who has checked a record marks it reviewed (:func:`mark_reviewed`). The mark is kept in
``OUT/corrections/reviewed/<name>.json`` with the sha256 of the machine output it was made
against: the record leaves the queue (tier ``reviewed``) until the machine output changes, or a
new hand edit is pending.

Reading every record on every look at the queue would be slow for large outputs, so
:class:`Queue` keeps each entry until one of the record's files changes (size or mtime).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..publish.storage import write_json_atomic
from .corrections import (
    CORRECTIONS_DIR,
    RecordFiles,
    _now,
    default_author,
    key_of,
    load_corrections,
    pending_edit,
    record_lock,
    record_names,
)
from .errors import ReviewError

REVIEWED_DIR = "reviewed"
#: Doubt tiers in queue order; ``reviewed`` records are out of the queue.
TIERS = ("failed", "conflict", "needs_review", "edit", "rest", "reviewed")
TIER_LABELS = {
    "failed": "failed or partial",
    "conflict": "corrections in conflict",
    "needs_review": "values in doubt",
    "edit": "hand edits pending",
    "rest": "nothing in doubt",
    "reviewed": "reviewed",
}


@dataclass(frozen=True)
class Reason:
    """One reason a record is in the queue: its tier, the field concerned (if any), and a message."""

    tier: str
    message: str
    field: str | None = None

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


@dataclass
class QueueEntry:
    """One published record as the queue sees it."""

    name: str
    filename: str
    status: str
    media_type: str | None
    pages: int | None
    kind: str | None
    number: str | None
    title: str | None
    reasons: list[Reason] = field(default_factory=list)
    corrections: int = 0
    reviewed: dict[str, Any] | None = None

    @property
    def tier(self) -> str:
        """The most urgent tier among the reasons; ``reviewed`` or ``rest`` without any."""
        if self.reviewed is not None and not any(r.tier == "edit" for r in self.reasons):
            return "reviewed"
        return min((r.tier for r in self.reasons), key=TIERS.index, default="rest")

    @property
    def rank(self) -> tuple[int, int, str]:
        return TIERS.index(self.tier), -len(self.reasons), self.name

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "filename": self.filename, "status": self.status, "tier": self.tier,
                "kind": self.kind, "number": self.number, "title": self.title, "media_type": self.media_type,
                "pages": self.pages, "corrections": self.corrections, "reviewed": self.reviewed,
                "reasons": [{"tier": r.tier, "field": r.field, "message": r.message} for r in self.reasons]}


# -- reviewed marks ---------------------------------------------------------------------------
def reviewed_path(out_dir: Path, name: str) -> Path:
    return Path(out_dir) / CORRECTIONS_DIR / REVIEWED_DIR / f"{key_of(name)}.json"


def _file_sha256(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except FileNotFoundError:
        return None


def mark_reviewed(out_dir: Path, name: str, author: str | None = None) -> dict[str, Any]:
    """Record that a reviewer checked the record as it is now; returns the mark."""
    files = RecordFiles(Path(out_dir), key_of(name))
    with record_lock(files.out_dir, files.name):
        machine = _file_sha256(files.machine)
        if machine is None:
            raise ReviewError(f"no machine copy of {files.name}; process the source file again first")
        record = json.loads(files.published.read_text(encoding="utf-8"))
        mark = {"record_id": record.get("record_id"), "machine_sha256": machine,
                "reviewed_by": author or default_author(), "reviewed_at": _now()}
        write_json_atomic(reviewed_path(files.out_dir, files.name), mark)
        return mark


def unmark_reviewed(out_dir: Path, name: str) -> None:
    reviewed_path(out_dir, name).unlink(missing_ok=True)


def reviewed_mark(out_dir: Path, name: str) -> dict[str, Any] | None:
    """The record's reviewed mark, if it was made against the current machine output."""
    path = reviewed_path(out_dir, name)
    try:
        mark = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    current = _file_sha256(RecordFiles(Path(out_dir), key_of(name)).machine)
    return mark if isinstance(mark, dict) and mark.get("machine_sha256") == current else None


# -- the queue --------------------------------------------------------------------------------
def _reasons(out_dir: Path, name: str, record: dict[str, Any], edit: Any) -> list[Reason]:
    reasons: list[Reason] = []
    status = record.get("status")
    if status in ("failed", "partial"):
        codes = ", ".join(str(e.get("code", "?")) for e in record.get("errors") or [] if isinstance(e, dict))
        reasons.append(Reason("failed", f"status {status}" + (f" ({codes})" if codes else "")))
    doc = load_corrections(out_dir, name) or {}
    conflicts = [c["id"] for c in doc.get("corrections", []) if c.get("status") == "conflict"]
    if conflicts:
        reasons.append(Reason("conflict", f"corrections in conflict: {', '.join(conflicts)}"))
    for item in record.get("needs_review") or []:
        if isinstance(item, dict):
            reasons.append(Reason("needs_review", f"{item.get('reason')}: {item.get('message')}", item.get("field")))
    document = record.get("document") or {}
    if status != "failed" and document.get("kind") is None and document.get("number") is None \
            and not any(r.field in ("document.kind", "document.number") for r in reasons):
        reasons.append(Reason("needs_review", "low confidence: no document kind and no number", "document"))
    if edit is not None and edit.problems:
        first = edit.problems[0]
        reasons.append(Reason("edit", f"invalid edit pending ({len(edit.problems)} problem(s): {first.path}: "
                                      f"{first.message}; fix it and run 'review sync')"))
    elif edit is not None:
        reasons.append(Reason("edit", "edited, not synced yet (run 'review sync')"))
    return reasons


def queue_entry(out_dir: Path, name: str) -> QueueEntry:
    """The queue's view of one record (read from its files now)."""
    out_dir, name = Path(out_dir), key_of(name)
    files = RecordFiles(out_dir, name)
    edit = pending_edit(out_dir, name)
    try:
        record = edit.base if edit is not None else json.loads(files.published.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return QueueEntry(name, name, "unreadable", None, None, None, None, None,
                          [Reason("failed", f"unreadable record file: {exc}")])
    source = record.get("source") or {}
    document = record.get("document") or {}
    doc = load_corrections(out_dir, name) or {}
    return QueueEntry(
        name=name, filename=source.get("filename") or name, status=str(record.get("status")),
        media_type=source.get("media_type"), pages=source.get("pages"), kind=document.get("kind"),
        number=document.get("number"), title=document.get("title"),
        reasons=_reasons(out_dir, name, record, edit),
        corrections=sum(c.get("status") == "active" for c in doc.get("corrections", [])),
        reviewed=reviewed_mark(out_dir, name))


def _signature(out_dir: Path, name: str) -> tuple[Any, ...]:
    files = RecordFiles(out_dir, name)
    out = []
    for path in (files.published, files.machine, files.corrections, files.stamp, files.base,
                 reviewed_path(out_dir, name)):
        try:
            st = os.stat(path)
            out.append((st.st_mtime_ns, st.st_size))
        except FileNotFoundError:
            out.append(None)
    return tuple(out)


class Queue:
    """The queue of one output folder, each entry cached until the record's files change."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = Path(out_dir)
        self._cache: dict[str, tuple[tuple[Any, ...], QueueEntry]] = {}
        self._lock = threading.Lock()

    def entry(self, name: str) -> QueueEntry:
        name = key_of(name)
        signature = _signature(self.out_dir, name)
        with self._lock:
            cached = self._cache.get(name)
        if cached is not None and cached[0] == signature:
            return cached[1]
        entry = queue_entry(self.out_dir, name)
        with self._lock:
            self._cache[name] = (signature, entry)
        return entry

    def entries(self) -> list[QueueEntry]:
        """Every record, most in doubt first (reviewed records last)."""
        names = record_names(self.out_dir)
        with self._lock:
            for gone in set(self._cache) - set(names):
                del self._cache[gone]
        return sorted((self.entry(n) for n in names), key=lambda e: e.rank)


def select(entries: list[QueueEntry], tier: str | None = None, query: str | None = None,
           media: str | None = None) -> list[QueueEntry]:
    """Entries of one tier (default: every tier but ``reviewed``; ``all``: every one), whose file
    name, number or title contains ``query`` (case-insensitive), of a media type family
    (``pdf``, ``word``, ``text``...: a part of the media type)."""
    out = []
    needle = (query or "").strip().casefold()
    for e in entries:
        if tier in (None, "") and e.tier == "reviewed":
            continue
        if tier not in (None, "", "all") and e.tier != tier:
            continue
        if needle and not any(needle in (v or "").casefold() for v in (e.filename, e.number, e.title, e.name)):
            continue
        if media and media.casefold() not in (e.media_type or "").casefold():
            continue
        out.append(e)
    return out


def counts(entries: list[QueueEntry]) -> dict[str, int]:
    """Records per tier (every tier listed, zeros included)."""
    out = {t: 0 for t in TIERS}
    for e in entries:
        out[e.tier] += 1
    return out
