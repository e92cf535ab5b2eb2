"""The provinces of Viet Nam before and after the 2025 reorganisation, as data.

Before 1 July 2025 there were 63 province-level units (``vi/provinces.json``); Nghị quyết
202/2025/QH15 of the Quốc hội (12 June 2025) merged them into 34 (``vi/provinces_2025.json``).
A plan names the province of its day; :func:`successor` and :func:`predecessors` relate the
two lists so that a plan of "Bình Phước" is also found under today's "Đồng Nai".

Names are compared folded (case, diacritics, spaces and dashes optional), and other spellings
("BR-VT", "Hoà Bình") are accepted wherever a name is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ..errors import VocabularyError
from . import VI_DIR, load_json, vocabulary

#: The day the 34 units' authorities took over.
REORGANISATION_IN_FORCE = "2025-07-01"


def fold(name: str) -> str:
    """Key of a name: lower case, no diacritics (đ -> d), no spaces, dashes or dots."""
    s = unicodedata.normalize("NFD", name.replace("đ", "d").replace("Đ", "D"))
    s = "".join(c for c in s if unicodedata.category(c) != "Mn").lower()
    return re.sub(r"[\s\-–.]+", "", s)


@dataclass(frozen=True)
class Reorganisation:
    """The 2025 reorganisation: each new unit and the old units it was formed from."""

    resolution: str
    passed_on: str
    in_force: str
    units: dict[str, tuple[str, ...]]  # new name -> old names (itself included when kept)
    old_names: dict[str, str]  # folded old name or spelling -> old name
    new_names: dict[str, str]  # folded new name -> new name


@lru_cache(maxsize=1)
def reorganisation() -> Reorganisation:
    """Load and check ``vi/provinces_2025.json`` against the 63 units of ``vi/provinces.json``."""
    path = VI_DIR / "provinces_2025.json"
    data = load_json("provinces_2025.json", {"provinces": list, "resolution": str, "passed_on": str, "in_force": str})
    old_names: dict[str, str] = {}
    for p in vocabulary().provinces:
        for spelling in (p.name, *p.aliases):
            old_names.setdefault(fold(spelling), p.name)
    units: dict[str, tuple[str, ...]] = {}
    seen: dict[str, str] = {}
    for item in data["provinces"]:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not isinstance(item.get("from"), list):
            raise VocabularyError(f"{path}: every unit needs a 'name' and a list 'from'")
        olds = []
        for old in item["from"]:
            canon = old_names.get(fold(old)) if isinstance(old, str) else None
            if canon is None:
                raise VocabularyError(f"{path}: {old!r} (in {item['name']!r}) is not a province of provinces.json")
            if canon in seen:
                raise VocabularyError(f"{path}: {canon!r} is in both {seen[canon]!r} and {item['name']!r}")
            seen[canon] = item["name"]
            olds.append(canon)
        units[item["name"]] = tuple(olds)
    missing = sorted({p.name for p in vocabulary().provinces} - set(seen))
    if missing:
        raise VocabularyError(f"{path}: provinces in no unit: {missing}")
    return Reorganisation(data["resolution"], data["passed_on"], data["in_force"], units, old_names,
                          {fold(n): n for n in units})


def provinces_before() -> tuple[str, ...]:
    """The 63 units before the reorganisation."""
    return tuple(p.name for p in vocabulary().provinces)


def provinces_after() -> tuple[str, ...]:
    """The 34 units since the reorganisation."""
    return tuple(reorganisation().units)


def canonical(name: str) -> str | None:
    """The name records carry for ``name`` ("BR-VT" -> "Bà Rịa - Vũng Tàu"); a unit's name since
    the reorganisation is kept as it is ("Huế"); None for a name that is no province."""
    reorg = reorganisation()
    key = fold(name)
    return reorg.new_names.get(key) or reorg.old_names.get(key)


def successor(name: str) -> str | None:
    """The unit (as named since 2025) that ``name`` is part of: itself when it kept its name or
    is a new name, None when ``name`` is no province."""
    reorg = reorganisation()
    key = fold(name)
    if key in reorg.new_names and key not in reorg.old_names:
        return reorg.new_names[key]
    old = reorg.old_names.get(key)
    if old is None:
        return reorg.new_names.get(key)
    return next(new for new, olds in reorg.units.items() if old in olds)


def predecessors(name: str) -> tuple[str, ...]:
    """The old units that form the unit ``name`` is part of since 2025 ("Đồng Nai" ->
    ("Đồng Nai", "Bình Phước")); empty when ``name`` is no province."""
    new = successor(name)
    return reorganisation().units.get(new, ()) if new else ()
