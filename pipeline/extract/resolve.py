"""Conflict resolution, as its own step: from candidates to the record's facts.

* The plan's identity takes each field from the strongest candidate that has it.
* The plan's own number is removed from the references; repeated citations of one document
  are merged (the first mention is kept, missing date or issuer filled from later ones).
* The period is the one stated with the plan (its title or issuing sentence), else the most
  frequent "giai đoạn" range; the duration prefers one labelled "Thời gian/Thời hạn".
* A final-review reward quota without a year is for the period's last year.
* In a one-year plan, targets without a deadline of their own take that year.
* The province comes from the header (the issuer's or the parent's name; none for a central
  body), then the issuer's name, then the most cited province (inferred).
* Every identity field says where it came from (``header``, ``body``, ``inferred``), and a field
  that is missing, partial, inferred, read by OCR or in conflict gets a ``needs_review`` reason.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from ..core.model import Document
from ..lang import vocabulary
from .dates import DateFacts
from .entities import find_provinces
from .header import is_central
from .values import (
    Duration,
    Field,
    Period,
    PlanCandidate,
    Reference,
    RewardQuota,
    Target,
)

DOCUMENT_FIELDS = ("kind", "number", "issued_on", "issuer", "province", "title")
#: Identity facts recorded besides the scored fields: the parent body, what is printed of a
#: blank or illegible number or date, the document an attached part belongs to.
DOCUMENT_EXTRAS = ("parent", "number_partial", "issued_month", "issued_year", "attached_to")
#: Fields only the header may give: a number or date found elsewhere is some other document's.
HEADER_ONLY = ("number", "issued_on", "number_partial", "issued_month", "issued_year", "parent", "attached_to")
#: Where a field comes from, by the rule that proposed it.
SOURCE_PROVENANCE = {"header": "header", "issuing": "body", "title": "body", "subject": "body", "lead": "body"}


def number_key(number: str) -> str:
    return re.sub(r"\s+", "", number).casefold().replace("đ", "d")


@dataclass
class Resolved:
    document: dict[str, Field]
    plan_span: tuple[int, int] | None
    references: list[Reference]
    period: Period | None
    duration: Duration | None
    targets: list[Target]
    reward_quotas: list[RewardQuota]
    provenance: dict[str, str] | None = None
    review: list[dict[str, Any]] | None = None


def resolve_document(doc: Document, candidates: list[PlanCandidate]) -> tuple[dict[str, Field], tuple[int, int] | None]:
    fields, span, _ = resolve_identity(doc, candidates)
    return fields, span


def resolve_identity(doc: Document, candidates: list[PlanCandidate]
                     ) -> tuple[dict[str, Field], tuple[int, int] | None, dict[str, str]]:
    """The identity fields, the plan's span and where each field came from."""
    fields: dict[str, Field] = {}
    provenance: dict[str, str] = {}
    span = None
    ordered = sorted(candidates, key=lambda c: -c.strength)
    header = next((c for c in ordered if c.source == "header"), None)
    for cand in ordered:
        if span is None and cand.span is not None:
            span = cand.span
        for key, value in cand.fields.items():
            if key in fields or (header is not None and cand is not header and key in HEADER_ONLY):
                continue
            if header is not None and cand is not header and key == "province":
                continue
            fields[key] = value
            provenance[key] = cand.provenance.get(key, SOURCE_PROVENANCE.get(cand.source, "body"))
    if "province" in fields and fields["province"].value is None:
        del fields["province"]  # a central body: no province, and none is looked for
        provenance["province"] = "header"
    elif "province" not in fields:
        issuer = fields.get("issuer")
        provs = find_provinces(doc.text, issuer.evidence.start, issuer.evidence.end) if issuer else []
        if not provs and issuer is not None and is_central(str(issuer.value)):
            provenance["province"] = provenance.get("issuer", "body")  # a central body has none
        elif provs:
            fields["province"] = Field(provs[-1].value, doc.evidence(provs[-1].start, provs[-1].end))
            provenance["province"] = provenance.get("issuer", "body")
        else:
            provs = find_provinces(doc.text)
            if provs:
                counts = Counter(p.value for p in provs)
                best = max(counts.values())
                first = next(p for p in provs if counts[p.value] == best)
                fields["province"] = Field(first.value, doc.evidence(first.start, first.end))
                provenance["province"] = "inferred"
    elif provenance.get("province") != "header" and "issuer" in fields:
        issuer = fields["issuer"]
        provs = find_provinces(doc.text, issuer.evidence.start, issuer.evidence.end)
        if provs:
            fields["province"] = Field(provs[-1].value, doc.evidence(provs[-1].start, provs[-1].end))
    return fields, span, {k: v for k, v in provenance.items() if k in fields or k == "province"}


