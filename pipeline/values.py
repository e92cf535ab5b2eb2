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
