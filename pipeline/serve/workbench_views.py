"""HTML of the review workbench (:mod:`pipeline.serve.workbench`): the queue and the record view.

Server-rendered pages with one stylesheet and one script of our own (``static/``), no external
assets. The record view shows one page of the source at a time (a PDF page image with the
boxes of the values on it, and that page's text with the values highlighted), so a 150-page
document costs what one page costs; lists of values are paginated per family and tables are
shown as tables, a page of rows at a time.

Every element that stands for a value carries the value's number ``N`` (its place among the
record's evidence spans): ``row-N`` in the form, ``box-N`` on the page image, ``ev-N`` in the
text; a click on one shows the others.
"""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field, replace
from typing import Any

from ..review.boxes import Box, Layout
from ..review.corrections import changes, make_patch
from ..review.edits import allowed, schema_at
from ..review.page import FAMILIES, Span, collect_spans, esc, render_text, summarize
from ..review.patch import parse_pointer
from ..review.queue import TIER_LABELS, TIERS, QueueEntry

#: Families shown as editable lists, in form order.
LIST_FAMILIES = ("references", "targets", "reward_quotas", "criteria", "schedule", "participants",
                 "responsibilities", "dates", "abbreviations", "sections")
#: Objects shown field by field at the top of the form.
OBJECT_FIELDS = {
    "document": ("kind", "number", "issued_on", "issuer", "province", "title"),
    "period": ("start_year", "end_year"),
    "duration": ("start", "end"),
    "movement": ("name", "slogan"),
}
#: Families an item can be added to from a selection of the text.
ADDABLE = ("targets", "reward_quotas", "references", "criteria", "schedule", "participants", "dates",
           "responsibilities", "abbreviations")
ITEMS_PER_PAGE = 20
ROWS_PER_PAGE = 25
QUEUE_PAGE = 50
#: Characters of text shown at once for formats without pages.
TEXT_CHUNK = 20_000


def page_html(title: str, body: str) -> str:
    return ('<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{esc(title)}</title>\n<link rel="stylesheet" href="/static/workbench.css">\n'
            '<script src="/static/workbench.js" defer></script>\n</head>\n'
            f'<body>\n{body}\n</body>\n</html>\n')


def family_css() -> str:
    """The colour of each fact family (the static page's colours), for boxes, marks and rows."""
    rules = []
    for fam, (_, colour) in FAMILIES.items():
        rules.append(f"mark.fam-{fam}{{background-color:{colour}}}.box.fam-{fam}{{border-color:{colour};"
                     f"background-color:{colour}40}}.sw-{fam}{{background-color:{colour}}}"
                     f"tr.fam-{fam}>td:first-child{{border-left:5px solid {colour}}}")
    return "\n".join(rules)


def url(path: str, params: dict[str, Any], fragment: str = "") -> str:
    kept = {k: v for k, v in params.items() if v not in (None, "", 0) or k == "p"}
    query = urllib.parse.urlencode(kept)
    return path + (f"?{query}" if query else "") + (f"#{fragment}" if fragment else "")


def _tier_badge(tier: str) -> str:
    return f'<span class="tier tier-{esc(tier)}">{esc(TIER_LABELS.get(tier, tier))}</span>'


def _status_badge(status: str) -> str:
    return f'<span class="status status-{esc(status)}">{esc(status)}</span>'


def _flash(message: str | None, kind: str = "ok") -> str:
    if not message:
        return ""
    return f'<div class="flash flash-{kind}" role="status">{message}</div>'


