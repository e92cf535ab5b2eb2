"""Small C loops over pdfium's API (``pdfium_loops.c``), compiled once per machine.

pdfium is called through ctypes at about a microsecond a call, and a PDF page needs a few calls
for each of its thousands of characters and path segments. :func:`pdfium_loops` compiles the
loops with the machine's C compiler (``$CC`` or ``cc``) into a cache folder the first time they
are wanted and loads them; every later process loads the compiled file. The loops call the
functions of pypdfium2's own pdfium library, passed in as pointers, so nothing is linked.

Without a compiler, or with ``VNPLAN_NATIVE=0``, :func:`pdfium_loops` gives None and the same
loops run in Python (:mod:`pipeline.ingest.readers.pdfium_page`), with the same results.

The cache folder is ``$VNPLAN_NATIVE_DIR``, else ``$XDG_CACHE_HOME/vnplan`` (``~/.cache/vnplan``);
a file's name holds a hash of the source and the machine, so an edited source is compiled anew.
"""

from __future__ import annotations

import ctypes
import hashlib
import logging
import os
import platform
import shutil
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

SOURCE = Path(__file__).with_name("pdfium_loops.c")
COMPILE_SECONDS = 120
log = logging.getLogger(__name__)


def enabled() -> bool:
    """False when ``VNPLAN_NATIVE`` turns the compiled loops off."""
    return os.environ.get("VNPLAN_NATIVE", "1").strip().lower() not in ("0", "false", "no", "off")


def cache_dir() -> Path:
    """Where compiled loops are kept (see the module's docstring)."""
    if os.environ.get("VNPLAN_NATIVE_DIR"):
        return Path(os.environ["VNPLAN_NATIVE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "vnplan"


def library_path() -> Path:
    """The compiled file for this source on this machine."""
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16]
    return cache_dir() / f"pdfium_loops-{digest}-{platform.system().lower()}-{platform.machine()}.so"


def compile_library(target: Path) -> bool:
    """Compile :data:`SOURCE` into ``target`` (written to a temporary file first, then moved, so
    processes compiling at once never load half a file); False when it cannot be compiled."""
    compiler = shutil.which(os.environ.get("CC", "cc")) or shutil.which("gcc")
    if compiler is None:
        log.info("no C compiler: pdfium's per-character loops run in Python")
        return False
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(suffix=".so", dir=target.parent)
        os.close(handle)
        result = subprocess.run([compiler, "-O2", "-ffp-contract=off", "-shared", "-fPIC", "-o", temporary, str(SOURCE)],
                                capture_output=True, text=True, timeout=COMPILE_SECONDS)
        if result.returncode != 0:
            log.warning("compiling %s failed: %s", SOURCE.name, result.stderr.strip()[:500])
            os.unlink(temporary)
            return False
        os.replace(temporary, target)
        return True
    except (OSError, subprocess.SubprocessError) as exc:
        log.warning("compiling %s failed: %s", SOURCE.name, exc)
        return False


@lru_cache(maxsize=1)
def pdfium_loops() -> ctypes.CDLL | None:
    """The compiled loops (compiled now if need be), or None: turned off, no compiler, or a
    compiled file that does not load."""
    if not enabled():
        return None
    try:
        target = library_path()
        if not target.exists() and not compile_library(target):
            return None
        lib = ctypes.CDLL(str(target))
    except OSError as exc:
        log.warning("cannot load %s: %s", SOURCE.name, exc)
        return None
    void, num = ctypes.c_void_p, ctypes.c_int
    lib.vn_char_objects.restype = num
    lib.vn_char_objects.argtypes = (void, num) + (void,) * 15
    lib.vn_path_segments.restype = num
    lib.vn_path_segments.argtypes = (void, void, void, void, void, void, num, void, void, void)
    lib.vn_page_objects.restype = num
    lib.vn_path_shapes.restype = num
    lib.vn_path_shapes.argtypes = (num,) + (void,) * 11 + (num, void, void, num, void, void, void, num, void, void)
    lib.vn_page_objects.argtypes = (void,) * 9 + (num,) + (void,) * 9
    return lib
