"""Abbreviations the text defines: "(sau đây gọi tắt là ...)" and acronyms in brackets whose
letters are the initials of the words before them ("người lao động (CCVC-NLĐ)")."""

from __future__ import annotations

import re
import unicodedata

from ..core.model import Document
from . import register
from .values import Abbreviation

CALLED = re.compile(r"\((?:sau đây\s+)?(?:gọi tắt là|viết tắt là|gọi chung là)\s*:?\s*([^()\n]{1,80})\)", re.IGNORECASE)
ACRONYM = re.compile(r"\(([A-ZĐ][A-ZĐa-z]*(?:[-&][A-ZĐ]+)*)\)")
LINKS = {"và", "của", "các", "&", "-", "về", "cho"}
WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def _initial(word: str) -> str:
    return unicodedata.normalize("NFD", word[0].casefold())[0].replace("đ", "d")


def _letters(acronym: str) -> list[str]:
    return [_initial(c) for c in acronym if c.isalpha()]


def expand(text: str, end: int, acronym: str) -> int | None:
    """Start of the words before ``end`` whose initials spell ``acronym``, if any."""
    letters = _letters(acronym)
    if len(letters) < 2:
        return None
    words = list(WORD.finditer(text, max(0, end - 200), end))
    i = len(words) - 1
    start = None
    for letter in reversed(letters):
        while i >= 0 and words[i].group(0).casefold() in LINKS and _initial(words[i].group(0)) != letter:
            i -= 1
        if i < 0 or _initial(words[i].group(0)) != letter:
            return None
        start = words[i].start()
        i -= 1
    return start


@register("abbreviations")
def extract_abbreviations(doc: Document) -> list[Abbreviation]:
    text = doc.text
    out: list[Abbreviation] = []
    seen: set[str] = set()
    for m in ACRONYM.finditer(text):
        short = m.group(1)
        start = expand(text, m.start(), short)
        if start is None or short in seen:
            continue
        seen.add(short)
        out.append(Abbreviation(short, re.sub(r"\s+", " ", text[start:m.start()]).strip(" ,"), doc.evidence(start, m.end())))
    for m in CALLED.finditer(text):
        short = m.group(1).strip()
        clause = max(text.rfind(p, 0, m.start()) for p in (". ", "; ", "\n", ": "))
        start = clause + 2 if clause >= 0 else 0
        words = text[start:m.start()].split()
        if len(words) > 25:
            start = m.start() - len(" ".join(words[-25:])) - 1
        long = re.sub(r"\s+", " ", text[start:m.start()]).strip(" ,")
        if long and short not in seen:
            seen.add(short)
            out.append(Abbreviation(short, long, doc.evidence(start, m.end())))
    return sorted(out, key=lambda a: a.evidence.start)
