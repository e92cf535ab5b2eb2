"""Content-addressed cache of machine records: re-processing an unchanged file costs a look-up.

The key is the sha256 of

* the input's sha256 (its bytes) and its file name (the name is in the record, and a damaged
  file's format is picked by its suffix),
* :data:`pipeline.EXTRACTOR_VERSION` and the record schema version,
* the settings that change a record (:meth:`pipeline.ingest.limits.Limits.output_settings`: OCR on or
  off and its DPI, the PDF text path, the size and page limits) and, with OCR on, the OCR
  engine found (installing Tesseract changes what a scan gives),
* a fingerprint of the code that makes records: the package's own files (but the modules that
  only run around records, :data:`NOT_RECORD_CODE`) and the record schemas, the registered
  extractor functions (so that one swapped at run time is noticed), and the versions of the
  libraries that read files and segment words (:data:`LIBRARIES`). Changed code without a new
  ``EXTRACTOR_VERSION`` is thus re-extracted all the same.

Entries live under the output folder, ``OUT/.cache/<key[:2]>/<key>.json``: a header line
(``{"key", "sha256"}``, the sha256 being that of the record text after it) and the record as
compact JSON. They are written atomically (temporary file + rename; no fsync: a lost entry is
only a miss). An entry that does not read back whole (truncated, edited, another key,
another schema version or input hash) is ignored and overwritten; the extractor version is
part of the key.

The cache holds the *machine* record only: a hit goes through the same publish step as a
fresh extraction (:func:`pipeline.run.batch.write_record`), so reviewer corrections are applied
again. Bump ``EXTRACTOR_VERSION`` whenever extractor code or vocabulary changes output:
every key changes and everything is extracted again. ``VNPLAN_CACHE=0`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import threading
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import pipeline

from ..ingest.limits import Limits
from ..record.schema import SCHEMA_VERSION

CACHE_DIR = ".cache"
#: Version of the entry layout (part of every key).
CACHE_FORMAT = 1


def enabled(flag: bool | None = None) -> bool:
    """``flag`` if given, else ``VNPLAN_CACHE`` (on unless ``0``/``false``/``no``/``off``)."""
    if flag is not None:
        return flag
    return os.environ.get("VNPLAN_CACHE", "1").strip().lower() not in ("0", "false", "no", "off")


#: Package files that never change a machine record: left out of the code fingerprint, so that
#: working on the command line or the service does not empty the cache.
NOT_RECORD_CODE = frozenset({"__main__.py", "cli.py", "core/timing.py", "publish", "serve", "review", "run/batch.py",
                             "run/cache.py", "run/evaluate.py", "run/flows.py", "run/inbox.py", "run/service.py",
                             "run/progress.py", "run/report.py"})
#: Libraries whose version can change what a file reads as.
LIBRARIES = ("pdfplumber", "pdfminer.six", "pypdfium2", "python-docx", "underthesea", "underthesea_core", "spacy",
             "charset-normalizer", "olefile")


def _not_record_code(rel: str) -> bool:
    """Whether a package file (path relative to the package) is one of :data:`NOT_RECORD_CODE`."""
    return any(rel == entry or rel.startswith(entry + "/") for entry in NOT_RECORD_CODE)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 of the package files that make records, the record schemas and the library versions
    (read once per process)."""
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    files = [p for p in package.rglob("*") if p.suffix in (".py", ".json") and p.is_file()
             and "__pycache__" not in p.parts and not _not_record_code(p.relative_to(package).as_posix())]
    files += list((package.parent / "schemas").glob("*.json"))
    for path in sorted(files):
        digest.update(path.relative_to(package.parent).as_posix().encode("utf-8") + b"\0" + path.read_bytes() + b"\0")
    for name in LIBRARIES:
        try:
            version = metadata.version(name)
        except metadata.PackageNotFoundError:
            version = None
        digest.update(f"{name}={version}\0".encode("utf-8"))
    return digest.hexdigest()


def extractors_fingerprint() -> list[str]:
    """The registered extractors: name, function and a hash of its byte code."""
    from ..extract import EXTRACTORS

    return _registry_fingerprint(tuple(EXTRACTORS.items()))


