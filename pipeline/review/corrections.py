"""Reviewer corrections that survive re-processing.

Files of one record ``<name>`` (``<name>.json`` is the record's file name in ``OUT/records/``):

* ``OUT/machine/<name>.json``: the extractor's output, exactly as it came out;
* ``OUT/records/<name>.json``: the published record, the machine output with every active
  correction applied; reviewers edit this file directly;
* ``OUT/corrections/<name>.json``: the corrections, each an RFC 6902 JSON Patch from the
  record as published before the edit to the record as the reviewer left it::

      {"filename", "record_id", "corrections": [{"id", "author", "created_at",
       "status": "active" | "conflict" | "rejected", "patch": [...], "note"}]}

:func:`publish` is the one function that writes a record. Under a per-record lock
(``OUT/corrections/.<name>.lock``) it first captures a pending reviewer edit
(:func:`capture_edits`), then writes the machine copy, then applies the active corrections to
it in order. A correction whose ``test`` operations no longer hold (the extractor now gives
another value, or the list item moved), that adds a list item the machine output now has
itself, or whose result would break the record contract, becomes a ``conflict``: kept, never
applied, counted in the published record's ``review`` object, until a reviewer accepts
(:func:`accept`: re-pin to the current values and apply) or rejects it (:func:`reject`).
A pending edit is recognised by the sha256 of the published file as the pipeline wrote it
(``OUT/corrections/.<name>.published``), then by comparing it with what was published.

An invalid edit (wrong type, an evidence quote that no longer matches the text, a change to a
field the pipeline owns) raises :class:`~pipeline.review.errors.InvalidEdit` listing file,
JSON path and message for each problem. It is never captured and never reaches the catalog or
the index, and it is never overwritten: the published file stays as the reviewer left it (if
the machine output changes meanwhile, the record it was made against is kept in
``OUT/corrections/base/<name>.json`` so that the edit is still diffed against the right base).
"""

from __future__ import annotations

import copy
import fcntl
import getpass
import hashlib
import json
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, Iterator

from ..publish.catalog import (
    catalog_entry,
    publication_stamp,
    published_by_pipeline,
    read_catalog,
    update_catalog,
)
from ..publish.names import RECORDS_DIR, record_name
from ..publish.storage import dump_json, write_json_atomic, write_text_atomic
from ..record.schema import problems as schema_problems
from .bounds import evidence_problems, size_problems
from .errors import (
    InvalidEdit,
    PatchError,
    PatchTestFailed,
    Problem,
    ReviewError,
    UnknownCorrection,
    UnknownRecord,
)
from .patch import (
    apply_operation,
    json_equal,
    json_path,
    make_patch,
    make_pointer,
    parse_pointer,
    resolve,
)

MACHINE_DIR = "machine"
CORRECTIONS_DIR = "corrections"
BASE_DIR = "base"
#: Invalid edits of an earlier version, moved out of ``records/`` when a new version is published.
SET_ASIDE_DIR = "set-aside"
REVIEW_KEY = "review"
#: Times publish() tries to write before leaving a file that keeps changing as a pending edit.
WRITE_ATTEMPTS = 5
#: Fields the pipeline owns: a reviewer cannot correct them (they identify the record and its text).
PROTECTED = ("schema_version", "record_id", "extractor_version", "source", "text")
GOLD_FIELDS = {
    "document": ("kind", "number", "issued_on", "issuer", "province"),
    "movement": ("name", "slogan"),
    "period": ("start_year", "end_year"),
    "duration": ("start", "end"),
    "references": ("kind", "number", "issued_on"),
    "targets": ("year", "value", "value_max", "unit", "comparator", "indicator"),
    "reward_quotas": ("award", "granted_by", "occasion", "year", "collectives", "individuals"),
    "criteria": ("applies_to", "text"),
}


