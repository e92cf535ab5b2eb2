"""The inbox service: watch a folder, process every file that lands in it, lose none.

``python -m pipeline watch INBOX`` polls the inbox, waits until a file has stopped growing
(same size and modification time for ``settle`` seconds), claims it by an atomic rename into
``INBOX/.work/``, and processes claimed files concurrently (``concurrency`` at a time) either
in threads (``engine="local"``) or as Prefect flow runs with one task per file
(``engine="prefect"``). See :mod:`pipeline.run.inbox` for the lifecycle and crash safety.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import signal
import threading
import time
import uuid
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..ingest.limits import DEFAULT_LIMITS, Limits
from ..publish.catalog import catalog_entry, update_catalog
from ..publish.names import RECORDS_DIR, record_name
from ..publish.storage import write_json_atomic
from ..record.build import failure_record
from ..review.corrections import BASE_DIR, CORRECTIONS_DIR, MACHINE_DIR, publish
from .inbox import Layout, StateStore, safe_name, split_work_name, work_name
from .process import process_bytes, source_info

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


@dataclass
class Outcome:
    """What happened to one claimed file."""

    name: str
    sha256: str
    state: str  # "processed", "failed", "duplicate"
    final_path: str
    detail: dict[str, Any] = field(default_factory=dict)


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
        self._seen: dict[Path, tuple[int, int, float]] = {}
        self._stop = threading.Event()
        self._lockfile: Any = None

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
        self._stop.set()

    # -- discovery -------------------------------------------------------------------------
    def stable_files(self, now: float | None = None) -> list[Path]:
        """Waiting files whose size and mtime have not changed for ``settle`` seconds."""
        now = time.monotonic() if now is None else now
        ready, current = [], {}
        for path in self.layout.waiting():
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            key = (st.st_size, st.st_mtime_ns)
            prev = self._seen.get(path)
            since = prev[2] if prev and prev[:2] == key else now
            current[path] = (*key, since)
            if now - since >= self.config.settle:
                ready.append(path)
        self._seen = current
        return ready

    def claim(self, path: Path) -> Path | None:
        """Move a waiting file into ``.work/`` under its content hash; None if it vanished."""
        pending = self.layout.work / f"claim-{uuid.uuid4().hex}__{safe_name(path.name)}"
        try:
            os.replace(path, pending)
        except FileNotFoundError:
            return None
        return self._name_by_hash(pending)

    def _name_by_hash(self, pending: Path) -> Path:
        _, name = split_work_name(pending.name)
        sha = hashlib.sha256(pending.read_bytes()).hexdigest()
        target = self.layout.work / work_name(sha, name)
        os.replace(pending, target)
        return target

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
        """Files a previous run claimed but did not finish, ready to be redone."""
        self.clean_temporaries()
        out = []
        for path in self.layout.claimed():
            sha, _ = split_work_name(path.name)
            out.append(path if len(sha) == 64 else self._name_by_hash(path))
        return out

    # -- handling one file -------------------------------------------------------------------
    def handle(self, work_path: Path) -> Outcome:
        sha, name = split_work_name(work_path.name)
        with self._sha_guard:
            lock = self._sha_locks[sha]
        with lock:
            known = self.state.get(sha)
            if known is not None:
                if known["filename"] == name and not Path(known["final_path"]).exists():
                    os.replace(work_path, known["final_path"])  # finished before a crash, not yet moved
                    return Outcome(name, sha, known["state"], known["final_path"])
                return self._duplicate(work_path, name, sha, known)
            return self._extract(work_path, name, sha)

    def _duplicate(self, work_path: Path, name: str, sha: str, known: dict[str, Any]) -> Outcome:
        folder = self.layout.processed if known["state"] == "processed" else self.layout.failed
        final = self.layout.final_path(folder, name, sha)
        note = {"duplicate_of": known["final_path"], "sha256": sha, "filename": name,
                "record_path": known["record_path"], "state": known["state"]}
        write_json_atomic(final.with_name(final.name + ".duplicate.json"), note)
        self.state.add_duplicate(str(final), sha)
        os.replace(work_path, final)
        return Outcome(name, sha, "duplicate", str(final), note)

    def _extract(self, work_path: Path, name: str, sha: str) -> Outcome:
        data = work_path.read_bytes()
        try:
            record = process_bytes(data, name, self.config.limits)
        except Exception as exc:  # a pipeline bug must not stop the service
            record = failure_record(source_info(data, name), [{
                "code": "internal_error", "stage": "process", "message": f"{type(exc).__name__}: {exc}",
                "exception": type(exc).__name__, "hint": "This is a pipeline bug; report it with the file attached.",
            }])
        ok = record["status"] != "failed"
        folder = self.layout.processed if ok else self.layout.failed
        final = self.layout.final_path(folder, name, sha)
        write_json_atomic(final.with_name(final.name + (".record.json" if ok else ".failure.json")), record)
        record_path = self._publish(record, name, sha)
        error = record["errors"][0] if record["errors"] else {}
        self.state.finish(sha, name, "processed" if ok else "failed", str(final), record_path,
                          error.get("code"), error.get("message"))
        os.replace(work_path, final)
        return Outcome(name, sha, "processed" if ok else "failed", str(final), {"status": record["status"]})

    def _publish(self, record: dict[str, Any], name: str, sha: str) -> str:
        """Write the record to the output folder and make it the current version of ``name``."""
        out = self.config.out
        rel = f"{RECORDS_DIR}/{record_name(name)}"
        with self._catalog_lock:
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
        """Serve until stopped (or, with ``once``, until the inbox is empty)."""
        self.acquire()
        previous = {}
        try:
            if threading.current_thread() is threading.main_thread():
                for sig in (signal.SIGTERM, signal.SIGINT):
                    previous[sig] = signal.signal(sig, self.stop)
            outcomes = self.run_batch(self.recover())
            if on_batch and outcomes:
                on_batch(outcomes)
            while not self._stop.is_set():
                claimed = [w for w in (self.claim(p) for p in self.stable_files()) if w is not None]
                outcomes = self.run_batch(claimed)
                if on_batch and outcomes:
                    on_batch(outcomes)
                if once and not claimed and not self.layout.waiting():
                    break
                self._stop.wait(self.config.poll)
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            self.release()


def status(out: Path, inbox: Path | None = None, last: int = 10) -> dict[str, Any]:
    """Counts by state and the last failures, for ``python -m pipeline status``."""
    state = StateStore(out / "state.sqlite")
    counts = state.counts()
    result: dict[str, Any] = {"counts": {"processed": counts.get("processed", 0), "failed": counts.get("failed", 0),
                                         "duplicates": counts.get("duplicates", 0)}}
    if inbox is not None:
        layout = Layout(inbox)
        result["counts"]["waiting"] = len(layout.waiting()) if inbox.exists() else 0
        result["counts"]["in_progress"] = len(layout.claimed()) if layout.work.exists() else 0
    result["last_failures"] = [{"filename": f["filename"], "code": f["error_code"], "reason": f["reason"],
                                "file": f["final_path"]} for f in state.last_failures(last)]
    return result
