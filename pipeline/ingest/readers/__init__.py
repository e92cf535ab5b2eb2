"""One reader per format, behind one format table.

A reader is a function ``(data: bytes, filename: str, limits: Limits) -> RawDocument``. Readers know nothing
about extraction; they only turn bytes into page texts. :func:`detect_format` picks the
format from the file's content first (magic bytes) and its name second, so a ``.pdf`` that
is really HTML is read as HTML, and a file nobody can read gets :class:`UnsupportedFormat`.
Word ``.doc`` and RTF are converted to DOCX by LibreOffice (:mod:`.office`) and read by the
DOCX reader; a damaged ``.doc`` is still routed to its reader by name, for a clear error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from ...core.model import RawDocument
from ...errors import ReaderError, TooLarge, UnsupportedFormat
from ..budgets import check_chars, check_docx_xml, check_pdf_streams, check_text_bytes
from ..limits import DEFAULT_LIMITS, Limits
from . import doc, docx, html, pdf, rtf, text

Reader = Callable[[bytes, str, Limits], RawDocument]


@dataclass(frozen=True)
class Format:
    """One row of the format table."""

    name: str
    media_type: str
    suffixes: tuple[str, ...]
    reader: Reader
    sniff: Callable[[bytes], bool]
    #: A weaker content test that, with one of ``suffixes``, still picks this format (a
    #: damaged file then gets this reader's clear error instead of "unsupported format").
    by_suffix: Callable[[bytes], bool] | None = None


FORMATS: tuple[Format, ...] = (
    Format("pdf", "application/pdf", (".pdf",), pdf.read, pdf.sniff),
    Format(
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        (".docx",),
        docx.read,
        docx.sniff,
    ),
    Format("doc", doc.MEDIA_TYPE, (".doc", ".dot"), doc.read, doc.sniff, doc.damaged),
    Format("rtf", rtf.MEDIA_TYPE, (".rtf",), rtf.read, rtf.sniff),
    Format("html", "text/html", (".html", ".htm", ".xhtml"), html.read, html.sniff),
    Format("text", "text/plain", (".txt", ".text", ".md"), text.read, text.sniff, lambda data: True),
)


def detect_format(data: bytes, filename: str) -> Format:
    """The table row for these bytes: content sniffing first, then the file-name suffix."""
    for fmt in FORMATS:
        if fmt.sniff(data):
            return fmt
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    for fmt in FORMATS:
        if suffix in fmt.suffixes and fmt.by_suffix is not None and fmt.by_suffix(data):
            return fmt
    raise UnsupportedFormat(f"unsupported file format for {filename!r} (suffix {suffix or 'none'!r})")


def too_large(filename: str, size: int, limits: Limits) -> TooLarge:
    """The error for a file of ``size`` bytes over the size limit (the same wherever it is checked)."""
    return TooLarge(f"{filename!r} is {size:,} bytes, over the limit of {limits.max_bytes:,} bytes")


def read_bytes(data: bytes, filename: str, limits: Limits = DEFAULT_LIMITS) -> RawDocument:
    """Read ``data`` with the reader its format calls for.

    Raises a :class:`ReaderError` subclass with a clear message when the file cannot be read.
    """
    if len(data) > limits.max_bytes:
        raise too_large(filename, len(data), limits)
    fmt = detect_format(data, filename)
    _BUDGETS.get(fmt.name, _no_budget)(data, filename, limits)
    try:
        raw = fmt.reader(data, filename, limits)
    except (ReaderError, MemoryError):  # out of memory: the worker's limit, reported as too_large
        raise
    except Exception as exc:  # a third-party parser failing on a broken file
        raise ReaderError(f"{fmt.name} reader could not read {filename!r}: {type(exc).__name__}: {exc}") from exc
    check_chars(raw.pages, filename, limits)
    raw.media_type = fmt.media_type
    raw.ingest.setdefault("reader", fmt.name)
    return raw


def _no_budget(data: bytes, filename: str, limits: Limits) -> None:
    return None


#: Content budgets checked before a format's reader holds the content (:mod:`..budgets`).
_BUDGETS: dict[str, Callable[[bytes, str, Limits], None]] = {
    "pdf": check_pdf_streams, "docx": check_docx_xml, "text": check_text_bytes, "html": check_text_bytes,
}


__all__ = ["FORMATS", "Format", "Reader", "detect_format", "read_bytes"]
