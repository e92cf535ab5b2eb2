"""The pdfium path (``VNPLAN_PDF_TEXT=pdfium``, the default): the same page texts and records as
the pdfplumber path (the reference), with pdfplumber still reading the pages pdfium cannot
describe for sure."""

from __future__ import annotations

import io
import json
import random
from dataclasses import replace
from pathlib import Path

import fixtures as fx
import numpy as np
import pdfplumber
import pypdfium2
import pytest
from conftest import CORPUS
from pdfplumber.utils import extract_text

from pipeline.errors import EncryptedDocument, ReaderError
from pipeline.ingest.legacy import EncodingReport
from pipeline.ingest.limits import DEFAULT_LIMITS, PDF_TEXT_PATHS, Limits
from pipeline.ingest.readers import pdf as reader
from pipeline.ingest.readers import pdf_chars
from pipeline.ingest.readers.pdf_chars import Glyphs
from pipeline.run.process import process_bytes

PLAN_TEXT = ("KẾ HOẠCH\nTổ chức phong trào thi đua “Đổi mới, sáng tạo” giai đoạn 2021 - 2025\n"
             "Căn cứ Quyết định số 340/QĐ-TTg ngày 12/3/2021 của Thủ tướng Chính phủ;\n"
             "Phấn đấu đến năm 2025 có 400 hợp tác xã, tăng 10% so với năm 2020.")
LINES = [b"Ke hoach so 1555/KH-SKHCN ve phong trao thi dua", b"giai doan 2021 - 2025 tren dia ban tinh.",
         b"Tang 10% so voi nam 2020; 400 hop tac xa."]
CORPUS_PDFS = sorted(p for p in (CORPUS / "inbox").glob("*.pdf") if "scan" not in p.name)


