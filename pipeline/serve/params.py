"""The parameters of a catalog search, validated the same way for the HTTP API and the command line.

:class:`SearchParams` is the query string of ``GET /records`` (unknown parameters are
rejected) and what ``python -m pipeline search`` checks its options against, so
``--issued-from yesterday`` fails there as ``issued_from=yesterday`` fails in the API.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .query import MAX_QUERY_CHARS, MAX_TERMS, QueryError, parse_query
from .search import Filters

MAX_LIMIT = 100
#: Deepest page reachable by ``offset`` (a search is meant to be narrowed, not walked to the end).
MAX_OFFSET = 10_000
#: Most rows of one CSV export.
MAX_EXPORT = 10_000
MAX_FIELD_CHARS = 200

Status = Literal["ok", "partial", "failed"]
Order = Literal["relevance", "newest", "changed"]


class SearchParams(BaseModel):
    """A search: full text and filters, with its page."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field("", max_length=MAX_QUERY_CHARS,
                   description="words to find, diacritics optional (`hop tac xa` finds `hợp tác xã`); "
                               "`\"quoted phrase\"`, `prefix*`, `AND`, `OR`, `NOT`, parentheses; at most "
                               f"{MAX_QUERY_CHARS} characters and {MAX_TERMS} words")
    kind: str | None = Field(None, max_length=MAX_FIELD_CHARS, description="document kind, e.g. 'Kế hoạch'")
    number: str | None = Field(None, max_length=MAX_FIELD_CHARS,
                               description="document number (spaces and QD/QĐ tolerated)")
    issuer: str | None = Field(None, max_length=MAX_FIELD_CHARS, description="words of the issuer's name")
    province: str | None = Field(None, max_length=MAX_FIELD_CHARS,
                                 description="province, diacritics optional; knows the 2025 reorganisation")
    issued_from: date | None = Field(None, description="issued on or after (YYYY-MM-DD)")
    issued_to: date | None = Field(None, description="issued on or before (YYYY-MM-DD)")
    period_from: int | None = Field(None, ge=1, le=9999, description="period overlapping years from ...")
    period_to: int | None = Field(None, ge=1, le=9999, description="... to")
    target_year: int | None = Field(None, ge=1, le=9999, description="has targets due in this year")
    has_quotas: bool | None = Field(None, description="has (true) or has no (false) reward quotas")
    cites: str | None = Field(None, max_length=MAX_FIELD_CHARS, description="cites this document number")
    status: Status | None = Field(None, description="processing status of the record")
    needs_review: bool | None = Field(None, description="has (true) or has no (false) values in doubt (`needs_review`)")
    reviewed: bool | None = Field(None, description="corrected by a reviewer, no correction in conflict (true), or not (false)")
    changed_since: datetime | None = Field(
        None, description="record file changed at or after this time (ISO 8601; UTC unless an offset is given)")
    order: Order | None = Field(
        None, description="relevance (default with `q`), newest (issue date, default without `q`) or "
                          "changed (time of the last change, oldest first: for incremental sync)")
    limit: int = Field(20, ge=1, le=MAX_LIMIT, description="page size")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="matches to skip")

    @field_validator("q")
    @classmethod
    def _parsable(cls, value: str) -> str:
        try:
            parse_query(value)
        except QueryError as exc:  # too long, too many words, malformed: a parameter error
            raise ValueError(exc.message) from None
        return value

    def filters(self) -> Filters:
        since = self.changed_since
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=timezone.utc)
        return Filters(kind=self.kind, number=self.number, issuer=self.issuer, province=self.province,
                       issued_from=self.issued_from.isoformat() if self.issued_from else None,
                       issued_to=self.issued_to.isoformat() if self.issued_to else None,
                       period_from=self.period_from, period_to=self.period_to, target_year=self.target_year,
                       has_quotas=self.has_quotas, cites=self.cites, status=self.status,
                       needs_review=self.needs_review, reviewed=self.reviewed,
                       changed_since_ns=_ns(since) if since else None)


def _ns(moment: datetime) -> int:
    """Nanoseconds since the epoch, exactly (no float rounding), within what SQLite stores (64 bits)."""
    ns = (moment - datetime(1970, 1, 1, tzinfo=timezone.utc)) // timedelta(microseconds=1) * 1000
    return min(max(ns, -(2 ** 63)), 2 ** 63 - 1)


class ExportParams(SearchParams):
    """A search exported as CSV: the same parameters, larger pages."""

    limit: int = Field(1000, ge=1, le=MAX_EXPORT, description="rows")


class PageParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(20, ge=1, le=MAX_LIMIT, description="page size")
    offset: int = Field(0, ge=0, le=MAX_OFFSET, description="matches to skip")


def problems(error: ValidationError) -> list[str]:
    """One line per invalid parameter: ``name: message``."""
    out = []
    for e in error.errors():
        name = ".".join(str(p) for p in e["loc"]) or "query"
        message = e["msg"].removeprefix("Value error, ")
        out.append(f"{name}: {message}")
    return out