# -- files and locks --------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordFiles:
    """Where the published record, machine copy, corrections and bookkeeping of ``name`` live."""

    out_dir: Path
    name: str

    @property
    def published(self) -> Path:
        return self.out_dir / RECORDS_DIR / f"{self.name}.json"

    @property
    def machine(self) -> Path:
        return self.out_dir / MACHINE_DIR / f"{self.name}.json"

    @property
    def corrections(self) -> Path:
        return self.out_dir / CORRECTIONS_DIR / f"{self.name}.json"

    @property
    def base(self) -> Path:
        """The record an invalid pending edit was made against (kept only while the machine
        output changed under that edit)."""
        return self.out_dir / CORRECTIONS_DIR / BASE_DIR / f"{self.name}.json"

    @property
    def stamp(self) -> Path:
        """sha256 of the published file as the pipeline last wrote it."""
        return publication_stamp(self.out_dir, f"{self.name}.json")

    @property
    def lock(self) -> Path:
        return self.out_dir / CORRECTIONS_DIR / f".{self.name}.lock"


def key_of(name: str) -> str:
    """A record's name: its file name in ``OUT/records/`` without ``.json``."""
    name = Path(name).name
    return name[:-5] if name.endswith(".json") else name


def resolve_name(out_dir: Path, name: str) -> str:
    """The record name for what a person typed: the record file name (with or without
    ``.json``) or the source file name."""

    for candidate in (key_of(name), key_of(record_name(name))):
        if RecordFiles(Path(out_dir), candidate).published.exists():
            return candidate
    raise UnknownRecord(f"no record {name!r} in {Path(out_dir) / RECORDS_DIR}")


def record_names(out_dir: Path) -> list[str]:
    return [p.name[:-5] for p in sorted((Path(out_dir) / RECORDS_DIR).glob("*.json"))]


_held = threading.local()


@contextmanager
def record_lock(out_dir: Path, name: str) -> Iterator[None]:
    """Exclusive per-record lock (``fcntl.flock``) shared by the service, batches and review tools;
    re-entrant within a thread."""
    path = RecordFiles(Path(out_dir), name).lock
    held: set[str] = _held.__dict__.setdefault("paths", set())
    if str(path) in held:
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        held.add(str(path))
        try:
            yield
        finally:
            held.discard(str(path))
            fcntl.flock(fh, fcntl.LOCK_UN)


def default_author() -> str:
    try:
        return os.environ.get("USER") or getpass.getuser()
    except Exception:  # no user name in the environment nor the password database
        return "unknown"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def strip_review(record: dict[str, Any]) -> dict[str, Any]:
    """The record without its ``review`` object (which the pipeline recomputes)."""
    return {k: v for k, v in record.items() if k != REVIEW_KEY}


# -- the corrections file ---------------------------------------------------------------------
def load_corrections(out_dir: Path, name: str) -> dict[str, Any] | None:
    path = RecordFiles(Path(out_dir), name).corrections
    return _read_json(path) if path.exists() else None


def _save_corrections(files: RecordFiles, doc: dict[str, Any]) -> None:
    write_json_atomic(files.corrections, doc)


def _find(doc: dict[str, Any] | None, cid: str) -> dict[str, Any]:
    for c in (doc or {}).get("corrections", []):
        if c["id"] == cid:
            return c
    raise UnknownCorrection(f"no correction {cid!r}")


def _next_id(doc: dict[str, Any]) -> str:
    numbers = [int(c["id"][1:]) for c in doc["corrections"] if c["id"][1:].isdigit()]
    return f"c{max(numbers, default=0) + 1}"


# -- applying corrections ---------------------------------------------------------------------
class CorrectionConflict(PatchError):
    """A correction that cannot be applied to the current machine output."""

    code = "correction_conflict"

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


def _without_evidence(value: Any) -> Any:
    return {k: v for k, v in value.items() if k != "evidence"} if isinstance(value, dict) else value


def _check_duplicate_add(machine: dict[str, Any], op: dict[str, Any]) -> None:
    """An item a correction adds to a fact list (``targets``, ``reward_quotas``...) that the
    machine output now has itself (evidence aside) would be there twice: that is a conflict for
    a reviewer to decide."""
    tokens = parse_pointer(op["path"])
    if len(tokens) != 2:
        return
    try:
        parent = resolve(machine, make_pointer(tokens[:-1]))
    except PatchError:
        return
    if isinstance(parent, list) and any(json_equal(_without_evidence(x), _without_evidence(op["value"])) for x in parent):
        raise CorrectionConflict(f"{json_path(make_pointer(tokens[:-1]))}: the machine output now has the added item "
                                 "itself", "duplicate")


