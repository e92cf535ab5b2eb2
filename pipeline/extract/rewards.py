"""Reward quotas: how many collectives and individuals get which award, on which occasion.

"Khen thưởng hàng năm: 02 tập thể và 04 cá nhân" is one quota; "Khen thưởng sơ kết (2023)
và tổng kết (2025): Mỗi đợt 03 tập thể, 06 cá nhân" is two. The award and who grants it come
from the line or, failing that, from the enclosing heading ("1. Giấy khen của Giám đốc Sở").
"""

from __future__ import annotations

import re

from ..lang import vocabulary
from ..model import Document
from ..recognize import parse_vn_number
from ..values import RewardQuota
from . import register
from .entities import phrase_pattern
from .sections import enclosing, sections_of

COUNT = r"(\d{{1,4}})\s+(?:{what})"
COLLECTIVES = re.compile(COUNT.format(what=r"tập thể|đơn vị|tổ chức"), re.IGNORECASE)
INDIVIDUALS = re.compile(COUNT.format(what=r"cá nhân|người"), re.IGNORECASE)
YEAR_AFTER = re.compile(r"\s*(?:\(\s*(?:năm\s+)?((?:19|20)\d{2})\s*\)|năm\s+((?:19|20)\d{2}))")


def _award(text: str) -> tuple[str, str | None] | None:
    """The award named in ``text`` and who grants it ("Giấy khen của Giám đốc Sở")."""
    awards = vocabulary().awards
    rx = re.compile(rf"(?<!\w)({'|'.join(phrase_pattern(a) for a in awards)})(?!\w)", re.IGNORECASE)
    m = rx.search(text)
    if not m:
        return None
    award = next((a for a in awards if re.fullmatch(phrase_pattern(a), m.group(1), re.IGNORECASE)), m.group(1))
    by = re.match(r"\s+(?:của|do)\s+([^:;,.()\n]+)", text[m.end():])
    return award, (by.group(1).strip() if by else None)


def _occasions(lead: str) -> list[tuple[str, int | None]]:
    found = []
    for rx, value in vocabulary().occasions:
        for m in rx.finditer(lead):
            y = YEAR_AFTER.match(lead, m.end())
            year = int(y.group(1) or y.group(2)) if y else None
            found.append((m.start(), value, year))
    return [(v, y) for _, v, y in sorted(found)] or [("other", None)]


@register("reward_quotas")
def extract_reward_quotas(doc: Document) -> list[RewardQuota]:
    text = doc.text
    secs = sections_of(doc)
    out: list[RewardQuota] = []
    for line in re.finditer(r"[^\n]+", text):
        s = line.group(0)
        col, ind = COLLECTIVES.search(s), INDIVIDUALS.search(s)
        if not col and not ind:
            continue
        first = min(m.start() for m in (col, ind) if m)
        lead = s[:first]
        context = [sec.title for sec in enclosing(secs, line.start()) if sec.heading.start != line.start()]
        if not re.search(r"khen|thưởng", lead + " ".join(context), re.IGNORECASE):
            continue
        award = _award(lead) or next((a for a in map(_award, reversed(context)) if a), None)
        for occasion, year in _occasions(lead):
            out.append(RewardQuota(
                award=award[0] if award else None,
                granted_by=award[1] if award else None,
                occasion=occasion,
                year=year,
                collectives=int(parse_vn_number(col.group(1))) if col else None,
                individuals=int(parse_vn_number(ind.group(1))) if ind else None,
                evidence=doc.evidence(line.start(), line.end()),
            ))
    return out
