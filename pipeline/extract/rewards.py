"""Reward quotas: how many collectives and individuals get which award, on which occasion.

A quota is a count group ("02 tập thể và 04 cá nhân", "03 tập thể", "01 tập thể, 02 cá nhân")
read with the clause that leads to it. One block (a list item or paragraph) often holds
several: "Khen thưởng sơ kết (2023) và tổng kết (2025): Mỗi đợt 03 tập thể, 06 cá nhân" is two
quotas (two occasions), "... tặng Giấy khen cho 04 tập thể, 07 cá nhân và lựa chọn đề nghị Chủ
tịch UBND tỉnh tặng Bằng khen cho 01 tập thể, 02 cá nhân" is two (two awards). What a clause
does not say is inherited: from the previous clause of the block, then from the enclosing
headings ("1. Giấy khen của Giám đốc Sở"), then, for the occasion, from the document's preamble
("hướng dẫn ... khen thưởng tổng kết phong trào").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..core.model import Document
from ..lang import vocabulary
from . import register
from .entities import phrase_pattern
from .sections import enclosing, sections_of
from .tables import tables_of
from .values import RewardQuota

COUNTS = re.compile(
    r"(?<![\d/.,])(?:(?P<col>\d{1,4})\s+(?:tập thể|đơn vị)(?:\s*(?:,|và)\s*(?P<ind>\d{1,4})\s+cá nhân)?"
    r"|(?P<ind_only>\d{1,4})\s+cá nhân)(?!\w)",
    re.IGNORECASE,
)
YEAR_IN = re.compile(r"\(\s*(?:năm\s+|tháng\s+\d{1,2}\s*/\s*)?((?:19|20)\d{2})\s*\)|(?:vào\s+)?năm\s+((?:19|20)\d{2})|"
                     r"giai đoạn\s+(?:19|20)\d{2}\s*[-–]\s*((?:19|20)\d{2})", re.IGNORECASE)
REWARD_CONTEXT = re.compile(r"khen|thưởng|tặng", re.IGNORECASE)
#: a count of those taking part, not of those rewarded: "của 20 đơn vị trong khối", "gồm 12 đơn vị"
NOT_A_QUOTA_BEFORE = re.compile(r"(?:của|gồm|trong số|trên tổng số|trong tổng số)\s*$", re.IGNORECASE)
NOT_A_QUOTA_AFTER = re.compile(r"\s*(?:trong khối|trong cụm|tham gia|đăng ký|ký kết|trực thuộc)\b", re.IGNORECASE)
PREAMBLE_OCCASION = re.compile(r"khen thưởng\s+(?:\S+\s+){0,2}?(tổng kết|sơ kết)", re.IGNORECASE)


@dataclass
class _Award:
    award: str | None
    granted_by: str | None


@lru_cache(maxsize=1)
def _award_rx() -> re.Pattern[str]:
    awards = vocabulary().awards
    return re.compile(rf"(?<!\w)({'|'.join(phrase_pattern(a) for a in awards)})(?!\w)", re.IGNORECASE)


@lru_cache(maxsize=1)
def _award_names() -> tuple[tuple[re.Pattern[str], str], ...]:
    return tuple((re.compile(phrase_pattern(a), re.IGNORECASE), a) for a in vocabulary().awards)


def award_in(text: str, first: bool = False) -> _Award | None:
    """The award a clause names (its last, or with ``first`` its first) and who grants it:
    "Giấy khen của Giám đốc Sở", "Chủ tịch UBND huyện tặng Giấy khen", "đề nghị Thủ tướng
    Chính phủ tặng Bằng khen", "sẽ được Tổng công ty tặng Giấy khen"."""
    matches = list(_award_rx().finditer(text))
    if not matches:
        return None
    m = matches[0] if first else matches[-1]
    award = next((a for rx, a in _award_names() if rx.fullmatch(m.group(1))), m.group(1))
    by = re.match(r"\s+(?:của|do)\s+(.+?)(?=\s+(?:cho|tặng)\b|[:;,.()\n]|$)", text[m.end():])
    if by:
        return _Award(award, by.group(1).strip())
    giver = re.search(r"(?:đề nghị\s+|được\s+|^|[:;,.)]\s*)([A-ZĐ][^:;,.()]*?)\s+(?:tặng|trao tặng|khen thưởng)\s*$", text[:m.start()])
    return _Award(award, giver.group(1).strip() if giver else None)