def _ocr_pages(doc: Document) -> set[int]:
    ocr = doc.ingest.get("ocr") if isinstance(doc.ingest, dict) else None
    return set(ocr.get("pages") or []) if isinstance(ocr, dict) else set()


def review_identity(doc: Document, fields: dict[str, Field], provenance: dict[str, str],
                    candidates: list[PlanCandidate]) -> list[dict[str, Any]]:
    """Why a person should check the identity: each field missing, partial, inferred, read by
    OCR from a scan, or with several candidates."""
    out: list[dict[str, Any]] = []

    def add(name: str, reason: str, message: str, candidates_: list[str] | None = None) -> None:
        item: dict[str, Any] = {"field": f"document.{name}", "reason": reason, "message": message}
        if candidates_:
            item["candidates"] = candidates_
        out.append(item)

    attached = "attached_to" in fields
    ocr = _ocr_pages(doc)
    for name in ("kind", "number", "issued_on", "issuer", "title", "province"):
        if name not in fields:
            if name == "number" and "number_partial" in fields:
                add(name, "partial", f"the number is blank or illegible; printed: {fields['number_partial'].value!r}")
            elif name == "issued_on" and ("issued_month" in fields or "issued_year" in fields):
                part = fields.get("issued_month") or fields.get("issued_year")
                add(name, "partial", f"the day is blank or illegible; printed: {part.value!r}")
            elif attached and name in ("number", "issued_on"):
                continue  # an attached part has no number or date of its own
            elif name == "province" and provenance.get("province") == "header":
                continue  # a central body
            else:
                add(name, "missing", f"no {name.replace('_', ' ')} found where the document states it")
            continue
        how = provenance.get(name, "header")
        if how != "header":
            add(name, "inferred", f"taken from the {'body of the text' if how == 'body' else 'context'}, not from the header")
        page = fields[name].evidence.page
        if name in ("number", "issued_on") and page is not None and page in ocr:
            add(name, "low_confidence", "read by OCR from a scan, where numbers and days are often written in by hand")
    for cand in candidates:
        for name, values in cand.conflicts.items():
            if name in fields and fields[name] is cand.fields.get(name):
                add(name, "conflict", f"the text gives several values; kept {fields[name].value!r}", list(values))
    numbers = [c.fields["number"].value for c in candidates if c.source == "issuing" and "number" in c.fields]
    issuing = [c for c in candidates if c.source == "issuing"]
    if len(issuing) == 1 and getattr(issuing[0], "others", None):
        numbers += issuing[0].others
    if provenance.get("number") == "body" and len(set(numbers)) > 1:
        add("number", "conflict", "several documents are reported issued", sorted(set(numbers)))
    return out


def resolve_references(refs: list[Reference], plan_number: str | None) -> list[Reference]:
    merged: dict[str, Reference] = {}
    plan_key = number_key(plan_number) if plan_number else None
    for ref in refs:
        key = number_key(ref.number)
        if key == plan_key:
            continue
        if key not in merged:
            merged[key] = Reference(ref.kind, ref.number, ref.issued_on, ref.issuer, ref.relation, ref.evidence)
            continue
        kept = merged[key]
        kept.issued_on = kept.issued_on or ref.issued_on
        kept.issuer = kept.issuer or ref.issuer
        kept.relation = kept.relation or ref.relation
    return list(merged.values())


_WORD_CHAR = re.compile(r"\w")


def _whole_words(phrase: str, text: str) -> Iterator[re.Match[str]]:
    r"""``re.finditer(r"(?<!\w)PHRASE(?!\w)", text)``, found by searching for the phrase itself (a
    pattern that starts with a literal is found quickly) and checking the character before."""
    rx = re.compile(rf"{re.escape(phrase)}(?!\w)")
    pos = 0
    while (m := rx.search(text, pos)) is not None:
        if m.start() and _WORD_CHAR.match(text, m.start() - 1):
            pos = m.start() + 1  # inside a word: look again from the next character
            continue
        yield m
        pos = m.end() if m.end() > m.start() else m.start() + 1


def _cue_windows(doc: Document) -> list[tuple[int, int]]:
    """From each period cue ("kế hoạch", "phong trào thi đua", ...) to the end of its sentence,
    leaving out the grounds ("Căn cứ ...") and the names of cited laws."""
    text = doc.text
    folded = text.lower()
    out = []
    for cue in vocabulary().period_cues:
        for m in _whole_words(cue, folded):
            line_start = text.rfind("\n", 0, m.start()) + 1
            if re.match(r"\s*(?:[-–+•]\s*)?Căn cứ\b", text[line_start:m.start() + 1]):
                continue
            if re.search(r"(?:Luật|Nghị định|Thông tư|Quyết định|Nghị quyết|Chỉ thị)\s+(?:số\s+)?\S*\s*$",
                         text[max(line_start, m.start() - 40):m.start()]):
                continue
            stop = re.search(r"[.;:\n]", text[m.end():m.end() + 160])
            out.append((m.start(), m.end() + (stop.start() if stop else min(160, len(text) - m.end()))))
    return sorted(set(out))


