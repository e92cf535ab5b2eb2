"""Stage timing for benchmarks: where the time of a run goes (read, normalise, tokenise, extract,
resolve, validate, write, ...), per process.

Off by default, and then free: :func:`stage` returns one shared do-nothing context manager, so
``with stage("read"):`` costs a function call. :func:`enable` turns it on for this process;
nested stages are counted exclusively (time in ``tokenise`` inside ``extract`` is not counted
again in ``extract``)::

    from pipeline.core import timing
    timing.enable()
    ...  # process documents
    print(timing.totals())  # {"read": 12.3, "extract": 4.5, ...} seconds
"""

from __future__ import annotations

from contextlib import nullcontext
from time import perf_counter
from typing import Any

_OFF = nullcontext()
_totals: dict[str, float] | None = None
_counts: dict[str, int] = {}
_stack: list[list[Any]] = []  # [name, start, time spent in nested stages]


class _Stage:
    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __enter__(self) -> None:
        _stack.append([self.name, perf_counter(), 0.0])

    def __exit__(self, *exc: object) -> None:
        if not _stack:  # timing was reset while this stage ran
            return
        name, start, nested = _stack.pop()
        elapsed = perf_counter() - start
        if _totals is not None:
            _totals[name] = _totals.get(name, 0.0) + elapsed - nested
            _counts[name] = _counts.get(name, 0) + 1
        if _stack:
            _stack[-1][2] += elapsed


def stage(name: str) -> Any:
    """A context manager that adds the time spent in it to stage ``name`` (when timing is on)."""
    return _OFF if _totals is None else _Stage(name)


def enable() -> None:
    """Start timing stages in this process (from zero)."""
    global _totals
    _totals = {}
    _counts.clear()
    _stack.clear()


def disable() -> None:
    global _totals
    _totals = None
    _stack.clear()


def enabled() -> bool:
    return _totals is not None


def totals() -> dict[str, float]:
    """Seconds spent in each stage so far (exclusive of nested stages)."""
    return dict(_totals or {})


def counts() -> dict[str, int]:
    """How many times each stage was entered."""
    return dict(_counts)
