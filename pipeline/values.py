"""Extracted values: each keeps the :class:`~pipeline.model.Evidence` it was read from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .model import Evidence


@dataclass(frozen=True)
class Field:
    """One value of a multi-span object (a document field, a movement name)."""

    value: Any
    evidence: Evidence


@dataclass
class PlanCandidate:
    """A candidate identity for the plan a text is about, with the rule that proposed it.

    ``strength`` orders candidates: a header "Số: ..." beats an issuing verb, which beats a
    title line, which beats a bare subject organisation.
    """

    source: str
    strength: int
    fields: dict[str, Field] = field(default_factory=dict)
    span: tuple[int, int] | None = None


@dataclass
class Reference:
    kind: str | None
    number: str
    issued_on: str | None
    issuer: str | None
    relation: str | None
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "number": self.number, "issued_on": self.issued_on, "issuer": self.issuer,
                "relation": self.relation, "evidence": self.evidence.to_dict()}


@dataclass
class DateValue:
    value: str
    precision: str  # "day" or "month"
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "precision": self.precision, "evidence": self.evidence.to_dict()}


@dataclass
class Period:
    start_year: int
    end_year: int
    evidence: Evidence
    in_title: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"start_year": self.start_year, "end_year": self.end_year, "evidence": self.evidence.to_dict()}


@dataclass
class Duration:
    start: str | None
    end: str | None
    evidence: Evidence
    labelled: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "evidence": self.evidence.to_dict()}


@dataclass
class Criterion:
    applies_to: str  # "collective", "individual" or "any"
    text: str
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {"applies_to": self.applies_to, "text": self.text, "evidence": self.evidence.to_dict()}


@dataclass
class RewardQuota:
    award: str | None
    granted_by: str | None
    occasion: str  # "annual", "interim", "final" or "other"
    year: int | None
    collectives: int | None
    individuals: int | None
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {"award": self.award, "granted_by": self.granted_by, "occasion": self.occasion, "year": self.year,
                "collectives": self.collectives, "individuals": self.individuals, "evidence": self.evidence.to_dict()}


@dataclass
class Target:
    year: int | None
    value: float | int
    value_max: float | int | None
    unit: str
    comparator: str
    indicator: str | None
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {"year": self.year, "value": self.value, "value_max": self.value_max, "unit": self.unit,
                "comparator": self.comparator, "indicator": self.indicator, "evidence": self.evidence.to_dict()}


@dataclass
class ScheduleItem:
    recurrence: str  # "once", "monthly", "quarterly", "semiannual", "annual"
    due: str | None  # ISO date, or "--MM-DD" for a recurring day of the year
    rule: str | None  # the due day as written when it is a rule ("ngày 15 của tháng cuối quý")
    task: str | None
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {"recurrence": self.recurrence, "due": self.due, "rule": self.rule, "task": self.task,
                "evidence": self.evidence.to_dict()}


@dataclass
class TextItem:
    """A participant ("Đối tượng thi đua") or another list item kept as text."""

    text: str
    applies_to: str | None
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "applies_to": self.applies_to, "evidence": self.evidence.to_dict()}


@dataclass
class Responsibility:
    unit: str
    tasks: list[str]
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {"unit": self.unit, "tasks": self.tasks, "evidence": self.evidence.to_dict()}


@dataclass
class Abbreviation:
    short: str
    long: str
    evidence: Evidence

    def to_dict(self) -> dict[str, Any]:
        return {"short": self.short, "long": self.long, "evidence": self.evidence.to_dict()}
