"""Read-only HTTP API over the catalog index: ``python -m pipeline serve [--out DIR]``.

Routes (all GET, and HEAD for each; the OpenAPI description is at ``/openapi.json``, browsable
at ``/docs`` and ``/redoc``, which load their assets from this server, never from the network):

* ``/health`` - liveness and the number of indexed records;
* ``/records`` - full-text search (diacritics optional) and structured filters, paginated;
* ``/records.csv`` - the same search as CSV (UTF-8 with a byte order mark, for spreadsheets);
* ``/records/{record_id}`` - one full record, as published in ``OUT/records/``;
* ``/records/{record_id}/cites`` - the documents a record cites;
* ``/documents/{number}/cited-by`` - the records citing a document number (which may contain "/").

Every response but ``/health`` carries an ``ETag`` (a hash of its body); a request whose
``If-None-Match`` names it gets ``304 Not Modified`` without a body. Unknown query parameters
are rejected (422), like malformed ones. The response models are generated from ``schemas/``
(:mod:`pipeline.serve.models`): a record is described field by field.

No request waits for another: each worker thread reads through its own read-only SQLite
connection (WAL mode lets them read while the index is written). The index
(``OUT/catalog.sqlite``) is opened and synced when the app starts, then re-synced in the
background at most every :data:`SYNC_INTERVAL` seconds while requests come in, so newly
published records appear (a sync skips unchanged files). Queries are bounded (characters,
words, page depth), and snippets cost time linear in the text.

``next`` links are built from the configured base URL (``serve --base-url``; by default the
address the server binds), never from the request's ``Host`` header; without one they are
relative (``/records?...``).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import threading
import time
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, AsyncIterator, Awaitable, Callable, MutableMapping
from urllib.parse import quote, urlencode

from fastapi import Depends, FastAPI, HTTPException, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field, create_model

from ..publish.catalog import published_by_pipeline
from ..record.schema import CATALOG_ENTRY_SCHEMA, RECORD_SCHEMA, SCHEMA_VERSION, problems
from ..review.corrections import RecordFiles, expected_published
from .export import CSV_COLUMNS, csv_text
from .models import schema_model
from .params import ExportParams, PageParams, SearchParams
from .regions import ProvinceMap
from .search import INDEX_NAME, CatalogIndex, Hit, Page, open_index

log = logging.getLogger(__name__)

#: Seconds between two syncs of the index with the record files (at most one per interval).
SYNC_INTERVAL = 3.0
RECORD_ID = r"^[0-9a-fA-F]{64}$"

JSON = "application/json"
PlanRecord = schema_model(RECORD_SCHEMA, "PlanRecord")
CatalogEntry = schema_model(CATALOG_ENTRY_SCHEMA, "CatalogEntry")
HitModel = create_model(
    "Hit", __base__=CatalogEntry, __doc__="A catalog line found by a search or a citation lookup, and how it was found.",
    changed_at=(str, Field(description="when the record file last changed (ISO 8601, UTC); a client syncing "
                                       "incrementally passes the latest it saw as `changed_since`")),
    exact=(bool, Field(False, description="the record matches the query with the diacritics it was typed with")),
    match=(str | None, Field(None, description="how the query matched: phrase (its syllables adjacent), near "
                                               "(close together) or words (anywhere); null without a query")),
    snippet=(str | None, Field(None, description="original text around the match, matches marked «like this»")),
    relation=(str | None, Field(None, description="how the record cites the document (cited-by lookups)")),
)


class Health(BaseModel):
    status: str = Field(examples=["ok"])
    records: int = Field(description="number of records in the catalog index")


class HitPage(BaseModel):
    total: int = Field(description="number of matches in all, counted exactly up to 10,000 (see `total_exact`)")
    total_exact: bool = Field(description="false when there are more matches than `total` says (more than "
                                          "10,000: narrow the search; pages go no deeper)")
    limit: int
    offset: int
    items: list[HitModel]  # type: ignore[valid-type]
    next: str | None = Field(description="URL of the next page, null on the last one (and past the deepest "
                                         "reachable offset)")


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
CACHED: dict[int | str, dict[str, Any]] = {304: {"description": "not modified (the `If-None-Match` ETag is current)"}}
RecordId = Annotated[str, PathParam(pattern=RECORD_ID, description="64 hex characters")]


def no_query_parameters(request: Request) -> None:
    """Reject any query parameter on routes that take none."""
    if request.query_params:
        raise RequestValidationError([{"type": "extra_forbidden", "loc": ("query", k), "msg": "Extra inputs are not permitted",
                                       "input": request.query_params[k]} for k in request.query_params])


class _Catalog:
    """The index: a writer connection that syncs in the background, a reader per worker thread."""

    def __init__(self, out_dir: Path, sync_interval: float, provinces: ProvinceMap | None) -> None:
        self.out_dir, self.sync_interval, self.provinces = out_dir, sync_interval, provinces
        self.writer: CatalogIndex = open_index(out_dir, provinces=provinces)
        self.synced = time.monotonic()
        self.lock = threading.Lock()
        self.local = threading.local()
        self.readers: list[CatalogIndex] = []
        self.syncer: threading.Thread | None = None
        self.closed = False

    def reader(self) -> CatalogIndex:
        """This thread's read-only index (opened on first use); starts a background sync when due."""
        index = getattr(self.local, "index", None)
        if index is None:
            index = CatalogIndex(self.out_dir / INDEX_NAME, readonly=True, provinces=self.provinces)
            self.local.index = index
            with self.lock:
                self.readers.append(index)
        self._maybe_sync()
        return index

    def _maybe_sync(self) -> None:
        if time.monotonic() - self.synced < self.sync_interval:
            return
        with self.lock:
            if self.closed or (self.syncer is not None and self.syncer.is_alive()) or \
                    time.monotonic() - self.synced < self.sync_interval:
                return
            self.syncer = threading.Thread(target=self._sync, name="catalog-sync", daemon=True)
            self.syncer.start()

    def _sync(self) -> None:
        try:
            self.writer.sync(self.out_dir)
        except (sqlite3.Error, OSError) as exc:  # e.g. locked by another writer: serve what is indexed
            log.warning("catalog sync failed: %s", exc)
        finally:
            self.synced = time.monotonic()

    def close(self) -> None:
        with self.lock:
            self.closed = True
            syncer = self.syncer
        if syncer is not None:
            syncer.join(timeout=30)
        with self.lock:
            for index in self.readers:
                index.close()
            self.readers.clear()
        self.writer.close()