def _duration_period(doc: Document, durations: list[Duration]) -> Period | None:
    """The years a from-to duration spans ("từ tháng 7/2018 đến hết tháng 7/2019": 2018-2019)."""
    for d in durations:
        if d.start and d.end and d.start[:4].isdigit() and d.end[:4].isdigit() and 0 <= int(d.end[:4]) - int(d.start[:4]) <= 50:
            return Period(int(d.start[:4]), int(d.end[:4]), d.evidence)
    return None


def resolve_period(doc: Document, facts: DateFacts, plan_span: tuple[int, int] | None,
                   title: Field | None = None, issued_year: int | None = None) -> Period | None:
    """The plan's period: a range, else a single year, stated with the plan (its issuing sentence,
    its title, the first lines), then with a period cue ("kế hoạch năm 2023", "phong trào thi đua
    ... năm 2020"); else the range stated most often; else the years of the plan's duration.
    A horizon ("Chương trình ... đến năm 2030") runs from the year the plan is issued."""
    found = _stated_period(doc, facts, plan_span, title)
    if found is not None and found.horizon and issued_year is not None and 0 < found.end_year - issued_year <= 50:
        return Period(issued_year, found.end_year, found.evidence, True)
    return found


def _stated_period(doc: Document, facts: DateFacts, plan_span: tuple[int, int] | None,
                   title: Field | None) -> Period | None:
    periods, years = facts.periods, facts.years
    text = doc.text
    windows = []
    if plan_span is not None:
        end = re.search(r"[.\n]", text[plan_span[1]:])
        windows.append((plan_span[0], plan_span[1] + (end.start() if end else 0)))
    if title is not None:
        windows.append((title.evidence.start, title.evidence.end))
    first_lines = text[:max(0, text.find("\n\n", 1))] if "\n\n" in text[:600] else text[:300]
    windows.append((0, len(first_lines)))
    for start, end in windows:
        for found in (periods, years):
            inside = [p for p in found if start <= p.evidence.start < end]
            if inside:
                return inside[0]
    cues = _cue_windows(doc)
    for found in (periods, years):
        inside = [p for p in found if any(a <= p.evidence.start < b for a, b in cues)]
        if inside:
            return inside[0]
    if periods:
        counts = Counter((p.start_year, p.end_year) for p in periods)
        best = max(counts.values())
        return next(p for p in periods if counts[(p.start_year, p.end_year)] == best)
    return _duration_period(doc, facts.durations)


def resolve_duration(durations: list[Duration]) -> Duration | None:
    labelled = [d for d in durations if d.labelled]
    return (labelled or durations or [None])[0]


def resolve_targets(targets: list[Target], period: Period | None) -> list[Target]:
    """In a plan for one year, targets with no deadline of their own are due that year. In a plan
    for several years a target without a stated deadline keeps none: it holds over the period, or
    every year of it ("hằng năm")."""
    if period is None or period.start_year != period.end_year or period.horizon:
        return targets
    return [t if t.year is not None else replace(t, year=period.end_year) for t in targets]


def resolve_quotas(quotas: list[RewardQuota], period: Period | None) -> list[RewardQuota]:
    """A final review ("tổng kết") with no year stated is held in the period's last year; in a
    one-year plan every quota without a year is for that year."""
    if period is None:
        return quotas
    one_year = period.start_year == period.end_year
    return [replace(q, year=period.end_year) if q.year is None and (q.occasion == "final" or one_year) else q
            for q in quotas]


def resolve(doc: Document, results: dict[str, Any]) -> Resolved:
    candidates = results.get("document") or []
    document, span, provenance = resolve_identity(doc, candidates)
    review = review_identity(doc, document, provenance, candidates)
    number = document.get("number")
    refs = resolve_references(results.get("references") or [], number.value if number else None)
    facts: DateFacts | None = results.get("dates")
    issued = document.get("issued_on")
    issued_year = int(str(issued.value)[:4]) if issued is not None and str(issued.value)[:4].isdigit() else None
    period = resolve_period(doc, facts, span, document.get("title"), issued_year) if facts else None
    duration = resolve_duration(facts.durations) if facts else None
    targets = resolve_targets(results.get("targets") or [], period)
    quotas = resolve_quotas(results.get("reward_quotas") or [], period)
    return Resolved(document, span, refs, period, duration, targets, quotas, provenance, review)
