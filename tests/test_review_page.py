"""Review pages: the record text with every extracted value highlighted at its evidence.

Unit tests check the HTML itself (text preserved exactly, one mark per evidence, overlapping
spans, escaping, failure pages); the browser test renders pages in headless Chromium and
checks with Pillow that highlights of several fact families are really painted.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path

import pytest

from pipeline.record.schema import iter_evidence
from pipeline.review.page import (
    FAMILIES,
    main_pages,
    render_review_page,
    write_review_pages,
)
from pipeline.run.batch import process_local
from pipeline.run.process import process_bytes

INBOX = Path(__file__).resolve().parents[1] / "corpus" / "inbox"
INPUTS = [INBOX / "101_kh-skhcn-dongnai-htx.txt", INBOX / "121_kh-skhcn-dongnai-htx.pdf"]
CHROMIUM = Path("/usr/bin/chromium")
TEXT_BLOCK = re.compile(r'<div class="text" id="text">(.*)</div></main>', re.S)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out_dir = tmp_path_factory.mktemp("review-out")
    summary = process_local(INPUTS, out_dir)
    assert summary.counts["ok"] == 2, str(summary)
    return out_dir


@pytest.fixture(scope="module")
def records(out: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted((out / "records").glob("*.json"))}


@pytest.fixture(scope="module")
def pages(out: Path) -> list[Path]:
    return write_review_pages(out)


def text_block(page: str) -> str:
    m = TEXT_BLOCK.search(page)
    assert m, "page has no text block"
    return m.group(1)


def strip_tags(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]*>", "", fragment))


class MarkText(HTMLParser):
    """Collects, per evidence number, the text inside its mark and its continuation marks;
    also checks that marks are balanced."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.open: list[str] = []
        self.text: dict[str, str] = {}
        self.primary: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "mark":
            return
        a = dict(attrs)
        key = a.get("id") or a.get("data-of")
        assert key and key.startswith("ev-"), a
        if "data-path" in a:
            assert a.get("id") == key
            self.primary.append(key)
        self.open.append(key)
        self.text.setdefault(key, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "mark":
            assert self.open, "closing a mark that is not open"
            self.open.pop()

    def handle_data(self, data: str) -> None:
        for key in self.open:
            self.text[key] += data


def mark_texts(page: str) -> MarkText:
    parser = MarkText()
    parser.feed(text_block(page))
    parser.close()
    assert parser.open == [], "marks left open"
    return parser


def check_page(record: dict, page: str) -> None:
    """The text block is the record text; every evidence has one mark holding exactly its quote."""
    assert strip_tags(text_block(page)) == record["text"]
    evidence = list(iter_evidence(record))
    assert page.count("data-path=") == len(evidence)
    parsed = mark_texts(page)
    assert sorted(parsed.primary) == sorted(f"ev-{n}" for n in range(1, len(evidence) + 1))
    for n, (_, ev) in enumerate(evidence, 1):
        assert parsed.text[f"ev-{n}"] == ev["quote"], (n, ev)
        assert f'href="#ev-{n}"' in page


def ev(text: str, start: int, end: int, page: int | None = None) -> dict:
    return {"start": start, "end": end, "quote": text[start:end], "page": page}


def synthetic(text: str, spans: dict[str, list[tuple[int, int]]], **extra) -> dict:
    """A minimal record: a document with field evidence plus list families with item evidence."""
    doc_ev = {field: ev(text, s, e) for field, (s, e) in zip(("kind", "number", "title"), spans.get("document", []))}
    record = {
        "schema_version": "1.1.0", "record_id": "0" * 64, "status": "ok", "errors": [], "warnings": [],
        "extractor_version": "test", "text": text,
        "source": {"filename": "synthetic.txt", "sha256": "0" * 64, "media_type": "text/plain", "size": len(text), "pages": None},
        "document": {"kind": None, "number": None, "issued_on": None, "issuer": None, "province": None,
                     "title": None, "evidence": doc_ev},
    }
    for family in ("references", "targets", "criteria", "dates"):
        record[family] = [{"value": text[s:e], "evidence": ev(text, s, e)} for s, e in spans.get(family, [])]
    record.update(extra)
    return record


# --- pages for the corpus documents -----------------------------------------------------------

def test_pages_written_for_every_record(out: Path, pages: list[Path]) -> None:
    assert [p.name for p in pages] == ["101_kh-skhcn-dongnai-htx.txt.html", "121_kh-skhcn-dongnai-htx.pdf.html"]
    assert all(p.parent == out / "review" and p.is_file() for p in pages)
    assert not list((out / "review").glob(".*.tmp"))
    assert main_pages(out) == 0


def test_page_text_and_marks(records: dict[str, dict], pages: list[Path]) -> None:
    for page_file in pages:
        record = records[page_file.stem]
        page = page_file.read_text(encoding="utf-8")
        assert len(list(iter_evidence(record))) > 20
        check_page(record, page)
        assert '<html lang="vi">' in page and '<meta charset="utf-8">' in page
        assert html.escape(record["source"]["filename"]) in page
        for value in (record["document"]["number"], record["document"]["issuer"], record["document"]["province"]):
            assert html.escape(value) in page


def test_page_is_self_contained(pages: list[Path]) -> None:
    for page_file in pages:
        page = page_file.read_text(encoding="utf-8").lower()
        assert "<script" not in page
        assert "<link" not in page and "src=" not in page and "@import" not in page and "url(" not in page


def test_paged_record_shows_pages_in_tooltips(records: dict[str, dict], pages: list[Path]) -> None:
    page = pages[1].read_text(encoding="utf-8")
    assert records[pages[1].stem]["source"]["pages"] == 4
    assert re.search(r'data-path="\$\.targets\[0\]" title="\$\.targets\[0\]: year=2025;[^"]*\npage 2"', page)
    assert "<th>page</th>" in page
    # A page-less record has no page column and no page in its tooltips.
    assert "<th>page</th>" not in pages[0].read_text(encoding="utf-8")


def test_value_paths_and_families(pages: list[Path]) -> None:
    page = pages[1].read_text(encoding="utf-8")
    assert re.search(r'<mark class="ev fam-document [^"]*" id="ev-\d+" data-path="\$\.document\.number" '
                     r'title="\$\.document\.number: 1234/KH-SKHCN', page)
    assert re.search(r'class="ev fam-references [^"]*" id="ev-\d+" data-path="\$\.references\[0\]"', page)
    assert re.search(r'class="ev fam-targets [^"]*" id="ev-\d+" data-path="\$\.targets\[0\]"', page)
    assert re.search(r'class="ev fam-dates [^"]*" id="ev-\d+" data-path="\$\.period"', page)
    for family, (_, colour) in FAMILIES.items():
        assert f"mark.fam-{family} {{ background-color: {colour}; }}" in page


# --- rendering rules, on synthetic records ----------------------------------------------------

def test_overlapping_and_nested_spans() -> None:
    text = "0123456789abcdefghij"
    record = synthetic(text, {
        "document": [(0, 20), (3, 5), (3, 5)],        # outer span, a nested one, and an identical twin
        "references": [(2, 8), (6, 12), (10, 14)],    # a chain of crossing spans
        "targets": [(4, 16)],                          # crosses several of the above
        "criteria": [(7, 7), (20, 20)],                # empty spans, one at the very end
        "dates": [(0, 20)],                            # same extent as the outer document span
    })
    page = render_review_page(record)
    check_page(record, page)
    assert re.search(r'class="[^"]* cont[ "]', page)  # crossing spans needed continuation marks
    assert page.count("data-path=") == 10


def test_crossing_span_keeps_one_anchor() -> None:
    text = "abcdefghij"
    record = synthetic(text, {"references": [(1, 6)], "targets": [(4, 9)]})
    block = text_block(render_review_page(record))
    assert block.count('id="ev-1"') == 1 and block.count('id="ev-2"') == 1
    assert block.count('data-of="ev-2"') == 1  # the target continues after the reference closes
    check_page(record, render_review_page(record))


def test_text_is_escaped() -> None:
    text = 'Kế hoạch <script>alert("x")</script> & <b>đậm</b> \'q\'\r\nhết'
    start = text.index("<script>")
    record = synthetic(text, {"document": [(0, 8), (start, start + len('<script>alert("x")</script>'))],
                              "targets": [(text.index("&"), text.index("&") + 12)]})
    record["document"]["title"] = '<script>alert("t")</script>'
    record["source"]["filename"] = "<img>.txt"
    page = render_review_page(record)
    assert "<script>" not in page and "<b>" not in page and "<img>" not in page
    assert "&lt;script&gt;" in page and "&lt;img&gt;.txt" in page
    check_page(record, page)
    assert "&#13;" in text_block(page)  # a bare CR would be turned into LF by the HTML parser


def test_failed_record_page() -> None:
    record = process_bytes(b"", "trong.txt")
    assert record["status"] == "failed" and record["text"] is None and record["errors"]
    page = render_review_page(record)
    err = record["errors"][0]
    for value in (err["code"], err["message"], err["hint"]):
        assert html.escape(value) in page
    assert "data-path=" not in page and '<div class="text"' not in page
    assert '<html lang="vi">' in page and "trong.txt" in page and "status-failed" in page


def test_failed_record_page_escapes_errors() -> None:
    record = process_bytes(b"", "x.txt")
    record["errors"][0]["message"] = "<script>bad()</script>"
    page = render_review_page(record)
    assert "<script>" not in page and "&lt;script&gt;bad()&lt;/script&gt;" in page


# --- the browser ------------------------------------------------------------------------------

def _rgb(hex_colour: str) -> tuple[int, int, int]:
    return tuple(int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def screenshot(page: Path, png: Path, profile: Path) -> float:
    args = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync", "--hide-scrollbars",
            f"--user-data-dir={profile}", "--window-size=1280,2000", f"--screenshot={png}", page.resolve().as_uri()]
    began = time.monotonic()
    proc = subprocess.run(args, capture_output=True, text=True, timeout=180)
    elapsed = time.monotonic() - began
    assert proc.returncode == 0 and png.is_file(), f"chromium failed ({proc.returncode}): {proc.stderr[-2000:]}"
    return elapsed


@pytest.mark.parametrize("which", [0, 1], ids=["txt", "pdf"])
def test_highlights_visible_in_chromium(pages: list[Path], tmp_path: Path, which: int) -> None:
    if not CHROMIUM.exists() or not shutil.which(str(CHROMIUM)):
        pytest.skip("headless Chromium (/usr/bin/chromium, Debian package 'chromium') is not installed; "
                    "scripts/setup.sh installs it")
    from PIL import Image

    png = tmp_path / "shot.png"
    elapsed = screenshot(pages[which], png, tmp_path / "profile")
    print(f"chromium screenshot of {pages[which].name}: {elapsed:.2f}s")
    with Image.open(png) as im:
        image = im.convert("RGB")
    assert image.size == (1280, 2000)
    colours = {rgb: n for n, rgb in image.getcolors(maxcolors=1 << 22)}
    # Not blank: a mostly white page with dark text and many colours (text anti-aliasing).
    total = image.width * image.height
    assert len(colours) > 200
    assert colours.get((255, 255, 255), 0) < total * 0.95
    assert sum(n for rgb, n in colours.items() if max(rgb) < 90) > 5000, "no text drawn"
    # Highlights: count exact background colours in the text column only (left of the side
    # table), so the legend swatches and table stripes cannot pass the check on their own.
    text_column = image.crop((0, 0, int(image.width * 0.55), image.height))
    column = {rgb: n for n, rgb in text_column.getcolors(maxcolors=1 << 22)}
    found = {family: column.get(_rgb(colour), 0) for family, (_, colour) in FAMILIES.items()}
    painted = {family for family, n in found.items() if n >= 2000}
    # The PDF text is compact enough for its targets to be on screen; the text file's blank
    # lines push them below the 2000-pixel viewport, where its dates and sections are instead.
    required = {"document", "references", "targets"} if which == 1 else {"document", "references", "dates"}
    assert required <= painted and len(painted) >= 3, found