def raw_pdf(content: bytes, base_font: bytes = b"Helvetica") -> bytes:
    """A one-page PDF written by hand: a standard (not embedded) font and ``content`` as its stream."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /" + base_font + b" >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def text_stream(state: bytes = b"", matrix: bytes = b"1 0 0 1 72 %d Tm", before: bytes = b"", after: bytes = b"") -> bytes:
    lines = b" ".join(matrix % (760 - 16 * i) + b" (" + line + b") Tj" for i, line in enumerate(LINES))
    return before + b"BT /F1 12 Tf " + state + b" " + lines + b" ET" + after


def page_texts(data: bytes, path: str) -> list[reader.PageText]:
    return list(reader._page_texts(data, "x.pdf", 1000, EncodingReport(), path))


def assert_same_pages(fast: list[reader.PageText], plumber: list[reader.PageText], case: str = "") -> None:
    """The same page texts and lines; line boxes within half a point (pdfium and pdfminer place
    the glyphs of the standard 14 fonts, which carry no metrics in the file, a little apart)."""
    assert [replace(p, lines=None) for p in fast] == [replace(p, lines=None) for p in plumber], case
    for a, b in zip(fast, plumber):
        assert (a.lines is None) == (b.lines is None), case
        for x, y in zip(a.lines or [], b.lines or []):
            assert (x.text, x.kind, x.bold) == (y.text, y.kind, y.bold), case
            assert x.bbox is not None and y.bbox is not None, case
            assert max(abs(u - v) for u, v in zip(x.bbox, y.bbox)) <= 0.5, case
        assert len(a.lines or []) == len(b.lines or []), case


def read_fast(data: bytes, index: int = 0) -> str | None:
    """What pdfium makes of one page (None: the page goes to pdfplumber)."""
    doc = pypdfium2.PdfDocument(data)
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            content = reader._pdfium_content(doc, index, pdf.pages[index])
            return reader._page_lines(content, EncodingReport())[0] if content is not None else None
    finally:
        doc.close()


def comparable(record: dict) -> dict:
    record = json.loads(json.dumps(record))
    for detail in ((record.get("ingest") or {}).get("ocr") or {}).get("details", []):
        detail.pop("seconds", None)
        detail.pop("confidence", None)  # Tesseract's confidence wobbles a little from run to run
    return record


@pytest.mark.parametrize("path", CORPUS_PDFS, ids=[p.name for p in CORPUS_PDFS])
def test_corpus_pages_and_records_are_the_same(path: Path) -> None:
    data = path.read_bytes()
    assert page_texts(data, "pdfium") == page_texts(data, "pdfplumber")
    no_ocr = replace(DEFAULT_LIMITS, ocr=False)
    plumber = process_bytes(data, path.name, replace(no_ocr, pdf_text="pdfplumber"))
    pdfium = process_bytes(data, path.name, replace(no_ocr, pdf_text="pdfium"))
    assert plumber["status"] == "ok"
    assert json.dumps(pdfium, ensure_ascii=False) == json.dumps(plumber, ensure_ascii=False)


def test_corpus_record_with_ocr_is_the_same() -> None:
    path = CORPUS / "inbox" / "121_kh-skhcn-dongnai-htx.pdf"  # its last page (a signature) is OCR'd
    data = path.read_bytes()
    plumber = process_bytes(data, path.name, replace(DEFAULT_LIMITS, pdf_text="pdfplumber"))
    pdfium = process_bytes(data, path.name, replace(DEFAULT_LIMITS, pdf_text="pdfium"))
    assert comparable(pdfium) == comparable(plumber)


def test_text_and_table_pages_are_read_by_pdfium() -> None:
    data = (CORPUS / "inbox" / "127_kh-ubnd-bentre-kttt-phuluc.pdf").read_bytes()
    plumber = page_texts(data, "pdfplumber")
    assert read_fast(data, 0) == plumber[0].text  # running text
    assert plumber[1].tables == 1 and read_fast(data, 1) == plumber[1].text  # a ruled table: pdfplumber's finder on pdfium's edges


@fx.needs_font
def test_fake_bold_is_deduplicated_on_the_pdfium_path(tmp_path: Path) -> None:
    data = fx.render_pdf(PLAN_TEXT, tmp_path / "bold.pdf", fake_bold=True).read_bytes()
    plain = fx.render_pdf(PLAN_TEXT, tmp_path / "plain.pdf").read_bytes()
    fast = read_fast(data)
    assert fast is not None and "KKẾẾ" not in fast
    assert fast == page_texts(data, "pdfplumber")[0].text == page_texts(plain, "pdfplumber")[0].text


@fx.needs_font
def test_ruled_table_page_is_the_same(tmp_path: Path) -> None:
    data = fx.render_pdf_table("Chỉ tiêu", [["Chỉ tiêu", "Năm 2025"], ["Số hợp tác xã", "400"]],
                               tmp_path / "table.pdf", after="Tổ chức thực hiện.").read_bytes()
    assert read_fast(data) is not None and " | " in read_fast(data)
    assert page_texts(data, "pdfium") == page_texts(data, "pdfplumber")


@pytest.mark.parametrize(("case", "content", "font", "fast"), [
    ("standard font", text_stream(), b"Helvetica", True),
    ("another standard font", text_stream(), b"Times-Bold", True),
    ("word spacing", text_stream(b"8 Tw"), b"Helvetica", True),
    ("text rise", text_stream(b"3 Ts"), b"Helvetica", True),
    ("scaled by the CTM", text_stream(b"", b"1 0 0 1 144 %d Tm", b"q 0.5 0 0 0.5 0 0 cm ", b" Q").replace(b"12 Tf", b"24 Tf"),
     b"Helvetica", None),
    ("scaled text matrix", text_stream(b"", b"2 0 0 2 72 %d Tm"), b"Helvetica", None),
    ("horizontal scaling", text_stream(b"50 Tz"), b"Helvetica", True),
    ("rotated text", text_stream(b"", b"0 1 -1 0 300 %d Tm"), b"Helvetica", False),
    ("mirrored text", text_stream(b"", b"-1 0 0 1 300 %d Tm"), b"Helvetica", False),
    ("two rules under a header", b"72 700 m 300 700 l S 72 690 m 300 690 l S " + text_stream(), b"Helvetica", True),
    ("a grid of lines", b"72 700 m 300 700 l S 72 690 m 300 690 l S 80 600 m 80 720 l S 90 600 m 90 720 l S "
     + text_stream(), b"Helvetica", True),
    ("a ruled grid of two by two cells", b"0.5 w 72 600 m 372 600 l S 72 640 m 372 640 l S 72 680 m 372 680 l S "
     b"72 600 m 72 680 l S 222 600 m 222 680 l S 372 600 m 372 680 l S "
     b"BT /F1 10 Tf 80 660 Td (Chi tieu) Tj 150 0 Td (2025) Tj -150 -40 Td (Hop tac xa) Tj 150 0 Td (400) Tj ET "
     + text_stream(), b"Helvetica", True),
    ("a grid of rectangles", b"72 600 150 40 re S 222 600 150 40 re S 72 640 150 40 re S 222 640 150 40 re S "
     b"BT /F1 10 Tf 80 660 Td (A) Tj 150 0 Td (B) Tj -150 -40 Td (C) Tj 150 0 Td (D) Tj ET " + text_stream(),
     b"Helvetica", True),
    ("a filled rectangle and a closed path", b"72 600 200 100 re f 72 500 m 300 500 l 300 520 l 72 520 l h S "
     + text_stream(), b"Helvetica", True),
    ("a rectangle", b"72 600 200 100 re S " + text_stream(), b"Helvetica", True),
    ("a curve", b"72 700 m 100 720 150 720 300 700 c S " + text_stream(), b"Helvetica", True),
    ("a word space set on its own", b"BT /F1 12 Tf 72 400 Td (Ke) Tj ( ) Tj ET BT /F1 12 Tf 87 400 Td (hoach) Tj ET "
     + text_stream(), b"Helvetica", True),
    # pdfium keeps one space of a run: an object of spaces after a space is left out of its text page
    ("a run of spaces after a space", b"BT /F1 12 Tf 72 400 Td (Ke ) Tj ET BT /F1 12 Tf 90 400 Td (      ) Tj ET "
     b"BT /F1 12 Tf 126 400 Td (hoach) Tj ET " + text_stream(), b"Helvetica", True),
    ("two runs of spaces after a space", b"BT /F1 12 Tf 72 400 Td (Ke ) Tj ET BT /F1 12 Tf 90 400 Td (      ) Tj ET "
     b"BT /F1 12 Tf 140 400 Td (      ) Tj ET BT /F1 12 Tf 190 400 Td (hoach) Tj ET " + text_stream(), b"Helvetica", True),
    ("a spaced run of spaces shifted by TJ", b"BT /F1 12 Tf 72 400 Td (Ke ) Tj ET BT /F1 12 Tf 0.5 Tc 86 400 Td "
     b"[-180 (     ) -90 (   )] TJ ET BT /F1 12 Tf 150 400 Td (hoach) Tj ET " + text_stream(), b"Helvetica", True),
])
def test_hand_written_pdfs_read_the_same(case: str, content: bytes, font: bytes, fast: bool | None) -> None:
    data = raw_pdf(content, font)
    assert_same_pages(page_texts(data, "pdfium"), page_texts(data, "pdfplumber"), case)
    if fast is not None:
        assert (read_fast(data) is not None) == fast, case


def test_a_font_without_widths_reads_as_set() -> None:
    """A TCVN3 font named but neither embedded nor given widths: pdfminer advances every glyph by
    zero, so its glyphs pile up and the de-duplication eats the repeated ones; pdfium measures
    them with a substitute font and reads the line as printed (an improvement on pdfplumber)."""
    data = raw_pdf(text_stream(), b".VnTime")
    fast, plumber = page_texts(data, "pdfium"), page_texts(data, "pdfplumber")
    assert fast[0].text == "\n".join(line.decode() for line in LINES)
    assert plumber[0].text != fast[0].text


@fx.needs_font
def test_encrypted_and_damaged_files_fail_the_same(tmp_path: Path) -> None:
    locked = fx.encrypted_pdf(tmp_path / "locked.pdf").read_bytes()
    damaged = b"%PDF-1.7\n1 0 obj <</Type /Catalog>> garbage without xref"
    good = fx.render_pdf(PLAN_TEXT, tmp_path / "plan.pdf").read_bytes()
    truncated = good[: len(good) // 2]
    for data, error in ((locked, EncryptedDocument), (damaged, ReaderError), (truncated, ReaderError)):
        messages = []
        for path in PDF_TEXT_PATHS:
            with pytest.raises(error) as info:
                reader.read(data, "x.pdf", replace(DEFAULT_LIMITS, pdf_text=path))
            messages.append(str(info.value))
        assert messages[0] == messages[1]


@fx.needs_font
def test_pages_without_text_fail_alike(tmp_path: Path) -> None:
    data = fx.image_only_pdf(tmp_path / "shapes.pdf", pages=2).read_bytes()
    assert not (read_fast(data) or "").strip()
    no_ocr = replace(DEFAULT_LIMITS, ocr=False)
    records = [process_bytes(data, "shapes.pdf", replace(no_ocr, pdf_text=path)) for path in PDF_TEXT_PATHS]
    assert records[0] == records[1] and records[0]["status"] == "failed"


def test_fast_dedupe_matches_the_generic_one() -> None:
    rng = random.Random(11)
    for _ in range(2000):
        chars = [{"upright": rng.choice([True, True, False]), "text": rng.choice("ab "), "fontname": rng.choice(["F1", "F2"]),
                  "size": rng.choice([10.0, 12.0]), "x0": rng.choice([0.0, 0.3, 0.9, 1.5, 2.6, 7.0]),
                  "doctop": rng.choice([0.0, 0.5, 1.0, 1.6, 2.4, 5.0]) + rng.choice([0.0, 0.0, 0.01])}
                 for _ in range(rng.randint(0, 40))]
        kept = pdf_chars.unique_mask(Glyphs.from_dicts(chars)).tolist()
        assert {id(c) for c, keep in zip(chars, kept) if keep} == pdf_chars._unique_char_ids_reference(chars)


def test_setting_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VNPLAN_PDF_TEXT", raising=False)
    assert Limits.from_env().pdf_text == "pdfium"
    monkeypatch.setenv("VNPLAN_PDF_TEXT", " PDFplumber ")
    assert Limits.from_env().pdf_text == "pdfplumber"
    monkeypatch.setenv("VNPLAN_PDF_TEXT", "mupdf")
    with pytest.warns(UserWarning, match="VNPLAN_PDF_TEXT"):
        assert Limits.from_env().pdf_text == "pdfium"


def test_fast_layout_matches_pdfplumbers() -> None:
    from pdfplumber.utils import chars_to_textmap

    rng = random.Random(5)
    for _ in range(3000):
        chars = []
        for _ in range(rng.randint(0, 30)):
            top = rng.choice([0.0, 1.0, 2.5, 3.0, 3.2, 5.9, 6.1, 9.0, 20.0]) + rng.choice([0.0, 0.0, 0.4])
            x0 = rng.choice([0.0, 1.0, 2.0, 3.5, 5.0, 8.0, 12.0]) + rng.choice([0.0, 0.3])
            size = rng.choice([4.0, 10.0, 20.0])
            chars.append({"text": rng.choice(["a", "b", " ", "\u00a0", "ﬁ", "ả"]), "x0": x0,
                          "x1": x0 + rng.choice([0.0, 1.0, 2.0, 4.0]), "top": top, "bottom": top + size, "doctop": top,
                          "size": size, "upright": rng.random() > 0.02})  # now and then rotated text
        expected = chars_to_textmap(chars, layout=False, x_tolerance_ratio=reader.X_TOLERANCE_RATIO).as_string if chars else ""
        assert pdf_chars.layout_text(Glyphs.from_dicts(chars)) == expected


def _ruled_pages() -> list[tuple[str, reader.PageContent, reader.PageContent]]:
    """The pages with ruling lines of the corpus PDFs and of the real PDFs present, as pdfplumber reads them."""
    from conftest import SHARED

    paths = CORPUS_PDFS + sorted(p for p in (SHARED / "realdocs").glob("*.pdf") if "scan" not in p.name)
    pages = []
    for path in paths:
        with pdfplumber.open(path) as pdf:
            for number, page in enumerate(pdf.pages[:12], 1):
                edges = reader.pdf_tables.Edges.from_dicts(page.edges)
                if edges.has_grid():
                    glyphs = Glyphs.from_dicts(page.chars)
                    kept = pdf_chars.unique_mask(glyphs).tolist()
                    chars = [c for c, keep in zip(page.chars, kept) if keep]
                    pages.append((f"{path.name} p{number}", reader.PageContent(pdf_chars.unique_chars(glyphs), edges,
                                  tuple(page.bbox)), reader.PageContent(chars, page.edges, tuple(page.bbox))))  # type: ignore[arg-type]
    return pages


def test_table_finder_and_cells_match_pdfplumbers() -> None:
    """:mod:`pipeline.ingest.readers.pdf_tables` finds pdfplumber's tables, and the cells read
    by ``_extract_table`` hold the words of pdfplumber's ``Table.extract``."""
    from pdfplumber.table import TableFinder, TableSettings

    pages = _ruled_pages()
    assert pages
    for name, content, as_dicts in pages:
        ours = reader.pdf_tables.find_tables(content)
        finder = TableFinder(as_dicts, TableSettings.resolve(None))
        theirs = finder.tables
        shape = ("x0", "x1", "top", "bottom", "width", "height", "orientation")
        assert ([tuple(e[k] for k in shape) for e in reader.pdf_tables.merged_edges(content.edges, finder.settings)]
                == [tuple(e[k] for k in shape) for e in finder.get_edges()]), name
        assert [t.cells for t in ours] == [t.cells for t in theirs], name
        for table in theirs:
            expected = [[" ".join(cell.split()) if cell is not None else None for cell in row]
                        for row in table.extract(x_tolerance_ratio=reader.X_TOLERANCE_RATIO)]
            got = [[" ".join(cell.split()) if cell is not None else None for cell in row]
                   for row in reader._extract_table(table.rows, content.chars)]
            assert got == expected, name