def _concrete(state: Any, pointer: str) -> str:
    """``/list/-`` as the index the item gets."""
    tokens = parse_pointer(pointer)
    if tokens and tokens[-1] == "-":
        try:
            parent = resolve(state, make_pointer(tokens[:-1]))
            return make_pointer([*tokens[:-1], str(len(parent))])
        except PatchError:
            pass
    return pointer


def apply_correction(state: dict[str, Any], correction: dict[str, Any], machine: dict[str, Any] | None = None
                     ) -> tuple[dict[str, Any], list[str]]:
    """``state`` with one correction applied, and the JSON paths it changed. Raises
    :class:`PatchError` (a conflict) if a ``test`` fails, a location is missing, an added list
    item is already in ``machine``, or the result breaks the record contract."""
    new: Any = copy.deepcopy(state)
    paths: list[str] = []
    for op in correction["patch"]:
        if op.get("op") == "add" and machine is not None and not correction.get("allow_duplicates"):
            _check_duplicate_add(machine, op)
        pointer = _concrete(new, op.get("path", ""))
        try:
            new = apply_operation(new, op)
        except PatchTestFailed as exc:
            raise CorrectionConflict(f"{json_path(exc.path)}: the machine value this correction was made against "
                                     f"has changed ({_what_changed(exc.expected, exc.found)})", "changed") from exc
        except PatchError as exc:
            raise CorrectionConflict(f"{json_path(op.get('path', ''))}: {exc.message}", "missing") from exc
        if op.get("op") != "test":
            paths.append(json_path(pointer))
    found = schema_problems(new)
    if found:
        raise CorrectionConflict("the corrected record would be invalid: " + "; ".join(found[:3]), "invalid")
    return new, paths


@dataclass
class Applied:
    """The result of applying a record's corrections to a machine output."""

    record: dict[str, Any]
    paths: list[str] = field(default_factory=list)
    applied: list[str] = field(default_factory=list)
    failed: dict[str, CorrectionConflict] = field(default_factory=dict)


def apply_corrections(machine: dict[str, Any], corrections: list[dict[str, Any]]) -> Applied:
    """Apply the active corrections in order; those that do not apply are reported in ``failed``
    (the caller decides whether to mark them as conflicts)."""
    machine = strip_review(machine)
    result = Applied(copy.deepcopy(machine))
    for c in corrections:
        if c["status"] != "active":
            continue
        try:
            result.record, paths = apply_correction(result.record, c, machine)
        except CorrectionConflict as exc:
            result.failed[c["id"]] = exc
            continue
        result.applied.append(c["id"])
        result.paths += [p for p in paths if p not in result.paths]
    return result


def review_info(doc: dict[str, Any] | None, applied: Applied) -> dict[str, Any] | None:
    """The ``review`` object of a published record (None for a record without corrections)."""
    corrections = (doc or {}).get("corrections", [])
    if not any(c["status"] in ("active", "conflict") for c in corrections):
        return None
    return {"corrections": len(applied.applied), "conflicts": sum(c["status"] == "conflict" for c in corrections),
            "corrected_paths": applied.paths}


# -- capturing edits --------------------------------------------------------------------------
@dataclass
class PendingEdit:
    """A reviewer's edit of the published file not captured yet."""

    name: str
    base: dict[str, Any]
    edited: dict[str, Any] | None
    problems: list[Problem]


def expected_published(files: RecordFiles) -> dict[str, Any] | None:
    """The published record as the pipeline last wrote it (without ``review``): the record a
    pending edit was made against. None without a machine copy."""
    if files.base.exists():
        return _read_json(files.base)
    if not files.machine.exists():
        return None
    doc = load_corrections(files.out_dir, files.name)
    return apply_corrections(_read_json(files.machine), (doc or {}).get("corrections", [])).record


