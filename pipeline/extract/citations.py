"""Document citations: every "kind + number (+ date) (+ issuer)" mention in a text.

A :class:`Citation` is a candidate both for the plan itself (when an issuing verb governs it,
"... đã ban hành Kế hoạch số 1555/KH-SKHCN") and for the references (when a relation cue
introduces it, "Thực hiện Kế hoạch số 272/KH-UBND ngày 20/8/2021 của UBND tỉnh"). Deciding
which is which is the resolver's job; this module only reads what the text says around each
number.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from ..core.model import Document
from ..lang import vocabulary
from ..nlp.recognize import Mention, number_symbol
from .entities import Found, canonical_kind, find_orgs, kind_regex, phrase_pattern

_GAP_TO_DATE = re.compile(r"[\s,]*(?:(?:được\s+)?ban hành\s+)?(?:ngày\s+)?$", re.IGNORECASE)
_ISSUER_LEAD = re.compile(r"[\s,]*(?:của|do)\s+", re.IGNORECASE)
_ISSUER_STOP = re.compile(
    r"\s+(?:về|phê duyệt|ban hành|quy định|hướng dẫn|triển khai|thực hiện|tổ chức|và|khóa|khoá)\b|[,;.:()“”\"\n]",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r"[.;:\n]")
GENERIC_KINDS = ("Văn bản", "Công văn")


@dataclass
class Citation:
    """One cited (or issued) document as the text states it."""

    number: str
    start: int
    end: int
    number_span: tuple[int, int]
    kind: str | None = None
    kind_span: tuple[int, int] | None = None
    issued_on: str | None = None
    date_span: tuple[int, int] | None = None
    issuer: str | None = None
    issuer_span: tuple[int, int] | None = None
    relation: str | None = None
    issuing: bool = False
    subject: Found | None = None
    extra: dict[str, object] = field(default_factory=dict)


def _kind_before(text: str, pos: int) -> tuple[str, tuple[int, int]] | None:
    """The kind word written right before a number ("Kế hoạch số 272/KH-UBND")."""
    window_start = max(0, pos - 60)
    window = text[window_start:pos]
    best = None
    for m in kind_regex().finditer(window):
        tail = window[m.end():]
        # "Kế hoạch số 272/...", "Kế hoạch 161/...", or a named one: "Luật Thi đua, khen thưởng số 06/2022/QH15"
        if re.fullmatch(r"\s*(?:liên tịch\s*)?(?:số\s*:?\s*)?|\s+[^;.:()\n]{1,50}?\s+số\s*", tail, re.IGNORECASE):
            best = (canonical_kind(m.group(0)), (window_start + m.start(), window_start + m.end()))
    return best


def kind_for_number(number: str) -> str | None:
    """The kind a document number's symbol stands for ("1555/KH-SKHCN" -> "Kế hoạch")."""
    sym = number_symbol(number)
    return vocabulary().kind_for_symbol(sym) if sym else None


@dataclass(frozen=True)
class _Cue:
    relation: str
    start: int
    end: int