# -- the queue --------------------------------------------------------------------------------
def queue_page(entries: list[QueueEntry], shown: list[QueueEntry], tally: dict[str, int], tier: str | None,
               query: str, media: str, offset: int, message: str | None = None) -> str:
    filters = {"tier": tier, "q": query, "media": media}
    in_queue = sum(n for t, n in tally.items() if t != "reviewed")
    chips = [(None, "to review", in_queue)] + [(t, TIER_LABELS[t], tally[t]) for t in TIERS] + [("all", "all", len(entries))]
    chip_html = "".join(
        f'<a class="chip{" on" if (tier or None) == t else ""}" data-tier="{esc(t or "")}" '
        f'href="{esc(url("/queue", {**filters, "tier": t, "offset": 0}))}">{esc(label)} <b>{n}</b></a>'
        for t, label, n in chips)
    rows = []
    page = shown[offset: offset + QUEUE_PAGE]
    for i, e in enumerate(page, offset + 1):
        reasons = "".join(f"<li>{esc(str(r))}</li>" for r in e.reasons[:3])
        if len(e.reasons) > 3:
            reasons += f'<li class="more">+{len(e.reasons) - 3} more</li>'
        link = url(f"/records/{urllib.parse.quote(e.name)}", filters)
        rows.append(
            f'<tr class="entry" data-name="{esc(e.name)}" data-tier="{esc(e.tier)}"><td class="n">{i}</td>'
            f'<td><a class="open" href="{esc(link)}">{esc(e.filename)}</a>'
            f'<div class="meta">{esc(e.media_type or "")}{f" · {e.pages} page(s)" if e.pages else ""}</div></td>'
            f'<td>{_status_badge(e.status)}</td><td>{esc(e.kind or "—")}<br><b>{esc(e.number or "—")}</b></td>'
            f'<td>{_tier_badge(e.tier)}</td><td><ul class="reasons">{reasons}</ul></td>'
            f'<td class="n">{e.corrections or ""}</td></tr>')
    pager = []
    if offset > 0:
        pager.append(f'<a href="{esc(url("/queue", {**filters, "offset": max(offset - QUEUE_PAGE, 0)}))}">‹ previous</a>')
    if offset + QUEUE_PAGE < len(shown):
        pager.append(f'<a href="{esc(url("/queue", {**filters, "offset": offset + QUEUE_PAGE}))}">next ›</a>')
    media_options = "".join(f'<option value="{v}"{" selected" if media == v else ""}>{label}</option>'
                            for v, label in (("", "any format"), ("pdf", "PDF"), ("word", "Word"),
                                             ("text", "text"), ("html", "HTML"), ("rtf", "RTF")))
    body = (
        '<header class="bar"><h1>Review queue</h1>'
        f'<p class="meta">{len(entries)} records; {in_queue} to review, most in doubt first: failed, corrections '
        'in conflict, values in doubt, hand edits pending, then the rest.</p></header>'
        f'{_flash(message)}'
        f'<nav class="chips">{chip_html}</nav>'
        '<form class="filters" method="get" action="/queue">'
        f'<input type="hidden" name="tier" value="{esc(tier or "")}">'
        f'<input type="search" name="q" value="{esc(query)}" placeholder="file name, number or title">'
        f'<select name="media">{media_options}</select><button type="submit">Filter</button></form>'
        f'<p class="meta" id="shown">{len(shown)} shown</p>'
        '<table class="queue"><thead><tr><th>#</th><th>file</th><th>status</th><th>kind · number</th>'
        f'<th>doubt</th><th>reasons</th><th>corr.</th></tr></thead><tbody>{"".join(rows)}</tbody></table>'
        f'<nav class="pager">{" ".join(pager)}</nav>')
    return page_html("Review queue", body)


# -- the record view --------------------------------------------------------------------------
@dataclass
class RecordView:
    """Everything the record view shows; built by :mod:`pipeline.serve.workbench`."""

    name: str
    record: dict[str, Any]
    version: str
    entry: QueueEntry
    corrections: dict[str, Any] | None
    pending: Any  # PendingEdit or None
    page: int
    params: dict[str, Any]  # the query (filters, list offsets), kept in links
    prev_name: str | None = None
    next_name: str | None = None
    position: tuple[int, int] | None = None
    has_image: bool = False
    image_note: str = ""
    exact_boxes: dict[int, list[tuple[float, float, float, float]]] = field(default_factory=dict)
    message: str | None = None
    error: str | None = None


def value_spans(record: dict[str, Any]) -> list[Span]:
    """The spans of the values a reviewer checks (table cells are shown with their tables)."""
    return collect_spans({k: v for k, v in record.items() if k != "tables"})


def pointer_of(path: str) -> str:
    """``$.targets[3].value`` -> ``/targets/3/value``."""
    from ..review.edits import _path_tokens
    from ..review.patch import make_pointer

    return make_pointer(_path_tokens(path))


def _item_path(path: str) -> tuple[str, int | None, str | None]:
    """(family, index, field) of a value path: ``$.targets[3]`` -> (targets, 3, None),
    ``$.document.number`` -> (document, None, number)."""
    tokens = parse_pointer(pointer_of(path))
    family = tokens[0] if tokens else ""
    if len(tokens) >= 2 and tokens[1].isdigit():
        return family, int(tokens[1]), tokens[2] if len(tokens) > 2 else None
    return family, None, tokens[1] if len(tokens) > 1 else None


