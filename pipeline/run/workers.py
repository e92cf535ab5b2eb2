"""Each document in a child process with a memory and a time limit, so that no document can
take the service down with it.

:class:`DocumentWorkers` forks one child per document from a fork server
(:mod:`multiprocessing` ``forkserver``) that has loaded the models once
(:mod:`pipeline.run.preload`): a worker starts warm, in a process with a single thread (no
lock of the service's threads is inherited). In the worker:

* the address space is limited to what the loaded models take plus ``limits.max_memory_bytes``
  (``RLIMIT_AS``): a document that needs more gets a ``MemoryError`` and a ``too_large`` record;
  a worker killed from outside (the kernel's OOM killer) gives one too;
* the worker dies with the fork server, and the fork server with the service
  (``PR_SET_PDEATHSIG``; the fork server exits when the service's end of its pipe closes);
* the service waits at most ``limits.timeout`` seconds for the record, then kills the worker:
  a ``timeout`` record.

:meth:`DocumentWorkers.stop` kills every running worker (the service is stopping); their
documents raise :class:`Interrupted` and stay claimed, to be redone at the next start.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from ..core.model import SourceInfo
from ..core.reaper import die_with_parent
from ..ingest.limits import Limits
from ..record.build import failure_record
from ..record.schema import validate

_PAGE = os.sysconf("SC_PAGE_SIZE")


class Interrupted(Exception):
    """The service is stopping: the document was not processed."""


def _address_space() -> int:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[0]) * _PAGE


def _limit_memory(extra: int) -> None:
    if extra > 0:
        limit = _address_space() + extra
        resource.setrlimit(resource.RLIMIT_AS, (limit, resource.RLIM_INFINITY))


def read_regular(path: Path) -> bytes:
    """The bytes of a regular file, never through a symbolic link (``O_NOFOLLOW``)."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as fh:
        if not _is_regular(os.fstat(fd).st_mode):
            raise OSError(f"{path.name} is not a regular file")
        return fh.read()


def _is_regular(mode: int) -> bool:
    import stat

    return stat.S_ISREG(mode)


def _child(conn: Connection, path: str, name: str, limits: Limits) -> None:
    """The worker: process one file and send back ``("ok", record)`` or what went wrong."""
    die_with_parent()
    try:
        _limit_memory(limits.max_memory_bytes)
        from .process import process_bytes

        data = read_regular(Path(path))
        conn.send(("ok", process_bytes(data, name, limits)))
    except MemoryError:
        conn.send(("memory", None))
    except BaseException as exc:  # noqa: BLE001 - everything is reported to the service
        try:
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
        except BaseException:  # noqa: BLE001
            pass
    finally:
        conn.close()


def limit_record(source: SourceInfo, code: str, message: str, hint: str) -> dict[str, Any]:
    """A ``failed`` record for a document stopped by a limit (or a worker that died)."""
    record = failure_record(source, [{"code": code, "stage": "process", "message": message,
                                      "exception": None, "hint": hint}])
    validate(record)
    return record


class DocumentWorkers:
    """One child process per document (see the module docstring)."""

    def __init__(self) -> None:
        self._ctx = multiprocessing.get_context("forkserver")
        self._live: set[Any] = set()
        self._lock = threading.Lock()
        self._stopping = threading.Event()

    def start(self) -> None:
        """Start the fork server and load the models in it (once, before any document)."""
        self._ctx.set_forkserver_preload(["pipeline.run.preload"])
        from multiprocessing import forkserver

        forkserver.ensure_running()

    def stop(self) -> None:
        """Kill every running worker; their documents raise :class:`Interrupted`."""
        self._stopping.set()
        with self._lock:
            live = list(self._live)
        for proc in live:
            proc.kill()

    def process(self, path: Path, name: str, source: SourceInfo, limits: Limits) -> dict[str, Any]:
        """The record of the file at ``path`` (named ``name``), made in a worker under ``limits``;
        ``source`` describes the file for the record of a stopped worker."""
        if self._stopping.is_set():
            raise Interrupted(name)
        receive, send = self._ctx.Pipe(duplex=False)
        proc = self._ctx.Process(target=_child, args=(send, str(path), name, limits), daemon=True,
                                 name=f"vnplan-document {name[:40]}")
        with self._lock:
            self._live.add(proc)
        try:
            proc.start()
            send.close()
            message = self._wait(proc, receive, limits.timeout)
        finally:
            if proc.is_alive():
                proc.kill()
            proc.join(10)
            receive.close()
            with self._lock:
                self._live.discard(proc)
        if self._stopping.is_set() and message is None:
            raise Interrupted(name)
        return self._record(message, proc.exitcode, source, limits)

    @staticmethod
    def _wait(proc: Any, receive: Connection, timeout: float) -> tuple[str, Any] | None:
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return ("timeout", None)
            try:
                if receive.poll(min(left, 0.5)):
                    return receive.recv()
            except (EOFError, OSError):
                return None
            if not proc.is_alive() and not receive.poll(0):
                return None

    @staticmethod
    def _record(message: tuple[str, Any] | None, exitcode: int | None, source: SourceInfo,
                limits: Limits) -> dict[str, Any]:
        mib = limits.max_memory_bytes // 2**20
        if message is not None and message[0] == "ok":
            return message[1]
        if message is not None and message[0] == "timeout":
            return limit_record(source, "timeout", f"{source.filename!r} was not processed within {limits.timeout:g} s",
                                "The document is very long or hard to read (many scanned pages?); split it, or raise "
                                "the time limit (VNPLAN_TIMEOUT) if it is a genuine document.")
        if message is not None and message[0] == "memory" or exitcode == -9:
            return limit_record(source, "too_large", f"{source.filename!r} needs more than {mib} MiB of memory to read",
                                "The document holds more than this installation accepts; split it, or raise the "
                                "memory limit (VNPLAN_MAX_MEMORY_MB) if it is a genuine document.")
        detail = message[1] if message is not None else f"the worker process ended with status {exitcode}"
        return limit_record(source, "internal_error", f"processing {source.filename!r} failed: {detail}",
                            "This is a pipeline bug; report it with the file attached.")
