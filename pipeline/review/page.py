"""Review pages: one static HTML page per record, the source text with every value highlighted.

A reviewer checks an extracted value against the words it came from without opening the PDF:
the page shows the record's ``text`` with each evidence span wrapped in a ``<mark>`` (coloured
by fact family, tooltip "path: value", ``data-path`` the value's JSON path), and a side table
listing every value with a link (``#ev-N``) to its highlight.

Spans may nest (a date inside a reference) or cross (a responsibility that starts inside a
duration). Marks are nested in start order; when a span ends while a later-opened span is still
open, the later ones are closed, the ending span is closed, and the later ones are reopened as
*continuation* marks (same colour and tooltip, class ``cont``, no ``data-path``). Every evidence
therefore has exactly one primary mark, and the text between the tags is exactly ``text``.

Values a reviewer corrected (the record's ``review.corrected_paths``) are marked ``corrected``
in the text and the table; a hand edit of the record file that is not captured yet is not shown
as if it were the value: the page shows the record as published, and lists the pending changes
(or, for an invalid edit, its problems) above the text. ``OUT/review/index.html`` lists every
record in review-queue order (:mod:`.queue`), and each page links to the index and to the
previous and next record.

The page is self-contained: inline CSS, no scripts, no external assets.
"""

from __future__ import annotations

import html
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..publish.names import RECORDS_DIR
from ..publish.storage import write_text_atomic
from ..record.schema import iter_evidence

REVIEW_DIR = "review"

#: Fact families: CSS class suffix, label, background colour (exact sRGB; tests look for these
#: pixels in a screenshot, so keep them distinct from each other and from the page colours).
FAMILIES: dict[str, tuple[str, str]] = {
    "document": ("document", "#ffd54f"),
    "references": ("references", "#81d4fa"),
    "targets": ("targets", "#a5d6a7"),
    "criteria": ("criteria", "#f48fb1"),
    "reward_quotas": ("reward quotas", "#ffb74d"),
    "schedule": ("schedule", "#4db6ac"),
    "movement": ("movement", "#e57373"),
    "dates": ("period / duration / dates", "#ce93d8"),
    "participants": ("participants", "#e6ee9c"),
    "responsibilities": ("responsibilities", "#bcaaa4"),
    "abbreviations": ("abbreviations", "#9fa8da"),
    "sections": ("sections", "#e0e0e0"),
    "other": ("other", "#fff59d"),
}
_FAMILY_OF_KEY = {"period": "dates", "duration": "dates", "dates": "dates"}
_PATH_TOKEN = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")
_SUMMARY_MAX = 240


def esc(value: Any) -> str:
    """HTML-escape text for element content and quoted attributes (CR kept as a reference)."""
    return html.escape(str(value), quote=True).replace("\r", "&#13;")


def family_of(path: str) -> str:
    """The fact family of a JSON path such as ``$.targets[3]`` or ``$.document.kind``."""
    m = _PATH_TOKEN.match(path, 1)
    key = m.group(1) if m and m.group(1) else ""
    if key in _FAMILY_OF_KEY:
        return _FAMILY_OF_KEY[key]
    return key if key in FAMILIES else "other"


def value_path(evidence_path: str) -> str:
    """The path of the value an evidence path grounds: ``$.a[1].evidence`` -> ``$.a[1]``,
    ``$.document.evidence.kind`` -> ``$.document.kind``."""
    if evidence_path.endswith(".evidence"):
        return evidence_path[: -len(".evidence")]
    head, sep, field = evidence_path.rpartition(".evidence.")
    return f"{head}.{field}" if sep else evidence_path


def lookup(record: Any, path: str) -> Any:
    """The value at a simple JSON path (``$``, ``.key``, ``[index]``); None if it is not there."""
    node = record
    for key, index in _PATH_TOKEN.findall(path[1:]):
        try:
            node = node[int(index)] if index else node[key]
        except (KeyError, IndexError, TypeError, ValueError):
            return None
    return node


def summarize(value: Any, limit: int = _SUMMARY_MAX) -> str:
    """A one-line, human-readable summary of an extracted value."""
    if isinstance(value, dict):
        parts = []
        for key, item in value.items():
            if key == "evidence" or item is None or item == [] or item == "":
                continue
            parts.append(f"{key}={summarize(item, limit)}")
        text = "; ".join(parts) or "{}"
    elif isinstance(value, list):
        text = " | ".join(summarize(v, limit) for v in value)
    elif value is None:
        text = "null"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class Span:
    n: int  # 1-based, in iter_evidence order
    path: str  # the value's JSON path
    family: str
    start: int
    end: int
    quote: str
    page: int | None
    summary: str
    exact: bool  # text[start:end] == quote

    @property
    def title(self) -> str:
        title = f"{self.path}: {self.summary}"
        if self.page is not None:
            title += f"\npage {self.page}"
        if not self.exact:
            title += "\n(evidence does not match the text)"
        return title