def edit_problems(file: str, base: dict[str, Any], edited: Any) -> list[Problem]:
    """Why an edited record cannot be captured (empty if it can)."""
    if not isinstance(edited, dict):
        return [Problem(file, "$", "a record must be a JSON object")]
    out = [Problem(file, f"$.{key}", "set by the pipeline, it cannot be corrected; restore the published value")
           for key in PROTECTED if not json_equal(base.get(key), edited.get(key))]
    for line in schema_problems(edited):
        path, _, message = line.partition(": ")
        out.append(Problem(file, path, message))
    known = {(p.path, p.message) for p in out}
    out += [p for p in evidence_problems(file, edited) + size_problems(file, base, edited)
            if (p.path, p.message) not in known]
    return out


def publishable(out_dir: Path, name: str, record: Any) -> bool:
    """Whether a record file's content may be indexed: what the pipeline published, or a valid
    (not yet synced) edit of it; never an invalid edit."""
    files = RecordFiles(Path(out_dir), key_of(name))
    base = expected_published(files)
    if base is None:  # not published through publish(): the record contract alone
        return isinstance(record, dict) and not schema_problems(record)
    return not edit_problems(str(files.published), base, strip_review(record) if isinstance(record, dict) else record)


def pending_edit(out_dir: Path, name: str) -> PendingEdit | None:
    """The uncaptured edit of a published record, with its problems; None if there is none."""
    files = RecordFiles(Path(out_dir), key_of(name))
    if not files.published.exists():
        return None
    raw = files.published.read_bytes()
    if not files.base.exists() and published_by_pipeline(files.out_dir, files.published.name, raw):
        return None  # exactly what the pipeline wrote
    base = expected_published(files)
    if base is None:
        return None  # published before machine copies were kept: nothing to compare with
    file = str(files.published)
    try:
        edited = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return PendingEdit(files.name, base, None, [Problem(file, "$", f"not valid JSON: {exc}")])
    if isinstance(edited, dict):
        edited = strip_review(edited)
        if json_equal(edited, base):
            return None
    return PendingEdit(files.name, base, edited, edit_problems(file, base, edited))


def capture_edits(out_dir: Path, name: str, author: str | None = None, *, note: str | None = None
                  ) -> dict[str, Any] | None:
    """Store a reviewer's edit of ``OUT/records/<name>.json`` as a new active correction and
    return it (None if the published record is unchanged). Raises :class:`InvalidEdit` if the
    edited record breaks the contract; the edit then stays pending, untouched."""
    out_dir, name = Path(out_dir), key_of(name)
    files = RecordFiles(out_dir, name)
    with record_lock(out_dir, name):
        edit = pending_edit(out_dir, name)
        if edit is None:
            return None
        if edit.problems:
            raise InvalidEdit(edit.problems)
        doc = load_corrections(out_dir, name) or {"filename": edit.base["source"]["filename"],
                                                  "record_id": edit.base["record_id"], "corrections": []}
        correction = {"id": _next_id(doc), "author": author or default_author(), "created_at": _now(),
                      "status": "active", "patch": make_patch(edit.base, edit.edited),
                      "note": note or "captured by 'review sync'"}
        doc["corrections"].append(correction)
        _save_corrections(files, doc)
        if files.base.exists():  # the machine output changed under the edit: base it on the edit now
            write_json_atomic(files.base, edit.edited)
        return correction


def save_edit(out_dir: Path, name: str, record: dict[str, Any]) -> None:
    """Save a reviewer's version of a published record the way review tools should: under the
    record's lock, so that it never interleaves with :func:`publish`. (A plain editor cannot
    take the lock; :func:`publish` then notices a save up to the last moment before it replaces
    the file.)"""
    files = RecordFiles(Path(out_dir), key_of(name))
    with record_lock(files.out_dir, files.name):
        write_json_atomic(files.published, record)


