"""Snippets: a piece of the original text around the best match, the matches marked «like this».

The text is searched in the form the record matched in (folded, or exact when the query's
diacritics matched), with one regular expression for all the query's phrases and words, in
one pass: the cost is linear in the text whatever the query (whose size is bounded anyway,
:data:`pipeline.serve.query.MAX_TERMS`). The window is placed around the first occurrence of
the longest phrase found; every match inside it is marked, a phrase as one mark.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .folding import exact_form, fold
from .query import Unit

SNIPPET_CHARS = 160
#: Matches looked at to place the window (the first ones in the text).
MAX_MATCHES = 2000


def _anchor(found: list[tuple[int, int, int]], keys: tuple[tuple[tuple[str, ...], bool], ...],
            width: int) -> tuple[int, int]:
    """The match to centre the window on: the longest phrase, then the most distinct query
    words within the window that would start there, then the first."""
    best, best_score = found[0], (-1, -1)
    j = 0
    for i, (s, e, u) in enumerate(found):
        j = max(j, i)
        while j + 1 < len(found) and found[j + 1][1] <= s + width * 2 // 3:
            j += 1
        distinct = len({found[k][2] for k in range(i, j + 1)})
        score = (len(keys[u][0]), distinct)
        if score > best_score:
            best, best_score = (s, e, u), score
    return best[0], best[1]


def _unit_pattern(tokens: tuple[str, ...], prefix: bool) -> str:
    body = r"[\W_]+".join(map(re.escape, tokens))
    return rf"(?<![^\W_]){body}" + (r"[^\W_]*" if prefix else r"(?![^\W_])")


@lru_cache(maxsize=256)
def _pattern(units: tuple[tuple[tuple[str, ...], bool], ...]) -> re.Pattern[str]:
    # longest first, so that at one position the phrase wins over its first word
    ordered = sorted(range(len(units)), key=lambda i: -len(units[i][0]))
    return re.compile("|".join(f"(?P<u{i}>{_unit_pattern(*units[i])})" for i in ordered))


def snippet(text: str, units: list[Unit] | str, exact: bool = False, width: int = SNIPPET_CHARS) -> str | None:
    """The original ``text`` around the best match of ``units`` (or of the words of a query
    string), marked; None when nothing matches. ``exact``: match the diacritics as typed."""
    if isinstance(units, str):
        from .query import STRICT, parse_query

        parsed = parse_query(units)
        units = parsed.units.get(STRICT, []) if not parsed.empty else []
    keys = tuple(((u.exact if exact else u.folded), u.prefix) for u in units if (u.exact if exact else u.folded))
    if not keys or not text:
        return None
    form = exact_form(text) if exact else fold(text)
    pattern = _pattern(keys)
    found: list[tuple[int, int, int]] = []  # (start, end, unit), in text order
    for m in pattern.finditer(form):
        found.append((m.start(), m.end(), int(m.lastgroup[1:])))  # type: ignore[index]
        if len(found) >= MAX_MATCHES:
            break
    if not found:
        return None
    s0, e0 = _anchor(found, keys, width)
    start = max(0, s0 - width // 3)
    if e0 - start > width:  # a phrase longer than the window: start at it
        start = s0
    end = min(len(text), max(start + width, e0))
    marks: list[list[int]] = []
    for m in pattern.finditer(form, start, min(len(form), end + 64)):  # past the end: whole words only
        s, e = m.span()
        if e > end:
            break
        if marks and s < marks[-1][1]:
            continue
        if marks and not text[marks[-1][1]:s].strip():  # adjacent marks become one: «chuyển đổi số»
            marks[-1][1] = e
        else:
            marks.append([s, e])
    out, cursor = [], start
    for s, e in marks:
        out.append(text[cursor:s])
        out.append(f"«{text[s:e]}»")
        cursor = e
    out.append(text[cursor:end])
    piece = re.sub(r"\s+", " ", "".join(out)).strip()
    return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")
