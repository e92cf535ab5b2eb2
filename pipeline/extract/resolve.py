"""Conflict resolution, as its own step: from candidates to the record's facts.

* The plan's identity takes each field from the strongest candidate that has it.
* The plan's own number is removed from the references; repeated citations of one document
  are merged (the first mention is kept, missing date or issuer filled from later ones).
* The period is the one stated with the plan (its title or issuing sentence), else the most
  frequent "giai đoạn" range; the duration prefers one labelled "Thời gian/Thời hạn".
* A final-review reward quota without a year is for the period's last year.
* Targets without a deadline of their own take the end year of the plan's period.
* The province comes from the issuer's name, then the header, then the most cited province.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from typing import Any

from ..core.model import Document
from .dates import DateFacts
from .entities import find_provinces
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


def resolve_document(doc: Document, candidates: list[PlanCandidate]) -> tuple[dict[str, Field], tuple[int, int] | None]:
    fields: dict[str, Field] = {}
    span = None
    for cand in sorted(candidates, key=lambda c: -c.strength):
        if span is None and cand.span is not None:
            span = cand.span
        for key, value in cand.fields.items():
            fields.setdefault(key, value)
    issuer = fields.get("issuer")
    if issuer is not None:
        provs = find_provinces(doc.text, issuer.evidence.start, issuer.evidence.end)
        if provs:
            fields["province"] = Field(provs[-1].value, doc.evidence(provs[-1].start, provs[-1].end))
    if "province" not in fields:
        provs = find_provinces(doc.text)
        if provs:
            counts = Counter(p.value for p in provs)
            best = max(counts.values())
            first = next(p for p in provs if counts[p.value] == best)
            fields["province"] = Field(first.value, doc.evidence(first.start, first.end))
    return fields, span


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


def resolve_period(doc: Document, periods: list[Period], plan_span: tuple[int, int] | None) -> Period | None:
    if not periods:
        return None
    text = doc.text
    windows = []
    if plan_span is not None:
        end = re.search(r"[.\n]", text[plan_span[1]:])
        windows.append((plan_span[0], plan_span[1] + (end.start() if end else 0)))
    first_lines = text[:max(0, text.find("\n\n", 1))] if "\n\n" in text[:600] else text[:300]
    windows.append((0, len(first_lines)))
    for start, end in windows:
        inside = [p for p in periods if start <= p.evidence.start < end]
        if inside:
            return inside[0]
    counts = Counter((p.start_year, p.end_year) for p in periods)
    best = max(counts.values())
    return next(p for p in periods if counts[(p.start_year, p.end_year)] == best)


def resolve_duration(durations: list[Duration]) -> Duration | None:
    labelled = [d for d in durations if d.labelled]
    return (labelled or durations or [None])[0]


def resolve_targets(targets: list[Target], period: Period | None) -> list[Target]:
    """Targets with no deadline of their own are due at the end of the plan's period."""
    if period is None:
        return targets
    return [t if t.year is not None else replace(t, year=period.end_year) for t in targets]


def resolve_quotas(quotas: list[RewardQuota], period: Period | None) -> list[RewardQuota]:
    """A final review ("tổng kết") with no year stated is held in the period's last year."""
    if period is None:
        return quotas
    return [replace(q, year=period.end_year) if q.occasion == "final" and q.year is None else q for q in quotas]


def resolve(doc: Document, results: dict[str, Any]) -> Resolved:
    document, span = resolve_document(doc, results.get("document") or [])
    number = document.get("number")
    refs = resolve_references(results.get("references") or [], number.value if number else None)
    facts: DateFacts | None = results.get("dates")
    period = resolve_period(doc, facts.periods, span) if facts else None
    duration = resolve_duration(facts.durations) if facts else None
    targets = resolve_targets(results.get("targets") or [], period)
    quotas = resolve_quotas(results.get("reward_quotas") or [], period)
    return Resolved(document, span, refs, period, duration, targets, quotas)
