"""Children that die with the service, however it ends.

A process the service starts (the temporary Prefect API, a LibreOffice conversion) would outlive
a service killed with SIGKILL: nothing in the service runs then. :func:`guard` starts, for one
such child, a tiny watcher (``/bin/sh``) in its own session holding the read end of a pipe whose
write end only the service holds. When the service ends in any way the pipe closes, the watcher
wakes up and kills the child (its process group with ``group``) and removes the given folders.
A service that ends the child itself calls :meth:`Guard.release` first, and the watcher exits
without touching anything.
"""

from __future__ import annotations

import ctypes
import os
import signal
import subprocess
from pathlib import Path

_SCRIPT = r"""
read word
[ "$word" = done ] && exit 0
if [ "$1" = group ]; then kill -TERM -- "-$2" 2>/dev/null; else kill -TERM "$2" 2>/dev/null; fi
sleep 2
if [ "$1" = group ]; then kill -KILL -- "-$2" 2>/dev/null; else kill -KILL "$2" 2>/dev/null; fi
shift 2
for dir in "$@"; do rm -rf -- "$dir"; done
"""

PR_SET_PDEATHSIG = 1


class Guard:
    """The watcher of one child; :meth:`release` when the child was ended normally."""

    def __init__(self, watcher: subprocess.Popen | None) -> None:
        self._watcher = watcher

    def release(self) -> None:
        watcher, self._watcher = self._watcher, None
        if watcher is None:
            return
        try:
            assert watcher.stdin is not None
            watcher.stdin.write(b"done\n")
            watcher.stdin.close()
        except OSError:
            pass
        try:
            watcher.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover - sh does not hang on "done"
            watcher.kill()


def guard(pid: int, *, group: bool = False, folders: tuple[Path, ...] = ()) -> Guard:
    """Kill ``pid`` (its process group with ``group``) and remove ``folders`` when this process ends."""
    try:
        watcher = subprocess.Popen(["/bin/sh", "-c", _SCRIPT, "vnplan-reaper", "group" if group else "pid", str(pid),
                                    *map(str, folders)], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                   stderr=subprocess.DEVNULL, start_new_session=True, close_fds=True)
    except OSError:
        return Guard(None)
    return Guard(watcher)


def die_with_parent(sig: int = signal.SIGKILL) -> None:
    """Ask the kernel to send ``sig`` to this process when its parent dies (Linux; a no-op elsewhere)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
    except (OSError, AttributeError):
        pass


def owner_alive(folder: Path) -> bool:
    """Whether the process named in ``folder/owner`` (a pid) is still running."""
    try:
        pid = int((folder / "owner").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def mark_owner(folder: Path) -> None:
    """Name this process as the owner of ``folder`` (see :func:`owner_alive`)."""
    (folder / "owner").write_text(f"{os.getpid()}\n")


#: Temporary folders of this program that name their owner process (:func:`mark_owner`).
TEMP_PREFIXES = ("vnplan-lo-", "vnplan-service-")


def clean_stale_folders(tmp: Path | None = None) -> list[Path]:
    """Remove the temporary folders (:data:`TEMP_PREFIXES`) whose owner process is gone: what a
    process killed with SIGKILL left behind. Folders of running processes are kept."""
    import shutil
    import tempfile

    removed = []
    root = Path(tmp or tempfile.gettempdir())
    try:
        entries = list(root.iterdir())
    except OSError:
        return removed
    for path in entries:
        if not path.name.startswith(TEMP_PREFIXES) or path.is_symlink() or not path.is_dir():
            continue
        if (path / "owner").exists() and not owner_alive(path):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed
