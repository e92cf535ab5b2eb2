"""Atomic file writes: a reader never sees a half-written record or catalog."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file in ``path``'s folder, fsync it, then rename over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def dump_json(obj: Any) -> str:
    """Pretty-printed JSON with a stable layout: UTF-8 text, two-space indent, final newline."""
    return json.dumps(obj, ensure_ascii=False, indent=2) + "\n"


def write_json_atomic(path: Path, obj: Any) -> None:
    write_text_atomic(path, dump_json(obj))