def _etagged(request: Request, body: bytes, media_type: str, headers: dict[str, str] | None = None) -> Response:
    """``body`` with its ETag, or 304 when the request's ``If-None-Match`` already names it."""
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    common = {"ETag": etag, "Cache-Control": "no-cache", **(headers or {})}
    wanted = request.headers.get("if-none-match")
    if wanted is not None:
        tags = {t.strip().removeprefix("W/") for t in wanted.split(",")}
        if "*" in tags or etag in tags:
            return Response(status_code=304, headers=common)
    return Response(body, media_type=media_type, headers=common)


def _json(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class HeadAsGet:
    """ASGI middleware: a HEAD request is served as the GET it stands for, without the body."""

    def __init__(self, app: Callable[..., Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: MutableMapping[str, Any], receive: Callable[..., Awaitable[Any]],
                      send: Callable[..., Awaitable[None]]) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            await self.app(scope, receive, send)
            return

        async def headers_only(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.body":
                if message.get("more_body"):
                    return
                message = {"type": "http.response.body", "body": b"", "more_body": False}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headers_only)


def create_app(out_dir: Path, sync_interval: float = SYNC_INTERVAL, base_url: str | None = None,
               provinces: ProvinceMap | None = None) -> FastAPI:
    """The API over the catalog of ``out_dir`` (an ASGI app). The index is opened and synced when
    the app starts, then re-synced in the background when ``sync_interval`` seconds have passed
    since the last sync. ``next`` links start with ``base_url`` (relative without one);
    ``provinces`` is the 2025 reorganisation the province filter knows (the vocabulary's by default)."""
    state: dict[str, _Catalog] = {}
    base = (base_url or "").rstrip("/")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        state["catalog"] = _Catalog(out_dir, sync_interval, provinces)
        try:
            yield
        finally:
            state.pop("catalog").close()

    app = FastAPI(title="vn-plan-pipeline catalog API", version=SCHEMA_VERSION, lifespan=lifespan,
                  docs_url=None, redoc_url=None,
                  description="Read-only search over the catalog of plan records: full text without "
                              "diacritics, filters, CSV export and the citation graph. `version` is the record "
                              "schema version. Every route also answers HEAD; responses carry an ETag and honour "
                              "`If-None-Match`; unknown query parameters are rejected with 422.")

    def index() -> CatalogIndex:
        return state["catalog"].reader()

    def next_link(path: str, params: dict[str, Any], page: Page, limit: int, offset: int) -> str | None:
        from .params import MAX_OFFSET

        nxt = offset + limit
        if nxt >= page.total or nxt > MAX_OFFSET:
            return None
        query = {k: v for k, v in params.items() if v is not None and v != "" and k not in ("limit", "offset")}
        query.update(limit=limit, offset=nxt)
        encoded = urlencode({k: (str(v).lower() if isinstance(v, bool) else v) for k, v in query.items()})
        return f"{base}{path}?{encoded}"

    def page_body(path: str, params: dict[str, Any], page: Page, limit: int, offset: int) -> bytes:
        return _json({"total": page.total, "total_exact": page.total_exact, "limit": limit, "offset": offset,
                      "items": [h.to_dict() for h in page.hits], "next": next_link(path, params, page, limit, offset)})

    @app.get("/health", response_model=Health, summary="Liveness and record count",
             dependencies=[Depends(no_query_parameters)])
    def health() -> Health:
        return Health(status="ok", records=index().count())

    def run_search(params: SearchParams, snippets: bool = True) -> Page:
        return index().search(params.q, params.filters(), params.limit, params.offset, params.order, snippets)

    @app.get("/records", response_model=HitPage, responses=CACHED, summary="Search the catalog",
             description="Full-text search (case and diacritics optional: `hop tac xa` finds `hợp tác xã`) "
                         "within structured filters; without `q`, newest first. The records where the query's "
                         "syllables are adjacent (a phrase) come first, then those where they are close, then "
                         "the rest; a query typed with diacritics puts the records matching them exactly first "
                         "within each group.")
    def search_records(request: Request, params: Annotated[SearchParams, Query()]) -> Response:
        page = run_search(params)
        dumped = params.model_dump(mode="json", exclude_defaults=True)
        return _etagged(request, page_body("/records", dumped, page, params.limit, params.offset), JSON)

    @app.get("/records.csv", summary="Export a search as CSV", responses={
        200: {"content": {"text/csv": {"schema": {"type": "string"}}},
              "description": f"UTF-8 with a byte order mark; columns: {', '.join(CSV_COLUMNS)}"}, **CACHED},
        response_class=Response,
        description="The search of `/records` (same parameters, up to 10,000 rows a request) as CSV, ranked the "
                    "same way. `needs_review` lists `field: reason` pairs separated by `; `. A cell that a "
                    "spreadsheet would read as a formula starts with `'`.")
    def export_records(request: Request, params: Annotated[ExportParams, Query()]) -> Response:
        page = run_search(params, snippets=False)
        return _etagged(request, csv_text(page).encode("utf-8"), "text/csv; charset=utf-8",
                        {"Content-Disposition": 'attachment; filename="records.csv"'})

    @app.get("/records/{record_id}", response_model=PlanRecord, responses={**NOT_FOUND, **CACHED},
             summary="One full record", dependencies=[Depends(no_query_parameters)],
             description="The record JSON as published (see the plan-record JSON Schema, "
                         f"version {SCHEMA_VERSION}; older records are served in their own version).")
    def get_record(request: Request, record_id: RecordId) -> Response:
        hit = index().get(record_id.lower())
        if hit is None:
            raise HTTPException(404, f"no record {record_id}")
        path = out_dir / hit.record_path
        try:
            data = path.read_bytes()
            record = json.loads(data.decode("utf-8"))
        except (OSError, ValueError):  # removed, being replaced, or a reviewer's half-typed edit
            data, record = b"", None
        published = record is not None and published_by_pipeline(out_dir, path.name, data)
        if not published and (record is None or not isinstance(record, dict) or problems(record)):
            # a reviewer's edit that is not valid yet is never served: serve the last published version
            name = Path(hit.record_path).name.removesuffix(".json")
            record = expected_published(RecordFiles(out_dir, name))
            data = _json(record) if record is not None else b""
        if record is None:
            raise HTTPException(404, f"record {record_id} is not available")
        if record.get("record_id") != hit.record_id:  # the file holds a newer version since the last sync
            raise HTTPException(404, f"record {record_id} was replaced by a newer version of {hit.filename}")
        return _etagged(request, data, JSON)

    @app.get("/records/{record_id}/cites", response_model=Cites, responses={**NOT_FOUND, **CACHED},
             summary="What a record cites", dependencies=[Depends(no_query_parameters)],
             description="The documents a record cites, each with its record id when it is in the catalog.")
    def record_cites(request: Request, record_id: RecordId) -> Response:
        rid = record_id.lower()
        idx = index()
        if idx.get(rid) is None:
            raise HTTPException(404, f"no record {record_id}")
        return _etagged(request, _json({"record_id": rid, "items": idx.cites(rid)}), JSON)

    @app.get("/documents/{number:path}/cited-by", response_model=HitPage, responses=CACHED,
             summary="Records citing a document",
             description="Records citing the document `number` (it may contain '/', e.g. `20-NQ/TW`; "
                         "spaces and QD/QĐ are tolerated), oldest first.")
    def cited_by(request: Request, number: Annotated[str, PathParam(min_length=1, description="document number")],
                 params: Annotated[PageParams, Query()]) -> Response:
        page = index().cited_by(number, params.limit, params.offset)
        path = quote(request.url.path, safe="/")
        return _etagged(request, page_body(path, {}, page, params.limit, params.offset), JSON)

    _add_docs(app)
    app.add_middleware(HeadAsGet)  # type: ignore[arg-type]
    return app


def _add_docs(app: FastAPI) -> None:
    """``/docs`` (Swagger UI) and ``/redoc`` with their assets served by the app (package fastapi-offline)."""
    import fastapi_offline

    assets = Path(fastapi_offline.__file__).resolve().parent / "static"
    app.mount("/docs-assets", StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False, dependencies=[Depends(no_query_parameters)])
    def swagger(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_swagger_ui_html(openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} - docs",
                                   swagger_js_url=f"{root}/docs-assets/swagger-ui-bundle.js",
                                   swagger_css_url=f"{root}/docs-assets/swagger-ui.css",
                                   swagger_favicon_url=f"{root}/docs-assets/favicon.png",
                                   swagger_ui_parameters={"validatorUrl": None})

    @app.get("/redoc", include_in_schema=False, dependencies=[Depends(no_query_parameters)])
    def redoc(request: Request) -> HTMLResponse:
        root = request.scope.get("root_path", "")
        return get_redoc_html(openapi_url=f"{root}{app.openapi_url}", title=f"{app.title} - ReDoc",
                              redoc_js_url=f"{root}/docs-assets/redoc.standalone.js",
                              redoc_favicon_url=f"{root}/docs-assets/favicon.png", with_google_fonts=False)


#: Environment of the worker processes of ``serve --workers N`` (uvicorn imports the app in each).
_ENV_OUT, _ENV_BASE = "VNPLAN_SERVE_OUT", "VNPLAN_SERVE_BASE_URL"


def app_from_environment() -> FastAPI:
    """The app of one worker process of :func:`serve` with several workers."""
    return create_app(Path(os.environ[_ENV_OUT]), base_url=os.environ.get(_ENV_BASE) or None)


def serve(out_dir: Path, host: str = "127.0.0.1", port: int = 8787, base_url: str | None = None,
          workers: int = 1) -> None:
    """Run the API with uvicorn until interrupted (localhost only unless ``host`` says otherwise);
    ``next`` links start with ``base_url``, by default the address bound. ``workers`` > 1 runs
    that many processes (each with its own read connections and background sync)."""
    import uvicorn

    if base_url is None:
        shown = f"[{host}]" if ":" in host else host
        base_url = f"http://{shown}:{port}"
    if workers > 1:
        open_index(out_dir).close()  # build or bring the index up to date once, before the workers start
        os.environ[_ENV_OUT], os.environ[_ENV_BASE] = str(out_dir.resolve()), base_url
        uvicorn.run("pipeline.serve.api:app_from_environment", factory=True, host=host, port=port, workers=workers)
        return
    uvicorn.run(create_app(out_dir, base_url=base_url), host=host, port=port)
