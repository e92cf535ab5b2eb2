"""Read-only HTTP JSON API over the catalog index: ``python -m pipeline serve [--out DIR]``.

Routes (all GET, all JSON; the OpenAPI description is at ``/openapi.json``, docs at ``/docs``):

* ``/health`` - liveness and the number of indexed records;
* ``/records`` - full-text search (diacritics optional) and structured filters, paginated;
* ``/records/{record_id}`` - one full record, as published in ``OUT/records/``;
* ``/records/{record_id}/cites`` - the documents a record cites;
* ``/documents/{number}/cited-by`` - the records citing a document number (which may contain "/").

The index (``OUT/catalog.sqlite``) is opened and synced once at startup and re-synced at most
every :data:`SYNC_INTERVAL` seconds when requests come in, so newly published records appear
(a sync skips unchanged files). One SQLite connection is shared by all requests behind a lock.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from contextlib import asynccontextmanager, contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any, AsyncIterator, Iterator

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from ..record.schema import SCHEMA_VERSION, problems
from ..review.corrections import RecordFiles, expected_published
from .search import CatalogIndex, Filters, Page, open_index

log = logging.getLogger(__name__)

#: Seconds between two syncs of the index with the record files (at most one per interval).
SYNC_INTERVAL = 3.0
MAX_LIMIT = 100
RECORD_ID = r"^[0-9a-fA-F]{64}$"


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    records: int = Field(description="number of records in the catalog index")


class HitModel(BaseModel):
    """A catalog entry found by a search or a citation lookup."""

    record_id: str
    filename: str = Field(description="the source file's name")
    record_path: str = Field(description="the record file, relative to the output folder")
    kind: str | None
    number: str | None
    issued_on: str | None = Field(description="YYYY-MM-DD")
    issuer: str | None
    province: str | None
    title: str | None
    period: str | None = Field(description='"START-END" years')
    exact: bool = Field(False, description="the text contains the query with its exact diacritics")
    snippet: str | None = Field(None, description="original text around the match, query words marked «like this»")
    relation: str | None = Field(None, description="how the record cites the document (cited-by lookups)")


class HitPage(BaseModel):
    total: int = Field(description="number of matches in all")
    limit: int
    offset: int
    items: list[HitModel]
    next: str | None = Field(description="URL of the next page, null on the last one")


class Citation(BaseModel):
    number: str = Field(description="the cited document's number as written")
    kind: str | None
    issued_on: str | None
    relation: str | None = Field(description="implements, legal_basis, basis... or null")
    record_id: str | None = Field(description="the cited document's record, when it is in the catalog")


class Cites(BaseModel):
    record_id: str
    items: list[Citation]


class ErrorModel(BaseModel):
    detail: str


NOT_FOUND: dict[int | str, dict[str, Any]] = {404: {"model": ErrorModel, "description": "unknown record"}}
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="page size")]
Offset = Annotated[int, Query(ge=0, description="matches to skip")]
RecordId = Annotated[str, PathParam(pattern=RECORD_ID, description="64 hex characters")]


class _Catalog:
    """The shared index, its lock and its periodic sync."""

    def __init__(self, out_dir: Path, sync_interval: float) -> None:
        self.out_dir, self.sync_interval = out_dir, sync_interval
        self.lock = threading.Lock()
        self.index: CatalogIndex = open_index(out_dir)
        self.synced = time.monotonic()

    @contextmanager
    def use(self) -> Iterator[CatalogIndex]:
        with self.lock:
            if time.monotonic() - self.synced >= self.sync_interval:
                try:
                    self.index.sync(self.out_dir)
                except sqlite3.OperationalError as exc:  # e.g. locked by a writer: serve what is indexed
                    log.warning("catalog sync failed: %s", exc)
                self.synced = time.monotonic()
            yield self.index

    def close(self) -> None:
        with self.lock:
            self.index.close()


def _page(request: Request, page: Page, limit: int, offset: int) -> HitPage:
    more = offset + limit < page.total
    return HitPage(total=page.total, limit=limit, offset=offset,
                   items=[HitModel(**h.to_dict()) for h in page.hits],
                   next=str(request.url.include_query_params(offset=offset + limit, limit=limit)) if more else None)


def create_app(out_dir: Path, sync_interval: float = SYNC_INTERVAL) -> FastAPI:
    """The API over the catalog of ``out_dir``: the index is opened and synced when the app starts,
    then re-synced on a request when ``sync_interval`` seconds have passed since the last sync."""
    state: dict[str, _Catalog] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state["catalog"] = _Catalog(out_dir, sync_interval)
        try:
            yield
        finally:
            state.pop("catalog").close()

    app = FastAPI(title="vn-plan-pipeline catalog API", version=SCHEMA_VERSION, lifespan=lifespan,
                  description="Read-only search over the catalog of plan records: full text without "
                              "diacritics, filters, and the citation graph. `version` is the record schema version.")

    def catalog() -> _Catalog:
        return state["catalog"]

    @app.get("/health", response_model=Health, summary="Liveness and record count")
    def health() -> Health:
        with catalog().use() as index:
            return Health(status="ok", records=index.count())

    @app.get("/records", response_model=HitPage, summary="Search the catalog",
             description="Full-text search (case and diacritics optional: `hop tac xa` finds `hợp tác xã`) "
                         "within structured filters; without `q`, newest first. Matches with the query's "
                         "exact diacritics rank first.")
    def search_records(
        request: Request,
        q: Annotated[str, Query(description="words to find")] = "",
        kind: Annotated[str | None, Query(description="document kind, e.g. 'Kế hoạch'")] = None,
        number: Annotated[str | None, Query(description="document number (spaces and QD/QĐ tolerated)")] = None,
        issuer: Annotated[str | None, Query(description="words of the issuer's name")] = None,
        province: Annotated[str | None, Query(description="province, diacritics optional")] = None,
        issued_from: Annotated[date | None, Query(description="issued on or after (YYYY-MM-DD)")] = None,
        issued_to: Annotated[date | None, Query(description="issued on or before (YYYY-MM-DD)")] = None,
        period_from: Annotated[int | None, Query(ge=1, le=9999, description="period overlapping years from ...")] = None,
        period_to: Annotated[int | None, Query(ge=1, le=9999, description="... to")] = None,
        target_year: Annotated[int | None, Query(ge=1, le=9999, description="has targets due in this year")] = None,
        has_quotas: Annotated[bool | None, Query(description="has (true) or has no (false) reward quotas")] = None,
        cites: Annotated[str | None, Query(description="cites this document number")] = None,
        limit: Limit = 20,
        offset: Offset = 0,
    ) -> HitPage:
        filters = Filters(kind=kind, number=number, issuer=issuer, province=province,
                          issued_from=issued_from.isoformat() if issued_from else None,
                          issued_to=issued_to.isoformat() if issued_to else None,
                          period_from=period_from, period_to=period_to, target_year=target_year,
                          has_quotas=has_quotas, cites=cites)
        with catalog().use() as index:
            page = index.search(q, filters, limit, offset)
        return _page(request, page, limit, offset)

    @app.get("/records/{record_id}", response_model=dict[str, Any], responses=NOT_FOUND, summary="One full record",
             description="The record JSON as published (see the plan-record JSON Schema).")
    def get_record(record_id: RecordId) -> dict[str, Any]:
        with catalog().use() as index:
            hit = index.get(record_id.lower())
        if hit is None:
            raise HTTPException(404, f"no record {record_id}")
        try:
            record = json.loads((out_dir / hit.record_path).read_text(encoding="utf-8"))
        except (OSError, ValueError):  # removed, being replaced, or a reviewer's half-typed edit
            record = None
        if record is None or problems(record):
            # a reviewer's edit that is not valid yet is never served: serve the last published version
            name = Path(hit.record_path).name.removesuffix(".json")
            record = expected_published(RecordFiles(out_dir, name))
        if record is None:
            raise HTTPException(404, f"record {record_id} is not available")
        return record

    @app.get("/records/{record_id}/cites", response_model=Cites, responses=NOT_FOUND,
             summary="What a record cites",
             description="The documents a record cites, each with its record id when it is in the catalog.")
    def record_cites(record_id: RecordId) -> Cites:
        rid = record_id.lower()
        with catalog().use() as index:
            if index.get(rid) is None:
                raise HTTPException(404, f"no record {record_id}")
            items = index.cites(rid)
        return Cites(record_id=rid, items=[Citation(**c) for c in items])

    @app.get("/documents/{number:path}/cited-by", response_model=HitPage, summary="Records citing a document",
             description="Records citing the document `number` (it may contain '/', e.g. `20-NQ/TW`; "
                         "spaces and QD/QĐ are tolerated), oldest first.")
    def cited_by(request: Request, number: Annotated[str, PathParam(min_length=1, description="document number")],
                 limit: Limit = 20, offset: Offset = 0) -> HitPage:
        with catalog().use() as index:
            page = index.cited_by(number, limit, offset)
        return _page(request, page, limit, offset)

    return app


def serve(out_dir: Path, host: str = "127.0.0.1", port: int = 8787) -> None:
    """Run the API with uvicorn until interrupted (localhost only unless ``host`` says otherwise)."""
    import uvicorn

    uvicorn.run(create_app(out_dir), host=host, port=port)