# -- publishing -------------------------------------------------------------------------------
def publish(out_dir: Path, name: str, machine_record: dict[str, Any], *, author: str | None = None,
            before_write: Callable[[Path], None] | None = None) -> dict[str, Any]:
    """Write a record: capture any pending reviewer edit, write the machine copy, apply the
    active corrections (marking those that no longer apply as conflicts), write the published
    record atomically and return it.

    ``before_write`` is called with the published file's path just before it is replaced (the
    inbox service moves the previous version to history there). If a pending edit is invalid,
    the published file is left as the reviewer left it; the returned record is what will be
    published once the edit is fixed. A reviewer who saves the file while the new version is
    being prepared is noticed just before the write, and that edit is captured too.
    """
    out_dir, name = Path(out_dir), key_of(name)
    files = RecordFiles(out_dir, name)
    machine = strip_review(machine_record)
    with record_lock(out_dir, name):
        pending = _capture_or_keep(files, author)
        if pending and _set_aside(files, machine):
            pending = False
        seen = _read_bytes(files.published)
        before = None if pending or files.base.exists() else expected_published(files)
        if before is not None and seen is not None and not published_by_pipeline(out_dir, files.published.name, seen):
            # the file holds the edit just captured: should we die before replacing it, that edit
            # must not be taken for a new one against the new machine copy
            write_json_atomic(files.base, before)
        write_json_atomic(files.machine, machine)
        published = _corrected(files, machine)
        for _ in range(WRITE_ATTEMPTS):
            if pending:
                break
            text = dump_json(published)
            if write_text_atomic(files.published, text, before_replace=_unchanged(files, seen, before_write)):
                write_text_atomic(files.stamp, _sha256(text.encode("utf-8")) + "\n")
                files.base.unlink(missing_ok=True)
                break
            # the reviewer saved the file while this version was prepared: capture that edit too
            if before is not None and not files.base.exists():
                write_json_atomic(files.base, before)  # the record that edit was made against
            pending = _capture_or_keep(files, author)
            published = _corrected(files, machine)
            seen = _read_bytes(files.published)
        return published


def _set_aside(files: RecordFiles, machine: dict[str, Any]) -> bool:
    """An invalid pending edit of an earlier version (another ``record_id``) when a new version
    is published: moved to ``OUT/corrections/set-aside/<name>.<old id>.json`` (with the record it
    was made against), so that the published file and its catalog line are the new version.
    True if it was moved."""
    base = expected_published(files)
    old_id = (base or {}).get("record_id")
    if not old_id or old_id == machine.get("record_id") or not files.published.exists():
        return False
    aside = files.out_dir / CORRECTIONS_DIR / SET_ASIDE_DIR
    aside.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S")
    os.replace(files.published, aside / f"{files.name}.{old_id[:12]}.{stamp}.json")
    write_json_atomic(aside / f"{files.name}.{old_id[:12]}.{stamp}.base.json", base)
    files.base.unlink(missing_ok=True)
    return True


def restore_missing(out_dir: Path, record_paths: list[str] | None = None) -> list[str]:
    """Publish again, from its machine copy, every record file of the catalog (or of
    ``record_paths``, relative to ``out_dir``) that was deleted; returns their names. A record
    without a machine copy cannot be restored and is left out."""
    out_dir = Path(out_dir)
    paths = record_paths if record_paths is not None else [e["record_path"] for e in read_catalog(out_dir)]
    restored = []
    for rel in paths:
        if (out_dir / rel).exists():
            continue
        name = key_of(rel)
        if RecordFiles(out_dir, name).machine.exists():
            republish(out_dir, name)
            restored.append(name)
    return restored


def _unchanged(files: RecordFiles, seen: bytes | None, before_write: Callable[[Path], None] | None
               ) -> Callable[[], bool]:
    """The last check before the published file is replaced: nobody saved it since ``seen``."""

    def check() -> bool:
        if _read_bytes(files.published) != seen:
            return False
        if before_write is not None and files.published.exists():
            before_write(files.published)
        return True

    return check


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _capture_or_keep(files: RecordFiles, author: str | None) -> bool:
    """Capture a pending edit before a new version is published; True if it is invalid and
    stays pending (then the record it was made against is kept in ``files.base``)."""
    try:
        capture_edits(files.out_dir, files.name, author, note="captured when a new machine version was published")
        return False
    except InvalidEdit:
        if not files.base.exists():
            base = expected_published(files)
            if base is not None:
                write_json_atomic(files.base, base)
        return True


