"""Legacy office formats through headless LibreOffice: bytes in, DOCX bytes out.

Word 97-2003 ``.doc`` and RTF files are converted to DOCX by LibreOffice Writer and then
read by the DOCX reader (:mod:`pipeline.ingest.readers.docx`), so both formats get the same
paragraph, table and legacy-font handling as a native DOCX.

Why LibreOffice: it is maintained, reads Word 6/95/97-2003 ``.doc`` *and* RTF with one
import engine, and its DOCX keeps the document structure the pipeline needs: tables (rows
and cells), text boxes, headers and footnotes, and the font name of every run, which is
what tells a run in a TCVN3 (``.VnTime``) or VNI (``VNI-Times``) font apart from a Unicode
one, so the legacy encodings can be decoded run by run. The alternatives lose that:
antiword is unmaintained since 2005 and reads ``.doc`` only; unrtf and catdoc flatten
tables and drop font information, leaving one stream of mixed-encoding bytes.

Each conversion runs ``soffice --headless`` in its own temporary directory with its own
user profile (``-env:UserInstallation``), so conversions can run concurrently (one
LibreOffice process each) and never touch the user's own profile. The first conversion
creates a profile from scratch (about 1 s extra); later ones start from a copy of it. A
conversion that runs past :data:`TIMEOUT` seconds (``VNPLAN_CONVERT_TIMEOUT``) is killed
with its whole process group. The import filter is named explicitly, so a damaged file is
refused instead of being imported as plain text.
"""

from __future__ import annotations

import atexit
import os
import resource
import shutil
import signal
import subprocess
import tempfile
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ...core.reaper import guard, mark_owner
from ...errors import ConverterMissing, ReaderError

#: Program names tried on ``PATH``, in order.
PROGRAMS = ("soffice", "libreoffice")
DEFAULT_TIMEOUT = 120.0
#: A folder shared by the processes of one service for the profile template (set by the service).
TEMPLATE_ENV = "VNPLAN_LO_TEMPLATE"


