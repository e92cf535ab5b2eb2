#!/usr/bin/env python3
"""Render part of the sample corpus (corpus/inbox/*.txt) to PDF and DOCX.

The renderings get new numbers (121-126) so that every input file in corpus/inbox has its own
name and its own gold file: for each rendering this script also writes corpus/gold/<stem>.json,
a copy of the source document's gold with ``source`` changed. The facts are the same in every
format; one DOCX (125) carries its reward quotas in a real Word table instead of text lines.

Output is deterministic: fixed creation dates in the PDF and DOCX metadata and fixed time stamps
inside the DOCX zip, so re-running produces identical bytes.

    .venv/bin/python scripts/render_corpus.py            # render + write gold copies
    .venv/bin/python scripts/render_corpus.py --verify   # ... then re-read the renderings and compare
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
INBOX = ROOT / "corpus" / "inbox"
GOLD = ROOT / "corpus" / "gold"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FIXED_DATE = datetime(2024, 1, 1, tzinfo=timezone.utc)
ZIP_DATE = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class QuotaTable:
    """Replace the lines between two headings with an intro paragraph and a table."""
    heading: str          # the section heading kept above the table
    next_heading: str     # the heading that ends the replaced lines
    intro: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Rendering:
    source: str           # stem of a corpus/inbox/*.txt file
    target: str           # file name of the rendering in corpus/inbox
    table: QuotaTable | None = field(default=None)
    style: str = "plain"  # "scan": image-only PDF, like a scanned paper copy;
    # "vni": 8-bit VNI text file; "tcvn3-doc": Word 97 .doc set in the TCVN3 fonts .VnTime/.VnTimeH


RENDERINGS = [
    Rendering("101_kh-skhcn-dongnai-htx", "121_kh-skhcn-dongnai-htx.pdf"),
    Rendering("103_qd-ubnd-laocai-ocop", "122_qd-ubnd-laocai-ocop.pdf"),
    Rendering("108_kh-congdoan-bacgiang-ldgioi", "123_kh-congdoan-bacgiang-ldgioi.pdf"),
    Rendering("104_hd-btdkt-thaibinh-ntm", "124_hd-btdkt-thaibinh-ntm.docx"),
    Rendering(
        "107_kh-snv-nghean-vanhoacongvu", "125_kh-snv-nghean-vanhoacongvu.docx",
        table=QuotaTable(
            heading="IV. HÌNH THỨC, SỐ LƯỢNG KHEN THƯỞNG",
            next_heading="V. TỔ CHỨC THỰC HIỆN",
            intro="Hình thức, số lượng khen thưởng phong trào thi đua như sau:",
            header=("Hình thức khen thưởng", "Đợt khen thưởng", "Tập thể", "Cá nhân"),
            rows=(
                ("Giấy khen của Giám đốc Sở Nội vụ", "Sơ kết phong trào (năm 2024)", "02", "05"),
                ("Giấy khen của Giám đốc Sở Nội vụ", "Tổng kết phong trào (năm 2026)", "03", "07"),
                ("Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh", "Tổng kết phong trào (năm 2026)", "01", "02"),
            ),
        ),
    ),
    Rendering("115_kh-ubnd-binhdinh-chuyendoiso", "126_kh-ubnd-binhdinh-chuyendoiso.docx"),
    Rendering("117_kh-ubnd-bentre-kttt-phuluc", "127_kh-ubnd-bentre-kttt-phuluc.pdf"),
    Rendering("117_kh-ubnd-bentre-kttt-phuluc", "128_kh-ubnd-bentre-kttt-phuluc.docx"),
    Rendering("106_kh-lmhtx-sonla", "129_kh-lmhtx-sonla-scan.pdf", style="scan"),
    Rendering("109_kh-hnd-kiengiang-sxkdg", "130_kh-hnd-kiengiang-sxkdg-vni.txt", style="vni"),
    Rendering("113_kh-ubnd-cuchi-ntm", "131_kh-ubnd-cuchi-ntm-tcvn3.doc", style="tcvn3-doc"),
]
SCAN_DPI = 200
SCAN_SKEW = 0.4  # degrees
SCAN_SPECKLE = 1 / 3000  # share of pixels flipped

ROMAN_HEADING = re.compile(r"^(?:I|II|III|IV|V|VI|VII|VIII|IX|X)\.\s")
BODY_START = re.compile(r"^(?:Căn cứ|Thực hiện|Kính gửi|Để |Nhằm|Theo đề nghị)")
SEPARATOR = "---"


@dataclass
class Para:
    text: str
    bold: bool = False
    center: bool = False
    page_break_before: bool = False
    table: QuotaTable | None = None
    rows: list[list[str]] | None = None  # a table written in the source as " | " lines


def is_upper(line: str) -> bool:
    return any(ch.isalpha() for ch in line) and line == line.upper()


def layout(text: str, table: QuotaTable | None = None) -> list[Para]:
    """Turn a corpus text into paragraphs with simple official-document formatting:
    the header block and title centred, upper-case lines and section headings bold,
    a ``---`` line starting a new page (the plan attached to a decision)."""
    lines = [ln.strip() for ln in text.splitlines()]
    paras: list[Para] = []
    head = bool(lines) and is_upper(lines[0])   # formal layout starts with the agency name
    page_break = False
    skipping = False
    replaced: list[str] = []
    for line in lines:
        if not line:
            continue
        if line == SEPARATOR:
            page_break, head = True, True
            continue
        if table is not None:
            if line == table.next_heading:
                skipping = False
            elif skipping:
                replaced.append(line)
                continue
        if head and (BODY_START.match(line) or ROMAN_HEADING.match(line)):
            head = False
        if " | " in line:  # a table row: consecutive rows make one table
            cells = [c.strip() for c in line.split(" | ")]
            if paras and paras[-1].rows is not None:
                paras[-1].rows.append(cells)
            else:
                paras.append(Para("", rows=[cells]))
            continue
        heading = bool(ROMAN_HEADING.match(line))
        para = Para(line, bold=heading or is_upper(line) or line == "Độc lập - Tự do - Hạnh phúc",
                    center=head, page_break_before=page_break)
        page_break = False
        paras.append(para)
        if table is not None and line == table.heading:
            skipping = True
            paras.append(Para(table.intro))
            paras.append(Para("", table=table))
    if table is not None:
        # The table must say what the replaced lines said: every count and occasion year.
        said = " ".join(replaced)
        for row in table.rows:
            for cell in row[2:]:
                assert re.search(rf"\b{cell}\b", said), (cell, said)
            year = re.search(r"năm (\d{4})", row[1]).group(1)
            assert year in said, (year, said)
    return paras


def render_pdf(paras: list[Para], title: str, out: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_title(title)
    pdf.set_author("vn-plan-pipeline sample corpus")
    pdf.set_creator("scripts/render_corpus.py")
    pdf.set_lang("vi")
    pdf.add_font("DejaVu", "", str(FONT_DIR / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(left=25, top=20, right=20)
    pdf.set_auto_page_break(auto=True, margin=20)
    pdf.add_page()
    for para in paras:
        if para.page_break_before:
            pdf.add_page()
        if para.rows is not None:
            pdf.set_font("DejaVu", "", 10)
            with pdf.table(first_row_as_headings=False, line_height=5.5) as table:
                for row in para.rows:
                    cells = table.row()
                    for value in row:
                        cells.cell(value)
            pdf.ln(1.5)
            continue
        pdf.set_font("DejaVu", "B" if para.bold else "", 13)
        pdf.multi_cell(0, 6.5, para.text, align="C" if para.center else "L",
                       new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)
    pdf.output(str(out))


def scan(pdf_path: Path, out: Path, seed: int = 7) -> None:
    """Rasterise a PDF the way a scanner would: grey pages at :data:`SCAN_DPI`, slightly skewed,
    with speckles; saved as an image-only PDF (no text layer)."""
    import random

    import pypdfium2
    from PIL import Image

    rnd = random.Random(seed)
    pages = []
    pdf = pypdfium2.PdfDocument(str(pdf_path))
    for page in pdf:
        img = page.render(scale=SCAN_DPI / 72, grayscale=True).to_pil().convert("L")
        img = img.rotate(SCAN_SKEW, resample=Image.Resampling.BICUBIC, fillcolor=255)
        px = img.load()
        for _ in range(int(img.width * img.height * SCAN_SPECKLE)):
            px[rnd.randrange(img.width), rnd.randrange(img.height)] = rnd.choice((0, 96, 255))
        pages.append(img)
    pdf.close()
    stamp = FIXED_DATE.timetuple()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=SCAN_DPI,
                  creationDate=stamp, modDate=stamp, producer="scripts/render_corpus.py")


def legacy_text(text: str, encoding: str) -> bytes:
    """``text`` in a pre-Unicode font encoding, as the 8-bit bytes such files hold."""
    sys.path.insert(0, str(ROOT))
    from pipeline.ingest.legacy import encode

    return encode(unicodedata.normalize("NFC", text), encoding).encode("cp1252")


def tcvn3_runs(text: str) -> list[tuple[str, str]]:
    """``text`` as (TCVN3 text, font) runs. TCVN3 has no code for most accented capitals
    ("Ủ", "Ộ"): such a letter is set in the capitals font .VnTimeH, in its small-letter code,
    as typists did."""
    sys.path.insert(0, str(ROOT))
    from pipeline.ingest.legacy import encode

    runs: list[tuple[str, str]] = []
    for letter in unicodedata.normalize("NFC", text):
        coded, font = encode(letter, "tcvn3"), ".VnTime"
        if any(ord(ch) > 0xFF for ch in coded):
            coded, font = encode(letter.lower(), "tcvn3"), ".VnTimeH"
        if runs and runs[-1][1] == font:
            runs[-1] = (runs[-1][0] + coded, font)
        else:
            runs.append((coded, font))
    return runs


def tcvn3_doc(paras: list[Para], out: Path) -> None:
    """A Word 97 .doc in TCVN3 fonts: a DOCX written that way, converted by headless
    LibreOffice (its output is not byte-for-byte reproducible)."""
    import shutil
    import subprocess
    import tempfile

    from docx import Document

    doc = Document()
    doc.styles["Normal"].font.name = ".VnTime"
    for para in paras:
        if para.text:
            p = doc.add_paragraph()
            for coded, font in tcvn3_runs(para.text):
                run = p.add_run(coded)
                run.font.name, run.bold = font, para.bold
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / (out.stem + ".docx")
        doc.save(str(src))
        soffice = shutil.which("soffice") or shutil.which("libreoffice")
        if soffice is None:
            raise SystemExit("render_corpus: soffice (libreoffice-writer-nogui) is needed for .doc renderings")
        subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp}/profile",
                        "--convert-to", "doc:MS Word 97", "--outdir", tmp, str(src)],
                       check=True, capture_output=True, timeout=180)
        shutil.copyfile(Path(tmp) / (out.stem + ".doc"), out)


def render_docx(paras: list[Para], title: str, out: Path) -> None:
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
    from docx.shared import Pt

    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    for para in paras:
        if para.table is not None:
            t = para.table
            table = doc.add_table(rows=1, cols=len(t.header))
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, t.header):
                cell.text = ""
                cell.paragraphs[0].add_run(text).bold = True
            for row in t.rows:
                cells = table.add_row().cells
                for cell, text in zip(cells, row):
                    cell.text = text
            continue
        if para.rows is not None:
            table = doc.add_table(rows=0, cols=len(para.rows[0]))
            table.style = "Table Grid"
            for row in para.rows:
                for cell, text in zip(table.add_row().cells, row):
                    cell.text = text
            continue
        p = doc.add_paragraph()
        if para.page_break_before:
            p.add_run().add_break(WD_BREAK.PAGE)
        run = p.add_run(para.text)
        run.bold = para.bold
        if para.center:
            p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    props = doc.core_properties
    props.title = title
    props.author = "vn-plan-pipeline sample corpus"
    props.last_modified_by = "scripts/render_corpus.py"
    props.comments = ""
    props.created = FIXED_DATE.replace(tzinfo=None)
    props.modified = FIXED_DATE.replace(tzinfo=None)
    props.last_printed = FIXED_DATE.replace(tzinfo=None)
    props.revision = 1
    buf = io.BytesIO()
    doc.save(buf)
    out.write_bytes(fixed_zip(buf.getvalue()))


def fixed_zip(data: bytes) -> bytes:
    """Re-pack a zip with fixed member time stamps (python-docx stamps the current time)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return buf.getvalue()


