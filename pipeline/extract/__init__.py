"""Extractors: pure functions ``(Document) -> values``, one module per fact family.

Each extractor registers itself by name with :func:`register`. :func:`run_extractors` runs them
all and isolates failures: an extractor that raises yields a structured error, the others
still run. Extractors do no I/O and know nothing of Prefect.
"""

from __future__ import annotations

from bisect import bisect_left
from typing import Any, Callable

from ..core.model import Document
from ..core.timing import stage
from ..nlp.recognize import Mention, recognize

Extractor = Callable[[Document], Any]
EXTRACTORS: dict[str, Extractor] = {}


def register(name: str) -> Callable[[Extractor], Extractor]:
    """Register ``fn`` as the extractor of fact family ``name``."""

    def deco(fn: Extractor) -> Extractor:
        if name in EXTRACTORS:
            raise ValueError(f"extractor {name!r} registered twice")
        EXTRACTORS[name] = fn
        return fn

    return deco


def mentions(doc: Document) -> list[Mention]:
    """Recognised document numbers, dates and numbers of ``doc`` (computed once)."""
    return doc.derived("mentions", _recognize)


def _recognize(doc: Document) -> list[Mention]:
    with stage("tokenise"):  # the pattern recognisers that run before tokenisation
        return recognize(doc.text)


def mentions_in(doc: Document, start: int, end: int) -> list[Mention]:
    """The mentions starting in ``[start, end)``, in order (a binary search: mentions are sorted by start)."""
    found = mentions(doc)
    starts = doc.derived("mention_starts", lambda d: [m.start for m in found])
    return found[bisect_left(starts, start):bisect_left(starts, end)]


def doc_citations(doc: Document) -> list:
    """Every numbered document ``doc`` mentions (computed once)."""
    from .citations import find_citations

    return doc.derived("citations", lambda d: find_citations(d, mentions(d)))


def run_extractors(doc: Document) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """Run every registered extractor; return values by family and the errors of those that failed."""
    results: dict[str, Any] = {}
    errors: list[dict[str, str]] = []
    for name, fn in EXTRACTORS.items():
        try:
            results[name] = fn(doc)
        except MemoryError:  # the document is over the memory limit: not a bug of one family
            raise
        except Exception as exc:  # isolate one failing family from the rest
            errors.append({
                "code": "extractor_failed",
                "stage": f"extract.{name}",
                "message": f"{type(exc).__name__}: {exc}",
                "exception": type(exc).__name__,
                "hint": "This is a bug in the extractor; the other fact families were still extracted.",
            })
    return results, errors


# Import the extractor modules so they register themselves.
from . import (  # noqa: E402,F401
    abbreviations,
    criteria,
    dates,
    document,
    movement,
    organisation,
    references,
    rewards,
    schedule,
    sections,
    tables,
    targets,
)