@lru_cache(maxsize=1)
def _relation_patterns() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Relation cues, longest first, each with its compiled pattern."""
    return tuple((re.compile(rf"(?<!\w){phrase_pattern(cue)}(?!\w)", re.IGNORECASE), relation)
                 for cue, relation in sorted(vocabulary().relations, key=lambda r: -len(r[0])))


def _relation_before(text: str, pos: int) -> _Cue | None:
    """A relation cue that directly introduces the document at ``pos`` (at most 3 words between)."""
    start = max(0, pos - 80)
    window = text[start:pos]
    best: _Cue | None = None
    for rx, relation in _relation_patterns():
        for m in rx.finditer(window):
            between = window[m.end():]
            if _CLAUSE_BREAK.search(between) or len(between.split()) > 3:
                continue
            cand = _Cue(relation, start + m.start(), start + m.end())
            if best is None or (cand.end, cand.end - cand.start) > (best.end, best.end - best.start):
                best = cand
    return best


def _issuing_before(text: str, pos: int) -> int | None:
    """Start of an issuing verb ("đã ban hành") right before ``pos``, if any."""
    window_start = max(0, pos - 40)
    window = text[window_start:pos]
    m = re.search(r"(?:(?:đã|vừa|mới)\s+)?ban hành\s*$", window, re.IGNORECASE)
    if not m:
        return None
    before = text[max(0, window_start + m.start() - 20):window_start + m.start()]
    if re.search(r"(?:về việc|việc|thẩm quyền)\s*$", before, re.IGNORECASE):
        return None
    return window_start + m.start()


def _issuer_after(text: str, pos: int, orgs: list[Found] | _Orgs) -> tuple[str, tuple[int, int]] | None:
    m = _ISSUER_LEAD.match(text, pos)
    if not m:
        return None
    at = m.end()
    org = orgs.starting_at(at) if isinstance(orgs, _Orgs) else next((o for o in orgs if o.start == at), None)
    if org is not None:
        return org.value, (org.start, org.end)
    stop = _ISSUER_STOP.search(text, at)
    end = stop.start() if stop else min(len(text), at + 80)
    words = text[at:end].split()
    if not words or len(words) > 10 or not words[0][0].isupper():
        return None
    return " ".join(words), (at, at + len(text[at:end].rstrip()))


class _Orgs(list):
    """Organisations found in a text (in text order, not overlapping: their ends are in order
    too), with look-ups by start and by end."""

    def __init__(self, orgs: list[Found]) -> None:
        super().__init__(orgs)
        self.ends = [o.end for o in orgs]
        self.by_start: dict[int, Found] = {}
        for o in orgs:
            self.by_start.setdefault(o.start, o)
        self.ordered = all(a.end <= b.start for a, b in zip(orgs, orgs[1:]))

    def starting_at(self, pos: int) -> Found | None:
        return self.by_start.get(pos)

    def last_ending_by(self, pos: int) -> list[Found]:
        """The organisations ending at or before ``pos``, last first (as ``reversed`` would give)."""
        if not self.ordered:
            return [o for o in reversed(self) if o.end <= pos]
        i = bisect_right(self.ends, pos)
        return [self[i - 1]] if i else []


def _subject_before(text: str, pos: int, orgs: list[Found]) -> Found | None:
    """The organisation that is the subject of a verb starting at ``pos``."""
    candidates = orgs.last_ending_by(pos) if isinstance(orgs, _Orgs) else [o for o in reversed(orgs) if o.end <= pos]
    for org in candidates:
        gap = text[org.end:pos]
        if re.fullmatch(r"\s*(?:\([^()\n]{1,20}\)\s*)?", gap):
            return org
        break
    return None


def find_citations(doc: Document, mentions: list[Mention]) -> list[Citation]:
    """Every numbered document the text mentions, in text order."""
    text = doc.text
    numbers = [(m.start, m.end) for m in mentions if m.label == "DOCNUM"]  # in order, not overlapping
    number_starts = [a for a, _ in numbers]

    def in_number(pos: int) -> bool:
        i = bisect_right(number_starts, pos) - 1
        return i >= 0 and numbers[i][0] <= pos < numbers[i][1]

    orgs = _Orgs([o for o in find_orgs(text) if not in_number(o.start)])
    dates = [m for m in mentions if m.label in ("DATE",)]
    date_starts = [d.start for d in dates]
    out: list[Citation] = []
    for m in mentions:
        if m.label != "DOCNUM":
            continue
        cit = Citation(number=m.value, start=m.start, end=m.end, number_span=(m.start, m.end))
        kb = _kind_before(text, m.start)
        by_symbol = kind_for_number(m.value)
        if kb:
            cit.kind, cit.kind_span = kb
            cit.start = kb[1][0]
            if cit.kind in GENERIC_KINDS and by_symbol:
                cit.kind = by_symbol  # "văn bản 70-KL/TW" is a Kết luận
        else:
            cit.kind = by_symbol
        after = m.end
        near = dates[bisect_left(date_starts, m.end):bisect_right(date_starts, m.end + 30)]
        date = next((d for d in near if _GAP_TO_DATE.match(text[m.end:d.start])), None)
        if date is not None:
            cit.issued_on, cit.date_span = date.value, (date.start, date.end)
            after = cit.end = date.end
        iss = _issuer_after(text, after, orgs)
        if iss:
            cit.issuer, cit.issuer_span = iss
            cit.end = iss[1][1]
        verb = _issuing_before(text, cit.start)
        if verb is not None:
            cit.issuing = True
            cit.subject = _subject_before(text, verb, orgs)
        cue = _relation_before(text, cit.start)
        if cue:
            cit.relation = cue.relation
        elif out and re.fullmatch(r"\s*;\s*", text[out[-1].end:cit.start]) and out[-1].relation:
            cit.relation = out[-1].relation  # a ";"-separated list shares its cue
        out.append(cit)
    return out