def _corrected(files: RecordFiles, machine: dict[str, Any]) -> dict[str, Any]:
    """``machine`` with the active corrections applied and its ``review`` object; corrections
    that no longer apply are marked as conflicts in the corrections file."""
    doc = load_corrections(files.out_dir, files.name)
    result = apply_corrections(machine, (doc or {}).get("corrections", []))
    if doc is not None:
        if machine.get("status") != "failed":  # a file that could not be read this time says nothing
            _mark_conflicts(doc, result, machine)
        doc["filename"], doc["record_id"] = machine["source"]["filename"], machine["record_id"]
        _save_corrections(files, doc)
    published = result.record
    info = review_info(doc, result)
    if info is not None:
        published[REVIEW_KEY] = info
    return published


def _mark_conflicts(doc: dict[str, Any], result: Applied, machine: dict[str, Any]) -> None:
    for c in doc["corrections"]:
        exc = result.failed.get(c["id"])
        if exc is not None:
            c["status"] = "conflict"
            c["conflict"] = {"detected_at": _now(), "record_id": machine["record_id"],
                             "extractor_version": machine.get("extractor_version"), "kind": exc.kind,
                             "message": exc.message}


def republish(out_dir: Path, name: str, *, author: str | None = None) -> dict[str, Any]:
    """Publish the stored machine copy again (after corrections changed) and update its catalog line."""
    files = RecordFiles(Path(out_dir), key_of(name))
    if not files.machine.exists():
        raise UnknownRecord(f"no machine copy {files.machine}; process the source file again first")
    with record_lock(files.out_dir, files.name):
        published = publish(files.out_dir, files.name, _read_json(files.machine), author=author)
        refresh_catalog(files.out_dir, files.name, published)
    return published


def refresh_catalog(out_dir: Path, name: str, record: dict[str, Any]) -> dict[str, Any]:
    """Rewrite the catalog line of a published record (keeping its ``previous_record_ids``)."""
    entry = catalog_entry(record, f"{RECORDS_DIR}/{name}.json")
    for old in read_catalog(out_dir):
        if old["filename"] == entry["filename"] and "previous_record_ids" in old:
            entry["previous_record_ids"] = old["previous_record_ids"]
    update_catalog(out_dir, [entry])
    return entry


# -- review commands --------------------------------------------------------------------------
@dataclass
class SyncResult:
    captured: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    invalid: list[InvalidEdit] = field(default_factory=list)


def sync_record(out_dir: Path, name: str, author: str | None = None) -> dict[str, Any] | None:
    """Capture the edit of one record and republish it (with its ``review`` object and catalog
    line). Returns the new correction, None if there was no edit; raises :class:`InvalidEdit`."""
    files = RecordFiles(Path(out_dir), key_of(name))
    with record_lock(files.out_dir, files.name):
        had_base = files.base.exists()
        correction = capture_edits(files.out_dir, files.name, author)
        if correction is not None or had_base:
            republish(files.out_dir, files.name, author=author)
        return correction


def sync_all(out_dir: Path, author: str | None = None,
             on_record: Callable[[str], None] | None = None) -> SyncResult:
    """:func:`sync_record` for every published record; invalid edits are collected, not raised.
    ``on_record`` is called with each record's name once it has been looked at (progress)."""
    result = SyncResult()
    for name in record_names(out_dir):
        try:
            correction = sync_record(out_dir, name, author)
        except InvalidEdit as exc:
            result.invalid.append(exc)
            correction = None
        if correction is not None:
            result.captured.append((name, correction))
        if on_record is not None:
            on_record(name)
    return result


def _decide(out_dir: Path, name: str, cid: str, author: str | None,
            change: Callable[[dict[str, Any], dict[str, Any], str], None]) -> dict[str, Any]:
    out_dir, name = Path(out_dir), key_of(name)
    files = RecordFiles(out_dir, name)
    with record_lock(out_dir, name):
        sync_record(out_dir, name, author)  # a pending edit first; an invalid one stops here
        doc = load_corrections(out_dir, name)
        correction = _find(doc, cid)
        change(doc, correction, author or default_author())
        _save_corrections(files, doc)
        republish(out_dir, name, author=author)
        return _find(load_corrections(out_dir, name), cid)


