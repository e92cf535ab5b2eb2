"""The inbox lifecycle on disk, and the state that makes it idempotent and crash-safe.

Layout under an inbox folder ``INBOX``::

    INBOX/                 staff drop files here, or into subfolders (hidden and temporary files
                           are left alone)
    INBOX/.work/           files being processed (moved here atomically when claimed)
    INBOX/processed/       files that were read, each with ``<name>.record.json`` next to it
    INBOX/failed/          files that could not be read, each with ``<name>.failure.json``
    INBOX/failed/.history/ failed files that were tried again, with their earlier failure notes

A file dropped into a subfolder (``INBOX/2024/KH-01.txt``, up to :data:`MAX_DEPTH` levels) goes
through the same subfolder of ``.work/``, ``processed/`` and ``failed/``, and the document is
known by that path ("2024/KH-01.txt"), so equal names in two folders are two documents.

Every file ends in ``processed/`` or ``failed/``; nothing is deleted and nothing is overwritten:
a file is moved there under a name nobody holds, and the move itself refuses to replace
(:meth:`Layout.place`: a hard link, which fails if the name exists, then the claimed name is
removed). Only regular files are inputs, in the inbox and its subfolders: a symbolic link, a
pipe, a device or a folder nested too deep is left where it is, with a logged reason
(:meth:`Layout.scan`). A file's content hash
is its identity: the same bytes dropped again under any name are recognised and not extracted
again (they go to ``processed/`` with a ``<name>.duplicate.json`` note), except when they had
failed: then they are tried again with the current settings and limits, and the earlier failed
copy and note move to ``failed/.history/`` (``pipeline retry`` puts failed files back for that).
A new file under a known name is a new version of that name; the catalog keeps the current one.

The state (``OUT/state.sqlite``) records each content hash once. A service killed at any point
finds on restart the files it had claimed in ``.work/`` and finishes or redoes them; all
writes are atomic and idempotent, so nothing is lost and nothing is duplicated.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import signal
import sqlite3
import stat
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from ..publish.names import capped, readable

WORK, PROCESSED, FAILED = ".work", "processed", "failed"
#: Where a failed file and its note go when it is retried, under ``failed/`` (hidden, so that no
#: inbox subfolder, whose mirrored names are never hidden, can meet it).
HISTORY = ".history"
#: Deepest subfolder of the inbox that is watched.
MAX_DEPTH = 8
#: Notes written next to a file in ``processed/`` or ``failed/``.
NOTES = (".record.json", ".failure.json", ".duplicate.json")
_CHUNK = 1024 * 1024
_TEMPORARY = re.compile(r"^(?:\.|~\$|~)|\.(?:part|tmp|crdownload|partial|download|swp)$", re.IGNORECASE)


def is_temporary(name: str) -> bool:
    """Hidden files, Office lock files and partial downloads are not inputs (yet)."""
    return bool(_TEMPORARY.search(name))


def safe_name(name: str | bytes) -> str:
    """A file name safe to store: valid UTF-8 in NFC, no path parts, no control characters,
    not hidden, at most :data:`~pipeline.publish.names.MAX_NAME_BYTES` bytes. A name that had to
    be changed for that (beyond NFC) carries a hash of the original (``doc01~1a2b3c4d.txt``), so
    that two inputs whose names differ only in what was removed never share a name."""
    text = readable(name)
    clean = text.replace("\\", "/").split("/")[-1]
    clean = re.sub(r"[\x00-\x1f\x7f\ufffd]", "", clean).strip().lstrip(".") or "unnamed"
    return capped(clean, name)


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

    def scan(self) -> tuple[list[Path], dict[Path, str]]:
        """Regular files waiting in the inbox and its subfolders (oldest first), and the other
        entries that are not inputs with the reason (never followed: a link could point anywhere)."""
        files: list[tuple[float, str, Path]] = []
        refused: dict[Path, str] = {}
        self._scan(self.inbox, 0, files, refused)
        return [p for _, _, p in sorted(files)], refused

    def _scan(self, folder: Path, depth: int, files: list, refused: dict[Path, str]) -> None:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            return  # a subfolder removed or made unreadable meanwhile
        for entry in entries:
            if is_temporary(entry.name) or (depth == 0 and entry.name in (WORK, PROCESSED, FAILED)):
                continue
            try:
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISLNK(st.st_mode):
                refused[Path(entry.path)] = "a symbolic link: links are not followed; copy the file itself"
            elif stat.S_ISDIR(st.st_mode):
                if depth + 1 < MAX_DEPTH:
                    self._scan(Path(entry.path), depth + 1, files, refused)
                else:
                    refused[Path(entry.path)] = f"a folder nested deeper than {MAX_DEPTH} levels"
            elif not stat.S_ISREG(st.st_mode):
                refused[Path(entry.path)] = "not a regular file (a pipe, socket or device)"
            else:
                files.append((st.st_mtime, entry.path, Path(entry.path)))

    def subfolder(self, path: Path) -> Path:
        """The folder of ``path`` under the inbox, each part a safe name: where it is mirrored
        under ``.work/``, ``processed/`` and ``failed/``."""
        rel = path.parent.relative_to(self.inbox)
        return Path(*[safe_name(part) for part in rel.parts]) if rel.parts else Path()

    def remove_empty(self, folder: Path, root: Path) -> None:
        """Remove ``folder`` and its parents up to ``root`` while they are empty."""
        while folder != root and root in folder.parents:
            try:
                folder.rmdir()
            except OSError:
                return
            folder = folder.parent

    def waiting(self) -> list[Path]:
        """Regular files dropped in the inbox and not yet claimed, oldest first."""
        return self.scan()[0]

    def claimed(self) -> list[Path]:
        return sorted(p for p in self.work.rglob("*")
                      if p.is_file() and not p.is_symlink() and not p.name.endswith(".tmp"))

    def failures(self) -> list[Path]:
        """Files in ``failed/`` and its subfolders (not their notes, not the retried ones)."""
        out = []
        for p in sorted(self.failed.rglob("*")):
            if HISTORY in p.relative_to(self.failed).parts or p.name.endswith(NOTES):
                continue
            if p.is_file() and not p.is_symlink():
                out.append(p)
        return out

    def candidates(self, folder: Path, name: str, sha: str) -> Iterator[Path]:
        """Names a file may take in ``folder``, in order: its safe name, then name + hash, then
        name + hash + a counter. Never a name ending like a note."""
        name = safe_name(name)
        stem, dot, suffix = name.partition(".") if "." in name else (name, "", "")
        if not name.endswith(NOTES):
            yield folder / name
        tag = sha[:12] if sha else "unhashed"
        if name.endswith(NOTES):
            yield folder / f"{name}.{tag}"
            stem, dot, suffix = f"{name}.{tag}", "", ""
        else:
            yield folder / f"{stem}-{tag}{dot}{suffix}"
        for i in range(2, 10_000):
            yield folder / f"{stem}-{tag}-{i}{dot}{suffix}"

    def place(self, source: Path, folder: Path, name: str, sha: str) -> Path:
        """Give ``source`` (in ``.work/``) a name in ``folder`` that nobody holds, atomically:
        a hard link (which refuses an existing name) while ``source`` stays where it is. A name
        already linked to ``source`` itself (a run killed after this step) is taken again.
        Remove ``source`` (:meth:`release`) once the notes are written."""
        folder.mkdir(parents=True, exist_ok=True)
        for target in self.candidates(folder, name, sha):
            if same_file(source, target):
                return target
            if any(os.path.lexists(f"{target}{note}") for note in NOTES):
                continue  # a note of an earlier file (whose file was removed) keeps its name
            try:
                os.link(source, target, follow_symlinks=False)
                return target
            except FileExistsError:
                continue
            except OSError as exc:
                if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EMLINK):
                    raise
                if rename_no_replace(source, target):  # no hard links here: move it now
                    return target
        raise FileExistsError(f"no free name for {name!r} in {folder}")

    def keep_failure(self, final: Path, rel: Path, tag: str) -> Path:
        """Move a failed file (if it is still in ``failed/``) and its failure note to
        ``failed/.history/<rel>/``, under names nobody holds; returns where the note is kept."""
        history = self.failed / HISTORY / rel
        stamp = time.strftime("%Y%m%dT%H%M%S")
        kept = history / f"{final.name}.{stamp}"
        if os.path.lexists(final):
            kept = self.place(final, history, final.name, f"{tag}-{stamp}")
            self.release(final, kept)
        note = final.with_name(final.name + ".failure.json")
        kept_note = kept.with_name(kept.name + ".failure.json")
        if os.path.lexists(note):
            history.mkdir(parents=True, exist_ok=True)
            rename_no_replace(note, kept_note)
        return kept_note

    @staticmethod
    def release(source: Path, target: Path) -> None:
        """Remove the claimed name of a file :meth:`place` gave ``target``."""
        if source != target and os.path.lexists(source) and same_file(source, target):
            os.unlink(source)


def same_file(a: Path, b: Path) -> bool:
    try:
        sa, sb = os.lstat(a), os.lstat(b)
    except OSError:
        return False
    return (sa.st_dev, sa.st_ino) == (sb.st_dev, sb.st_ino)


_RENAME_NOREPLACE = 1


def rename_no_replace(source: Path, target: Path) -> bool:
    """Rename ``source`` to ``target`` unless ``target`` exists (``renameat2(RENAME_NOREPLACE)``;
    where the file system cannot, a check just before the rename). False if ``target`` exists."""
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        res = libc.renameat2(-100, os.fsencode(source), -100, os.fsencode(target), _RENAME_NOREPLACE)
        if res == 0:
            return True
        err = ctypes.get_errno()
        if err == errno.EEXIST:
            return False
        if err not in (errno.EINVAL, errno.ENOSYS):
            raise OSError(err, os.strerror(err), str(source))
    except AttributeError:
        pass
    if os.path.lexists(target):
        return False
    os.rename(source, target)
    return True


def hash_file(path: Path) -> tuple[str, int]:
    """sha256 and size of a regular file, read in chunks (never whole), never through a link.
    Raises :class:`OSError` for a file that cannot be read or is not a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        digest, size = hashlib.sha256(), 0
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


