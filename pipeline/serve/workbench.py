"""The review workbench: ``python -m pipeline review serve [--out DIR] [--host 127.0.0.1] [--port N]``.

A local web app over the published records of an output folder, for reviewers:

* ``GET /queue``: records ordered by doubt (:mod:`pipeline.review.queue`), with filters (tier,
  words of the file name, number or title, format), counts and pages of 50;
* ``GET /records/{name}?p=N``: the record view: page ``N`` of the source (for PDFs and scans
  the page image, rendered on demand and cached, with the box of every value on it; for
  other formats a part of the text) beside the form of every value, previous/next record in
  the queue; its ``ETag`` is the record's version;
* ``GET /records/{name}/pages/{n}.png``: a page image;
* ``POST /records/{name}/set``, ``/remove``, ``/add``: change values, remove an item, add one
  grounded in a selection of the text; ``/corrections/{id}/accept|reject``; ``/reviewed``;
  ``/sync`` (capture a hand edit of the record file).

Every change goes through :func:`pipeline.review.edits.submit`: the same path as a hand edit of
the record file (one RFC 6902 correction in ``OUT/corrections/``, the record checked and
published again under the record lock). Each form carries the version of the record it was
made from; a change to a record that changed meanwhile is refused (409) with the current
record shown, never merged. The app binds to 127.0.0.1 unless told otherwise and loads
nothing from outside (no CDN): it works offline.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.parse
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Iterable

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from ..review.boxes import Layout
from ..review.corrections import (
    RecordFiles,
    accept,
    changes,
    default_author,
    load_corrections,
    pending_edit,
    record_lock,
    reject,
    resolve_name,
    sync_record,
)
from ..review.edits import (
    StaleRecord,
    add_item,
    check_version,
    grounded_span,
    remove_item,
    set_fields,
    submit,
    version_of,
)
from ..review.errors import InvalidEdit, Problem, ReviewError, UnknownRecord
from ..review.queue import Queue, counts, mark_reviewed, select
from .page_images import DEFAULT_WIDTH, PageImageError, Sources, render_page, text_boxes
from .workbench_views import (
    LIST_FAMILIES,
    RecordView,
    describe_change,
    error_page,
    queue_page,
    record_page,
    value_spans,
)

STATIC_DIR = Path(__file__).resolve().parent / "static"
NAME = r"^[\w.\-]+$"
_KEPT_PARAMS = ("tier", "q", "media")


class _Records:
    """Parsed record files, kept until the file changes (a 150-page record is parsed once)."""

    def __init__(self, out_dir: Path, size: int = 16) -> None:
        self.out_dir, self.size = out_dir, size
        self._cache: OrderedDict[str, tuple[tuple[int, int], str, dict[str, Any]]] = OrderedDict()
        self._lock = threading.Lock()

    def load(self, name: str) -> tuple[str, dict[str, Any] | None]:
        """(version, parsed file or None if it is not valid JSON) of a published record."""
        path = RecordFiles(self.out_dir, name).published
        st = path.stat()
        signature = (st.st_mtime_ns, st.st_size)
        with self._lock:
            cached = self._cache.get(name)
            if cached is not None and cached[0] == signature:
                self._cache.move_to_end(name)
                return cached[1], cached[2]
        data = path.read_bytes()
        version = version_of(data)
        try:
            record = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return version, None
        with self._lock:
            self._cache[name] = (signature, version, record)
            while len(self._cache) > self.size:
                self._cache.popitem(last=False)
        return version, record


def _form(body: bytes) -> dict[str, str]:
    return {k: v[-1] for k, v in urllib.parse.parse_qs(body.decode("utf-8"), keep_blank_values=True).items()}


def _back(form: dict[str, str], name: str) -> str:
    back = form.get("back") or ""
    base = f"/records/{urllib.parse.quote(name)}"
    return back if back.startswith(base) else base


def _with_message(target: str, message: str) -> str:
    path, _, rest = target.partition("#")
    parsed = urllib.parse.urlsplit(path)
    query = [(k, v) for k, v in urllib.parse.parse_qsl(parsed.query) if k != "msg"] + [("msg", message)]
    return urllib.parse.urlunsplit(parsed._replace(query=urllib.parse.urlencode(query))) + (f"#{rest}" if rest else "")


def _saved(correction: dict[str, Any] | None) -> str:
    if correction is None:
        return "Nothing changed."
    rows = changes(correction["patch"])
    shown = "; ".join(f"{p}: {b} → {a}" for p, b, a in rows[:3]) + ("; …" if len(rows) > 3 else "")
    return f"Saved as correction {correction['id']}: {shown}"


def create_app(out_dir: Path, sources: Iterable[Path] = (), author: str | None = None) -> FastAPI:
    """The workbench over ``out_dir``; ``sources`` are folders holding the source files (found
    by name and sha256) when the inbox service's state does not say where they are."""
    out_dir = Path(out_dir)
    queue = Queue(out_dir)
    records = _Records(out_dir)
    finder = Sources(out_dir, sources)
    who = author or default_author()
    exact_cache: OrderedDict[tuple[str, int], dict[int, list[tuple[float, float, float, float]]]] = OrderedDict()
    exact_lock = threading.Lock()

    app = FastAPI(title="vn-plan-pipeline review workbench", docs_url=None, redoc_url=None, openapi_url=None)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    def name_of(raw: str) -> str:
        if not re.match(NAME, raw):
            raise HTTPException(404, f"no record {raw!r}")
        try:
            return resolve_name(out_dir, raw)
        except UnknownRecord as exc:
            raise HTTPException(404, exc.message) from exc

    def source_pdf(record: dict[str, Any]) -> tuple[Path | None, str]:
        source = record.get("source") or {}
        if "pdf" not in str(source.get("media_type") or ""):
            return None, ""
        path = finder.find(source.get("filename") or "", source.get("sha256") or "")
        if path is None:
            return None, (f"The source file {source.get('filename')} was not found, so its pages cannot be shown; "
                          "start the workbench with --sources FOLDER (the folder holding it).")
        return path, ""

    def exact_boxes(record: dict[str, Any], version: str, source: Path, page: int
                    ) -> dict[int, list[tuple[float, float, float, float]]]:
        ocr = ((record.get("ingest") or {}).get("ocr") or {}).get("pages") or []
        if page in ocr:
            return {}  # no text layer: the OCR'd page's boxes are the blocks'
        key = (version, page)
        with exact_lock:
            if key in exact_cache:
                return exact_cache[key]
        layout = Layout(record)
        wanted, numbers = [], []
        for span in value_spans(record):
            if span.family == "sections":
                continue
            blocks = [b for b in layout.blocks_of(span.start, span.end) if b.get("page") == page and "bbox" in b]
            if not blocks or not span.quote.strip():
                continue
            box = (min(b["bbox"][0] for b in blocks), min(b["bbox"][1] for b in blocks),
                   max(b["bbox"][2] for b in blocks), max(b["bbox"][3] for b in blocks))
            wanted.append((span.quote, box))
            numbers.append(span.n)
        try:
            found = text_boxes(source, page, wanted) if wanted else []
        except Exception:  # a broken text layer: the block boxes remain
            found = []
        result = {n: rects for n, rects in zip(numbers, found) if rects}
        with exact_lock:
            exact_cache[key] = result
            while len(exact_cache) > 64:
                exact_cache.popitem(last=False)
        return result

    def build_view(request: Request, name: str, *, message: str | None = None, error: str | None = None
                   ) -> tuple[RecordView, str]:
        version, parsed = records.load(name)
        files = RecordFiles(out_dir, name)
        try:
            stamped = files.stamp.read_text().strip() == version
        except OSError:
            stamped = False
        pending = None if stamped and not files.base.exists() else pending_edit(out_dir, name)
        record = pending.base if pending is not None else parsed
        if record is None:
            raise HTTPException(500, f"{name}: the record file is not valid JSON and there is no published version")
        params = dict(request.query_params)
        params.pop("msg", None)
        try:
            page = max(1, int(params.pop("p", 1) or 1))
        except ValueError:
            page = 1
        entries = queue.entries()
        shown = select(entries, params.get("tier"), params.get("q"), params.get("media"))
        names = [e.name for e in shown]
        entry = queue.entry(name)
        prev_name = next_name = None
        position = None
        if name in names:
            i = names.index(name)
            prev_name = names[i - 1] if i > 0 else None
            next_name = names[i + 1] if i + 1 < len(names) else None
            position = (i + 1, len(names))
        elif names:
            next_name = names[0]
        view = RecordView(name=name, record=record, version=version, entry=entry,
                          corrections=load_corrections(out_dir, name), pending=pending, page=page, params=params,
                          prev_name=prev_name, next_name=next_name, position=position, message=message, error=error)
        layout = Layout(record)
        if layout.has_boxes:
            source, note = source_pdf(record)
            view.has_image, view.image_note = source is not None, note
            pages = max(layout.page_sizes) if layout.page_sizes else 1
            view.page = min(page, pages)
            if source is not None:
                view.exact_boxes = exact_boxes(record, version, source, view.page)
        return view, version

    def render(request: Request, name: str, status: int = 200, **kw: Any) -> HTMLResponse:
        view, version = build_view(request, name, **kw)
        return HTMLResponse(record_page(view), status_code=status, headers={"ETag": f'"{version}"',
                                                                            "Cache-Control": "no-store"})

    @app.get("/", include_in_schema=False)
    def root() -> RedirectResponse:
        return RedirectResponse("/queue", status_code=303)

    @app.get("/queue", response_class=HTMLResponse)
    def queue_view(tier: str | None = None, q: str = "", media: str = "", offset: int = 0,
                   msg: str | None = None) -> HTMLResponse:
        entries = queue.entries()
        shown = select(entries, tier or None, q, media)
        return HTMLResponse(queue_page(entries, shown, counts(entries), tier or None, q, media, max(offset, 0), msg),
                            headers={"Cache-Control": "no-store"})

    @app.get("/queue.json")
    def queue_json(tier: str | None = None, q: str = "", media: str = "") -> JSONResponse:
        entries = queue.entries()
        return JSONResponse({"counts": counts(entries),
                             "items": [e.to_dict() for e in select(entries, tier or None, q, media)]})

    @app.get("/records/{raw}", response_class=HTMLResponse)
    def record_view(request: Request, raw: str, msg: str | None = None) -> Response:
        name = name_of(raw)
        if raw != name:
            return RedirectResponse(f"/records/{urllib.parse.quote(name)}", status_code=307)
        version, _ = records.load(name)
        if request.headers.get("if-none-match") == f'"{version}"':
            return Response(status_code=304, headers={"ETag": f'"{version}"'})
        return render(request, name, message=msg)

    @app.get("/records/{raw}/pages/{page}.png")
    def page_image(raw: str, page: int, w: int = DEFAULT_WIDTH) -> FileResponse:
        name = name_of(raw)
        _, record = records.load(name)
        if record is None:
            raise HTTPException(404, "record file is not valid JSON")
        source, note = source_pdf(record)
        if source is None:
            raise HTTPException(404, note or "not a PDF")
        try:
            path = render_page(out_dir, source, record["source"]["sha256"], page, w)
        except PageImageError as exc:
            raise HTTPException(404, str(exc)) from exc
        return FileResponse(path, media_type="image/png", headers={"Cache-Control": "max-age=86400"})

    async def act(request: Request, raw: str, action: Callable[[str, dict[str, str]], str]) -> Response:
        name = name_of(raw)
        form = _form(await request.body())
        form.setdefault("version", (request.headers.get("if-match") or "").strip('"'))
        try:
            target = action(name, form)
        except StaleRecord as exc:
            return render(request, name, status=409,
                          error=f"Refused: {exc.message} The change you asked for ({describe_change(form)}) is not "
                                "in the record; the form below shows the current record.")
        except InvalidEdit as exc:
            problems = "; ".join(f"{p.path}: {p.message}" for p in exc.problems)
            return render(request, name, status=422, error=f"Not saved: {problems}")
        except ReviewError as exc:
            return render(request, name, status=400, error=f"Not done: {exc.message}")
        return RedirectResponse(target, status_code=303)

    def _values(form: dict[str, str]) -> dict[str, str]:
        return {k[2:]: v for k, v in form.items() if k.startswith("v:")}

    def _span(form: dict[str, str], record_name: str) -> dict[str, Any] | None:
        if not form.get("start") and not form.get("end"):
            return None
        _, record = records.load(record_name)
        try:
            start, end = int(form["start"]), int(form["end"])
        except (KeyError, ValueError) as exc:
            raise InvalidEdit([Problem("form", "$.evidence", f"the selection {form.get('start')!r}-"
                                                             f"{form.get('end')!r} is not a pair of text offsets")]) from exc
        return grounded_span(record or {}, start, end, form.get("quote"))

    @app.post("/records/{raw}/set")
    async def set_value(request: Request, raw: str) -> Response:
        def action(name: str, form: dict[str, str]) -> str:
            values = _values(form)
            span = _span(form, name)
            if form.get("field"):
                if span is None:
                    raise ReviewError("select the words of the value in the text first")
                values = {form["field"]: span["quote"]}
            done = submit(out_dir, name, form.get("version", ""), set_fields(form.get("pointer", ""), values, span),
                          author=who)
            return _with_message(_back(form, name), _saved(done.correction))

        return await act(request, raw, action)

    @app.post("/records/{raw}/remove")
    async def remove_value(request: Request, raw: str) -> Response:
        def action(name: str, form: dict[str, str]) -> str:
            done = submit(out_dir, name, form.get("version", ""), remove_item(form.get("pointer", "")), author=who)
            return _with_message(_back(form, name), _saved(done.correction))

        return await act(request, raw, action)

    @app.post("/records/{raw}/add")
    async def add_value(request: Request, raw: str) -> Response:
        def action(name: str, form: dict[str, str]) -> str:
            family = form.get("family", "")
            if family not in LIST_FAMILIES:
                raise ReviewError(f"items cannot be added to {family!r}")
            span = _span(form, name)
            if span is None:
                raise ReviewError("select the words of the new item in the text first")
            done = submit(out_dir, name, form.get("version", ""), add_item(family, _values(form), span), author=who)
            return _with_message(_back(form, name), _saved(done.correction))

        return await act(request, raw, action)

    @app.post("/records/{raw}/corrections/{cid}/{decision}")
    async def decide(request: Request, raw: str, cid: str, decision: str) -> Response:
        if decision not in ("accept", "reject"):
            raise HTTPException(404, "accept or reject")

        def action(name: str, form: dict[str, str]) -> str:
            with record_lock(out_dir, name):
                check_version(out_dir, name, form.get("version", ""))
                c = (accept if decision == "accept" else reject)(out_dir, name, cid, author=who)
            return _with_message(f"/records/{urllib.parse.quote(name)}",
                                 f"Correction {c['id']} is now {c['status']}.")

        return await act(request, raw, action)

    @app.post("/records/{raw}/sync")
    async def sync(request: Request, raw: str) -> Response:
        def action(name: str, form: dict[str, str]) -> str:
            with record_lock(out_dir, name):
                check_version(out_dir, name, form.get("version", ""))
                c = sync_record(out_dir, name, author=who)
            return _with_message(f"/records/{urllib.parse.quote(name)}",
                                 f"Hand edit captured as correction {c['id']}." if c else "No hand edit to capture.")

        return await act(request, raw, action)

    @app.post("/records/{raw}/reviewed")
    async def reviewed(request: Request, raw: str) -> Response:
        def action(name: str, form: dict[str, str]) -> str:
            filters = {k: form[k] for k in _KEPT_PARAMS if form.get(k)}
            before = [e.name for e in select(queue.entries(), filters.get("tier"), filters.get("q"), filters.get("media"))]
            with record_lock(out_dir, name):
                check_version(out_dir, name, form.get("version", ""))
                mark_reviewed(out_dir, name, who)
            rest = [n for n in before if n != name]
            following = before[before.index(name) + 1:] if name in before else rest
            nxt = next((n for n in following if n != name), rest[0] if rest else None)
            message = f"{name} marked reviewed; it leaves the queue until its machine output changes."
            query = urllib.parse.urlencode(filters)
            target = f"/records/{urllib.parse.quote(nxt)}" if nxt else "/queue"
            return _with_message(target + (f"?{query}" if query else ""), message)

        return await act(request, raw, action)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.endswith((".png", ".json")):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return HTMLResponse(error_page(f"Error {exc.status_code}", str(exc.detail)), status_code=exc.status_code)

    return app


def serve(out_dir: Path, host: str = "127.0.0.1", port: int = 8788, sources: Iterable[Path] = (),
          author: str | None = None) -> None:
    """Run the workbench with uvicorn until interrupted (this machine only unless ``host`` says otherwise)."""
    import uvicorn

    uvicorn.run(create_app(out_dir, sources, author), host=host, port=port, log_level="warning")
