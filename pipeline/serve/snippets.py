"""Snippets: a piece of the original text around the best match, the matches marked «like this».

The original text is searched as the record matched (diacritics ignored, or as typed when the
query's diacritics matched) with one regular expression for all the query's phrases and words,
in one pass: the cost is linear in the text whatever the query (whose size is bounded anyway,
:data:`pipeline.serve.query.MAX_TERMS`), and the text is never folded: each letter of a folded
token becomes the class of every letter that folds to it ("a" -> ``[aAàÀáÁ...]``), each letter
of an exact one its two cases, a final "òa"/"ủy" also "oà"/"uỷ". The window is placed around the
longest phrase found, then where most of the query's words are; every match inside it is
marked, a phrase (or adjacent words) as one mark.
"""

from __future__ import annotations

import re
from functools import lru_cache

from collections import defaultdict

from .folding import _fold_table, _lower_table
from .query import Unit

SNIPPET_CHARS = 160
#: Matches looked at to place the window (the first ones in the text).
MAX_MATCHES = 400


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


@lru_cache(maxsize=1)
def _folded_classes() -> dict[str, str]:
    """Folded character -> a regex class of every character that folds to it."""
    members: dict[str, set[str]] = defaultdict(set)
    for cp, folded in _fold_table().items():
        members[folded].add(chr(cp))
    return {f: "[" + re.escape("".join(sorted({f, *chars}))) + "]" for f, chars in members.items()}


def _case_class(c: str) -> str:
    upper = c.upper()
    if len(upper) == 1 and upper != c and _lower_table().get(ord(upper)) == c:
        return "[" + re.escape(c + upper) + "]"
    return re.escape(c)


_RETONE = {"ò": "oà", "ó": "oá", "ỏ": "oả", "õ": "oã", "ọ": "oạ", "ù": "uỳ", "ú": "uý", "ủ": "uỷ", "ũ": "uỹ", "ụ": "uỵ"}
_BASE = {"à": "a", "á": "a", "ả": "a", "ã": "a", "ạ": "a", "è": "e", "é": "e", "ẻ": "e", "ẽ": "e", "ẹ": "e"}


def _token_pattern(token: str, exact: bool) -> str:
    if not exact:
        classes = _folded_classes()
        return "".join(classes.get(c, re.escape(c)) for c in token)
    spelled = "".join(_case_class(c) for c in token)
    # "hòa", "thủy" (current tone placement, as the query is normalised) are also written "hoà", "thuỷ"
    if len(token) >= 2 and token[-2] in _RETONE and (token[-1] in "ae" if token[-2] in "òóỏõọ" else token[-1] == "y") \
            and not (token[-2] in "ùúủũụ" and token[-3:-2] == "q"):
        toned = _RETONE[token[-2]]
        moved = token[:-2] + toned[0] + (toned[1] if token[-1] == "y" else
                                         "àáảãạ"["òóỏõọ".index(token[-2])] if token[-1] == "a" else
                                         "èéẻẽẹ"["òóỏõọ".index(token[-2])])
        spelled = f"(?:{spelled}|{''.join(_case_class(c) for c in moved)})"
    return spelled


def _unit_pattern(tokens: tuple[str, ...], prefix: bool, exact: bool) -> str:
    body = r"[\W_]+".join(_token_pattern(t, exact) for t in tokens)
    # The word boundary before the unit is checked after its first character (a lookbehind of two
    # characters), so that the pattern starts with a character class and the regex engine can
    # skip ahead to the positions where that class matches.
    first = re.match(r"\[(?:\\.|[^\]])*\]|\\.|[^\\(]", body)
    if first is not None and not body.startswith("(?:"):
        body = f"{first.group(0)}(?<![^\\W_].){body[first.end():]}"
    else:
        body = rf"(?<![^\W_]){body}"
    return body + (r"[^\W_]*" if prefix else r"(?![^\W_])")


@lru_cache(maxsize=256)
def _pattern(units: tuple[tuple[tuple[str, ...], bool], ...], exact: bool) -> re.Pattern[str]:
    # longest first, so that at one position the phrase wins over its first word
    ordered = sorted(range(len(units)), key=lambda i: -len(units[i][0]))
    return re.compile("|".join(f"(?P<u{i}>{_unit_pattern(*units[i], exact)})" for i in ordered))


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
    form = text  # offsets of the matches are offsets of the text
    pattern = _pattern(keys, exact)
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
