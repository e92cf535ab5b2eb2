"""Extracted values: each keeps the :class:`~pipeline.core.model.Evidence` it was read from."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from ..core.model import Evidence


class Item:
    """A list item or single-span object of a record: its fields, then its ``evidence``."""

    def to_dict(self) -> dict[str, Any]:
        out = {f.name: getattr(self, f.name) for f in fields(self) if f.name not in ("evidence", *self.internal)}
        out["evidence"] = self.evidence.to_dict()  # type: ignore[attr-defined]
        return out

    #: Fields used while resolving that are not part of the record.
    internal: tuple[str, ...] = ()


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
    #: Where each field was read, when not where ``source`` says: "header", "body", "inferred".
    provenance: dict[str, str] = field(default_factory=dict)
    #: Fields for which the text gives several values (the values), the one kept among them.
    conflicts: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Reference(Item):
    kind: str | None
    number: str
    issued_on: str | None
    issuer: str | None
    relation: str | None
    evidence: Evidence



@dataclass
class DateValue(Item):
    value: str
    precision: str  # "day" or "month"
    evidence: Evidence



@dataclass
class Period(Item):
    start_year: int
    end_year: int
    evidence: Evidence
    #: a year stated as a horizon ("đến năm 2030"): the plan runs up to it, not within it
    horizon: bool = False
    internal = ("horizon",)



@dataclass
class Duration(Item):
    start: str | None
    end: str | None
    evidence: Evidence
    labelled: bool = False
    internal = ("labelled",)



@dataclass
class Criterion(Item):
    applies_to: str  # "collective", "individual" or "any"
    text: str
    evidence: Evidence



@dataclass
class RewardQuota(Item):
    award: str | None
    granted_by: str | None
    occasion: str  # "annual", "interim", "final" or "other"
    year: int | None
    collectives: int | None
    individuals: int | None
    evidence: Evidence



@dataclass
class Target(Item):
    """A quantity a plan commits to reach.

    ``per`` is a rate's denominator ("năm" in "1,5%/năm"), ``recurrence`` says the target holds
    every year, quarter or month ("hằng năm"), ``change`` that the value is a change of the
    indicator ("tăng", "giảm") or a level to keep ("duy trì"), ``multiplier`` that it is a multiple
    ("tăng 1,5 lần"). These four are left out of the record when they do not apply.
    """

    year: int | None
    value: float | int
    value_max: float | int | None
    unit: str
    comparator: str
    indicator: str | None
    evidence: Evidence
    per: str | None = None
    recurrence: str | None = None
    change: str | None = None
    multiplier: bool = False

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        for key in ("per", "recurrence", "change"):
            if out.get(key) is None:
                out.pop(key, None)
        if not out.get("multiplier"):
            out.pop("multiplier", None)
        out["evidence"] = out.pop("evidence")
        return out



@dataclass
class ScheduleItem(Item):
    recurrence: str  # "once", "monthly", "quarterly", "semiannual", "annual"
    due: str | None  # ISO date, or "--MM-DD" for a recurring day of the year
    rule: str | None  # the due day as written when it is a rule ("ngày 15 của tháng cuối quý")
    task: str | None
    evidence: Evidence



@dataclass
class TextItem(Item):
    """A participant ("Đối tượng thi đua") or another list item kept as text."""

    text: str
    applies_to: str | None
    evidence: Evidence



@dataclass
class Responsibility(Item):
    unit: str
    tasks: list[str]
    evidence: Evidence



@dataclass
class Abbreviation(Item):
    short: str
    long: str
    evidence: Evidence

