"""Names of the published files: where a record lives in the output folder.

Names are made from input file names, which can be anything a file system allows: other
Unicode normal forms, bytes that are not UTF-8, characters that are not safe in a path, more
bytes than a name may hold. Every name made here is valid UTF-8 in NFC, at most
:data:`MAX_NAME_BYTES` bytes, and **distinct inputs give distinct names**: whenever a name had
to be changed (characters replaced, cut short), a short hash of the original is added, so two
names that only differ in what was replaced never meet in one file.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from pathlib import Path

#: Folder of the published records, under the output folder.
RECORDS_DIR = "records"
#: Longest stored name in bytes (file systems allow 255; room is left for suffixes and hashes).
MAX_NAME_BYTES = 150
_TAG = "~"


def raw_bytes(name: str | bytes) -> bytes:
    """The bytes of a file name as the file system holds them (undecodable bytes included)."""
    return name if isinstance(name, bytes) else os.fsencode(name)


def readable(name: str | bytes) -> str:
    """A file name as valid UTF-8 text in NFC (bytes that are not UTF-8 become U+FFFD)."""
    return unicodedata.normalize("NFC", raw_bytes(name).decode("utf-8", "replace"))


def name_tag(name: str | bytes) -> str:
    """Eight hex digits of the sha256 of the name's bytes (in NFC when they are UTF-8)."""
    return hashlib.sha256(readable(name).encode("utf-8") if _utf8(name) else raw_bytes(name)).hexdigest()[:8]


def _utf8(name: str | bytes) -> bool:
    try:
        raw_bytes(name).decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _cut(text: str, max_bytes: int) -> str:
    data = text.encode("utf-8")[:max_bytes]
    return data.decode("utf-8", "ignore")


def tagged(clean: str, original: str | bytes, max_bytes: int = MAX_NAME_BYTES) -> str:
    """``clean`` with the tag of ``original`` before its suffix (``plan~1a2b3c4d.txt``), cut to
    ``max_bytes``."""
    stem, dot, suffix = clean.rpartition(".")
    if not dot or not stem or len(suffix.encode()) > 16:
        stem, dot, suffix = clean, "", ""
    tail = f"{_TAG}{name_tag(original)}{dot}{suffix}"
    return _cut(stem, max_bytes - len(tail.encode("utf-8"))) + tail


def capped(clean: str, original: str | bytes, max_bytes: int = MAX_NAME_BYTES) -> str:
    """``clean`` itself when it is ``original`` unchanged (up to NFC) and short enough, else
    :func:`tagged`."""
    if clean == readable(original) and _utf8(original) and len(clean.encode("utf-8")) <= max_bytes:
        return clean
    return tagged(clean, original, max_bytes)


def record_name(filename: str) -> str:
    """File name of a record: the input's name made safe, plus ``.json``; distinct names give
    distinct record files (see the module docstring)."""
    return f"{record_key(filename)}.json"


def record_key(filename: str) -> str:
    """A record's name without ``.json`` (:func:`record_name`)."""
    base = readable(filename).replace("\\", "/").split("/")[-1]
    safe = re.sub(r"[^\w.\-]+", "_", base).lstrip(".") or "input"
    if safe == base.lstrip(".") and base.lstrip(".") == readable(filename).lstrip(".") and _utf8(filename) \
            and len(safe.encode("utf-8")) <= MAX_NAME_BYTES:
        return safe
    if safe == "input" and base in ("", ".", ".."):
        return safe
    return tagged(safe, filename)


def legacy_record_name(filename: str) -> str:
    """The record file name earlier versions gave ``filename`` (several names could share one)."""
    safe = re.sub(r"[^\w.\-]+", "_", Path(readable(filename)).name).lstrip(".") or "input"
    return f"{safe}.json"
