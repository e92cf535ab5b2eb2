"""Language vocabularies, stored as data files and validated when first loaded.

Vietnamese vocabulary lives in ``pipeline/lang/vi/*.json``: document kinds and their symbols,
issuing bodies, provinces, relation cues and quantity qualifiers. :func:`vocabulary` loads and
checks them once; a malformed file raises :class:`~pipeline.errors.VocabularyError` naming it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..errors import VocabularyError

VI_DIR = Path(__file__).parent / "vi"


def load_json(name: str, required: dict[str, type]) -> dict[str, Any]:
    """Load ``vi/<name>`` and check that it has each required key with the given type."""
    path = VI_DIR / name
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VocabularyError(f"{path}: cannot load: {exc}") from exc
    if not isinstance(data, dict):
        raise VocabularyError(f"{path}: top level must be an object")
    for key, typ in required.items():
        if not isinstance(data.get(key), typ):
            raise VocabularyError(f"{path}: key {key!r} must be a {typ.__name__}")
    return data


def _strings(path: str, items: Any) -> list[str]:
    if not isinstance(items, list) or not all(isinstance(s, str) and s.strip() for s in items):
        raise VocabularyError(f"{VI_DIR / path}: expected a list of non-empty strings")
    return list(items)


def check_regexes(path: str, patterns: list[str]) -> list[re.Pattern[str]]:
    """Compile each pattern, naming the file and pattern when one is invalid."""
    out = []
    for pat in patterns:
        try:
            out.append(re.compile(pat, re.IGNORECASE | re.MULTILINE))
        except re.error as exc:
            raise VocabularyError(f"{VI_DIR / path}: invalid pattern {pat!r}: {exc}") from exc
    return out


@dataclass(frozen=True)
class Kind:
    name: str
    symbols: tuple[str, ...]
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class Province:
    name: str
    aliases: tuple[str, ...]
    #: Words one of which must come just before the name for it to be this province (a name
    #: that is also a person's, a prize's or an organisation's: "Hồ Chí Minh").
    only_after: tuple[str, ...] = ()


_UNSEEN = object()


@dataclass(frozen=True)
class Vocabulary:
    """All Vietnamese vocabulary the extractors use."""

    kinds: tuple[Kind, ...]
    plan_kinds: tuple[str, ...]
    provinces: tuple[Province, ...]
    bodies: tuple[str, ...]
    department_head: str
    departments: tuple[str, ...]
    signer_titles: tuple[str, ...]
    name_heads: tuple[str, ...]
    agency_heads: tuple[str, ...]
    abbreviations: dict[str, str]
    relations: tuple[tuple[str, str], ...]
    issuing_verbs: tuple[str, ...]
    issued_objects: tuple[str, ...]
    not_issuing: tuple[str, ...]
    comparators: tuple[tuple[str, str], ...]
    section_kinds: dict[str, tuple[re.Pattern[str], ...]]
    period_cues: tuple[str, ...]
    applies_to: tuple[tuple[re.Pattern[str], str], ...]
    awards: tuple[str, ...]
    occasions: tuple[tuple[re.Pattern[str], str], ...]
    units: tuple[str, ...]
    time_words: tuple[str, ...]
    not_before: tuple[str, ...]
    _section_kind_memo: dict[str, str | None] = field(default_factory=dict, compare=False, repr=False)

    def section_kind(self, title: str) -> str | None:
        """What a heading opens ("III. TIÊU CHÍ THI ĐUA" -> "criteria"), or None.

        Only the heading's name counts (the part before a colon); a long one (over 12 words)
        counts only when it starts with the cue ("TIÊU CHUẨN CÔNG ĐOÀN CƠ SỞ VỮNG MẠNH TRONG CÁC
        DOANH NGHIỆP ..."), since a long sentence that merely mentions one is not a heading.
        Each title is judged once (an extractor asks again for every sentence under it).
        """
        memo = self._section_kind_memo
        kind = memo.get(title, _UNSEEN)
        if kind is _UNSEEN:
            kind = self._section_kind(title)
            if len(memo) > 65536:
                memo.clear()
            memo[title] = kind
        return kind  # type: ignore[return-value]

    def _section_kind(self, title: str) -> str | None:
        title = title.split(":")[0]
        long = len(title.split()) > 12
        for kind, patterns in self.section_kinds.items():
            for p in patterns:
                m = p.search(title)
                if m and (not long or not title[:m.start()].strip()):
                    return kind
        return None

    def kind_for_symbol(self, symbol: str) -> str | None:
        """The document kind a number's kind code stands for ("KH" -> "Kế hoạch")."""
        symbol = symbol.rstrip("0123456789")  # "QH15" (the 15th National Assembly) -> "QH"
        for kind in self.kinds:
            if symbol in kind.symbols or symbol.upper() in (s.upper() for s in kind.symbols):
                return kind.name
        return None


def _pattern_values(path: str, items: Any, allowed: set[str]) -> tuple[tuple[re.Pattern[str], str], ...]:
    out = []
    for item in items:
        if not isinstance(item, dict) or item.get("value") not in allowed or not isinstance(item.get("pattern"), str):
            raise VocabularyError(f"{VI_DIR / path}: each entry needs 'pattern' and a 'value' in {sorted(allowed)}")
        out.append((check_regexes(path, [item["pattern"]])[0], item["value"]))
    return tuple(out)


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    """Load and validate every Vietnamese vocabulary file (cached)."""
    kinds_data = load_json("doc_kinds.json", {"kinds": list, "plan_kinds": list, "period_cues": list})
    kinds = []
    for item in kinds_data["kinds"]:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise VocabularyError(f"{VI_DIR / 'doc_kinds.json'}: every kind needs a 'name'")
        symbols = _strings("doc_kinds.json", item["symbols"]) if item.get("symbols") else []
        aliases = _strings("doc_kinds.json", item["aliases"]) if item.get("aliases") else []
        kinds.append(Kind(item["name"], tuple(symbols), tuple(aliases)))
    names = {k.name for k in kinds}
    plan_kinds = tuple(_strings("doc_kinds.json", kinds_data["plan_kinds"]))
    unknown = [k for k in plan_kinds if k not in names]
    if unknown:
        raise VocabularyError(f"{VI_DIR / 'doc_kinds.json'}: plan_kinds not among kinds: {unknown}")

    prov_data = load_json("provinces.json", {"provinces": list})
    provinces = []
    for item in prov_data["provinces"]:
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            raise VocabularyError(f"{VI_DIR / 'provinces.json'}: every province needs a 'name'")
        provinces.append(Province(item["name"], tuple(_strings("provinces.json", item["aliases"])) if item.get("aliases") else (),
                                  tuple(_strings("provinces.json", item["only_after"])) if item.get("only_after") else ()))

    org = load_json("organizations.json", {"bodies": list, "department_head": str, "departments": list,
                                           "signer_titles": list, "name_heads": list,
                                           "agency_heads": list, "abbreviations": dict})
    rel = load_json("relations.json", {"relations": list, "issuing_verbs": list, "issued_objects": list,
                                       "not_issuing": list})
    relations = []
    for item in rel["relations"]:
        if not isinstance(item, dict) or not isinstance(item.get("cue"), str) or not isinstance(item.get("relation"), str):
            raise VocabularyError(f"{VI_DIR / 'relations.json'}: every relation needs 'cue' and 'relation'")
        relations.append((item["cue"], item["relation"]))
    qual = load_json("qualifiers.json", {"comparators": list})
    comparators = []
    allowed = {"eq", "approx", "min", "max", "gt", "lt"}
    for item in qual["comparators"]:
        if not isinstance(item, dict) or item.get("comparator") not in allowed or not isinstance(item.get("phrase"), str):
            raise VocabularyError(f"{VI_DIR / 'qualifiers.json'}: each entry needs 'phrase' and a comparator in {sorted(allowed)}")
        comparators.append((item["phrase"], item["comparator"]))

    heads = load_json("headings.json", {"sections": dict, "applies_to": list})
    section_kinds = {}
    for kind, pats in heads["sections"].items():
        section_kinds[kind] = tuple(check_regexes("headings.json", _strings("headings.json", pats)))
    applies_to = _pattern_values("headings.json", heads["applies_to"], {"any", "collective", "individual"})
    rew = load_json("rewards.json", {"awards": list, "occasions": list})
    occasions = _pattern_values("rewards.json", rew["occasions"], {"annual", "interim", "final", "other"})

    units = load_json("units.json", {"units": list, "time_words": list, "not_before": list})

    return Vocabulary(
        units=tuple(sorted(_strings("units.json", units["units"]), key=len, reverse=True)),
        time_words=tuple(_strings("units.json", units["time_words"])),
        not_before=tuple(_strings("units.json", units["not_before"])),
        section_kinds=section_kinds,
        period_cues=tuple(sorted(_strings("doc_kinds.json", kinds_data["period_cues"]), key=len, reverse=True)),
        applies_to=applies_to,
        awards=tuple(sorted(_strings("rewards.json", rew["awards"]), key=len, reverse=True)),
        occasions=occasions,
        kinds=tuple(kinds),
        plan_kinds=plan_kinds,
        provinces=tuple(provinces),
        bodies=tuple(_strings("organizations.json", org["bodies"])),
        department_head=org["department_head"],
        departments=tuple(_strings("organizations.json", org["departments"])),
        signer_titles=tuple(_strings("organizations.json", org["signer_titles"])),
        name_heads=tuple(_strings("organizations.json", org["name_heads"])),
        agency_heads=tuple(_strings("organizations.json", org["agency_heads"])),
        abbreviations=dict(org["abbreviations"]),
        relations=tuple(relations),
        issuing_verbs=tuple(_strings("relations.json", rel["issuing_verbs"])),
        issued_objects=tuple(_strings("relations.json", rel["issued_objects"])),
        not_issuing=tuple(_strings("relations.json", rel["not_issuing"])),
        comparators=tuple(comparators),
    )