_F_SETLEASE, _F_SETSIG, _F_RDLCK, _F_UNLCK = 1024, 10, 0, 2


def open_for_writing(path: Path) -> bool | None:
    """Whether another process holds ``path`` open for writing (a copy still going on): a read
    lease is refused then. None when that cannot be told (not the file's owner, a file system
    without leases)."""
    import fcntl

    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        # a writer opening the file during the probe breaks the lease with a signal: SIGURG, whose
        # default action is to ignore it (SIGIO, the default, would end the process)
        fcntl.fcntl(fd, _F_SETSIG, signal.SIGURG)
        fcntl.fcntl(fd, _F_SETLEASE, _F_RDLCK)
    except OSError as exc:
        return True if exc.errno in (errno.EAGAIN, errno.EBUSY) else None
    else:
        fcntl.fcntl(fd, _F_SETLEASE, _F_UNLCK)
        return False
    finally:
        os.close(fd)


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
                CREATE TABLE IF NOT EXISTS retried (
                    sha256 TEXT NOT NULL, filename TEXT NOT NULL, error_code TEXT, reason TEXT,
                    failed_at REAL NOT NULL, kept_at TEXT NOT NULL, retried_at REAL NOT NULL);
                CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
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

    def retire(self, known: dict[str, Any], kept_at: str) -> None:
        """Keep the failure of a file about to be retried in the history (``kept_at``: where its
        file and note now are)."""
        with self._lock, self._connect() as db:
            db.execute("INSERT INTO retried VALUES (?, ?, ?, ?, ?, ?, ?)",
                       (known["sha256"], known["filename"], known["error_code"], known["reason"],
                        known["finished_at"], kept_at, time.time()))

    def set_meta(self, key: str, value: str) -> None:
        with self._lock, self._connect() as db:
            db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    def meta(self, key: str) -> str | None:
        with self._lock, self._connect() as db:
            row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
            return row[0] if row else None

    def counts(self) -> dict[str, int]:
        with self._lock, self._connect() as db:
            out = dict(db.execute("SELECT state, COUNT(*) FROM documents GROUP BY state").fetchall())
            out["duplicates"] = db.execute("SELECT COUNT(*) FROM duplicates").fetchone()[0]
            out["retried"] = db.execute("SELECT COUNT(*) FROM retried").fetchone()[0]
            return out

    def last_failures(self, n: int = 10) -> list[dict[str, Any]]:
        with self._lock, self._connect() as db:
            db.row_factory = sqlite3.Row
            rows = db.execute("SELECT * FROM documents WHERE state = 'failed' ORDER BY finished_at DESC LIMIT ?", (n,))
            return [dict(r) for r in rows]
