"""The inbox lifecycle on disk, and the state that makes it idempotent and crash-safe.

Layout under an inbox folder ``INBOX``::

    INBOX/                 staff drop files here (hidden and temporary files are left alone)
    INBOX/.work/           files being processed (moved here atomically when claimed)
    INBOX/processed/       files that were read, each with ``<name>.record.json`` next to it
    INBOX/failed/          files that could not be read, each with ``<name>.failure.json``

Every file ends in ``processed/`` or ``failed/``; nothing is deleted. A file's content hash
is its identity: the same bytes dropped again under any name are recognised and not extracted
again (they go to ``processed/`` or ``failed/`` with a ``<name>.duplicate.json`` note). A new file
under a known name is a new version of that name; the catalog keeps the current one.

The state (``OUT/state.sqlite``) records each content hash once. A service killed at any point
finds on restart the files it had claimed in ``.work/`` and finishes or redoes them; all
writes are atomic and idempotent, so nothing is lost and nothing is duplicated.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

WORK, PROCESSED, FAILED = ".work", "processed", "failed"
_TEMPORARY = re.compile(r"^(?:\.|~\$|~)|\.(?:part|tmp|crdownload|partial|download|swp)$", re.IGNORECASE)


def is_temporary(name: str) -> bool:
    """Hidden files, Office lock files and partial downloads are not inputs (yet)."""
    return bool(_TEMPORARY.search(name))


def safe_name(name: str) -> str:
    """A file name safe to store: no path parts, no control characters, not hidden."""
    name = name.replace("\\", "/").split("/")[-1]
    name = re.sub(r"[\x00-\x1f\x7f]", "", name).strip().lstrip(".")
    return name or "unnamed"


@dataclass(frozen=True)
class Layout:
    inbox: Path

    @property
    def work(self) -> Path:
        return self.inbox / WORK

    @property
    def processed(self) -> Path:
        return self.inbox / PROCESSED

    @property
    def failed(self) -> Path:
        return self.inbox / FAILED

    def ensure(self) -> None:
        for d in (self.work, self.processed, self.failed):
            d.mkdir(parents=True, exist_ok=True)

    def waiting(self) -> list[Path]:
        """Files dropped in the inbox and not yet claimed, oldest first."""
        files = [p for p in self.inbox.iterdir() if p.is_file() and not is_temporary(p.name)]
        return sorted(files, key=lambda p: (p.stat().st_mtime, p.name))

    def claimed(self) -> list[Path]:
        return sorted(p for p in self.work.iterdir() if p.is_file() and not p.name.endswith(".tmp"))

    def final_path(self, folder: Path, name: str, sha: str) -> Path:
        """Where a file goes in ``folder``: its safe name, or name + hash when that is taken."""
        name = safe_name(name)
        target = folder / name
        if not target.exists():
            return target
        stem, dot, suffix = name.partition(".") if "." in name else (name, "", "")
        return folder / f"{stem}-{sha[:12]}{dot}{suffix}"


def work_name(sha: str, name: str) -> str:
    """Name of a claimed file in ``.work/``: the content hash, then the original (safe) name."""
    return f"{sha}__{safe_name(name)}"


def split_work_name(work: str) -> tuple[str, str]:
    sha, _, name = work.partition("__")
    return sha, name


class StateStore:
    """Which content has been handled, and which version of each file name is current."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.executescript("""
                CREATE TABLE IF NOT EXISTS documents (
                    sha256 TEXT PRIMARY KEY, filename TEXT NOT NULL, state TEXT NOT NULL,
                    final_path TEXT NOT NULL, record_path TEXT NOT NULL, error_code TEXT,
                    reason TEXT, finished_at REAL NOT NULL);
                CREATE TABLE IF NOT EXISTS duplicates (
                    path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, seen_at REAL NOT NULL);
                CREATE TABLE IF NOT EXISTS versions (
                    filename TEXT NOT NULL, sha256 TEXT NOT NULL, seen_at REAL NOT NULL,
                    PRIMARY KEY (filename, sha256));
            """)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            with db:
                yield db
        finally:
            db.close()

    def get(self, sha: str) -> dict[str, Any] | None:
        with self._lock, self._connect() as db:
            db.row_factory = sqlite3.Row
            row = db.execute("SELECT * FROM documents WHERE sha256 = ?", (sha,)).fetchone()
            return dict(row) if row else None

    def finish(self, sha: str, filename: str, state: str, final_path: str, record_path: str,
               error_code: str | None = None, reason: str | None = None) -> None:
        with self._lock, self._connect() as db:
            db.execute("INSERT OR REPLACE INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                       (sha, filename, state, final_path, record_path, error_code, reason, time.time()))
            db.execute("INSERT OR IGNORE INTO versions VALUES (?, ?, ?)", (filename, sha, time.time()))

    def add_duplicate(self, path: str, sha: str) -> None:
        with self._lock, self._connect() as db:
            db.execute("INSERT OR REPLACE INTO duplicates VALUES (?, ?, ?)", (path, sha, time.time()))

    def versions(self, filename: str) -> list[str]:
        """Content hashes seen under ``filename``, oldest first."""
        with self._lock, self._connect() as db:
            rows = db.execute("SELECT sha256 FROM versions WHERE filename = ? ORDER BY seen_at, rowid", (filename,))
            return [r[0] for r in rows]

    def counts(self) -> dict[str, int]:
        with self._lock, self._connect() as db:
            out = dict(db.execute("SELECT state, COUNT(*) FROM documents GROUP BY state").fetchall())
            out["duplicates"] = db.execute("SELECT COUNT(*) FROM duplicates").fetchone()[0]
            return out

    def last_failures(self, n: int = 10) -> list[dict[str, Any]]:
        with self._lock, self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute("SELECT * FROM documents WHERE state = 'failed' ORDER BY finished_at DESC LIMIT ?", (n,))
            return [dict(r) for r in rows]
