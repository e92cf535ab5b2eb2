"""Province search across the 2025 reorganisation (63 provinces became 34).

A plan names the province of its day. Searching by province finds:

* under a province as it is since the reorganisation, the records of every old province that
  became part of it ("Đồng Nai" also finds the plans of Bình Phước);
* under an old province, its own records, and the records of the province it became part of
  issued since the reorganisation (:attr:`ProvinceMap.since`), which cover its territory too
  ("Bình Phước" also finds the plans Đồng Nai issued after the merger).

The search needs only two functions, old -> new and new -> olds (:class:`ProvinceMap`). The
reorganisation itself is vocabulary, data of :mod:`pipeline.lang` (``pipeline.lang.provinces``:
``successor``, ``predecessors``, ``canonical``, ``REORGANISATION_IN_FORCE``); :func:`default_map`
adapts it (:class:`VocabularyProvinceMap`), and :data:`NO_CHANGES` (no reorganisation known)
stands in where that module is not there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterable, Mapping, Protocol

from .folding import name_key

#: When the new provinces took over (their authorities started work on 1 July 2025).
REORGANISED_ON = "2025-07-01"


class ProvinceMap(Protocol):
    """The 2025 reorganisation: which province an old one became part of, and the reverse."""

    since: str

    def successor(self, province: str) -> str | None:
        """The province (as named since the reorganisation) that ``province`` became part of;
        None when ``province`` is unknown or was not merged into another."""

    def predecessors(self, province: str) -> tuple[str, ...]:
        """The old provinces merged into ``province`` (itself excluded); empty when none."""


@dataclass(frozen=True)
class StaticProvinceMap:
    """A :class:`ProvinceMap` from pairs old -> new (names compared folded: case and diacritics optional)."""

    merged_into: Mapping[str, str] = field(default_factory=dict)
    since: str = REORGANISED_ON

    def _by_key(self) -> dict[str, str]:
        return {name_key(old): new for old, new in self.merged_into.items() if name_key(old) != name_key(new)}

    def successor(self, province: str) -> str | None:
        return self._by_key().get(name_key(province))

    def predecessors(self, province: str) -> tuple[str, ...]:
        key = name_key(province)
        return tuple(old for old, new in self.merged_into.items() if name_key(new) == key and name_key(old) != name_key(new))


NO_CHANGES = StaticProvinceMap()


class VocabularyProvinceMap:
    """A :class:`ProvinceMap` over the vocabulary's functions, whose ``successor`` of a unit that
    kept its name is itself and whose ``predecessors`` include it ("Đồng Nai" -> ("Bình Phước",
    "Đồng Nai")); ``canonical`` turns other spellings ("BR-VT") into the name records carry."""

    def __init__(self, vocabulary: Any) -> None:
        self.vocabulary = vocabulary
        self.since = getattr(vocabulary, "REORGANISATION_IN_FORCE", REORGANISED_ON)

    def canonical(self, province: str) -> str:
        named = getattr(self.vocabulary, "canonical", lambda _: None)(province)
        return named or province

    def successor(self, province: str) -> str | None:
        new = self.vocabulary.successor(province)
        return new if new and name_key(new) != name_key(self.canonical(province)) else None

    def predecessors(self, province: str) -> tuple[str, ...]:
        if self.successor(province) is not None:  # an old unit: nothing was merged into it
            return ()
        own = name_key(self.canonical(province))
        return tuple(p for p in self.vocabulary.predecessors(province) if name_key(p) != own)


@lru_cache(maxsize=1)
def default_map() -> ProvinceMap:
    """The reorganisation the index searches with: the vocabulary's when it has one."""
    try:
        from ..lang import provinces as vocabulary  # type: ignore[attr-defined]
    except ImportError:
        return NO_CHANGES
    if not (callable(getattr(vocabulary, "successor", None)) and callable(getattr(vocabulary, "predecessors", None))):
        return NO_CHANGES
    return VocabularyProvinceMap(vocabulary)


@dataclass(frozen=True)
class ProvinceMatch:
    """What a province filter matches: these province keys at any date, and ``later_keys`` only
    for records issued on or after ``since``."""

    keys: tuple[str, ...]
    later_keys: tuple[str, ...] = ()
    since: str = REORGANISED_ON


def province_match(province: str, mapping: ProvinceMap) -> ProvinceMatch:
    """The folded province keys a search for ``province`` matches (see the module docstring)."""
    key = name_key(province)
    keys: list[str] = [key]
    canonical = getattr(mapping, "canonical", None)
    if canonical is not None:
        keys.append(name_key(canonical(province)))
    keys += [name_key(p) for p in mapping.predecessors(province)]
    later: Iterable[str] = ()
    new = mapping.successor(province)
    if new:
        later = [name_key(new)]
    return ProvinceMatch(tuple(dict.fromkeys(keys)), tuple(k for k in later if k not in keys), mapping.since)