def accept(out_dir: Path, name: str, cid: str, author: str | None = None) -> dict[str, Any]:
    """Accept a conflicting (or rejected) correction: re-pin its ``test`` operations to the
    current values (machine output with the other active corrections applied), move it last and
    apply it. Raises :class:`ReviewError` if it cannot apply even so (a location is gone)."""

    def change(doc: dict[str, Any], c: dict[str, Any], who: str) -> None:
        if c["status"] == "active":
            raise UnknownCorrection(f"correction {cid} is already active")
        machine = _read_json(RecordFiles(Path(out_dir), key_of(name)).machine)
        others = [x for x in doc["corrections"] if x is not c]
        state = apply_corrections(machine, others).record
        repinned = {**c, "patch": repin(state, c["patch"]),
                    "allow_duplicates": c.get("allow_duplicates") or (c.get("conflict") or {}).get("kind") == "duplicate"}
        try:
            apply_correction(state, repinned, machine)
        except CorrectionConflict as exc:
            raise ReviewError(f"correction {cid} cannot be applied even re-pinned: {exc.message}",
                              hint="Reject it and edit the published record instead.") from exc
        c.update(repinned, status="active", accepted_by=who, accepted_at=_now())
        if not c["allow_duplicates"]:
            del c["allow_duplicates"]
        c.pop("conflict", None)
        doc["corrections"] = others + [c]

    return _decide(out_dir, name, cid, author, change)


def reject(out_dir: Path, name: str, cid: str, author: str | None = None) -> dict[str, Any]:
    """Reject a correction: it is kept (status ``rejected``) but no longer applied, so the
    published record goes back to the machine value."""

    def change(doc: dict[str, Any], c: dict[str, Any], who: str) -> None:
        c.update(status="rejected", rejected_by=who, rejected_at=_now())

    return _decide(out_dir, name, cid, author, change)


