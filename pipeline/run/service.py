"""The inbox service: watch a folder, process every file that lands in it, lose none.

``python -m pipeline watch INBOX`` polls the inbox, waits until a file has settled, claims it
by an atomic rename into ``INBOX/.work/``, and processes claimed files concurrently
(``concurrency`` at a time) either in threads (``engine="local"``) or as Prefect flow runs with
one task per file (``engine="prefect"``). See :mod:`pipeline.run.inbox` for the lifecycle and
crash safety.

A file has settled when no process holds it open for writing (a read lease can be taken, where
the file system supports leases) and its size and modification time have not changed for
``settle`` seconds, or, for a file seen changing, for twice the longest pause seen between its
changes (a slow writer that pauses between bursts is waited for). Writers that cannot be
detected should write ``NAME.part`` and rename it when done: temporary names are never read.
The content is hashed when claimed and again before the file is moved out of ``.work/``; a file
that changed meanwhile is put back into the inbox and processed again once it settles, so the
bytes processed are the bytes kept.

Each document is processed in a child process under the memory and time limits of
:class:`~pipeline.ingest.limits.Limits` (:mod:`pipeline.run.workers`); a file the service cannot
claim, name, read or decode becomes a ``failed`` entry with the reason, and the service goes on.
On SIGTERM or SIGINT it stops claiming, ends the running workers (their files stay claimed and
are redone at the next start) and exits. Child processes and temporary folders die with it
(:mod:`pipeline.core.reaper`); at start-up, those a killed service left are removed.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import shutil
import signal
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..core.model import SourceInfo
from ..core.reaper import clean_stale_folders, mark_owner
from ..ingest.limits import DEFAULT_LIMITS, Limits
from ..ingest.readers import too_large
from ..ingest.readers.office import TEMPLATE_ENV
from ..publish.catalog import catalog_entry, update_catalog
from ..publish.names import RECORDS_DIR, legacy_record_name, record_name
from ..publish.storage import write_json_atomic
from ..record.build import failure_record
from ..record.schema import validate
from ..review.corrections import (
    BASE_DIR,
    CORRECTIONS_DIR,
    MACHINE_DIR,
    publish,
    restore_missing,
)
from .inbox import (
    Layout,
    StateStore,
    hash_file,
    open_for_writing,
    safe_name,
    same_file,
    split_work_name,
    work_name,
)
from .workers import DocumentWorkers, Interrupted

log = logging.getLogger("pipeline.inbox")

HISTORY_DIR = "history"


@dataclass
class ServiceConfig:
    inbox: Path
    out: Path
    concurrency: int = 2
    poll: float = 1.0
    settle: float = 2.0
    limits: Limits = DEFAULT_LIMITS
    engine: str = "local"
    #: Each document in a child process with memory and time limits (:mod:`.workers`); off, they
    #: run in the service's threads (only the size and content budgets then hold).
    isolate: bool = field(default_factory=lambda: os.environ.get("VNPLAN_ISOLATE", "1").strip().lower()
                          not in ("0", "false", "no", "off"))


@dataclass
class Outcome:
    """What happened to one claimed file."""

    name: str
    sha256: str
    state: str  # "processed", "failed", "duplicate"; "refused" (left in the inbox), "requeued"
    # (changed while processed: back in the inbox), "interrupted" (stays claimed)
    final_path: str
    detail: dict[str, Any] = field(default_factory=dict)


def _base(name: str) -> str:
    """The file name of a document named by its path under the inbox ("2024/KH-01.txt")."""
    return name.rsplit("/", 1)[-1]


class AlreadyRunning(RuntimeError):
    pass


class InboxService:
    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.layout = Layout(config.inbox)
        self.layout.ensure()
        config.out.mkdir(parents=True, exist_ok=True)
        self.state = StateStore(config.out / "state.sqlite")
        self._catalog_lock = threading.Lock()
        self._sha_locks: dict[str, threading.Lock] = defaultdict(threading.Lock)
        self._sha_guard = threading.Lock()
        self._seen: dict[Path, tuple[int, int, float, float]] = {}
        self._refused: dict[Path, str] = {}
        self._unmovable: dict[Path, str] = {}
        self._stop = threading.Event()
        self._lockfile: Any = None
        self._workers = DocumentWorkers() if config.isolate else None
        self._tmp: Path | None = None

    # -- single instance -------------------------------------------------------------------
    def acquire(self) -> None:
        """Refuse to run twice on one output folder."""
        self._lockfile = open(self.config.out / ".service.lock", "w")  # noqa: SIM115 - held while running
        try:
            fcntl.flock(self._lockfile, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            raise AlreadyRunning(f"another service is already using {self.config.out}") from exc

    def release(self) -> None:
        if self._lockfile is not None:
            self._lockfile.close()  # closing drops the lock
            self._lockfile = None

    def stop(self, *_: Any) -> None:
        """Stop claiming and end the running documents (they stay claimed, redone at the next start)."""
        self._stop.set()
        if self._workers is not None:
            self._workers.stop()

    # -- start-up and shut-down --------------------------------------------------------------
    def start(self) -> None:
        """Before any document: remove what killed services left in the temporary folder, give
        this service its own temporary folder, and load the models once, in this thread (the fork
        server of the workers, or this process when documents are not isolated)."""
        for stale in clean_stale_folders():
            log.info("removed %s, left by a service that was killed", stale)
        self._tmp = Path(tempfile.mkdtemp(prefix="vnplan-service-"))
        mark_owner(self._tmp)
        os.environ[TEMPLATE_ENV] = str(self._tmp)
        if self._workers is not None:
            self._workers.start()
        else:
            from . import preload

            preload.warm_up()
        if self.config.engine == "prefect":
            from .flows import start_api

            start_api()

    def shutdown(self) -> None:
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            if os.environ.get(TEMPLATE_ENV) == str(self._tmp):
                del os.environ[TEMPLATE_ENV]
            self._tmp = None

    # -- discovery -------------------------------------------------------------------------
    def stable_files(self, now: float | None = None) -> list[Path]:
        """Waiting files that have settled (see the module docstring). Entries that are not
        regular files are left where they are, their reason logged once (and reported as
        ``refused`` outcomes by :meth:`refusals`)."""
        now = time.monotonic() if now is None else now
        ready, current = [], {}
        waiting, refused = self.layout.scan()
        self._new_refusals = {p: r for p, r in refused.items() if self._refused.get(p) != r}
        for path, reason in self._new_refusals.items():
            log.warning("left in the inbox: %s: %s", os.fsdecode(path.name).encode("utf-8", "replace").decode(), reason)
        self._refused = refused
        for path in waiting:
            try:
                st = path.lstat()
            except FileNotFoundError:
                continue
            key = (st.st_size, st.st_mtime_ns)
            prev = self._seen.get(path)
            if prev is None:
                since, gap = now, 0.0
            elif prev[:2] == key:
                since, gap = prev[2], prev[3]
            else:  # changed: wait for twice the longest pause between changes
                since, gap = now, max(prev[3], now - prev[2])
            current[path] = (*key, since, gap)
            if now - since >= max(self.config.settle, 2 * gap) and not open_for_writing(path):
                ready.append(path)
        self._seen = current
        return ready

    def refusals(self) -> list[Outcome]:
        """Outcomes for the entries newly left in the inbox by the last :meth:`stable_files`."""
        return [Outcome(safe_name(p.name), "", "refused", str(p), {"reason": r})
                for p, r in getattr(self, "_new_refusals", {}).items()]

    def claim(self, path: Path) -> Path | None:
        """Move a waiting file into ``.work/`` under its content hash. None if it vanished, if it
        cannot be moved (left in the inbox, the reason logged), or if it cannot be read (then it
        is in ``failed/`` with the reason)."""
        work_dir = self.layout.work / self.layout.subfolder(path)
        pending = work_dir / f"claim-{uuid.uuid4().hex}__{safe_name(path.name)}"
        try:
            work_dir.mkdir(parents=True, exist_ok=True)
            os.rename(path, pending)  # .work/ holds only fresh unique names: nothing to replace
        except FileNotFoundError:
            return None
        except OSError as exc:
            reason = f"cannot be moved out of the inbox: {exc.strerror or exc}"
            if self._unmovable.get(path) != reason:
                log.warning("left in the inbox: %s: %s", safe_name(path.name), reason)
            self._unmovable[path] = reason
            return None
        return self._name_by_hash(pending)

    def _name_by_hash(self, pending: Path) -> Path | None:
        _, name = split_work_name(pending.name)
        try:
            sha, _ = hash_file(pending)
        except OSError as exc:
            self._unreadable(pending, self._document_name(pending.parent, name), exc)
            return None
        target = pending.parent / work_name(sha, name)
        if os.path.lexists(target):  # the same bytes under the same name claimed twice
            target = pending.parent / work_name(sha, f"{uuid.uuid4().hex[:8]}-{name}")
        os.rename(pending, target)
        return target

    def _document_name(self, work_dir: Path, name: str) -> str:
        """The name a claimed file is known by: its path under the inbox ("2024/KH-01.txt")."""
        rel = work_dir.relative_to(self.layout.work)
        return f"{rel.as_posix()}/{name}" if rel.parts else name

    def _folder(self, base: Path, name: str) -> Path:
        """Where a document named ``name`` (see :meth:`_document_name`) goes under ``base``."""
        return base.joinpath(*name.split("/")[:-1])

    def _unreadable(self, pending: Path, name: str, exc: OSError) -> None:
        """A claimed file that cannot be read (no permission, not a regular file any more): into
        ``failed/`` with a failure note; it has no content hash, so no record is published."""
        what = "is not a regular file" if exc.errno in (40, 22) else "cannot be read"
        record = failure_record(SourceInfo(name, "0" * 64, "application/octet-stream", 0), [{
            "code": "io_error", "stage": "claim", "message": f"{name!r} {what}: {exc.strerror or exc}",
            "exception": type(exc).__name__,
            "hint": "Check the file's permissions (the service must be able to read it) and drop it again.",
        }])
        validate(record)
        final = self.layout.place(pending, self._folder(self.layout.failed, name), _base(name), "")
        write_json_atomic(final.with_name(final.name + ".failure.json"), record)
        self.layout.release(pending, final)
        self.layout.remove_empty(pending.parent, self.layout.work)
        log.warning("failed: %s %s: %s", name, what, exc)

    def clean_temporaries(self) -> int:
        """Remove the temporary files of atomic writes a killed run left behind (only one service
        runs per output folder, so any that exist at start-up are stale)."""
        removed = 0
        out = self.config.out
        for folder in (self.layout.processed, self.layout.failed, out, out / RECORDS_DIR, out / RECORDS_DIR / HISTORY_DIR,
                       out / MACHINE_DIR, out / CORRECTIONS_DIR, out / CORRECTIONS_DIR / BASE_DIR):
            if folder.is_dir():
                for tmp in folder.glob(".*.tmp"):
                    tmp.unlink(missing_ok=True)
                    removed += 1
        return removed

    def recover(self) -> list[Path]:
        """Files a previous run claimed but did not finish, ready to be redone; record files
        deleted from the output folder are published again from their machine copies."""
        self.clean_temporaries()
        for name in restore_missing(self.config.out):
            log.warning("record file of %s was missing: published again from its machine copy", name)
        out = []
        for path in self.layout.claimed():
            sha, _ = split_work_name(path.name)
            claimed = path if len(sha) == 64 else self._name_by_hash(path)
            if claimed is not None:
                out.append(claimed)
        return out

    # -- handling one file -------------------------------------------------------------------
    def handle(self, work_path: Path) -> Outcome:
        """Process one claimed file. Never raises for a file: whatever goes wrong with it is
        logged and the file stays claimed (redone at the next start) or ends in ``failed/``."""
        sha, base = split_work_name(work_path.name)
        name = self._document_name(work_path.parent, base)
        try:
            with self._sha_guard:
                lock = self._sha_locks[sha]
            with lock:
                known = self.state.get(sha)
                if known is not None and known["state"] == "failed":
                    final = Path(known["final_path"])
                    if os.path.lexists(final) and same_file(work_path, final):  # finished before a crash
                        self.layout.release(work_path, final)
                        return Outcome(name, sha, "failed", known["final_path"])
                    retried = self._retire_failure(known)  # dropped again: tried again
                    outcome = self._extract(work_path, name, sha)
                    outcome.detail["retried"] = retried
                    return outcome
                if known is not None:
                    final = Path(known["final_path"])
                    if known["filename"] == name and self._finish_move(work_path, final):
                        return Outcome(name, sha, known["state"], known["final_path"])
                    return self._duplicate(work_path, name, sha, known)
                return self._extract(work_path, name, sha)
        except Interrupted:
            return Outcome(name, sha, "interrupted", str(work_path))
        except Exception as exc:  # noqa: BLE001 - one file must never stop the service
            log.exception("could not handle %s", work_path.name)
            return Outcome(name, sha, "interrupted", str(work_path), {"error": f"{type(exc).__name__}: {exc}"})
        finally:
            self.layout.remove_empty(work_path.parent, self.layout.work)

    def _retire_failure(self, known: dict[str, Any]) -> str:
        """Move a failed file about to be retried, and its failure note, to ``failed/.history/``
        (under names nobody holds) and keep the failure in the state; returns where the note went."""
        kept_note = self.layout.keep_failure(Path(known["final_path"]), self._folder(Path(), known["filename"]),
                                             known["sha256"][:8])
        self.state.retire(known, str(kept_note))
        return str(kept_note)

    def _finish_move(self, work_path: Path, final: Path) -> bool:
        """A file finished before a crash, not yet moved (or moved, its claimed name not yet
        removed): complete the move. False if ``final`` holds another file."""
        if os.path.lexists(final):
            if os.path.samefile(work_path, final):
                self.layout.release(work_path, final)
                return True
            return False
        try:
            os.link(work_path, final, follow_symlinks=False)
        except FileExistsError:
            return False
        self.layout.release(work_path, final)
        return True

    def _duplicate(self, work_path: Path, name: str, sha: str, known: dict[str, Any]) -> Outcome:
        folder = self._folder(self.layout.processed if known["state"] == "processed" else self.layout.failed, name)
        restore_missing(self.config.out, [known["record_path"]])  # a deleted record file comes back
        final = self.layout.place(work_path, folder, _base(name), sha)
        note = {"duplicate_of": known["final_path"], "sha256": sha, "filename": name,
                "record_path": known["record_path"], "state": known["state"]}
        write_json_atomic(final.with_name(final.name + ".duplicate.json"), note)
        self.state.add_duplicate(str(final), sha)
        self.layout.release(work_path, final)
        return Outcome(name, sha, "duplicate", str(final), note)

    def _extract(self, work_path: Path, name: str, sha: str) -> Outcome:
        limits = self.config.limits
        size = work_path.lstat().st_size
        source = SourceInfo(name, sha, "application/octet-stream", size)
        if size > limits.max_bytes:  # refused before a byte is read
            record = failure_record(source, [too_large(name, size, limits).to_dict()])
        else:
            record = self._process(work_path, name, source)
        try:
            now_sha, _ = hash_file(work_path)
        except OSError:
            now_sha = ""
        if now_sha != sha or record["source"]["sha256"] not in (sha, "0" * 64):
            return self._requeue(work_path, name, sha)
        ok = record["status"] != "failed"
        folder = self._folder(self.layout.processed if ok else self.layout.failed, name)
        final = self.layout.place(work_path, folder, _base(name), sha)
        write_json_atomic(final.with_name(final.name + (".record.json" if ok else ".failure.json")), record)
        record_path = self._publish(record, name, sha)
        error = record["errors"][0] if record["errors"] else {}
        self.state.finish(sha, name, "processed" if ok else "failed", str(final), record_path,
                          error.get("code"), error.get("message"))
        self.layout.release(work_path, final)
        return Outcome(name, sha, "processed" if ok else "failed", str(final), {"status": record["status"]})

    def _process(self, work_path: Path, name: str, source: SourceInfo) -> dict[str, Any]:
        """The record of one claimed file: in a worker process, or here when not isolated."""
        if self._workers is not None:
            return self._workers.process(work_path, name, source, self.config.limits)
        from .process import process_bytes
        from .workers import limit_record, read_regular

        try:
            return process_bytes(read_regular(work_path), name, self.config.limits)
        except MemoryError:
            return limit_record(source, "too_large", f"{name!r} needs more memory than there is",
                                "Split the document, or lower the budgets (VNPLAN_MAX_CHARS).")
        except Exception as exc:  # noqa: BLE001 - a pipeline bug must not stop the service
            return limit_record(source, "internal_error", f"{type(exc).__name__}: {exc}",
                                "This is a pipeline bug; report it with the file attached.")

    def _requeue(self, work_path: Path, name: str, sha: str) -> Outcome:
        """The file changed while it was processed (a writer still at work): put it back into
        the inbox, under a name nobody holds, to be processed again once it settles."""
        back = self.layout.place(work_path, self._folder(self.layout.inbox, name), _base(name),
                                 f"changed{uuid.uuid4().hex[:6]}")
        self.layout.release(work_path, back)
        log.warning("%s changed while it was processed: back in the inbox as %s", name, back.name)
        return Outcome(name, sha, "requeued", str(back))

    def _publish(self, record: dict[str, Any], name: str, sha: str) -> str:
        """Write the record to the output folder and make it the current version of ``name``."""
        out = self.config.out
        rel = f"{RECORDS_DIR}/{record_name(name)}"
        with self._catalog_lock:
            self._retire_legacy(name)
            # publish() captures a reviewer's pending edit first, then applies the corrections
            published = publish(out, record_name(name)[:-5], record,
                                before_write=lambda current: self._archive(current, name, sha))
            entry = catalog_entry(published, rel)
            previous = [v for v in self.state.versions(name) if v != sha]
            if previous:
                entry["previous_record_ids"] = previous
            update_catalog(out, [entry])
        return rel

    def _archive(self, current: Path, name: str, sha: str) -> None:
        """Move the published record of an earlier version of ``name`` to ``records/history/``."""
        try:
            old_id = json.loads(current.read_text(encoding="utf-8")).get("record_id", "")
        except ValueError:
            old_id = ""
        if old_id and old_id != sha:
            history = self.config.out / RECORDS_DIR / HISTORY_DIR / f"{record_name(name)[:-5]}.{old_id[:12]}.json"
            history.parent.mkdir(parents=True, exist_ok=True)
            os.replace(current, history)

    def _retire_legacy(self, name: str) -> None:
        """A record of ``name`` published under the name earlier versions gave it (shared by
        several inputs) moves to ``records/history/`` when ``name`` gets its own record file."""
        legacy = self.config.out / RECORDS_DIR / legacy_record_name(name)
        if legacy.name == record_name(name) or not legacy.exists():
            return
        try:
            owner = json.loads(legacy.read_text(encoding="utf-8"))["source"]["filename"]
        except (OSError, ValueError, KeyError, TypeError):
            return
        if owner == name:
            history = self.config.out / RECORDS_DIR / HISTORY_DIR / legacy.name
            history.parent.mkdir(parents=True, exist_ok=True)
            os.replace(legacy, history)

    # -- the loop ----------------------------------------------------------------------------
    def run_batch(self, paths: list[Path]) -> list[Outcome]:
        if not paths:
            return []
        if self.config.engine == "prefect":
            from .flows import inbox_batch_flow

            return inbox_batch_flow(self, paths)
        with ThreadPoolExecutor(max_workers=max(1, self.config.concurrency)) as pool:
            return list(pool.map(self.handle, paths))

    def run(self, once: bool = False, on_batch: Callable[[list[Outcome]], None] | None = None) -> None:
        """Serve until stopped (or, with ``once``, until no input is waiting)."""
        self.acquire()
        self.state.set_meta("inbox", str(self.config.inbox.resolve()))
        previous = {}
        try:
            if threading.current_thread() is threading.main_thread():
                for sig in (signal.SIGTERM, signal.SIGINT):
                    previous[sig] = signal.signal(sig, self.stop)
            self.start()
            outcomes = self.run_batch(self.recover())
            if on_batch and outcomes:
                on_batch(outcomes)
            while not self._stop.is_set():
                ready = self.stable_files()
                refused = self.refusals()
                claimed = [w for w in (self.claim(p) for p in ready if not self._stop.is_set()) if w is not None]
                outcomes = refused + self.run_batch(claimed)
                if on_batch and outcomes:
                    on_batch(outcomes)
                if once and not claimed and not [p for p in self.layout.waiting() if p not in self._unmovable]:
                    break
                self._stop.wait(self.config.poll)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.shutdown()
            self.release()


def served_inbox(out: Path) -> Path | None:
    """The inbox the service of the output folder ``out`` last served, if any."""
    if not (out / "state.sqlite").exists():
        return None
    known = StateStore(out / "state.sqlite").meta("inbox")
    return Path(known) if known else None


def requeue_failed(inbox: Path, out: Path, names: list[str] | None = None) -> tuple[list[Path], list[str]]:
    """Put failed files back into the inbox, each into the subfolder it came from, to be processed
    again (``names``: their paths under ``failed/`` or their file names; None: all of them).
    Their failure notes stay until the retry moves them to ``failed/.history/``; a file the
    state does not know (it could not be read when claimed) has its note moved there now.
    Returns the files put back and the names that matched no failed file."""
    layout = Layout(inbox)
    failed = layout.failures()
    if names is None:
        chosen, unknown = failed, []
    else:
        chosen, unknown = [], []
        for wanted in names:
            hits = [p for p in failed if p.relative_to(layout.failed).as_posix() == wanted.strip("/") or p.name == wanted]
            if not hits:
                unknown.append(wanted)
            chosen.extend(h for h in hits if h not in chosen)
    state = StateStore(out / "state.sqlite")
    moved = []
    for path in chosen:
        rel = path.parent.relative_to(layout.failed)
        try:
            sha, _ = hash_file(path)
        except OSError:
            sha = ""
        known = state.get(sha) if sha else None
        back = layout.place(path, inbox / rel, path.name, "retry")
        layout.release(path, back)
        if known is None or known["state"] != "failed":
            layout.keep_failure(path, rel, "unread")  # the file is back in the inbox: its note goes now
        moved.append(back)
    return moved, unknown


def status(out: Path, inbox: Path | None = None, last: int = 10) -> dict[str, Any]:
    """Counts by state and the last failures, for ``python -m pipeline status``."""
    state = StateStore(out / "state.sqlite")
    counts = state.counts()
    result: dict[str, Any] = {"counts": {"processed": counts.get("processed", 0), "failed": counts.get("failed", 0),
                                         "duplicates": counts.get("duplicates", 0),
                                         "retried": counts.get("retried", 0)}}
    if inbox is not None:
        layout = Layout(inbox)
        result["counts"]["waiting"] = len(layout.waiting()) if inbox.exists() else 0
        result["counts"]["in_progress"] = len(layout.claimed()) if layout.work.exists() else 0
    result["last_failures"] = [{"filename": f["filename"], "code": f["error_code"], "reason": f["reason"],
                                "file": f["final_path"]} for f in state.last_failures(last)]
    return result