def collect_spans(record: dict[str, Any]) -> list[Span]:
    """One span per evidence object of the record, offsets clamped into the text."""
    text = record.get("text") or ""
    spans = []
    for n, (ev_path, ev) in enumerate(iter_evidence(record), 1):
        path = value_path(ev_path)
        start, end = ev.get("start"), ev.get("end")
        start = min(max(start, 0), len(text)) if isinstance(start, int) else 0
        end = min(max(end, start), len(text)) if isinstance(end, int) else start
        quote = ev.get("quote") if isinstance(ev.get("quote"), str) else ""
        page = ev.get("page") if isinstance(ev.get("page"), int) else None
        spans.append(Span(n, path, family_of(path), start, end, quote, page,
                          summarize(lookup(record, path)), text[start:end] == quote))
    return spans


def is_corrected(path: str, corrected: set[str] | frozenset[str]) -> bool:
    """Whether a value path was changed by a correction (itself, a member of it, or a whole item
    that holds it)."""
    return any(c == path or c.startswith((path + ".", path + "[")) or path.startswith((c + ".", c + "["))
               for c in corrected)


def _open_tag(span: Span, depth: int, primary: bool, corrected: frozenset[str] = frozenset()) -> str:
    classes = (f"ev fam-{span.family} d{min(depth, 4)}" + ("" if primary else " cont") + ("" if span.exact else " bad")
               + (" corrected" if corrected and is_corrected(span.path, corrected) else ""))
    ident = f' id="ev-{span.n}" data-path="{esc(span.path)}"' if primary else f' data-of="ev-{span.n}"'
    return f'<mark class="{classes}"{ident} title="{esc(span.title)}">'


def render_text(text: str, spans: list[Span], corrected: frozenset[str] = frozenset()) -> str:
    """``text`` escaped, with every span wrapped in marks; stripping the tags gives ``text`` back.
    Marks of values whose paths are in ``corrected`` get the class ``corrected``."""
    opens: dict[int, list[Span]] = {}
    for span in spans:
        opens.setdefault(span.start, []).append(span)
    bounds = sorted({0, len(text), *(s.start for s in spans), *(s.end for s in spans)})
    stack: list[Span] = []
    out: list[str] = []
    for i, pos in enumerate(bounds):
        ending = {s.n for s in stack if s.end == pos}
        if ending:
            reopen = []
            while ending:
                top = stack.pop()
                out.append("</mark>")
                if top.n in ending:
                    ending.discard(top.n)
                else:
                    reopen.append(top)
            for span in reversed(reopen):
                stack.append(span)
                out.append(_open_tag(span, len(stack), primary=False, corrected=corrected))
        # Longer spans open first so that shorter ones starting at the same place nest inside.
        for span in sorted(opens.get(pos, ()), key=lambda s: (-s.end, s.n)):
            if span.end == pos:  # empty span: an empty mark, so it still has its anchor
                out.append(_open_tag(span, len(stack) + 1, primary=True, corrected=corrected) + "</mark>")
            else:
                stack.append(span)
                out.append(_open_tag(span, len(stack), primary=True, corrected=corrected))
        if i + 1 < len(bounds):
            out.append(esc(text[pos:bounds[i + 1]]))
    out.extend("</mark>" for _ in stack)  # none left open for valid offsets; kept for safety
    return "".join(out)


_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #ffffff; color: #1a1a1a;
  font-family: "DejaVu Sans", "Noto Sans", Arial, sans-serif; font-size: 14px; }