def repin(state: Any, patch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """``patch`` with every ``test`` value replaced by the value found in ``state`` at that point
    of the patch. Raises :class:`ReviewError` if a location no longer exists."""
    current, out = copy.deepcopy(state), []
    for op in patch:
        op = copy.deepcopy(op)
        try:
            if op["op"] == "test":
                op["value"] = copy.deepcopy(resolve(current, op["path"]))
            else:
                current = apply_operation(current, op)
        except PatchError as exc:
            raise ReviewError(f"cannot re-pin {json_path(op['path'])}: {exc.message}",
                              hint="Reject the correction and edit the published record instead.") from exc
        out.append(op)
    return out


def needs_review(out_dir: Path) -> list[tuple[str, list[str]]]:
    """Records needing a reviewer, with the reasons: failed or partial, corrections in
    conflict, pending edits (invalid or not synced), low confidence (no kind and no number)."""
    out: list[tuple[str, list[str]]] = []
    for name in record_names(out_dir):
        files = RecordFiles(Path(out_dir), name)
        reasons: list[str] = []
        edit = pending_edit(out_dir, name)
        if edit is not None and edit.problems:
            reasons.append(f"invalid edit pending ({len(edit.problems)} problem(s): {edit.problems[0].path}: "
                           f"{edit.problems[0].message}; fix it and run 'review sync')")
        elif edit is not None:
            reasons.append("edited, not synced yet (run 'review sync')")
        try:
            record = edit.base if edit is not None else _read_json(files.published)
        except (OSError, ValueError) as exc:
            out.append((name, [f"unreadable record file: {exc}"]))
            continue
        if record.get("status") in ("failed", "partial"):
            codes = ", ".join(e.get("code", "?") for e in record.get("errors") or [])
            reasons.append(f"status {record['status']}" + (f" ({codes})" if codes else ""))
        conflicts = [c["id"] for c in (load_corrections(out_dir, name) or {}).get("corrections", [])
                     if c["status"] == "conflict"]
        if conflicts:
            reasons.append(f"corrections in conflict: {', '.join(conflicts)}")
        doc = record.get("document") or {}
        if record.get("status") != "failed" and doc.get("kind") is None and doc.get("number") is None:
            reasons.append("low confidence: no document kind and no number")
        if reasons:
            out.append((name, reasons))
    return out


_REMOVED = "(removed)"
_NONE = "(none)"


def _show(value: Any, limit: int = 100) -> str:
    text = json.dumps(_without_evidence(value), ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _what_changed(expected: Any, found: Any) -> str:
    """``value: 12 -> 14``: the members of a pinned item that differ now (or the whole value)."""
    if isinstance(expected, dict) and isinstance(found, dict):
        keys = sorted(k for k in expected.keys() | found.keys() if not json_equal(expected.get(k), found.get(k)))
        return "; ".join(f"{k}: {_show(expected.get(k), 60)} -> {_show(found.get(k), 60)}" for k in keys)
    return f"{_show(expected)} -> {_show(found)}"


def changes(patch: list[dict[str, Any]]) -> list[tuple[str, str, str]]:
    """A patch as (path, value before, value after) rows for people."""
    pinned: dict[str, Any] = {}
    rows = []
    for op in patch:
        kind, path = op.get("op"), op.get("path", "")
        if kind == "test":
            pinned[path] = op.get("value")
        elif kind == "replace":
            rows.append((json_path(path), _show(pinned[path]) if path in pinned else "?", _show(op["value"])))
        elif kind == "remove":
            rows.append((json_path(path), _show(pinned[path]) if path in pinned else "?", _REMOVED))
        elif kind == "add":
            rows.append((json_path(path), _NONE, _show(op["value"])))
        elif kind in ("move", "copy"):
            rows.append((json_path(path), f"{kind} from {json_path(op['from'])}", ""))
    return rows


def format_corrections(out_dir: Path, name: str) -> str:
    """``review show``: every correction of a record as path: machine value -> corrected value."""
    name = key_of(name)
    doc = load_corrections(out_dir, name)
    lines = [f"{name}: " + (f"{len(doc['corrections'])} correction(s)" if doc else "no corrections")]
    edit = pending_edit(out_dir, name)
    if edit is not None:
        lines.append("  pending edit " + ("(invalid):" if edit.problems else "(not synced):"))
        lines += [f"    {p.path}: {p.message}" for p in edit.problems]
        if edit.edited is not None and not edit.problems:
            lines += [f"    {path}: {before} -> {after}" for path, before, after in changes(make_patch(edit.base, edit.edited))]
    for c in (doc or {}).get("corrections", []):
        lines.append(f"  {c['id']} [{c['status']}] by {c.get('author')} at {c.get('created_at')}"
                     + (f" - {c['note']}" if c.get("note") else ""))
        if c.get("conflict"):
            lines.append(f"    conflict: {c['conflict']['message']}")
        lines += [f"    {path}: {before} -> {after}" for path, before, after in changes(c["patch"])]
    return "\n".join(lines)


# -- gold export ------------------------------------------------------------------------------
def gold_record(record: dict[str, Any]) -> dict[str, Any]:
    """A record's facts in the gold-file format (``/work/shared/gold/README.md``)."""
    gold: dict[str, Any] = {"source": record["source"]["filename"]}
    for family, keys in GOLD_FIELDS.items():
        value = record.get(family)
        if isinstance(value, list):
            gold[family] = [{k: item.get(k) for k in keys} for item in value]
        else:
            gold[family] = {k: (value or {}).get(k) for k in keys}
    return gold


def export_gold(out_dir: Path, gold_dir: Path) -> list[Path]:
    """Write a gold file (``GOLD_DIR/<name>.json``) for every record with at least one applied
    correction, from the published (corrected) record; returns the files written."""
    out_dir, gold_dir = Path(out_dir), Path(gold_dir)
    written = []
    for name in record_names(out_dir):
        files = RecordFiles(out_dir, name)
        doc = load_corrections(out_dir, name)
        if not doc or not files.machine.exists():
            continue
        result = apply_corrections(_read_json(files.machine), doc["corrections"])
        if result.applied:
            target = gold_dir / f"{name}.json"
            write_json_atomic(target, gold_record(result.record))
            written.append(target)
    return written

