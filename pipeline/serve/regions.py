"""Province search across the 2025 reorganisation (63 provinces became 34).

A plan names the province of its day. Searching by province finds:

* under a province as it is since the reorganisation, the records of every old province that
  became part of it ("Đồng Nai" also finds the plans of Bình Phước);
* under an old province, its own records, and the records of the province it became part of
  issued since the reorganisation (:attr:`ProvinceMap.since`), which cover its territory too
  ("Bình Phước" also finds the plans Đồng Nai issued after the merger).

The search needs only two functions, old -> new and new -> olds (:class:`ProvinceMap`). The
vocabulary of the reorganisation is data of :mod:`pipeline.lang`; :func:`default_map` is where
the index gets it, and :data:`NO_CHANGES` (no reorganisation known) stands in until it is there.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Mapping, Protocol

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


def default_map() -> ProvinceMap:
    """The reorganisation the index searches with (the vocabulary's, once it provides one)."""
    return NO_CHANGES


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
    keys += [name_key(p) for p in mapping.predecessors(province)]
    later: Iterable[str] = ()
    new = mapping.successor(province)
    if new:
        later = [name_key(new)]
    return ProvinceMatch(tuple(dict.fromkeys(keys)), tuple(k for k in later if k not in keys), mapping.since)