def _timeout_from_env() -> float:
    try:
        value = float(os.environ.get("VNPLAN_CONVERT_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT
    return value if value > 0 else DEFAULT_TIMEOUT


#: Seconds one conversion may take (``VNPLAN_CONVERT_TIMEOUT`` overrides).
TIMEOUT = _timeout_from_env()
VERSION_TIMEOUT = 30.0
EXPORT_FILTER = "docx:MS Word 2007 XML"


@dataclass(frozen=True)
class Converter:
    """The LibreOffice program found on ``PATH`` and its version string."""

    path: str
    version: str

    @property
    def label(self) -> str:
        """What ``ingest["converter"]`` records, e.g. ``"libreoffice 7.4.7.2"``."""
        return f"libreoffice {self.version}" if self.version else "libreoffice"


@lru_cache(maxsize=1)
def find_converter() -> Converter | None:
    """The LibreOffice found on ``PATH`` (looked up once per process), or ``None``."""
    for name in PROGRAMS:
        path = shutil.which(name)
        if path:
            return Converter(path, _version(path))
    return None


def _version(path: str) -> str:
    """``"7.4.7.2"`` from ``soffice --version`` ("LibreOffice 7.4.7.2 40(Build:2)"); "" if unknown."""
    try:
        done = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=VERSION_TIMEOUT,
                              stdin=subprocess.DEVNULL, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    for line in done.stdout.splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[0].lower().startswith("libreoffice"):
            return parts[1]
    return ""


def require_converter() -> Converter:
    """The converter, or :class:`ConverterMissing` saying how to install it."""
    converter = find_converter()
    if converter is None:
        raise ConverterMissing(
            f"reading Word .doc and RTF files needs LibreOffice, but none of {', '.join(PROGRAMS)} is on PATH"
        )
    return converter


# ------------------------------------------------------------------ profile template

_template_lock = threading.Lock()
_template: Path | None = None


def _template_path() -> Path | None:
    """The profile template: under ``$VNPLAN_LO_TEMPLATE`` when set (a folder shared by the
    processes of one service, which removes it), else this process's own copy."""
    shared = os.environ.get(TEMPLATE_ENV)
    if shared:
        path = Path(shared) / "profile"
        return path if path.is_dir() else None
    return _template


def _seed_profile(profile: Path) -> None:
    """Start ``profile`` from a copy of an earlier conversion's profile, when there is one."""
    template = _template_path()
    if template is None:
        return
    try:
        shutil.copytree(template, profile, symlinks=True)
    except OSError:  # template removed under us: LibreOffice builds a fresh profile
        shutil.rmtree(profile, ignore_errors=True)


def _keep_profile(profile: Path) -> None:
    """Keep a copy of a freshly built profile as the template for later conversions."""
    global _template
    with _template_lock:
        if _template_path() is not None or not profile.is_dir():
            return
        shared = os.environ.get(TEMPLATE_ENV)
        holder = Path(tempfile.mkdtemp(prefix="vnplan-lo-template-", dir=shared or None))
        mark_owner(holder)
        try:
            shutil.copytree(profile, holder / "profile", symlinks=True,
                            ignore=shutil.ignore_patterns(".lock", "*.log"))
        except OSError:
            shutil.rmtree(holder, ignore_errors=True)
            return
        if shared:  # first complete copy wins; a folder rename is atomic
            try:
                os.rename(holder / "profile", Path(shared) / "profile")
            except OSError:
                pass
            shutil.rmtree(holder, ignore_errors=True)
            return
        atexit.register(shutil.rmtree, holder, True)
        _template = holder / "profile"


# ------------------------------------------------------------------ conversion

def _kill(proc: subprocess.Popen) -> None:
    """Kill the conversion's whole process group (soffice starts soffice.bin under it)."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.communicate(timeout=10)
    except subprocess.TimeoutExpired:  # pragma: no cover - a process that survives SIGKILL
        pass


def convert_to_docx(data: bytes, filename: str, *, suffix: str, infilter: str | None = None,
                    timeout: float | None = None) -> tuple[bytes, Converter]:
    """Convert ``data`` (a ``.doc`` or ``.rtf`` file's bytes) to DOCX with LibreOffice.

    ``suffix`` is the input file's extension (``".doc"``, ``".rtf"``); ``infilter`` names the
    LibreOffice import filter (``"MS Word 97"``, ``"Rich Text Format"``...), so nothing else
    is tried on a damaged file. Returns the DOCX bytes and the converter used. Raises
    :class:`ConverterMissing` when LibreOffice is not installed and :class:`ReaderError` when
    the conversion fails, times out or writes nothing.
    """
    converter = require_converter()
    timeout = TIMEOUT if timeout is None else timeout
    with tempfile.TemporaryDirectory(prefix="vnplan-lo-") as tmp:
        work = Path(tmp)
        mark_owner(work)
        source = work / f"input{suffix}"
        source.write_bytes(data)
        outdir, profile = work / "out", work / "profile"
        fresh = _template_path() is None
        _seed_profile(profile)
        command = [
            converter.path, "--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
            "--nolockcheck", f"-env:UserInstallation={profile.as_uri()}",
        ]
        if infilter:
            command.append(f"--infilter={infilter}")
        command += ["--convert-to", EXPORT_FILTER, "--outdir", str(outdir), str(source)]
        try:
            proc = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    cwd=work, start_new_session=True)
        except OSError as exc:
            raise ReaderError(f"cannot start LibreOffice ({converter.path}) to convert {filename!r}: {exc}") from exc
        # LibreOffice runs in a session of its own: should this process be killed, the guard
        # kills that session and removes the private copy
        watch = guard(proc.pid, group=True, folders=(work,))
        _unlimit(proc.pid)
        try:
            stdout, stderr = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _kill(proc)
            raise ReaderError(
                f"LibreOffice did not finish converting {filename!r} within {timeout:g} s",
                hint="The file may be damaged or very large; open it in Word or LibreOffice and save it as DOCX.",
            ) from None
        except BaseException:
            _kill(proc)
            raise
        finally:
            if proc.poll() is not None:  # ended: the guard has nothing left to do
                watch.release()
        result = outdir / "input.docx"
        if proc.returncode != 0 or not result.is_file() or result.stat().st_size == 0:
            detail = _message(stdout, stderr) or f"exit status {proc.returncode}, no output"
            raise ReaderError(
                f"LibreOffice could not convert {filename!r}: {detail}",
                hint="The file may be damaged or not really this format; open it in Word or LibreOffice and save it as DOCX.",
            )
        docx_bytes = result.read_bytes()
        if fresh:
            _keep_profile(profile)
    return docx_bytes, converter


def _unlimit(pid: int) -> None:
    """Lift the address-space limit of a document worker (:mod:`pipeline.run.workers`) off
    LibreOffice, which reserves much more than it uses; its time limit still holds."""
    try:
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            resource.prlimit(pid, resource.RLIMIT_AS, (hard, hard))
    except (OSError, ValueError, AttributeError):
        pass


def _message(stdout: bytes, stderr: bytes) -> str:
    """LibreOffice's own error lines, without its start-up noise."""
    lines = []
    for raw in (stderr + b"\n" + stdout).decode("utf-8", "replace").splitlines():
        line = raw.strip()
        if line and "javaldx" not in line and not line.startswith("convert "):
            lines.append(line)
    return "; ".join(lines)[:300]


__all__ = ["Converter", "PROGRAMS", "TIMEOUT", "convert_to_docx", "find_converter", "require_converter"]