def title_of(paras: list[Para]) -> str:
    """The document title: the kind line ("KẾ HOẠCH", ...) and the subject line after it."""
    for i, p in enumerate(paras):
        if p.center and p.text in {"KẾ HOẠCH", "QUYẾT ĐỊNH", "HƯỚNG DẪN", "CHƯƠNG TRÌNH HÀNH ĐỘNG"}:
            return f"{p.text} {paras[i + 1].text}" if i + 1 < len(paras) else p.text
    return paras[0].text


def write_gold(rendering: Rendering) -> Path:
    src = GOLD / f"{rendering.source}.json"
    text = src.read_text(encoding="utf-8")
    new, n = re.subn(r'^(  "source": )"[^"]*",$', rf'\1"{rendering.target}",', text, count=1, flags=re.M)
    if n != 1:
        raise SystemExit(f"{src}: no source line")
    out = GOLD / f"{Path(rendering.target).stem}.json"
    out.write_text(new, encoding="utf-8")
    return out


def squash(s: str) -> str:
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", s)).strip()


def extracted_text(path: Path, tables: bool = False) -> str:
    """The rendering's text as pdfplumber / python-docx give it; with ``tables``, as the
    pipeline's own reader lays it out (table rows as " | " lines)."""
    if tables:
        sys.path.insert(0, str(ROOT))
        from pipeline.ingest.readers import read_bytes

        return "\n".join(read_bytes(path.read_bytes(), path.name).pages)
    if path.suffix == ".pdf":
        import pdfplumber

        with pdfplumber.open(path) as pdf:
            return "\n".join(page.extract_text() or "" for page in pdf.pages)
    from docx import Document

    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        for row in table.rows:
            parts.append(" | ".join(c.text for c in row.cells))
    return "\n".join(parts)