def test_cells_laid_out_together_read_as_laid_out_one_by_one() -> None:
    """:func:`pdf_chars.group_texts` of many groups at once gives each group's own layout, rotated
    or not, empty or not."""
    rng = random.Random(8)
    for _ in range(500):
        chars = []
        for _ in range(rng.randint(0, 40)):
            top = rng.choice([0.0, 1.0, 2.5, 3.2, 6.1, 9.0]) + rng.choice([0.0, 0.4])
            x0 = rng.choice([0.0, 1.0, 2.0, 3.5, 5.0, 8.0]) + rng.choice([0.0, 0.3])
            size = rng.choice([4.0, 10.0])
            chars.append({"text": rng.choice(["a", "b", " ", "ﬁ", "ả"]), "x0": x0, "x1": x0 + rng.choice([0.0, 1.0, 4.0]),
                          "top": top, "bottom": top + size, "doctop": top, "size": size, "upright": rng.random() > 0.03})
        glyphs = Glyphs.from_dicts(chars)
        count = rng.randint(1, 5)
        groups = np.array([rng.randrange(count) for _ in chars], dtype=np.int64)
        expected = []
        for g in range(count):
            members = [c for c, k in zip(chars, groups.tolist()) if k == g]
            plain = all(c["upright"] for c in members)
            expected.append(pdf_chars.layout_text(Glyphs.from_dicts(members)) if plain else
                            extract_text(members, x_tolerance_ratio=reader.X_TOLERANCE_RATIO))
        assert pdf_chars.group_texts(glyphs, groups, count) == expected


def test_cells_grouped_into_tables_as_pdfplumber_groups_them() -> None:
    from pdfplumber.table import cells_to_tables

    rng = random.Random(12)
    for _ in range(1000):
        xs, ys = sorted(rng.sample(range(20), 6)), sorted(rng.sample(range(20), 6))
        cells = []
        for _ in range(rng.randint(0, 14)):
            i, j = rng.randrange(5), rng.randrange(5)
            cells.append((float(xs[i]), float(ys[j]), float(xs[rng.randint(i + 1, 5)]), float(ys[rng.randint(j + 1, 5)])))
        assert reader.pdf_tables.cells_to_tables(cells) == cells_to_tables(cells)
