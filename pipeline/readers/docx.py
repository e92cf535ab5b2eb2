"""DOCX reader (python-docx): paragraphs and tables in document order.

The body's children are walked in order: a paragraph is one line; a table row is one line
with its cells joined by " | " (a merged cell is written once, at its first position);
content controls (``w:sdt``) are opened. The zip is checked before parsing: archives that
would inflate past :data:`MAX_UNCOMPRESSED` or with an absurd compression ratio are refused.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Iterator

import docx
from docx.document import Document as DocxDocument
from docx.opc.exceptions import PackageNotFoundError
from docx.oxml.ns import qn
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml.etree import XMLSyntaxError, _Element

from ..errors import EmptyDocument, ReaderError
from ..model import RawDocument
from .text import check_unicode_vietnamese
from ..limits import DEFAULT_LIMITS, Limits

ZIP_MAGIC = b"PK\x03\x04"
MAIN_PART = "word/document.xml"
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200
RATIO_MIN_SIZE = 10 * 1024 * 1024  # the ratio check applies to members larger than this

_P, _TBL, _SDT, _SDT_CONTENT = qn("w:p"), qn("w:tbl"), qn("w:sdt"), qn("w:sdtContent")


def sniff(data: bytes) -> bool:
    """True for a zip holding ``word/document.xml``.

    A zip too damaged to list still counts when a local header names the main part, so the
    reader can report it as corrupt instead of as an unknown format.
    """
    if not data.startswith(ZIP_MAGIC):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return MAIN_PART in archive.namelist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return MAIN_PART.encode() in data


def check_archive(archive: zipfile.ZipFile) -> None:
    """Refuse zip bombs: too much data in total, or a large member compressed absurdly well."""
    infos = archive.infolist()
    total = sum(info.file_size for info in infos)
    if total > MAX_UNCOMPRESSED:
        raise ReaderError(
            f"DOCX refused: it would inflate to {total / 2**20:.0f} MiB "
            f"(limit {MAX_UNCOMPRESSED // 2**20} MiB); possible zip bomb"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_MIN_SIZE and ratio > MAX_RATIO:
            raise ReaderError(
                f"DOCX refused: member {info.filename!r} is compressed {ratio:.0f}:1 "
                f"(limit {MAX_RATIO}:1 above {RATIO_MIN_SIZE // 2**20} MiB); possible zip bomb"
            )


def _block_lines(container: _Element, doc: DocxDocument) -> Iterator[str]:
    """Lines of the paragraphs and tables directly inside ``container``, in order."""
    for child in container.iterchildren():
        if child.tag == _P:
            yield Paragraph(child, doc).text
        elif child.tag == _TBL:
            yield from _table_lines(Table(child, doc), doc)
        elif child.tag == _SDT:
            for content in child.iterchildren(_SDT_CONTENT):
                yield from _block_lines(content, doc)


def _table_lines(table: Table, doc: DocxDocument) -> Iterator[str]:
    """One line per row; cells joined by " | "; merged cells written once."""
    seen: set[_Element] = set()  # holding the elements keeps their proxies (and identity) alive
    for row in table.rows:
        cells = []
        for cell in row.cells:
            if cell._tc in seen:
                continue
            seen.add(cell._tc)
            cells.append(" ".join(line.strip() for line in _block_lines(cell._tc, doc) if line.strip()))
        if any(cells):
            yield " | ".join(cells)


def read(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> RawDocument:
    """Read a DOCX file into one page of text."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            check_archive(archive)
        doc = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, zlib.error, EOFError, KeyError, ValueError, PackageNotFoundError, XMLSyntaxError) as exc:
        raise ReaderError(f"{filename!r} is a corrupt DOCX: {type(exc).__name__}: {exc}") from exc
    text = "\n".join(_block_lines(doc.element.body, doc))
    if not text.strip():
        raise EmptyDocument("DOCX has no text")
    check_unicode_vietnamese(text, "DOCX text")
    return RawDocument([text], "application/vnd.openxmlformats-officedocument.wordprocessingml.document", paged=False)
