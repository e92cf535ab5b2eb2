"""The vocabulary of target statements (``lang/vi/targets.json``), compiled once.

Scale words ("triệu"), the nouns that count a plan's own parts ("nhóm chỉ tiêu"), recurrence
("hằng năm"), change verbs ("tăng", "giảm", "duy trì"), the marks of a result already reached
("đã đạt") and of a plan ("phấn đấu"), and the words that make a "năm YYYY" a baseline rather
than a deadline ("so với năm 2019").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..errors import VocabularyError
from ..lang import VI_DIR, check_regexes, load_json
from .entities import phrase_pattern

VOCABULARY = "targets.json"
RECURRENCES = {"monthly", "quarterly", "semiannual", "annual"}
CHANGES = {"increase", "decrease", "maintain"}


@dataclass(frozen=True)
class TargetWords:
    """Compiled patterns of :data:`VOCABULARY`."""

    scales: dict[str, int]
    scale: re.Pattern[str]
    structure: re.Pattern[str]
    recurrence: tuple[tuple[re.Pattern[str], str], ...]
    change: tuple[tuple[re.Pattern[str], str], ...]
    achieved: re.Pattern[str]
    planned: re.Pattern[str]
    not_deadline: re.Pattern[str]
    named_with_year: re.Pattern[str]
    list_intro: re.Pattern[str]
    generic: frozenset[str]


def _valued(items: object, allowed: set[str], key: str) -> tuple[tuple[re.Pattern[str], str], ...]:
    if not isinstance(items, list):
        raise VocabularyError(f"{VI_DIR / VOCABULARY}: '{key}' must be a list")
    out = []
    for item in items:
        if not isinstance(item, dict) or item.get("value") not in allowed or not isinstance(item.get("pattern"), str):
            raise VocabularyError(f"{VI_DIR / VOCABULARY}: each '{key}' entry needs 'pattern' and a 'value' in {sorted(allowed)}")
        out.append((check_regexes(VOCABULARY, [item["pattern"]])[0], item["value"]))
    return tuple(out)


def _alternation(patterns: list[str]) -> re.Pattern[str]:
    check_regexes(VOCABULARY, patterns)
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


def _phrases(phrases: list[str]) -> str:
    return "|".join(phrase_pattern(p) for p in sorted(phrases, key=len, reverse=True))


@lru_cache(maxsize=1)
def target_words() -> TargetWords:
    """Load and compile :data:`VOCABULARY` (cached)."""
    data = load_json(VOCABULARY, {"scales": dict, "structure_nouns": list, "recurrence": list, "change": list,
                                  "achieved": list, "planned": list, "not_deadline": list, "list_intro": list,
                                  "generic_counted": list, "named_with_year": list})
    scales = data["scales"]
    if not all(isinstance(k, str) and isinstance(v, int) and v > 1 for k, v in scales.items()):
        raise VocabularyError(f"{VI_DIR / VOCABULARY}: 'scales' maps words to integers above 1")
    for key in ("structure_nouns", "not_deadline", "list_intro", "generic_counted", "named_with_year"):
        if not all(isinstance(p, str) and p for p in data[key]):
            raise VocabularyError(f"{VI_DIR / VOCABULARY}: '{key}' must be a list of phrases")
    return TargetWords(
        scales={k.lower(): v for k, v in scales.items()},
        scale=re.compile(rf"\s*({_phrases(list(scales))})(?!\w)", re.IGNORECASE),
        structure=re.compile(rf"\s*(?:{_phrases(data['structure_nouns'])})(?!\w)", re.IGNORECASE),
        recurrence=_valued(data["recurrence"], RECURRENCES, "recurrence"),
        change=_valued(data["change"], CHANGES, "change"),
        achieved=_alternation(data["achieved"]),
        planned=_alternation(data["planned"]),
        not_deadline=re.compile(rf"(?<!\w)(?:{_phrases(data['not_deadline'])})\s+$", re.IGNORECASE),
        named_with_year=re.compile(rf"(?<!\w)(?:{_phrases(data['named_with_year'])})(?:\s+[^\W\d_]+){{0,6}}\s+$"),
        list_intro=re.compile(rf"(?<!\w)(?:{_phrases(data['list_intro'])})(?!\w)", re.IGNORECASE),
        generic=frozenset(p.lower() for p in data["generic_counted"]),
    )


def recurrence_of(clause: str) -> str | None:
    """How often a target in ``clause`` recurs ("hằng năm" -> ``annual``), or None."""
    for rx, value in target_words().recurrence:
        if rx.search(clause):
            return value
    return None


def change_of(before: str) -> str | None:
    """The change verb ending ``before`` (the words just before a number): ``increase``,
    ``decrease``, ``maintain`` or None."""
    before = before.rstrip()
    for rx, value in target_words().change:
        if rx.search(before):
            return value
    return None