header { padding: 14px 20px 10px; border-bottom: 1px solid #cccccc; background: #f7f7f7; }
h1 { font-size: 19px; margin: 0 0 6px; word-break: break-all; }
h2 { font-size: 15px; margin: 14px 0 6px; }
.status { display: inline-block; padding: 1px 8px; border-radius: 9px; font-size: 13px;
  color: #ffffff; background: #666666; vertical-align: middle; }
.status-ok { background: #2e7d32; } .status-partial { background: #b26a00; } .status-failed { background: #c62828; }
dl.identity { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; }
dl.identity dt { color: #555555; } dl.identity dd { margin: 0; }
.missing { color: #999999; font-style: italic; }
.meta { color: #555555; font-size: 12px; margin: 4px 0; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 8px 0 0; padding: 0; list-style: none; font-size: 12px; }
.legend li { display: flex; align-items: center; gap: 5px; }
.swatch { display: inline-block; width: 12px; height: 12px; border: 1px solid #888888; }
.layout { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 18px; padding: 14px 20px; }
.text { white-space: pre-wrap; overflow-wrap: anywhere; font-size: 15px; line-height: 1.9;
  padding: 10px 14px; border: 1px solid #dddddd; background: #ffffff; }
mark.ev { color: inherit; border-radius: 2px; -webkit-box-decoration-break: clone; box-decoration-break: clone; }
mark.d1 { padding: 3px 0; } mark.d2 { padding: 1px 0; } mark.d3, mark.d4 { padding: 0; }
mark.bad { outline: 2px dashed #c62828; }
mark.ev:target { outline: 3px solid #d50000; }
aside { position: sticky; top: 0; align-self: start; max-height: 100vh; overflow: auto; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { border-bottom: 1px solid #e4e4e4; padding: 3px 5px; text-align: left; vertical-align: top; }
th { position: sticky; top: 0; background: #f0f0f0; }
td.path { white-space: nowrap; border-left: 5px solid transparent; }
td.quote { white-space: pre-wrap; color: #444444; }
.errors td.code { font-family: "DejaVu Sans Mono", monospace; white-space: nowrap; }
.failed-note { padding: 14px 20px; }
mark.corrected { outline: 2px solid #1565c0; }
tr.corrected td { background: #e3f2fd; }
.badge { display: inline-block; padding: 0 6px; border-radius: 8px; font-size: 11px; color: #ffffff; background: #1565c0; }
.pending { margin: 8px 0; padding: 6px 10px; border-left: 4px solid #00838f; background: #e0f7fa; font-size: 13px; }
.pending.invalid { border-left-color: #c62828; background: #ffebee; }
nav.records { font-size: 12px; margin-bottom: 4px; } nav.records a { margin-right: 8px; }
table.index td, table.index th { font-size: 13px; padding: 4px 6px; }
"""


def _css() -> str:
    rules = []
    for fam, (_, colour) in FAMILIES.items():
        rules.append(f"mark.fam-{fam} {{ background-color: {colour}; }}")
        rules.append(f".sw-{fam} {{ background-color: {colour}; }}")
        rules.append(f"td.path.fam-{fam} {{ border-left-color: {colour}; }}")
    return _CSS + "\n".join(rules) + "\n"


def _field(value: Any) -> str:
    return esc(value) if value not in (None, "") else '<span class="missing">—</span>'


def _header(record: dict[str, Any]) -> str:
    source = record.get("source") or {}
    doc = record.get("document") or {}
    status = str(record.get("status") or "unknown")
    identity = [("Kind", doc.get("kind")), ("Number", doc.get("number")), ("Issued on", doc.get("issued_on")),
                ("Issuer", doc.get("issuer")), ("Province", doc.get("province")), ("Title", doc.get("title"))]
    rows = "".join(f"<dt>{esc(k)}</dt><dd>{_field(v)}</dd>" for k, v in identity)
    pages = source.get("pages")
    meta = [f"media type {esc(source.get('media_type'))}", f"{esc(source.get('size'))} bytes"]
    if pages is not None:
        meta.append(f"{esc(pages)} page(s)")
    meta += [f"record {esc(str(record.get('record_id'))[:16])}…",
             f"extractor {esc(record.get('extractor_version'))}", f"schema {esc(record.get('schema_version'))}"]
    return (f'<header><h1>{esc(source.get("filename") or "(unnamed)")} '
            f'<span class="status status-{esc(status)}">{esc(status)}</span></h1>'
            f'<div class="meta">{" · ".join(meta)}</div>'
            f'<dl class="identity">{rows}</dl>')


def _errors(record: dict[str, Any]) -> str:
    parts = []
    errors = record.get("errors") or []
    if errors:
        rows = "".join(
            f'<tr><td class="code">{esc(e.get("code"))}</td><td>{esc(e.get("stage", ""))}</td>'
            f'<td>{esc(e.get("message"))}</td><td>{esc(e.get("hint"))}</td></tr>'
            for e in errors if isinstance(e, dict))
        parts.append('<h2>Errors</h2><table class="errors"><thead><tr><th>code</th><th>stage</th>'
                     f'<th>message</th><th>hint</th></tr></thead><tbody>{rows}</tbody></table>')
    warnings = record.get("warnings") or []
    if warnings:
        parts.append("<h2>Warnings</h2><ul>" + "".join(f"<li>{esc(w)}</li>" for w in warnings) + "</ul>")
    return "".join(parts)


def _page(title: str, body: str) -> str:
    return ('<!DOCTYPE html>\n<html lang="vi">\n<head>\n<meta charset="utf-8">\n'
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<title>{esc(title)}</title>\n<style>{_css()}</style>\n</head>\n<body>\n{body}\n</body>\n</html>\n')


@dataclass
class Pending:
    """A hand edit of the record file not captured yet: its changes, or why it is invalid."""

    changes: list[tuple[str, str, str]]
    problems: list[str]


def _pending(pending: Pending | None) -> str:
    if pending is None:
        return ""
    if pending.problems:
        rows = "".join(f"<li>{esc(p)}</li>" for p in pending.problems)
        return ('<div class="pending invalid"><b>Pending hand edit, invalid</b> (not applied; fix the record file and '
                f"run 'review sync'):<ul>{rows}</ul></div>")
    rows = "".join(f"<li>{esc(path)}: {esc(before)} → {esc(after)}</li>" for path, before, after in pending.changes)
    return ("<div class=\"pending\"><b>Pending hand edit</b> (not captured yet: run 'review sync'); the page shows the "
            f"record as published:<ul>{rows}</ul></div>")


def _nav(nav: tuple[str | None, str | None] | None) -> str:
    if nav is None:
        return ""
    prev, nxt = nav
    links = ['<a href="index.html">index</a>']
    if prev:
        links.append(f'<a href="{esc(prev)}" rel="prev">‹ previous</a>')
    if nxt:
        links.append(f'<a href="{esc(nxt)}" rel="next">next ›</a>')
    return f'<nav class="records">{"".join(links)}</nav>'


def render_review_page(record: dict[str, Any], *, pending: Pending | None = None,
                       nav: tuple[str | None, str | None] | None = None) -> str:
    """A self-contained HTML review page for one record (a failure page when it has no text).

    ``pending`` lists a hand edit not captured yet; ``nav`` the pages of the previous and next
    records (links to the index too)."""
    filename = (record.get("source") or {}).get("filename") or "(unnamed)"
    text = record.get("text")
    corrected = frozenset((record.get("review") or {}).get("corrected_paths") or [])
    if not isinstance(text, str):
        body = (_nav(nav) + _header(record) + _pending(pending) + "</header>"
                + '<section class="failed-note"><p>No text could be read from this file, so there is nothing '
                  'to review; the reasons are below.</p>' + (_errors(record) or "<p>(no errors recorded)</p>")
                + "</section>")
        return _page(f"Review: {filename} (failed)", body)

    spans = collect_spans(record)
    counts: dict[str, int] = {}
    for span in spans:
        counts[span.family] = counts.get(span.family, 0) + 1
    legend = "".join(
        f'<li><span class="swatch sw-{fam}"></span>{esc(label)} ({counts.get(fam, 0)})</li>'
        for fam, (label, _) in FAMILIES.items() if fam != "other" or counts.get(fam))
    paged = (record.get("source") or {}).get("pages") is not None
    note = (f'<p class="meta">{len(spans)} values. Page breaks are not stored in the record: each highlight\'s '
            f'tooltip and the table give the page its evidence is on.</p>' if paged
            else f'<p class="meta">{len(spans)} values.</p>')
    page_head = "<th>page</th>" if paged else ""
    rows = []
    for s in spans:
        page_cell = f"<td>{esc(s.page) if s.page is not None else ''}</td>" if paged else ""
        fixed = bool(corrected) and is_corrected(s.path, corrected)
        badge = ' <span class="badge">corrected</span>' if fixed else ""
        rows.append(f'<tr id="row-{s.n}"{" class=corrected" if fixed else ""}><td class="path fam-{s.family}">'
                    f'<a href="#ev-{s.n}">{esc(s.path)}</a>{badge}</td>'
                    f'<td>{esc(s.summary)}</td><td class="quote">{esc(s.quote)}</td>{page_cell}</tr>')
    table = ('<table class="values"><thead><tr><th>path</th><th>value</th><th>quote</th>'
             f'{page_head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
    review = record.get("review") or {}
    if review:
        note += (f'<p class="meta">{review.get("corrections", 0)} correction(s) applied, '
                 f'{review.get("conflicts", 0)} in conflict; corrected values are outlined in blue.</p>')
    body = (_nav(nav) + _header(record) + f'<ul class="legend">{legend}</ul>{note}{_errors(record)}'
            f'{_pending(pending)}</header>'
            f'<div class="layout"><main><div class="text" id="text">{render_text(text, spans, corrected)}</div></main>'
            f'<aside>{table}</aside></div>')
    return _page(f"Review: {filename}", body)


def review_page_path(out_dir: Path, record_file: Path) -> Path:
    return Path(out_dir) / REVIEW_DIR / f"{record_file.stem}.html"


def _record_and_pending(out_dir: Path, record_file: Path) -> tuple[dict[str, Any] | None, Pending | None]:
    """The record as published, and the hand edit of its file not captured yet (if any)."""
    from .corrections import changes, make_patch, pending_edit

    edit = pending_edit(out_dir, record_file.stem)
    if edit is None:
        try:
            return json.loads(record_file.read_text(encoding="utf-8")), None
        except ValueError:
            return None, None
    if edit.problems:
        return edit.base, Pending([], [f"{p.path}: {p.message}" for p in edit.problems])
    return edit.base, Pending(changes(make_patch(edit.base, edit.edited)), [])


def render_index(out_dir: Path) -> str:
    """``OUT/review/index.html``: every record in review-queue order, with its doubts."""
    from .queue import TIER_LABELS, Queue

    entries = Queue(out_dir).entries()
    rows = []
    for e in entries:
        reasons = "; ".join(str(r) for r in e.reasons[:3]) + (f" (+{len(e.reasons) - 3})" if len(e.reasons) > 3 else "")
        rows.append(f'<tr><td><a href="{esc(e.name)}.html">{esc(e.filename)}</a></td>'
                    f'<td><span class="status status-{esc(e.status)}">{esc(e.status)}</span></td>'
                    f'<td>{esc(e.kind or "—")} {esc(e.number or "")}</td><td>{esc(TIER_LABELS.get(e.tier, e.tier))}</td>'
                    f'<td>{esc(reasons)}</td><td>{e.corrections or ""}</td></tr>')
    body = (f'<header><h1>Review pages ({len(entries)} records)</h1><p class="meta">Most in doubt first: failed, '
            'corrections in conflict, values in doubt, hand edits pending, then the rest; reviewed records last. '
            "The review workbench ('python -m pipeline review serve') edits them.</p></header>"
            '<div class="failed-note"><table class="index"><thead><tr><th>file</th><th>status</th><th>kind · number</th>'
            f'<th>doubt</th><th>reasons</th><th>corrections</th></tr></thead><tbody>{"".join(rows)}</tbody></table></div>')
    return _page("Review pages", body)


def write_review_pages(out_dir: Path) -> list[Path]:
    """Write ``OUT/review/<record file stem>.html`` for every record in ``OUT/records/`` (returned)
    and the index ``OUT/review/index.html``."""
    from .queue import Queue

    out_dir = Path(out_dir)
    order = [e.name for e in Queue(out_dir).entries()]
    written = []
    for record_file in sorted((out_dir / RECORDS_DIR).glob("*.json")):
        record, pending = _record_and_pending(out_dir, record_file)
        if record is None:
            continue
        name = record_file.stem
        i = order.index(name) if name in order else -1
        nav = (f"{order[i - 1]}.html" if i > 0 else None, f"{order[i + 1]}.html" if 0 <= i < len(order) - 1 else None)
        target = review_page_path(out_dir, record_file)
        write_text_atomic(target, render_review_page(record, pending=pending, nav=nav))
        written.append(target)
    write_text_atomic(Path(out_dir) / REVIEW_DIR / "index.html", render_index(out_dir))
    return written


def main_pages(out_dir: Path | str) -> int:
    """``python -m pipeline review pages [--out DIR]``: write the review pages, print where they are."""
    out_dir = Path(out_dir)
    if not (out_dir / RECORDS_DIR).is_dir():
        print(f"error: no records folder {out_dir / RECORDS_DIR}", file=sys.stderr)
        return 2
    pages = write_review_pages(out_dir)
    print(f"review pages: {len(pages)} written to {out_dir / REVIEW_DIR}; index: {out_dir / REVIEW_DIR / 'index.html'}")
    return 0
