"""Atomic file writes: a reader never sees a half-written record or catalog."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Callable


def _read_umask() -> int:
    """The process's umask (read once, at import, when no other thread is writing files)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


#: Published files get the mode a plain ``open()`` would give them (``0666 & ~umask``, e.g. 0644),
#: not the 0600 of a private temporary file: other staff and a web server read them.
FILE_MODE = 0o666 & ~_read_umask()


def write_text_atomic(path: Path, text: str, *, before_replace: Callable[[], bool] | None = None) -> bool:
    """Write ``text`` to a temporary file in ``path``'s folder, fsync it, then rename over ``path``.

    ``before_replace``, if given, is called once the new content is on disk, just before the
    rename; if it returns False, nothing is replaced and False is returned.

    A file that already holds exactly ``text`` is left alone (True, ``before_replace`` not
    called): re-publishing an unchanged record costs a read, not an fsync, and keeps its
    modification time, so the search index does not re-index it either.
    """
    data = text.encode("utf-8")
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return True
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if before_replace is not None and not before_replace():
            Path(tmp).unlink(missing_ok=True)
            return False
        os.replace(tmp, path)
        return True
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dump_json(obj: Any) -> str:
    """Pretty-printed JSON with a stable layout: UTF-8 text, two-space indent, final newline."""
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def write_json_atomic(path: Path, obj: Any) -> None:
    write_text_atomic(path, dump_json(obj))
