"""Input generators for reader tests: PDFs (fpdf2), DOCX (python-docx) and encoded text.

The tests build every synthetic input they need here, so nothing binary is checked in.
PDF helpers need the DejaVu Sans TTF font (it has the Vietnamese letters); tests that use
them should carry :data:`needs_font`, which skips with a clear reason when it is missing.
"""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

import pytest

FONT_NAME = "DejaVuSans.ttf"
FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts",
    "/usr/local/share/fonts",
    "~/.local/share/fonts",
    "~/.fonts",
    "/Library/Fonts",
    "/System/Library/Fonts",
    "C:/Windows/Fonts",
)
FAKE_BOLD_OFFSET = 0.3  # points
LINE_HEIGHT = 16  # points, for 12 pt text
VIETNAMESE_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}


def find_font(name: str = FONT_NAME) -> Path | None:
    """The first ``name`` in the standard font directories (searched one level deep first)."""
    dirs = [Path(d).expanduser() for d in FONT_DIRS]
    for folder in dirs:
        if (folder / name).is_file():
            return folder / name
    for folder in dirs:
        if folder.is_dir():
            found = next(folder.rglob(name), None)
            if found:
                return found
    return None


FONT = find_font()
needs_font = pytest.mark.skipif(FONT is None, reason=f"{FONT_NAME} not found in {', '.join(FONT_DIRS)}")


def _new_pdf():
    from fpdf import FPDF

    if FONT is None:
        pytest.skip(f"{FONT_NAME} not found")
    pdf = FPDF(unit="pt", format="A4")
    pdf.add_font("DejaVu", "", str(FONT))
    pdf.set_font("DejaVu", size=12)
    return pdf


def _save(pdf, path: Path | str, junk_prefix: bytes = b"") -> Path:
    path = Path(path)
    path.write_bytes(junk_prefix + bytes(pdf.output()))
    return path


def render_pdf(
    text: str,
    path: Path | str,
    *,
    pages_break: str = "\f",
    junk_prefix: bytes = b"",
    fake_bold: bool = False,
) -> Path:
    """Write ``text`` as a PDF, one page per ``pages_break``-separated part.

    ``junk_prefix`` is written before ``%PDF``. ``fake_bold`` draws every line twice,
    :data:`FAKE_BOLD_OFFSET` points apart, the way some producers fake a bold face (each
    page's text should then fit on one page).
    """
    pdf = _new_pdf()
    for page_text in text.split(pages_break):
        pdf.add_page()
        x, y, width = pdf.get_x(), pdf.get_y(), pdf.epw - 2
        pdf.multi_cell(width, LINE_HEIGHT, page_text)
        if fake_bold:
            pdf.set_xy(x + FAKE_BOLD_OFFSET, y)
            pdf.multi_cell(width, LINE_HEIGHT, page_text)
    return _save(pdf, path, junk_prefix)


def render_pdf_table(title: str, rows: list[list[str]], path: Path | str, *, after: str = "") -> Path:
    """A PDF page with ``title``, a ruled table of ``rows`` (the first is the header), then ``after``."""
    pdf = _new_pdf()
    pdf.add_page()
    pdf.multi_cell(0, LINE_HEIGHT, title)
    pdf.ln(6)
    with pdf.table(first_row_as_headings=False, line_height=LINE_HEIGHT) as table:
        for row in rows:
            cells = table.row()
            for value in row:
                cells.cell(value)
    if after:
        pdf.ln(10)
        pdf.multi_cell(0, LINE_HEIGHT, after)
    return _save(pdf, path)


def encrypted_pdf(path: Path | str, text: str = "Kế hoạch số 1555/KH-SKHCN", *,
                  user_password: str = "secret", owner_password: str = "owner") -> Path:
    """A PDF that opens only with ``user_password`` (empty: readable by anyone)."""
    pdf = _new_pdf()
    pdf.set_encryption(owner_password=owner_password, user_password=user_password)
    pdf.add_page()
    pdf.multi_cell(0, LINE_HEIGHT, text)
    return _save(pdf, path)


def image_only_pdf(path: Path | str, pages: int = 2) -> Path:
    """A PDF whose pages hold only drawn shapes, like a scan: no text layer."""
    pdf = _new_pdf()
    for _ in range(pages):
        pdf.add_page()
        pdf.set_fill_color(120, 120, 120)
        pdf.rect(72, 72, 300, 200, style="F")
    return _save(pdf, path)


def scanned_pdf(pdf_path: Path | str, *, rotate: dict[int, int] | None = None, dpi: int = 200,
                blank_pages: tuple[int, ...] = ()) -> bytes:
    """An image-only PDF of ``pdf_path``'s pages, like a scanner makes: grey images at ``dpi``,
    mildly blurred and noisy, no text layer. ``rotate`` turns pages (1-based) counter-clockwise
    by the given degrees; ``blank_pages`` (1-based) come out as empty white images."""
    import io

    import pypdfium2 as pdfium
    from PIL import Image, ImageFilter

    rotate = rotate or {}
    doc = pdfium.PdfDocument(str(pdf_path))
    images = []
    try:
        for index in range(len(doc)):
            page = doc[index]
            image = page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
            page.close()
            if index + 1 in blank_pages:
                image = Image.new("L", image.size, 255)
            image = image.filter(ImageFilter.GaussianBlur(0.7))
            image = Image.blend(image, Image.effect_noise(image.size, 60), 0.12)
            if index + 1 in rotate:
                image = image.rotate(rotate[index + 1], expand=True, fillcolor=255)
            images.append(image)
    finally:
        doc.close()
    out = io.BytesIO()
    images[0].save(out, "PDF", save_all=True, append_images=images[1:], resolution=dpi)
    return out.getvalue()


def render_docx(paragraphs: list[str], path: Path | str, table: list[list[str]] | None = None) -> Path:
    """Write a DOCX with ``paragraphs``; ``table`` (rows of cells) goes after the first one."""
    import docx

    doc = docx.Document()
    for i, para in enumerate(paragraphs):
        doc.add_paragraph(para)
        if i == 0 and table:
            grid = doc.add_table(rows=len(table), cols=max(len(row) for row in table))
            for r, row in enumerate(table):
                for c, value in enumerate(row):
                    grid.cell(r, c).text = value
    path = Path(path)
    doc.save(str(path))
    return path


def zip_bomb_docx(path: Path | str, source: Path | str, member_mib: int = 24) -> Path:
    """Copy the DOCX ``source`` with an added member of ``member_mib`` MiB of zeros (~1000:1)."""
    path = Path(path)
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            out.writestr(info, src.read(info))
        with out.open("word/media/padding.bin", "w", force_zip64=True) as member:
            for _ in range(member_mib):
                member.write(chunk)
    return path


def encode_cp1258(text: str) -> bytes:
    """Encode Vietnamese as Windows-1258 does: base letters precomposed, tone marks combining."""
    out = []
    for ch in text:
        parts = unicodedata.normalize("NFD", ch)
        tones = "".join(c for c in parts if c in VIETNAMESE_TONES)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in VIETNAMESE_TONES))
        out.append(base + tones)
    return "".join(out).encode("cp1258")