def occasions_in(text: str) -> list[tuple[str, int | None]]:
    """Occasions a clause names, in order, each with the year stated right after it."""
    found = []
    for rx, value in vocabulary().occasions:
        for m in rx.finditer(text):
            year = None
            if value != "annual":
                nxt = YEAR_IN.search(text, m.end(), min(len(text), m.end() + 60))
                if nxt:
                    year = int(next(g for g in nxt.groups() if g))
            found.append((m.start(), value, year))
    found.sort()
    # "sơ kết ... tổng kết" listed together each get the year stated after them, not before the next.
    return [(v, y) for _, v, y in found]


def _blocks(doc: Document) -> list[tuple[int, int]]:
    """List items and paragraphs: the text from one heading or blank line to the next."""
    text = doc.text
    cuts = {0, len(text)} | {s.start for s in sections_of(doc)} | {m.end() for m in re.finditer(r"\n\s*\n", text)}
    cuts_sorted = sorted(cuts)
    return [(a, b) for a, b in zip(cuts_sorted, cuts_sorted[1:]) if text[a:b].strip()]


def _preamble_occasion(doc: Document) -> str | None:
    secs = sections_of(doc)
    end = next((s.start for s in secs if s.level == 1), min(len(doc.text), 3000))
    m = PREAMBLE_OCCASION.search(doc.text, 0, end)
    return {"tổng kết": "final", "sơ kết": "interim"}[m.group(1).lower()] if m else None


def from_tables(doc: Document, preamble: str | None) -> list[RewardQuota]:
    """Quota tables: a header with "Tập thể" and "Cá nhân" columns, one quota per row."""
    out = []
    for table in tables_of(doc):
        col_i, ind_i = table.column(r"tập thể|đơn vị"), table.column(r"cá nhân")
        if col_i is None and ind_i is None:
            continue
        for row in table.rows[1:]:
            counts = {}
            for key, i in (("collectives", col_i), ("individuals", ind_i)):
                cell = row[i].text if i is not None and i < len(row) else ""
                counts[key] = int(cell) if cell.isdigit() else None
            if counts["collectives"] is None and counts["individuals"] is None:
                continue
            label = " ; ".join(c.text for j, c in enumerate(row) if j not in (col_i, ind_i))
            award = award_in(label)
            for occasion, year in occasions_in(label) or [(preamble or "other", None)]:
                out.append(RewardQuota(award.award if award else None, award.granted_by if award else None, occasion, year,
                                       counts["collectives"], counts["individuals"], doc.evidence(row[0].start, row[-1].end)))
    return out


@register("reward_quotas")
def extract_reward_quotas(doc: Document) -> list[RewardQuota]:
    text = doc.text
    secs = sections_of(doc)
    preamble = _preamble_occasion(doc)
    out: list[RewardQuota] = from_tables(doc, preamble)
    for start, end in _blocks(doc):
        groups = [g for g in COUNTS.finditer(text, start, end)
                  if not NOT_A_QUOTA_BEFORE.search(text, max(start, g.start() - 20), g.start())
                  and not NOT_A_QUOTA_AFTER.match(text, g.end())]
        if not groups:
            continue
        headings = [s.title for s in reversed(enclosing(secs, start)) if s.start != start]
        if not REWARD_CONTEXT.search(text[start:end] + " ".join(headings)):
            continue
        prev_award: _Award | None = None
        prev_occasions: list[tuple[str, int | None]] = []
        cursor = start
        for g in groups:
            clause = text[cursor:g.start()]
            award = award_in(clause)
            if award and not award.granted_by and prev_award:
                award.granted_by = prev_award.granted_by if prev_award.award == award.award else None
            if award is None and prev_award is None:  # "05 đơn vị ... sẽ được Tổng công ty tặng Giấy khen"
                after = re.match(r"[^;.\n]*", text[g.end():end]).group(0)
                award = award_in(after, first=True)
            award = award or prev_award or next((a for a in map(award_in, headings) if a), None)
            occasions = occasions_in(clause) or prev_occasions
            if not occasions:
                occasions = next((o for o in map(occasions_in, headings) if o), None) or [(preamble or "other", None)]
            col = g.group("col")
            ind = g.group("ind") or g.group("ind_only")
            for occasion, year in occasions:
                out.append(RewardQuota(
                    award=award.award if award else None,
                    granted_by=award.granted_by if award else None,
                    occasion=occasion,
                    year=year,
                    collectives=int(col) if col else None,
                    individuals=int(ind) if ind else None,
                    evidence=doc.evidence(cursor, g.end()),
                ))
            prev_award, prev_occasions, cursor = award, occasions, g.end()
    return out