def verify(rendering: Rendering) -> list[str]:
    """Re-read a rendering: its text (diacritics included) must be the source text's."""
    path = INBOX / rendering.target
    source = (INBOX / f"{rendering.source}.txt").read_text(encoding="utf-8")
    got = squash(extracted_text(path, tables=" | " in source))
    lines = [ln for ln in source.splitlines() if ln.strip() != SEPARATOR]
    problems = []
    if rendering.table is None:
        want = squash("\n".join(lines))
        if got != want:
            at = next((i for i, (a, b) in enumerate(zip(got, want)) if a != b), min(len(got), len(want)))
            problems.append(f"{path.name}: text differs at {at}: {got[at - 40:at + 40]!r} vs {want[at - 40:at + 40]!r}")
    else:
        for row in rendering.table.rows:
            if " | ".join(row) not in got:
                problems.append(f"{path.name}: table row missing: {row}")
    if rendering.target.endswith(".pdf"):
        import pdfplumber

        with pdfplumber.open(path) as pdf:
            if len(pdf.pages) < 2 and rendering.source.startswith("103_"):
                problems.append(f"{path.name}: expected several pages, got {len(pdf.pages)}")
    return problems


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verify", action="store_true", help="re-read the renderings and compare with the sources")
    args = ap.parse_args(argv)
    if not (FONT_DIR / "DejaVuSans.ttf").exists():
        print(f"render_corpus: {FONT_DIR}/DejaVuSans.ttf is missing (apt-get install fonts-dejavu-core)", file=sys.stderr)
        return 2
    problems: list[str] = []
    for r in RENDERINGS:
        text = (INBOX / f"{r.source}.txt").read_text(encoding="utf-8")
        paras = layout(text, r.table)
        out = INBOX / r.target
        if r.style == "vni":
            out.write_bytes(legacy_text(text, "vni"))
        elif r.style == "tcvn3-doc":
            tcvn3_doc(paras, out)
        elif r.style == "scan":
            plain = out.with_suffix(".plain.pdf")
            render_pdf(paras, title_of(paras), plain)
            scan(plain, out)
            plain.unlink()
        elif out.suffix == ".pdf":
            render_pdf(paras, title_of(paras), out)
        else:
            render_docx(paras, title_of(paras), out)
        gold = write_gold(r)
        print(f"{r.source}.txt -> {out.relative_to(ROOT)} ({out.stat().st_size} bytes), {gold.relative_to(ROOT)}")
        if args.verify and r.style == "plain":
            problems += verify(r)
    for p in problems:
        print("PROBLEM: " + p, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
