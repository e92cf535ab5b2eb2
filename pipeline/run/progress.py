"""Progress of a long run (``process``, ``eval --inputs``, ``watch`` batches, ``review sync``).

One line, redrawn in place, on a terminal: ``process  12/60  20%  2.3 docs/s  ETA 0:21  name``.
When the output is not a terminal (a log file, a pipe, CI) nothing is drawn, unless the run is
verbose, when every item gets a line of its own. ``-q`` silences it everywhere.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import TextIO

#: Verbosity levels of the command line: ``-q`` (quiet), default, ``-v`` (verbose).
QUIET, NORMAL, VERBOSE = 0, 1, 2


def _clock(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


class Progress:
    """Counts items done out of ``total`` and shows it on ``stream``; thread-safe.

    ``verbosity`` is one of :data:`QUIET`, :data:`NORMAL`, :data:`VERBOSE`. The in-place line is
    drawn only when ``stream`` is a terminal and the run is not quiet; per-item lines only when
    verbose.
    """

    def __init__(self, total: int, label: str, *, verbosity: int = NORMAL, stream: TextIO | None = None,
                 unit: str = "docs", clock=time.monotonic) -> None:  # noqa: ANN001 - a callable returning seconds
        self.total = total
        self.label = label
        self.unit = unit
        self.verbosity = verbosity
        self.stream = stream if stream is not None else sys.stderr
        self.done = 0
        self._clock = clock
        self._start = clock()
        self._lock = threading.Lock()
        self._drawn = False
        try:
            tty = bool(self.stream.isatty())
        except (AttributeError, ValueError):
            tty = False
        self.live = tty and verbosity > QUIET and total > 0

    def rate(self) -> float:
        """Items per second so far (0 before the first)."""
        elapsed = self._clock() - self._start
        return self.done / elapsed if elapsed > 0 and self.done else 0.0

    def line(self, name: str = "") -> str:
        """The progress line as it is drawn now."""
        pct = 100 * self.done // self.total if self.total else 100
        rate = self.rate()
        parts = [f"{self.label}", f"{self.done}/{self.total}", f"{pct}%"]
        if rate:
            parts.append(f"{rate:.1f} {self.unit}/s")
            if self.done < self.total:
                parts.append(f"ETA {_clock((self.total - self.done) / rate)}")
        if name:
            parts.append(name)
        return "  ".join(parts)

    def advance(self, name: str = "", status: str = "") -> None:
        """One more item done (``name`` and its ``status`` are shown)."""
        with self._lock:
            self.done += 1
            if self.verbosity >= VERBOSE:
                self._clear()
                tag = f"{status:8s} " if status else ""
                self.stream.write(f"[{self.done}/{self.total}] {tag}{name}\n")
            if self.live:
                self._draw(self.line(name))
            self.stream.flush()

    def close(self) -> None:
        """Take the in-place line away (the summary is printed after it)."""
        with self._lock:
            self._clear()
            self.stream.flush()

    def _draw(self, text: str) -> None:
        width = 100
        self.stream.write("\r" + text[:width].ljust(width))
        self._drawn = True

    def _clear(self) -> None:
        if self._drawn:
            self.stream.write("\r" + " " * 100 + "\r")
            self._drawn = False

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