class _Ctx:
    """Per-request helpers of the record view."""

    def __init__(self, view: RecordView) -> None:
        self.view = view
        self.record = view.record
        self.layout = Layout(view.record)
        self.spans = value_spans(view.record)
        self.paged = self.layout.has_boxes and view.has_image
        self.by_value: dict[str, list[Span]] = {}
        for s in self.spans:
            self.by_value.setdefault(s.path, []).append(s)
        # sections are the document's structure, not values: highlighted in the text, not boxed
        self.boxes: dict[int, list[Box]] = {s.n: self.layout.span_boxes(s.start, s.end) for s in self.spans
                                            if s.family != "sections"}
        review = view.record.get("review") or {}
        self.corrected = set(review.get("corrected_paths") or [])
        self.base = f"/records/{urllib.parse.quote(view.name)}"

    def pages(self) -> int:
        source = self.record.get("source") or {}
        if self.layout.page_sizes:
            return max(self.layout.page_sizes)
        if isinstance(source.get("pages"), int) and source["pages"] and self.layout.blocks:
            return source["pages"]
        return max(1, -(-len(self.record.get("text") or "") // TEXT_CHUNK))

    def text_range(self, page: int) -> tuple[int, int]:
        text = self.record.get("text") or ""
        if self.layout.page_sizes or any(b.get("page") for b in self.layout.blocks):
            found = self.layout.page_range(page)
            return found if found else (0, 0)
        start = min((page - 1) * TEXT_CHUNK, len(text))
        end = min(start + TEXT_CHUNK, len(text))
        if end < len(text):  # end the chunk at a line break when there is one near
            cut = text.rfind("\n", start + TEXT_CHUNK // 2, end)
            end = cut + 1 if cut > 0 else end
        if page > 1:
            prev_cut = text.rfind("\n", start - TEXT_CHUNK // 2, start)
            start = prev_cut + 1 if prev_cut > 0 else start
        return start, end

    def page_of_span(self, span: Span) -> int:
        boxes = self.boxes.get(span.n)
        if boxes:
            return boxes[0].page
        if self.layout.page_sizes or any(b.get("page") for b in self.layout.blocks):
            return span.page or self.layout.page_of(span.start) or 1
        for p in range(1, self.pages() + 1):
            start, end = self.text_range(p)
            if start <= span.start < end:
                return p
        return 1

    def link(self, fragment: str = "", **changes: Any) -> str:
        return url(self.base, {**self.view.params, "p": self.view.page, **changes}, fragment)

    def show_link(self, span: Span) -> str:
        page = self.page_of_span(span)
        target = f"box-{span.n}" if self.paged and self.boxes.get(span.n) else f"ev-{span.n}"
        href = f"#{target}" if page == self.view.page else self.link(target, p=page)
        word = "page" if self.layout.page_sizes or any(b.get("page") for b in self.layout.blocks) else "part"
        short = "p." if word == "page" else "part "
        return (f'<a class="show" href="{esc(href)}" data-n="{span.n}" title="show it ({word} {page})">'
                f'{short}{page}</a>')

    def hidden(self) -> str:
        return f'<input type="hidden" name="version" value="{esc(self.view.version)}">'


def _input(name: str, pointer: str, value: Any, label: str) -> str:
    branches = schema_at(parse_pointer(pointer))
    hint = allowed(branches)
    enums = [v for b in branches if "enum" in b for v in b["enum"]]
    if enums:
        options = "".join(f'<option value="{esc("" if v is None else v)}"{" selected" if v == value else ""}>'
                          f'{esc("—" if v is None else v)}</option>' for v in enums)
        control = f'<select name="{esc(name)}" title="{esc(hint)}">{options}</select>'
    elif isinstance(value, list):
        control = (f'<textarea name="{esc(name)}" rows="{min(max(len(value), 2), 8)}" title="{esc(hint)}">'
                   f'{esc(chr(10).join(map(str, value)))}</textarea>')
    else:
        shown = "" if value is None else (str(value).replace(".", ",") if isinstance(value, float) else str(value))
        long = isinstance(value, str) and len(value) > 60
        control = (f'<textarea name="{esc(name)}" rows="3" title="{esc(hint)}">{esc(shown)}</textarea>' if long
                   else f'<input name="{esc(name)}" value="{esc(shown)}" title="{esc(hint)}" '
                        f'placeholder="{esc(hint)}">')
    return f'<label class="field"><span>{esc(label)}</span>{control}</label>'


def _object_section(ctx: _Ctx, key: str) -> str:
    obj = ctx.record.get(key)
    fields = OBJECT_FIELDS[key]
    label = {"document": "Document", "period": "Period", "duration": "Duration", "movement": "Movement"}[key]
    if not isinstance(obj, dict):
        return (f'<section class="object" id="sec-{key}"><h3>{label}</h3>'
                f'<p class="missing">none found</p></section>')
    evidence = obj.get("evidence") or {}
    rows = []
    for f in fields:
        path = f"$.{key}.{f}"
        spans = ctx.by_value.get(path) or (ctx.by_value.get(f"$.{key}") if "start" in evidence else None) or []
        span = spans[0] if spans else None
        corrected = path in ctx.corrected or any(p.startswith(path) for p in ctx.corrected)
        doubt = [r for r in ctx.view.entry.reasons if r.field == f"{key}.{f}"]
        classes = ["value", f"fam-{'dates' if key in ('period', 'duration') else key}"]
        if corrected:
            classes.append("corrected")
        if doubt:
            classes.append("doubt")
        note = "".join(f'<div class="why">{esc(r.message)}</div>' for r in doubt)
        badge = '<span class="badge corrected-badge" title="changed by a reviewer">corrected</span>' if corrected else ""
        rows.append(
            f'<tr class="{" ".join(classes)}" id="{f"row-{span.n}" if span else f"row-{key}-{f}"}" '
            f'data-path="{esc(path)}"{f" data-n={chr(34)}{span.n}{chr(34)}" if span else ""}>'
            f'<td>{_input(f"v:{f}", f"/{key}/{f}", obj.get(f), f)}{note}</td>'
            f'<td class="ev">{badge}{ctx.show_link(span) if span else "<span class=missing>no evidence</span>"}'
            f'{f"<div class=quote>{esc(span.quote[:120])}</div>" if span else ""}</td></tr>')
    return (f'<section class="object" id="sec-{key}"><h3>{label}</h3>'
            f'<form method="post" action="{esc(ctx.base)}/set" class="edit-object">{ctx.hidden()}'
            f'<input type="hidden" name="pointer" value="/{key}">'
            f'<input type="hidden" name="back" value="{esc(ctx.link())}">'
            f'<table class="values">{"".join(rows)}</table>'
            f'<button type="submit" class="save">Save {label.lower()}</button></form></section>')


def _item_form(ctx: _Ctx, family: str, index: int, item: dict[str, Any]) -> str:
    pointer = f"/{family}/{index}"
    inputs = "".join(_input(f"v:{k}", f"{pointer}/{k}", v, k) for k, v in item.items() if k != "evidence")
    return (f'<details class="edit"><summary>edit</summary>'
            f'<form method="post" action="{esc(ctx.base)}/set">{ctx.hidden()}'
            f'<input type="hidden" name="pointer" value="{esc(pointer)}">'
            f'<input type="hidden" name="back" value="{esc(ctx.link())}">{inputs}'
            f'<button type="submit" class="save">Save</button></form></details>'
            f'<form method="post" action="{esc(ctx.base)}/remove" class="remove" '
            f'data-confirm="Remove {esc(family)}[{index}] from the record?">{ctx.hidden()}'
            f'<input type="hidden" name="pointer" value="{esc(pointer)}">'
            f'<input type="hidden" name="back" value="{esc(ctx.link())}">'
            f'<button type="submit" class="delete" title="remove this item">delete</button></form>')


def _list_section(ctx: _Ctx, family: str) -> str:
    items = ctx.record.get(family)
    if not isinstance(items, list):
        return ""
    offset = int(ctx.view.params.get(f"o_{family}") or 0)
    offset = max(0, min(offset, max(len(items) - 1, 0)))
    rows = []
    for i in range(offset, min(offset + ITEMS_PER_PAGE, len(items))):
        item = items[i]
        path = f"$.{family}[{i}]"
        spans = ctx.by_value.get(path) or []
        span = spans[0] if spans else None
        corrected = any(p == path or p.startswith(path + ".") or p.startswith(path + "[") for p in ctx.corrected)
        doubt = [r for r in ctx.view.entry.reasons if r.field and r.field.startswith(f"{family}[{i}]")]
        classes = ["value", f"fam-{FAMILIES.get(family) and family or 'other'}"]
        if corrected:
            classes.append("corrected")
        if doubt:
            classes.append("doubt")
        on_page = span is not None and ctx.page_of_span(span) == ctx.view.page
        if on_page:
            classes.append("on-page")
        badge = '<span class="badge corrected-badge" title="changed by a reviewer">corrected</span>' if corrected else ""
        rows.append(
            f'<tr class="{" ".join(classes)}" id="{f"row-{span.n}" if span else f"row-{family}-{i}"}" '
            f'data-path="{esc(path)}"{f" data-n={chr(34)}{span.n}{chr(34)}" if span else ""}>'
            f'<td class="i">{i}</td><td><div class="summary">{badge}{esc(summarize(item, 200))}</div>'
            + "".join(f'<div class="why">{esc(r.message)}</div>' for r in doubt)
            + (f'<div class="quote">{esc(span.quote[:160])}</div>' if span else "")
            + f'</td><td class="ev">{ctx.show_link(span) if span else ""}</td>'
            f'<td class="actions">{_item_form(ctx, family, i, item)}</td></tr>')
    pager = ""
    if len(items) > ITEMS_PER_PAGE:
        links = []
        if offset > 0:
            links.append(f'<a href="{esc(ctx.link(f"sec-{family}", **{f"o_{family}": max(offset - ITEMS_PER_PAGE, 0)}))}">‹</a>')
        links.append(f"{offset + 1}–{min(offset + ITEMS_PER_PAGE, len(items))} of {len(items)}")
        if offset + ITEMS_PER_PAGE < len(items):
            links.append(f'<a href="{esc(ctx.link(f"sec-{family}", **{f"o_{family}": offset + ITEMS_PER_PAGE}))}">›</a>')
        pager = f'<div class="pager">{" ".join(links)}</div>'
    label = FAMILIES.get(family, (family,))[0] if family in FAMILIES else family.replace("_", " ")
    is_open = " open" if items and (len(items) <= 8 or f"o_{family}" in ctx.view.params
                                     or any("on-page" in r for r in rows)) else ""
    return (f'<details class="family" id="sec-{family}"{is_open}><summary><span class="swatch sw-{family if family in FAMILIES else "other"}">'
            f'</span>{esc(label)} <b>{len(items)}</b></summary>'
            + (f'{pager}<table class="values items">{"".join(rows)}</table>{pager}' if items
               else '<p class="missing">none found</p>')
            + "</details>")


def _row_start(row: list[Any]) -> int:
    for cell in row:
        ev = cell.get("evidence") if isinstance(cell, dict) else None
        if isinstance(ev, dict) and isinstance(ev.get("start"), int):
            return ev["start"]
    return -1


def _tables_section(ctx: _Ctx) -> str:
    """The tables with rows on the current page (or part of the text), a page of rows at a time,
    the header row first."""
    tables = ctx.record.get("tables") or []
    if not tables:
        return ""
    start, end = ctx.text_range(ctx.view.page)
    end = max(end, start + 1)
    parts = []
    for i, t in enumerate(tables):
        if not isinstance(t, dict):
            continue
        rows = t.get("rows") or []
        here = [k for k, row in enumerate(rows) if start <= _row_start(row) < end]
        if not here:
            continue
        offset = max(0, min(int(ctx.view.params.get(f"t{i}") or 0), len(here) - 1))
        shown = here[offset: offset + ROWS_PER_PAGE]
        head = [0] if rows and shown and shown[0] != 0 else []

        def row_html(k: int) -> str:
            tag = "th" if k == 0 else "td"
            return (f'<tr data-row="{k}">' + "".join(f"<{tag}>{esc(c.get('text', ''))}</{tag}>" for c in rows[k])
                    + "</tr>")

        body = "".join(row_html(k) for k in head + shown)
        links = []
        if offset > 0:
            links.append(f'<a href="{esc(ctx.link(f"table-{i}", **{f"t{i}": max(offset - ROWS_PER_PAGE, 0)}))}">‹</a>')
        links.append(f"rows {shown[0] + 1}–{shown[-1] + 1} of {len(rows)} ({len(here)} on this page)")
        if offset + ROWS_PER_PAGE < len(here):
            links.append(f'<a href="{esc(ctx.link(f"table-{i}", **{f"t{i}": offset + ROWS_PER_PAGE}))}">›</a>')
        title = (t.get("title") or {}).get("text") if isinstance(t.get("title"), dict) else None
        parts.append(f'<details class="table" id="table-{i}" open><summary>table {i + 1}: {esc(title or "(no title)")}'
                     f'</summary><div class="pager">{" ".join(links)}</div>'
                     f'<div class="scroll"><table class="grid">{body}</table></div></details>')
    note = f'<p class="meta">{len(tables)} table(s) in the document; {len(parts)} with rows here.</p>'
    return f'<section class="tables" id="sec-tables"><h3>Tables</h3>{note}{"".join(parts)}</section>'


def _doubts(ctx: _Ctx) -> str:
    view = ctx.view
    parts = []
    reasons = view.entry.reasons
    if reasons:
        items = "".join(f'<li class="reason doubt-{esc(r.tier)}">{f"<b>{esc(r.field)}</b>: " if r.field else ""}'
                        + (f'<a href="#sec-corrections">{esc(r.message)}</a>' if r.tier == "conflict" else esc(r.message))
                        + "</li>" for r in reasons)
        parts.append(f'<ul class="doubts">{items}</ul>')
    if view.pending is not None:
        if view.pending.problems:
            rows = "".join(f"<li><b>{esc(p.path)}</b>: {esc(p.message)}</li>" for p in view.pending.problems)
            parts.append('<div class="pending invalid"><b>The record file was edited by hand and the edit is '
                         'invalid</b>; it stays pending, and changes here are refused until the file is fixed '
                         f'(or the edit is undone):<ul>{rows}</ul></div>')
        else:
            rows = "".join(f"<li><b>{esc(p)}</b>: {esc(b)} → {esc(a)}</li>"
                           for p, b, a in changes(make_patch(view.pending.base, view.pending.edited)))
            parts.append('<div class="pending"><b>The record file was edited by hand</b>; the edit is not captured '
                         f'yet (the form shows the record without it):<ul>{rows}</ul>'
                         f'<form method="post" action="{esc(ctx.base)}/sync">{ctx.hidden()}'
                         '<button type="submit">Capture the hand edit as a correction</button></form></div>')
    return "".join(parts)


def _corrections(ctx: _Ctx) -> str:
    doc = ctx.view.corrections or {}
    items = doc.get("corrections") or []
    if not items:
        return ""
    rows = []
    for c in reversed(items):
        lines = "".join(f"<li><b>{esc(p)}</b>: {esc(b)} → {esc(a)}</li>" for p, b, a in changes(c.get("patch") or []))
        buttons = []
        if c["status"] in ("conflict", "rejected"):
            buttons.append("accept")
        if c["status"] in ("conflict", "active"):
            buttons.append("reject")
        forms = "".join(f'<form method="post" action="{esc(ctx.base)}/corrections/{esc(c["id"])}/{b}">{ctx.hidden()}'
                        f'<button type="submit" class="{b}">{b}</button></form>' for b in buttons)
        conflict = (f'<div class="why">{esc((c.get("conflict") or {}).get("message", ""))}</div>'
                    if c["status"] == "conflict" else "")
        note = f" — {esc(c['note'])}" if c.get("note") else ""
        rows.append(f'<li class="correction status-{esc(c["status"])}" id="corr-{esc(c["id"])}">'
                    f'<div><b>{esc(c["id"])}</b> <span class="cstatus">{esc(c["status"])}</span> by {esc(c.get("author"))} '
                    f'at {esc(c.get("created_at"))}{note}'
                    f'</div>{conflict}<ul>{lines}</ul><div class="buttons">{forms}</div></li>')
    conflicts = sum(c["status"] == "conflict" for c in items)
    return (f'<details class="corrections" id="sec-corrections"{" open" if conflicts else ""}><summary>Corrections '
            f'<b>{len(items)}</b>{f" · {conflicts} in conflict" if conflicts else ""}</summary>'
            f'<ul class="corrections">{"".join(rows)}</ul></details>')


def _page_nav(ctx: _Ctx) -> str:
    total, page = ctx.pages(), ctx.view.page
    word = "page" if ctx.layout.page_sizes or any(b.get("page") for b in ctx.layout.blocks) else "part"
    prev = f'<a class="prev-page" href="{esc(ctx.link(p=page - 1))}">‹</a>' if page > 1 else '<span>‹</span>'
    nxt = f'<a class="next-page" href="{esc(ctx.link(p=page + 1))}">›</a>' if page < total else '<span>›</span>'
    hidden = "".join(f'<input type="hidden" name="{esc(k)}" value="{esc(v)}">' for k, v in ctx.view.params.items()
                     if k in ("tier", "q", "media") and v)
    return (f'<form class="pagenav" method="get" action="{esc(ctx.base)}">{prev} {word} '
            f'<input name="p" value="{page}" size="4" aria-label="{word}"> of {total} {nxt}{hidden}</form>')


def _page_image(ctx: _Ctx) -> str:
    view, page = ctx.view, ctx.view.page
    if not ctx.layout.has_boxes:
        return ""
    if not view.has_image:
        return f'<p class="meta no-image">{esc(view.image_note)}</p>'
    width, height = ctx.layout.page_sizes.get(page, (595.0, 842.0))
    boxes = []
    exact = view.exact_boxes
    for s in ctx.spans:
        for box in ctx.boxes.get(s.n) or []:
            if box.page != page:
                continue
            rects = exact.get(s.n) or [(box.x0, box.top, box.x1, box.bottom)]
            kind = "exact" if exact.get(s.n) else ("approx" if box.approximate else "block")
            row = f"#row-{s.n}"
            family, index, _ = _item_path(s.path)
            if index is not None and family in LIST_FAMILIES:
                offset = int(view.params.get(f"o_{family}") or 0)
                if not offset <= index < offset + ITEMS_PER_PAGE:
                    row = ctx.link(f"row-{s.n}", **{f"o_{family}": index // ITEMS_PER_PAGE * ITEMS_PER_PAGE})
            for k, (x0, top, x1, bottom) in enumerate(rects):
                style = (f"left:{x0 / width * 100:.3f}%;top:{top / height * 100:.3f}%;"
                         f"width:{max(x1 - x0, 1) / width * 100:.3f}%;height:{max(bottom - top, 1) / height * 100:.3f}%")
                ident = f' id="box-{s.n}"' if k == 0 else ""
                corrected = " corrected" if s.path in ctx.corrected else ""
                boxes.append(f'<a class="box fam-{s.family} {kind}{corrected}"{ident} data-n="{s.n}" '
                             f'href="{esc(row)}" style="{style}" title="{esc(s.title)}"></a>')
    src = f"{ctx.base}/pages/{page}.png"
    return (f'<div class="sheet" id="sheet" style="aspect-ratio:{width:.2f}/{height:.2f}">'
            f'<img src="{esc(src)}" alt="page {page} of {esc(view.record["source"]["filename"])}" '
            f'width="900" height="{round(900 * height / width)}">{"".join(boxes)}</div>'
            f'<p class="meta">{len(boxes)} box(es) on this page: solid, the exact words; dashed, the lines of the '
            'block the value is in.</p>')


def _text(ctx: _Ctx) -> str:
    text = ctx.record.get("text")
    if not isinstance(text, str):
        return '<p class="missing">No text could be read from this file.</p>'
    start, end = ctx.text_range(ctx.view.page)
    if end <= start:
        return '<p class="missing">No text on this page.</p>'
    shifted = []
    for s in ctx.spans:
        if s.end > start and s.start < end or (s.start == s.end and start <= s.start < end):
            shifted.append(replace(s, start=max(s.start, start) - start, end=min(s.end, end) - start))
    return (f'<div class="text" id="text" data-start="{start}" data-end="{end}">'
            f'{render_text(text[start:end], shifted)}</div>')


def _add_dialog(ctx: _Ctx) -> str:
    forms = []
    for family in ADDABLE:
        if not isinstance(ctx.record.get(family), list):
            continue
        branches = schema_at([family, "-"])
        props = {k: v for b in branches for k, v in b.get("properties", {}).items() if k != "evidence"}
        inputs = "".join(_input(f"v:{k}", f"/{family}/-/{k}", None, k) for k in props)
        label = FAMILIES[family][0] if family in FAMILIES else family
        forms.append(f'<form method="post" action="{esc(ctx.base)}/add" class="add-form" data-family="{family}" hidden>'
                     f'{ctx.hidden()}<input type="hidden" name="family" value="{family}">'
                     f'<input type="hidden" name="back" value="{esc(ctx.link())}">'
                     '<input type="hidden" name="start"><input type="hidden" name="end">'
                     '<input type="hidden" name="quote">'
                     f'<h4>Add to {esc(label)}</h4><blockquote class="selected"></blockquote>{inputs}'
                     '<div class="buttons"><button type="submit" class="save">Add</button>'
                     '<button type="button" class="cancel">Cancel</button></div></form>')
    options = "".join(f'<option value="{f}">{esc(FAMILIES[f][0] if f in FAMILIES else f)}</option>'
                      for f in ADDABLE if isinstance(ctx.record.get(f), list))
    doc_fields = "".join(f'<option value="{f}">document {f}</option>' for f in OBJECT_FIELDS["document"])
    return (f'<div id="selection-bar" class="selection-bar" hidden><span class="sel-quote"></span>'
            f'<label>add as <select id="add-family">{options}</select></label>'
            '<button type="button" id="add-from-selection">Add…</button>'
            f'<form method="post" action="{esc(ctx.base)}/set" id="set-form">{ctx.hidden()}'
            '<input type="hidden" name="pointer" value="/document"><input type="hidden" name="start">'
            '<input type="hidden" name="end"><input type="hidden" name="quote">'
            f'<input type="hidden" name="back" value="{esc(ctx.link())}">'
            f'<input type="hidden" name="field"><label>or set <select id="set-field">{doc_fields}</select></label>'
            '<button type="submit" id="set-from-selection">Set</button></form></div>'
            f'<dialog id="add-dialog">{"".join(forms)}</dialog>')


def record_page(view: RecordView) -> str:
    ctx = _Ctx(view)
    record = view.record
    source = record.get("source") or {}
    filters = {k: v for k, v in view.params.items() if k in ("tier", "q", "media") and v}
    nav = [f'<a href="{esc(url("/queue", filters))}" class="to-queue">queue</a>']
    if view.prev_name:
        nav.append(f'<a rel="prev" id="prev-record" href="{esc(url("/records/" + urllib.parse.quote(view.prev_name), filters))}">‹ previous</a>')
    if view.position:
        nav.append(f"{view.position[0]} of {view.position[1]}")
    if view.next_name:
        nav.append(f'<a rel="next" id="next-record" href="{esc(url("/records/" + urllib.parse.quote(view.next_name), filters))}">next ›</a>')
    reviewed = view.entry.reviewed
    review_form = (f'<form method="post" action="{esc(ctx.base)}/reviewed" class="mark">{ctx.hidden()}'
                   + "".join(f'<input type="hidden" name="{k}" value="{esc(v)}">' for k, v in filters.items())
                   + '<button type="submit" id="mark-reviewed" class="reviewed-button">Mark reviewed</button></form>')
    if reviewed:
        review_form = (f'<span class="badge reviewed-badge">reviewed by {esc(reviewed.get("reviewed_by"))} at '
                       f'{esc(reviewed.get("reviewed_at"))}</span>')
    meta = [esc(source.get("media_type") or "?"), f"{source.get('pages')} page(s)" if source.get("pages") else "",
            f"record {esc(str(record.get('record_id'))[:12])}…", f"extractor {esc(record.get('extractor_version'))}"]
    ocr = ((record.get("ingest") or {}).get("ocr") or {}).get("pages")
    if ocr:
        meta.append(f"OCR'd page(s): {esc(', '.join(map(str, ocr)))}")
    header = (f'<header class="bar record-bar"><nav class="records">{" · ".join(nav)}</nav>'
              f'<h1>{esc(source.get("filename") or view.name)} {_status_badge(str(record.get("status")))} '
              f'{_tier_badge(view.entry.tier)}</h1><div class="meta">{" · ".join(m for m in meta if m)}</div>'
              f'{review_form}{_doubts(ctx)}</header>')
    flash = _flash(view.message) + (_flash(view.error, "error") if view.error else "")
    source_col = (f'<section class="source" id="source">{_page_nav(ctx)}{_page_image(ctx)}'
                  '<h3 class="text-head">Text <span class="meta">(select words to add a value)</span></h3>'
                  f'{_text(ctx)}</section>')
    form_col = ('<section class="form" id="form">'
                + "".join(_object_section(ctx, k) for k in OBJECT_FIELDS)
                + "".join(_list_section(ctx, f) for f in LIST_FAMILIES)
                + _tables_section(ctx) + _corrections(ctx) + "</section>")
    errors = record.get("errors") or []
    err_html = ("<ul class='errors'>" + "".join(f"<li><b>{esc(e.get('code'))}</b>: {esc(e.get('message'))}</li>"
                                               for e in errors if isinstance(e, dict)) + "</ul>") if errors else ""
    body = (f'<style>{family_css()}</style>{header}{flash}{err_html}'
            f'<main class="workbench" data-version="{esc(view.version)}" data-name="{esc(view.name)}">'
            f'{source_col}{form_col}</main>{_add_dialog(ctx)}')
    return page_html(f"Review: {source.get('filename') or view.name}", body)


def error_page(title: str, message: str, status_note: str = "") -> str:
    return page_html(title, f'<header class="bar"><h1>{esc(title)}</h1></header>'
                            f'<div class="flash flash-error">{esc(message)}</div>'
                            f'<p>{status_note}</p><p><a href="/queue">back to the queue</a></p>')


def describe_change(form: dict[str, str]) -> str:
    """The change a refused form asked for, for the message that refuses it."""
    values = {k[2:]: v for k, v in form.items() if k.startswith("v:")}
    where = form.get("pointer") or form.get("family") or ""
    return f"{where}: " + json.dumps(values, ensure_ascii=False)[:300] if values else where
