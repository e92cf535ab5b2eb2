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


def _open_tag(span: Span, depth: int, primary: bool) -> str:
    classes = f"ev fam-{span.family} d{min(depth, 4)}" + ("" if primary else " cont") + ("" if span.exact else " bad")
    ident = f' id="ev-{span.n}" data-path="{esc(span.path)}"' if primary else f' data-of="ev-{span.n}"'
    return f'<mark class="{classes}"{ident} title="{esc(span.title)}">'


def render_text(text: str, spans: list[Span]) -> str:
    """``text`` escaped, with every span wrapped in marks; stripping the tags gives ``text`` back."""
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
                out.append(_open_tag(span, len(stack), primary=False))
        # Longer spans open first so that shorter ones starting at the same place nest inside.
        for span in sorted(opens.get(pos, ()), key=lambda s: (-s.end, s.n)):
            if span.end == pos:  # empty span: an empty mark, so it still has its anchor
                out.append(_open_tag(span, len(stack) + 1, primary=True) + "</mark>")
            else:
                stack.append(span)
                out.append(_open_tag(span, len(stack), primary=True))
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


def render_review_page(record: dict[str, Any]) -> str:
    """A self-contained HTML review page for one record (a failure page when it has no text)."""
    filename = (record.get("source") or {}).get("filename") or "(unnamed)"
    text = record.get("text")
    if not isinstance(text, str):
        body = (_header(record) + "</header>"
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
        rows.append(f'<tr id="row-{s.n}"><td class="path fam-{s.family}"><a href="#ev-{s.n}">{esc(s.path)}</a></td>'
                    f'<td>{esc(s.summary)}</td><td class="quote">{esc(s.quote)}</td>{page_cell}</tr>')
    table = ('<table class="values"><thead><tr><th>path</th><th>value</th><th>quote</th>'
             f'{page_head}</tr></thead><tbody>{"".join(rows)}</tbody></table>')
    body = (_header(record) + f'<ul class="legend">{legend}</ul>{note}{_errors(record)}</header>'
            f'<div class="layout"><main><div class="text" id="text">{render_text(text, spans)}</div></main>'
            f'<aside>{table}</aside></div>')
    return _page(f"Review: {filename}", body)


def review_page_path(out_dir: Path, record_file: Path) -> Path:
    return Path(out_dir) / REVIEW_DIR / f"{record_file.stem}.html"


def write_review_pages(out_dir: Path) -> list[Path]:
    """Write ``OUT/review/<record file stem>.html`` for every record in ``OUT/records/``."""
    out_dir = Path(out_dir)
    written = []
    for record_file in sorted((out_dir / RECORDS_DIR).glob("*.json")):
        record = json.loads(record_file.read_text(encoding="utf-8"))
        target = review_page_path(out_dir, record_file)
        write_text_atomic(target, render_review_page(record))
        written.append(target)
    return written


def main_pages(out_dir: Path | str) -> int:
    """``python -m pipeline review pages [--out DIR]``: write the review pages, print where they are."""
    out_dir = Path(out_dir)
    if not (out_dir / RECORDS_DIR).is_dir():
        print(f"error: no records folder {out_dir / RECORDS_DIR}", file=sys.stderr)
        return 2
    pages = write_review_pages(out_dir)
    print(f"review pages: {len(pages)} written to {out_dir / REVIEW_DIR}")
    return 0
