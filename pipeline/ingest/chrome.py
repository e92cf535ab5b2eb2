"""Web-site chrome: the lines a government portal wraps an article in ("Xem với cỡ chữ", visit
counters, "Tin tức khác" lists), patterns in ``lang/vi/site_chrome.json``.

Texts copied from a page and the same page printed to PDF or saved as Word carry the same
chrome, so it is removed for every format: from a plain text's lines by the text reader, and
from any document's blocks by the layout stage.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ..errors import VocabularyError
from ..lang import check_regexes, load_json

CHROME_FILE = "site_chrome.json"


@lru_cache(maxsize=1)
def chrome_patterns() -> tuple[tuple[re.Pattern[str], ...], tuple[re.Pattern[str], ...]]:
    """The (line, tail) patterns of ``site_chrome.json``, validated and compiled once."""
    data = load_json(CHROME_FILE, {"lines": list, "tail": list})
    compiled = []
    for key in ("lines", "tail"):
        if not all(isinstance(p, str) and p for p in data[key]):
            raise VocabularyError(f"{CHROME_FILE}: {key!r} must be a list of non-empty strings")
        compiled.append(tuple(check_regexes(CHROME_FILE, data[key])))
    return compiled[0], compiled[1]


def any_of(patterns: tuple[re.Pattern[str], ...]) -> re.Pattern[str] | None:
    """One pattern that matches where any of ``patterns`` does (their alternation, same flags),
    or None when they cannot be joined (different flags, a group name used twice)."""
    if not patterns or len({p.flags for p in patterns}) != 1:
        return None
    try:
        return re.compile("|".join(f"(?:{p.pattern})" for p in patterns), patterns[0].flags)
    except re.error:
        return None


@lru_cache(maxsize=1)
def _chrome_tests() -> tuple[Any, Any]:
    """Whether a line is chrome, and whether it starts a tail: one search each."""
    tests = []
    for patterns in chrome_patterns():
        joined = any_of(patterns)
        tests.append(joined.search if joined is not None else
                     (lambda text, patterns=patterns: any(p.search(text) for p in patterns)))
    return tests[0], tests[1]


def chrome_cut(lines: list[str]) -> tuple[list[bool], int]:
    """Which lines are chrome (dropped), and where a "Tin tức khác"-style tail starts (the index
    from which everything is dropped; ``len(lines)`` when there is none).

    A line is tested with its surrounding whitespace stripped. A tail marker only cuts once
    some body text has been kept.
    """
    is_chrome, starts_tail = _chrome_tests()
    dropped = [False] * len(lines)
    has_body = False
    for index, line in enumerate(lines):
        stripped = line.strip()
        if stripped and has_body and starts_tail(stripped):
            return dropped, index
        if stripped and is_chrome(stripped):
            dropped[index] = True
            continue
        has_body = has_body or bool(stripped)
    return dropped, len(lines)


def strip_site_chrome(text: str) -> str:
    """Drop web-site chrome lines, and everything from a "Tin tức khác"-style marker on; kept
    lines are returned unchanged."""
    lines = text.split("\n")
    dropped, tail = chrome_cut(lines)
    return "\n".join(line for line, drop in zip(lines[:tail], dropped[:tail]) if not drop)