@lru_cache(maxsize=8)
def _registry_fingerprint(registry: tuple[tuple[str, Any], ...]) -> list[str]:
    out = []
    for name, fn in registry:
        code = getattr(fn, "__code__", None)
        body = hashlib.sha256(code.co_code).hexdigest()[:16] if code is not None else repr(fn)
        out.append(f"{name}={getattr(fn, '__module__', '')}.{getattr(fn, '__qualname__', '')}:{body}")
    return out


def _ocr_engine(limits: Limits) -> str | None:
    if not limits.ocr:
        return None
    from ..ingest import ocr

    found = ocr.engine()
    return f"{found.name} {found.version}" if found is not None else None


def cache_key(sha256: str, filename: str, limits: Limits) -> str:
    """The key of the record of a file with this content hash and name, read with ``limits``."""
    material = {
        "cache_format": CACHE_FORMAT,
        "input_sha256": sha256,
        "filename": filename,
        "extractor_version": pipeline.EXTRACTOR_VERSION,  # read now: a bump (or a test's monkeypatch) counts
        "schema_version": SCHEMA_VERSION,
        "settings": limits.output_settings(),
        "ocr_engine": _ocr_engine(limits),
        "code": code_fingerprint(),
        "extractors": extractors_fingerprint(),
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


#: Error codes of failures that may not recur (the file could not be read this time).
TRANSIENT_ERRORS = frozenset({"io_error", "internal_error"})


def cacheable(record: dict[str, Any]) -> bool:
    """Whether a record may be cached: not when the file could not be read or the pipeline
    crashed, nor when OCR failed on a page (a time-out may not recur)."""
    if not record.get("record_id") or any(e.get("code") in TRANSIENT_ERRORS for e in record.get("errors") or []):
        return False
    details = ((record.get("ingest") or {}).get("ocr") or {}).get("details") or []
    return not any(d.get("error") for d in details if isinstance(d, dict))


#: Cache hits in this process, by output folder (for the batch report); see :func:`hits`.
_HITS: dict[str, int] = {}
_HITS_LOCK = threading.Lock()


def hits(out_dir: Path) -> int:
    """How many records this process has taken from the cache of ``out_dir`` so far."""
    with _HITS_LOCK:
        return _HITS.get(str(Path(out_dir).absolute()), 0)


class RecordCache:
    """The cache of one output folder."""

    def __init__(self, out_dir: Path) -> None:
        self.root = Path(out_dir) / CACHE_DIR
        self.hits = 0
        self.misses = 0

    def path(self, key: str) -> Path:
        return self.root / key[:2] / f"{key}.json"

    def get(self, key: str, sha256: str | None = None) -> dict[str, Any] | None:
        """The cached record for ``key``, or None (no entry, or one that does not read back whole)."""
        record = self._read(key, sha256)
        if record is None:
            self.misses += 1
        else:
            self.hits += 1
            with _HITS_LOCK:
                folder = str(self.root.parent.absolute())
                _HITS[folder] = _HITS.get(folder, 0) + 1
        return record

    def _read(self, key: str, sha256: str | None) -> dict[str, Any] | None:
        try:
            raw = self.path(key).read_bytes()
        except OSError:
            return None
        head, sep, body = raw.partition(b"\n")
        try:
            header = json.loads(head)
            if not sep or not isinstance(header, dict) or header.get("key") != key:
                return None
            if header.get("sha256") != hashlib.sha256(body).hexdigest():
                return None
            record = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            return None
        if not isinstance(record, dict) or record.get("schema_version") != SCHEMA_VERSION:
            return None
        if sha256 is not None and record.get("record_id") != sha256:
            return None
        return record

    def put(self, key: str, record: dict[str, Any]) -> bool:
        """Store ``record`` under ``key`` (atomically); False when it is not cacheable or cannot be written."""
        if not cacheable(record):
            return False
        body = json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        header = json.dumps({"key": key, "sha256": hashlib.sha256(body).hexdigest()}).encode("utf-8")
        path = self.path(key)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{key[:16]}.", suffix=".tmp", dir=path.parent)
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(header + b"\n" + body)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            return False  # a read-only or full disk costs a re-extraction next time, nothing more
        return True
